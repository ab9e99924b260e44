//! `minsheng purge [--dry-run]` on SQLite and PostgreSQL: old records of every kind are seeded
//! beside young ones; a dry run reports them and changes nothing; a purge removes exactly the
//! old ones, keeps the young, strips the personal data of long-closed cases without breaking a
//! hash chain (`minsheng verify` passes), writes an audit record, and a second purge finds
//! nothing. A policy that keeps the audit log less than six months is refused before anything
//! is touched.

use crate::{minsheng, temp_dir, text};
use chrono::{Duration, Utc};
use minsheng_core::case::Status;
use sqlx::{AnyConnection, Connection};

const DAY_MS: i64 = 24 * 3600 * 1000;

async fn db(url: &str) -> AnyConnection {
    sqlx::any::install_default_drivers();
    AnyConnection::connect(url).await.expect("connect")
}

async fn exec(url: &str, sql: &str) {
    let mut c = db(url).await;
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(&mut c)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    c.close().await.ok();
}

async fn count(url: &str, sql: &str) -> i64 {
    let mut c = db(url).await;
    let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(&mut c)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    c.close().await.ok();
    n
}

async fn texts(url: &str, sql: &str) -> Vec<String> {
    let mut c = db(url).await;
    let rows: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_all(&mut c)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    c.close().await.ok();
    rows.into_iter().map(|(s,)| s).collect()
}

