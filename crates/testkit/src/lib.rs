//! Throw-away PostgreSQL databases for tests, and a local SMTP sink (`smtp`). The server comes from `MINSHENG_TEST_PG` (set by
//! `scripts/test.sh`) or the local default; a test that cannot reach it fails, it never skips.

pub mod smtp;

use sqlx::Connection;

pub fn pg_admin_url() -> String {
    std::env::var("MINSHENG_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

/// A fresh database, dropped by `drop`.
pub struct TempPg {
    pub url: String,
    pub name: String,
}

impl TempPg {
    pub async fn create(prefix: &str) -> TempPg {
        let admin = pg_admin_url();
        let name = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap_or_else(|e| {
            panic!(
                "PostgreSQL is required for the test suite and was not reachable at {admin}: {e}. \
                 Run ./scripts/test.sh, which starts or installs it."
            )
        });
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .expect("create test database");
        let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
        TempPg {
            url: format!("{base}/{name}"),
            name,
        }
    }

    pub async fn drop(self) {
        if let Ok(mut conn) = sqlx::PgConnection::connect(&pg_admin_url()).await {
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            )))
            .execute(&mut conn)
            .await;
        }
    }
}
