//! The 12345 hotline flow through the API: intake at the city hotline centre, dispatch to the
//! housing department of 东湖区, sign-for, return and re-dispatch, the complex-case tier, reply,
//! follow-up call and reopen; direct answers, emergency hand-off and the urgent tier.

use crate::both;
use crate::harness::{TestApp, assert_due, assert_error, new_case};
use serde_json::{Value, json};

const CENTRE: &str = "990100-12345";
const UNIT: &str = "990102-zjj";

/// A work order taken by the hotline operator.
fn order(kind: &str) -> Value {
    let mut b = new_case(kind, "hotline_12345", "13712345678");
    b["title"] = json!("小区门口道路积水");
    b["request"] = json!("请尽快疏通小区门口的排水管道");
    b["facts_reasons"] = json!("连续下雨后小区门口积水很深，行人无法通过。");
    b
}

struct Desk {
    operator: String,
    handler: String,
}

async fn desk(app: &TestApp) -> Desk {
    Desk {
        operator: app.login("hotline.linjiang").await,
        handler: app.login("handler.donghu.zjj").await,
    }
}

/// Registers an order at the hotline centre; returns (id, case view).
async fn take_call(app: &TestApp, d: &Desk, body: &Value) -> (String, Value) {
    let (s, b) = app.post("/api/v1/cases", Some(&d.operator), body).await;
    assert_eq!(s, 201, "{b}");
    let c = b["case"].clone();
    assert_eq!(c["flow"], "hotline", "{c}");
    assert_eq!(c["office_unit"]["id"], CENTRE, "{c}");
    assert_eq!(c["status"], "registered");
    (c["id"].as_str().expect("id").to_string(), c)
}

fn dispatch() -> Value {
    json!({"command": "dispatch", "to_unit": UNIT, "note": "请按职责办理"})
}

fn event_types(events: &Value) -> Vec<&str> {
    events
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["type"].as_str().expect("type"))
        .collect()
}

