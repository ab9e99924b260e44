//! CSRF tokens (signed double-submit cookie, bound to the session): every state-changing web
//! route refuses a post without the token, with a wrong one, or with another browser's, with a
//! 403 and nothing stored; with the right token it does its normal work. The first visit gets
//! the cookie, every form carries the token, the JSON API asks cookie-signed writes for the
//! header, and behind HTTPS the cookies are Secure. Both backends.

use crate::harness::{TestApp, WebSession, meta_csrf_token, new_case, plain_client, web_client_on};
use crate::suggestions::{ok as suggestion_ok, open_campaign, submit, suggestion_body};
use minsheng_server::demo::DEMO_PASSWORD;
use reqwest::cookie::Jar;
use serde_json::{Value, json};
use std::sync::Arc;

/// Posts `form` as `browser`, adding `token` as the `csrf_token` field when given.
async fn post_as(
    app: &TestApp,
    browser: &WebSession,
    path: &str,
    form: &[(&str, String)],
    token: Option<&str>,
) -> (u16, String) {
    let mut fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    if let Some(t) = token {
        fields.push(("csrf_token", t));
    }
    app.post_form(&browser.client, path, &fields).await
}

/// Every row of every table, sorted: equal snapshots mean nothing was stored or changed.
async fn snapshot(app: &TestApp) -> Vec<String> {
    let mut out = Vec::new();
    app.state.store.backup(&mut out).await.expect("backup");
    let text = String::from_utf8(out).expect("utf-8");
    let mut lines: Vec<String> = text
        .lines()
        .skip(1) // the header, with its creation time
        .filter(|l| !l.contains("\"end\":true"))
        .map(str::to_string)
        .collect();
    lines.sort();
    lines
}

/// The rows one snapshot has and the other lacks (empty when nothing changed).
fn changed(before: &[String], after: &[String]) -> Vec<String> {
    let gone = before
        .iter()
        .filter(|l| !after.contains(l))
        .map(|l| format!("- {l}"));
    let new = after
        .iter()
        .filter(|l| !before.contains(l))
        .map(|l| format!("+ {l}"));
    gone.chain(new).collect()
}

fn form(pairs: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    pairs.iter().map(|(k, v)| (*k, v.to_string())).collect()
}

