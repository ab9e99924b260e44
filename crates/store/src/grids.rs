//! Grids, grid-worker assignments and site-visit photo records (the grid projection columns of
//! `cases`, migration 0015, are written by the writer with the case row).

use crate::error::StoreError;
use crate::{Store, from_millis, millis};
use chrono::{DateTime, Utc};
use minsheng_core::workflow::CaseState;

/// A grid as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct GridRecord {
    pub id: String,
    pub name: String,
    /// The community region it belongs to.
    pub region: String,
    pub h3_resolution: u8,
    pub h3_cells: Vec<String>,
    /// GeoJSON polygon kept for display (placement uses the cells).
    pub polygon: Option<String>,
    pub keywords: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl GridRecord {
    pub fn shape(&self) -> minsheng_core::grid::GridShape {
        minsheng_core::grid::GridShape {
            id: self.id.clone(),
            region: self.region.clone(),
            resolution: self.h3_resolution,
            cells: self.h3_cells.clone(),
            keywords: self.keywords.clone(),
        }
    }
}

/// A stored site-visit photo's record (the bytes are a file under the data directory).
#[derive(Debug, Clone, PartialEq)]
pub struct PhotoRecord {
    pub id: uuid::Uuid,
    pub case_id: uuid::Uuid,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_by: String,
    pub created_at: DateTime<Utc>,
}

/// Per-grid counts over a period for 就地化解率 (docs/kpi.md).
#[derive(Debug, Clone, PartialEq)]
pub struct GridRate {
    pub grid_id: String,
    /// Matters placed in the grid and registered in the period.
    pub matters: i64,
    /// Of those, resolved on the spot (at any time up to now).
    pub on_spot: i64,
}

type GridRow = (
    String,
    String,
    String,
    i64,
    String,
    Option<String>,
    String,
    i64,
    i64,
);

const GRID_COLUMNS: &str =
    "id, name, region, h3_resolution, h3_cells, polygon, keywords, created_at, updated_at";

fn grid_from_row(r: GridRow) -> Result<GridRecord, StoreError> {
    let (id, name, region, res, cells, polygon, keywords, created, updated) = r;
    let list = |s: &str| -> Result<Vec<String>, StoreError> {
        serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("grid {id}: {e}")))
    };
    Ok(GridRecord {
        h3_resolution: u8::try_from(res).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        h3_cells: list(&cells)?,
        keywords: list(&keywords)?,
        id: id.clone(),
        name,
        region,
        polygon,
        created_at: from_millis(created),
        updated_at: from_millis(updated),
    })
}

fn uuid(s: &str) -> Result<uuid::Uuid, StoreError> {
    uuid::Uuid::parse_str(s).map_err(|e| StoreError::Corrupt(e.to_string()))
}

