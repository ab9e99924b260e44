//! Online backups as a backend-neutral archive, and restoring one into an empty store.
//!
//! The archive is JSON lines: a header (format, backend, schema version, tables), then per table
//! a line naming its columns and one line per row, then a trailer with the row count and a
//! BLAKE3 digest of every line before it, so a truncated or edited archive is refused. It is read
//! inside one snapshot (PostgreSQL `REPEATABLE READ`, a SQLite read transaction under WAL), so it
//! is consistent while the service keeps writing. Sealed personal data is copied as sealed bytes:
//! the archive never holds plaintext, and restoring it needs the same key file. Because it is
//! neutral, a SQLite backup restores into PostgreSQL and back.

use crate::error::StoreError;
use crate::{Backend, Store};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value, json};
use sqlx::Row;
use std::io::{BufRead, Write};

/// The archive format this code writes and reads.
pub const FORMAT: u32 = 1;

/// The migrations' own bookkeeping table is not data: the target runs its own migrations.
const SKIP: &[&str] = &["_sqlx_migrations"];

/// A table's columns with the kind each is archived as.
type Columns = Vec<(String, Kind)>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Int,
    Real,
    Bytes,
}

impl Kind {
    fn from_declared(t: &str) -> Kind {
        let t = t.to_ascii_lowercase();
        if t.contains("int") {
            Kind::Int
        } else if t.contains("blob") || t.contains("bytea") {
            Kind::Bytes
        } else if t.contains("real") || t.contains("double") || t.contains("float") {
            Kind::Real
        } else {
            Kind::Text
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Kind::Text => "text",
            Kind::Int => "int",
            Kind::Real => "real",
            Kind::Bytes => "bytes",
        }
    }

    fn parse(s: &str) -> Option<Kind> {
        Some(match s {
            "text" => Kind::Text,
            "int" => Kind::Int,
            "real" => Kind::Real,
            "bytes" => Kind::Bytes,
            _ => return None,
        })
    }
}

/// What a backup or restore did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BackupSummary {
    pub tables: usize,
    pub rows: u64,
    /// Hex BLAKE3 of the archive's content lines.
    pub digest: String,
}

fn corrupt(msg: impl Into<String>) -> StoreError {
    StoreError::Corrupt(format!("backup archive: {}", msg.into()))
}

/// Writes lines and keeps the running digest.
struct Lines<W: Write> {
    out: W,
    hash: blake3::Hasher,
}

impl<W: Write> Lines<W> {
    fn put(&mut self, v: &Value) -> Result<(), StoreError> {
        let mut line = serde_json::to_vec(v)?;
        line.push(b'\n');
        self.hash.update(&line);
        self.out
            .write_all(&line)
            .map_err(|e| StoreError::Config(format!("writing the backup: {e}")))
    }
}

impl Store {
    /// A keyed hash that tells whether two stores share a key, revealing nothing about it.
    fn key_check(&self) -> String {
        self.sealer.blind_index("backup_key_check", "minsheng")
    }

    async fn tables(
        &self,
        conn: &mut sqlx::AnyConnection,
    ) -> Result<Vec<(String, Columns)>, StoreError> {
        let names: Vec<(String,)> = match self.backend {
            Backend::Sqlite => {
                sqlx::query_as(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
                )
                .fetch_all(&mut *conn)
                .await?
            }
            Backend::Postgres => {
                sqlx::query_as(
                    "SELECT table_name::TEXT FROM information_schema.tables \
                     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name",
                )
                .fetch_all(&mut *conn)
                .await?
            }
        };
        let mut out = Vec::new();
        for (name,) in names {
            if SKIP.contains(&name.as_str()) {
                continue;
            }
            let cols: Vec<(String, String)> = match self.backend {
                Backend::Sqlite => {
                    sqlx::query_as("SELECT name, type FROM pragma_table_info($1) ORDER BY cid")
                        .bind(name.clone())
                        .fetch_all(&mut *conn)
                        .await?
                }
                Backend::Postgres => {
                    sqlx::query_as(
                        "SELECT column_name::TEXT, data_type::TEXT FROM information_schema.columns \
                         WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
                    )
                    .bind(name.clone())
                    .fetch_all(&mut *conn)
                    .await?
                }
            };
            out.push((
                name,
                cols.into_iter()
                    .map(|(c, t)| (c, Kind::from_declared(&t)))
                    .collect(),
            ));
        }
        Ok(out)
    }

