//! Crash safety: the real `minsheng serve` takes concurrent online submissions and is killed with
//! SIGKILL at a random moment, again and again; after each kill it is restarted. At the end every
//! submission the server acknowledged (201 with a case number) must exist with its events, no
//! case may be half-written (its version equals its number of events, no events without a case),
//! and every hash chain must verify. On SQLite and on PostgreSQL.
//!
//! Quick mode (the default, in `./scripts/test.sh`): 6 trials per backend. Full mode:
//! `MINSHENG_CRASH_TRIALS=25 cargo test -p minsheng --test cli crash -- --nocapture`
//! Each run ends with `crash trials=N acknowledged=A lost=L broken_chains=B`.

use crate::{minsheng, temp_dir, text};
use sqlx::Connection;
use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const WORKERS: usize = 8;

fn trials() -> usize {
    std::env::var("MINSHENG_CRASH_TRIALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(6)
}

/// A small deterministic generator: kill moments are reproducible from the printed seed.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn start(store_args: &[&str], port: u16, log: &std::path::Path) -> Child {
    let mut args = vec![
        "serve".to_string(),
        "--bind".into(),
        format!("127.0.0.1:{port}"),
    ];
    args.extend(store_args.iter().map(|s| s.to_string()));
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .expect("log file");
    Command::new(env!("CARGO_BIN_EXE_minsheng"))
        .args(&args)
        .env("MINSHENG_LOG", "warn")
        // The load comes from one address and is meant to be heavy: no public rate limits.
        .env("MINSHENG_PUBLIC_WRITES_PER_MINUTE", "0")
        .env("MINSHENG_SUBMISSIONS_PER_PHONE_PER_HOUR", "0")
        .env_remove("MINSHENG_KEY")
        .env_remove("MINSHENG_DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start minsheng serve")
}

async fn wait_healthy(client: &reqwest::Client, base: &str, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("minsheng serve exited during start-up: {status}");
        }
        if let Ok(r) = client.get(format!("{base}/healthz")).send().await
            && r.status().is_success()
        {
            return;
        }
        assert!(Instant::now() < deadline, "server did not become healthy");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn submission(worker: usize, i: usize) -> serde_json::Value {
    serde_json::json!({
        "channel": "online",
        "kind": "appeal",
        "title": format!("崩溃测试 {worker}-{i}：小区路灯不亮"),
        "request": "请求尽快修复小区路灯",
        "facts_reasons": "小区东门路灯损坏多日，夜间出行不便。",
        "topic": "010101",
        "location": {"region": "990102001001", "address": "翠湖社区"},
        "petitioner": {"name": "测试者", "phone": format!("139{:04}{:04}", worker, i % 10_000)}
    })
}

/// Drives submissions until aborted; records every acknowledged case number.
async fn drive(
    client: reqwest::Client,
    base: String,
    worker: usize,
    acked: Arc<Mutex<Vec<String>>>,
) {
    let mut i = 0usize;
    loop {
        i += 1;
        let r = client
            .post(format!("{base}/api/v1/public/cases"))
            .json(&submission(worker, i))
            .send()
            .await;
        let Ok(r) = r else {
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        };
        if r.status().as_u16() == 201
            && let Ok(body) = r.json::<serde_json::Value>().await
            && let Some(n) = body["number"].as_str()
        {
            acked.lock().unwrap().push(n.to_string());
        }
    }
}

#[derive(Debug, Default)]
struct Check {
    present: BTreeSet<String>,
    half_written: Vec<String>,
}

/// Reads what the crashes left, with the server stopped.
fn inspect(url: &str) -> Check {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        sqlx::any::install_default_drivers();
        let mut conn = sqlx::AnyConnection::connect(url).await.expect("connect");
        read_check(&mut conn).await
    })
}

async fn read_check(conn: &mut sqlx::AnyConnection) -> Check {
    let mut c = Check::default();
    let rows: Vec<(String,)> = sqlx::query_as("SELECT number FROM cases")
        .fetch_all(&mut *conn)
        .await
        .expect("cases");
    c.present = rows.into_iter().map(|r| r.0).collect();
    let bad: Vec<(String,)> = sqlx::query_as(
        "SELECT number FROM cases c WHERE c.version <> (SELECT COUNT(*) FROM case_events e WHERE e.case_id = c.id) \
         UNION ALL SELECT DISTINCT e.case_id FROM case_events e WHERE NOT EXISTS (SELECT 1 FROM cases c WHERE c.id = e.case_id)",
    )
    .fetch_all(&mut *conn)
    .await
    .expect("half-written check");
    c.half_written = bad.into_iter().map(|r| r.0).collect();
    c
}

