//! Citizen submission and tracking with the query code.

use crate::both;
use crate::harness::{TestApp, assert_error, new_case};
use serde_json::{Value, json};

const PHONE: &str = "13912345678";
const LAST4: &str = "5678";

/// An online submission: channel "online" and no receiving unit (the system picks it).
fn online(kind: &str) -> Value {
    new_case(kind, "online", PHONE)
}

/// Submits without signing in; asserts 201 and returns (case number, query code).
async fn submit(app: &TestApp, body: &Value) -> (String, String) {
    let (s, b) = app.post("/api/v1/public/cases", None, body).await;
    assert_eq!(s, 201, "{b}");
    let number = b["number"].as_str().expect("number").to_string();
    let code = b["query_code"].as_str().expect("query code").to_string();
    assert!(
        number.len() == 16 && number.as_bytes()[4] == b'-' && number.as_bytes()[9] == b'-',
        "case number like 2026-1126-000123: {number}"
    );
    assert_eq!(code.len(), 10, "{code}");
    assert!(b["declined_reason"].is_null(), "{b}");
    (number, code)
}

async fn track(app: &TestApp, code: &str, last4: &str) -> (u16, Value) {
    app.post(
        "/api/v1/public/track",
        None,
        &json!({"query_code": code, "phone_last4": last4}),
    )
    .await
}

/// A citizen action (rate, request_review, request_rereview) with the right phone digits.
async fn act(app: &TestApp, code: &str, mut action: Value) -> (u16, Value) {
    action["query_code"] = json!(code);
    if action.get("phone_last4").is_none() {
        action["phone_last4"] = json!(LAST4);
    }
    app.post("/api/v1/public/actions", None, &action).await
}

fn types(timeline: &Value) -> Vec<String> {
    timeline
        .as_array()
        .expect("timeline array")
        .iter()
        .map(|e| e["type"].as_str().expect("type").to_string())
        .collect()
}

/// The petition office transfers, the housing department accepts and issues its opinion.
async fn answer(app: &TestApp, number: &str) {
    let coord = app.login("coord.donghu").await;
    app.ok(
        &coord,
        number,
        json!({"command": "transfer", "to_unit": "990102-zjj", "mode": "transfer"}),
    )
    .await;
    let handler = app.login("handler.donghu.zjj").await;
    app.ok(
        &handler,
        number,
        json!({"command": "accept", "notice": "本机关已依法受理。"}),
    )
    .await;
    let c = app
        .ok(
            &handler,
            number,
            json!({"command": "issue_opinion", "request": "修复电梯",
            "facts_reasons": "经核实属实", "opinion": "责令物业三十日内修复",
            "legal_basis": "《物业管理条例》", "outcome": "support"}),
        )
        .await;
    assert_eq!(c["status"], "answered", "{c}");
}

/// A query code with one character changed (still well-formed).
fn other_code(code: &str) -> String {
    let first = if code.starts_with('A') { "B" } else { "A" };
    format!("{first}{}", &code[1..])
}

