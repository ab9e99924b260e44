//! `minsheng verify`: re-walks every hash chain.

use crate::setup::StoreArgs;
use std::process::ExitCode;

pub async fn run(a: StoreArgs) -> anyhow::Result<ExitCode> {
    let store = a.open_store().await?;
    let report = store.verify().await?;
    for f in &report.failures {
        println!(
            "TAMPERED case {} ({}) event seq {}: {}",
            f.number, f.case_id, f.seq, f.reason
        );
    }
    println!(
        "verified {} cases, {} events: {} broken chain(s)",
        report.cases,
        report.events,
        report.failures.len()
    );
    Ok(if report.failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
