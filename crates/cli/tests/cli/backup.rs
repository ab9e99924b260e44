//! `minsheng backup` / `minsheng restore`: a demo installation is backed up, restored into a
//! fresh directory (SQLite) and into PostgreSQL, and the restored data is the same row for row;
//! the archive holds no plaintext personal data; a wrong key, a non-empty target and an altered
//! archive are refused.

use crate::{demo_dir, minsheng, temp_dir, text};
use std::collections::BTreeMap;

/// The archive's rows per table, sorted (row order is not part of a backup's meaning).
fn rows_by_table(archive: &std::path::Path) -> BTreeMap<String, Vec<String>> {
    let body = std::fs::read_to_string(archive).expect("archive");
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut current = String::new();
    for line in body.lines().skip(1) {
        let v: serde_json::Value = serde_json::from_str(line).expect("json line");
        if let Some(t) = v.get("table") {
            current = t.as_str().unwrap().to_string();
            out.entry(current.clone()).or_default();
        } else if v.is_array() {
            out.get_mut(&current).unwrap().push(line.to_string());
        }
    }
    for rows in out.values_mut() {
        rows.sort();
    }
    out
}

#[test]
fn backup_restores_into_a_fresh_directory_and_into_postgres() {
    let src = demo_dir("50");
    let data = src.to_str().unwrap();
    let archive = src.join("backup.jsonl");
    let o = minsheng(&["backup", "--data", data, "--out", archive.to_str().unwrap()]);
    assert!(o.status.success(), "backup: {}", text(&o));
    let original = rows_by_table(&archive);
    assert_eq!(original["cases"].len(), 50, "every case is in the archive");
    assert!(original["case_events"].len() > 50);

    // Sealed personal data stays sealed: the demo's phone numbers are 11 digits starting 1[3-9];
    // none may appear in clear (query codes and hashes are hex or base64, not 11-digit runs).
    let body = std::fs::read_to_string(&archive).unwrap();
    let phone = regex_like_phone(&body);
    assert!(phone.is_none(), "plaintext phone in the backup: {phone:?}");

    // A second backup to the same file is refused rather than overwriting it.
    let o = minsheng(&["backup", "--data", data, "--out", archive.to_str().unwrap()]);
    assert!(!o.status.success());

    // Restore into a fresh SQLite directory with the key, then verify the chains.
    let dst = temp_dir();
    let dst_data = dst.to_str().unwrap();
    let key = src.join("minsheng.key");
    let o = minsheng(&[
        "restore",
        "--data",
        dst_data,
        "--from",
        archive.to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "restore: {}", text(&o));
    let o = minsheng(&["verify", "--data", dst_data]);
    assert!(o.status.success(), "verify restored: {}", text(&o));
    assert!(text(&o).contains("0 broken chain(s)"), "{}", text(&o));
    let again = dst.join("again.jsonl");
    let o = minsheng(&[
        "backup",
        "--data",
        dst_data,
        "--out",
        again.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        rows_by_table(&again),
        original,
        "restored rows equal the original"
    );

    // Restoring twice into the same (now non-empty) database is refused.
    let o = minsheng(&[
        "restore",
        "--data",
        dst_data,
        "--from",
        archive.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    assert!(text(&o).contains("empty"), "{}", text(&o));

    // Without the original key the restore is refused, not silently unreadable.
    let nokey = temp_dir();
    let o = minsheng(&[
        "restore",
        "--data",
        nokey.to_str().unwrap(),
        "--from",
        archive.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    assert!(text(&o).contains("key"), "{}", text(&o));

    // An altered archive (one row edited) fails its digest and restores nothing.
    let altered = src.join("altered.jsonl");
    std::fs::write(&altered, body.replacen("\"petition\"", "\"hotline\"", 1)).unwrap();
    let fresh = temp_dir();
    let o = minsheng(&[
        "restore",
        "--data",
        fresh.to_str().unwrap(),
        "--from",
        altered.to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
    ]);
    assert!(!o.status.success(), "altered archive must be refused");
    assert!(text(&o).contains("digest"), "{}", text(&o));
    let o = minsheng(&["verify", "--data", fresh.to_str().unwrap()]);
    assert!(
        text(&o).contains("0 case"),
        "nothing restored: {}",
        text(&o)
    );

    // The same archive restores into PostgreSQL.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let pg = rt.block_on(minsheng_testkit::TempPg::create("minsheng_restore"));
    let pgdir = temp_dir();
    let o = minsheng(&[
        "restore",
        "--data",
        pgdir.to_str().unwrap(),
        "--database-url",
        &pg.url,
        "--from",
        archive.to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "restore into postgres: {}", text(&o));
    let o = minsheng(&[
        "verify",
        "--data",
        pgdir.to_str().unwrap(),
        "--database-url",
        &pg.url,
    ]);
    assert!(text(&o).contains("0 broken chain(s)"), "{}", text(&o));
    let from_pg = pgdir.join("pg.jsonl");
    let o = minsheng(&[
        "backup",
        "--data",
        pgdir.to_str().unwrap(),
        "--database-url",
        &pg.url,
        "--out",
        from_pg.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        rows_by_table(&from_pg),
        original,
        "postgres holds the same rows"
    );
    rt.block_on(pg.drop());
    for d in [src, dst, nokey, fresh, pgdir] {
        std::fs::remove_dir_all(d).ok();
    }
}

/// The first run of 11 digits starting with 1 and a digit 3–9 that stands alone (no digit or
/// letter on either side), if any.
fn regex_like_phone(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            let run = &s[start..i];
            // Inside a hex digest or base64 a digit run touches letters: not a phone.
            let alone = (start == 0 || !b[start - 1].is_ascii_alphanumeric())
                && (i == b.len() || !b[i].is_ascii_alphanumeric());
            if alone
                && run.len() == 11
                && run.starts_with('1')
                && (b'3'..=b'9').contains(&run.as_bytes()[1])
            {
                return Some(run.to_string());
            }
        } else {
            i += 1;
        }
    }
    None
}
