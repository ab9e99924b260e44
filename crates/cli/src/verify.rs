//! `minsheng verify`: re-walks every hash chain (cases, alerts, suggestions, campaigns).

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
    let (alerts, alert_failures) = store.verify_alerts().await?;
    for f in &alert_failures {
        println!(
            "TAMPERED alert {} event seq {}: {}",
            f.alert_id, f.seq, f.reason
        );
    }
    println!(
        "verified {alerts} alerts: {} broken chain(s)",
        alert_failures.len()
    );
    let (streams, suggestion_failures) = store.verify_suggestion_chains().await?;
    for f in &suggestion_failures {
        println!(
            "TAMPERED {} {} event seq {}: {}",
            f.stream, f.id, f.seq, f.reason
        );
    }
    println!(
        "verified {streams} suggestions and campaigns: {} broken chain(s)",
        suggestion_failures.len()
    );
    Ok(
        if report.failures.is_empty() && alert_failures.is_empty() && suggestion_failures.is_empty()
        {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        },
    )
}
