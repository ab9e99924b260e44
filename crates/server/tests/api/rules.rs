//! Rules of the regulation enforced through the API: representatives of a group visit, matters
//! refused at the door (duplicate upward, after re-review), the Zhejiang regional override and
//! the objection window.

use crate::both;
use crate::harness::{TestApp, assert_due, assert_error, new_case};
use serde_json::{Value, json};

/// A case registered at the 东湖区 petition office by a given caller.
fn petition(phone: &str) -> Value {
    new_case("appeal", "letter", phone)
}

/// Without an ID number, so that only the phone identifies the caller.
fn petition_by_phone_only(phone: &str) -> Value {
    let mut b = petition(phone);
    b["petitioner"]["id_number"] = Value::Null;
    b
}

/// Registers at 东湖区, transfers to its housing department, which accepts. Returns (id, code).
async fn being_handled(app: &TestApp, body: &Value) -> (String, String) {
    let (id, code, _) = app.register("intake.donghu", body).await;
    let c = app.handled_by_housing(&id).await;
    assert_eq!(c["status"], "handling");
    (id, code)
}

fn assert_declined(case: &Value, rule: &str, article_part: &str, related: &Value) {
    assert_eq!(case["status"], "declined", "{case}");
    assert_eq!(case["declined"]["rule"], rule, "{case}");
    let article = case["declined"]["article"].as_str().unwrap_or_default();
    assert!(article.contains(article_part), "{case}");
    assert_eq!(case["declined"]["related_case"], *related, "{case}");
    assert!(case["closed_at"].is_string(), "{case}");
    assert_eq!(case["deadlines"], json!([]), "{case}");
}

async fn group_visit_representatives(app: &TestApp) {
    let mut visit = new_case("appeal", "visit", "13812345678");
    visit["group_size"] = json!(8);
    visit["representatives"] = json!(6);
    let intake = app.login("intake.donghu").await;
    let r = app.post("/api/v1/cases", Some(&intake), &visit).await;
    assert_error(&r, 422, "too_many_representatives");
    let article = r.1["article"].as_str().unwrap_or_default();
    assert!(article.contains("第二十条"), "{}", r.1);
    assert!(r.1["message_zh"].as_str().unwrap().contains('5'), "{}", r.1);
    assert_eq!(app.case_count().await, 0);

    // Five representatives are allowed; a letter signed by many is not a visit at all.
    visit["representatives"] = json!(5);
    app.register("intake.donghu", &visit).await;
    let mut letter = visit.clone();
    letter["channel"] = json!("letter");
    letter["representatives"] = json!(6);
    app.register("intake.donghu", &letter).await;

    // Zhejiang: up to ten people elect at most three representatives.
    let mut xihu = visit.clone();
    xihu["location"] = json!({"region": "330106", "address": "文三路1号"});
    xihu["representatives"] = json!(4);
    let coord = app.login("coord.xihu").await;
    let r = app.post("/api/v1/cases", Some(&coord), &xihu).await;
    assert_error(&r, 422, "too_many_representatives");
    xihu["representatives"] = json!(3);
    app.register("coord.xihu", &xihu).await;
    assert_eq!(app.case_count().await, 3);
}
both!(group_visit_representatives);

async fn duplicate_upward_is_declined(app: &TestApp) {
    let phone = "13712345678";
    let (first, _) = being_handled(app, &petition_by_phone_only(phone)).await;
    let intake = app.login("intake.donghu").await;
    let (_, c) = app
        .get(&format!("/api/v1/cases/{first}"), Some(&intake))
        .await;
    let first_number = c["number"].clone();

    // The same person and matter at the city office while the district handles it in time.
    let (id, _, c) = app
        .register("intake.linjiang", &petition_by_phone_only(phone))
        .await;
    assert_eq!(c["office_unit"]["id"], "990100-xfj");
    assert_declined(&c, "duplicate_upward", "第十九条", &first_number);
    let city = app.login("intake.linjiang").await;
    let (_, events) = app
        .get(&format!("/api/v1/cases/{id}/events"), Some(&city))
        .await;
    let kinds: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["registered", "declined"]);

    // Not declined: another person, another topic, or the same level again.
    let (_, _, c) = app
        .register("intake.linjiang", &petition_by_phone_only("13612345678"))
        .await;
    assert_eq!(c["status"], "registered", "{c}");
    let mut other_topic = petition_by_phone_only(phone);
    other_topic["topic"] = json!("010102");
    let (_, _, c) = app.register("intake.linjiang", &other_topic).await;
    assert_eq!(c["status"], "registered", "{c}");
    let (_, _, c) = app
        .register("intake.donghu", &petition_by_phone_only(phone))
        .await;
    assert_eq!(c["status"], "registered", "{c}");
}
both!(duplicate_upward_is_declined);