async fn complaint_full_cycle(app: &TestApp) {
    let d = desk(app).await;
    let (id, c) = take_call(app, &d, &order("complaint")).await;
    assert_eq!(c["deadlines"].as_array().map(Vec::len), Some(1), "{c}");
    assert_eq!(c["deadlines"][0]["label_zh"], "工单办理时限");
    assert_eq!(c["deadlines"][0]["duty"], true);
    assert_due(
        &c["deadlines"][0],
        "hotline_reply",
        "5wd",
        0,
        &c["registered_at"],
    );
    if !c["deadlines"][0]["due"].is_null() {
        assert_eq!(c["deadlines"][0]["due"]["period"], "5个工作日");
    }

    // The dispatch catalogue names the housing department for this place and topic.
    let (s, sug) = app
        .get(
            "/api/v1/dispatch?region=990102001001&topic=010101",
            Some(&d.operator),
        )
        .await;
    assert_eq!((s, &sug["unit"]["id"]), (200, &json!(UNIT)), "{sug}");

    // Before dispatch the department does not even see the order.
    let r = app
        .command(&d.handler, &id, json!({"command": "sign_for"}))
        .await;
    assert_error(&r, 404, "not_found");
    // Only the hotline centre dispatches its orders.
    let district_intake = app.login("intake.donghu").await;
    let r = app.command(&district_intake, &id, dispatch()).await;
    assert_error(&r, 403, "forbidden");

    let c = app.ok(&d.operator, &id, dispatch()).await;
    assert_eq!(c["status"], "dispatched");
    assert_eq!(c["current_unit"]["id"], UNIT);
    let other = app.login("handler.xicheng.zjj").await;
    let r = app
        .command(&other, &id, json!({"command": "sign_for"}))
        .await;
    assert_error(&r, 404, "not_found");

    let c = app
        .ok(&d.handler, &id, json!({"command": "sign_for"}))
        .await;
    assert_eq!(c["status"], "in_progress");
    assert!(c["accepted_at"].is_string(), "{c}");

    // 退单: back to the centre, which dispatches again (改派).
    let c = app
        .ok(
            &d.handler,
            &id,
            json!({"command": "return", "reason": "不属于本单位职责，应由排水公司处理"}),
        )
        .await;
    assert_eq!(c["status"], "returned");
    assert_eq!(c["current_unit"]["id"], CENTRE);
    let r = app
        .command(
            &d.handler,
            &id,
            json!({"command": "reply", "content": "已处理"}),
        )
        .await;
    assert_error(&r, 409, "not_allowed_in_state");
    let c = app.ok(&d.operator, &id, dispatch()).await;
    assert_eq!(c["status"], "dispatched");
    assert_eq!(c["current_unit"]["id"], UNIT);
    let c = app
        .ok(&d.handler, &id, json!({"command": "sign_for"}))
        .await;
    assert_eq!(c["status"], "in_progress");

    // The complex-case tier needs the centre's approval and is granted once.
    let complex = json!({"command": "approve_complex", "approver": "热线中心主任", "reason": "涉及管网改造，需多部门协调"});
    let r = app.command(&d.handler, &id, complex.clone()).await;
    assert_error(&r, 403, "forbidden");
    let c = app.ok(&d.operator, &id, complex.clone()).await;
    assert_eq!(c["complex_approved"], true);
    assert_due(
        &c["deadlines"][0],
        "hotline_reply",
        "15wd",
        0,
        &c["registered_at"],
    );
    if !c["deadlines"][0]["due"].is_null() {
        assert_eq!(c["deadlines"][0]["due"]["period"], "15个工作日");
    }
    let r = app.command(&d.operator, &id, complex).await;
    assert_error(&r, 422, "already_complex");

    let c = app
        .ok(
            &d.handler,
            &id,
            json!({"command": "reply", "content": "已安排疏通排水管道"}),
        )
        .await;
    assert_eq!(c["status"], "replied");
    assert_eq!(c["reply"], "已安排疏通排水管道");
    assert_eq!(c["deadlines"], json!([]), "{c}");

    // Follow-up call: not resolved, unsatisfied → reopened to the same unit.
    let unhappy = json!({"command": "follow_up", "rating": "unsatisfied", "resolved": false, "note": "积水仍未排除"});
    let c = app.ok(&d.operator, &id, unhappy.clone()).await;
    assert_eq!(c["status"], "replied", "{c}");
    assert_eq!(c["ratings"][0]["stage"], "followup");
    assert_eq!(c["ratings"][0]["rating"], "unsatisfied");
    let r = app.command(&d.operator, &id, unhappy).await;
    assert_error(&r, 422, "already_followed_up");
    let c = app
        .ok(
            &d.operator,
            &id,
            json!({"command": "reopen", "reason": "群众反映问题未解决"}),
        )
        .await;
    assert_eq!(c["status"], "dispatched");
    assert_eq!(c["current_unit"]["id"], UNIT);
    assert_eq!(c["reopen_count"], 1);
    assert!(c["reply"].is_null(), "{c}");
    // The clock restarts at the reopen, still on the approved complex tier.
    assert_due(
        &c["deadlines"][0],
        "hotline_reply",
        "15wd",
        0,
        &c["updated_at"],
    );

    app.ok(&d.handler, &id, json!({"command": "sign_for"}))
        .await;
    app.ok(
        &d.handler,
        &id,
        json!({"command": "reply", "content": "排水管道已疏通，积水已排除"}),
    )
    .await;
    let c = app
        .ok(
            &d.operator,
            &id,
            json!({"command": "follow_up", "rating": "satisfied", "resolved": true}),
        )
        .await;
    assert_eq!(c["status"], "closed", "{c}");
    assert!(c["closed_at"].is_string());
    assert_eq!(c["close_reason"], "回访满意，办结");
    let r = app
        .command(
            &d.operator,
            &id,
            json!({"command": "reopen", "reason": "再次重办"}),
        )
        .await;
    assert_error(&r, 409, "not_allowed_in_state");

    let (_, events) = app
        .get(&format!("/api/v1/cases/{id}/events"), Some(&d.operator))
        .await;
    assert_eq!(
        event_types(&events),
        [
            "registered",
            "dispatched",
            "signed_for",
            "returned_by_unit",
            "dispatched",
            "signed_for",
            "complex_approved",
            "replied",
            "followed_up",
            "reopened",
            "signed_for",
            "replied",
            "followed_up",
            "closed"
        ]
    );
}
both!(complaint_full_cycle);

async fn resolved_false_counts_as_unsatisfied(app: &TestApp) {
    let d = desk(app).await;
    let (id, _) = take_call(app, &d, &order("help")).await;
    app.ok(&d.operator, &id, dispatch()).await;
    app.ok(&d.handler, &id, json!({"command": "sign_for"}))
        .await;
    app.ok(
        &d.handler,
        &id,
        json!({"command": "reply", "content": "已联系排水公司"}),
    )
    .await;
    // Rated satisfied, but the problem is not solved: the order stays open for reopening.
    let c = app
        .ok(
            &d.operator,
            &id,
            json!({"command": "follow_up", "rating": "satisfied", "resolved": false}),
        )
        .await;
    assert_eq!(c["status"], "replied", "{c}");
    let c = app
        .ok(
            &d.operator,
            &id,
            json!({"command": "reopen", "reason": "问题尚未解决"}),
        )
        .await;
    assert_eq!(
        (&c["status"], &c["current_unit"]["id"]),
        (&json!("dispatched"), &json!(UNIT))
    );
}
both!(resolved_false_counts_as_unsatisfied);

