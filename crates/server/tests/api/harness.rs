//! Test harness: `TestApp::spawn(backend)` starts the application like `minsheng serve` does,
//! with the demo province (plus a Zhejiang branch for the regional override) and demo users.

#![allow(dead_code)]

use minsheng_core::calendar::Calendar;
use minsheng_core::policy::Policy;
use minsheng_core::region::{Directory, Level, Region, Unit, UnitKind};
use minsheng_server::{AppState, Application, PasswordParams, demo};
use minsheng_store::{Sealer, Store};
use serde_json::{Value, json};
use sqlx::Connection;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs an async test body on both backends.
#[macro_export]
macro_rules! both {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::harness::TestApp::spawn($crate::harness::Backend::Sqlite).await;
                super::$name(&app).await;
                app.finish().await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let app = $crate::harness::TestApp::spawn($crate::harness::Backend::Postgres).await;
                super::$name(&app).await;
                app.finish().await;
            }
        }
    };
}

pub struct TestApp {
    pub backend: Backend,
    pub base: String,
    pub client: reqwest::Client,
    pub state: AppState,
    pub url: String,
    pub dir: std::path::PathBuf,
    pg_db: Option<minsheng_testkit::TempPg>,
}

/// The demo province plus 浙江省 → 杭州市 → 西湖区 with a petition office and a department.
pub fn test_directory() -> Directory {
    let base = demo::province().expect("demo province");
    let mut regions: Vec<Region> = base.regions().cloned().collect();
    let mut units: Vec<Unit> = base.units().cloned().collect();
    let topics = base.topics().cloned().collect();
    let rules = base.dispatch_rules().collect();
    for (code, zh, level, parent) in [
        ("330000", "浙江省", Level::Province, None),
        ("330100", "杭州市", Level::City, Some("330000")),
        ("330106", "西湖区", Level::County, Some("330100")),
    ] {
        regions.push(Region {
            code: code.into(),
            name_zh: zh.into(),
            name_en: zh.into(),
            level,
            parent: parent.map(str::to_string),
        });
    }
    for (id, zh, kind, region) in [
        (
            "330000-xfj",
            "浙江省信访局",
            UnitKind::PetitionOffice,
            "330000",
        ),
        (
            "330100-xfj",
            "杭州市信访局",
            UnitKind::PetitionOffice,
            "330100",
        ),
        (
            "330106-xfj",
            "西湖区信访局",
            UnitKind::PetitionOffice,
            "330106",
        ),
        ("330106-zjj", "西湖区住建局", UnitKind::Department, "330106"),
    ] {
        units.push(Unit {
            id: id.into(),
            name_zh: zh.into(),
            name_en: zh.into(),
            kind,
            region: region.into(),
        });
    }
    Directory::new(regions, units, topics, rules).expect("test directory")
}

/// Extra users for the Zhejiang branch: (user, role, unit).
const EXTRA_USERS: &[(&str, minsheng_core::access::Role, &str)] = &[
    (
        "coord.xihu",
        minsheng_core::access::Role::Coordinator,
        "330106-xfj",
    ),
    (
        "handler.xihu.zjj",
        minsheng_core::access::Role::Handler,
        "330106-zjj",
    ),
    (
        "handler.qinghe.zjj",
        minsheng_core::access::Role::Handler,
        "990121-zjj",
    ),
    (
        "coord.yunshan",
        minsheng_core::access::Role::Coordinator,
        "990200-xfj",
    ),
];

/// Retries in tenths of a second instead of seconds, so delivery tests finish quickly.
pub fn test_outbox() -> minsheng_server::outbox::Outbox {
    minsheng_server::outbox::Outbox::default()
        .with_backoff(minsheng_server::outbox::Backoff {
            base: std::time::Duration::from_millis(100),
            max: std::time::Duration::from_secs(1),
            max_attempts: 50,
        })
        .with_poll(std::time::Duration::from_millis(200))
}