async fn citizen_act(app: &TestApp, code: &str, action: &str, reason: &str) -> Value {
    let (s, b) = app
        .post(
            "/api/v1/public/actions",
            None,
            &json!({"query_code": code, "phone_last4": "5678", "action": action, "reason": reason}),
        )
        .await;
    assert_eq!(s, 200, "{action}: {b}");
    b
}

async fn matter_final_after_rereview(app: &TestApp) {
    let phone = "13512345678";
    let (id, code) = being_handled(app, &petition(phone)).await;
    let handler = app.login("handler.donghu.zjj").await;
    app.ok(
        &handler,
        &id,
        json!({"command": "issue_opinion", "request": "修复电梯",
        "facts_reasons": "经核实，电梯需整体更换", "opinion": "不予支持立即修复的请求",
        "legal_basis": "《物业管理条例》", "outcome": "reject"}),
    )
    .await;

    // 复查 at the city office, 复核 at the province.
    let t = citizen_act(app, &code, "request_review", "对处理意见不服").await;
    assert_eq!(t["review"]["unit"], "990100-xfj", "{t}");
    let city = app.login("coord.linjiang").await;
    app.ok(
        &city,
        &id,
        json!({"command": "decide_review", "outcome": "uphold", "opinion": "维持原处理意见"}),
    )
    .await;
    let t = citizen_act(app, &code, "request_rereview", "对复查意见仍然不服").await;
    assert_eq!(t["status"], "under_rereview", "{t}");
    assert_eq!(t["rereview"]["unit"], "990000-xfj", "{t}");
    let province = app.login("coord.province").await;
    let r = app
        .command(
            &city,
            &id,
            json!({"command": "decide_rereview", "outcome": "uphold", "opinion": "维持复查意见"}),
        )
        .await;
    assert_error(&r, 403, "forbidden");
    let c = app
        .ok(
            &province,
            &id,
            json!({"command": "decide_rereview", "outcome": "uphold", "opinion": "维持复查意见"}),
        )
        .await;
    assert_eq!(c["status"], "final", "{c}");
    assert!(c["closed_at"].is_string());
    let number = c["number"].clone();
    let (s, b) = app
        .post(
            "/api/v1/public/actions",
            None,
            &json!({"query_code": code, "phone_last4": "5678", "action": "request_rereview", "reason": "再次申请复核"}),
        )
        .await;
    assert_error(&(s, b), 409, "not_allowed_in_state");

    // The same matter again is registered but declined under Art. 36 ¶3.
    let (_, _, c) = app.register("intake.donghu", &petition(phone)).await;
    assert_declined(&c, "after_final", "第三十六条", &number);
    // Online too: the citizen is told why.
    let (s, b) = app
        .post(
            "/api/v1/public/cases",
            None,
            &new_case("appeal", "online", phone),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["status_zh"], "不予受理");
    let reason = b["declined_reason"].as_str().unwrap_or_default();
    assert!(reason.contains(number.as_str().unwrap()), "{b}");

    // Someone else's matter is not affected.
    let mut other = petition_by_phone_only("13612345678");
    other["petitioner"]["name"] = json!("李四");
    let (_, _, c) = app.register("intake.donghu", &other).await;
    assert_eq!(c["status"], "registered", "{c}");
}
both!(matter_final_after_rereview);

