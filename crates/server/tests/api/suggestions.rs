//! People's suggestions (人民建议征集) through HTTP: campaigns, submission and screening, every
//! transition, deadlines, public support with verified phones, the scoreboard, the pages' role
//! table and bad input. Every test runs on SQLite and PostgreSQL.

use crate::harness::{TestApp, assert_error};
use chrono::{Duration, Utc};
use minsheng_core::calendar::Calendar;
use minsheng_core::deadline::local_date;
use minsheng_core::policy::Policy;
use minsheng_core::suggestion::workflow::{SuggestionDeadline, due};
use minsheng_core::suggestion::{SuggestionState, support::network_key};
use serde_json::{Value, json};
use std::net::{IpAddr, Ipv4Addr};

const OFFICE: &str = "990102-xfj";

pub fn today() -> chrono::NaiveDate {
    local_date(Utc::now())
}

/// Opens a campaign as coord.donghu; returns its id.
pub async fn open_campaign(app: &TestApp, kind: &str) -> String {
    let t = app.login("coord.donghu").await;
    let (s, b) = app
        .post(
            "/api/v1/campaigns",
            Some(&t),
            &json!({
                "kind": kind,
                "title": "老旧小区加装电梯意见征集",
                "explanation": "为推进老旧小区加装电梯工作，现向社会公开征集意见建议。",
                "channels": ["online", "letter"],
                "opens_on": today().to_string(),
                "closes_on": (today() + Duration::days(30)).to_string(),
                "office_unit": OFFICE,
            }),
        )
        .await;
    assert_eq!(s, 201, "open campaign: {b}");
    b["id"].as_str().expect("id").to_string()
}

pub fn suggestion_body(campaign: Option<&str>, phone: &str) -> Value {
    let mut v = json!({
        "title": "关于完善老旧小区加装电梯补贴政策的建议",
        "reason": "全区老旧小区居民老龄化程度高，加装电梯意愿强，但审批环节多、补贴标准不清。",
        "proposal": "建议建立加装电梯一站式审批机制，明确补贴标准，并公开办理进度。",
        "topic": "010101",
        "region": "990102001001",
        "suggester": {"name": "王建言", "phone": phone, "address": "临江市东湖区翠湖苑1栋"}
    });
    if let Some(c) = campaign {
        v["campaign"] = json!(c);
    }
    v
}

/// Submits online as a citizen; returns (number, query code, body).
pub async fn submit(app: &TestApp, body: &Value) -> (String, String, Value) {
    let (s, b) = app.post("/api/v1/public/suggestions", None, body).await;
    assert_eq!(s, 201, "submit: {b}");
    (
        b["number"].as_str().expect("number").to_string(),
        b["query_code"].as_str().expect("code").to_string(),
        b,
    )
}

pub async fn cmd(app: &TestApp, token: &str, id: &str, c: Value) -> (u16, Value) {
    app.post(
        &format!("/api/v1/suggestions/{id}/commands"),
        Some(token),
        &c,
    )
    .await
}

pub async fn ok(app: &TestApp, token: &str, id: &str, c: Value) -> Value {
    let r = cmd(app, token, id, c.clone()).await;
    assert_eq!(r.0, 200, "command {c} → {}", r.1);
    r.1
}

fn state(v: &Value) -> SuggestionState {
    serde_json::from_value(v["suggestion"].clone()).expect("suggestion state")
}

/// Takes a suggestion from submission through assessment and forwarding to `units`.
pub async fn forwarded(app: &TestApp, number: &str, units: &[&str], important: bool) {
    let t = app.login("coord.donghu").await;
    ok(
        app,
        &t,
        number,
        json!({"command": "accept", "note": "属于公共政策建议"}),
    )
    .await;
    ok(
        app,
        &t,
        number,
        json!({"command": "assess", "important": important, "opinion": "具有可行性，转相关部门研究"}),
    )
    .await;
    ok(
        app,
        &t,
        number,
        json!({"command": "forward", "units": units, "note": "请研究办理"}),
    )
    .await;
}

