//! Open311 GeoReport v2 support: API clients (keys kept only as hashes) and the case query
//! behind `GET requests`, which only ever lists cases that arrived through Open311.

use crate::error::StoreError;
use crate::{Store, from_millis, millis};
use chrono::{DateTime, Utc};
use minsheng_core::workflow::CaseState;
use sqlx::AssertSqlSafe;

/// An Open311 client (an app or a partner site) as an administrator sees it; never the key.
#[derive(Debug, Clone, PartialEq)]
pub struct Open311Client {
    pub id: uuid::Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub active: bool,
}

/// Filters of `GET requests`; the server has already resolved open/closed to status codes and
/// a service code to its topic subtree.
#[derive(Debug, Clone, Default)]
pub struct Open311Query {
    /// Case numbers; when set, every other filter is ignored (the spec's override rule).
    pub numbers: Option<Vec<String>>,
    pub topics: Option<Vec<String>>,
    /// Region codes (the server expands a jurisdiction to its subtree).
    pub regions: Option<Vec<String>>,
    pub statuses: Option<Vec<String>>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub offset: u32,
    pub limit: u32,
}

/// The key is 32 random bytes, so a plain fast hash is enough: there is nothing to guess.
fn key_hash(key: &str) -> String {
    blake3::hash(key.as_bytes()).to_hex().to_string()
}

type ClientRow = (String, String, i64, i64);

fn client(r: ClientRow) -> Result<Open311Client, StoreError> {
    Ok(Open311Client {
        id: uuid::Uuid::parse_str(&r.0).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        name: r.1,
        created_at: from_millis(r.2),
        active: r.3 != 0,
    })
}

impl Store {
    /// Issues a new client and returns its api_key, which is shown once and never stored.
    pub async fn create_open311_client(
        &self,
        name: &str,
    ) -> Result<(Open311Client, String), StoreError> {
        let bytes: [u8; 32] = crate::crypto::random_bytes()?;
        let key = format!("o311_{}", hex::encode(bytes));
        let c = Open311Client {
            id: uuid::Uuid::now_v7(),
            name: name.to_string(),
            created_at: from_millis(millis(Utc::now())),
            active: true,
        };
        sqlx::query(
            "INSERT INTO open311_clients (id, name, key_hash, created_at, active) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(c.id.to_string())
        .bind(c.name.clone())
        .bind(key_hash(&key))
        .bind(millis(c.created_at))
        .bind(1_i64)
        .execute(&self.pool)
        .await?;
        Ok((c, key))
    }

    /// The active client holding `key`, if any.
    pub async fn open311_client_by_key(
        &self,
        key: &str,
    ) -> Result<Option<Open311Client>, StoreError> {
        let row: Option<ClientRow> = sqlx::query_as(
            "SELECT id, name, created_at, active FROM open311_clients \
             WHERE key_hash = $1 AND active = 1",
        )
        .bind(key_hash(key))
        .fetch_optional(&self.pool)
        .await?;
        row.map(client).transpose()
    }

    pub async fn open311_clients(&self) -> Result<Vec<Open311Client>, StoreError> {
        let rows: Vec<ClientRow> = sqlx::query_as(
            "SELECT id, name, created_at, active FROM open311_clients ORDER BY created_at, id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(client).collect()
    }

    /// Open311 cases matching `q`, newest first.
    pub async fn open311_cases(&self, q: &Open311Query) -> Result<Vec<CaseState>, StoreError> {
        let mut args: Vec<Arg> = vec![Arg::Text("open311".into())];
        let mut sql = String::from("SELECT state FROM cases WHERE channel = $1");
        if let Some(n) = &q.numbers {
            in_list(&mut sql, &mut args, "number", n);
        } else {
            if let Some(t) = &q.topics {
                in_list(&mut sql, &mut args, "topic", t);
            }
            if let Some(r) = &q.regions {
                in_list(&mut sql, &mut args, "region", r);
            }
            if let Some(s) = &q.statuses {
                in_list(&mut sql, &mut args, "status", s);
            }
            if let Some(t) = q.from {
                args.push(Arg::Int(millis(t)));
                sql.push_str(&format!(" AND registered_at >= ${}", args.len()));
            }
            if let Some(t) = q.to {
                args.push(Arg::Int(millis(t)));
                sql.push_str(&format!(" AND registered_at <= ${}", args.len()));
            }
        }
        args.push(Arg::Int(i64::from(q.limit.clamp(1, 1000))));
        let pl = args.len();
        args.push(Arg::Int(i64::from(q.offset)));
        let po = args.len();
        sql.push_str(&format!(
            " ORDER BY registered_at DESC, id DESC LIMIT ${pl} OFFSET ${po}"
        ));
        let mut query = sqlx::query_scalar::<_, String>(AssertSqlSafe(sql));
        for a in args {
            query = match a {
                Arg::Text(s) => query.bind(s),
                Arg::Int(i) => query.bind(i),
            };
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|s| serde_json::from_str(s).map_err(StoreError::from))
            .collect()
    }
}

enum Arg {
    Text(String),
    Int(i64),
}

fn in_list(sql: &mut String, args: &mut Vec<Arg>, col: &str, vals: &[String]) {
    if vals.is_empty() {
        sql.push_str(" AND 1 = 0");
        return;
    }
    let ph: Vec<String> = vals
        .iter()
        .map(|v| {
            args.push(Arg::Text(v.clone()));
            format!("${}", args.len())
        })
        .collect();
    sql.push_str(&format!(" AND {col} IN ({})", ph.join(", ")));
}
