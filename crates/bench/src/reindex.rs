//! `minsheng reindex` at N cases, and the server's peak memory (VmHWM) at N cases after
//! start-up and a mix of list, search and dashboard requests, with the peak its
//! classifier-training child process reports. Both on one filled SQLite store
//! (the default deployment): fill once, reindex `runs` times, then start `minsheng serve`
//! `runs` times.

use crate::procs::{self, Server};
use crate::stats::Runs;
use anyhow::{Context, bail};
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(clap::Args, Clone)]
pub struct Args {
    #[arg(long, default_value_t = 100_000)]
    pub cases: usize,
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    #[arg(long, default_value_t = 9)]
    pub seed: u64,
    /// Work directory (wiped first).
    #[arg(long, default_value = "/tmp/minsheng-bench-reindex")]
    pub dir: PathBuf,
    /// The `minsheng` binary (default: beside this one).
    #[arg(long)]
    pub minsheng: Option<PathBuf>,
    /// Longest wait for the server's background classifier training before the request mix.
    #[arg(long, default_value_t = 900)]
    pub settle_secs: u64,
}

pub struct Summary {
    pub cases: usize,
    pub reindex_secs: Runs,
    pub rss_mib: Runs,
}

pub fn run(a: Args) -> anyhow::Result<Summary> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let s = rt.block_on(run_async(&a))?;
    Ok(s)
}

async fn run_async(a: &Args) -> anyhow::Result<Summary> {
    sqlx::any::install_default_drivers();
    let bin = procs::minsheng_bin(a.minsheng.as_deref())?;
    let root = procs::fresh_dir(&a.dir)?;
    let data = root.join("data");
    eprintln!("reindex/rss: filling {} cases", a.cases);
    let fill_secs = crate::fill::fill(&bin, &data, None, a.cases, a.seed).await?;
    eprintln!("  filled in {fill_secs:.1} s");
    let mut reindex = Runs(vec![]);
    for r in 0..a.runs {
        let args = vec![
            "reindex".into(),
            "--data".into(),
            data.display().to_string(),
        ];
        let took = procs::run_minsheng(&bin, &args, &root.join(format!("reindex-{r}.log")))?;
        let log = std::fs::read_to_string(root.join(format!("reindex-{r}.log")))?;
        if !log.contains(&format!("reindexed {} cases", a.cases)) {
            bail!("reindex did not report {} cases: {log}", a.cases);
        }
        eprintln!("  reindex run {r}: {:.1} s", took.as_secs_f64());
        reindex.0.push(took.as_secs_f64());
    }
    let mut rss = Runs(vec![]);
    let mut trainer = Runs(vec![]);
    let mut notes = Vec::new();
    for r in 0..a.runs {
        let (peak, trainer_peak, note) = rss_run(&bin, &data, a.settle_secs).await?;
        eprintln!("  server run {r}: peak RSS {peak:.0} MiB ({note})");
        rss.0.push(peak);
        trainer.0.extend(trainer_peak);
        notes.push(note);
    }
    let now = chrono::Utc::now().format("%Y-%m-%d %H:%M UTC");
    println!("### Reindex and server memory, {} cases ({now})\n", a.cases);
    println!(
        "Command: `minsheng-bench reindex --cases {} --runs {}` (fill {fill_secs:.0} s through the store's writer).\n",
        a.cases, a.runs
    );
    println!("| measurement | runs | median (min–max, ± half-range) | goal |");
    println!("|---|---|---:|---:|");
    println!(
        "| `minsheng reindex`, s | {} | {} | < 300 at 1M |",
        list1(&reindex),
        fmt1(&reindex)
    );
    println!(
        "| `minsheng serve` peak RSS (VmHWM) after start-up and the request mix, MiB | {} | {} | < 512 at 1M |",
        list1(&rss),
        fmt1(&rss)
    );
    if !trainer.0.is_empty() {
        println!(
            "| `minsheng train-topics` (the server's child process) peak RSS (VmHWM), MiB | {} | {} | (its own process; for sizing) |",
            list1(&trainer),
            fmt1(&trainer)
        );
    }
    println!("\nServer runs: {}.\n", notes.join("; "));
    Ok(Summary {
        cases: a.cases,
        reindex_secs: reindex,
        rss_mib: rss,
    })
}

fn list1(r: &Runs) -> String {
    r.0.iter()
        .map(|v| format!("{v:.1}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn fmt1(r: &Runs) -> String {
    format!(
        "{:.1} ({:.1}–{:.1}, ±{:.0} %)",
        r.median(),
        r.min(),
        r.max(),
        r.spread_pct()
    )
}

/// Starts the server on the filled store, lets its start-up work finish, sends the request mix,
/// and reads the peak resident memory. Returns it with the peak its classifier-training child
/// reported, if it did, and a note on what the server did.
async fn rss_run(
    bin: &std::path::Path,
    data: &std::path::Path,
    settle_secs: u64,
) -> anyhow::Result<(f64, Option<f64>, String)> {
    let started = Instant::now();
    let mut s = Server::minsheng(bin, data, None)?;
    s.wait_healthy(Duration::from_secs(3600)).await?;
    let up = started.elapsed().as_secs_f64();
    // The classifier trains in the background after start; its memory belongs to the server.
    let deadline = Instant::now() + Duration::from_secs(settle_secs);
    let trained = loop {
        let log = std::fs::read_to_string(&s.log).unwrap_or_default();
        if log.contains("classifier trained") || log.contains("classifier training failed") {
            break "classifier trained";
        }
        if Instant::now() > deadline {
            break "classifier still training";
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let client = minsheng_server::tls::client_builder()
        .build()
        .expect("HTTP client");
    let login: serde_json::Value = client
        .post(format!("{}/api/v1/auth/login", s.base))
        .json(&serde_json::json!({"username": "admin", "password": minsheng_server::demo::DEMO_PASSWORD}))
        .send()
        .await?
        .json()
        .await?;
    let token = login["token"]
        .as_str()
        .context("the demo admin could not sign in")?
        .to_string();
    let mut paths: Vec<String> = Vec::new();
    for (i, q) in ["电梯", "油烟扰民", "拖欠农民工", "翠湖苑", "噪音", "停车费"]
        .iter()
        .enumerate()
    {
        paths.push(format!(
            "/api/v1/cases?limit=50&sort={}",
            if i % 2 == 0 { "newest" } else { "due" }
        ));
        paths.push(format!("/staff/search?q={q}"));
        paths.push("/staff/dashboard".into());
        paths.push("/staff".into());
    }
    let mut requests = 0;
    for _round in 0..5 {
        for p in &paths {
            let r = client
                .get(format!("{}{p}", s.base))
                .bearer_auth(&token)
                .send()
                .await?;
            if !r.status().is_success() {
                bail!("GET {p}: {}", r.status());
            }
            let _ = r.bytes().await?;
            requests += 1;
        }
    }
    let s_log = s.log.clone();
    let peak = s
        .peak_rss_mib()
        .context("the server's /proc status could not be read")?;
    s.stop();
    let log = std::fs::read_to_string(&s_log).unwrap_or_default();
    Ok((
        peak,
        trainer_peak_mib(&log),
        format!("healthy after {up:.0} s, {trained}, {requests} requests"),
    ))
}

/// The peak memory `minsheng train-topics` prints when it has written the model.
fn trainer_peak_mib(log: &str) -> Option<f64> {
    let line = log
        .lines()
        .rev()
        .find(|l| l.contains("topic classifier written"))?;
    let (_, rest) = line.split_once("peak memory ")?;
    rest.split_whitespace().next()?.parse().ok()
}