async fn zhejiang_override(app: &TestApp) {
    let (s, p) = app.get("/api/v1/policy?region=330106", None).await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["petition"]["handling"], "30日", "{p}");
    assert_eq!(p["petition"]["extension_max"], "60日", "{p}");
    assert_eq!(p["petition"]["transfer"], "5个工作日", "{p}");
    assert_eq!(p["overrides"], json!(["浙江省信访条例（2016）"]), "{p}");
    let (s, n) = app.get("/api/v1/policy", None).await;
    assert_eq!(s, 200, "{n}");
    assert_eq!(n["petition"]["handling"], "60日", "{n}");
    assert_eq!(n["petition"]["extension_max"], "30日", "{n}");
    assert_eq!(n["overrides"], json!([]));
    let (_, local) = app.get("/api/v1/policy?region=990102", None).await;
    assert_eq!(local["petition"]["handling"], "60日", "{local}");
    assert_eq!(local["overrides"], json!([]));
    let r = app.get("/api/v1/policy?region=999999", None).await;
    assert_error(&r, 422, "unknown_reference");

    // A case located in 西湖区 runs on the Zhejiang limits.
    let mut body = petition("13812345678");
    body["location"] = json!({"region": "330106", "address": "文三路1号"});
    let (id, _, c) = app.register("coord.xihu", &body).await;
    assert_due(
        &c["deadlines"][0],
        "transfer",
        "5wd",
        0,
        &c["registered_at"],
    );
    let coord = app.login("coord.xihu").await;
    app.ok(
        &coord,
        &id,
        json!({"command": "transfer", "to_unit": "330106-zjj", "mode": "transfer"}),
    )
    .await;
    let handler = app.login("handler.xihu.zjj").await;
    let c = app
        .ok(
            &handler,
            &id,
            json!({"command": "accept", "notice": "本机关已依法受理。"}),
        )
        .await;
    assert_due(&c["deadlines"][0], "handling", "30d", 0, &c["accepted_at"]);
    assert_eq!(c["deadlines"][0]["due"]["period"], "30日");

    let extend = |days: u32| json!({"command": "extend", "days": days, "approver": "局长", "reason": "需要现场勘验"});
    let r = app.command(&handler, &id, extend(61)).await;
    assert_error(&r, 422, "extension_too_long");
    let c = app.ok(&handler, &id, extend(45)).await;
    assert_due(&c["deadlines"][0], "handling", "30d", 45, &c["accepted_at"]);
    assert_eq!(c["deadlines"][0]["due"]["period"], "30日 + 45日");

    // The same extension is refused under the national limit of 30 days.
    let (donghu, _) = being_handled(app, &petition("13812345678")).await;
    let local = app.login("handler.donghu.zjj").await;
    let r = app.command(&local, &donghu, extend(45)).await;
    assert_error(&r, 422, "extension_too_long");
    assert!(
        r.1["message_zh"].as_str().unwrap().contains("30日"),
        "{}",
        r.1
    );
}
both!(zhejiang_override);

/// Moves the projection's "received at" back by `days`, as if the unit had received the case
/// that long ago (time cannot be moved over HTTP; the decider reads the projected state).
async fn backdate_receipt(app: &TestApp, id: &str, days: i64) {
    let rows = app
        .query_text(&format!("SELECT state FROM cases WHERE id = '{id}'"))
        .await;
    let mut state: Value = serde_json::from_str(&rows[0]).expect("state json");
    let received: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(state["received_at"].clone()).expect("received_at");
    state["received_at"] = json!(received - chrono::Duration::days(days));
    let text = state.to_string().replace('\'', "''");
    app.raw_sql(&format!(
        "UPDATE cases SET state = '{text}' WHERE id = '{id}'"
    ))
    .await;
}

async fn objection_window(app: &TestApp) {
    let coord = app.login("coord.donghu").await;
    let handler = app.login("handler.donghu.zjj").await;
    let transfer = json!({"command": "transfer", "to_unit": "990102-zjj", "mode": "transfer"});
    let object = json!({"command": "object", "reason": "该事项不属于本单位职责范围"});

    // Inside the 5 working days the unit may object; the matter goes back to the office.
    let (id, _, _) = app
        .register("intake.donghu", &petition("13812345678"))
        .await;
    let c = app.ok(&coord, &id, transfer.clone()).await;
    let kinds: Vec<&Value> = c["deadlines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| &d["kind"])
        .collect();
    assert_eq!(kinds, [&json!("acceptance_notice"), &json!("objection")]);
    assert_eq!(c["deadlines"][1]["duty"], false, "a window, not a duty");
    assert_due(&c["deadlines"][1], "objection", "5wd", 0, &c["updated_at"]);
    let c = app.ok(&handler, &id, object.clone()).await;
    assert_eq!(c["status"], "registered", "{c}");
    assert_eq!(c["current_unit"]["id"], "990102-xfj");
    assert_eq!(c["deadlines"][0]["kind"], "transfer");
    let r = app.command(&handler, &id, object.clone()).await;
    assert_error(&r, 409, "not_allowed_in_state");

    // Past the window the objection is refused and nothing changes.
    let (late, _, _) = app
        .register("intake.donghu", &petition("13612345678"))
        .await;
    app.ok(&coord, &late, transfer).await;
    backdate_receipt(app, &late, 30).await;
    let r = app.command(&handler, &late, object).await;
    assert_error(&r, 422, "objection_too_late");
    assert!(
        r.1["article"]
            .as_str()
            .unwrap_or_default()
            .contains("第二十三条"),
        "{}",
        r.1
    );
    let (_, c) = app
        .get(&format!("/api/v1/cases/{late}"), Some(&coord))
        .await;
    assert_eq!(c["status"], "awaiting_acceptance", "{c}");
}
both!(objection_window);
