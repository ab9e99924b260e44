//! Personal data and access: encryption at rest, masking and the audited reveal, unit scopes,
//! the accused unit, tamper detection of the event log, an access table and a bad-input table.

use crate::both;
use crate::harness::{Backend, TestApp, assert_error, new_case};
use serde_json::{Value, json};

const PHONE: &str = "13912345678";
const MASKED_PHONE: &str = "139****5678";
const ID_NUMBER: &str = "11010519491231002X";
const NAME: &str = "张三丰";
const MASKED_NAME: &str = "张**";
const ADDRESS: &str = "临江市东湖区翠湖苑3栋101";
const TITLE: &str = "小区电梯长期故障";

/// Clear personal data that must never be stored or shown to someone who may not see it.
const SECRETS: [&str; 4] = [PHONE, ID_NUMBER, NAME, ADDRESS];

fn petition() -> Value {
    new_case("appeal", "letter", PHONE)
}

/// A petition registered at the 东湖区 office and transferred to its housing department.
async fn at_housing_department(app: &TestApp) -> String {
    let (id, _, _) = app.register("intake.donghu", &petition()).await;
    let coord = app.login("coord.donghu").await;
    let c = app
        .ok(
            &coord,
            &id,
            json!({"command": "transfer", "to_unit": "990102-zjj", "mode": "transfer"}),
        )
        .await;
    assert_eq!(c["status"], "awaiting_acceptance");
    id
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn list_ids(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["id"].as_str().expect("id").to_string())
        .collect()
}

fn event_types(events: &Value) -> Vec<&str> {
    events
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["type"].as_str().expect("type"))
        .collect()
}

/// Everything the database holds, as bytes to search: on SQLite the database file with its
/// -wal and -shm files; on PostgreSQL every row of every table as text (bytea shows as hex).
async fn stored_bytes(app: &TestApp) -> Vec<u8> {
    match app.backend {
        Backend::Sqlite => {
            let mut all = Vec::new();
            let mut files = 0;
            for entry in std::fs::read_dir(&app.dir).expect("test dir") {
                let path = entry.expect("entry").path();
                let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
                if name.starts_with("minsheng.db") {
                    all.extend(std::fs::read(&path).expect("read database file"));
                    files += 1;
                }
            }
            assert!(
                files >= 2,
                "database and WAL files expected in {:?}",
                app.dir
            );
            all
        }
        Backend::Postgres => {
            let tables = app
                .query_text(
                    "SELECT table_name::text FROM information_schema.tables \
                     WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
                )
                .await;
            for t in ["cases", "case_events", "petitioners", "audit_log"] {
                assert!(tables.iter().any(|x| x == t), "{tables:?}");
            }
            let mut all = Vec::new();
            for t in tables {
                for row in app
                    .query_text(&format!("SELECT x::text FROM \"{t}\" x"))
                    .await
                {
                    all.extend(row.into_bytes());
                    all.push(b'\n');
                }
            }
            all
        }
    }
}