/// Every transition from submission to reward, with deadlines and visibility.
async fn lifecycle(app: &TestApp) {
    let campaign = open_campaign(app, "themed").await;
    let (number, code, b) = submit(app, &suggestion_body(Some(&campaign), "13700001234")).await;
    assert_eq!(b["status"], "registered", "{b}");
    assert!(number.starts_with("JY"), "{number}");
    let coord = app.login("coord.donghu").await;

    // Screening deadline while registered.
    let (s, v) = app
        .get(&format!("/api/v1/suggestions/{number}"), Some(&coord))
        .await;
    assert_eq!(s, 200, "{v}");
    let st = state(&v);
    let policy = Policy::shipped().for_chain(&["990000", "990100", "990102"]);
    let cal = Calendar::shipped();
    let screening = due(&st, SuggestionDeadline::Screening, None, &policy, &cal).expect("due");
    assert_eq!(v["deadlines"][0]["kind"], "screening", "{v}");
    assert_eq!(
        v["deadlines"][0]["due"],
        json!(screening.due),
        "screening due as core computes it"
    );
    assert_eq!(st.suggester.name_masked, "王**", "suggester masked");
    assert!(!v.to_string().contains("13700001234"), "no clear phone");

    // The expert pool and a panel.
    for (id, name) in [("e1", "李教授"), ("e2", "张研究员"), ("e3", "赵工程师")] {
        let (s, b) = app
            .post(
                "/api/v1/suggestions/experts",
                Some(&coord),
                &json!({"id": id, "name": name, "fields": ["城建"]}),
            )
            .await;
        assert_eq!(s, 201, "{b}");
    }
    ok(app, &coord, &number, json!({"command": "accept"})).await;
    let v = ok(
        app,
        &coord,
        &number,
        json!({"command": "draw_panel", "size": 2, "seed": 7, "field": "城建"}),
    )
    .await;
    let panel = &v["suggestion"]["panel"]["experts"];
    assert_eq!(panel.as_array().map(Vec::len), Some(2), "{v}");
    let first = panel[0]["id"].as_str().expect("expert").to_string();
    ok(
        app,
        &coord,
        &number,
        json!({"command": "record_expert_opinion", "expert_id": first, "recommendation": "adopt", "opinion": "建议采纳"}),
    )
    .await;
    let v = ok(
        app,
        &coord,
        &number,
        json!({"command": "assess", "important": true, "opinion": "重要建议，转住建、人社研究"}),
    )
    .await;
    assert_eq!(v["suggestion"]["status"], "assessed");
    let v = ok(
        app,
        &coord,
        &number,
        json!({"command": "forward", "units": ["990102-zjj", "990102-rsj"]}),
    )
    .await;
    assert_eq!(v["suggestion"]["status"], "forwarded");
    let st = state(&v);
    let answer_due = due(
        &st,
        SuggestionDeadline::Answer,
        Some("990102-zjj"),
        &policy,
        &cal,
    )
    .expect("answer due");
    let shown: Vec<&Value> = v["deadlines"]
        .as_array()
        .expect("deadlines")
        .iter()
        .filter(|d| d["unit"] == "990102-zjj")
        .collect();
    assert_eq!(shown[0]["due"], json!(answer_due.due), "{v}");

    // An extension moves that unit's deadline by its days.
    let v = ok(
        app,
        &coord,
        &number,
        json!({"command": "extend", "unit": "990102-zjj", "days": 30, "approver": "东湖区政府 刘副区长", "reason": "需要测算补贴资金"}),
    )
    .await;
    let st = state(&v);
    let extended = due(
        &st,
        SuggestionDeadline::Answer,
        Some("990102-zjj"),
        &policy,
        &cal,
    )
    .expect("extended");
    assert!(
        extended.due > answer_due.due,
        "extension moves the deadline"
    );

    // A handler of another district cannot see it; the units answer.
    let other = app.login("handler.xicheng.zjj").await;
    let r = app
        .get(&format!("/api/v1/suggestions/{number}"), Some(&other))
        .await;
    assert_error(&r, 404, "not_found");
    let zjj = app.login("handler.donghu.zjj").await;
    let v = ok(
        app,
        &zjj,
        &number,
        json!({"command": "answer", "outcome": "adopted", "reply": "将出台加装电梯一站式审批办法"}),
    )
    .await;
    assert_eq!(
        v["suggestion"]["status"], "forwarded",
        "one unit still to answer"
    );
    let rsj = app.login("handler.donghu.rsj").await;
    let r = cmd(
        app,
        &rsj,
        &number,
        json!({"command": "answer", "outcome": "not_adopted", "reply": "不属于本部门职责"}),
    )
    .await;
    assert_error(&r, 422, "reason_required");
    let v = ok(
        app,
        &rsj,
        &number,
        json!({"command": "answer", "outcome": "not_adopted", "reply": "不属于本部门职责", "reason": "补贴资金不由人社部门管理"}),
    )
    .await;
    assert_eq!(v["suggestion"]["status"], "answered");
    assert_eq!(v["suggestion"]["outcome"], "partly_adopted");
    assert_eq!(v["deadlines"][0]["kind"], "feedback");

    // Conversion by the unit that adopted it; a unit that refused may not.
    let r = cmd(
        app,
        &rsj,
        &number,
        json!({"command": "record_conversion", "route": "law_policy", "reference": "东政办〔2026〕12号"}),
    )
    .await;
    assert!(r.0 == 403 || r.0 == 422, "{r:?}");
    ok(
        app,
        &zjj,
        &number,
        json!({"command": "record_conversion", "route": "law_policy", "reference": "东政办〔2026〕12号", "summary": "出台加装电梯办法"}),
    )
    .await;
    let v = ok(
        app,
        &coord,
        &number,
        json!({"command": "give_feedback", "mode": "individual", "content": "您的建议已被部分采纳，并转化为东政办〔2026〕12号文件。"}),
    )
    .await;
    assert_eq!(v["suggestion"]["status"], "concluded");
    let year = today().format("%Y").to_string();
    let r = cmd(
        app,
        &coord,
        &number,
        json!({"command": "award", "cycle": "1999", "tier": "first"}),
    )
    .await;
    assert_error(&r, 422, "wrong_award_cycle");
    let v = ok(
        app,
        &coord,
        &number,
        json!({"command": "award", "cycle": year, "tier": "first", "citation": "优秀人民建议"}),
    )
    .await;
    assert_eq!(v["suggestion"]["reward"]["amount_yuan"], 3000);
    let r = cmd(
        app,
        &coord,
        &number,
        json!({"command": "award", "cycle": year, "tier": "first"}),
    )
    .await;
    assert_error(&r, 422, "already_rewarded");

    // The suggester sees the outcome; a wrong phone gets nothing.
    let r = app
        .post(
            "/api/v1/public/suggestions/track",
            None,
            &json!({"query_code": code, "phone_last4": "0000"}),
        )
        .await;
    assert_error(&r, 404, "not_found");
    let (s, t) = app
        .post(
            "/api/v1/public/suggestions/track",
            None,
            &json!({"query_code": code, "phone_last4": "1234"}),
        )
        .await;
    assert_eq!(s, 200, "{t}");
    assert_eq!(t["status"], "concluded");
    assert_eq!(t["outcome"], "partly_adopted");
    assert!(t["feedback"].as_str().unwrap_or("").contains("部分采纳"));
    assert_eq!(t["conversions"][0]["reference"], "东政办〔2026〕12号");
    assert!(
        !t.to_string().contains("李教授") && !t.to_string().contains("专家评审"),
        "panel is internal: {t}"
    );

    // The event log is hash-chained, and tampering shows.
    let id = state(&v).id;
    assert_eq!(
        app.state.store.verify_suggestion(id).await.expect("verify"),
        Ok(())
    );
    app.raw_sql(&format!(
        "UPDATE suggestion_events SET payload = replace(payload, '东政办', '西政办') WHERE suggestion_id = '{id}'"
    ))
    .await;
    assert!(
        app.state
            .store
            .verify_suggestion(id)
            .await
            .expect("verify")
            .is_err()
    );
}
crate::both!(lifecycle);