impl Store {
    /// Creates or replaces a grid.
    pub async fn save_grid(&self, g: &GridRecord) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO grids (id, name, region, h3_resolution, h3_cells, polygon, keywords, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, region = excluded.region, \
             h3_resolution = excluded.h3_resolution, h3_cells = excluded.h3_cells, \
             polygon = excluded.polygon, keywords = excluded.keywords, updated_at = excluded.updated_at",
        )
        .bind(g.id.clone())
        .bind(g.name.clone())
        .bind(g.region.clone())
        .bind(i64::from(g.h3_resolution))
        .bind(serde_json::to_string(&g.h3_cells)?)
        .bind(g.polygon.clone())
        .bind(serde_json::to_string(&g.keywords)?)
        .bind(millis(g.created_at))
        .bind(millis(g.updated_at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn grids(&self) -> Result<Vec<GridRecord>, StoreError> {
        let rows: Vec<GridRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {GRID_COLUMNS} FROM grids ORDER BY id"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(grid_from_row).collect()
    }

    pub async fn grid(&self, id: &str) -> Result<Option<GridRecord>, StoreError> {
        let row: Option<GridRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {GRID_COLUMNS} FROM grids WHERE id = $1"
        )))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(grid_from_row).transpose()
    }

    /// Sets the grid workers of a grid (replacing the earlier list).
    pub async fn set_grid_workers(
        &self,
        grid_id: &str,
        users: &[uuid::Uuid],
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM grid_workers WHERE grid_id = $1")
            .bind(grid_id.to_string())
            .execute(&mut *tx)
            .await?;
        for u in users {
            sqlx::query("INSERT INTO grid_workers (grid_id, user_id) VALUES ($1, $2)")
                .bind(grid_id.to_string())
                .bind(u.to_string())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The user ids serving a grid.
    pub async fn grid_workers(&self, grid_id: &str) -> Result<Vec<uuid::Uuid>, StoreError> {
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT user_id FROM grid_workers WHERE grid_id = $1 ORDER BY user_id")
                .bind(grid_id.to_string())
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(|r| uuid(&r.0)).collect()
    }

    /// The grids a user serves.
    pub async fn grids_of_worker(&self, user: uuid::Uuid) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT grid_id FROM grid_workers WHERE user_id = $1 ORDER BY grid_id")
                .bind(user.to_string())
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// Cases placed in any of `grids`, newest first.
    pub async fn cases_in_grids(
        &self,
        grids: &[String],
        limit: u32,
    ) -> Result<Vec<CaseState>, StoreError> {
        let mut out = Vec::new();
        for g in grids {
            let rows: Vec<(String,)> = sqlx::query_as(
                "SELECT state FROM cases WHERE grid_id = $1 ORDER BY registered_at DESC LIMIT $2",
            )
            .bind(g.clone())
            .bind(i64::from(limit.clamp(1, 1000)))
            .fetch_all(&self.pool)
            .await?;
            for (json,) in rows {
                out.push(serde_json::from_str::<CaseState>(&json)?);
            }
        }
        out.sort_by(|a, b| b.registered_at.cmp(&a.registered_at).then(b.id.cmp(&a.id)));
        out.truncate(limit as usize);
        Ok(out)
    }

    /// 就地化解率 inputs per grid for matters registered in `[from, to)`.
    pub async fn grid_rates(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<GridRate>, StoreError> {
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT grid_id, COUNT(*), COUNT(on_spot_at) FROM cases \
             WHERE grid_id IS NOT NULL AND registered_at >= $1 AND registered_at < $2 \
             GROUP BY grid_id ORDER BY grid_id",
        )
        .bind(millis(from))
        .bind(millis(to))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(grid_id, matters, on_spot)| GridRate {
                grid_id,
                matters,
                on_spot,
            })
            .collect())
    }

    pub async fn save_photo(&self, p: &PhotoRecord) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO grid_photos (id, case_id, content_type, size, sha256, uploaded_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(p.id.to_string())
        .bind(p.case_id.to_string())
        .bind(p.content_type.clone())
        .bind(p.size)
        .bind(p.sha256.clone())
        .bind(p.uploaded_by.clone())
        .bind(millis(p.created_at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn delete_photo(&self, id: uuid::Uuid) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM grid_photos WHERE id = $1")
            .bind(id.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn photo(&self, id: uuid::Uuid) -> Result<Option<PhotoRecord>, StoreError> {
        let row: Option<(String, String, String, i64, String, String, i64)> = sqlx::query_as(
            "SELECT id, case_id, content_type, size, sha256, uploaded_by, created_at \
             FROM grid_photos WHERE id = $1",
        )
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|(id, case_id, content_type, size, sha256, by, at)| {
            Ok(PhotoRecord {
                id: uuid(&id)?,
                case_id: uuid(&case_id)?,
                content_type,
                size,
                sha256,
                uploaded_by: by,
                created_at: from_millis(at),
            })
        })
        .transpose()
    }

    /// How many photo records a case has (tests check that refused uploads store nothing).
    pub async fn photo_count(&self, case_id: uuid::Uuid) -> Result<i64, StoreError> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM grid_photos WHERE case_id = $1")
            .bind(case_id.to_string())
            .fetch_one(&self.pool)
            .await?;
        Ok(n)
    }
}
