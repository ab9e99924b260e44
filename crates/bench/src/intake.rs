//! Durable intake through the HTTP API (issue 8). The real `minsheng serve` on a fresh store
//! takes online submissions from concurrent clients; a case counts once its 201 arrives, which
//! the server sends only after the case and its events are committed. In the same run:
//!
//! * baseline (a), the one-transaction loop: the same submissions decided beforehand (outside
//!   the clock) by the server's own code (`service::plan_registration`), then written one after
//!   another through the store's writer, which with one write in flight commits each case in a
//!   transaction of its own: the same SQL, the same rows (case, events, petitioner, units, KPI
//!   facts and cells), the same `synchronous = FULL` (SQLite) or `synchronous_commit = on`
//!   (PostgreSQL). It leaves out HTTP, parsing, the look-ups before deciding, the alerts and
//!   the text indexes, which the server does as well;
//! * baseline (b), the HTTP ceiling: a trivial axum server (`ceiling`) that parses the same
//!   JSON and answers 201, under the same load generator and concurrency.
//!
//! Every run starts from an empty database; after each server run the cases on file are
//! counted and must equal the acknowledgements.

use crate::bodies::World;
use crate::load::{self, Load};
use crate::procs::{self, Server, TempPg};
use crate::stats::Runs;
use anyhow::{Context, bail};
use minsheng_core::access::Actor;
use minsheng_core::calendar::Calendar;
use minsheng_core::policy::Policy;
use minsheng_server::{AppState, PasswordParams};
use minsheng_store::{Created, Sealer, Store};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(clap::Args, Clone)]
pub struct Args {
    /// Submissions per run (after a warm-up of one per client).
    #[arg(long, default_value_t = 10_000)]
    pub cases: usize,
    /// Concurrent clients.
    #[arg(long, default_value_t = 64)]
    pub clients: usize,
    /// Runs of each measurement (median and spread are reported).
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    #[arg(long, default_value_t = 8)]
    pub seed: u64,
    /// Work directory (wiped first).
    #[arg(long, default_value = "/tmp/minsheng-bench-intake")]
    pub dir: PathBuf,
    /// PostgreSQL server for the same measurements (a database is created per run and dropped).
    #[arg(long, env = "MINSHENG_TEST_PG")]
    pub pg: Option<String>,
    /// The `minsheng` binary (default: beside this one).
    #[arg(long)]
    pub minsheng: Option<PathBuf>,
}

/// One backend's runs, cases per second.
pub struct BackendRuns {
    pub name: &'static str,
    pub server: Runs,
    pub server_p50_ms: Runs,
    pub server_p99_ms: Runs,
    pub loop_: Runs,
}

pub struct Summary {
    pub backends: Vec<BackendRuns>,
    pub ceiling: Runs,
}

impl Summary {
    pub fn sqlite(&self) -> Option<&BackendRuns> {
        self.backends.iter().find(|b| b.name == "SQLite")
    }
}

pub fn run(a: Args) -> anyhow::Result<Summary> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let s = rt.block_on(run_async(&a))?;
    report(&a, &s);
    Ok(s)
}

