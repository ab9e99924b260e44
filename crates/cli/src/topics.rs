//! `minsheng train-topics`: the topic classifier learnt from the cases on file, and how
//! `minsheng serve` runs it in a child process.
//!
//! Training holds a sample's features in memory (hundreds of megabytes at 50,000 cases) for a
//! few minutes. In a child process that peak never becomes the server's resident memory, a
//! failure in it cannot take the server down, and everything it allocated goes back to the
//! system when it exits. The model travels by file; the server loads it (a fraction of a second)
//! and keeps the last one in the data directory, so a restart suggests topics at once.

use crate::setup::StoreArgs;
use anyhow::Context;
use minsheng_server::AppState;
use minsheng_text::classify::Classifier;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

/// The model `minsheng serve` keeps in the data directory.
const MODEL_FILE: &str = "topics.model";

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Where to write the model (default: topics.model in the data directory, which
    /// `minsheng serve` loads when it starts).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Stop when standard input closes: set by `minsheng serve`, whose end closes the pipe, so
    /// the training never outlives the server that asked for it.
    #[arg(long, hide = true)]
    pub until_stdin_closes: bool,
}

pub async fn run(a: Args) -> anyhow::Result<ExitCode> {
    if a.until_stdin_closes {
        std::thread::spawn(|| {
            let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
            std::process::exit(2);
        });
    }
    let out = a
        .out
        .clone()
        .unwrap_or_else(|| a.store.data.join(MODEL_FILE));
    let store = a.store.open_store().await?;
    let started = std::time::Instant::now();
    let Some(model) = minsheng_server::topics::train(&store).await? else {
        eprintln!(
            "案件太少，未训练分类模型 / too few cases or topics on file; no classifier trained"
        );
        return Ok(ExitCode::SUCCESS);
    };
    save_atomically(&model, &out)?;
    eprintln!(
        "分类模型已写入 / topic classifier written to {} ({} cases, {:.1}s, peak memory {})",
        out.display(),
        model.trained_on(),
        started.elapsed().as_secs_f64(),
        peak_memory().unwrap_or_else(|| "unknown".into())
    );
    Ok(ExitCode::SUCCESS)
}

/// Writes beside the target and renames, so a reader never sees half a model.
fn save_atomically(model: &Classifier, out: &Path) -> anyhow::Result<()> {
    let tmp = out.with_extension("model.partial");
    model
        .save(&tmp)
        .with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, out).with_context(|| format!("renaming to {}", out.display()))?;
    Ok(())
}

/// For `minsheng serve`: puts the last model in the data directory in service at once, then
/// retrains in a child process in the background and puts the new model in service. Intake
/// works without a model; failures are logged.
pub fn spawn_training(st: AppState, store: &StoreArgs) {
    let model_path = store.data.join(MODEL_FILE);
    if model_path.exists() {
        match Classifier::load(&model_path) {
            Ok(m) => {
                eprintln!(
                    "分类模型已载入 / topic classifier loaded ({} cases), retraining in the background",
                    m.trained_on()
                );
                st.set_classifier(m);
            }
            Err(e) => eprintln!("分类模型无法载入 / classifier file unreadable, retraining: {e}"),
        }
    }
    let args: Vec<std::ffi::OsString> = vec![
        "train-topics".into(),
        "--until-stdin-closes".into(),
        "--data".into(),
        store.data.clone().into(),
    ];
    // Through the environment, not the command line, which other local users can read.
    let database_url = store.database_url.clone();
    tokio::task::spawn_blocking(move || {
        let started = std::time::Instant::now();
        match train_in_child(&args, database_url.as_deref(), &model_path) {
            Ok(Some(m)) => {
                eprintln!(
                    "分类模型已训练 / topic classifier trained on {} cases in {:.1}s",
                    m.trained_on(),
                    started.elapsed().as_secs_f64()
                );
                st.set_classifier(m);
            }
            Ok(None) => {}
            Err(e) => eprintln!("分类模型训练失败 / classifier training failed: {e:#}"),
        }
    });
}

/// Runs `minsheng train-topics` and loads what it wrote; `None` when it found too little to
/// learn from.
fn train_in_child(
    args: &[std::ffi::OsString],
    database_url: Option<&str>,
    model_path: &Path,
) -> anyhow::Result<Option<Classifier>> {
    let before = modified(model_path);
    let exe = std::env::current_exe().context("finding the minsheng binary")?;
    // The child's stdin is a pipe held open by `child` until it has exited: if this process
    // dies first, the pipe closes and the child stops.
    let mut cmd = Command::new(&exe);
    cmd.args(args);
    if let Some(url) = database_url {
        cmd.env("MINSHENG_DATABASE_URL", url);
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("starting {}", exe.display()))?;
    // `wait` closes a stdin it still holds, so it is taken out and kept until the end.
    let _pipe = child.stdin.take();
    let status = child.wait()?;
    if !status.success() {
        anyhow::bail!("minsheng train-topics exited with {status}");
    }
    if modified(model_path) == before {
        return Ok(None);
    }
    Ok(Some(Classifier::load(model_path)?))
}

/// This process's peak resident memory (Linux), for the operator sizing the machine.
fn peak_memory() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(format!("{} MiB", kb / 1024))
}

fn modified(p: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}
