//! minsheng's case creation vs django-helpdesk's ticket creation (issue 8, `helpdesk_ratio`).
//!
//! The peer is django-helpdesk from PyPI on SQLite under gunicorn (`gunicorn.rs`); tickets are
//! created through its REST API (`POST /api/tickets/`, a staff token). minsheng is the real
//! `minsheng serve` taking the same submissions on `POST /api/v1/public/cases`, exactly the
//! server run of the intake benchmark. Both sides get the same load generator, the same 64
//! clients, the same number of requests and the same text: each ticket is built from the
//! minsheng submission of the same index (title; request, facts and the petitioner's details
//! as the description). Every run starts from an empty database, warms up with one request
//! per client, and afterwards the rows on file must equal the 201s. Runs alternate (peer,
//! minsheng) so a noisy neighbour hits both.

use crate::bodies::World;
use crate::gunicorn::{JournalMode, Peer, Workers};
use crate::intake;
use crate::load::{self, Load};
use crate::procs;
use crate::stats::Runs;
use anyhow::bail;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

#[derive(clap::Args, Clone)]
pub struct Args {
    /// Requests per run on each side (after a warm-up of one per client).
    #[arg(long, default_value_t = 2_000)]
    pub cases: usize,
    /// Concurrent clients (the intake benchmark's 64).
    #[arg(long, default_value_t = 64)]
    pub clients: usize,
    /// Runs of each side (median and spread are reported).
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    #[arg(long, default_value_t = 8)]
    pub seed: u64,
    /// gunicorn worker processes (default: cores + 1, django-helpdesk's best on the 2-core
    /// machine; gunicorn's advice of 2 × cores + 1 was slower there, see bench/README.md).
    #[arg(long)]
    pub workers: Option<usize>,
    /// Threads per gunicorn worker (1: the `sync` worker; more: `gthread`).
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// The peer's SQLite journal (`synchronous` stays FULL either way).
    #[arg(long, value_enum, default_value_t = JournalMode::Wal)]
    pub journal: JournalMode,
    /// Work directory (wiped first).
    #[arg(long, default_value = "/tmp/minsheng-bench-helpdesk")]
    pub dir: PathBuf,
    /// The `minsheng` binary (default: beside this one).
    #[arg(long)]
    pub minsheng: Option<PathBuf>,
}

impl Args {
    fn workers(&self) -> Workers {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Workers {
            processes: self.workers.unwrap_or(cores + 1),
            threads: self.threads.max(1),
        }
    }
}

pub struct Summary {
    pub helpdesk: Runs,
    pub helpdesk_p50_ms: Runs,
    pub minsheng: Runs,
    pub minsheng_p50_ms: Runs,
}

