//! `minsheng`: the one binary. Subcommands live in their own files.

mod backup;
mod demo;
mod hotspots;
mod kpi;
mod purge;
mod serve;
mod setup;
mod topics;
mod train;
mod users;
mod verify;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "minsheng",
    version,
    about = "民声 minsheng — petitions, 12345 hotline and people's suggestions in one service"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP service.
    Serve(serve::Args),
    /// Fill a fresh database with a generated demo province, users and cases.
    Demo(demo::Args),
    /// Manage staff users.
    Users {
        #[command(subcommand)]
        command: users::Command,
    },
    /// Re-walk every case's hash chain; exits non-zero naming the first altered event of each case.
    Verify(setup::StoreArgs),
    /// Policy files.
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
    /// Train the topic classifier from a labelled CSV.
    Train(train::TrainArgs),
    /// Train the topic classifier from the cases on file (what `serve` runs in the background).
    TrainTopics(topics::Args),
    /// Evaluate a trained classifier on a labelled CSV.
    EvalClassifier(train::EvalArgs),
    /// Find hotspots (热点问题) in a CSV of messages.
    Hotspots(hotspots::Args),
    /// Write an online, consistent backup archive (personal data stays encrypted).
    Backup(backup::BackupArgs),
    /// Restore a backup archive into an empty database.
    Restore(backup::RestoreArgs),
    /// Rebuild the search index of the data directory from the database (stop the server first).
    Reindex(setup::StoreArgs),
    /// Remove what is past the policy's retention periods; prints what it removed per kind.
    Purge(purge::Args),
    /// KPI rollups: recount from the event log, compare, optionally fix.
    Kpi {
        #[command(subcommand)]
        command: kpi::Command,
    },
}

#[derive(Subcommand)]
enum PolicyCommand {
    /// Validate a policy file (numbers, units, overrides) without starting anything.
    Check { file: std::path::PathBuf },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("MINSHENG_LOG")
                .unwrap_or_else(|_| "info,sqlx=warn,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = rt.block_on(async move {
        match cli.command {
            Command::Serve(a) => serve::run(a).await,
            Command::Reindex(a) => reindex(a).await,
            Command::Backup(a) => backup::backup(a).await,
            Command::Restore(a) => backup::restore(a).await,
            Command::Demo(a) => demo::run(a).await,
            Command::Users { command } => users::run(command).await,
            Command::Verify(a) => verify::run(a).await,
            Command::Policy {
                command: PolicyCommand::Check { file },
            } => policy_check(&file),
            Command::Train(a) => train::train(a),
            Command::TrainTopics(a) => topics::run(a).await,
            Command::EvalClassifier(a) => train::eval(a),
            Command::Hotspots(a) => hotspots::run(a),
            Command::Kpi { command } => kpi::run(command).await,
            Command::Purge(a) => purge::run(a).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn policy_check(file: &std::path::Path) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(file)?;
    match minsheng_core::policy::Policy::from_toml(&text) {
        Ok(p) => {
            println!(
                "政策文件有效 / policy is valid: {} ({} regional override(s))",
                file.display(),
                p.overrides().len()
            );
            for o in p.overrides() {
                println!("  - {} ({})", o.name, o.region);
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("{}\n{}", e.message_zh(), e.message_en());
            Ok(ExitCode::from(2))
        }
    }
}

/// `minsheng reindex`: rebuilds the search index with a progress bar.
async fn reindex(a: setup::StoreArgs) -> anyhow::Result<ExitCode> {
    // A process of its own: the index writer may take every core, and the related-case index,
    // which lives in a serving instance's memory, is not built at all.
    let st = a
        .open_state_with_search(minsheng_text::search::WriterOptions::bulk())
        .await?;
    let total = st.store.count_cases().await?;
    let bar = indicatif::ProgressBar::new(total.max(0) as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} 重建检索索引 / reindexing [{bar:40}] {pos}/{len} ({per_sec}, {eta})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let started = std::time::Instant::now();
    let n = st
        .rebuild_text(
            minsheng_server::Projections {
                search: true,
                related: false,
            },
            |n| bar.set_position(n),
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    bar.finish();
    eprintln!(
        "已重建 {n} 件 / reindexed {n} cases in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}
