//! `minsheng backup` and `minsheng restore`: an online, consistent, backend-neutral archive
//! (see minsheng_store::backup). Personal data stays sealed in the archive; the key file is
//! not in it and must be kept (and restored) separately.

use crate::setup::StoreArgs;
use anyhow::Context;
use std::io::{BufReader, BufWriter};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct BackupArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Archive file to write (JSON lines). Refuses to overwrite an existing file.
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(clap::Args)]
pub struct RestoreArgs {
    /// The empty data directory / database to restore into.
    #[command(flatten)]
    pub store: StoreArgs,
    /// Archive written by `minsheng backup`.
    #[arg(long)]
    pub from: PathBuf,
    /// The key file of the backed-up installation, copied into the data directory first
    /// (needed unless the directory already has that key or MINSHENG_KEY is set).
    #[arg(long)]
    pub key: Option<PathBuf>,
}

pub async fn backup(a: BackupArgs) -> anyhow::Result<ExitCode> {
    let store = a.store.open_store().await?;
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&a.out)
        .with_context(|| format!("creating {}", a.out.display()))?;
    let started = std::time::Instant::now();
    let s = store.backup(BufWriter::new(file)).await?;
    eprintln!(
        "已备份 / backed up: {} tables, {} rows in {:.1}s → {} (blake3 {})",
        s.tables,
        s.rows,
        started.elapsed().as_secs_f64(),
        a.out.display(),
        s.digest
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn restore(a: RestoreArgs) -> anyhow::Result<ExitCode> {
    if let Some(key) = &a.key {
        std::fs::create_dir_all(&a.store.data)?;
        let target = a.store.data.join("minsheng.key");
        if target.exists() {
            anyhow::bail!(
                "{} already has a key file; restore into a fresh data directory",
                a.store.data.display()
            );
        }
        std::fs::copy(key, &target).with_context(|| format!("copying {}", key.display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600))?;
        }
    }
    let store = a.store.open_store().await?;
    let file =
        std::fs::File::open(&a.from).with_context(|| format!("opening {}", a.from.display()))?;
    let started = std::time::Instant::now();
    let s = store.restore(BufReader::new(file)).await?;
    eprintln!(
        "已恢复 / restored: {} tables, {} rows in {:.1}s (blake3 {})",
        s.tables,
        s.rows,
        started.elapsed().as_secs_f64(),
        s.digest
    );
    Ok(ExitCode::SUCCESS)
}