/// Withdrawal, manual redirect and the not-allowed table at the HTTP edge.
async fn other_transitions(app: &TestApp) {
    let coord = app.login("coord.donghu").await;
    let (a, _, _) = submit(app, &suggestion_body(None, "13700002222")).await;
    let v = ok(
        app,
        &coord,
        &a,
        json!({"command": "redirect", "kind": "personal_request", "reason": "属于个人具体诉求，转12345热线办理"}),
    )
    .await;
    assert_eq!(v["suggestion"]["status"], "redirected");
    let r = cmd(app, &coord, &a, json!({"command": "accept"})).await;
    assert_error(&r, 409, "not_allowed_in_state");

    // The suggester withdraws before forwarding; not with a wrong phone.
    let (w, wcode, _) = submit(app, &suggestion_body(None, "13700003434")).await;
    let r = app
        .post(
            "/api/v1/public/suggestions/withdraw",
            None,
            &json!({"query_code": wcode, "phone_last4": "0000", "reason": "不想提了"}),
        )
        .await;
    assert_error(&r, 404, "not_found");
    let (s, t) = app
        .post(
            "/api/v1/public/suggestions/withdraw",
            None,
            &json!({"query_code": wcode, "phone_last4": "3434", "reason": "问题已解决"}),
        )
        .await;
    assert_eq!(s, 200, "{t}");
    assert_eq!(t["status"], "withdrawn");
    let r = cmd(app, &coord, &w, json!({"command": "accept"})).await;
    assert_error(&r, 409, "not_allowed_in_state");

    let (b, _, _) = submit(app, &suggestion_body(None, "13700003333")).await;
    let r = cmd(
        app,
        &coord,
        &b,
        json!({"command": "forward", "units": ["990102-zjj"]}),
    )
    .await;
    assert_error(&r, 409, "not_allowed_in_state");
    ok(app, &coord, &b, json!({"command": "accept"})).await;
    let v = ok(
        app,
        &coord,
        &b,
        json!({"command": "withdraw", "reason": "建议人撤回"}),
    )
    .await;
    assert_eq!(v["suggestion"]["status"], "withdrawn");

    // A handler cannot run office commands; intake cannot answer.
    let (c, _, _) = submit(app, &suggestion_body(None, "13700004444")).await;
    forwarded(app, &c, &["990102-zjj"], false).await;
    let h = app.login("handler.donghu.zjj").await;
    let r = cmd(
        app,
        &h,
        &c,
        json!({"command": "give_feedback", "mode": "individual", "content": "x"}),
    )
    .await;
    assert_eq!(r.0, 409, "{r:?}");
    let r = cmd(
        app,
        &h,
        &c,
        json!({"command": "publish", "summary": "公开征求意见"}),
    )
    .await;
    assert_error(&r, 403, "forbidden");
    // Publishing by the office, then the public answer.
    ok(
        app,
        &coord,
        &c,
        json!({"command": "publish", "summary": "建议建立加装电梯一站式审批机制"}),
    )
    .await;
    let v = ok(
        app,
        &coord,
        &c,
        json!({"command": "publish_public_answer", "content": "已研究，正在制定办法，将于年内出台。"}),
    )
    .await;
    assert!(v["suggestion"]["public_answer"].is_string());
}
crate::both!(other_transitions);