fn terminal() -> String {
    Status::ALL
        .iter()
        .filter(|s| s.is_terminal())
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Seeds one old and one young record of every kind the policy retains; returns the ids of
/// the closed cases made old (their personal data is to go) and of one young closed case.
async fn seed(url: &str) -> (Vec<String>, String) {
    let now = Utc::now().timestamp_millis();
    let ago = |days: i64| now - days * DAY_MS;
    let mut c = db(url).await;
    for (id, at) in [
        ("audit-old-1", ago(400)),
        ("audit-old-2", ago(200)),
        ("audit-young", ago(170)),
    ] {
        sqlx::query("INSERT INTO audit_log (id, at, actor, action, detail) VALUES ($1, $2, 'seed', 'login', '{}')")
            .bind(id)
            .bind(at)
            .execute(&mut c)
            .await
            .expect("audit row");
    }
    let user: (String,) = sqlx::query_as("SELECT id FROM users ORDER BY username LIMIT 1")
        .fetch_one(&mut c)
        .await
        .expect("a demo user");
    for (hash, expires) in [
        ("token-old", ago(30)),
        ("token-recent", ago(1)),
        ("token-live", ago(-1)),
    ] {
        sqlx::query("INSERT INTO auth_tokens (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(hash)
            .bind(user.0.clone())
            .bind(expires - DAY_MS)
            .bind(expires)
            .execute(&mut c)
            .await
            .expect("token row");
    }
    for (id, status, decided) in [
        ("held-rejected-old", "rejected", Some(ago(120))),
        ("held-rejected-young", "rejected", Some(ago(10))),
        ("held-waiting-old", "held", None),
    ] {
        sqlx::query(
            "INSERT INTO held_submissions (id, received_at, score, reasons, input_enc, query_code_hash, query_code_enc, status, decided_at) \
             VALUES ($1, $2, 9, '[]', $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(ago(200))
        .bind(vec![0u8; 48])
        .bind(format!("qc-{id}"))
        .bind(vec![0u8; 48])
        .bind(status)
        .bind(decided)
        .execute(&mut c)
        .await
        .expect("held row");
    }
    for (id, expires) in [("code-old", ago(40)), ("code-young", ago(2))] {
        sqlx::query(
            "INSERT INTO support_codes (id, suggestion_id, phone_hash, code_hash, network, message_enc, created_at, expires_at) \
             VALUES ($1, 'sg', 'ph', 'ch', 'net', $2, $3, $4)",
        )
        .bind(id)
        .bind(vec![0u8; 48])
        .bind(expires - 600_000)
        .bind(expires)
        .execute(&mut c)
        .await
        .expect("support code row");
    }
    c.close().await.ok();

    // Closed cases with a phone on file whose petitioner has no other case: two are made
    // eleven years old (past the 3650-day archive period), the rest stay young.
    let closed = texts(
        url,
        &format!(
            "SELECT c.id FROM cases c JOIN petitioners p ON p.id = c.petitioner_id \
             WHERE c.status IN ({}) AND c.closed_at IS NOT NULL AND p.phone_enc IS NOT NULL \
             AND (SELECT COUNT(*) FROM cases o WHERE o.petitioner_id = c.petitioner_id) = 1 ORDER BY c.id",
            terminal()
        ),
    )
    .await;
    assert!(closed.len() >= 3, "the demo has closed cases: {closed:?}");
    let old = closed[..2].to_vec();
    exec(
        url,
        &format!(
            "UPDATE cases SET closed_at = {} WHERE id IN ('{}', '{}')",
            ago(4000),
            old[0],
            old[1]
        ),
    )
    .await;
    (old, closed[2].clone())
}

/// Row counts that a dry run must leave as they are.
async fn snapshot(url: &str) -> Vec<i64> {
    let mut out = Vec::new();
    for sql in [
        "SELECT COUNT(*) FROM audit_log",
        "SELECT COUNT(*) FROM auth_tokens",
        "SELECT COUNT(*) FROM held_submissions",
        "SELECT COUNT(*) FROM support_codes",
        "SELECT COUNT(*) FROM petitioners WHERE phone_enc IS NOT NULL",
        "SELECT COUNT(*) FROM petitioners WHERE name_enc IS NOT NULL",
        "SELECT COUNT(*) FROM cases WHERE query_code_hash LIKE 'purged:%'",
        "SELECT COUNT(*) FROM case_events",
    ] {
        out.push(count(url, sql).await);
    }
    out
}

fn run(store: &[&str], extra: &[&str]) -> String {
    let mut args = vec!["purge"];
    args.extend_from_slice(extra);
    args.extend_from_slice(store);
    let o = minsheng(&args);
    assert!(o.status.success(), "purge {extra:?}: {}", text(&o));
    text(&o)
}

fn assert_counts(out: &str, expected: &[(&str, u64)]) {
    for (kind, n) in expected {
        assert!(
            out.lines().any(|l| l.contains(&format!(" {kind}: {n} "))),
            "{kind}: {n} expected in:\n{out}"
        );
    }
}

fn purge_roundtrip(store: &[&str], url: &str, dir: &std::path::Path) {
    crate::privacy::demo(store, "60");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let (old_cases, young_case) = rt.block_on(seed(url));
    let expected = [
        ("audit_log", 2),
        ("expired_sessions", 1),
        ("rejected_held", 1),
        ("support_codes", 1),
        ("closed_case_personal_data", 2),
    ];

    // A dry run reports and changes nothing.
    let before = rt.block_on(snapshot(url));
    let out = run(store, &["--dry-run"]);
    assert_counts(&out, &expected);
    assert!(out.contains("dry run"), "{out}");
    assert_eq!(
        rt.block_on(snapshot(url)),
        before,
        "a dry run changes nothing"
    );

    // The purge removes exactly the old records.
    let out = run(store, &[]);
    assert_counts(&out, &expected);
    rt.block_on(async {
        let left = texts(url, "SELECT id FROM audit_log WHERE id LIKE 'audit-%' ORDER BY id").await;
        assert_eq!(left, ["audit-young"]);
        let left = texts(url, "SELECT token_hash FROM auth_tokens WHERE token_hash LIKE 'token-%' ORDER BY token_hash").await;
        assert_eq!(left, ["token-live", "token-recent"]);
        let left = texts(url, "SELECT id FROM held_submissions WHERE id LIKE 'held-%' ORDER BY id").await;
        assert_eq!(left, ["held-rejected-young", "held-waiting-old"]);
        let left = texts(url, "SELECT id FROM support_codes WHERE id LIKE 'code-%' ORDER BY id").await;
        assert_eq!(left, ["code-young"]);
        for id in &old_cases {
            let n = count(
                url,
                &format!(
                    "SELECT COUNT(*) FROM petitioners p JOIN cases c ON c.petitioner_id = p.id WHERE c.id = '{id}' \
                     AND p.name_enc IS NULL AND p.phone_enc IS NULL AND p.phone_hash IS NULL AND p.id_enc IS NULL \
                     AND p.id_hash IS NULL AND p.address_enc IS NULL AND c.phone_hash IS NULL \
                     AND c.query_code_hash = 'purged:' || c.id"
                ),
            )
            .await;
            assert_eq!(n, 1, "personal data of the old closed case {id} removed");
            let events = count(url, &format!("SELECT COUNT(*) FROM case_events WHERE case_id = '{id}'")).await;
            assert!(events >= 2, "its events stay");
        }
        let young = count(
            url,
            &format!(
                "SELECT COUNT(*) FROM petitioners p JOIN cases c ON c.petitioner_id = p.id \
                 WHERE c.id = '{young_case}' AND p.phone_enc IS NOT NULL AND c.query_code_hash NOT LIKE 'purged:%'"
            ),
        )
        .await;
        assert_eq!(young, 1, "a young closed case keeps its personal data");
        let open = count(
            url,
            &format!(
                "SELECT COUNT(*) FROM cases WHERE status NOT IN ({}) AND query_code_hash LIKE 'purged:%'",
                terminal()
            ),
        )
        .await;
        assert_eq!(open, 0, "no open case is touched");
        let audit = texts(url, "SELECT detail FROM audit_log WHERE action = 'purge'").await;
        assert_eq!(audit.len(), 1, "one audit record per purge: {audit:?}");
        let detail: serde_json::Value = serde_json::from_str(&audit[0]).expect("json detail");
        assert_eq!(detail["removed"]["closed_case_personal_data"], 2, "{detail}");
        assert_eq!(detail["removed"]["audit_log"], 2, "{detail}");
    });
    let mut verify = vec!["verify"];
    verify.extend_from_slice(store);
    let o = minsheng(&verify);
    assert!(o.status.success(), "verify after purge: {}", text(&o));
    assert!(text(&o).contains("0 broken chain(s)"), "{}", text(&o));

    // Idempotent: nothing is left to purge.
    let out = run(store, &[]);
    assert_counts(
        &out,
        &[
            ("audit_log", 0),
            ("expired_sessions", 0),
            ("rejected_held", 0),
            ("support_codes", 0),
            ("closed_case_personal_data", 0),
        ],
    );

    // An audit log kept less than six months is refused, and nothing is purged.
    rt.block_on(exec(
        url,
        &format!(
            "INSERT INTO audit_log (id, at, actor, action, detail) VALUES ('audit-old-3', {}, 'seed', 'login', '{{}}')",
            (Utc::now() - Duration::days(400)).timestamp_millis()
        ),
    ));
    let bad = dir.join("short-audit.toml");
    std::fs::write(
        &bad,
        minsheng_core::policy::SHIPPED_POLICY.replacen(
            "audit_log = \"180d\"",
            "audit_log = \"90d\"",
            1,
        ),
    )
    .expect("policy file");
    let mut args = vec!["purge", "--policy", bad.to_str().expect("utf-8 path")];
    args.extend_from_slice(store);
    let o = minsheng(&args);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("审计日志保留期不得少于180日"),
        "{}",
        text(&o)
    );
    assert!(text(&o).contains("at least 180 days"), "{}", text(&o));
    let n = rt.block_on(count(
        url,
        "SELECT COUNT(*) FROM audit_log WHERE id = 'audit-old-3'",
    ));
    assert_eq!(n, 1, "a refused policy purges nothing");
}

#[test]
fn purge_on_sqlite() {
    let dir = temp_dir();
    let data = dir.to_str().expect("utf-8 path").to_string();
    let url = format!("sqlite://{}/minsheng.db", data);
    purge_roundtrip(&["--data", &data], &url, &dir);
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn purge_on_postgres() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let pg = rt.block_on(minsheng_testkit::TempPg::create("minsheng_purge"));
    let dir = temp_dir();
    let data = dir.to_str().expect("utf-8 path").to_string();
    purge_roundtrip(&["--data", &data, "--database-url", &pg.url], &pg.url, &dir);
    rt.block_on(pg.drop());
    std::fs::remove_dir_all(dir).ok();
}
