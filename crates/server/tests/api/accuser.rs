//! The accuser is absent from everything the accused unit can reach (信访工作条例 Art. 30).
//!
//! An accusation (检举) against 东湖区住建局 (990102-zjj) with a distinctive accuser (name,
//! phone, ID number, address) and a risk phrase that raises an alert; the same person also
//! complains about the bureau on the 12345 hotline, and that work order is dispatched to the
//! bureau (it must handle it, without learning who called). Then, as every account of the
//! bureau (its handler, plus an intake agent and a coordinator account created in the bureau
//! for this test, since those roles see a whole region), the test reaches for the accuser by
//! every means it has: the case id and number guessed directly (API, pages, documents, typical
//! case form), list filters, the caller look-up, full-text search by name, phone, ID number and
//! title, the queue and search downloads (CSV and XLSX, cells read back), the dashboard and the
//! annual report with every download they link, alerts (list, each alert, the API) and the live
//! alert stream, the supervision queue, suggestion pages, the knowledge base, `/open`, and
//! Open311 GET requests by id and by filters in `.json` and `.xml`; plus a crawl of every
//! same-site link of every page it gets. No response body or header may contain the identity
//! strings (clear or masked), and none may contain the accusation's id or number.
//!
//! Notifications: the system has no notification or outbox for cases yet (the only outbox is
//! the log line carrying a suggestion-support code, which names no case). The messages it does
//! produce for staff are the alerts and their live stream, which are checked here.
//!
//! The reverse check proves the probe can see: the petition office's coordinator reaches the
//! same case, and the audited reveal returns each identity string.

use crate::harness::{TestApp, new_case, plain_client, urlenc};
use chrono::Utc;
use minsheng_core::alert::{AlertDraft, AlertRule, Evidence};
use minsheng_core::petitioner::{mask_address, mask_name};
use serde_json::{Value, json};
use std::collections::{BTreeSet, VecDeque};

const NAME: &str = "司马检举";
const PHONE: &str = "13987654321";
const ID_NUMBER: &str = "110102198001011239";
const ADDRESS: &str = "临江市东湖区揭发路88号";
const ACCUSED: &str = "990102-zjj";
const ACC_TITLE: &str = "检举住建局违规审批加建";
/// Accounts of the accused unit: the demo handler and two made here.
const ACCUSED_ACCOUNTS: [&str; 3] = ["handler.donghu.zjj", "intake.zjj", "coord.zjj"];

fn needles(number: &str, id: &str) -> Vec<String> {
    let mut v: Vec<String> = [NAME, PHONE, ID_NUMBER, ADDRESS, "揭发路", ACC_TITLE]
        .iter()
        .map(|s| s.to_string())
        .collect();
    v.push(mask_name(NAME));
    v.push(mask_address(ADDRESS));
    v.push(format!("{}****{}", &PHONE[..3], &PHONE[7..]));
    v.push(format!(
        "{}***********{}",
        &ID_NUMBER[..3],
        &ID_NUMBER[14..]
    ));
    v.push(number.to_string());
    v.push(id.to_string());
    v
}

/// The accuser's identity strings alone (for the hotline order the unit may know the case).
fn identity() -> Vec<String> {
    needles("", "")
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect()
}

struct Probe<'a> {
    app: &'a TestApp,
    who: String,
    client: reqwest::Client,
    token: Option<String>,
    seen: Vec<(String, String)>,
}