async fn consultation_answered_directly(app: &TestApp) {
    let d = desk(app).await;
    let mut body = order("consultation");
    body["title"] = json!("咨询公积金提取条件");
    body["request"] = json!("请问租房提取公积金需要什么材料");
    let (id, c) = take_call(app, &d, &body).await;
    assert_due(
        &c["deadlines"][0],
        "hotline_reply",
        "3wd",
        0,
        &c["registered_at"],
    );

    let answer =
        json!({"command": "answer_directly", "answer": "凭租房合同和身份证到公积金中心办理。"});
    let r = app.command(&d.handler, &id, answer.clone()).await;
    assert_error(&r, 404, "not_found");
    let c = app.ok(&d.operator, &id, answer).await;
    assert_eq!(c["status"], "replied");
    assert_eq!(c["reply"], "凭租房合同和身份证到公积金中心办理。");
    assert_eq!(c["current_unit"]["id"], CENTRE);

    let c = app
        .ok(
            &d.operator,
            &id,
            json!({"command": "follow_up", "rating": "satisfied", "resolved": true}),
        )
        .await;
    assert_eq!(c["status"], "closed");

    // Only consultations are answered directly.
    let (complaint, _) = take_call(app, &d, &order("complaint")).await;
    let r = app
        .command(
            &d.operator,
            &complaint,
            json!({"command": "answer_directly", "answer": "请自行疏通。"}),
        )
        .await;
    assert_error(&r, 422, "direct_answer_consultation_only");
    assert_eq!(r.1["article"], "《北京市接诉即办工作条例》第十一条");

    // A direct answer followed up as unsatisfied cannot be reopened: there is no unit to send
    // it back to; a new order is registered instead.
    let (second, _) = take_call(app, &d, &body).await;
    app.ok(
        &d.operator,
        &second,
        json!({"command": "answer_directly", "answer": "请咨询公积金中心。"}),
    )
    .await;
    app.ok(
        &d.operator,
        &second,
        json!({"command": "follow_up", "rating": "unsatisfied", "resolved": false}),
    )
    .await;
    let r = app
        .command(
            &d.operator,
            &second,
            json!({"command": "reopen", "reason": "答复不清楚"}),
        )
        .await;
    assert_error(&r, 422, "reopen_needs_unit");
}
both!(consultation_answered_directly);

async fn emergency_transfer_closes(app: &TestApp) {
    let d = desk(app).await;
    let mut body = order("help");
    body["title"] = json!("有人在小区内打架");
    body["request"] = json!("请立即派人处理");
    let (id, _) = take_call(app, &d, &body).await;

    let r = app
        .command(
            &d.operator,
            &id,
            json!({"command": "emergency_transfer", "service": "911"}),
        )
        .await;
    assert_error(&r, 400, "invalid_json_fields");

    let c = app
        .ok(
            &d.operator,
            &id,
            json!({"command": "emergency_transfer", "service": "110", "note": "已三方通话转110"}),
        )
        .await;
    assert_eq!(c["status"], "closed", "{c}");
    assert_eq!(c["emergency"], "110");
    assert_eq!(c["close_reason"], "转110 报警");
    assert!(c["closed_at"].is_string());
    assert_eq!(c["deadlines"], json!([]));

    let r = app.command(&d.operator, &id, dispatch()).await;
    assert_error(&r, 409, "not_allowed_in_state");
}
both!(emergency_transfer_closes);

async fn urgent_order_has_two_hours(app: &TestApp) {
    let d = desk(app).await;
    let mut body = order("help");
    body["urgent"] = json!(true);
    body["title"] = json!("小区停水老人无法做饭");
    let (id, c) = take_call(app, &d, &body).await;
    assert_eq!(c["urgent"], true);
    assert_due(
        &c["deadlines"][0],
        "hotline_reply",
        "2h",
        0,
        &c["registered_at"],
    );
    let registered: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(c["registered_at"].clone()).expect("registered_at");
    let due: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(c["deadlines"][0]["due"]["due"].clone()).expect("due");
    assert_eq!(due - registered, chrono::Duration::hours(2));
    assert_eq!(c["deadlines"][0]["due"]["period"], "2小时");

    // An urgent order cannot be moved to the longer complex-case tier.
    app.ok(&d.operator, &id, dispatch()).await;
    let r = app
        .command(
            &d.operator,
            &id,
            json!({"command": "approve_complex", "approver": "热线中心主任", "reason": "情况复杂需协调"}),
        )
        .await;
    assert_error(&r, 422, "urgent_not_complex");
}
both!(urgent_order_has_two_hours);