/// One state-changing web route: who posts what, and the normal answer with the right token.
struct Route {
    user: Option<&'static str>,
    path: String,
    form: Vec<(&'static str, String)>,
    status: u16,
    /// Whether the normal answer stores something (reads like tracking store nothing).
    changes: bool,
}

fn route(
    user: Option<&'static str>,
    path: impl Into<String>,
    form: Vec<(&'static str, String)>,
    status: u16,
    changes: bool,
) -> Route {
    Route {
        user,
        path: path.into(),
        form,
        status,
        changes,
    }
}

/// Registers a case and brings it to "opinion issued"; returns (id, number, query code).
async fn answered_case(app: &TestApp, phone: &str) -> (String, String, String) {
    let (id, code, case) = app
        .register("intake.donghu", &new_case("appeal", "phone", phone))
        .await;
    app.answered_by_housing(&id).await;
    let number = case["number"].as_str().expect("number").to_string();
    (id, number, code)
}

/// Two adverts held by the spam screen; returns their ids from the review queue.
async fn held_ids(app: &TestApp) -> Vec<String> {
    for phone in ["13800000711", "13800000712"] {
        let mut b = new_case("appeal", "online", phone);
        let o = b.as_object_mut().expect("object");
        o.remove("office_unit");
        o.insert("title".into(), json!("百家乐真人荷官 注册送彩金"));
        o.insert(
            "request".into(),
            json!("官方网址 www.bjl777.vip 首存送100%，加微信 bjl777"),
        );
        let (s, r) = app.post("/api/v1/public/cases", None, &b).await;
        assert_eq!(s, 202, "held: {r}");
    }
    let coord = app.web_client(Some("coord.donghu")).await;
    let (_, ids) = app.held_queue(&coord).await;
    assert_eq!(ids.len(), 2, "{ids:?}");
    ids
}

/// Every POST route of the web router (crates/server/src/web/mod.rs and web/suggest/mod.rs).
async fn every_state_changing_route(app: &TestApp) -> Vec<Route> {
    let (_, number_a, code_a) = {
        let (id, code, case) = app
            .register("intake.donghu", &new_case("appeal", "phone", "13800007701"))
            .await;
        (id, case["number"].as_str().expect("n").to_string(), code)
    };
    let (_, number_b, _) = answered_case(app, "13800007702").await;
    let (_, _, code_c) = answered_case(app, "13800007703").await;
    let held = held_ids(app).await;
    let callback = app
        .state
        .store
        .record_missed_call(
            &minsheng_core::petitioner::Phone::parse("13800007709").expect("phone"),
            "csrf-1",
            None,
            chrono::Utc::now(),
        )
        .await
        .expect("missed call")
        .id;
    // A risk phrase raises an alert for the supervisor.
    let mut risky = new_case("appeal", "phone", "13800007704");
    risky["facts_reasons"] = json!("补偿款拖了三年一直不给，再不解决我明天就去市政府楼顶跳楼。");
    risky["topic"] = json!("0102");
    app.register("intake.donghu", &risky).await;
    let sup = app.login("supervisor").await;
    let (_, alerts) = app.get("/api/v1/alerts", Some(&sup)).await;
    let alert = alerts
        .as_array()
        .and_then(|l| l.iter().find(|a| a["alert"]["rule"] == "risk_lexicon"))
        .and_then(|a| a["alert"]["id"].as_str())
        .expect("risk alert")
        .to_string();
    // Suggestions: one registered, one redirected to the petition channel, one published,
    // and a campaign.
    let campaign = open_campaign(app, "themed").await;
    let (s_registered, s_code, _) = submit(app, &suggestion_body(None, "13700007701")).await;
    let mut court = suggestion_body(None, "13700007702");
    court["title"] = json!("法院判决执行问题");
    court["reason"] = json!("（2025）东民初123号判决书生效后对方不履行，我已申请再审和仲裁。");
    court["proposal"] = json!("要求法院立案执行。");
    let (_, court_code, b) = submit(app, &court).await;
    assert_eq!(b["status"], "redirected", "{b}");
    let coord = app.login("coord.donghu").await;
    let (s_published, _, _) = submit(app, &suggestion_body(None, "13700007703")).await;
    suggestion_ok(app, &coord, &s_published, json!({"command": "accept"})).await;
    let v = suggestion_ok(
        app,
        &coord,
        &s_published,
        json!({"command": "publish", "summary": "建议建立加装电梯一站式审批机制"}),
    )
    .await;
    let published_id = v["suggestion"]["id"]
        .as_str()
        .expect("suggestion id")
        .to_string();
    let today = chrono::Utc::now().date_naive();
    let (opens, closes) = (
        today.to_string(),
        (today + chrono::Duration::days(30)).to_string(),
    );
    let case_form = |extra: &[(&'static str, &str)]| {
        let mut f = form(&[
            ("kind", "appeal"),
            ("topic", "010101"),
            ("title", "翠湖苑电梯停运两个月"),
            ("request", "请求尽快修复翠湖苑3栋电梯"),
            ("facts_reasons", "电梯停运两个月，多次报修无果。"),
            ("region", "990102001001"),
            ("address", "翠湖社区翠湖苑3栋"),
            ("name", "李秀英"),
        ]);
        f.extend(form(extra));
        f
    };
    let track = |code: &str, last4: &str| form(&[("query_code", code), ("phone_last4", last4)]);
    let (grid_a, grid_b) = grid_cases(app).await;

    vec![
        // The citizen portal.
        route(
            None,
            "/submit",
            case_form(&[("phone", "13912340001")]),
            200,
            true,
        ),
        route(None, "/track", track(&code_a, "7701"), 200, false),
        route(
            None,
            "/track/act",
            [
                track(&code_c, "7703"),
                form(&[("action", "rate"), ("rating", "satisfied"), ("comment", "")]),
            ]
            .concat(),
            200,
            true,
        ),
        // Signing in and out.
        route(
            None,
            "/staff/login",
            form(&[
                ("username", "coord.linjiang"),
                ("password", DEMO_PASSWORD),
                ("next", "/staff"),
            ]),
            303,
            true,
        ),
        route(Some("coord.donghu"), "/staff/logout", vec![], 303, true),
        // Case work.
        route(
            Some("coord.donghu"),
            format!("/staff/cases/{number_a}/act"),
            form(&[
                ("command", "transfer"),
                ("to_unit", "990102-zjj"),
                ("mode", "transfer"),
                ("note", ""),
            ]),
            200,
            true,
        ),
        route(
            Some("coord.donghu"),
            format!("/staff/cases/{number_a}/reveal"),
            form(&[("field", "phone"), ("purpose", "回访核实")]),
            200,
            true,
        ),
        route(
            Some("supervisor"),
            format!("/staff/cases/{number_b}/typical"),
            form(&[
                ("title", "电梯停运问题得到解决"),
                ("outcome", "supported"),
                (
                    "summary",
                    "某小区电梯停运两个月，群众多次反映。区住建局受理后责令物业公司限期修复，并督促落实电梯安全评估，电梯已恢复运行。",
                ),
            ]),
            303,
            true,
        ),
        route(
            Some("supervisor"),
            format!("/staff/cases/{number_b}/typical/withdraw"),
            vec![],
            303,
            true,
        ),
        // Intake.
        route(
            Some("intake.donghu"),
            "/staff/intake",
            case_form(&[("channel", "phone"), ("phone", "13912340002")]),
            200,
            true,
        ),
        route(
            Some("intake.donghu"),
            "/staff/intake/history",
            form(&[("phone", "13800007701")]),
            200,
            false,
        ),
        route(
            Some("intake.donghu"),
            "/staff/intake/preview",
            case_form(&[("channel", "phone"), ("phone", "13912340003")]),
            200,
            false,
        ),
        // Alerts and supervision.
        route(
            Some("supervisor"),
            format!("/staff/alerts/{alert}/act"),
            form(&[("command", "acknowledge"), ("note", "")]),
            303,
            true,
        ),
        route(
            Some("supervisor"),
            "/staff/supervision/act",
            form(&[
                ("command", "assign_leader"),
                ("case", &number_a),
                ("leader", "王建国"),
                ("post", "东湖区副区长"),
            ]),
            303,
            true,
        ),
        // The spam screen's review queue.
        route(
            Some("coord.donghu"),
            format!("/staff/held/{}/release", held[0]),
            vec![],
            303,
            true,
        ),
        route(
            Some("coord.donghu"),
            format!("/staff/held/{}/reject", held[1]),
            vec![],
            303,
            true,
        ),
        // The missed-call callback list.
        route(
            Some("intake.donghu"),
            format!("/staff/callbacks/{callback}/done"),
            form(&[("outcome", "已回拨")]),
            303,
            true,
        ),
        // Administration.
        route(
            Some("admin"),
            "/staff/admin/users",
            form(&[
                ("username", "new.officer"),
                ("display_name", "新同事"),
                ("password", "a-long-enough-password"),
                ("role", "intake"),
                ("unit", "990102-xfj"),
            ]),
            303,
            true,
        ),
        route(
            Some("admin"),
            "/staff/admin/users/active",
            form(&[("username", "intake.linjiang"), ("active", "0")]),
            303,
            true,
        ),
        route(
            Some("admin"),
            "/staff/admin/units",
            form(&[
                ("id", "990102-sw"),
                ("name_zh", "东湖区水务局"),
                ("name_en", "Donghu Water Bureau"),
                ("kind", "department"),
                ("region", "990102"),
            ]),
            303,
            true,
        ),
        route(
            Some("admin"),
            "/staff/admin/dispatch",
            form(&[
                ("region", "990102"),
                ("topic", "010102"),
                ("unit", "990102-zjj"),
            ]),
            303,
            true,
        ),
        // The knowledge base.
        route(
            Some("handler.donghu.zjj"),
            "/staff/kb/save",
            form(&[
                ("title", "电梯报修指南"),
                (
                    "body",
                    "住宅电梯停运，先向物业服务企业报修；物业不处理的，可向区住建局反映。",
                ),
                ("owner_unit", "990102-zjj"),
                ("valid_from", "2026-01-01"),
                ("valid_until", ""),
                ("state", "published"),
            ]),
            303,
            true,
        ),
        // People's suggestions, public side.
        route(
            None,
            "/suggest/new",
            form(&[
                ("title", "关于增设社区老年食堂的建议"),
                (
                    "reason",
                    "社区独居老人多，做饭不便，附近没有价格合适的食堂。",
                ),
                (
                    "proposal",
                    "建议利用社区服务中心空置用房开设老年食堂，由街道补贴运营。",
                ),
                ("topic", "010101"),
                ("region", "990102001001"),
                ("name", "刘小华"),
                ("phone", "13700007709"),
            ]),
            200,
            true,
        ),
        route(None, "/suggest/track", track(&s_code, "7701"), 200, false),
        route(
            None,
            "/suggest/handoff",
            track(&court_code, "7702"),
            200,
            true,
        ),
        route(
            None,
            format!("/suggest/s/{published_id}/code"),
            form(&[("phone", "13700007710")]),
            200,
            true,
        ),
        // Without the texted code the normal answer is the page's own refusal.
        route(
            None,
            format!("/suggest/s/{published_id}/support"),
            form(&[("phone", "13700007711"), ("code", "000000")]),
            400,
            false,
        ),
        // People's suggestions, the office.
        route(
            Some("coord.donghu"),
            "/staff/suggest/experts",
            form(&[
                ("id", "expert-7701"),
                ("name", "张教授"),
                ("fields", "城建，养老"),
            ]),
            200,
            true,
        ),
        route(
            Some("coord.donghu"),
            "/staff/suggest/campaigns",
            form(&[
                ("kind", "themed"),
                ("title", "社区养老服务意见征集"),
                (
                    "explanation",
                    "为完善社区养老服务，现向社会公开征集意见建议。",
                ),
                ("channel:online", "on"),
                ("opens_on", &opens),
                ("closes_on", &closes),
            ]),
            303,
            true,
        ),
        route(
            Some("coord.donghu"),
            format!("/staff/suggest/campaigns/{campaign}/act"),
            form(&[("command", "close"), ("reason", "征集目标已达成")]),
            200,
            true,
        ),
        route(
            Some("coord.donghu"),
            format!("/staff/suggest/{s_registered}/act"),
            form(&[("command", "accept"), ("note", "")]),
            200,
            true,
        ),
        route(
            Some("grid.cuihu"),
            format!("/staff/grid/cases/{grid_a}/resolve"),
            form(&[("note", "当场协调物业修复")]),
            200,
            true,
        ),
        route(
            Some("grid.cuihu"),
            format!("/staff/grid/cases/{grid_b}/escalate"),
            form(&[("reason", "网格无法化解，上报街道")]),
            200,
            true,
        ),
        route(
            Some("admin"),
            "/staff/admin/grids",
            form(&[
                ("id", "songlin-01"),
                ("name", "松林社区第一网格"),
                ("region", "990102002001"),
                ("lat", "31.5"),
                ("lng", "114.5"),
                ("rings", "1"),
                ("keywords", "松林小区, 松林路"),
            ]),
            303,
            true,
        ),
        route(
            Some("admin"),
            "/staff/admin/grids/workers",
            form(&[("grid", "cuihu-01"), ("usernames", "")]),
            303,
            true,
        ),
    ]
}

/// A grid for 翠湖苑 served by grid.cuihu, and two matters in it; returns their numbers.
async fn grid_cases(app: &TestApp) -> (String, String) {
    app.cuihu_grid().await;
    let mut numbers = Vec::new();
    for phone in ["13800007721", "13800007722"] {
        let (_, _, case) = app
            .register("intake.donghu", &new_case("appeal", "visit", phone))
            .await;
        assert_eq!(case["grid"], "cuihu-01");
        numbers.push(case["number"].as_str().expect("number").to_string());
    }
    (numbers.remove(0), numbers.remove(0))
}

/// The photo upload form is multipart: its token travels as the form's first field (a
/// browser cannot set a header on a plain form post). Without it, or with a wrong one, the
/// upload is refused and nothing is stored.
async fn multipart_upload_needs_the_token(app: &TestApp) {
    let (number, _) = grid_cases(app).await;
    let a = app.web_session(Some("grid.cuihu")).await;
    let path = format!("/staff/grid/cases/{number}/visit");
    let body = |token: Option<&str>| {
        let mut b = String::new();
        if let Some(t) = token {
            b.push_str(&format!(
                "--XB\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{t}\r\n"
            ));
        }
        b.push_str(
            "--XB\r\nContent-Disposition: form-data; name=\"notes\"\r\n\r\n现场查看\r\n--XB--\r\n",
        );
        b
    };
    let before = snapshot(app).await;
    let wrong = blake3::hash(b"x").to_hex().to_string();
    for token in [None, Some(wrong.as_str())] {
        let r = a
            .client
            .post(format!("{}{path}", app.base))
            .header("content-type", "multipart/form-data; boundary=XB")
            .body(body(token))
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 403, "{token:?}");
    }
    assert!(changed(&before, &snapshot(app).await).is_empty());
    let r = a
        .client
        .post(format!("{}{path}", app.base))
        .header("content-type", "multipart/form-data; boundary=XB")
        .body(body(Some(&a.token)))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 200);
    assert!(!changed(&before, &snapshot(app).await).is_empty());
}
crate::both!(multipart_upload_needs_the_token);

/// The table: no token, a wrong token, another browser's token → 403 and nothing stored;
/// the right token → the route's normal answer.
async fn every_web_write_needs_the_token(app: &TestApp) {
    let routes = every_state_changing_route(app).await;
    for r in &routes {
        let a = app.web_session(r.user).await;
        let b = app.web_session(r.user).await;
        assert_ne!(a.token, b.token, "two browsers, two tokens");
        let before = snapshot(app).await;
        let wrong = blake3::hash(r.path.as_bytes()).to_hex().to_string();
        for (what, token) in [
            ("no token", None),
            ("a wrong token", Some(wrong.as_str())),
            ("another browser's token", Some(b.token.as_str())),
        ] {
            let (s, html) = post_as(app, &a, &r.path, &r.form, token).await;
            assert_eq!(s, 403, "{} with {what}: {html}", r.path);
            assert!(
                html.contains("请刷新页面后重试") && html.contains("<meta name=\"csrf-token\""),
                "{} with {what}: a page in the visitor's language: {html}",
                r.path
            );
        }
        // The same through the header, as htmx sends it.
        let r2 = a
            .client
            .post(format!("{}{}", app.base, r.path))
            .header("x-csrf-token", &b.token)
            .form(&r.form)
            .send()
            .await
            .expect("post");
        assert_eq!(r2.status(), 403, "{} with another browser's header", r.path);
        let diff = changed(&before, &snapshot(app).await);
        assert!(
            diff.is_empty(),
            "{}: a refused post changed {diff:#?}",
            r.path
        );
        let (s, html) = post_as(app, &a, &r.path, &r.form, Some(&a.token)).await;
        assert_eq!(s, r.status, "{} with the right token: {html}", r.path);
        assert_eq!(
            !changed(&before, &snapshot(app).await).is_empty(),
            r.changes,
            "{}: the normal answer stores {}",
            r.path,
            if r.changes { "something" } else { "nothing" }
        );
    }
    // Each POST route of the routers is in the table (a new route must be added to it).
    let mut listed: Vec<String> = routes
        .iter()
        .map(|r| r.path.split('/').take(3).collect::<Vec<_>>().join("/"))
        .collect();
    listed.dedup();
    for prefix in [
        "/submit",
        "/track",
        "/staff/login",
        "/staff/logout",
        "/staff/cases",
        "/staff/intake",
        "/staff/alerts",
        "/staff/supervision",
        "/staff/held",
        "/staff/admin",
        "/staff/kb",
        "/staff/callbacks",
        "/suggest/new",
        "/suggest/track",
        "/suggest/handoff",
        "/suggest/s",
        "/staff/suggest",
        "/staff/grid",
    ] {
        assert!(
            listed.iter().any(|l| l.starts_with(prefix)),
            "{prefix} is covered"
        );
    }
}
crate::both!(every_web_write_needs_the_token);

/// The first visit sets an HttpOnly, SameSite=Strict cookie; every page's head carries the
/// token and every form that posts carries it as a hidden field; a post from another site is
/// refused even with the right token; signing in changes the token.
async fn first_visit_cookie_and_forms(app: &TestApp) {
    let jar = Arc::new(Jar::default());
    let c = web_client_on(jar, None);
    let r = c
        .get(format!("{}/submit", app.base))
        .send()
        .await
        .expect("get");
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("ms_csrf="))
        .expect("a CSRF cookie on the first visit")
        .to_string();
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attr), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain HTTP here: {cookie}");
    let html = r.text().await.expect("html");
    let token = meta_csrf_token(&html).expect("meta tag");
    assert!(
        !token.is_empty() && !cookie.contains(&token),
        "the page carries a MAC, not the cookie's value"
    );
    // The cookie is set once: the next page does not set it again, and carries the same token.
    let r = c
        .get(format!("{}/track", app.base))
        .send()
        .await
        .expect("get");
    assert!(
        !r.headers()
            .get_all("set-cookie")
            .iter()
            .any(|v| v.as_bytes().starts_with(b"ms_csrf=")),
        "cookie kept"
    );
    assert_eq!(
        meta_csrf_token(&r.text().await.expect("html")).as_deref(),
        Some(token.as_str())
    );

    // A post without any cookie (a forged first contact) is refused.
    let before = snapshot(app).await;
    let r = plain_client()
        .post(format!("{}/track", app.base))
        .form(&[
            ("query_code", "ABCDEFGHJK"),
            ("phone_last4", "0000"),
            ("csrf_token", token.as_str()),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403);
    // Another site's page posting with our own token is refused by its Origin.
    let r = c
        .post(format!("{}/submit", app.base))
        .header("origin", "http://evil.example")
        .form(&[("title", "x"), ("csrf_token", token.as_str())])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403);
    assert!(r.text().await.expect("html").contains("跨站提交已被拒绝"));
    // An API-style client gets JSON.
    let r = c
        .post(format!("{}/submit", app.base))
        .header("accept", "application/json")
        .form(&[("title", "x")])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403);
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["code"], "csrf_token_invalid");
    assert!(body["message_zh"].as_str().is_some_and(|m| !m.is_empty()));
    assert!(body["message_en"].as_str().is_some_and(|m| !m.is_empty()));
    assert_eq!(changed(&before, &snapshot(app).await), Vec::<String>::new());

    // Every form that posts, on the pages each role opens, carries the page's token.
    let (_, number, _) = answered_case(app, "13800007801").await;
    let pages: &[(Option<&str>, &[&str])] = &[
        (
            None,
            &[
                "/",
                "/submit",
                "/track",
                "/suggest/new",
                "/suggest/track",
                "/staff/login",
            ],
        ),
        (
            Some("coord.donghu"),
            &[
                "/staff",
                "/staff/held",
                "/staff/suggest/experts",
                "/staff/suggest/campaigns/new",
                "/staff/intake",
            ],
        ),
        (Some("supervisor"), &["/staff/supervision", "/staff/kb/new"]),
        (Some("admin"), &["/staff/admin"]),
    ];
    let supervisor_case = format!("/staff/cases/{number}/typical");
    let handler_case = format!("/staff/cases/{number}");
    let more: &[(Option<&str>, &[&str])] = &[
        (Some("supervisor"), &[supervisor_case.as_str()]),
        (Some("handler.donghu.zjj"), &[handler_case.as_str()]),
    ];
    let mut forms_seen = 0;
    for (user, paths) in pages.iter().chain(more) {
        let c = app.web_session(*user).await;
        for path in *paths {
            let (_, html) = app.page(&c.client, path).await;
            let token = meta_csrf_token(&html).unwrap_or_else(|| panic!("{path}: meta tag"));
            assert_eq!(token, c.token, "{user:?} {path}: one token per session");
            let posting = html.matches("method=\"post\"").count();
            let carried = html
                .matches(&format!(
                    "<input type=\"hidden\" name=\"csrf_token\" value=\"{token}\">"
                ))
                .count();
            assert_eq!(posting, carried, "{user:?} {path}: every posting form");
            forms_seen += posting;
        }
    }
    assert!(forms_seen >= 15, "the pages hold forms: {forms_seen}");

    // Signing in starts a session, and pages signed out no longer vouch for posts.
    let b = app.web_session(None).await;
    let anonymous_token = b.token.clone();
    let r = b
        .client
        .post(format!("{}/staff/login", app.base))
        .form(&[
            ("username", "coord.donghu"),
            ("password", DEMO_PASSWORD),
            ("csrf_token", anonymous_token.as_str()),
        ])
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), 303);
    let signed_in = app.csrf_token(&b.client, "/staff/login").await;
    assert_ne!(signed_in, anonymous_token, "the token follows the session");
    let before = snapshot(app).await;
    let (s, _) = post_as(app, &b, "/staff/logout", &[], Some(&anonymous_token)).await;
    assert_eq!(s, 403, "a token from before signing in");
    assert_eq!(changed(&before, &snapshot(app).await), Vec::<String>::new());
    let (s, _) = post_as(app, &b, "/staff/logout", &[], Some(&signed_in)).await;
    assert_eq!(s, 303);
}
crate::both!(first_visit_cookie_and_forms);