impl Probe<'_> {
    /// GETs a path; keeps the headers and the body (XLSX read back as cell text).
    async fn get(&mut self, path: &str) -> (u16, String) {
        let mut req = self.client.get(format!("{}{path}", self.app.base));
        if let Some(t) = &self.token
            && path.starts_with("/api/")
        {
            req = req.bearer_auth(t);
        }
        let r = req.send().await.expect("get");
        self.keep(path, r).await
    }

    async fn post_json(&mut self, path: &str, body: Value) -> (u16, String) {
        let mut req = self
            .client
            .post(format!("{}{path}", self.app.base))
            .json(&body);
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        let r = req.send().await.expect("post");
        self.keep(path, r).await
    }

    async fn post_form(&mut self, path: &str, form: &[(&str, &str)]) -> (u16, String) {
        let form = serde_urlencoded::to_string(form).expect("encode");
        let r = self
            .app
            .post_form_with_csrf(&self.client, path, &form)
            .await;
        self.keep(path, r).await
    }

    async fn keep(&mut self, path: &str, r: reqwest::Response) -> (u16, String) {
        let status = r.status().as_u16();
        assert!(status < 500, "{} {path}: {status}", self.who);
        let headers = format!("{:?}", r.headers());
        let xlsx = r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|c| c.contains("spreadsheetml"));
        let bytes = r.bytes().await.unwrap_or_default();
        let text = if xlsx {
            xlsx_text(&bytes)
        } else {
            String::from_utf8_lossy(&bytes).into_owned()
        };
        self.seen
            .push((format!("{path} [headers]"), unecho(&headers, path)));
        self.seen.push((path.to_string(), unecho(&text, path)));
        (status, text)
    }

    fn assert_absent(&self, needles: &[String]) {
        let mut leaks = Vec::new();
        for (path, text) in &self.seen {
            for n in needles {
                if text.contains(n.as_str()) {
                    leaks.push(format!("{} {path}: {n}", self.who));
                }
            }
        }
        assert!(
            leaks.is_empty(),
            "the accuser leaked:\n{}",
            leaks.join("\n")
        );
    }
}

/// The response without what merely echoes the request (the path in the language switch and
/// the sign-in link, a search box keeping its query): the visitor typed those themselves.
fn unecho(text: &str, path: &str) -> String {
    let mut out = text.replace(&urlenc(path), "");
    out = out
        .replace(path, "")
        .replace(&path.replace('&', "&amp;"), "");
    if let Some((_, query)) = path.split_once('?') {
        for (_, v) in serde_urlencoded::from_str::<Vec<(String, String)>>(query).unwrap_or_default()
        {
            if !v.is_empty() {
                out = out.replace(&v, "").replace(&urlenc(&v), "");
            }
        }
    }
    out
}

/// Every cell of every sheet as text: an export is searched the way a person reads it.
fn xlsx_text(bytes: &[u8]) -> String {
    use calamine::{Reader, Xlsx};
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("xlsx opens");
    let mut out = String::new();
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name).expect("sheet");
        for row in range.rows() {
            for cell in row {
                out.push_str(&cell.to_string());
                out.push('\t');
            }
            out.push('\n');
        }
    }
    assert!(!out.is_empty(), "an export has at least its header row");
    out
}

/// Same-site links of a page worth following: GET pages, no sign-out, no language switch, no
/// stream.
fn links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["href=\"", "hx-get=\""] {
        for (at, _) in html.match_indices(attr) {
            let rest = &html[at + attr.len()..];
            let Some(end) = rest.find('"') else { continue };
            let href = rest[..end].replace("&amp;", "&");
            let href = href.split('#').next().unwrap_or("").to_string();
            if href.starts_with('/')
                && !href.starts_with("//")
                && !href.starts_with("/static/")
                && !href.starts_with("/lang/")
                && !href.contains("/stream")
                && !href.contains("logout")
            {
                out.push(href);
            }
        }
    }
    out
}