async fn online_submission_and_tracking(app: &TestApp) {
    let (number, code) = submit(app, &online("appeal")).await;

    let (s, t) = track(app, &code, LAST4).await;
    assert_eq!(s, 200, "{t}");
    assert_eq!(t["number"], number.as_str());
    assert_eq!(
        (&t["status"], &t["status_zh"], &t["status_en"]),
        (&json!("registered"), &json!("已登记"), &json!("Registered"))
    );
    assert_eq!(t["current_unit_zh"], "东湖区信访局", "{t}");
    assert_eq!(types(&t["timeline"]), ["registered"]);
    assert_eq!(t["deadlines"][0]["kind"], "transfer", "{t}");
    assert!(t["deadlines"][0]["due"]["last_day"].is_string(), "{t}");
    let options: Vec<&str> = t["rating_options"]
        .as_array()
        .expect("options")
        .iter()
        .filter_map(|o| o["code"].as_str())
        .collect();
    assert_eq!(options, ["satisfied", "basically_satisfied", "unsatisfied"]);
    let text = t.to_string();
    assert!(!text.contains(PHONE) && !text.contains("张三丰"), "{text}");

    // The code is read out over the phone: case and dashes do not matter.
    let typed = format!("{}-{}", &code[..5], &code[5..]).to_lowercase();
    let (s, t2) = track(app, &typed, LAST4).await;
    assert_eq!((s, &t2["number"]), (200, &json!(number)), "{t2}");

    // Staff see an online case received by the petition office where the matter is.
    let coord = app.login("coord.donghu").await;
    let (s, c) = app
        .get(&format!("/api/v1/cases/{number}"), Some(&coord))
        .await;
    assert_eq!(s, 200, "{c}");
    assert_eq!(c["channel"], "online");
    assert_eq!(c["office_unit"]["id"], "990102-xfj");
    assert_eq!(c["petitioner"]["phone_masked"], "139****5678");

    // Internal events (revealing personal data) never reach the citizen's timeline.
    let (s, r) = app
        .post(
            &format!("/api/v1/cases/{number}/reveal"),
            Some(&coord),
            &json!({"field": "phone", "purpose": "回访联系"}),
        )
        .await;
    assert_eq!((s, &r["value"]), (200, &json!(PHONE)), "{r}");
    app.ok(
        &coord,
        &number,
        json!({"command": "transfer", "to_unit": "990102-zjj", "mode": "transfer"}),
    )
    .await;
    let (_, staff_events) = app
        .get(&format!("/api/v1/cases/{number}/events"), Some(&coord))
        .await;
    assert_eq!(
        types(&staff_events),
        ["registered", "personal_data_revealed", "transferred"]
    );
    let (s, t) = track(app, &code, LAST4).await;
    assert_eq!(s, 200, "{t}");
    assert_eq!(t["status"], "awaiting_acceptance");
    assert_eq!(types(&t["timeline"]), ["registered", "transferred"]);
    assert_eq!(t["timeline"][1]["unit_zh"], "东湖区住房和城乡建设局", "{t}");
    assert!(!t.to_string().contains("personal_data_revealed"));
    let kinds: Vec<&Value> = t["deadlines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| &d["kind"])
        .collect();
    assert_eq!(kinds, [&json!("acceptance_notice"), &json!("objection")]);

    // A wrong pair is a plain 404 with the bilingual body, whichever half is wrong.
    let wrong_last4 = track(app, &code, "0000").await;
    assert_error(&wrong_last4, 404, "not_found");
    assert_error(&track(app, &code, "").await, 404, "not_found");
    let wrong_code = track(app, &other_code(&code), LAST4).await;
    assert_error(&wrong_code, 404, "not_found");
    assert_eq!(
        wrong_last4.1, wrong_code.1,
        "no oracle for which half was wrong"
    );

    // Online submissions may not choose their receiving unit or claim another channel.
    let mut chosen = online("appeal");
    chosen["office_unit"] = json!("990100-xfj");
    let r = app.post("/api/v1/public/cases", None, &chosen).await;
    assert_error(&r, 400, "online_only");
    let r = app
        .post(
            "/api/v1/public/cases",
            None,
            &new_case("appeal", "letter", PHONE),
        )
        .await;
    assert_error(&r, 400, "online_only");
    assert_eq!(app.case_count().await, 1);
}
both!(online_submission_and_tracking);

async fn rating_after_the_opinion(app: &TestApp) {
    let (number, code) = submit(app, &online("appeal")).await;

    // Nothing to rate before the handling opinion.
    let r = act(app, &code, json!({"action": "rate", "rating": "satisfied"})).await;
    assert_error(&r, 409, "not_allowed_in_state");

    answer(app, &number).await;
    let (s, t) = track(app, &code, LAST4).await;
    assert_eq!(s, 200, "{t}");
    assert_eq!(t["status"], "answered");
    assert_eq!(t["opinion"]["outcome"], "support", "{t}");
    assert_eq!(t["deadlines"][0]["kind"], "review_request", "{t}");

    let wrong = act(
        app,
        &code,
        json!({"action": "rate", "rating": "satisfied", "phone_last4": "1111"}),
    )
    .await;
    assert_error(&wrong, 404, "not_found");
    let r = act(app, &code, json!({"action": "rate", "rating": "excellent"})).await;
    assert_error(&r, 422, "unknown_reference");
    let r = act(app, &code, json!({"action": "dance"})).await;
    assert_error(&r, 400, "unknown_action");

    let (s, t) = act(
        app,
        &code,
        json!({"action": "rate", "rating": "satisfied", "comment": "处理及时"}),
    )
    .await;
    assert_eq!(s, 200, "{t}");
    assert_eq!(t["ratings"].as_array().map(Vec::len), Some(1), "{t}");
    assert_eq!(t["ratings"][0]["rating"], "satisfied");
    assert_eq!(t["ratings"][0]["stage"], "handling");

    let again = act(
        app,
        &code,
        json!({"action": "rate", "rating": "unsatisfied"}),
    )
    .await;
    assert_error(&again, 422, "already_rated");

    let coord = app.login("coord.donghu").await;
    let (_, c) = app
        .get(&format!("/api/v1/cases/{number}"), Some(&coord))
        .await;
    assert_eq!(c["ratings"].as_array().map(Vec::len), Some(1), "{c}");
    assert_eq!(c["ratings"][0]["rating"], "satisfied");
}
both!(rating_after_the_opinion);

async fn review_goes_to_the_higher_office(app: &TestApp) {
    let (number, code) = submit(app, &online("appeal")).await;
    answer(app, &number).await;

    let (s, t) = act(
        app,
        &code,
        json!({"action": "request_review", "reason": "对处理意见不服，请求复查"}),
    )
    .await;
    assert_eq!(s, 200, "{t}");
    assert_eq!(t["status"], "under_review");
    assert_eq!(t["current_unit_zh"], "临江市信访局", "{t}");
    assert_eq!(t["review"]["unit"], "990100-xfj", "{t}");
    assert_eq!(t["deadlines"][0]["kind"], "review_decision", "{t}");
    assert_eq!(
        types(&t["timeline"]).last().map(String::as_str),
        Some("review_requested")
    );

    let again = act(
        app,
        &code,
        json!({"action": "request_review", "reason": "再次申请复查"}),
    )
    .await;
    assert_error(&again, 409, "not_allowed_in_state");

    // The city office now holds it; the district no longer decides.
    let city = app.login("coord.linjiang").await;
    let (s, c) = app
        .get(&format!("/api/v1/cases/{number}"), Some(&city))
        .await;
    assert_eq!(s, 200, "{c}");
    assert_eq!(c["current_unit"]["id"], "990100-xfj");
    let decide =
        json!({"command": "decide_review", "outcome": "uphold", "opinion": "维持原处理意见"});
    let district = app.login("coord.donghu").await;
    let r = app.command(&district, &number, decide.clone()).await;
    assert_error(&r, 403, "forbidden");
    let c = app.ok(&city, &number, decide).await;
    assert_eq!(c["status"], "reviewed");

    // The review opinion is a new stage the citizen may rate.
    let (s, t) = act(
        app,
        &code,
        json!({"action": "rate", "rating": "basically_satisfied"}),
    )
    .await;
    assert_eq!(s, 200, "{t}");
    assert_eq!(t["ratings"][0]["stage"], "review", "{t}");
    assert_eq!(t["deadlines"][0]["kind"], "rereview_request", "{t}");
}
both!(review_goes_to_the_higher_office);

async fn anonymous_accusation(app: &TestApp) {
    let mut body = online("accusation");
    body["petitioner"] = json!({"anonymous": true});
    let (number, code) = submit(app, &body).await;

    let (s, t) = track(app, &code, "").await;
    assert_eq!(s, 200, "{t}");
    assert_eq!(t["number"], number.as_str());
    assert_eq!(t["status"], "registered");
    let (s, t) = app
        .post("/api/v1/public/track", None, &json!({"query_code": code}))
        .await;
    assert_eq!(s, 200, "phone_last4 may be left out: {t}");
    assert_error(&track(app, &code, LAST4).await, 404, "not_found");

    // Nobody on the staff side sees who the accuser is, and nobody can reveal it.
    let coord = app.login("coord.donghu").await;
    let (_, c) = app
        .get(&format!("/api/v1/cases/{number}"), Some(&coord))
        .await;
    assert!(c["petitioner"].is_null(), "{c}");
    assert_eq!(c["petitioner_withheld"], true);
    let r = app
        .post(
            &format!("/api/v1/cases/{number}/reveal"),
            Some(&coord),
            &json!({"field": "name", "purpose": "核实身份"}),
        )
        .await;
    assert_error(&r, 403, "forbidden");

    // Anonymous means no identity at all, and only for reports, not for an appeal.
    let before = app.case_count().await;
    let mut named = online("accusation");
    named["petitioner"] = json!({"anonymous": true, "name": "张三丰"});
    let r = app.post("/api/v1/public/cases", None, &named).await;
    assert_error(&r, 422, "invalid_field");
    let mut with_phone = online("accusation");
    with_phone["petitioner"] = json!({"anonymous": true, "phone": PHONE});
    let r = app.post("/api/v1/public/cases", None, &with_phone).await;
    assert_error(&r, 422, "invalid_field");
    let mut appeal = online("appeal");
    appeal["petitioner"] = json!({"anonymous": true});
    let r = app.post("/api/v1/public/cases", None, &appeal).await;
    assert_error(&r, 422, "invalid_field");
    assert_eq!(app.case_count().await, before);
}
both!(anonymous_accusation);