/// A personal request is recognised, the citizen is told why, and the hand-off registers a
/// case in the hotline flow once.
async fn personal_request_redirect(app: &TestApp) {
    let mut body = suggestion_body(None, "13700005555");
    body["title"] = json!("楼道灯坏了");
    body["reason"] = json!("我家楼道的灯坏了一个月，物业一直不修。");
    body["proposal"] = json!("请帮我尽快修好，并赔偿我摔伤的医药费。");
    let before = app.case_count().await;
    let (number, code, b) = submit(app, &body).await;
    assert_eq!(b["status"], "redirected", "{b}");
    assert_eq!(b["redirected_to"], "hotline");
    assert!(
        b["redirect_reason_zh"]
            .as_str()
            .unwrap_or("")
            .contains("个人诉求"),
        "{b}"
    );
    assert!(!b["redirect_reason_en"].as_str().unwrap_or("").is_empty());
    assert_eq!(app.case_count().await, before, "no case without consent");

    let req = json!({"query_code": code, "phone_last4": "5555"});
    let (s, h) = app
        .post("/api/v1/public/suggestions/handoff", None, &req)
        .await;
    assert_eq!(s, 200, "{h}");
    let case_number = h["case_number"].as_str().expect("case").to_string();
    assert_eq!(app.case_count().await, before + 1);
    let (_, again) = app
        .post("/api/v1/public/suggestions/handoff", None, &req)
        .await;
    assert_eq!(again["case_number"], case_number, "the same case again");
    assert_eq!(app.case_count().await, before + 1);
    let t = app.login("admin").await;
    let (_, case) = app
        .get(&format!("/api/v1/cases/{case_number}"), Some(&t))
        .await;
    assert_eq!(case["flow"], "hotline", "{case}");

    // A litigation-type matter goes to the petition flow.
    let mut body = suggestion_body(None, "13700006666");
    body["title"] = json!("法院判决执行问题");
    body["reason"] = json!("（2025）东民初123号判决书生效后对方不履行，我已申请再审和仲裁。");
    body["proposal"] = json!("要求法院立案执行。");
    let (_, _, b) = submit(app, &body).await;
    assert_eq!(b["status"], "redirected", "{b}");
    assert_eq!(b["redirected_to"], "petition");

    // Through the pages: the reason shown, the hand-off button registers the case.
    let web = app.web_client(None).await;
    let html = web
        .post(format!("{}/suggest/new", app.base))
        .form(&[
            ("title", "楼道灯坏了"),
            ("reason", "我家楼道的灯坏了一个月，物业一直不修。"),
            ("proposal", "请帮我尽快修好。"),
            ("topic", "010101"),
            ("region", "990102001001"),
            ("name", "刘小华"),
            ("phone", "13700008181"),
        ])
        .send()
        .await
        .expect("post")
        .text()
        .await
        .expect("html");
    assert!(
        html.contains("redirect-reason") && html.contains("个人诉求"),
        "{html}"
    );
    let qc = html
        .split("id=\"query-code\">")
        .nth(1)
        .and_then(|x| x.split('<').next())
        .expect("query code on the page")
        .to_string();
    let html = web
        .post(format!("{}/suggest/handoff", app.base))
        .form(&[("query_code", qc.as_str()), ("phone_last4", "8181")])
        .send()
        .await
        .expect("handoff")
        .text()
        .await
        .expect("html");
    assert!(html.contains("case-query-code"), "{html}");

    // A suggestion proper cannot be handed off.
    let (_, code, _) = submit(app, &suggestion_body(None, "13700007777")).await;
    let r = app
        .post(
            "/api/v1/public/suggestions/handoff",
            None,
            &json!({"query_code": code, "phone_last4": "7777"}),
        )
        .await;
    assert_error(&r, 400, "not_redirected");
    let _ = number;
}
crate::both!(personal_request_redirect);

/// Reads the last support code sent to a phone from the outbox.
async fn code_for(app: &TestApp, phone: &str) -> String {
    let p = minsheng_core::petitioner::Phone::parse(phone).expect("phone");
    let msgs = app
        .state
        .store
        .support_messages(&app.state.store.phone_index(&p))
        .await
        .expect("outbox");
    let m = msgs.first().expect("a message was sent");
    let i = m.find("验证码").expect("code in message") + "验证码".len();
    m[i..].chars().take(6).collect()
}

async fn published_suggestion(app: &TestApp, phone: &str) -> (String, uuid::Uuid) {
    let coord = app.login("coord.donghu").await;
    let (number, _, _) = submit(app, &suggestion_body(None, phone)).await;
    ok(app, &coord, &number, json!({"command": "accept"})).await;
    let v = ok(
        app,
        &coord,
        &number,
        json!({"command": "publish", "summary": "建议建立加装电梯一站式审批机制"}),
    )
    .await;
    (number, state(&v).id)
}