async fn personal_data_encrypted_and_masked(app: &TestApp) {
    let (id, _, c) = app.register("intake.donghu", &petition()).await;
    assert_eq!(c["petitioner"]["phone_masked"], MASKED_PHONE);
    assert_eq!(c["petitioner"]["name_masked"], MASKED_NAME);
    let (s, b) = app
        .post(
            "/api/v1/public/cases",
            None,
            &new_case("suggestion", "online", PHONE),
        )
        .await;
    assert_eq!(s, 201, "{b}");

    // Staff screens show masked values only.
    let coord = app.login("coord.donghu").await;
    let (_, case) = app.get(&format!("/api/v1/cases/{id}"), Some(&coord)).await;
    let (_, list) = app.get("/api/v1/cases", Some(&coord)).await;
    let (_, events) = app
        .get(&format!("/api/v1/cases/{id}/events"), Some(&coord))
        .await;
    let (s, history) = app
        .post(
            "/api/v1/petitioners/lookup",
            Some(&coord),
            &json!({ "phone": PHONE }),
        )
        .await;
    assert_eq!(s, 200, "{history}");
    assert_eq!(history.as_array().map(Vec::len), Some(2), "{history}");
    for body in [&case, &list, &events, &history] {
        let text = body.to_string();
        assert!(text.contains(MASKED_PHONE), "{text}");
        for secret in SECRETS {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }

    // Revealing is for staff who deal with the petitioner, and it is logged on the case.
    for (field, value) in [
        ("phone", PHONE),
        ("id_number", ID_NUMBER),
        ("name", NAME),
        ("address", ADDRESS),
    ] {
        let (s, r) = app
            .post(
                &format!("/api/v1/cases/{id}/reveal"),
                Some(&coord),
                &json!({"field": field, "purpose": "回访联系"}),
            )
            .await;
        assert_eq!(s, 200, "{r}");
        assert_eq!(r["field"], field);
        assert_eq!(r["value"], value);
    }
    let (_, events) = app
        .get(&format!("/api/v1/cases/{id}/events"), Some(&coord))
        .await;
    assert_eq!(
        event_types(&events),
        [
            "registered",
            "personal_data_revealed",
            "personal_data_revealed",
            "personal_data_revealed",
            "personal_data_revealed"
        ]
    );
    let first = &events[1];
    assert_eq!(first["event"]["field"], "phone", "{first}");
    assert_eq!(first["event"]["purpose"], "回访联系");
    assert_eq!(first["actor_role"], "coordinator");
    assert_eq!(first["actor_unit"], "990102-xfj");
    let text = events.to_string();
    for secret in SECRETS {
        assert!(
            !text.contains(secret),
            "the revealed value is not logged: {text}"
        );
    }

    let supervisor = app.login("supervisor").await;
    let r = app
        .post(
            &format!("/api/v1/cases/{id}/reveal"),
            Some(&supervisor),
            &json!({"field": "phone", "purpose": "回访联系"}),
        )
        .await;
    assert_error(&r, 403, "forbidden");
    let r = app
        .post(
            &format!("/api/v1/cases/{id}/reveal"),
            Some(&coord),
            &json!({"field": "email", "purpose": "回访联系"}),
        )
        .await;
    assert_error(&r, 422, "invalid_field");
    let (_, after) = app
        .get(&format!("/api/v1/cases/{id}/events"), Some(&coord))
        .await;
    assert_eq!(
        after.as_array().map(Vec::len),
        Some(5),
        "refusals log nothing"
    );

    // At rest: nothing in clear, in any file or table; the scan does see ordinary text.
    let stored = stored_bytes(app).await;
    assert!(
        contains(&stored, TITLE.as_bytes()),
        "the scan reads the data"
    );
    for secret in SECRETS {
        assert!(
            !contains(&stored, secret.as_bytes()),
            "{secret} stored in clear"
        );
        let hex = hex::encode(secret.as_bytes());
        assert!(
            !contains(&stored, hex.as_bytes()),
            "{secret} stored in clear in a binary column"
        );
    }
}
both!(personal_data_encrypted_and_masked);

async fn units_see_only_their_cases(app: &TestApp) {
    let id = at_housing_department(app).await;
    let coord = app.login("coord.donghu").await;
    let (_, case) = app.get(&format!("/api/v1/cases/{id}"), Some(&coord)).await;
    let number = case["number"].as_str().expect("number").to_string();
    let nowhere = app
        .get(
            &format!("/api/v1/cases/{}", uuid::Uuid::now_v7()),
            Some(&coord),
        )
        .await;
    assert_error(&nowhere, 404, "not_found");

    // Another district's housing department: as if the case did not exist.
    let other = app.login("handler.xicheng.zjj").await;
    for path in [
        format!("/api/v1/cases/{id}"),
        format!("/api/v1/cases/{number}"),
        format!("/api/v1/cases/{id}/events"),
    ] {
        let r = app.get(&path, Some(&other)).await;
        assert_error(&r, 404, "not_found");
        assert_eq!(r.1, nowhere.1, "no existence oracle");
    }
    let r = app
        .command(
            &other,
            &id,
            json!({"command": "accept", "notice": "本机关已依法受理。"}),
        )
        .await;
    assert_error(&r, 404, "not_found");
    let r = app
        .post(
            &format!("/api/v1/cases/{id}/reveal"),
            Some(&other),
            &json!({"field": "phone", "purpose": "回访联系"}),
        )
        .await;
    assert_error(&r, 404, "not_found");

    let visible = |user: &'static str| {
        let id = id.clone();
        async move {
            let t = app.login(user).await;
            let (s, _) = app.get(&format!("/api/v1/cases/{id}"), Some(&t)).await;
            let (ls, list) = app.get("/api/v1/cases?limit=200", Some(&t)).await;
            assert_eq!(ls, 200, "{list}");
            let listed = list_ids(&list).contains(&id);
            assert_eq!(s == 200, listed, "{user}: get {s}, listed {listed}");
            (s, listed)
        }
    };
    assert_eq!(visible("handler.xicheng.zjj").await, (404, false));
    assert_eq!(visible("handler.donghu.zjj").await, (200, true));
    assert_eq!(visible("handler.donghu.rsj").await, (404, false));
    assert_eq!(visible("coord.yunshan").await, (404, false));
    assert_eq!(visible("coord.linjiang").await, (200, true));
    assert_eq!(visible("coord.province").await, (200, true));
    assert_eq!(visible("supervisor").await, (200, true));

    // The unit still sees the case it held after handing it back (objection).
    let handler = app.login("handler.donghu.zjj").await;
    app.ok(
        &handler,
        &id,
        json!({"command": "object", "reason": "该事项不属于本单位职责范围"}),
    )
    .await;
    assert_eq!(visible("handler.donghu.zjj").await, (200, true));
}
both!(units_see_only_their_cases);