    async fn schema_version(&self, conn: &mut sqlx::AnyConnection) -> Result<i64, StoreError> {
        let (v,): (Option<i64>,) =
            sqlx::query_as("SELECT MAX(version) FROM _sqlx_migrations WHERE success = TRUE")
                .fetch_one(&mut *conn)
                .await?;
        Ok(v.unwrap_or(0))
    }

    /// Writes a consistent archive of every table to `out` while the service keeps running.
    pub async fn backup(&self, out: impl Write) -> Result<BackupSummary, StoreError> {
        let mut tx = self.pool.begin().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(&mut *tx)
                .await?;
        }
        let tables = self.tables(&mut tx).await?;
        let version = self.schema_version(&mut tx).await?;
        let mut w = Lines {
            out,
            hash: blake3::Hasher::new(),
        };
        w.put(&json!({
            "minsheng_backup": FORMAT,
            "backend": match self.backend { Backend::Sqlite => "sqlite", Backend::Postgres => "postgres" },
            "schema_version": version,
            "key_check": self.key_check(),
            "created_at": chrono::Utc::now().to_rfc3339(),
            "tables": tables.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
        }))?;
        let mut rows = 0u64;
        for (table, cols) in &tables {
            w.put(&json!({
                "table": table,
                "columns": cols.iter().map(|(c, k)| json!([c, k.as_str()])).collect::<Vec<_>>(),
            }))?;
            let list = cols
                .iter()
                .map(|(c, _)| format!("\"{c}\""))
                .collect::<Vec<_>>()
                .join(", ");
            // Names come from the database's own catalogue, not from outside input.
            let sql = format!("SELECT {list} FROM \"{table}\"");
            let all = sqlx::query(sqlx::AssertSqlSafe(sql))
                .fetch_all(&mut *tx)
                .await?;
            for row in all {
                let mut vals = Vec::with_capacity(cols.len());
                for (i, (_, kind)) in cols.iter().enumerate() {
                    vals.push(match kind {
                        Kind::Text => json!(row.try_get::<Option<String>, _>(i)?),
                        Kind::Int => json!(row.try_get::<Option<i64>, _>(i)?),
                        Kind::Real => json!(row.try_get::<Option<f64>, _>(i)?),
                        Kind::Bytes => {
                            json!(row.try_get::<Option<Vec<u8>>, _>(i)?.map(|b| B64.encode(b)))
                        }
                    });
                }
                w.put(&Value::Array(vals))?;
                rows += 1;
            }
        }
        tx.commit().await?;
        let digest = w.hash.finalize().to_hex().to_string();
        let trailer = format!("{}\n", json!({"end": true, "rows": rows, "blake3": digest}));
        w.out
            .write_all(trailer.as_bytes())
            .and_then(|()| w.out.flush())
            .map_err(|e| StoreError::Config(format!("writing the backup: {e}")))?;
        Ok(BackupSummary {
            tables: tables.len(),
            rows,
            digest,
        })
    }

    /// Restores an archive into this store, which must be empty (no cases, no users). Checks
    /// the digest before committing; on any error nothing is written.
    pub async fn restore(&self, input: impl BufRead) -> Result<BackupSummary, StoreError> {
        let (cases,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM cases")
            .fetch_one(&self.pool)
            .await?;
        let (users,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await?;
        if cases > 0 || users > 0 {
            return Err(StoreError::Config(
                "restore needs an empty database (it has cases or users)".into(),
            ));
        }
        let mut tx = self.pool.begin().await?;
        let ours = {
            let conn: &mut sqlx::AnyConnection = &mut tx;
            self.schema_version(conn).await?
        };
        let known: Vec<(String, Columns)> = self.tables(&mut tx).await?;
        let mut hash = blake3::Hasher::new();
        let mut lines = input.lines();
        // Each line with its raw text: the digest is over the bytes as written.
        let mut next = || -> Result<Option<(Value, String)>, StoreError> {
            let Some(line) = lines.next() else {
                return Ok(None);
            };
            let line = line.map_err(|e| corrupt(e.to_string()))?;
            let v: Value = serde_json::from_str(&line).map_err(|e| corrupt(e.to_string()))?;
            Ok(Some((v, line)))
        };
        let eat = |hash: &mut blake3::Hasher, line: &str| {
            hash.update(line.as_bytes());
            hash.update(b"\n");
        };
        let (header, raw) = next()?.ok_or_else(|| corrupt("empty"))?;
        eat(&mut hash, &raw);
        if header["minsheng_backup"].as_u64() != Some(u64::from(FORMAT)) {
            return Err(corrupt(
                "not a minsheng backup of a format this version reads",
            ));
        }
        if header["schema_version"].as_i64() != Some(ours) {
            return Err(corrupt(format!(
                "schema version {} differs from this database's {ours}: restore with the same minsheng version",
                header["schema_version"]
            )));
        }
        if header["key_check"].as_str() != Some(self.key_check().as_str()) {
            return Err(StoreError::Config(
                "the key of this data directory is not the key the backup was sealed with: \
                 copy the original minsheng.key (or set MINSHENG_KEY) before restoring"
                    .into(),
            ));
        }
        // Migrations may seed rows (none today); the archive is the truth, so start empty.
        for (t, _) in &known {
            sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM \"{t}\"")))
                .execute(&mut *tx)
                .await?;
        }
        let mut current: Option<(Columns, String)> = None;
        let mut rows = 0u64;
        let mut tables = 0usize;
        loop {
            let Some((v, raw)) = next()? else {
                return Err(corrupt("truncated: no trailer"));
            };
            if v.get("end").is_some() {
                let digest = hash.finalize().to_hex().to_string();
                if v["blake3"].as_str() != Some(digest.as_str()) || v["rows"].as_u64() != Some(rows)
                {
                    return Err(corrupt(
                        "digest or row count does not match: altered or truncated",
                    ));
                }
                tx.commit().await?;
                return Ok(BackupSummary {
                    tables,
                    rows,
                    digest,
                });
            }
            // The trailer (above) is the only line outside the digest.
            eat(&mut hash, &raw);
            if let Some(t) = v.get("table") {
                let name = t.as_str().ok_or_else(|| corrupt("table name"))?;
                let (_, ours) = known
                    .iter()
                    .find(|(n, _)| n == name)
                    .ok_or_else(|| corrupt(format!("unknown table {name}")))?;
                let mut cols = Vec::new();
                for c in v["columns"].as_array().ok_or_else(|| corrupt("columns"))? {
                    let col = c[0].as_str().ok_or_else(|| corrupt("column"))?;
                    let kind = c[1]
                        .as_str()
                        .and_then(Kind::parse)
                        .ok_or_else(|| corrupt("column kind"))?;
                    if !ours.iter().any(|(n, _)| n == col) {
                        return Err(corrupt(format!("unknown column {name}.{col}")));
                    }
                    cols.push((col.to_string(), kind));
                }
                let list = cols
                    .iter()
                    .map(|(c, _)| format!("\"{c}\""))
                    .collect::<Vec<_>>()
                    .join(", ");
                let params = (1..=cols.len())
                    .map(|i| format!("${i}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let sql = format!("INSERT INTO \"{name}\" ({list}) VALUES ({params})");
                current = Some((cols, sql));
                tables += 1;
                continue;
            }
            let (cols, sql) = current
                .as_ref()
                .ok_or_else(|| corrupt("row before table"))?;
            let vals = v.as_array().ok_or_else(|| corrupt("row"))?;
            if vals.len() != cols.len() {
                return Err(corrupt("row width"));
            }
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
            for ((_, kind), val) in cols.iter().zip(vals) {
                q = match kind {
                    Kind::Text => q.bind(val.as_str().map(str::to_string)),
                    Kind::Int => q.bind(val.as_i64()),
                    Kind::Real => q.bind(val.as_f64()),
                    Kind::Bytes => q.bind(
                        val.as_str()
                            .map(|s| B64.decode(s))
                            .transpose()
                            .map_err(|e| corrupt(e.to_string()))?,
                    ),
                };
            }
            q.execute(&mut *tx).await?;
            rows += 1;
        }
    }
}