/// Runs the trials against one store; returns the summary line's numbers.
fn run(name: &str, store_args: &[&str], check: impl Fn() -> Check) -> (usize, usize, usize) {
    let dir = temp_dir();
    let data = dir.to_str().unwrap().to_string();
    let mut args: Vec<&str> = vec!["--data", &data];
    args.extend_from_slice(store_args);
    let mut demo = vec!["demo", "--cases", "0"];
    demo.extend_from_slice(&args);
    let o = minsheng(&demo);
    assert!(o.status.success(), "demo: {}", text(&o));

    let seed = std::env::var("MINSHENG_CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
                | 1
        });
    eprintln!("crash {name}: seed {seed} (MINSHENG_CRASH_SEED to repeat)");
    let mut rng = XorShift(seed);
    let rt = tokio::runtime::Runtime::new().unwrap();
    // reqwest's client needs a runtime in scope when it is built.
    let _entered = rt.enter();
    let acked = Arc::new(Mutex::new(Vec::new()));
    let log = dir.join("serve.log");
    let n = trials();
    for trial in 0..n {
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let mut child = start(&args, port, &log);
        let client = minsheng_server::tls::client_builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        rt.block_on(wait_healthy(&client, &base, &mut child));
        let workers: Vec<_> = (0..WORKERS)
            .map(|w| {
                rt.spawn(drive(
                    client.clone(),
                    base.clone(),
                    trial * WORKERS + w,
                    acked.clone(),
                ))
            })
            .collect();
        // Let the load build up, then kill at a random moment within the next 1.5 s.
        let wait = 300 + rng.next() % 1500;
        rt.block_on(tokio::time::sleep(Duration::from_millis(wait)));
        child.kill().expect("SIGKILL the server");
        child.wait().expect("reap the server");
        for w in workers {
            w.abort();
        }
    }
    // One more start after the last kill: the service must come up on what the crash left.
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = start(&args, port, &log);
    let client = minsheng_server::tls::client_builder()
        .build()
        .expect("HTTP client");
    rt.block_on(wait_healthy(&client, &base, &mut child));
    child.kill().ok();
    child.wait().ok();

    let acked = acked.lock().unwrap().clone();
    let found = check();
    let lost: Vec<&String> = acked
        .iter()
        .filter(|n| !found.present.contains(*n))
        .collect();
    let mut verify = vec!["verify"];
    verify.extend_from_slice(&args);
    let o = minsheng(&verify);
    let out = text(&o);
    let broken: usize = out
        .lines()
        .find_map(|l| {
            l.split(": ")
                .nth(1)
                .and_then(|r| r.strip_suffix(" broken chain(s)"))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or_else(|| panic!("verify output: {out}"));
    let broken = broken + found.half_written.len();
    println!(
        "crash trials={n} acknowledged={} lost={} broken_chains={broken}",
        acked.len(),
        lost.len()
    );
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    assert!(
        found.half_written.is_empty(),
        "half-written cases: {:?}",
        found.half_written
    );
    assert_eq!(broken, 0, "{out}");
    assert!(!acked.is_empty(), "the load produced no acknowledged case");
    std::fs::remove_dir_all(&dir).ok();
    (acked.len(), lost.len(), broken)
}

#[test]
fn crash_sqlite_kill_nine_loses_nothing_acknowledged() {
    // The database file is named explicitly so the check can open it beside the server.
    let dir = temp_dir();
    let url = format!("sqlite://{}", dir.join("crash.db").display());
    run("sqlite", &["--database-url", &url], || inspect(&url));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn crash_postgres_kill_nine_loses_nothing_acknowledged() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let pg = rt.block_on(minsheng_testkit::TempPg::create("minsheng_crash"));
    let url = pg.url.clone();
    run("postgres", &["--database-url", &url], || inspect(&url));
    rt.block_on(pg.drop());
}