impl TestApp {
    /// A server without public rate limits: most tests submit many cases from one address and
    /// one phone, and are about something else. Rate limits are tested with `spawn_with`.
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, minsheng_server::abuse::Limits::off()).await
    }

    pub async fn spawn_with(backend: Backend, limits: minsheng_server::abuse::Limits) -> TestApp {
        let dir = std::env::temp_dir().join(format!("minsheng-test-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let (url, pg_db) = match backend {
            Backend::Sqlite => (format!("sqlite://{}/minsheng.db", dir.display()), None),
            Backend::Postgres => {
                let pg = minsheng_testkit::TempPg::create("minsheng_test").await;
                (pg.url.clone(), Some(pg))
            }
        };
        let sealer = Sealer::load_or_create(&dir).expect("key");
        let store = Store::open(&url, sealer).await.expect("open store");
        let directory = test_directory();
        store
            .save_directory(&directory)
            .await
            .expect("seed directory");
        let state = AppState::new(
            store,
            Policy::shipped(),
            Calendar::shipped(),
            directory,
            PasswordParams::cheap(),
        )
        .with_limits(limits)
        .with_outbox(test_outbox())
        .with_photo_dir(dir.join("grid-photos"));
        demo::seed_users(&state).await.expect("demo users");
        for (user, role, unit) in EXTRA_USERS {
            minsheng_server::api::admin::add_user(
                &state,
                minsheng_server::api::admin::NewUserRequest {
                    username: (*user).into(),
                    display_name: format!("测试 {user}"),
                    password: demo::DEMO_PASSWORD.into(),
                    role: *role,
                    unit: Some((*unit).into()),
                },
            )
            .await
            .expect("extra user");
        }
        let app = Application::bind("127.0.0.1:0", state.clone())
            .await
            .expect("bind");
        let base = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run_until(std::future::pending()));
        minsheng_server::outbox::spawn_worker(state.clone());
        TestApp {
            backend,
            base,
            client: plain_client(),
            state,
            url,
            dir,
            pg_db,
        }
    }

    pub async fn finish(self) {
        self.state.store.close().await;
        if let Some(pg) = self.pg_db {
            pg.drop().await;
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }

    /// Signs in a demo user and returns their bearer token.
    pub async fn login(&self, username: &str) -> String {
        let r = self
            .post(
                "/api/v1/auth/login",
                None,
                &json!({"username": username, "password": demo::DEMO_PASSWORD}),
            )
            .await;
        assert_eq!(r.0, 200, "login {username}: {}", r.1);
        r.1["token"].as_str().expect("token").to_string()
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> (u16, Value) {
        let mut req = self.client.post(format!("{}{path}", self.base)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        Self::read(req.send().await.expect("request")).await
    }

    pub async fn post_with(
        &self,
        path: &str,
        token: &str,
        headers: &[(&str, &str)],
        body: &Value,
    ) -> (u16, Value) {
        let mut req = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .json(body);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        Self::read(req.send().await.expect("request")).await
    }

    pub async fn post_raw(&self, path: &str, token: Option<&str>, body: &str) -> (u16, Value) {
        let mut req = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .body(body.to_string());
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        Self::read(req.send().await.expect("request")).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        let mut req = self.client.get(format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        Self::read(req.send().await.expect("request")).await
    }

    async fn read(resp: reqwest::Response) -> (u16, Value) {
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, value)
    }

    /// Runs a workflow command; returns (status, body).
    pub async fn command(&self, token: &str, case: &str, cmd: Value) -> (u16, Value) {
        self.post(&format!("/api/v1/cases/{case}/commands"), Some(token), &cmd)
            .await
    }

    /// Same, asserting success.
    pub async fn ok(&self, token: &str, case: &str, cmd: Value) -> Value {
        let (s, b) = self.command(token, case, cmd.clone()).await;
        assert_eq!(s, 200, "command {cmd} → {b}");
        b
    }

    /// Raw SQL against the test database (tampering tests).
    pub async fn raw_sql(&self, sql: &str) {
        match self.backend {
            Backend::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect(&self.url)
                    .await
                    .expect("sqlite");
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
                    .execute(&mut c)
                    .await
                    .expect("raw sql");
            }
            Backend::Postgres => {
                let mut c = sqlx::PgConnection::connect(&self.url).await.expect("pg");
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
                    .execute(&mut c)
                    .await
                    .expect("raw sql");
            }
        }
    }
}

/// A second server process, as after a restart: its own store, state, HTTP server and
/// outbox worker, on the same database and key directory as the `TestApp` it came from.
pub struct Instance {
    pub base: String,
    pub state: AppState,
}

impl Instance {
    pub async fn finish(self) {
        self.state.store.close().await;
    }
}

impl TestApp {
    /// Stops this server's database access and with it its outbox worker (a crash, as far as
    /// the database can tell: leases and due times stay as they were).
    pub async fn stop(&self) {
        self.state.store.close().await;
    }

    /// Starts another server on this app's database and key directory. Call `finish` on it
    /// before the test ends.
    pub async fn restart(&self) -> Instance {
        let sealer = Sealer::load_or_create(&self.dir).expect("key");
        let store = Store::open(&self.url, sealer).await.expect("reopen store");
        let state = AppState::new(
            store,
            Policy::shipped(),
            Calendar::shipped(),
            test_directory(),
            PasswordParams::cheap(),
        )
        .with_limits(minsheng_server::abuse::Limits::off())
        .with_outbox(test_outbox());
        let app = Application::bind("127.0.0.1:0", state.clone())
            .await
            .expect("bind");
        let base = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run_until(std::future::pending()));
        minsheng_server::outbox::spawn_worker(state.clone());
        Instance { base, state }
    }
}

