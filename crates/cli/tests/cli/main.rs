//! The `minsheng` binary end to end: demo data, verify (and its tamper detection after a raw
//! UPDATE), policy check — on SQLite and PostgreSQL.

mod backup;
mod crash;
mod privacy;
mod purge;
mod topics;

use sqlx::Connection;
use std::process::{Command, Output};

pub fn minsheng(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_minsheng"))
        .args(args)
        .env("MINSHENG_LOG", "warn")
        .env_remove("MINSHENG_KEY")
        .env_remove("MINSHENG_DATABASE_URL")
        .output()
        .expect("run minsheng")
}

pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

pub fn temp_dir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("minsheng-cli-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A fresh data directory filled by `minsheng demo` with this many cases.
pub fn demo_dir(cases: &str) -> std::path::PathBuf {
    let dir = temp_dir();
    let o = minsheng(&["demo", "--cases", cases, "--data", dir.to_str().unwrap()]);
    assert!(o.status.success(), "demo: {}", text(&o));
    dir
}

/// Demo data, a clean verify, one raw UPDATE, a failing verify that names case and event; then
/// the same for a suggestion's chain.
fn tamper_roundtrip(store_args: &[&str], tamper: impl Fn(&str)) {
    let mut args = vec!["demo", "--cases", "60"];
    args.extend_from_slice(store_args);
    let o = minsheng(&args);
    assert!(o.status.success(), "demo: {}", text(&o));
    assert!(
        text(&o).contains("coord.donghu"),
        "demo prints its users once"
    );

    let mut args = vec!["verify"];
    args.extend_from_slice(store_args);
    let o = minsheng(&args);
    assert!(o.status.success(), "clean verify: {}", text(&o));
    assert!(text(&o).contains("0 broken chain(s)"), "{}", text(&o));

    // A second demo into the same database is refused.
    let mut again = vec!["demo", "--cases", "1"];
    again.extend_from_slice(store_args);
    assert!(!minsheng(&again).status.success());

    // Someone with database access quietly rewrites what a petitioner asked for.
    tamper(
        "UPDATE case_events SET payload = REPLACE(payload, '\"request\":\"', '\"request\":\"撤回：') \
         WHERE seq = 1 AND case_id = (SELECT MIN(case_id) FROM case_events)",
    );
    let o = minsheng(&args);
    assert_eq!(
        o.status.code(),
        Some(1),
        "tampered verify must fail: {}",
        text(&o)
    );
    let out = text(&o);
    assert!(out.contains("TAMPERED case"), "{out}");
    assert!(out.contains("event seq 1"), "{out}");
    assert!(out.contains("1 broken chain(s)"), "{out}");
    assert!(
        out.contains("verified") && out.contains("suggestions and campaigns: 0 broken"),
        "{out}"
    );

    // The suggestion chains are walked too: a back-dated suggestion event is named.
    tamper(
        "UPDATE suggestion_events SET at = at + 1 \
         WHERE seq = 1 AND suggestion_id = (SELECT MIN(suggestion_id) FROM suggestion_events)",
    );
    let o = minsheng(&args);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let out = text(&o);
    assert!(out.contains("TAMPERED suggestion"), "{out}");
    assert!(out.contains("content does not match its hash"), "{out}");
}

#[test]
fn verify_detects_tampering_on_sqlite() {
    let dir = temp_dir();
    let data = dir.to_str().unwrap().to_string();
    let db = dir.join("minsheng.db");
    tamper_roundtrip(&["--data", &data], |sql| {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
                .await
                .unwrap();
            let r = sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
                .execute(&mut c)
                .await
                .unwrap();
            assert_eq!(r.rows_affected(), 1);
        });
    });
    let key = std::fs::metadata(dir.join("minsheng.key")).expect("key file beside the database");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(key.permissions().mode() & 0o777, 0o600);
    }
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn verify_detects_tampering_on_postgres() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let pg = rt.block_on(minsheng_testkit::TempPg::create("minsheng_cli"));
    let url = pg.url.clone();
    let dir = temp_dir();
    let data = dir.to_str().unwrap().to_string();
    tamper_roundtrip(&["--data", &data, "--database-url", &url], |sql| {
        rt.block_on(async {
            let mut c = sqlx::PgConnection::connect(&url).await.unwrap();
            let r = sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
                .execute(&mut c)
                .await
                .unwrap();
            assert_eq!(r.rows_affected(), 1);
        });
    });
    rt.block_on(pg.drop());
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn policy_check_accepts_the_shipped_policy_and_rejects_a_broken_one() {
    let dir = temp_dir();
    let good = dir.join("good.toml");
    std::fs::write(&good, minsheng_core::policy::SHIPPED_POLICY).unwrap();
    let o = minsheng(&["policy", "check", good.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("浙江省信访条例"), "{}", text(&o));
    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        minsheng_core::policy::SHIPPED_POLICY.replace("handling = \"60d\"", "handling = \"sixty\""),
    )
    .unwrap();
    let o = minsheng(&["policy", "check", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("政策文件无效"), "{}", text(&o));
    std::fs::remove_dir_all(dir).ok();
}

/// `minsheng reindex` rebuilds the search index in the data directory from the database.
#[test]
fn reindex_rebuilds_the_search_index() {
    let dir = demo_dir("40");
    let data = dir.to_str().expect("utf-8 path");
    let o = minsheng(&["reindex", "--data", data]);
    assert!(o.status.success(), "reindex: {}", text(&o));
    assert!(text(&o).contains("reindexed 40 cases"), "{}", text(&o));
    assert!(
        dir.join("search").join("meta.json").exists(),
        "the index is on disk"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// `users set-email`: a staff address for supervision and alert mail, sealed at rest; an unknown
/// user or a malformed address is refused.
#[test]
fn users_set_email() {
    let dir = demo_dir("1");
    let data = dir.to_str().unwrap().to_string();
    let set = |user: &str, email: &str| {
        minsheng(&[
            "users",
            "set-email",
            "--data",
            &data,
            "--username",
            user,
            "--email",
            email,
        ])
    };
    let o = set("coord.donghu", "duty.office@donghu.gov.test");
    assert!(o.status.success(), "{}", text(&o));
    assert!(!set("nobody.here", "a@b.cn").status.success());
    assert!(!set("coord.donghu", "not an address").status.success());
    let mut bytes = std::fs::read(dir.join("minsheng.db")).expect("db");
    if let Ok(wal) = std::fs::read(dir.join("minsheng.db-wal")) {
        bytes.extend(wal);
    }
    assert!(
        !bytes
            .windows(b"duty.office@donghu".len())
            .any(|w| w == b"duty.office@donghu"),
        "the address is sealed"
    );
    std::fs::remove_dir_all(dir).ok();
}
