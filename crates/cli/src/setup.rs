//! Opening the store and the application state from command-line options.

use anyhow::Context;
use minsheng_core::calendar::Calendar;
use minsheng_core::policy::Policy;
use minsheng_server::{AppState, PasswordParams};
use minsheng_store::{Sealer, Store};
use std::path::PathBuf;

#[derive(clap::Args, Clone)]
pub struct StoreArgs {
    /// Data directory: the SQLite database and the key file live here.
    #[arg(long, default_value = "./data", env = "MINSHENG_DATA")]
    pub data: PathBuf,
    /// Database URL; defaults to embedded SQLite in the data directory. For PostgreSQL:
    /// postgres://user@host/db
    #[arg(long, env = "MINSHENG_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Policy file (TOML); defaults to the shipped national policy.
    #[arg(long, env = "MINSHENG_POLICY")]
    pub policy: Option<PathBuf>,
    /// Holiday calendar file (TOML); defaults to the shipped calendar.
    #[arg(long, env = "MINSHENG_CALENDAR")]
    pub calendar: Option<PathBuf>,
}

impl StoreArgs {
    pub fn url(&self) -> anyhow::Result<String> {
        if let Some(u) = &self.database_url {
            return Ok(u.clone());
        }
        std::fs::create_dir_all(&self.data)
            .with_context(|| format!("creating {}", self.data.display()))?;
        let path = std::fs::canonicalize(&self.data)?.join("minsheng.db");
        Ok(format!("sqlite://{}", path.display()))
    }

    pub async fn open_store(&self) -> anyhow::Result<Store> {
        std::fs::create_dir_all(&self.data)?;
        let sealer = Sealer::load_or_create(&self.data)?;
        let url = self.url()?;
        Store::open(&url, sealer)
            .await
            .with_context(|| format!("opening the database {}", redact(&url)))
    }

    /// The state with the data directory's search index, written with `writer`'s threads and
    /// heap.
    pub async fn open_state_with_search(
        &self,
        writer: minsheng_text::search::WriterOptions,
    ) -> anyhow::Result<AppState> {
        let st = self.open_state().await?;
        let path = self.data.join("search");
        let text =
            minsheng_server::textindex::TextIndex::on_disk_with(&path, &st.directory(), writer)
                .with_context(|| {
                    format!(
                        "opening the search index in {} (is another minsheng serve using it?)",
                        path.display()
                    )
                })?;
        Ok(st.with_text(text))
    }

    pub async fn open_state(&self) -> anyhow::Result<AppState> {
        let store = self.open_store().await?;
        let policy = match &self.policy {
            Some(p) => Policy::from_toml(&std::fs::read_to_string(p)?)
                .map_err(|e| anyhow::anyhow!("{}", e.message_en()))?,
            None => Policy::shipped(),
        };
        let calendar = match &self.calendar {
            Some(p) => Calendar::from_toml(&std::fs::read_to_string(p)?)
                .map_err(|e| anyhow::anyhow!("{}", e.message_en()))?,
            None => Calendar::shipped(),
        };
        let directory = store.load_directory().await?;
        Ok(AppState::new(
            store,
            policy,
            calendar,
            directory,
            PasswordParams::default(),
        )
        .with_photo_dir(self.data.join("grid-photos")))
    }
}

/// Hides a password in a database URL for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}