/// A valid new-case body registered at the Donghu petition office about a Cuihu matter.
pub fn new_case(kind: &str, channel: &str, phone: &str) -> Value {
    json!({
        "channel": channel,
        "kind": kind,
        "title": "小区电梯长期故障",
        "request": "请求责令物业公司尽快修复电梯",
        "facts_reasons": "翠湖苑3栋电梯停运两个月，多次报修无果，老人上下楼困难。",
        "topic": "010101",
        "location": {"region": "990102001001", "address": "翠湖社区翠湖苑3栋"},
        "petitioner": {"name": "张三丰", "phone": phone, "id_number": "11010519491231002X", "address": "临江市东湖区翠湖苑3栋101"}
    })
}

// ---- Shared helpers for the test modules (citizen, hotline, privacy, rules) ----

/// Asserts an error response: the status, the machine code and both messages.
pub fn assert_error(r: &(u16, Value), status: u16, code: &str) {
    assert_eq!(r.0, status, "expected {status} {code}, got {} {}", r.0, r.1);
    assert_eq!(r.1["code"], code, "{}", r.1);
    for k in ["message_zh", "message_en"] {
        assert!(
            r.1[k].as_str().is_some_and(|s| !s.is_empty()),
            "{k} missing in {}",
            r.1
        );
    }
}

/// Asserts that a deadline as the API shows it is the one the core computes for `period`
/// (policy notation: "5wd", "30d", "2h") plus `extra_days`, opened at `start` (an RFC 3339
/// JSON string). When the shipped calendar cannot compute it, the API must say why instead.
pub fn assert_due(deadline: &Value, kind: &str, period: &str, extra_days: u32, start: &Value) {
    use minsheng_core::deadline::{self, DeadlineKind, Due};
    assert_eq!(deadline["kind"], kind, "{deadline}");
    let kind: DeadlineKind = serde_json::from_value(json!(kind)).expect("deadline kind");
    let period = minsheng_core::policy::Period::parse(period).expect("period");
    let start: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(start.clone()).expect("start instant");
    match deadline::compute(kind, period, extra_days, start, &Calendar::shipped()) {
        Ok(expected) => {
            let got: Due = serde_json::from_value(deadline["due"].clone())
                .unwrap_or_else(|e| panic!("deadline without due ({e}): {deadline}"));
            assert_eq!(got, expected, "{deadline}");
        }
        Err(_) => assert!(
            deadline["due"].is_null() && deadline["error_en"].is_string(),
            "{deadline}"
        ),
    }
}

impl TestApp {
    /// A browser-like client for the web pages: keeps cookies, does not follow redirects, is
    /// signed in as `user` when one is given, and sends the CSRF token its pages carry as
    /// `X-CSRF-Token` with every request (a real browser sends the form's hidden field).
    pub async fn web_client(&self, user: Option<&str>) -> reqwest::Client {
        let s = self.web_session(user).await;
        web_client_on(s.jar, Some(&s.token))
    }