async fn accused_unit_never_sees_the_accuser(app: &TestApp) {
    // A petition accusation against the housing department: never transferred to it.
    let mut accusation = new_case("accusation", "letter", PHONE);
    accusation["title"] = json!("检举住建局违规审批");
    accusation["request"] = json!("请查处住建局违规审批加建的问题");
    accusation["accused_unit"] = json!("990102-zjj");
    accusation["about_officials"] = json!(false);
    let (id, _, _) = app.register("intake.donghu", &accusation).await;
    let coord = app.login("coord.donghu").await;
    for mode in ["transfer", "assign"] {
        let r = app
            .command(
                &coord,
                &id,
                json!({"command": "transfer", "to_unit": "990102-zjj", "mode": mode}),
            )
            .await;
        assert_error(&r, 422, "accused_unit_forbidden");
        assert!(
            r.1["article"]
                .as_str()
                .unwrap_or_default()
                .contains("第三十条"),
            "{}",
            r.1
        );
    }
    app.ok(
        &coord,
        &id,
        json!({"command": "transfer", "to_unit": "990102-gov", "mode": "transfer"}),
    )
    .await;
    let accused = app.login("handler.donghu.zjj").await;
    for path in [
        format!("/api/v1/cases/{id}"),
        format!("/api/v1/cases/{id}/events"),
    ] {
        assert_error(&app.get(&path, Some(&accused)).await, 404, "not_found");
    }
    let (_, list) = app.get("/api/v1/cases?limit=200", Some(&accused)).await;
    assert!(!list_ids(&list).contains(&id), "{list}");

    // A hotline complaint about the department is dispatched to it, without the caller.
    let mut complaint = new_case("complaint", "hotline_12345", PHONE);
    complaint["title"] = json!("投诉住建局窗口态度差");
    complaint["request"] = json!("请对窗口工作人员进行批评教育");
    complaint["accused_unit"] = json!("990102-zjj");
    let (cid, _, c) = app.register("hotline.linjiang", &complaint).await;
    assert_eq!(
        c["petitioner"]["phone_masked"], MASKED_PHONE,
        "the centre sees it"
    );
    let operator = app.login("hotline.linjiang").await;
    app.ok(
        &operator,
        &cid,
        json!({"command": "dispatch", "to_unit": "990102-zjj"}),
    )
    .await;

    let (s, view) = app
        .get(&format!("/api/v1/cases/{cid}"), Some(&accused))
        .await;
    assert_eq!(s, 200, "{view}");
    assert!(view["petitioner"].is_null(), "{view}");
    assert_eq!(view["petitioner_withheld"], true);
    let (_, events) = app
        .get(&format!("/api/v1/cases/{cid}/events"), Some(&accused))
        .await;
    assert_eq!(events[0]["type"], "registered");
    assert!(events[0]["event"].get("petitioner").is_none(), "{events}");
    assert!(events[0]["event"].get("title").is_some(), "{events}");
    let (_, list) = app.get("/api/v1/cases?limit=200", Some(&accused)).await;
    let item = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == cid.as_str())
        .cloned()
        .unwrap_or_else(|| panic!("the handler lists the order: {list}"));
    assert!(item["petitioner_name_masked"].is_null(), "{item}");
    assert!(item["petitioner_phone_masked"].is_null(), "{item}");
    for field in ["name", "phone", "id_number", "address"] {
        let r = app
            .post(
                &format!("/api/v1/cases/{cid}/reveal"),
                Some(&accused),
                &json!({"field": field, "purpose": "核实情况"}),
            )
            .await;
        assert_error(&r, 403, "forbidden");
    }
    let signed = app.ok(&accused, &cid, json!({"command": "sign_for"})).await;
    for body in [&view, &events, &list, &signed] {
        let text = body.to_string();
        for secret in SECRETS.iter().chain(&[MASKED_PHONE, MASKED_NAME]) {
            assert!(
                !text.contains(secret),
                "{secret} shown to the accused: {text}"
            );
        }
    }
}
both!(accused_unit_never_sees_the_accuser);

