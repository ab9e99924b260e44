//! Regions, units, topics and the dispatch catalogue.

use crate::Store;
use crate::error::StoreError;
use minsheng_core::region::{Directory, DispatchRule, Level, Region, Topic, Unit, UnitKind};

impl Store {
    /// Replaces the whole directory (seed, import, admin edit) in one transaction.
    pub async fn save_directory(&self, d: &Directory) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        for table in ["dispatch_rules", "units", "regions", "topics"] {
            sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table}")))
                .execute(&mut *tx)
                .await?;
        }
        for (i, r) in d.regions().enumerate() {
            sqlx::query(
                "INSERT INTO regions (code, name_zh, name_en, level, parent, ord) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(r.code.clone())
            .bind(r.name_zh.clone())
            .bind(r.name_en.clone())
            .bind(r.level.as_str())
            .bind(r.parent.clone())
            .bind(i as i64)
            .execute(&mut *tx)
            .await?;
        }
        for (i, u) in d.units().enumerate() {
            sqlx::query(
                "INSERT INTO units (id, name_zh, name_en, kind, region, ord) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(u.id.clone())
            .bind(u.name_zh.clone())
            .bind(u.name_en.clone())
            .bind(u.kind.as_str())
            .bind(u.region.clone())
            .bind(i as i64)
            .execute(&mut *tx)
            .await?;
        }
        for (i, t) in d.topics().enumerate() {
            sqlx::query(
                "INSERT INTO topics (code, name_zh, name_en, parent, ord) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(t.code.clone())
            .bind(t.name_zh.clone())
            .bind(t.name_en.clone())
            .bind(t.parent.clone())
            .bind(i as i64)
            .execute(&mut *tx)
            .await?;
        }
        for r in d.dispatch_rules() {
            sqlx::query("INSERT INTO dispatch_rules (region, topic, unit) VALUES ($1, $2, $3)")
                .bind(r.region)
                .bind(r.topic)
                .bind(r.unit)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn load_directory(&self) -> Result<Directory, StoreError> {
        let regions: Vec<(String, String, String, String, Option<String>)> = sqlx::query_as(
            "SELECT code, name_zh, name_en, level, parent FROM regions ORDER BY ord",
        )
        .fetch_all(&self.pool)
        .await?;
        let units: Vec<(String, String, String, String, String)> =
            sqlx::query_as("SELECT id, name_zh, name_en, kind, region FROM units ORDER BY ord")
                .fetch_all(&self.pool)
                .await?;
        let topics: Vec<(String, String, String, Option<String>)> =
            sqlx::query_as("SELECT code, name_zh, name_en, parent FROM topics ORDER BY ord")
                .fetch_all(&self.pool)
                .await?;
        let rules: Vec<(String, String, String)> =
            sqlx::query_as("SELECT region, topic, unit FROM dispatch_rules")
                .fetch_all(&self.pool)
                .await?;
        let corrupt = |what: &str, v: &str| StoreError::Corrupt(format!("unknown {what} {v:?}"));
        let regions = regions
            .into_iter()
            .map(|(code, name_zh, name_en, level, parent)| {
                Ok(Region {
                    level: Level::parse(&level).ok_or_else(|| corrupt("level", &level))?,
                    code,
                    name_zh,
                    name_en,
                    parent,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let units = units
            .into_iter()
            .map(|(id, name_zh, name_en, kind, region)| {
                Ok(Unit {
                    kind: UnitKind::parse(&kind).ok_or_else(|| corrupt("unit kind", &kind))?,
                    id,
                    name_zh,
                    name_en,
                    region,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let topics = topics
            .into_iter()
            .map(|(code, name_zh, name_en, parent)| Topic {
                code,
                name_zh,
                name_en,
                parent,
            })
            .collect();
        let rules = rules
            .into_iter()
            .map(|(region, topic, unit)| DispatchRule {
                region,
                topic,
                unit,
            })
            .collect();
        Directory::new(regions, units, topics, rules)
            .map_err(|e| StoreError::Corrupt(e.message_en()))
    }
}
