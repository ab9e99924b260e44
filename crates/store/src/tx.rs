//! Write transactions. On SQLite a deferred transaction that reads first and writes later fails
//! at once with SQLITE_BUSY_SNAPSHOT (517) if another connection committed in between, and the
//! busy timeout does not help. Writers on several connections (the group committer, alert
//! writes) therefore take the write lock up front with `BEGIN IMMEDIATE` and wait their turn.
//! PostgreSQL's row locks and our optimistic version checks need nothing special.

use sqlx::{Any, AnyPool, Transaction};

pub(crate) async fn begin_write(pool: &AnyPool) -> Result<Transaction<'static, Any>, sqlx::Error> {
    if pool
        .connect_options()
        .database_url
        .scheme()
        .starts_with("sqlite")
    {
        pool.begin_with("BEGIN IMMEDIATE").await
    } else {
        pool.begin().await
    }
}