async fn tampering_is_detected(app: &TestApp) {
    let a = at_housing_department(app).await;
    let b = at_housing_department(app).await;
    let handler = app.login("handler.donghu.zjj").await;
    for id in [&a, &b] {
        app.ok(
            &handler,
            id,
            json!({"command": "accept", "notice": "本机关已依法受理。"}),
        )
        .await;
    }
    let clean = app.state.store.verify().await.expect("verify");
    assert_eq!((clean.cases, clean.events), (2, 6));
    assert!(clean.failures.is_empty(), "{:?}", clean.failures);

    app.raw_sql(&format!(
        "UPDATE case_events SET payload = REPLACE(payload, '{TITLE}', '小区电梯已经修好') \
         WHERE case_id = '{b}' AND seq = 1"
    ))
    .await;
    app.raw_sql(&format!(
        "UPDATE case_events SET payload = REPLACE(payload, '依法受理', '拒绝受理') \
         WHERE case_id = '{a}' AND seq = 3"
    ))
    .await;

    let report = app.state.store.verify().await.expect("verify");
    let coord = app.login("coord.donghu").await;
    let number = |id: String| {
        let coord = coord.clone();
        async move {
            let (_, c) = app.get(&format!("/api/v1/cases/{id}"), Some(&coord)).await;
            c["number"].as_str().expect("number").to_string()
        }
    };
    let mut found: Vec<(String, String, u64)> = report
        .failures
        .iter()
        .map(|f| (f.case_id.clone(), f.number.clone(), f.seq))
        .collect();
    found.sort();
    let mut expected = vec![
        (a.clone(), number(a.clone()).await, 3),
        (b.clone(), number(b.clone()).await, 1),
    ];
    expected.sort();
    assert_eq!(found, expected, "{:?}", report.failures);
}
both!(tampering_is_detected);

const USERS: [Option<&str>; 7] = [
    None,
    Some("intake.donghu"),
    Some("coord.donghu"),
    Some("handler.donghu.zjj"),
    Some("handler.xicheng.zjj"),
    Some("supervisor"),
    Some("admin"),
];

struct Access {
    method: &'static str,
    path: &'static str,
    /// Each request gets a case of its own (the request may change it).
    fresh_case: bool,
    body: Option<Value>,
    expect: [u16; 7],
}

async fn access_table(app: &TestApp) {
    let shared = at_housing_department(app).await;
    let mut tokens = Vec::new();
    for u in USERS {
        tokens.push(match u {
            Some(u) => Some(app.login(u).await),
            None => None,
        });
    }
    let rows = [
        Access {
            method: "GET",
            path: "/api/v1/auth/me",
            fresh_case: false,
            body: None,
            expect: [401, 200, 200, 200, 200, 200, 200],
        },
        Access {
            method: "GET",
            path: "/api/v1/cases",
            fresh_case: false,
            body: None,
            expect: [401, 200, 200, 200, 200, 200, 200],
        },
        Access {
            method: "GET",
            path: "/api/v1/cases/{case}",
            fresh_case: false,
            body: None,
            expect: [401, 200, 200, 200, 404, 200, 200],
        },
        Access {
            method: "GET",
            path: "/api/v1/cases/{case}/events",
            fresh_case: false,
            body: None,
            expect: [401, 200, 200, 200, 404, 200, 200],
        },
        Access {
            method: "POST",
            path: "/api/v1/cases/{case}/commands",
            fresh_case: true,
            body: Some(json!({"command": "accept", "notice": "本机关已依法受理。"})),
            expect: [401, 403, 403, 200, 404, 403, 403],
        },
        Access {
            method: "POST",
            path: "/api/v1/cases/{case}/reveal",
            fresh_case: false,
            body: Some(json!({"field": "phone", "purpose": "回访联系"})),
            expect: [401, 200, 200, 200, 404, 403, 403],
        },
        Access {
            method: "POST",
            path: "/api/v1/cases",
            fresh_case: false,
            body: Some(petition()),
            expect: [401, 201, 201, 403, 403, 403, 403],
        },
        Access {
            method: "GET",
            path: "/api/v1/admin/users",
            fresh_case: false,
            body: None,
            expect: [401, 403, 403, 403, 403, 403, 200],
        },
        Access {
            method: "POST",
            path: "/api/v1/admin/users",
            fresh_case: false,
            body: None, // built per user below: user names must be unique
            expect: [401, 403, 403, 403, 403, 403, 201],
        },
        Access {
            method: "GET",
            path: "/api/v1/units",
            fresh_case: false,
            body: None,
            expect: [401, 200, 200, 200, 200, 200, 200],
        },
        Access {
            method: "POST",
            path: "/api/v1/petitioners/lookup",
            fresh_case: false,
            body: Some(json!({ "phone": "13912345678" })),
            expect: [401, 200, 200, 403, 403, 200, 403],
        },
        Access {
            method: "GET",
            path: "/api/v1/regions",
            fresh_case: false,
            body: None,
            expect: [200; 7],
        },
        Access {
            method: "GET",
            path: "/api/v1/policy",
            fresh_case: false,
            body: None,
            expect: [200; 7],
        },
    ];
    let mut wrong = Vec::new();
    for row in &rows {
        for (i, token) in tokens.iter().enumerate() {
            let case = if row.fresh_case {
                at_housing_department(app).await
            } else {
                shared.clone()
            };
            let path = row.path.replace("{case}", &case);
            let body = match (&row.body, row.path) {
                (Some(b), _) => Some(b.clone()),
                (None, "/api/v1/admin/users") => Some(json!({
                    "username": format!("new.user.{i}"), "display_name": "新用户",
                    "password": "a-long-password-2026", "role": "handler", "unit": "990102-zjj"})),
                _ => None,
            };
            let r = match (row.method, body) {
                ("GET", _) => app.get(&path, token.as_deref()).await,
                (_, Some(b)) => app.post(&path, token.as_deref(), &b).await,
                (m, None) => panic!("{m} {path} without a body"),
            };
            let who = USERS[i].unwrap_or("anonymous");
            let expected = row.expect[i];
            if r.0 != expected {
                wrong.push(format!(
                    "{who} {} {}: expected {expected}, got {} {}",
                    row.method, row.path, r.0, r.1
                ));
                continue;
            }
            let code = match expected {
                401 => "unauthenticated",
                403 => "forbidden",
                404 => "not_found",
                _ => continue,
            };
            if r.1["code"] != code
                || !r.1["message_zh"].is_string()
                || !r.1["message_en"].is_string()
            {
                wrong.push(format!("{who} {} {}: body {}", row.method, row.path, r.1));
            }
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));

    // Those who may look a caller up find the case (masked); others never get that far.
    for user in ["intake.donghu", "coord.donghu", "supervisor"] {
        let t = app.login(user).await;
        let (_, found) = app
            .post(
                "/api/v1/petitioners/lookup",
                Some(&t),
                &json!({ "phone": "13912345678" }),
            )
            .await;
        let ids: Vec<&str> = found
            .as_array()
            .expect("array")
            .iter()
            .filter_map(|c| c["id"].as_str())
            .collect();
        assert!(ids.contains(&shared.as_str()), "{user}: {found}");
    }
}
both!(access_table);

