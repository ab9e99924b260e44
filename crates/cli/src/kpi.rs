//! `minsheng kpi recount [--fix]`: derives every case from its stored events at one instant and
//! compares with the kept KPI cells and intake volumes (docs/kpi.md). Exit code 1 if they differ.

use crate::setup::StoreArgs;
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Recount every KPI cell from the event log and compare with the kept rollups.
    Recount(RecountArgs),
}

#[derive(clap::Args)]
pub struct RecountArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Rewrite the kept facts, cells and volumes from the recount (in one transaction).
    #[arg(long)]
    pub fix: bool,
}

pub async fn run(c: Command) -> anyhow::Result<ExitCode> {
    let Command::Recount(a) = c;
    let st = a.store.open_state().await?;
    let now = minsheng_server::service::now();
    let r = minsheng_server::kpi::recount(&st, now)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    for d in &r.differences {
        println!("DIFF {d}");
    }
    println!(
        "重新统计 / recounted {} cases as of {} ({} due refreshed first): {} difference(s)",
        r.cases,
        r.as_of.to_rfc3339(),
        r.refreshed,
        r.differences.len()
    );
    if r.differences.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    if a.fix {
        let n = minsheng_server::kpi::rebuild(&st, minsheng_server::service::now())
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        println!("已按重新统计改写 / rewritten from the recount: {n} cases");
        return Ok(ExitCode::SUCCESS);
    }
    Ok(ExitCode::from(1))
}
