//! `minsheng demo`: a generated province, staff users and cases in every state.

use crate::setup::StoreArgs;
use minsheng_server::AppState;
use minsheng_server::demo;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub store: StoreArgs,
    /// How many cases to generate.
    #[arg(long, default_value_t = 3000)]
    pub cases: usize,
    /// Seed for the generator (same seed, same data).
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
}

pub async fn run(a: Args) -> anyhow::Result<ExitCode> {
    let st = a.store.open_state().await?;
    fill(&st, a.cases, a.seed).await?;
    Ok(ExitCode::SUCCESS)
}

/// Fills an empty database; refuses to touch one that already has cases or users.
pub async fn fill(st: &AppState, cases: usize, seed: u64) -> anyhow::Result<()> {
    if st.store.count_cases().await? > 0 || !st.store.list_users().await?.is_empty() {
        anyhow::bail!(
            "the database already has data; demo data only goes into a fresh database \
             (remove the data directory or point --data elsewhere)"
        );
    }
    let dir = demo::province().map_err(|e| anyhow::anyhow!("{e}"))?;
    st.store.save_directory(&dir).await?;
    st.set_directory(dir);
    demo::seed_users(st)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    demo::seed_articles(st)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    minsheng_server::grids::seed_demo(st)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let sg = demo::seed_suggestions(st)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let started = std::time::Instant::now();
    let n = demo::generate_cases(st, cases, seed, 120)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let (alerts, orders, leaders) = minsheng_server::alerts::demo::seed(st)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    eprintln!(
        "预警与督办 / oversight: {alerts} alerts, {orders} supervision orders, {leaders} leader-owned cases"
    );
    eprintln!(
        "演示数据已生成 / demo data ready: {n} cases in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    println!(
        "\n人民建议演示数据 / suggestion demo: {} campaigns, {} suggestions; 特邀建议人专属链接 / adviser links (shown once):",
        sg.campaigns, sg.suggestions
    );
    for (who, link) in &sg.adviser_links {
        println!("  {who}: {link}");
    }
    println!(
        "\n演示账号（密码均为 / every password is: {}）",
        demo::DEMO_PASSWORD
    );
    println!("Demo users (shown once; change them before any real use):");
    for (user, name, role, unit) in demo::DEMO_USERS {
        println!(
            "  {user:<22} {role:<12} {:<16} {name}",
            unit.unwrap_or("-"),
            role = role.as_str()
        );
    }
    Ok(())
}
