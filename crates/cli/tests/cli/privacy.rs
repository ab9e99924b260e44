//! Plaintext scans: cases come in through the real `minsheng serve` on every public and staff
//! channel (the JSON API, the web form, Open311, a suggestion, a held advert) carrying
//! distinctive names, phone numbers, 18-digit ID numbers and home addresses; then the SQLite
//! file with its -wal and -shm files (before and after a checkpoint), a `pg_dump` of the
//! PostgreSQL database, a `minsheng backup` archive and the server's log are searched for those
//! values in their usual spellings. None may be found. The same scan must find the complaint
//! texts, which are stored in clear on purpose, so a scan that reads nothing cannot pass.

use crate::{minsheng, temp_dir, text};
use minsheng_core::petitioner::IdNumber;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

// ---- a real server -----------------------------------------------------------------------

pub(crate) struct Server {
    child: Child,
    pub base: String,
    pub log: PathBuf,
}

impl Server {
    /// `minsheng serve` on a free port with the given store arguments; waits until healthy.
    pub async fn start(store_args: &[&str], dir: &Path) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let log = dir.join("serve.log");
        let log_file = std::fs::File::create(&log).expect("log file");
        let mut args = vec![
            "serve".to_string(),
            "--bind".into(),
            format!("127.0.0.1:{port}"),
        ];
        args.extend(store_args.iter().map(|s| s.to_string()));
        let mut child = Command::new(env!("CARGO_BIN_EXE_minsheng"))
            .args(&args)
            // Everything the server logs at its default level is part of what is scanned.
            .env("MINSHENG_LOG", "info")
            .env("MINSHENG_PUBLIC_WRITES_PER_MINUTE", "0")
            .env("MINSHENG_SUBMISSIONS_PER_PHONE_PER_HOUR", "0")
            .env_remove("MINSHENG_KEY")
            .env_remove("MINSHENG_DATABASE_URL")
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .expect("start minsheng serve");
        let base = format!("http://127.0.0.1:{port}");
        let client = minsheng_server::tls::client_builder()
            .build()
            .expect("HTTP client");
        let deadline = Instant::now() + Duration::from_secs(180);
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "minsheng serve exited during start-up ({status}): {}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
            }
            if let Ok(r) = client.get(format!("{base}/healthz")).send().await
                && r.status().is_success()
            {
                break;
            }
            assert!(Instant::now() < deadline, "server did not become healthy");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Server { child, base, log }
    }

    pub fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Signs a demo user in; returns the bearer token.
    pub async fn login(&self, client: &reqwest::Client, user: &str) -> String {
        let r: Value = client
            .post(format!("{}/api/v1/auth/login", self.base))
            .json(&json!({"username": user, "password": minsheng_server::demo::DEMO_PASSWORD}))
            .send()
            .await
            .expect("login")
            .json()
            .await
            .expect("login json");
        r["token"].as_str().expect("token").to_string()
    }
}

/// A demo installation (users, the demo province, a few cases) in `dir`, on the backend the
/// store arguments name.
pub(crate) fn demo(store_args: &[&str], cases: &str) {
    let mut args = vec!["demo", "--cases", cases];
    args.extend_from_slice(store_args);
    let o = minsheng(&args);
    assert!(o.status.success(), "demo: {}", text(&o));
}

// ---- what is searched for ----------------------------------------------------------------

/// A personal value and the spellings it could be stored in.
struct Secret {
    what: String,
    spellings: Vec<Vec<u8>>,
}

fn unicode_escaped(s: &str) -> String {
    s.encode_utf16().map(|u| format!("\\u{u:04x}")).collect()
}

/// The spellings of a value: as typed, as hex (PostgreSQL dumps bytea as hex; a TEXT column
/// of bytes would be hex too) and JSON's \u escapes for non-ASCII text.
fn secret(what: &str, forms: &[String]) -> Secret {
    let mut spellings = Vec::new();
    for f in forms {
        spellings.push(f.as_bytes().to_vec());
        spellings.push(hex::encode(f.as_bytes()).into_bytes());
        if !f.is_ascii() {
            spellings.push(unicode_escaped(f).into_bytes());
            spellings.push(unicode_escaped(f).to_uppercase().into_bytes());
        }
    }
    Secret {
        what: what.to_string(),
        spellings,
    }
}

fn phone_secret(p: &str) -> Secret {
    secret(
        &format!("phone {p}"),
        &[
            p.to_string(),
            format!("{}-{}-{}", &p[..3], &p[3..7], &p[7..]),
            format!("{} {} {}", &p[..3], &p[3..7], &p[7..]),
        ],
    )
}

fn id_secret(id: &str) -> Secret {
    secret(
        &format!("ID number {id}"),
        &[id.to_ascii_uppercase(), id.to_ascii_lowercase()],
    )
}