    /// A browser's session: signed in as `user` when one is given; its client sends no CSRF
    /// token by itself.
    pub async fn web_session(&self, user: Option<&str>) -> WebSession {
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        let client = web_client_on(jar.clone(), None);
        let mut token = self.csrf_token(&client, "/staff/login").await;
        if let Some(u) = user {
            let r = client
                .post(format!("{}/staff/login", self.base))
                .form(&[
                    ("username", u),
                    ("password", demo::DEMO_PASSWORD),
                    ("next", "/staff"),
                    ("csrf_token", token.as_str()),
                ])
                .send()
                .await
                .expect("login");
            assert_eq!(r.status(), 303, "sign in as {u}");
            // The token is bound to the session, which signing in just started.
            token = self.csrf_token(&client, "/staff/login").await;
        }
        WebSession { jar, client, token }
    }

    /// The CSRF token in the `csrf-token` meta tag of the page at `path`, as `c` gets it.
    pub async fn csrf_token(&self, c: &reqwest::Client, path: &str) -> String {
        let (_, html) = self.page(c, path).await;
        meta_csrf_token(&html).unwrap_or_else(|| panic!("no csrf-token meta tag on {path}"))
    }

    /// GETs `path` with `c`: the status and the body.
    pub async fn page(&self, c: &reqwest::Client, path: &str) -> (u16, String) {
        let r = c
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("get");
        (r.status().as_u16(), r.text().await.unwrap_or_default())
    }

    /// Posts `form` with `c` as it is (no token added): the status and the body.
    pub async fn post_form(
        &self,
        c: &reqwest::Client,
        path: &str,
        form: &[(&str, &str)],
    ) -> (u16, String) {
        let r = c
            .post(format!("{}{path}", self.base))
            .form(form)
            .send()
            .await
            .expect("post");
        (r.status().as_u16(), r.text().await.unwrap_or_default())
    }

    /// Posts an urlencoded form from `c`'s session as its pages do: with the session's CSRF
    /// token (every page carries the same; the home page is fetched for it) as the
    /// `csrf_token` field and the `X-CSRF-Token` header. Without a token the form goes as it is.
    pub async fn post_form_with_csrf(
        &self,
        c: &reqwest::Client,
        path: &str,
        form: &str,
    ) -> reqwest::Response {
        let (_, home) = self.page(c, "/").await;
        let mut req = c.post(format!("{}{path}", self.base));
        let mut form = form.to_string();
        if let Some(t) = meta_csrf_token(&home) {
            let field = serde_urlencoded::to_string([("csrf_token", t.as_str())]).expect("encode");
            form = if form.is_empty() {
                field
            } else {
                format!("{form}&{field}")
            };
            req = req.header("x-csrf-token", t);
        }
        req.header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .expect("post")
    }

    /// The spam screen's review queue as `c` sees it: the page and the held ids, in its order.
    pub async fn held_queue(&self, c: &reqwest::Client) -> (String, Vec<String>) {
        let (_, html) = self.page(c, "/staff/held").await;
        let mut ids: Vec<String> = html
            .match_indices("/staff/held/")
            .filter_map(|(i, _)| html.get(i + 12..i + 48))
            .filter(|s| uuid::Uuid::parse_str(s).is_ok())
            .map(str::to_string)
            .collect();
        ids.dedup();
        (html, ids)
    }

    /// Registers a case as `user`, asserting 201; returns (case id, query code, case view).
    pub async fn register(&self, user: &str, body: &Value) -> (String, String, Value) {
        let token = self.login(user).await;
        let (s, b) = self.post("/api/v1/cases", Some(&token), body).await;
        assert_eq!(s, 201, "register as {user}: {b}");
        let id = b["case"]["id"].as_str().expect("case id").to_string();
        let code = b["query_code"].as_str().expect("query code").to_string();
        (id, code, b["case"].clone())
    }

    /// 东湖区's petition office assigns the case to its housing department (990102-zjj).
    pub async fn assign_to_housing(&self, id: &str) -> Value {
        let coord = self.login("coord.donghu").await;
        self.ok(
            &coord,
            id,
            json!({"command": "transfer", "to_unit": "990102-zjj", "mode": "assign"}),
        )
        .await
    }

    /// Assigned to the housing department, which accepts it: the case is being handled.
    pub async fn handled_by_housing(&self, id: &str) -> Value {
        self.assign_to_housing(id).await;
        let handler = self.login("handler.donghu.zjj").await;
        self.ok(
            &handler,
            id,
            json!({"command": "accept", "notice": "本机关已依法受理。"}),
        )
        .await
    }

