//! Peers and baselines written in Python (django-helpdesk, DuckDB) run from a virtual
//! environment installed from PyPI with pinned requirements. The environment is built once per
//! requirements text and kept under a cache folder (`MINSHENG_BENCH_CACHE`, else
//! `~/.cache/minsheng-bench`), so repeated runs and the smoke test do not reinstall; a missing
//! Python or a failed install is an error, never a skipped measurement.

use anyhow::{Context, bail};
use std::path::PathBuf;
use std::process::Command;

/// An installed virtual environment.
#[derive(Debug, Clone)]
pub struct Venv {
    pub dir: PathBuf,
}

impl Venv {
    /// Its Python interpreter.
    pub fn python(&self) -> PathBuf {
        self.dir.join("bin").join("python")
    }

    /// A console script installed into it (`gunicorn`, …).
    pub fn bin(&self, name: &str) -> PathBuf {
        self.dir.join("bin").join(name)
    }
}

fn cache_root() -> PathBuf {
    if let Some(d) = std::env::var_os("MINSHENG_BENCH_CACHE") {
        return PathBuf::from(d);
    }
    let home = std::env::var_os("HOME").map_or_else(std::env::temp_dir, PathBuf::from);
    home.join(".cache").join("minsheng-bench")
}

/// The environment `name` with `requirements` (a pip requirements file's text) installed,
/// building it first if this exact text has not been installed before.
pub fn ensure(name: &str, requirements: &str) -> anyhow::Result<Venv> {
    let key = blake3::hash(requirements.as_bytes()).to_hex();
    let dir = cache_root().join(format!("{name}-{}", &key[..16]));
    let venv = Venv { dir: dir.clone() };
    if venv.python().is_file() && dir.join("INSTALLED").is_file() {
        return Ok(venv);
    }
    eprintln!(
        "installing the Python environment {name} into {}",
        dir.display()
    );
    // Installed in place (pip writes absolute paths into the scripts it installs) and marked
    // done last, so an interrupted install is wiped and redone, never taken as done.
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(cache_root())?;
    run(Command::new("python3").args(["-m", "venv"]).arg(&dir))
        .context("python3 -m venv (Debian: apt-get install python3-venv)")?;
    let req = dir.join("requirements.txt");
    std::fs::write(&req, requirements)?;
    run(Command::new(venv.python())
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
        ])
        .arg(&req))
    .with_context(|| format!("pip install for {name}"))?;
    std::fs::write(dir.join("INSTALLED"), requirements)?;
    Ok(venv)
}

fn run(cmd: &mut Command) -> anyhow::Result<()> {
    let out = cmd
        .output()
        .with_context(|| format!("could not start {cmd:?}"))?;
    if !out.status.success() {
        bail!(
            "{cmd:?} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}