/// One request of the bad-input table.
struct Bad {
    what: &'static str,
    method: &'static str,
    path: String,
    content_type: Option<&'static str>,
    header: Option<(&'static str, String)>,
    body: Option<Vec<u8>>,
    status: u16,
    /// The expected machine code.
    code: &'static str,
}

fn bad(what: &'static str, method: &'static str, path: impl Into<String>) -> Bad {
    Bad {
        what,
        method,
        path: path.into(),
        content_type: None,
        header: None,
        body: None,
        status: 0,
        code: "",
    }
}

impl Bad {
    fn json(mut self, v: &Value) -> Self {
        self.content_type = Some("application/json");
        self.body = Some(v.to_string().into_bytes());
        self
    }
    fn raw(mut self, content_type: &'static str, body: impl Into<Vec<u8>>) -> Self {
        self.content_type = Some(content_type);
        self.body = Some(body.into());
        self
    }
    fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.header = Some((name, value.into()));
        self
    }
    fn expect(mut self, status: u16, code: &'static str) -> Self {
        self.status = status;
        self.code = code;
        self
    }
}

async fn send(app: &TestApp, token: &str, b: &Bad) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(b.method.as_bytes()).expect("method");
    let mut req = app
        .client
        .request(method, format!("{}{}", app.base, b.path));
    match &b.header {
        Some((name, value)) if *name == "authorization" => req = req.header(*name, value),
        Some((name, value)) => req = req.bearer_auth(token).header(*name, value),
        None => req = req.bearer_auth(token),
    }
    if let Some(ct) = b.content_type {
        req = req.header("content-type", ct);
    }
    if let Some(body) = &b.body {
        req = req.body(body.clone());
    }
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// `body` with `key` set to `value` (a dotted key reaches one level down).
fn with(body: &Value, key: &str, value: Value) -> Value {
    let mut b = body.clone();
    match key.split_once('.') {
        Some((outer, inner)) => b[outer][inner] = value,
        None => b[key] = value,
    }
    b
}