    /// Handled by the housing department, which issues its opinion (supported).
    pub async fn answered_by_housing(&self, id: &str) -> Value {
        self.handled_by_housing(id).await;
        let handler = self.login("handler.donghu.zjj").await;
        self.ok(&handler, id, json!({"command": "issue_opinion", "request": "修复电梯", "facts_reasons": "经核实属实",
            "opinion": "责令物业三十日内修复", "legal_basis": "《物业管理条例》", "outcome": "support"}))
            .await
    }

    /// The grid `cuihu-01` over 翠湖苑 (its address keyword), served by grid.cuihu.
    pub async fn cuihu_grid(&self) {
        let admin = self.login("admin").await;
        let (s, b) = self
            .post(
                "/api/v1/admin/grids",
                Some(&admin),
                &json!({"id": "cuihu-01", "name": "翠湖社区第一网格", "region": "990102001001",
                        "center": {"lat": 30.5, "lng": 114.3}, "rings": 1, "keywords": ["翠湖苑"]}),
            )
            .await;
        assert_eq!(s, 200, "{b}");
        let (s, b) = self
            .post(
                "/api/v1/admin/grids/cuihu-01/workers",
                Some(&admin),
                &json!({"usernames": ["grid.cuihu"]}),
            )
            .await;
        assert_eq!(s, 204, "{b}");
    }

    /// How many cases the store holds.
    pub async fn case_count(&self) -> i64 {
        self.state.store.count_cases().await.expect("count cases")
    }

    /// Raw SQL returning one text column (storage inspection and back-dating tests).
    pub async fn query_text(&self, sql: &str) -> Vec<String> {
        let sql = sqlx::AssertSqlSafe(sql.to_string());
        match self.backend {
            Backend::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect(&self.url)
                    .await
                    .expect("sqlite");
                sqlx::query_scalar::<_, String>(sql)
                    .fetch_all(&mut c)
                    .await
                    .expect("query")
            }
            Backend::Postgres => {
                let mut c = sqlx::PgConnection::connect(&self.url).await.expect("pg");
                sqlx::query_scalar::<_, String>(sql)
                    .fetch_all(&mut c)
                    .await
                    .expect("query")
            }
        }
    }
}

/// A browser: its cookie jar, a client on it without a default CSRF header, and the token its
/// pages carry.
pub struct WebSession {
    pub jar: std::sync::Arc<reqwest::cookie::Jar>,
    pub client: reqwest::Client,
    pub token: String,
}

/// A client without cookies that follows redirects (API clients, a forged first contact).
pub fn plain_client() -> reqwest::Client {
    minsheng_server::tls::client_builder()
        .build()
        .expect("HTTP client")
}

/// A client on a cookie jar that does not follow redirects, with an `X-CSRF-Token` default
/// header when a token is given.
pub fn web_client_on(
    jar: std::sync::Arc<reqwest::cookie::Jar>,
    token: Option<&str>,
) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    if let Some(t) = token {
        headers.insert("x-csrf-token", t.parse().expect("token header"));
    }
    minsheng_server::tls::client_builder()
        .cookie_provider(jar)
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// The content of a page's `<meta name="csrf-token">`.
pub fn meta_csrf_token(html: &str) -> Option<String> {
    let start = html.find(r#"<meta name="csrf-token" content=""#)? + 33;
    let len = html[start..].find('"')?;
    Some(html[start..start + len].to_string()).filter(|t| !t.is_empty())
}

/// Percent-encodes a query value or a path as a form value.
pub fn urlenc(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|v| v.trim_start_matches('=').to_string())
        .unwrap_or_default()
}

/// Reads server-sent events until one named `event` arrives (10 s at most between chunks);
/// returns its data. `buf` keeps what was read past it for the next call.
pub async fn next_event(
    event: &str,
    resp: &mut reqwest::Response,
    buf: &mut String,
) -> Option<Value> {
    let wanted = format!("event: {event}");
    loop {
        if let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            if block.lines().any(|l| l == wanted) {
                let data: String = block
                    .lines()
                    .filter_map(|l| l.strip_prefix("data: "))
                    .collect();
                return serde_json::from_str(&data).ok();
            }
            continue;
        }
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(10), resp.chunk())
            .await
            .ok()?
            .ok()??;
        buf.push_str(&String::from_utf8_lossy(&chunk));
    }
}
