//! minsheng-store: persistence behind one `Store` for both backends. Embedded SQLite (WAL, the
//! default) and PostgreSQL share the SQL text here (`$n` placeholders, BIGINT milliseconds, JSON
//! as TEXT) through sqlx's `Any` driver; the dialect differences (connection set-up, migrations,
//! BLOB vs BYTEA) stay inside this crate.
//!
//! Writes go through a group committer (`writer`): concurrent requests share one durable
//! transaction and each is answered only after that transaction has committed.

pub mod alerts;
pub mod backup;
mod batch;
pub mod crypto;
pub mod dashboard;
mod directory;
mod error;
pub mod exchange;
pub mod grids;
pub mod held;
mod knowledge;
pub mod kpi;
mod kpi_write;
pub mod notify;
pub mod open311;
pub mod outbox;
mod oversight;
pub mod purge;
mod read;
mod sql;
pub mod suggestions;
pub mod telephony;
mod tx;
pub mod typical;
mod users;
mod verify;
mod writer;

pub use alerts::{AlertFilter, AlertRecord, AppendAlert, RaiseAlert};
pub use crypto::Sealer;
pub use dashboard::{Breakdown, DeadlineHealth, StatFilter};
pub use error::StoreError;
pub use grids::{GridRate, GridRecord, PhotoRecord};
pub use kpi::{ScopeKind, VolumeRow};
pub use kpi_write::{KpiRefresh, KpiUpdate, VolumeKey, volume_recount};
pub use outbox::{DeliveryState, OutboxMessage, OutboxRow};
pub use oversight::PublicSupervision;
pub use read::{CaseFilter, CasePage, CaseSort, PetitionerRecord, Scope};
pub use suggestions::{NewSuggestion, StoredEvent, SuggestionChainFailure, SuggestionFilter};
pub use typical::TypicalCase;
pub use users::{NewUser, UserRecord};
pub use verify::{VerifyFailure, VerifyReport};
pub use writer::{AppendEvents, CreateCase, Created, IdempotencyKey, NewPetitioner};

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// The store: a connection pool, the field sealer and the group-commit writer.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    sealer: Arc<Sealer>,
    writer: writer::Handle,
    /// Alert keys known to be raised. Alerts are never deleted, so a key once seen stays
    /// raised and the early-warning rules need not ask the database again.
    raised_keys: Arc<std::sync::Mutex<std::collections::HashSet<String>>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Store({:?})", self.backend)
    }
}

/// Who a pool is for: the request handlers' reads (and the few writes outside the group
/// committer), or the group committer alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Readers,
    Writer,
}

/// Opens a pool on `url`. The writer gets one connection of its own, so its prepared statements
/// stay cached on it and (on PostgreSQL) its socket belongs to the runtime it runs on.
pub(crate) async fn connect(
    backend: Backend,
    url: &str,
    role: Role,
) -> Result<AnyPool, StoreError> {
    let max = match (backend, role) {
        (_, Role::Writer) => 1,
        (Backend::Sqlite, Role::Readers) => 8,
        (Backend::Postgres, Role::Readers) => 16,
    };
    let options = AnyPoolOptions::new()
        .max_connections(max)
        .acquire_timeout(Duration::from_secs(30));
    Ok(match backend {
        Backend::Sqlite => {
            let url = if url.contains('?') {
                url.to_string()
            } else {
                format!("{url}?mode=rwc")
            };
            let opts = AnyConnectOptions::from_str(&url)?;
            // WAL lets readers run beside the writer; FULL makes each commit durable before we
            // acknowledge it; the busy timeout covers a second process (CLI). The writer's page
            // cache holds the indexes every insert walks (the readers keep SQLite's 2 MiB).
            options
                .after_connect(move |conn, _| {
                    Box::pin(async move {
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                        conn.execute("PRAGMA synchronous = FULL").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        if role == Role::Writer {
                            conn.execute("PRAGMA cache_size = -32768").await?;
                        }
                        Ok(())
                    })
                })
                .connect_with(opts)
                .await?
        }
        Backend::Postgres => {
            options
                .connect_with(AnyConnectOptions::from_str(url)?)
                .await?
        }
    })
}

pub(crate) fn millis(t: chrono::DateTime<chrono::Utc>) -> i64 {
    t.timestamp_millis()
}

pub(crate) fn from_millis(ms: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

impl Store {
    /// Opens (and migrates) a store. `url` is `sqlite://PATH` or `postgres://…`.
    pub async fn open(url: &str, sealer: Sealer) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::Config(format!(
                "unsupported database URL {url:?}: use sqlite://PATH or postgres://…"
            )));
        };
        let pool = connect(backend, url, Role::Readers).await?;
        if backend == Backend::Sqlite {
            let mut conn = pool.acquire().await?;
            conn.execute("PRAGMA journal_mode = WAL").await?;
        }
        match backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&pool).await?,
        }
        let sealer = Arc::new(sealer);
        let writer = writer::spawn(backend, url.to_string(), sealer.clone()).await?;
        Ok(Store {
            pool,
            backend,
            sealer,
            writer,
            raised_keys: Arc::default(),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn sealer(&self) -> &Sealer {
        &self.sealer
    }

    /// Keyed hash of a phone number, as stored for "this caller's earlier cases".
    pub fn phone_index(&self, phone: &minsheng_core::petitioner::Phone) -> String {
        self.sealer.blind_index("phone", phone.as_str())
    }

    pub fn id_index(&self, id: &minsheng_core::petitioner::IdNumber) -> String {
        self.sealer.blind_index("id_number", id.as_str())
    }

    /// Creates a case through the group committer; returns once it is durable.
    pub async fn create_case(&self, op: CreateCase) -> Result<Created, StoreError> {
        self.writer.create(op).await
    }

    /// Appends events to a case through the group committer, if its version is still
    /// `expected_version`; returns once durable.
    pub async fn append(
        &self,
        op: AppendEvents,
    ) -> Result<minsheng_core::workflow::CaseState, StoreError> {
        self.writer.append(op).await
    }

    /// Records a privileged action that is not a case event (logins, user changes).
    pub async fn audit(&self, actor: &str, action: &str, detail: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO audit_log (id, at, actor, action, detail) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(millis(chrono::Utc::now()))
        .bind(actor.to_string())
        .bind(action.to_string())
        .bind(detail.to_string())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Health check: one round trip.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closed by `close`: background jobs stop when they see this.
    pub fn is_closed(&self) -> bool {
        self.pool.is_closed()
    }

    pub async fn close(&self) {
        self.writer.close().await;
        self.pool.close().await;
    }
}