async fn bad_input_is_refused(app: &TestApp) {
    let coord = app.login("coord.donghu").await;
    let (id, code, _) = app.register("intake.donghu", &petition()).await;
    let cases_before = app.case_count().await;
    let (_, before) = app.get(&format!("/api/v1/cases/{id}"), Some(&coord)).await;

    let case = format!("/api/v1/cases/{id}");
    let commands = format!("{case}/commands");
    let ok_case = petition();
    let online = new_case("appeal", "online", PHONE);
    let transfer = json!({"command": "transfer", "to_unit": "990102-zjj", "mode": "transfer"});
    let extend = |days: Value| json!({"command": "extend", "days": days, "approver": "局长", "reason": "需要调查"});
    let huge_text = "字".repeat(400_000); // 1.2 MB of UTF-8
    let oversize = with(&ok_case, "facts_reasons", json!(huge_text));

    let table = vec![
        // Malformed JSON.
        bad("malformed create", "POST", "/api/v1/cases")
            .raw("application/json", r#"{"channel": "letter","#)
            .expect(400, "invalid_json"),
        bad("array create", "POST", "/api/v1/cases")
            .raw("application/json", "[1, 2]")
            .expect(400, "invalid_json"),
        bad("malformed command", "POST", &commands)
            .raw("application/json", "{command: transfer}")
            .expect(400, "invalid_json"),
        bad("empty command", "POST", &commands)
            .raw("application/json", "")
            .expect(400, "invalid_json"),
        bad("malformed track", "POST", "/api/v1/public/track")
            .raw("application/json", "not json")
            .expect(400, "invalid_json"),
        bad("malformed submit", "POST", "/api/v1/public/cases")
            .raw("application/json", "{\"kind\":")
            .expect(400, "invalid_json"),
        // Wrong content type.
        bad("text command", "POST", &commands)
            .raw("text/plain", transfer.to_string())
            .expect(400, "unsupported_media_type"),
        bad("text create", "POST", "/api/v1/cases")
            .raw(
                "text/plain",
                with(&ok_case, "title", json!("纯文本提交")).to_string(),
            )
            .expect(400, "unsupported_media_type"),
        bad("text submit", "POST", "/api/v1/public/cases")
            .raw(
                "text/plain",
                with(&online, "title", json!("纯文本网上提交")).to_string(),
            )
            .expect(400, "unsupported_media_type"),
        bad("form login", "POST", "/api/v1/auth/login")
            .raw(
                "application/x-www-form-urlencoded",
                "username=admin&password=x",
            )
            .expect(400, "unsupported_media_type"),
        // Unknown fields.
        bad("unknown field create", "POST", "/api/v1/cases")
            .json(&with(&ok_case, "priority", json!("high")))
            .expect(400, "invalid_json"),
        bad("unknown petitioner field", "POST", "/api/v1/cases")
            .json(&with(&ok_case, "petitioner.wechat", json!("zhang_sf")))
            .expect(400, "invalid_json"),
        bad("unknown field submit", "POST", "/api/v1/public/cases")
            .json(&with(&online, "office", json!("990100-xfj")))
            .expect(400, "invalid_json"),
        bad("unknown field track", "POST", "/api/v1/public/track")
            .json(&json!({"query_code": code, "phone_last4": "5678", "captcha": 1}))
            .expect(400, "invalid_json_fields"),
        bad("unknown field reveal", "POST", format!("{case}/reveal"))
            .json(&json!({"field": "phone", "purpose": "回访联系", "all": true}))
            .expect(400, "invalid_json_fields"),
        // Unknown enum values.
        bad("unknown channel", "POST", "/api/v1/cases")
            .json(&with(&ok_case, "channel", json!("pigeon")))
            .expect(400, "invalid_json"),
        bad("unknown kind", "POST", "/api/v1/cases")
            .json(&with(&ok_case, "kind", json!("gossip")))
            .expect(400, "invalid_json"),
        bad("unknown command", "POST", &commands)
            .json(&json!({"command": "fly"}))
            .expect(400, "invalid_json_fields"),
        bad("unknown transfer mode", "POST", &commands)
            .json(&with(&transfer, "mode", json!("teleport")))
            .expect(400, "invalid_json_fields"),
        bad("unknown reveal field", "POST", format!("{case}/reveal"))
            .json(&json!({"field": "email", "purpose": "回访联系"}))
            .expect(422, "invalid_field"),
        bad("unknown citizen action", "POST", "/api/v1/public/actions")
            .json(&json!({"query_code": code, "phone_last4": "5678", "action": "dance"}))
            .expect(400, "unknown_action"),
        bad("unknown status filter", "GET", "/api/v1/cases?status=bogus")
            .expect(422, "invalid_field"),
        bad("unknown kind filter", "GET", "/api/v1/cases?kind=gossip").expect(422, "invalid_field"),
        // Lengths and personal-data formats.
        bad("title of 201 characters", "POST", "/api/v1/cases")
            .json(&with(&ok_case, "title", json!("长".repeat(201))))
            .expect(422, "invalid_field"),
        bad("empty request", "POST", "/api/v1/cases")
            .json(&with(&ok_case, "request", json!(" ")))
            .expect(422, "invalid_field"),
        bad("bad phone", "POST", "/api/v1/cases")
            .json(&with(&ok_case, "petitioner.phone", json!("12345")))
            .expect(422, "invalid_field"),
        bad("phone with letters", "POST", "/api/v1/public/cases")
            .json(&with(&online, "petitioner.phone", json!("1391234567a")))
            .expect(422, "invalid_field"),
        bad("bad phone lookup", "POST", "/api/v1/petitioners/lookup")
            .json(&json!({ "phone": "123" }))
            .expect(422, "invalid_field"),
        bad("bad ID check digit", "POST", "/api/v1/cases")
            .json(&with(
                &ok_case,
                "petitioner.id_number",
                json!("110105194912310021"),
            ))
            .expect(422, "invalid_field"),
        // Unknown references.
        bad("unknown topic", "POST", "/api/v1/cases")
            .json(&with(&ok_case, "topic", json!("999999")))
            .expect(422, "unknown_reference"),
        bad("unknown region", "POST", "/api/v1/cases")
            .json(&with(&ok_case, "location.region", json!("999999999")))
            .expect(422, "unknown_reference"),
        bad("unknown region online", "POST", "/api/v1/public/cases")
            .json(&with(&online, "location.region", json!("999999999")))
            .expect(422, "unknown_reference"),
        bad("unknown accused unit", "POST", "/api/v1/cases")
            .json(&with(
                &with(&ok_case, "kind", json!("accusation")),
                "accused_unit",
                json!("990102-nope"),
            ))
            .expect(422, "unknown_reference"),
        bad("unknown target unit", "POST", &commands)
            .json(&with(&transfer, "to_unit", json!("990102-nope")))
            .expect(422, "unknown_reference"),
        bad(
            "unknown region filter",
            "GET",
            "/api/v1/cases?region=000000",
        )
        .expect(422, "unknown_reference"),
        bad("unknown topic filter", "GET", "/api/v1/cases?topic=99")
            .expect(422, "unknown_reference"),
        bad(
            "unknown dispatch topic",
            "GET",
            "/api/v1/dispatch?region=990102&topic=99",
        )
        .expect(422, "unknown_reference"),
        bad(
            "unknown policy region",
            "GET",
            "/api/v1/policy?region=nowhere",
        )
        .expect(422, "unknown_reference"),
        // Negative and huge numbers.
        bad("negative group", "POST", "/api/v1/cases")
            .json(&with(&ok_case, "group_size", json!(-1)))
            .expect(400, "invalid_json"),
        bad("group beyond u32", "POST", "/api/v1/cases")
            .json(&with(&ok_case, "group_size", json!(4_294_967_296_u64)))
            .expect(400, "invalid_json"),
        bad("implausible group", "POST", "/api/v1/cases")
            .json(&with(&ok_case, "group_size", json!(100_001)))
            .expect(422, "invalid_field"),
        bad("zero representatives", "POST", "/api/v1/cases")
            .json(&with(&ok_case, "representatives", json!(0)))
            .expect(422, "invalid_field"),
        bad("latitude out of range", "POST", "/api/v1/cases")
            .json(&with(
                &with(&ok_case, "location.lat", json!(91.0)),
                "location.lng",
                json!(120.0),
            ))
            .expect(422, "invalid_field"),
        bad("number overflowing f64", "POST", "/api/v1/cases")
            .raw(
                "application/json",
                ok_case
                    .to_string()
                    .replacen('{', "{\"group_size\": 1e999, ", 1),
            )
            .expect(400, "invalid_json"),
        bad("negative extension", "POST", &commands)
            .json(&extend(json!(-5)))
            .expect(400, "invalid_json_fields"),
        bad("huge extension", "POST", &commands)
            .json(&extend(json!(99_999_999_999_u64)))
            .expect(400, "invalid_json_fields"),
        bad("negative limit", "GET", "/api/v1/cases?limit=-1").expect(400, "invalid_query"),
        bad("huge limit", "GET", "/api/v1/cases?limit=99999999999").expect(400, "invalid_query"),
        // Paths.
        bad("not a case number", "GET", "/api/v1/cases/not-a-case").expect(404, "not_found"),
        bad(
            "overlong id",
            "GET",
            format!("/api/v1/cases/{}", "a".repeat(300)),
        )
        .expect(404, "not_found"),
        bad(
            "unknown uuid",
            "GET",
            format!("/api/v1/cases/{}", uuid::Uuid::now_v7()),
        )
        .expect(404, "not_found"),
        bad(
            "invalid utf-8 in path",
            "GET",
            "/api/v1/cases/%FF%FE/events",
        )
        .expect(400, "invalid_path"),
        bad(
            "command on no case",
            "POST",
            "/api/v1/cases/2026-0101-999999/commands",
        )
        .json(&transfer)
        .expect(404, "not_found"),
        bad("reveal on no case", "POST", "/api/v1/cases/nothing/reveal")
            .json(&json!({"field": "phone", "purpose": "回访联系"}))
            .expect(404, "not_found"),
        // Routes and methods.
        bad("unknown api route", "GET", "/api/v1/nothing").expect(404, "not_found"),
        bad("unknown route", "GET", "/nothing").expect(404, "not_found"),
        bad("unknown case route", "POST", format!("{case}/unknown"))
            .json(&transfer)
            .expect(404, "not_found"),
        bad("delete cases", "DELETE", "/api/v1/cases").expect(405, "method_not_allowed"),
        bad("put case", "PUT", &case)
            .json(&ok_case)
            .expect(405, "method_not_allowed"),
        bad("get commands", "GET", &commands).expect(405, "method_not_allowed"),
        bad("get track", "GET", "/api/v1/public/track").expect(405, "method_not_allowed"),
        // Cursors and query parameters.
        bad(
            "cursor without separator",
            "GET",
            "/api/v1/cases?cursor=abc",
        )
        .expect(400, "invalid_cursor"),
        bad(
            "cursor with bad id",
            "GET",
            "/api/v1/cases?cursor=123_notauuid",
        )
        .expect(400, "invalid_cursor"),
        bad(
            "cursor with bad time",
            "GET",
            format!("/api/v1/cases?cursor=x_{id}"),
        )
        .expect(400, "invalid_cursor"),
        bad(
            "overlong cursor",
            "GET",
            format!("/api/v1/cases?cursor={}_1", "9".repeat(90)),
        )
        .expect(400, "invalid_cursor"),
        bad("limit not a number", "GET", "/api/v1/cases?limit=abc").expect(400, "invalid_query"),
        bad("unknown parameter", "GET", "/api/v1/cases?foo=1").expect(400, "invalid_query"),
        bad("overdue not a bool", "GET", "/api/v1/cases?overdue=maybe")
            .expect(400, "invalid_query"),
        bad(
            "due_before not a time",
            "GET",
            "/api/v1/cases?due_before=yesterday",
        )
        .expect(400, "invalid_query"),
        bad(
            "dispatch without topic",
            "GET",
            "/api/v1/dispatch?region=990102",
        )
        .expect(400, "invalid_query"),
        bad("lookup without phone", "POST", "/api/v1/petitioners/lookup")
            .json(&json!({}))
            .expect(400, "invalid_json_fields"),
        // Headers.
        bad("overlong idempotency key", "POST", "/api/v1/cases")
            .json(&ok_case)
            .header("idempotency-key", "k".repeat(200))
            .expect(400, "invalid_idempotency_key"),
        bad("bogus bearer token", "GET", "/api/v1/cases")
            .header("authorization", "Bearer ms_nonsense")
            .expect(401, "unauthenticated"),
        bad("malformed query code", "POST", "/api/v1/public/track")
            .json(&json!({"query_code": "abc", "phone_last4": "5678"}))
            .expect(422, "invalid_field"),
        // Oversize bodies (above 1 MiB).
        bad("oversize create", "POST", "/api/v1/cases")
            .json(&oversize)
            .expect(413, "body_too_large"),
        bad("oversize submit", "POST", "/api/v1/public/cases")
            .json(&with(&online, "facts_reasons", json!(huge_text)))
            .expect(413, "body_too_large"),
        bad("oversize command", "POST", &commands)
            .json(&with(&transfer, "note", json!(huge_text)))
            .expect(413, "body_too_large"),
        bad("unknown field in opinion", "POST", &commands)
            .json(&json!({"command": "issue_opinion", "request": "修复电梯",
                "facts_reasons": "经核实属实", "opinion": "责令修复", "legal_basis": "《物业管理条例》",
                "outcome": "support", "attachments": []}))
            .expect(400, "invalid_json_fields"),
        // Last: if it were wrongly accepted it would move the case on.
        bad("unknown field command", "POST", &commands)
            .json(&with(&transfer, "priority", json!("high")))
            .expect(400, "invalid_json_fields"),
    ];

    let mut wrong = Vec::new();
    for b in &table {
        let (status, body) = send(app, &coord, b).await;
        let bilingual = ["code", "message_zh", "message_en"]
            .iter()
            .all(|k| body[*k].as_str().is_some_and(|s| !s.is_empty()));
        if status != b.status || body["code"] != b.code || !bilingual {
            let shown: String = body.to_string().chars().take(300).collect();
            wrong.push(format!(
                "{} ({} {}): expected {} {}, got {status} {shown}",
                b.what,
                b.method,
                b.path.chars().take(80).collect::<String>(),
                b.status,
                b.code
            ));
        }
    }

    // Nothing changed: no new case, the existing one untouched.
    let (_, after) = app.get(&case, Some(&coord)).await;
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
    assert_eq!(app.case_count().await, cases_before);
    assert_eq!(after["version"], before["version"], "{after}");
    assert_eq!(after["status"], "registered");
}
both!(bad_input_is_refused);
