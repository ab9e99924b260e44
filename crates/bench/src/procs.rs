//! Processes the benchmarks drive: the real `minsheng` binary (demo set-up, `serve`,
//! `reindex`), this binary's own HTTP ceiling server, and throw-away PostgreSQL databases.

use anyhow::{Context, bail};
use sqlx::Connection;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The `minsheng` binary: `--minsheng`, else `MINSHENG_BIN`, else the one built beside this
/// benchmark (same target directory and profile).
pub fn minsheng_bin(explicit: Option<&Path>) -> anyhow::Result<PathBuf> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => match std::env::var_os("MINSHENG_BIN") {
            Some(p) => PathBuf::from(p),
            None => std::env::current_exe()?
                .parent()
                .context("the benchmark binary has no folder")?
                .join("minsheng"),
        },
    };
    if !path.is_file() {
        bail!(
            "the minsheng binary was not found at {}: build it with the benchmark \
             (cargo build --release -p minsheng -p minsheng-bench) or pass --minsheng PATH",
            path.display()
        );
    }
    Ok(path)
}

pub fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// `--data DIR [--database-url URL]` for a `minsheng` subcommand.
pub fn store_args(data: &Path, db: Option<&str>) -> Vec<String> {
    let mut v = vec!["--data".to_string(), data.display().to_string()];
    if let Some(u) = db {
        v.push("--database-url".into());
        v.push(u.to_string());
    }
    v
}

fn minsheng_cmd(bin: &Path) -> Command {
    let mut c = Command::new(bin);
    c.env("MINSHENG_LOG", "warn")
        .env_remove("MINSHENG_KEY")
        .env_remove("MINSHENG_DATABASE_URL")
        .env_remove("MINSHENG_DATA");
    c
}

/// Runs a `minsheng` subcommand to completion; its output goes to `log`.
pub fn run_minsheng(bin: &Path, args: &[String], log: &Path) -> anyhow::Result<Duration> {
    let out = std::fs::File::create(log)?;
    let started = Instant::now();
    let status = minsheng_cmd(bin)
        .args(args)
        .stdout(out.try_clone()?)
        .stderr(out)
        .status()
        .with_context(|| format!("running {}", bin.display()))?;
    let took = started.elapsed();
    if !status.success() {
        bail!(
            "minsheng {} failed ({status}); its output: {}",
            args.join(" "),
            std::fs::read_to_string(log).unwrap_or_default()
        );
    }
    Ok(took)
}

/// A server process on 127.0.0.1, killed when dropped.
pub struct Server {
    child: Child,
    pub base: String,
    pub log: PathBuf,
}

impl Server {
    /// The real `minsheng serve`, public rate limits off (the load comes from one address).
    pub fn minsheng(bin: &Path, data: &Path, db: Option<&str>) -> anyhow::Result<Server> {
        let port = free_port()?;
        let log = data.with_extension("serve.log");
        let mut args = vec![
            "serve".to_string(),
            "--bind".into(),
            format!("127.0.0.1:{port}"),
        ];
        args.extend(store_args(data, db));
        let child = minsheng_cmd(bin)
            .args(&args)
            .env("MINSHENG_PUBLIC_WRITES_PER_MINUTE", "0")
            .env("MINSHENG_PUBLIC_TRACKS_PER_MINUTE", "0")
            .env("MINSHENG_SUBMISSIONS_PER_PHONE_PER_HOUR", "0")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log)?)
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        Ok(Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log,
        })
    }

    /// This binary's trivial endpoint (`ceiling`), in its own process like the real server.
    pub fn ceiling(log: &Path) -> anyhow::Result<Server> {
        let port = free_port()?;
        let child = Command::new(std::env::current_exe()?)
            .args(["ceiling", "--bind", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(log)?)
            .spawn()?;
        Ok(Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log: log.to_path_buf(),
        })
    }

    pub async fn wait_healthy(&mut self, limit: Duration) -> anyhow::Result<()> {
        let client = minsheng_server::tls::client_builder()
            .build()
            .expect("HTTP client");
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!(
                    "the server exited during start-up ({status}): {}",
                    std::fs::read_to_string(&self.log).unwrap_or_default()
                );
            }
            if let Ok(r) = client.get(format!("{}/healthz", self.base)).send().await
                && r.status().is_success()
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("the server at {} did not become healthy", self.base);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Peak resident memory of the process so far (VmHWM), in MiB.
    pub fn peak_rss_mib(&self) -> Option<f64> {
        status_kib(self.child.id(), "VmHWM:").map(|kb| kb / 1024.0)
    }

    pub fn stop(mut self) {
        self.kill();
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

fn status_kib(pid: u32, field: &str) -> Option<f64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// A throw-away database on a PostgreSQL server, dropped by `drop_db`.
pub struct TempPg {
    admin: String,
    name: String,
    pub url: String,
}

impl TempPg {
    pub async fn create(admin: &str, tag: &str) -> anyhow::Result<TempPg> {
        let name = format!("minsheng_bench_{tag}_{}", uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::PgConnection::connect(admin)
            .await
            .with_context(|| format!("connecting to PostgreSQL at {admin}"))?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await?;
        let base = admin.rsplit_once('/').map_or(admin, |(b, _)| b);
        Ok(TempPg {
            admin: admin.to_string(),
            url: format!("{base}/{name}"),
            name,
        })
    }

    pub async fn drop_db(self) {
        if let Ok(mut conn) = sqlx::PgConnection::connect(&self.admin).await {
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            )))
            .execute(&mut conn)
            .await;
        }
    }
}

/// A fresh, empty directory.
pub fn fresh_dir(path: &Path) -> anyhow::Result<PathBuf> {
    let _ = std::fs::remove_dir_all(path);
    std::fs::create_dir_all(path)?;
    Ok(path.to_path_buf())
}