impl Summary {
    /// minsheng cases/s ÷ django-helpdesk tickets/s, medians of the runs.
    pub fn ratio(&self) -> f64 {
        self.minsheng.median() / self.helpdesk.median()
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
    let peer = Peer::prepare(&dir)?;
    let world = World::demo()?;
    let warm = Arc::new(world.bodies(a.clients, 0, a.seed));
    let bodies = Arc::new(world.bodies(a.cases, a.clients, a.seed));
    let workers = a.workers();
    eprintln!(
        "helpdesk: {} requests a side, {} clients, {} runs; django-helpdesk under gunicorn \
         ({} processes × {} threads, SQLite journal {}), minsheng {}",
        bodies.len(),
        a.clients,
        a.runs,
        workers.processes,
        workers.threads,
        a.journal.name(),
        bin.display()
    );
    let mut s = Summary {
        helpdesk: Runs(vec![]),
        helpdesk_p50_ms: Runs(vec![]),
        minsheng: Runs(vec![]),
        minsheng_p50_ms: Runs(vec![]),
    };
    for r in 0..a.runs {
        let h = helpdesk_run(
            &peer,
            &dir.join(format!("helpdesk-{r}")),
            a,
            workers,
            &warm,
            &bodies,
        )
        .await?;
        eprintln!(
            "  run {r}: django-helpdesk {:.1} tickets/s (p50 {:.0} ms)",
            h.per_sec(),
            h.p(50.0)
        );
        s.helpdesk.0.push(h.per_sec());
        s.helpdesk_p50_ms.0.push(h.p(50.0));
        let m = intake::server_run(
            &bin,
            &dir.join(format!("minsheng-{r}")),
            None,
            &warm,
            &bodies,
            a.clients,
        )
        .await?;
        eprintln!(
            "  run {r}: minsheng {:.0} cases/s (p50 {:.1} ms)",
            m.per_sec(),
            m.p(50.0)
        );
        s.minsheng.0.push(m.per_sec());
        s.minsheng_p50_ms.0.push(m.p(50.0));
    }
    Ok(s)
}

/// The ticket django-helpdesk's API takes for a minsheng submission: the same title, the
/// submission's request and facts as the description with the petitioner's details, which
/// a ticket has no fields for.
fn ticket(submission: &str, queue: i64) -> anyhow::Result<String> {
    let v: serde_json::Value = serde_json::from_str(submission)?;
    let s = |p: &str| v.pointer(p).and_then(|x| x.as_str()).unwrap_or_default();
    let description = format!(
        "{}\n\n{}\n\n地点：{}\n信访人：{}，电话：{}，住址：{}",
        s("/request"),
        s("/facts_reasons"),
        s("/location/address"),
        s("/petitioner/name"),
        s("/petitioner/phone"),
        s("/petitioner/address"),
    );
    Ok(serde_json::json!({
        "queue": queue,
        "title": s("/title"),
        "description": description,
        "priority": 3,
    })
    .to_string())
}

fn tickets(submissions: &[String], queue: i64) -> anyhow::Result<Arc<Vec<String>>> {
    Ok(Arc::new(
        submissions
            .iter()
            .map(|b| ticket(b, queue))
            .collect::<anyhow::Result<_>>()?,
    ))
}

async fn helpdesk_run(
    peer: &Peer,
    work: &Path,
    a: &Args,
    workers: Workers,
    warm: &[String],
    bodies: &[String],
) -> anyhow::Result<Load> {
    let cred = peer.setup(work, a.journal)?;
    let (warm, bodies) = (tickets(warm, cred.queue)?, tickets(bodies, cred.queue)?);
    let mut g = peer.serve(work, workers)?;
    g.wait_ready(Duration::from_secs(60)).await?;
    let url = format!("{}/api/tickets/", g.base);
    let auth = [("authorization", format!("Token {}", cred.token))];
    intake::check(
        &load::post_all_with(&url, &auth, warm.clone(), a.clients, 201).await,
        "django-helpdesk warm-up",
        warm.len(),
    )?;
    let l = load::post_all_with(&url, &auth, bodies.clone(), a.clients, 201).await;
    drop(g);
    intake::check(&l, "django-helpdesk", bodies.len())?;
    let (tickets, followups) = crate::gunicorn::count_tickets(work).await?;
    let want = (warm.len() + bodies.len()) as i64;
    if tickets != want || followups != want {
        bail!(
            "after the run django-helpdesk holds {tickets} tickets and {followups} follow-ups; \
             {want} were acknowledged"
        );
    }
    Ok(l)
}

fn report(a: &Args, s: &Summary) {
    let now = chrono::Utc::now().format("%Y-%m-%d %H:%M UTC");
    let w = a.workers();
    println!(
        "### Case creation vs django-helpdesk, {} requests × {} runs, {} clients ({now})\n",
        a.cases, a.runs, a.clients
    );
    println!(
        "Command: `minsheng-bench helpdesk --cases {} --clients {} --runs {} --workers {} \
         --threads {} --journal {}`\n",
        a.cases,
        a.clients,
        a.runs,
        w.processes,
        w.threads,
        a.journal.name()
    );
    println!(
        "| system | request | runs (/s) | median (min–max, ± half-range) | p50 latency | ratio |"
    );
    println!("|---|---|---|---:|---:|---:|");
    println!(
        "| django-helpdesk 2.6.1, gunicorn {}×{}, SQLite {} | `POST /api/tickets/` | {} | {} | {:.0} ms | 1 |",
        w.processes,
        w.threads,
        a.journal.name(),
        s.helpdesk.list(),
        s.helpdesk,
        s.helpdesk_p50_ms.median()
    );
    println!(
        "| minsheng serve, SQLite | `POST /api/v1/public/cases` | {} | {} | {:.1} ms | {:.1}× |",
        s.minsheng.list(),
        s.minsheng,
        s.minsheng_p50_ms.median(),
        s.ratio()
    );
    println!();
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_ticket_carries_the_whole_submission() {
        let w = crate::bodies::World::demo().expect("demo province");
        let b = &w.bodies(1, 0, 3)[0];
        let sub: serde_json::Value = serde_json::from_str(b).expect("json");
        let t: serde_json::Value =
            serde_json::from_str(&super::ticket(b, 7).expect("ticket")).expect("json");
        assert_eq!(t["queue"], 7);
        assert_eq!(t["title"], sub["title"]);
        let d = t["description"].as_str().expect("description");
        for p in [
            "/request",
            "/facts_reasons",
            "/petitioner/name",
            "/petitioner/phone",
        ] {
            let part = sub.pointer(p).and_then(|x| x.as_str()).expect(p);
            assert!(!part.is_empty() && d.contains(part), "{p} missing");
        }
        // django-helpdesk's form refuses titles over 200 characters.
        assert!(t["title"].as_str().expect("title").chars().count() <= 200);
    }
}
