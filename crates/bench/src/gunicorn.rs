//! The django-helpdesk peer as a process: its pinned environment from PyPI (`pyenv`), the small
//! Django project of `bench/helpdesk/` written into the work directory (embedded in this binary,
//! so the benchmark runs from any folder), a fresh SQLite database per run prepared by the
//! project's `setup.py`, and gunicorn serving it on 127.0.0.1.

use crate::pyenv::{self, Venv};
use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const REQUIREMENTS: &str = include_str!("../../../bench/helpdesk/requirements.txt");

/// The Django project, path inside the project folder and text.
const PROJECT: &[(&str, &str)] = &[
    (
        "manage.py",
        include_str!("../../../bench/helpdesk/manage.py"),
    ),
    ("setup.py", include_str!("../../../bench/helpdesk/setup.py")),
    (
        "benchdesk/__init__.py",
        include_str!("../../../bench/helpdesk/benchdesk/__init__.py"),
    ),
    (
        "benchdesk/settings.py",
        include_str!("../../../bench/helpdesk/benchdesk/settings.py"),
    ),
    (
        "benchdesk/urls.py",
        include_str!("../../../bench/helpdesk/benchdesk/urls.py"),
    ),
    (
        "benchdesk/wsgi.py",
        include_str!("../../../bench/helpdesk/benchdesk/wsgi.py"),
    ),
];

/// SQLite's journal for the peer's database; `synchronous` stays FULL in both.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum JournalMode {
    /// Django's and SQLite's default (rollback journal).
    Delete,
    /// Write-ahead log, as minsheng uses.
    Wal,
}

impl JournalMode {
    pub fn name(self) -> &'static str {
        match self {
            JournalMode::Delete => "delete",
            JournalMode::Wal => "wal",
        }
    }
}

/// How gunicorn serves the app.
#[derive(Clone, Copy, Debug)]
pub struct Workers {
    pub processes: usize,
    /// Threads per process; above 1 gunicorn uses its `gthread` worker (keeps connections
    /// alive), at 1 the `sync` worker (one request per connection).
    pub threads: usize,
}

/// The installed environment and the project written out, ready for runs.
pub struct Peer {
    venv: Venv,
    project: PathBuf,
}

/// What the load generator needs to create tickets.
pub struct Credentials {
    pub queue: i64,
    pub token: String,
}

impl Peer {
    /// Installs (or finds cached) the environment and writes the project under `dir`.
    pub fn prepare(dir: &Path) -> anyhow::Result<Peer> {
        let venv = pyenv::ensure("helpdesk", REQUIREMENTS)?;
        let project = dir.join("project");
        for (path, text) in PROJECT {
            let p = project.join(path);
            if let Some(parent) = p.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&p, text)?;
        }
        Ok(Peer { venv, project })
    }

    fn python(&self, work: &Path) -> Command {
        let mut c = Command::new(self.venv.python());
        c.current_dir(&self.project)
            .env("HELPDESK_BENCH_DIR", work)
            .env("PYTHONUNBUFFERED", "1");
        c
    }

    /// A fresh database in `work` (wiped first): migrations, a queue, a staff user and token.
    pub fn setup(&self, work: &Path, journal: JournalMode) -> anyhow::Result<Credentials> {
        crate::procs::fresh_dir(work)?;
        let out = self
            .python(work)
            .args(["setup.py", "--journal-mode", journal.name()])
            .output()
            .context("running the django-helpdesk set-up")?;
        if !out.status.success() {
            bail!(
                "django-helpdesk set-up failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let stdout = String::from_utf8_lossy(&out.stdout);
        let v: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap_or_default())
            .with_context(|| format!("the set-up printed {stdout:?}, not the credentials"))?;
        match (v["queue"].as_i64(), v["token"].as_str()) {
            (Some(queue), Some(token)) => Ok(Credentials {
                queue,
                token: token.to_string(),
            }),
            _ => bail!("the set-up printed {stdout:?}, not the credentials"),
        }
    }

    /// gunicorn serving the project over the database in `work`.
    pub fn serve(&self, work: &Path, workers: Workers) -> anyhow::Result<Gunicorn> {
        let port = crate::procs::free_port()?;
        let log = work.join("gunicorn.log");
        let child = Command::new(self.venv.bin("gunicorn"))
            .current_dir(&self.project)
            .env("HELPDESK_BENCH_DIR", work)
            .args([
                "--workers",
                &workers.processes.to_string(),
                "--threads",
                &workers.threads.to_string(),
                "--bind",
                &format!("127.0.0.1:{port}"),
                // Requests wait in the listen queue while every worker is busy; 64 clients
                // fit gunicorn's default backlog (2048). Its control socket sits at one path
                // per user and would collide between concurrent benchmark runs.
                "--no-control-socket",
                "benchdesk.wsgi:application",
            ])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log)?)
            .spawn()
            .with_context(|| format!("starting {}", self.venv.bin("gunicorn").display()))?;
        Ok(Gunicorn {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log,
        })
    }
}

/// The gunicorn master, stopped (gracefully, then killed) when dropped.
pub struct Gunicorn {
    child: Child,
    pub base: String,
    log: PathBuf,
}

impl Gunicorn {
    pub async fn wait_ready(&mut self, limit: Duration) -> anyhow::Result<()> {
        let client = minsheng_server::tls::client_builder().build()?;
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!(
                    "gunicorn exited during start-up ({status}): {}",
                    std::fs::read_to_string(&self.log).unwrap_or_default()
                );
            }
            if let Ok(r) = client.get(format!("{}/healthz", self.base)).send().await
                && r.status().is_success()
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("django-helpdesk at {} did not come up", self.base);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn stop(&mut self) {
        if matches!(self.child.try_wait(), Ok(Some(_))) {
            return;
        }
        // SIGTERM lets the master stop its workers; a killed master would leave them behind
        // until they notice their parent is gone.
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Gunicorn {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Tickets and their opening follow-ups on file in the peer's database.
pub async fn count_tickets(work: &Path) -> anyhow::Result<(i64, i64)> {
    let url = format!("sqlite://{}", work.join("helpdesk.db").display());
    let pool = sqlx::AnyPool::connect(&url).await?;
    let (tickets,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM helpdesk_ticket")
        .fetch_one(&pool)
        .await?;
    let (followups,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM helpdesk_followup")
        .fetch_one(&pool)
        .await?;
    pool.close().await;
    Ok((tickets, followups))
}