/// The JSON API takes bearer tokens without CSRF tokens, but a write signed in only by the
/// browser's session cookie must carry the `X-CSRF-Token` header.
async fn api_writes_by_cookie_need_the_header(app: &TestApp) {
    let (id, _, _) = app
        .register("intake.donghu", &new_case("appeal", "phone", "13800007901"))
        .await;
    let coord = app.web_session(Some("coord.donghu")).await;
    let cmd = json!({"command": "transfer", "to_unit": "990102-zjj", "mode": "assign"});
    let url = format!("{}/api/v1/cases/{id}/commands", app.base);
    let before = snapshot(app).await;
    for token in [None, Some("0".repeat(64))] {
        let mut req = coord.client.post(&url).json(&cmd);
        if let Some(t) = &token {
            req = req.header("x-csrf-token", t);
        }
        let r = req.send().await.expect("post");
        assert_eq!(r.status(), 403, "{token:?}");
        let body: Value = r.json().await.expect("json");
        assert_eq!(body["code"], "csrf_token_invalid", "{body}");
    }
    // Reads by cookie need nothing.
    let r = coord
        .client
        .get(format!("{}/api/v1/cases/{id}", app.base))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 200);
    assert_eq!(
        changed(&before, &snapshot(app).await),
        Vec::<String>::new(),
        "refused writes changed nothing"
    );
    let r = coord
        .client
        .post(&url)
        .header("x-csrf-token", &coord.token)
        .json(&cmd)
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    // A bearer token needs no CSRF token: no browser attaches it by itself.
    let (id2, _, _) = app
        .register("intake.donghu", &new_case("appeal", "phone", "13800007902"))
        .await;
    let bearer = app.login("coord.donghu").await;
    app.ok(&bearer, &id2, cmd).await;
}
crate::both!(api_writes_by_cookie_need_the_header);