async fn run_async(a: &Args) -> anyhow::Result<Summary> {
    sqlx::any::install_default_drivers();
    let bin = procs::minsheng_bin(a.minsheng.as_deref())?;
    let dir = procs::fresh_dir(&a.dir)?;
    let world = World::demo()?;
    let warm = Arc::new(world.bodies(a.clients, 0, a.seed));
    let bodies = Arc::new(world.bodies(a.cases, a.clients, a.seed));
    eprintln!(
        "intake: {} submissions of {}–{} bytes, {} clients, {} runs; server {}",
        bodies.len(),
        bodies.iter().map(String::len).min().unwrap_or(0),
        bodies.iter().map(String::len).max().unwrap_or(0),
        a.clients,
        a.runs,
        bin.display()
    );
    let mut backends: Vec<(&'static str, Option<&str>)> = vec![("SQLite", None)];
    if let Some(pg) = a.pg.as_deref() {
        backends.push(("PostgreSQL", Some(pg)));
    }
    let mut out: Vec<BackendRuns> = backends
        .iter()
        .map(|(name, _)| BackendRuns {
            name,
            server: Runs(vec![]),
            server_p50_ms: Runs(vec![]),
            server_p99_ms: Runs(vec![]),
            loop_: Runs(vec![]),
        })
        .collect();
    let mut ceiling = Runs(vec![]);
    // Runs are interleaved so a noisy neighbour on the shared machine hits every side alike.
    for r in 0..a.runs {
        let c = ceiling_run(
            &dir.join(format!("ceiling-{r}.log")),
            &warm,
            &bodies,
            a.clients,
        )
        .await?;
        eprintln!("  run {r}: HTTP ceiling {:.0}/s", c.per_sec());
        ceiling.0.push(c.per_sec());
        for (i, (name, pg)) in backends.iter().enumerate() {
            let l = server_run(
                &bin,
                &dir.join(format!("{name}-server-{r}")),
                *pg,
                &warm,
                &bodies,
                a.clients,
            )
            .await?;
            eprintln!(
                "  run {r}: {name} minsheng {:.0}/s (p50 {:.1} ms, p99 {:.1} ms)",
                l.per_sec(),
                l.p(50.0),
                l.p(99.0)
            );
            out[i].server.0.push(l.per_sec());
            out[i].server_p50_ms.0.push(l.p(50.0));
            out[i].server_p99_ms.0.push(l.p(99.0));
            let per_sec = loop_run(&dir.join(format!("{name}-loop-{r}")), *pg, &bodies).await?;
            eprintln!("  run {r}: {name} one-transaction loop {per_sec:.0}/s");
            out[i].loop_.0.push(per_sec);
        }
    }
    Ok(Summary {
        backends: out,
        ceiling,
    })
}

/// Every request acknowledged, else an error naming what came back instead.
pub fn check(load: &Load, what: &str, want: usize) -> anyhow::Result<()> {
    if load.ok != want {
        bail!(
            "{what}: {} of {want} acknowledged; other answers {:?}; first: {}",
            load.ok,
            load.other,
            load.first_problem.as_deref().unwrap_or("-")
        );
    }
    Ok(())
}

async fn ceiling_run(
    log: &Path,
    warm: &Arc<Vec<String>>,
    bodies: &Arc<Vec<String>>,
    clients: usize,
) -> anyhow::Result<Load> {
    let mut s = Server::ceiling(log)?;
    s.wait_healthy(Duration::from_secs(30)).await?;
    let url = format!("{}/api/v1/public/cases", s.base);
    check(
        &load::post_all(&url, warm.clone(), clients, 201).await,
        "ceiling warm-up",
        warm.len(),
    )?;
    let l = load::post_all(&url, bodies.clone(), clients, 201).await;
    check(&l, "ceiling", bodies.len())?;
    s.stop();
    Ok(l)
}

/// A fresh store for `minsheng`: the demo province and users, no cases.
async fn fresh_store(
    bin: &Path,
    data: &Path,
    pg: Option<&str>,
) -> anyhow::Result<(Option<TempPg>, Option<String>)> {
    procs::fresh_dir(data)?;
    let db = match pg {
        Some(admin) => Some(TempPg::create(admin, "intake").await?),
        None => None,
    };
    let url = db.as_ref().map(|d| d.url.clone());
    let mut args = vec!["demo".to_string(), "--cases".into(), "0".into()];
    args.extend(procs::store_args(data, url.as_deref()));
    procs::run_minsheng(bin, &args, &data.with_extension("demo.log"))?;
    Ok((db, url))
}

/// One run of the real `minsheng serve` on a fresh store (demo province, no cases): the warm-up,
/// then every body timed; the cases and events on file must match the acknowledgements.
pub async fn server_run(
    bin: &Path,
    data: &Path,
    pg: Option<&str>,
    warm: &Arc<Vec<String>>,
    bodies: &Arc<Vec<String>>,
    clients: usize,
) -> anyhow::Result<Load> {
    let (db, url) = fresh_store(bin, data, pg).await?;
    let mut s = Server::minsheng(bin, data, url.as_deref())?;
    s.wait_healthy(Duration::from_secs(120)).await?;
    let post = format!("{}/api/v1/public/cases", s.base);
    check(
        &load::post_all(&post, warm.clone(), clients, 201).await,
        "minsheng warm-up",
        warm.len(),
    )?;
    let l = load::post_all(&post, bodies.clone(), clients, 201).await;
    s.stop();
    check(&l, "minsheng intake", bodies.len())?;
    // What was acknowledged is on file, with its events.
    let db_url = url.clone().unwrap_or_else(|| sqlite_url(data));
    let (cases, events) = count_rows(&db_url).await?;
    let want = (warm.len() + bodies.len()) as i64;
    if cases != want || events < want {
        bail!(
            "after the run the store holds {cases} cases and {events} events; {want} were acknowledged"
        );
    }
    if let Some(db) = db {
        db.drop_db().await;
    }
    Ok(l)
}

fn sqlite_url(data: &Path) -> String {
    format!("sqlite://{}", data.join("minsheng.db").display())
}

async fn count_rows(url: &str) -> anyhow::Result<(i64, i64)> {
    let pool = sqlx::AnyPool::connect(url).await?;
    let (cases,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM cases")
        .fetch_one(&pool)
        .await?;
    let (events,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM case_events")
        .fetch_one(&pool)
        .await?;
    pool.close().await;
    Ok((cases, events))
}

/// The application state over a fresh store with the demo province, in this process.
pub async fn open_state(data: &Path, url: &str) -> anyhow::Result<AppState> {
    let store = Store::open(url, Sealer::load_or_create(data)?)
        .await
        .with_context(|| format!("opening {url}"))?;
    let dir = minsheng_server::demo::province().map_err(|e| anyhow::anyhow!("{e}"))?;
    store.save_directory(&dir).await?;
    Ok(AppState::new(
        store,
        Policy::shipped(),
        Calendar::shipped(),
        dir,
        PasswordParams::default(),
    ))
}

/// Baseline (a): decide every submission first, then write them one transaction each.
async fn loop_run(data: &Path, pg: Option<&str>, bodies: &[String]) -> anyhow::Result<f64> {
    procs::fresh_dir(data)?;
    let db = match pg {
        Some(admin) => Some(TempPg::create(admin, "loop").await?),
        None => None,
    };
    let url = db
        .as_ref()
        .map_or_else(|| sqlite_url(data), |d| d.url.clone());
    let st = open_state(data, &url).await?;
    let mut planned = Vec::with_capacity(bodies.len());
    for b in bodies {
        let input = serde_json::from_str(b)?;
        let d = minsheng_server::service::plan_registration(&st, &Actor::citizen(), input)
            .await
            .map_err(|e| anyhow::anyhow!("planning a case: {e}"))?;
        planned.push(d.op);
    }
    let started = Instant::now();
    for op in planned {
        match st.store.create_case(op).await? {
            Created::New(_) => {}
            Created::Existing(_) => bail!("the loop met an existing case"),
        }
    }
    let secs = started.elapsed().as_secs_f64();
    st.store.close().await;
    let (cases, _) = count_rows(&url).await?;
    if cases != bodies.len() as i64 {
        bail!("the loop wrote {cases} cases of {}", bodies.len());
    }
    if let Some(db) = db {
        db.drop_db().await;
    }
    Ok(bodies.len() as f64 / secs)
}

fn report(a: &Args, s: &Summary) {
    let now = chrono::Utc::now().format("%Y-%m-%d %H:%M UTC");
    println!(
        "### Durable intake, {} submissions × {} runs, {} clients ({now})\n",
        a.cases, a.runs, a.clients
    );
    println!(
        "Command: `minsheng-bench intake --cases {} --clients {} --runs {}{}`\n",
        a.cases,
        a.clients,
        a.runs,
        if a.pg.is_some() { " --pg URL" } else { "" }
    );
    println!("| backend | measurement | runs (cases/s) | median (min–max, ± half-range) | ratio |");
    println!("|---|---|---|---:|---:|");
    println!(
        "| — | baseline (b): HTTP ceiling, parse JSON + 201 | {} | {} | 1 |",
        s.ceiling.list(),
        s.ceiling
    );
    for b in &s.backends {
        println!(
            "| {} | minsheng HTTP intake, acknowledged after commit | {} | {} | {:.2}× loop, {:.3} of ceiling |",
            b.name,
            b.server.list(),
            b.server,
            b.server.median() / b.loop_.median(),
            b.server.median() / s.ceiling.median()
        );
        println!(
            "| {} | baseline (a): one transaction per case, same rows | {} | {} | 1 |",
            b.name,
            b.loop_.list(),
            b.loop_
        );
    }
    println!();
    for b in &s.backends {
        println!(
            "{}: request latency under load p50 {:.1} ms, p99 {:.1} ms (medians of the runs).",
            b.name,
            b.server_p50_ms.median(),
            b.server_p99_ms.median()
        );
    }
    println!();
}
