//! `minsheng serve`.

use crate::setup::{StoreArgs, redact};
use minsheng_server::Application;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", env = "MINSHENG_BIND")]
    pub bind: String,
    /// Fill the database with demo data first if it is empty.
    #[arg(long)]
    pub demo: bool,
    /// Public submissions per network address per minute (0 = no limit).
    #[arg(long, default_value_t = 10, env = "MINSHENG_PUBLIC_WRITES_PER_MINUTE")]
    pub public_writes_per_minute: u32,
    /// Tracking attempts and citizen actions per address per minute (0 = no limit).
    #[arg(long, default_value_t = 30, env = "MINSHENG_PUBLIC_TRACKS_PER_MINUTE")]
    pub public_tracks_per_minute: u32,
    /// Public submissions per phone number per hour (0 = no limit).
    #[arg(
        long,
        default_value_t = 5,
        env = "MINSHENG_SUBMISSIONS_PER_PHONE_PER_HOUR"
    )]
    pub submissions_per_phone_per_hour: u32,
    /// Behind a reverse proxy: take the client address from X-Forwarded-For.
    #[arg(long, env = "MINSHENG_TRUST_FORWARDED_FOR")]
    pub trust_forwarded_for: bool,
    /// Reached over HTTPS only (directly or through a TLS proxy): every cookie is marked Secure.
    #[arg(long, env = "MINSHENG_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// 12345 exchange: how far a partner's message timestamp may be from our clock, in seconds.
    #[arg(
        long,
        default_value_t = 300,
        env = "MINSHENG_EXCHANGE_TIMESTAMP_WINDOW_SECS"
    )]
    pub exchange_timestamp_window_secs: u64,
    /// 12345 exchange: how long one status delivery to a partner may take, in seconds (keep it
    /// well under the outbox lease of 60 s).
    #[arg(
        long,
        default_value_t = 10,
        env = "MINSHENG_EXCHANGE_DELIVERY_TIMEOUT_SECS"
    )]
    pub exchange_delivery_timeout_secs: u64,
    /// The token the telephone system (CTI) presents as `Authorization: Bearer …` when it
    /// posts call events; without one, call events are refused.
    #[arg(long, env = "MINSHENG_TELEPHONY_TOKEN", hide_env_values = true)]
    pub telephony_token: Option<String>,
    /// Notices by e-mail go through this SMTP server: `smtps://`, `smtp+starttls://` or (a
    /// local relay) `smtp://`, then `[user:password@]host[:port]`.
    #[arg(long, env = "MINSHENG_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// The sender of notices by e-mail.
    #[arg(
        long,
        default_value = "民声 <noreply@localhost>",
        env = "MINSHENG_MAIL_FROM"
    )]
    pub mail_from: String,
    /// Notices by SMS go to this HTTP gateway (POST JSON {to, text, sign}).
    #[arg(long, env = "MINSHENG_SMS_GATEWAY_URL")]
    pub sms_gateway_url: Option<String>,
    /// The gateway's bearer key.
    #[arg(
        long,
        env = "MINSHENG_SMS_GATEWAY_KEY",
        hide_env_values = true,
        default_value = ""
    )]
    pub sms_gateway_key: String,
    /// The SMS signature (短信签名).
    #[arg(long, default_value = "民声", env = "MINSHENG_SMS_SIGN")]
    pub sms_sign: String,
    /// Cases to generate with --demo.
    #[arg(long, default_value_t = 3000)]
    pub demo_cases: usize,
}

pub async fn run(a: Args) -> anyhow::Result<ExitCode> {
    let st = a
        .store
        .open_state_with_search(minsheng_text::search::WriterOptions::default())
        .await?
        .with_limits(minsheng_server::abuse::Limits {
            writes_per_minute: a.public_writes_per_minute,
            tracks_per_minute: a.public_tracks_per_minute,
            per_phone_per_hour: a.submissions_per_phone_per_hour,
            trust_forwarded_for: a.trust_forwarded_for,
        })
        .with_secure_cookies(a.secure_cookies)
        .with_exchange(minsheng_server::exchange::Settings {
            timestamp_window: std::time::Duration::from_secs(a.exchange_timestamp_window_secs),
            delivery_timeout: std::time::Duration::from_secs(
                a.exchange_delivery_timeout_secs.clamp(1, 50),
            ),
        });
    st.telephony.set_token(a.telephony_token.as_deref());
    minsheng_server::notify::enable(
        &st,
        minsheng_server::notify::NotifyConfig {
            email: a
                .smtp_url
                .clone()
                .map(|url| minsheng_server::notify::email::SmtpConfig {
                    url,
                    from: a.mail_from.clone(),
                }),
            sms: a
                .sms_gateway_url
                .clone()
                .map(|url| minsheng_server::notify::sms::GatewayConfig {
                    url,
                    key: a.sms_gateway_key.clone(),
                    sign: a.sms_sign.clone(),
                }),
        },
    )?;
    let mut projected = false;
    if a.demo {
        if st.store.count_cases().await? == 0 && st.store.list_users().await?.is_empty() {
            crate::demo::fill(&st, a.demo_cases, 2026).await?;
            st.text.flush();
            projected = true;
        } else {
            eprintln!("数据库已有数据，跳过演示数据 / database has data; demo data skipped");
        }
    }
    if !projected {
        // The related-case index lives in memory; the search index is rebuilt only when it
        // is new or out of step with the database.
        let cases = st.store.count_cases().await?;
        let search = st.text.search.needs_rebuild() || st.text.search.num_docs() != cases as u64;
        let what = minsheng_server::Projections {
            search,
            related: true,
        };
        let n = st.rebuild_text(what, |_| {}).await?;
        if search {
            eprintln!("检索索引已重建 / search index rebuilt: {n} cases");
        }
    }
    // KPI rollups: a database from before the projection is counted once from its log; then
    // facts whose deadlines pass without an event are derived again every minute.
    let started = std::time::Instant::now();
    match minsheng_server::kpi::backfill_if_needed(&st).await {
        Ok(Some(n)) => eprintln!(
            "考核指标已从事件日志补算 / KPI rollups backfilled from the event log: {n} cases in {:.1}s",
            started.elapsed().as_secs_f64()
        ),
        Ok(None) => {}
        Err(e) => anyhow::bail!("KPI backfill failed: {e}"),
    }
    minsheng_server::kpi::spawn_refresher(st.clone());
    // The topic classifier learns from the cases in a child process; intake works without it.
    crate::topics::spawn_training(st.clone(), &a.store);
    // Messages to partners and petitioners, written with the events that cause them.
    minsheng_server::outbox::spawn_worker(st.clone());
    // Alerts not acknowledged in time, and supervision orders ignored, go one level up.
    minsheng_server::alerts::spawn_escalation(st.clone());
    // Forget recovered rate-limit keys now and then, so memory stays bounded.
    let limits = st.rate_limits.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(300));
        loop {
            tick.tick().await;
            limits.housekeep();
        }
    });
    let app = Application::bind(&a.bind, st).await?;
    eprintln!(
        "民声 minsheng listening on http://{} (database {})",
        app.local_addr()?,
        redact(&a.store.url()?)
    );
    eprintln!("API docs: http://{}/api/v1/docs", app.local_addr()?);
    app.run().await?;
    Ok(ExitCode::SUCCESS)
}