/// A valid 18-digit ID number (correct check digit) ending in X, so both spellings of the
/// check character are exercised.
fn id_number_with_x(first14: &str) -> String {
    (0..1000)
        .map(|seq| format!("{first14}{seq:03}"))
        .filter_map(|first17| IdNumber::with_check_digit(&first17))
        .map(|id| id.as_str().to_string())
        .find(|id| id.ends_with('X'))
        .expect("an ID number ending in X")
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// Every secret spelling found in `bytes`, as "what (spelling)".
fn found(bytes: &[u8], secrets: &[Secret]) -> Vec<String> {
    secrets
        .iter()
        .flat_map(|s| {
            s.spellings
                .iter()
                .filter(|sp| contains(bytes, sp))
                .map(move |sp| format!("{} ({})", s.what, String::from_utf8_lossy(sp)))
        })
        .collect()
}

/// Asserts the artifact holds none of the secrets and every one of the known clear texts.
fn assert_clean(name: &str, bytes: &[u8], secrets: &[Secret], known: &[&str]) {
    assert!(!bytes.is_empty(), "{name} is empty");
    for k in known {
        assert!(
            contains(bytes, k.as_bytes()),
            "the scan of {name} must find the clear text {k:?} (a scan that reads nothing proves nothing)"
        );
    }
    let hits = found(bytes, secrets);
    assert!(
        hits.is_empty(),
        "plaintext personal data in {name}: {hits:?}"
    );
}

// ---- the people ----------------------------------------------------------------------------

struct People {
    secrets: Vec<Secret>,
    /// Texts stored in clear by design: the complaints themselves.
    known: Vec<&'static str>,
}

const API_TITLE: &str = "扫描探针甲：翠湖苑电梯停运两月";
const WEB_TITLE: &str = "扫描探针乙：东门路灯夜间不亮";
const O311_TEXT: &str = "扫描探针丙：北门垃圾桶满溢无人清运";
const SUGGESTION_TITLE: &str = "扫描探针丁：关于增设社区助餐点的建议";

/// Files cases with personal data through every channel of the running server.
async fn file_everything(server: &Server) -> People {
    let api = (
        "欧阳秋菊",
        "13912345671",
        id_number_with_x("11010519800101"),
        "雁栖湖畔七十七号院",
    );
    let web = (
        "司马青松",
        "13712345672",
        id_number_with_x("44030619880523"),
        "梧桐巷三十三号楼",
    );
    let o311 = ("诸葛白鹭", "15812345673");
    let sug = ("上官紫薇", "18612345674", "银杏路九十九弄");
    let held = (
        "端木红枫",
        "13612345675",
        id_number_with_x("32010219751111"),
    );
    let mut secrets = vec![];
    for (name, phone) in [
        (api.0, api.1),
        (web.0, web.1),
        (o311.0, o311.1),
        (sug.0, sug.1),
        (held.0, held.1),
    ] {
        secrets.push(secret(&format!("name {name}"), &[name.to_string()]));
        secrets.push(phone_secret(phone));
    }
    for id in [&api.2, &web.2, &held.2] {
        secrets.push(id_secret(id));
    }
    for addr in [api.3, web.3, sug.2] {
        secrets.push(secret(&format!("address {addr}"), &[addr.to_string()]));
    }

    let client = minsheng_server::tls::client_builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let b = &server.base;

    // The JSON API, as an intake agent (ID number with an upper-case X).
    let intake = server.login(&client, "intake.donghu").await;
    let r = client
        .post(format!("{b}/api/v1/cases"))
        .bearer_auth(&intake)
        .json(&json!({
            "channel": "visit", "kind": "appeal", "title": API_TITLE,
            "request": "请求责令物业公司尽快修复电梯",
            "facts_reasons": "电梯停运两个月，多次报修无果。",
            "topic": "010101",
            "location": {"region": "990102001001", "address": "翠湖社区翠湖苑3栋"},
            "petitioner": {"name": api.0, "phone": api.1, "id_number": api.2, "address": api.3}
        }))
        .send()
        .await
        .expect("api case");
    assert_eq!(
        r.status().as_u16(),
        201,
        "{}",
        r.text().await.unwrap_or_default()
    );
    let case: Value = r.json().await.expect("json");
    let case_id = case["case"]["id"].as_str().expect("case id").to_string();

    // A coordinator reveals the phone for a stated purpose: the reveal is logged, its value not.
    let coord = server.login(&client, "coord.donghu").await;
    let r = client
        .post(format!("{b}/api/v1/cases/{case_id}/reveal"))
        .bearer_auth(&coord)
        .json(&json!({"field": "phone", "purpose": "回访联系"}))
        .send()
        .await
        .expect("reveal");
    assert_eq!(r.status().as_u16(), 200);

    // The citizen web form, as a browser fills it: every hidden field of the page is sent back
    // (the form token, and whatever else the page carries). ID number with a lower-case x.
    let page = client
        .get(format!("{b}/submit"))
        .send()
        .await
        .expect("form")
        .text()
        .await
        .expect("form html");
    let mut form: Vec<(String, String)> = hidden_inputs(&page);
    let web_id = web.2.to_ascii_lowercase();
    for (k, v) in [
        ("kind", "appeal"),
        ("title", WEB_TITLE),
        ("request", "请尽快修复东门路灯"),
        ("facts_reasons", "东门路灯损坏多日，夜间出行不便。"),
        ("topic", "010101"),
        ("region", "990102001001"),
        ("address", "翠湖社区东门"),
        ("name", web.0),
        ("phone", web.1),
        ("id_number", &web_id),
        ("home_address", web.3),
    ] {
        form.push((k.to_string(), v.to_string()));
    }
    let r = client
        .post(format!("{b}/submit"))
        .form(&form)
        .send()
        .await
        .expect("web form");
    let status = r.status().as_u16();
    let html = r.text().await.unwrap_or_default();
    assert_eq!(status, 200, "web form: {html}");
    assert!(
        html.contains("query-code") || html.contains("查询码"),
        "{html}"
    );

    // Open311, as a registered client app.
    let admin = server.login(&client, "admin").await;
    let key: Value = client
        .post(format!("{b}/api/v1/admin/open311/clients"))
        .bearer_auth(&admin)
        .json(&json!({"name": "扫描测试 App"}))
        .send()
        .await
        .expect("client")
        .json()
        .await
        .expect("client json");
    let key = key["api_key"].as_str().expect("api_key").to_string();
    let r = client
        .post(format!("{b}/open311/v2/requests.json"))
        .form(&[
            ("api_key", key.as_str()),
            ("service_code", "0101"),
            ("address_id", "990102001001"),
            ("last_name", "诸葛"),
            ("first_name", "白鹭"),
            ("phone", o311.1),
            ("description", O311_TEXT),
        ])
        .send()
        .await
        .expect("open311");
    let status = r.status().as_u16();
    let body = r.text().await.unwrap_or_default();
    assert_eq!(status, 200, "open311: {body}");
    assert!(body.contains("service_request_id"), "{body}");

    // A people's suggestion.
    let r = client
        .post(format!("{b}/api/v1/public/suggestions"))
        .json(&json!({
            "title": SUGGESTION_TITLE,
            "reason": "社区老年人多，子女白天上班，午餐没有着落，希望就近解决吃饭问题。",
            "proposal": "建议在每个社区卫生服务站旁增设助餐点，由街道统筹补贴，并公开收费标准。",
            "topic": "010101", "region": "990102001001",
            "suggester": {"name": sug.0, "phone": sug.1, "address": sug.2}
        }))
        .send()
        .await
        .expect("suggestion");
    assert_eq!(
        r.status().as_u16(),
        201,
        "{}",
        r.text().await.unwrap_or_default()
    );

    // An advert the spam screen holds: the held copy is sealed too.
    let r = client
        .post(format!("{b}/api/v1/public/cases"))
        .json(&json!({
            "channel": "online", "kind": "appeal", "title": "百家乐真人荷官 注册送彩金",
            "request": "官方网址 www.bjl777.vip 首存送100%，加微信 bjl777",
            "topic": "010101",
            "location": {"region": "990102001001", "address": "翠湖社区"},
            "petitioner": {"name": held.0, "phone": held.1, "id_number": held.2}
        }))
        .send()
        .await
        .expect("held");
    assert_eq!(
        r.status().as_u16(),
        202,
        "{}",
        r.text().await.unwrap_or_default()
    );

    People {
        secrets,
        known: vec![API_TITLE, WEB_TITLE, O311_TEXT, SUGGESTION_TITLE],
    }
}

/// The `name`/`value` pairs of a page's hidden inputs.
fn hidden_inputs(html: &str) -> Vec<(String, String)> {
    let attr = |tag: &str, name: &str| -> Option<String> {
        let key = format!("{name}=\"");
        let start = tag.find(&key)? + key.len();
        let end = tag[start..].find('"')? + start;
        Some(tag[start..end].replace("&#x2d;", "-").replace("&amp;", "&"))
    };
    html.split("<input")
        .skip(1)
        .filter_map(|rest| {
            let tag = &rest[..rest.find('>')?];
            if !tag.contains("type=\"hidden\"") {
                return None;
            }
            Some((attr(tag, "name")?, attr(tag, "value").unwrap_or_default()))
        })
        .collect()
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

fn backup(store_args: &[&str], out: &Path) -> Vec<u8> {
    let mut args = vec!["backup", "--out", out.to_str().expect("utf-8 path")];
    args.extend_from_slice(store_args);
    let o = minsheng(&args);
    assert!(o.status.success(), "backup: {}", text(&o));
    read(out)
}

/// A plain-text `pg_dump` of the whole database (schema and data).
fn pg_dump(url: &str) -> Vec<u8> {
    let o = Command::new("pg_dump")
        .args(["--no-owner", "--dbname", url])
        .output()
        .unwrap_or_else(|e| {
            panic!("pg_dump is required for this test (apt-get install postgresql-client): {e}")
        });
    assert!(
        o.status.success(),
        "pg_dump failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o.stdout
}

#[test]
fn no_plaintext_personal_data_in_sqlite_files_wal_backup_or_log() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = temp_dir();
    let data = dir.to_str().expect("utf-8 path").to_string();
    let store = ["--data", data.as_str()];
    demo(&store, "3");
    let server = rt.block_on(Server::start(&store, &dir));
    let people = rt.block_on(file_everything(&server));
    let known: Vec<&str> = people.known.clone();

    // While the server runs, before any checkpoint: the database file, its WAL and shared
    // memory index, read as they are on disk.
    let db = dir.join("minsheng.db");
    let wal = dir.join("minsheng.db-wal");
    let shm = dir.join("minsheng.db-shm");
    assert!(
        std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0) > 0,
        "the WAL holds the recent writes"
    );
    let mut live = read(&db);
    live.extend(read(&wal));
    live.extend(read(&shm));
    assert_clean(
        "the SQLite files before a checkpoint",
        &live,
        &people.secrets,
        &known,
    );
    let archive = backup(&store, &dir.join("backup.jsonl"));
    assert_clean("the backup archive", &archive, &people.secrets, &known);
    let log = server.log.clone();
    server.stop();
    assert_clean("the server log", &read(&log), &people.secrets, &[]);

    // After a checkpoint everything is in the main file (and the WAL is empty).
    rt.block_on(async {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
            .await
            .expect("sqlite");
        sqlx::raw_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&mut c)
            .await
            .expect("checkpoint");
        c.close().await.ok();
    });
    assert_eq!(
        std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0),
        0,
        "checkpointed"
    );
    let mut after = read(&db);
    if let Ok(w) = std::fs::read(&wal) {
        after.extend(w);
    }
    assert_clean(
        "the SQLite file after a checkpoint",
        &after,
        &people.secrets,
        &known,
    );
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn no_plaintext_personal_data_in_pg_dump_backup_or_log() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let pg = rt.block_on(minsheng_testkit::TempPg::create("minsheng_scan"));
    let dir = temp_dir();
    let data = dir.to_str().expect("utf-8 path").to_string();
    let store = ["--data", data.as_str(), "--database-url", pg.url.as_str()];
    demo(&store, "3");
    let server = rt.block_on(Server::start(&store, &dir));
    let people = rt.block_on(file_everything(&server));
    let known: Vec<&str> = people.known.clone();

    let dump = pg_dump(&pg.url);
    assert_clean("the pg_dump", &dump, &people.secrets, &known);
    let archive = backup(&store, &dir.join("backup.jsonl"));
    assert_clean("the backup archive", &archive, &people.secrets, &known);
    let log = server.log.clone();
    server.stop();
    assert_clean("the server log", &read(&log), &people.secrets, &[]);
    rt.block_on(pg.drop());
    std::fs::remove_dir_all(dir).ok();
}

/// The scan itself: it finds a planted value in every spelling it claims to search.
#[test]
fn the_scan_finds_what_it_looks_for() {
    let id = id_number_with_x("11010519800101");
    assert!(IdNumber::parse(&id).is_ok(), "{id} is a valid ID number");
    let secrets = [
        phone_secret("13912345671"),
        id_secret(&id),
        secret("name 欧阳秋菊", &["欧阳秋菊".to_string()]),
    ];
    for planted in [
        "…139-1234-5671…".to_string(),
        "…139 1234 5671…".to_string(),
        format!("…{}…", id.to_ascii_lowercase()),
        format!("\\x{}", hex::encode("13912345671")),
        "{\"name\":\"\\u6b27\\u9633\\u79cb\\u83ca\"}".to_string(),
        "姓名：欧阳秋菊".to_string(),
    ] {
        assert_eq!(
            found(planted.as_bytes(), &secrets).len(),
            1,
            "{planted} must be found exactly once"
        );
    }
    assert!(found("139****5671 欧** 110***********123X".as_bytes(), &secrets).is_empty());
}
