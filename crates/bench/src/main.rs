//! minsheng benchmarks. Each prints a Markdown report to stdout; progress goes to stderr.
//!
//! ```text
//! cargo run --release -p minsheng-bench -- search --cases 100000
//! cargo run --release -p minsheng-bench -- related --cases 1000000
//! cargo run --release -p minsheng-bench -- helpdesk --cases 2000
//! cargo run --release -p minsheng-bench -- kpi --cases 1000000 --pg postgres://postgres@127.0.0.1:5432/postgres
//! cargo build --release -p minsheng -p minsheng-bench && target/release/minsheng-bench all --quick
//! ```
//! How to run each and what the targets mean: bench/README.md.

mod all;
mod bodies;
mod ceiling;
mod corpus;
mod duckdb;
mod fill;
mod gunicorn;
mod helpdesk;
mod intake;
mod kpi;
mod load;
mod procs;
mod pyenv;
mod reindex;
mod related;
mod search;
mod stats;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(about = "minsheng benchmarks on generated cases")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Full-text search: tantivy (words + bigrams) vs jieba words only vs SQLite FTS5 trigram,
    /// recall against a substring scan.
    Search(search::Args),
    /// Related-case look-up at intake.
    Related(related::Args),
    /// KPI dashboard queries over kept rollups vs GROUP BY over a plain case table.
    Kpi(kpi::Args),
    /// Durable intake through the HTTP API vs a one-transaction-per-case loop and an HTTP
    /// ceiling, on SQLite and PostgreSQL.
    Intake(intake::Args),
    /// minsheng case creation vs django-helpdesk ticket creation (PyPI, SQLite, gunicorn),
    /// same load generator and clients.
    Helpdesk(helpdesk::Args),
    /// `minsheng reindex` time and the server's peak memory at N cases.
    Reindex(reindex::Args),
    /// Every measurement at one scale, ending with one `target …` line per goal of issue 8.
    All(all::Args),
    /// The HTTP ceiling server the intake benchmark starts (parse JSON, answer 201).
    #[command(hide = true)]
    Ceiling(ceiling::Args),
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Search(a) => search::run(a).map(drop),
        Command::Related(a) => related::run(a).map(drop),
        Command::Kpi(a) => kpi::run(a).map(|s| s.print_targets()),
        Command::Intake(a) => intake::run(a).map(drop),
        Command::Helpdesk(a) => helpdesk::run(a).map(drop),
        Command::Reindex(a) => reindex::run(a).map(drop),
        Command::All(a) => all::run(a),
        Command::Ceiling(a) => ceiling::run(a),
    }
}

/// Percentile of sorted samples (nearest rank).
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Resident memory of this process in MiB (Linux).
pub fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

pub fn dir_size(path: &std::path::Path) -> u64 {
    std::fs::read_dir(path)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => dir_size(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}