/// One support per verified phone; wrong codes refused; the threshold appends its event.
async fn support_threshold(app: &TestApp) {
    // Not published: nothing to support.
    let (unpublished, _, _) = submit(app, &suggestion_body(None, "13700008888")).await;
    let coord = app.login("coord.donghu").await;
    let (_, v) = app
        .get(&format!("/api/v1/suggestions/{unpublished}"), Some(&coord))
        .await;
    let uid = state(&v).id;
    let r = app
        .post(
            &format!("/api/v1/public/suggestions/{uid}/code"),
            None,
            &json!({"phone": "13911110000"}),
        )
        .await;
    assert_error(&r, 404, "not_found");

    let (number, id) = published_suggestion(app, "13700009999").await;
    let path = |p: &str| format!("/api/v1/public/suggestions/{id}/{p}");
    let phone = "13911110001";
    let (s, b) = app
        .post(&path("code"), None, &json!({"phone": phone}))
        .await;
    assert_eq!(s, 202, "{b}");
    let r = app
        .post(
            &path("supports"),
            None,
            &json!({"phone": phone, "code": "000000x"}),
        )
        .await;
    assert_error(&r, 400, "invalid_code");
    let code = code_for(app, phone).await;
    let (s, b) = app
        .post(
            &path("supports"),
            None,
            &json!({"phone": phone, "code": code}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["supporters"], 1);
    // The code is spent, and the phone already supports.
    let r = app
        .post(
            &path("supports"),
            None,
            &json!({"phone": phone, "code": code}),
        )
        .await;
    assert_error(&r, 400, "invalid_code");
    let r = app
        .post(&path("code"), None, &json!({"phone": phone}))
        .await;
    assert_error(&r, 422, "already_supported");
    let stored = app
        .query_text("SELECT phone_hash FROM suggestion_supports")
        .await;
    assert!(
        stored.iter().all(|h| !h.contains("13911110001")),
        "phone kept only as a blind index"
    );

    // 98 more verified supporters from different networks, then the 100th through HTTP.
    let s0 = app
        .state
        .store
        .get_suggestion(id)
        .await
        .expect("load")
        .expect("exists");
    for i in 2..100u32 {
        let p = minsheng_core::petitioner::Phone::parse(&format!("1391111{i:04}")).expect("phone");
        let ip = IpAddr::V4(Ipv4Addr::new(10, (i / 200) as u8, (i % 200) as u8, 1));
        minsheng_server::suggest::support::add_verified(
            &app.state,
            s0.clone(),
            &app.state.store.phone_index(&p),
            ip,
            minsheng_server::service::now(),
        )
        .await
        .expect("support");
    }
    let (_, v) = app
        .get(&format!("/api/v1/suggestions/{number}"), Some(&coord))
        .await;
    assert!(
        v["suggestion"]["threshold_reached_at"].is_null(),
        "99 < 100"
    );
    let last = "13922220000";
    app.post(&path("code"), None, &json!({"phone": last})).await;
    let code = code_for(app, last).await;
    let (s, b) = app
        .post(
            &path("supports"),
            None,
            &json!({"phone": last, "code": code}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["supporters"], 100);
    assert_eq!(b["threshold_reached"], true);
    let (_, v) = app
        .get(&format!("/api/v1/suggestions/{number}"), Some(&coord))
        .await;
    assert_eq!(v["suggestion"]["supporters_at_threshold"], 100, "{v}");
    assert!(
        v["deadlines"]
            .as_array()
            .expect("deadlines")
            .iter()
            .any(|d| d["kind"] == "public_answer"),
        "a public answer is now due: {v}"
    );
    let (_, p) = app
        .get(&format!("/api/v1/public/suggestions/{id}"), None)
        .await;
    assert_eq!(p["supporters"], 100);
    assert!(
        !p.to_string().contains("王建言"),
        "no suggester on the public page"
    );
}
crate::both!(support_threshold);

/// Per-network rate limit, and the burst review list.
async fn support_rate_limits(app: &TestApp) {
    let (_, id) = published_suggestion(app, "13700001010").await;
    let s0 = app
        .state
        .store
        .get_suggestion(id)
        .await
        .expect("load")
        .expect("exists");
    let policy = Policy::shipped().for_chain(&[]);
    let p = &policy.suggestion.support;
    let net = |i: u32| IpAddr::V4(Ipv4Addr::new(203, 0, 113, (i % 250) as u8));
    for i in 0..p.per_network.max {
        let ph = minsheng_core::petitioner::Phone::parse(&format!("1380000{i:04}")).expect("phone");
        minsheng_server::suggest::support::add_verified(
            &app.state,
            s0.clone(),
            &app.state.store.phone_index(&ph),
            net(i),
            minsheng_server::service::now(),
        )
        .await
        .expect("within the network limit");
    }
    let ph = minsheng_core::petitioner::Phone::parse("13800009999").expect("phone");
    let r = minsheng_server::suggest::support::add_verified(
        &app.state,
        s0.clone(),
        &app.state.store.phone_index(&ph),
        net(7),
        minsheng_server::service::now(),
    )
    .await;
    assert!(
        matches!(
            r,
            Err(minsheng_server::error::ApiError::TooManyAttempts { .. })
        ),
        "61st support from one /24 refused"
    );
    assert_eq!(
        network_key(net(3), p),
        "203.0.113.0/24",
        "addresses grouped by network"
    );
    let coord = app.login("coord.donghu").await;
    let (s, b) = app
        .get("/api/v1/suggestions/supports/review", Some(&coord))
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b[0]["concentrated"], true, "{b}");
    assert_eq!(b[0]["top_network"], "203.0.113.0/24");
    let h = app.login("handler.donghu.zjj").await;
    let r = app
        .get("/api/v1/suggestions/supports/review", Some(&h))
        .await;
    assert_error(&r, 403, "forbidden");
}
crate::both!(support_rate_limits);

/// The weighted score from policy weights, by hand.
async fn weighted_score(app: &TestApp) {
    let policy = Policy::shipped().for_chain(&[]);
    let w = &policy.suggestion.assessment_score;
    use minsheng_core::suggestion::ScoreComponent as C;
    assert_eq!(
        (
            w.weights[&C::Received],
            w.weights[&C::Adoption],
            w.weights[&C::ImportantAdoption],
            w.weights[&C::Conversion],
            w.weights[&C::FeedbackTimeliness]
        ),
        (20, 30, 20, 15, 15)
    );
    let coord = app.login("coord.donghu").await;
    let zjj = app.login("handler.donghu.zjj").await;
    // A: important, adopted, converted, feedback on time.
    let (a, _, _) = submit(app, &suggestion_body(None, "13700001111")).await;
    forwarded(app, &a, &["990102-zjj"], true).await;
    ok(
        app,
        &zjj,
        &a,
        json!({"command": "answer", "outcome": "adopted", "reply": "同意采纳该建议"}),
    )
    .await;
    ok(app, &coord, &a, json!({"command": "record_conversion", "route": "people_benefit", "reference": "惠民实事2026-3"})).await;
    ok(
        app,
        &coord,
        &a,
        json!({"command": "give_feedback", "mode": "individual", "content": "您的建议已被采纳"}),
    )
    .await;
    // B: not important, not adopted, feedback on time.
    let (b, _, _) = submit(app, &suggestion_body(None, "13700002221")).await;
    forwarded(app, &b, &["990102-zjj"], false).await;
    ok(app, &zjj, &b, json!({"command": "answer", "outcome": "not_adopted", "reply": "暂不采纳", "reason": "条件不成熟"})).await;
    ok(
        app,
        &coord,
        &b,
        json!({"command": "give_feedback", "mode": "individual", "content": "您的建议暂不采纳"}),
    )
    .await;

    let (s, v) = app
        .get("/api/v1/suggestions/scoreboard", Some(&coord))
        .await;
    assert_eq!(s, 200, "{v}");
    let office = v["offices"]
        .as_array()
        .expect("offices")
        .iter()
        .find(|r| r["id"] == OFFICE)
        .expect("office row")
        .clone();
    // received 20×2/100 = 0.4; adoption 30×1/2 = 15; important 20×1/1 = 20;
    // conversion 15×1/10 = 1.5; feedback 15×2/2 = 15 → 51.9.
    assert_eq!(office["assessment"]["points_micro"], 51_900_000, "{office}");
    assert_eq!(office["rank"], 1);
    assert_eq!(office["counts"]["received"], 2);
    assert_eq!(v["total"]["assessment"]["points_micro"], 51_900_000);
    let county = v["regions"]
        .as_array()
        .expect("regions")
        .iter()
        .find(|r| r["id"] == "990102")
        .expect("county row");
    assert_eq!(county["counts"]["accepted"], 2);
    // A year with nothing in it.
    let (_, v) = app
        .get(
            "/api/v1/suggestions/scoreboard?from=1999&to=1999",
            Some(&coord),
        )
        .await;
    assert_eq!(v["total"]["counts"]["received"], 0);
}
crate::both!(weighted_score);

/// A targeted campaign takes only invited advisers through their personal link.
async fn targeted_campaign(app: &TestApp) {
    let campaign = open_campaign(app, "targeted").await;
    let coord = app.login("coord.donghu").await;
    let (s, b) = app
        .post(
            &format!("/api/v1/campaigns/{campaign}/commands"),
            Some(&coord),
            &json!({"command": "invite_adviser", "adviser_id": "adv-01", "display_name": "周建筑师"}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let link = b["link"].as_str().expect("link").to_string();
    let token = link.rsplit('/').next().expect("token").to_string();
    assert!(
        !b["campaign"].to_string().contains(&token),
        "only the hash is kept"
    );
    let stored = app.query_text("SELECT payload FROM campaign_events").await;
    assert!(
        stored.iter().all(|p| !p.contains(&token)),
        "no token in the log"
    );

    // Without or with a wrong token: refused.
    let r = app
        .post(
            "/api/v1/public/suggestions",
            None,
            &suggestion_body(Some(&campaign), "13700003131"),
        )
        .await;
    assert_error(&r, 422, "not_invited");
    let mut body = suggestion_body(Some(&campaign), "13700003131");
    body["adviser_token"] = json!(token);
    let (number, _, _) = submit(app, &body).await;
    let (_, v) = app
        .get(&format!("/api/v1/suggestions/{number}"), Some(&coord))
        .await;
    assert_eq!(v["suggestion"]["adviser"], "adv-01");
    assert_eq!(v["suggestion"]["campaign_kind"], "targeted");
    // The personal link opens the campaign page.
    let web = app.web_client(None).await;
    let r = web
        .get(format!("{}{link}", app.base))
        .send()
        .await
        .expect("link");
    assert_eq!(r.status(), 200);
    // Revoked: the link and the token stop working.
    let (s, b) = app
        .post(
            &format!("/api/v1/campaigns/{campaign}/commands"),
            Some(&coord),
            &json!({"command": "revoke_invitation", "adviser_id": "adv-01", "reason": "调离"}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let r = app.post("/api/v1/public/suggestions", None, &body).await;
    assert_error(&r, 422, "not_invited");
    let r = web
        .get(format!("{}{link}", app.base))
        .send()
        .await
        .expect("link");
    assert_eq!(r.status(), 404);

    // A closed campaign takes nothing more; its collective answer feeds back collectively.
    let themed = open_campaign(app, "themed").await;
    let (n, _, _) = submit(app, &suggestion_body(Some(&themed), "13700004141")).await;
    let (s, _) = app
        .post(
            &format!("/api/v1/campaigns/{themed}/commands"),
            Some(&coord),
            &json!({"command": "close", "reason": "征集目标已完成"}),
        )
        .await;
    assert_eq!(s, 200);
    let r = app
        .post(
            "/api/v1/public/suggestions",
            None,
            &suggestion_body(Some(&themed), "13700004142"),
        )
        .await;
    assert_error(&r, 422, "campaign_not_open");
    let (s, b) = app
        .post(
            &format!("/api/v1/campaigns/{themed}/commands"),
            Some(&coord),
            &json!({"command": "publish_answer", "content": "本次征集共收到建议若干条，已吸收进加装电梯办法。"}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    forwarded(app, &n, &["990102-zjj"], false).await;
    let zjj = app.login("handler.donghu.zjj").await;
    ok(
        app,
        &zjj,
        &n,
        json!({"command": "answer", "outcome": "reference_only", "reply": "留作参考"}),
    )
    .await;
    let v = ok(
        app,
        &coord,
        &n,
        json!({"command": "give_feedback", "mode": "collective"}),
    )
    .await;
    assert!(
        v["suggestion"]["feedback"]["content"]
            .as_str()
            .unwrap_or("")
            .contains("本次征集")
    );
}
crate::both!(targeted_campaign);

/// Bad input is a 4xx with a code and both messages, and changes nothing.
async fn bad_input(app: &TestApp) {
    let r = app
        .post_raw("/api/v1/public/suggestions", None, "{not json")
        .await;
    assert_error(&r, 400, "invalid_json");
    let mut b = suggestion_body(None, "13700005151");
    b["title"] = json!("x");
    let r = app.post("/api/v1/public/suggestions", None, &b).await;
    assert_eq!(r.0, 422, "{:?}", r.1);
    let mut b = suggestion_body(None, "13700005151");
    b["suggester"]["phone"] = json!("12");
    let r = app.post("/api/v1/public/suggestions", None, &b).await;
    assert_eq!(r.0, 422, "{:?}", r.1);
    let mut b = suggestion_body(None, "13700005151");
    b["office_unit"] = json!("990102-zjj");
    let r = app.post("/api/v1/public/suggestions", None, &b).await;
    assert_error(&r, 400, "online_only");
    let r = app
        .post(
            "/api/v1/public/suggestions",
            None,
            &suggestion_body(Some(&uuid::Uuid::nil().to_string()), "13700005151"),
        )
        .await;
    assert_eq!(r.0, 422, "{:?}", r.1);
    let r = app
        .post(
            "/api/v1/public/suggestions/track",
            None,
            &json!({"query_code": "bad", "phone_last4": "1"}),
        )
        .await;
    assert_eq!(r.0, 422, "{:?}", r.1);
    let coord = app.login("coord.donghu").await;
    let (n, _, _) = submit(app, &suggestion_body(None, "13700005151")).await;
    let r = cmd(app, &coord, &n, json!({"command": "fly"})).await;
    assert_error(&r, 400, "invalid_command");
    let r = cmd(app, &coord, &n, json!({"command": "submit"})).await;
    assert_error(&r, 400, "invalid_command");
    let r = cmd(app, &coord, "no-such-thing", json!({"command": "accept"})).await;
    assert_error(&r, 404, "not_found");
    let (s, _) = app
        .post(
            &format!("/api/v1/campaigns/{}/commands", uuid::Uuid::nil()),
            Some(&coord),
            &json!({"command": "close", "reason": "x"}),
        )
        .await;
    assert_eq!(s, 404);
    let c = open_campaign(app, "targeted").await;
    let (s, b) = app
        .post(
            &format!("/api/v1/campaigns/{c}/commands"),
            Some(&coord),
            &json!({"command": "invite_adviser", "adviser_id": "a", "display_name": "b", "token_hash": "abc"}),
        )
        .await;
    assert_eq!(s, 400, "a client never chooses a token: {b}");
    let (s, b) = app
        .post(
            "/api/v1/campaigns",
            Some(&coord),
            &json!({"kind": "themed", "title": "标题标题", "explanation": "说明说明说明说明说明", "channels": ["online"],
                    "opens_on": today().to_string(), "closes_on": (today() - Duration::days(1)).to_string(), "office_unit": OFFICE}),
        )
        .await;
    assert_eq!(s, 422, "closing before opening: {b}");
    let h = app.login("handler.donghu.zjj").await;
    let (s, _) = app
        .post(
            "/api/v1/campaigns",
            Some(&h),
            &json!({"kind": "themed", "title": "标题标题", "explanation": "说明说明说明说明说明", "channels": ["online"],
                    "opens_on": today().to_string(), "closes_on": today().to_string(), "office_unit": OFFICE}),
        )
        .await;
    assert_eq!(s, 403);
    let r = app.get("/api/v1/suggestions", None).await;
    assert_eq!(r.0, 401);
    let r = app
        .get("/api/v1/suggestions?status=flying", Some(&coord))
        .await;
    assert_eq!(r.0, 422, "{:?}", r.1);
    let (s, list) = app.get("/api/v1/suggestions", Some(&coord)).await;
    assert_eq!(s, 200, "{list}");
    assert_eq!(
        list.as_array().map(Vec::len),
        Some(1),
        "only the valid one was stored"
    );
}
crate::both!(bad_input);

/// Who may open which suggestion page; forms refused change nothing; user text is escaped;
/// the scoreboard downloads.
async fn pages_by_role(app: &TestApp) {
    let campaign = open_campaign(app, "themed").await;
    let mut body = suggestion_body(Some(&campaign), "13700006161");
    body["title"] = json!("<script>alert(1)</script>加装电梯建议");
    let (number, code, _) = submit(app, &body).await;
    let (_, id) = published_suggestion(app, "13700006262").await;
    let staff_page = format!("/staff/suggest/{number}");
    let camp_staff = format!("/staff/suggest/campaigns/{campaign}");
    let camp_public = format!("/suggest/campaigns/{campaign}");
    let published = format!("/suggest/s/{id}");
    let table: &[(Option<&str>, &str, u16)] = &[
        (None, "/suggest", 200),
        (None, &camp_public, 200),
        (None, "/suggest/campaigns/not-an-id", 404),
        (None, "/suggest/new", 200),
        (None, "/suggest/track", 200),
        (None, &published, 200),
        (None, "/suggest/s/00000000-0000-0000-0000-000000000000", 404),
        (None, "/suggest/invite/nope", 404),
        (None, "/staff/suggest", 303),
        (None, "/staff/suggest/board", 303),
        (None, &staff_page, 303),
        (Some("handler.donghu.zjj"), "/staff/suggest", 200),
        (Some("handler.donghu.zjj"), "/staff/suggest/board", 200),
        (
            Some("handler.donghu.zjj"),
            "/staff/suggest/campaigns/new",
            403,
        ),
        (Some("handler.donghu.zjj"), "/staff/suggest/experts", 403),
        (Some("handler.donghu.zjj"), &staff_page, 404),
        (Some("intake.donghu"), "/staff/suggest/campaigns/new", 403),
        (Some("intake.donghu"), &staff_page, 200),
        (Some("coord.donghu"), "/staff/suggest", 200),
        (Some("coord.donghu"), "/staff/suggest/campaigns/new", 200),
        (Some("coord.donghu"), "/staff/suggest/experts", 200),
        (Some("coord.donghu"), &staff_page, 200),
        (Some("coord.donghu"), &camp_staff, 200),
        (Some("handler.xicheng.zjj"), &staff_page, 404),
        (Some("supervisor"), &staff_page, 200),
        (Some("supervisor"), "/staff/suggest/experts", 200),
        (Some("supervisor"), "/staff/suggest/campaigns/new", 403),
        (Some("admin"), "/staff/suggest/board", 200),
    ];
    for (user, path, want) in table {
        let c = app.web_client(*user).await;
        assert_eq!(app.page(&c, path).await.0, *want, "{user:?} GET {path}");
    }

    // User text is escaped on the staff page and the tracking page.
    let coord = app.web_client(Some("coord.donghu")).await;
    let html = coord
        .get(format!("{}{staff_page}", app.base))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(!html.contains("<script>alert(1)"), "escaped on staff page");
    assert!(
        html.contains("alert(1)&#60;/script&#62;") || html.contains("alert(1)&lt;/script&gt;"),
        "shown as text"
    );
    let anon = app.web_client(None).await;
    let html = anon
        .post(format!("{}/suggest/track", app.base))
        .form(&[("query_code", code.as_str()), ("phone_last4", "6161")])
        .send()
        .await
        .expect("track")
        .text()
        .await
        .expect("html");
    assert!(html.contains("加装电梯建议"), "tracked");
    assert!(!html.contains("<script>alert(1)"));

    // A handler's office action is refused and changes nothing.
    let h = app.web_client(Some("handler.donghu.zjj")).await;
    let r = h
        .post(format!("{}/staff/suggest/{number}/act", app.base))
        .form(&[("command", "accept"), ("note", "x")])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 404);
    let r = coord
        .post(format!("{}/staff/suggest/{number}/act", app.base))
        .form(&[("command", "forward")])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 409, "forward while registered");
    let t = app.login("coord.donghu").await;
    let (_, v) = app
        .get(&format!("/api/v1/suggestions/{number}"), Some(&t))
        .await;
    assert_eq!(v["suggestion"]["status"], "registered");
    // A bad form on the public side is shown again with the message, not stored.
    let r = anon
        .post(format!("{}/suggest/new", app.base))
        .form(&[
            ("title", "x"),
            ("reason", "短"),
            ("proposal", "短"),
            ("topic", "010101"),
            ("region", "990102001001"),
            ("name", "李四"),
            ("phone", "13700009191"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("html").contains("form-error"));

    // Downloads of the league tables.
    let r = coord
        .get(format!(
            "{}/staff/suggest/board?table=offices&format=csv",
            app.base
        ))
        .send()
        .await
        .expect("csv");
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.expect("csv body");
    assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "CSV with a BOM");
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("东湖区信访局"), "{text}");
    let r = coord
        .get(format!(
            "{}/staff/suggest/board?table=regions&format=xlsx",
            app.base
        ))
        .send()
        .await
        .expect("xlsx");
    assert_eq!(r.status(), 200);
    assert!(
        r.bytes().await.expect("xlsx").starts_with(b"PK"),
        "an XLSX zip"
    );
}
crate::both!(pages_by_role);

/// The demo data has campaigns of each kind and suggestions in every state, all chains intact.
async fn demo_covers_every_state(app: &TestApp) {
    let d = minsheng_server::demo::seed_suggestions(&app.state)
        .await
        .expect("demo suggestions");
    assert_eq!(d.campaigns, 6);
    assert_eq!(d.adviser_links.len(), 4);
    let all = app
        .state
        .store
        .suggestions_page(None, 1000)
        .await
        .expect("all");
    assert_eq!(all.len(), d.suggestions);
    for status in minsheng_core::suggestion::SuggestionStatus::ALL {
        assert!(
            all.iter().any(|s| s.status == *status),
            "no demo suggestion is {status:?}"
        );
    }
    assert!(all.iter().any(|s| s.reward.is_some()));
    assert!(all.iter().any(|s| s.threshold_reached_at.is_some()));
    assert!(all.iter().any(|s| s.panel.is_some()));
    assert!(all.iter().any(|s| s.adviser.is_some()));
    for s in &all {
        assert_eq!(
            app.state
                .store
                .verify_suggestion(s.id)
                .await
                .expect("verify"),
            Ok(()),
            "{}",
            s.number
        );
    }
    let coord = app.login("coord.donghu").await;
    let (_, v) = app
        .get("/api/v1/suggestions/scoreboard", Some(&coord))
        .await;
    assert_eq!(v["offices"].as_array().map(Vec::len), Some(2), "{v}");
}
crate::both!(demo_covers_every_state);
