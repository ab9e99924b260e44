//! `minsheng purge [--dry-run]`: removes what the policy's `[retention]` periods say is past
//! keeping, and prints what it removed per kind. See `minsheng_store::purge` for what a purge
//! of a closed case keeps (its events, so every chain still verifies) and removes.

use crate::setup::StoreArgs;
use chrono::{Duration, Utc};
use minsheng_core::policy::Policy;
use minsheng_store::purge::Cutoffs;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Count what would be removed; change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

pub async fn run(a: Args) -> anyhow::Result<ExitCode> {
    // The policy is checked before the database is touched: a refused retention setting (an
    // audit log kept less than six months) purges nothing.
    let policy = match &a.store.policy {
        Some(p) => match Policy::from_toml(&std::fs::read_to_string(p)?) {
            Ok(policy) => policy,
            Err(e) => {
                eprintln!("{}\n{}", e.message_zh(), e.message_en());
                return Ok(ExitCode::from(2));
            }
        },
        None => Policy::shipped(),
    };
    let r = policy.national().retention.clone();
    let now = Utc::now();
    let before = |p| now - Duration::days(r.days(p));
    let cut = Cutoffs {
        audit_log: before(r.audit_log),
        expired_sessions: before(r.expired_sessions),
        rejected_held: before(r.rejected_held),
        support_codes: before(r.support_codes),
        closed_cases: before(r.closed_case_personal_data),
    };
    let store = a.store.open_store().await?;
    let report = store.purge(&cut, a.dry_run, "minsheng purge").await?;
    let (verb_zh, verb_en) = if a.dry_run {
        ("将清除", "would remove")
    } else {
        ("已清除", "removed")
    };
    for ((kind, n), (_, period)) in report.kinds().into_iter().zip(r.periods()) {
        println!(
            "{verb_zh} / {verb_en} {kind}: {n} (retention {})",
            period.label_en()
        );
    }
    let total = report.total();
    if a.dry_run {
        println!("试运行，未作改动：共 {total} 条 / dry run, nothing changed: {total} in total");
    } else {
        println!("共清除 {total} 条 / removed {total} in total");
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