async fn add_unit_user(app: &TestApp, username: &str, role: &str) {
    let admin = app.login("admin").await;
    let (s, b) = app
        .post(
            "/api/v1/admin/users",
            Some(&admin),
            &json!({"username": username, "display_name": format!("住建局 {username}"),
                    "password": minsheng_server::demo::DEMO_PASSWORD, "role": role,
                    "unit": ACCUSED}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
}

/// Opens the live alert stream as `user`; returns the streaming response.
async fn open_stream(app: &TestApp, user: &str) -> reqwest::Response {
    let token = app.login(user).await;
    let r = plain_client()
        .get(format!("{}/staff/alerts/stream", app.base))
        .bearer_auth(token)
        .send()
        .await
        .expect("stream");
    assert_eq!(r.status(), 200, "{user} opens the stream");
    r
}

/// Reads a stream until `marker` has arrived; returns everything read.
async fn read_until(mut r: reqwest::Response, marker: &str) -> String {
    let mut text = String::new();
    while !text.contains(marker) {
        match r.chunk().await.expect("stream chunk") {
            Some(c) => text.push_str(&String::from_utf8_lossy(&c)),
            None => panic!("stream ended before the marker: {text}"),
        }
    }
    text
}

async fn accuser_is_absent_for_the_accused_unit(app: &TestApp) {
    add_unit_user(app, "intake.zjj", "intake").await;
    add_unit_user(app, "coord.zjj", "coordinator").await;

    // The accused unit listens to the alert stream before anything happens.
    let mut streams = Vec::new();
    for user in ACCUSED_ACCOUNTS {
        streams.push((user, open_stream(app, user).await));
    }
    let office_stream = open_stream(app, "coord.donghu").await;

    let coord = app.login("coord.donghu").await;
    // An ordinary matter of the bureau, which it may see (the probe must find something); made
    // first, so the accusation's number is not the first of the day that pages use as an example.
    let (own_id, _, own) = app
        .register(
            "intake.donghu",
            &new_case("appeal", "letter", "13800002222"),
        )
        .await;
    app.ok(
        &coord,
        &own_id,
        json!({"command": "transfer", "to_unit": ACCUSED, "mode": "transfer"}),
    )
    .await;
    let own_no = own["number"].as_str().expect("number").to_string();

    // The accusation, registered by the petition office and sent to the discipline body.
    let mut acc = new_case("accusation", "letter", PHONE);
    acc["title"] = json!(ACC_TITLE);
    acc["request"] = json!("请查处住建局违规审批加建的问题");
    acc["facts_reasons"] =
        json!("住建局违规为翠湖苑加建审批，我多次反映无果，再不处理我就去市政府楼顶跳楼。");
    acc["accused_unit"] = json!(ACCUSED);
    acc["about_officials"] = json!(true);
    acc["petitioner"] = json!({"name": NAME, "phone": PHONE, "id_number": ID_NUMBER,
                               "address": ADDRESS});
    let (acc_id, _, view) = app.register("intake.donghu", &acc).await;
    let acc_no = view["number"].as_str().expect("number").to_string();
    app.ok(
        &coord,
        &acc_id,
        json!({"command": "transfer", "to_unit": "990102-jw", "mode": "transfer"}),
    )
    .await;

    // The same person complains about the bureau on the hotline; the order goes to the bureau.
    let mut complaint = new_case("complaint", "hotline_12345", PHONE);
    complaint["title"] = json!("投诉住建局窗口态度差");
    complaint["request"] = json!("请对窗口工作人员进行批评教育");
    complaint["accused_unit"] = json!(ACCUSED);
    complaint["petitioner"] = json!({"name": NAME, "phone": PHONE, "id_number": ID_NUMBER,
                                     "address": ADDRESS});
    let (order_id, _, order) = app.register("hotline.linjiang", &complaint).await;
    let order_no = order["number"].as_str().expect("number").to_string();
    let operator = app.login("hotline.linjiang").await;
    app.ok(
        &operator,
        &order_id,
        json!({"command": "dispatch", "to_unit": ACCUSED}),
    )
    .await;

    // A sentinel alert about the bureau itself closes each stream read.
    let (sentinel, _) = minsheng_server::alerts::raise(
        &app.state,
        AlertDraft {
            rule: AlertRule::RiskLexicon,
            level: 2,
            key: "accuser-test-sentinel".into(),
            evidence: Evidence::default(),
        },
        Some("990102".into()),
        Some(ACCUSED.into()),
        Utc::now(),
    )
    .await
    .expect("sentinel alert");
    let sentinel = sentinel.alert.id.to_string();

    let sup = app.login("supervisor").await;
    let (_, all_alerts) = app.get("/api/v1/alerts", Some(&sup)).await;
    let alert_ids: Vec<String> = all_alerts
        .as_array()
        .expect("alerts")
        .iter()
        .filter_map(|a| a["alert"]["id"].as_str().map(str::to_string))
        .collect();
    let acc_alert = all_alerts
        .as_array()
        .expect("alerts")
        .iter()
        .find(|a| {
            a["alert"]["rule"] == "risk_lexicon"
                && a["alert"]["evidence"]["cases"] == json!([acc_id.clone()])
        })
        .and_then(|a| a["alert"]["id"].as_str())
        .unwrap_or_else(|| {
            panic!("the risk phrase raised an alert on the accusation: {all_alerts}")
        })
        .to_string();

    let all = {
        let mut n = needles(&acc_no, &acc_id);
        n.push(acc_alert.clone());
        n
    };
    let ident = identity();

    // The office sees the alert on its stream: the stream check can detect presence.
    let office_text = read_until(office_stream, &acc_alert).await;
    assert!(office_text.contains(&acc_alert));

    for (user, stream) in streams {
        let text = read_until(stream, &sentinel).await;
        for n in &all {
            assert!(
                !text.contains(n.as_str()),
                "{user}: stream carried {n}: {text}"
            );
        }
    }

    for user in ACCUSED_ACCOUNTS {
        let client = app.web_client(Some(user)).await;
        let mut p = Probe {
            app,
            who: user.to_string(),
            client,
            token: Some(app.login(user).await),
            seen: Vec::new(),
        };
        // Direct guesses of the id and the number, on every case path.
        for key in [&acc_id, &acc_no] {
            for path in [
                format!("/api/v1/cases/{key}"),
                format!("/api/v1/cases/{key}/events"),
                format!("/staff/cases/{key}"),
                format!("/staff/cases/{key}/typical"),
            ] {
                let (s, _) = p.get(&path).await;
                assert!(matches!(s, 403 | 404), "{user} {path}: {s}");
            }
            for doc in [
                "acceptance",
                "non-acceptance",
                "extension",
                "opinion",
                "review",
            ] {
                let (s, _) = p.get(&format!("/staff/cases/{key}/documents/{doc}")).await;
                assert!(matches!(s, 403 | 404), "{user} document {doc}: {s}");
            }
            for field in ["name", "phone", "id_number", "address"] {
                let (s, _) = p
                    .post_json(
                        &format!("/api/v1/cases/{key}/reveal"),
                        json!({"field": field, "purpose": "核实情况"}),
                    )
                    .await;
                assert!(matches!(s, 403 | 404), "{user} reveal: {s}");
                let (s, _) = p
                    .post_form(
                        &format!("/staff/cases/{key}/reveal"),
                        &[("field", field), ("purpose", "核实情况")],
                    )
                    .await;
                assert!(matches!(s, 403 | 404), "{user} reveal page: {s}");
            }
        }
        // The caller look-up by the accuser's phone (where the role may use it).
        p.post_json("/api/v1/petitioners/lookup", json!({"phone": PHONE}))
            .await;
        p.post_form("/staff/intake/history", &[("phone", PHONE)])
            .await;
        // Lists with every filter that could single the accusation out, and the downloads.
        let mut pages = vec![
            "/api/v1/cases?limit=200".to_string(),
            "/api/v1/cases?kind=accusation&limit=200".into(),
            "/api/v1/cases?status=awaiting_acceptance&limit=200".into(),
            "/api/v1/cases?unit=990102-jw&limit=200".into(),
            "/api/v1/cases?region=990102&limit=200".into(),
            "/api/v1/cases?topic=010101&limit=200".into(),
            "/api/v1/cases?channel=letter&limit=200".into(),
            "/api/v1/cases?sort=due&limit=200".into(),
            "/staff".into(),
            "/staff?kind=accusation".into(),
            "/staff?kind=accusation&format=csv".into(),
            "/staff?kind=accusation&format=xlsx".into(),
            "/staff?format=csv".into(),
            "/staff?format=xlsx".into(),
            "/staff/dashboard".into(),
            "/staff/dashboard?period=year".into(),
            "/staff/reports/annual".into(),
            "/staff/alerts".into(),
            "/api/v1/alerts".into(),
            "/staff/supervision".into(),
            "/staff/held".into(),
            "/staff/suggest".into(),
            "/staff/suggest/board".into(),
            "/staff/kb".into(),
            "/kb".into(),
            "/open".into(),
            "/suggest".into(),
            "/".into(),
        ];
        for q in [
            NAME,
            PHONE,
            ID_NUMBER,
            &PHONE[7..],
            "审批",
            "揭发路",
            "跳楼",
        ] {
            let enc = urlenc(q);
            pages.push(format!("/staff/search?q={enc}"));
            pages.push(format!("/staff/search?q={enc}&format=csv"));
            pages.push(format!("/staff/search?q={enc}&format=xlsx"));
            pages.push(format!("/kb?q={enc}"));
        }
        for id in &alert_ids {
            pages.push(format!("/staff/alerts/{id}"));
            pages.push(format!("/api/v1/alerts/{id}"));
        }
        for key in [&acc_id, &acc_no, &order_id, &order_no] {
            for ext in ["json", "xml"] {
                pages.push(format!("/open311/v2/requests/{key}.{ext}"));
            }
        }
        for ext in ["json", "xml"] {
            for q in [
                "",
                "?status=open",
                "?status=closed",
                "?service_code=010101",
                "?start_date=2020-01-01T00:00:00Z",
                &format!("?service_request_id={acc_id},{order_id},{acc_no}"),
            ] {
                pages.push(format!("/open311/v2/requests.{ext}{q}"));
            }
        }
        // Crawl: every page above and every same-site link of every page reached.
        let mut queue: VecDeque<String> = pages.into_iter().collect();
        let mut visited = BTreeSet::new();
        while let Some(path) = queue.pop_front() {
            if !visited.insert(path.clone()) || visited.len() > 400 {
                continue;
            }
            let (_, body) = p.get(&path).await;
            for l in links(&body) {
                if !visited.contains(&l) {
                    queue.push_back(l);
                }
            }
        }
        // The probe reaches the unit's own case (it could see a case if one were there).
        let reached: String = p.seen.iter().map(|(_, t)| t.as_str()).collect();
        if user == "handler.donghu.zjj" {
            assert!(reached.contains(&own_no), "{user} sees its own case");
            assert!(reached.contains(&order_no), "{user} sees the hotline order");
        }
        let mut forbidden = all.clone();
        forbidden.extend(ident.iter().cloned());
        p.assert_absent(&forbidden);
    }

    // The reverse check: the petition office reaches the accusation and, through the audited
    // reveal, each identity string; the same probe finds them.
    let client = app.web_client(Some("coord.donghu")).await;
    let mut p = Probe {
        app,
        who: "coord.donghu".into(),
        client,
        token: Some(coord.clone()),
        seen: Vec::new(),
    };
    let (s, _) = p.get(&format!("/staff/cases/{acc_no}")).await;
    assert_eq!(s, 200);
    p.get("/staff?kind=accusation&format=xlsx").await;
    for (field, value) in [
        ("name", NAME),
        ("phone", PHONE),
        ("id_number", ID_NUMBER),
        ("address", ADDRESS),
    ] {
        let (s, body) = p
            .post_json(
                &format!("/api/v1/cases/{acc_id}/reveal"),
                json!({"field": field, "purpose": "回访联系"}),
            )
            .await;
        assert_eq!(s, 200, "{body}");
        assert!(body.contains(value), "{body}");
    }
    let seen: String = p.seen.iter().map(|(_, t)| t.as_str()).collect();
    for n in [&acc_no, &mask_name(NAME), NAME, PHONE, ID_NUMBER, ADDRESS] {
        assert!(seen.contains(n as &str), "the office's probe finds {n}");
    }
    let (_, events) = app
        .get(&format!("/api/v1/cases/{acc_id}/events"), Some(&coord))
        .await;
    let reveals = events
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["type"] == "personal_data_revealed")
        .count();
    assert_eq!(reveals, 4, "each reveal is an audited event");
}
crate::both!(accuser_is_absent_for_the_accused_unit);