/// Behind HTTPS (`minsheng serve --secure-cookies`) the CSRF and session cookies are Secure.
async fn secure_cookies_behind_https(app: &TestApp) {
    let server = minsheng_server::Application::bind(
        "127.0.0.1:0",
        app.state.clone().with_secure_cookies(true),
    )
    .await
    .expect("bind");
    let base = format!("http://127.0.0.1:{}", server.port());
    tokio::spawn(server.run_until(std::future::pending()));
    let c = web_client_on(Arc::new(Jar::default()), None);
    let r = c
        .get(format!("{base}/staff/login"))
        .send()
        .await
        .expect("get");
    let csrf = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("ms_csrf="))
        .expect("csrf cookie")
        .to_string();
    assert!(csrf.ends_with("; Secure"), "{csrf}");
    let value = csrf
        .split(';')
        .next()
        .expect("pair")
        .trim_start_matches("ms_csrf=")
        .to_string();
    let token = meta_csrf_token(&r.text().await.expect("html")).expect("token");
    // The client will not send a Secure cookie over plain HTTP, so send it by hand.
    let r = minsheng_server::tls::client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .post(format!("{base}/staff/login"))
        .header("cookie", format!("ms_csrf={value}"))
        .form(&[
            ("username", "coord.donghu"),
            ("password", DEMO_PASSWORD),
            ("csrf_token", token.as_str()),
        ])
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), 303);
    let session = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("ms_session="))
        .expect("session cookie")
        .to_string();
    assert!(session.ends_with("; Secure"), "{session}");
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Strict"));
}
crate::both!(secure_cookies_behind_https);
