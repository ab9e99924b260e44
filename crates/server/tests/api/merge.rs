//! 并单 and 督办 through the API: the primary is checked by the server, both cases change, the
//! duplicate's petitioner follows the primary's handling.

use crate::harness::{TestApp, assert_error, new_case};
use serde_json::json;

async fn merge_duplicate_into_primary(app: &TestApp) {
    let (primary, _, p) = app
        .register("intake.donghu", &new_case("appeal", "phone", "13800006666"))
        .await;
    let (dup, dup_code, _) = app
        .register("intake.donghu", &new_case("appeal", "phone", "13800007777"))
        .await;
    let coord = app.login("coord.donghu").await;
    let other = app.login("coord.xihu").await;

    // Attaching by hand, merging into itself, into a case one may not see, or into nothing.
    let r = app
        .command(
            &coord,
            &primary,
            json!({"command": "attach_duplicate", "duplicate": dup, "duplicate_number": "x"}),
        )
        .await;
    assert_error(&r, 400, "attach_via_merge");
    let r = app
        .command(&coord, &dup, json!({"command": "merge", "primary": dup, "primary_number": "x", "reason": "同一问题"}))
        .await;
    assert_eq!(r.0, 422, "{}", r.1);
    let r = app
        .command(&other, &dup, json!({"command": "merge", "primary": primary, "primary_number": "x", "reason": "同一问题"}))
        .await;
    assert_eq!(
        r.0, 404,
        "the duplicate is not visible to another county: {}",
        r.1
    );
    let r = app
        .command(&coord, &dup, json!({"command": "merge", "primary": uuid::Uuid::now_v7(), "primary_number": "x", "reason": "同一问题"}))
        .await;
    assert_error(&r, 422, "unknown_reference");
    let (_, still) = app.get(&format!("/api/v1/cases/{dup}"), Some(&coord)).await;
    assert_eq!(still["status"], "registered", "refusals changed nothing");

    let merged = app
        .ok(&coord, &dup, json!({"command": "merge", "primary": primary, "primary_number": "forged", "reason": "同一部电梯"}))
        .await;
    assert_eq!(merged["status"], "merged");
    let (_, events) = app
        .get(&format!("/api/v1/cases/{dup}/events"), Some(&coord))
        .await;
    let last = events
        .as_array()
        .and_then(|e| e.last())
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        last["event"]["primary_number"], p["number"],
        "the number comes from the store"
    );
    let (_, pv) = app
        .get(&format!("/api/v1/cases/{primary}/events"), Some(&coord))
        .await;
    assert!(
        pv.as_array()
            .is_some_and(|e| e.iter().any(|x| x["type"] == "duplicate_attached")),
        "the primary records the duplicate"
    );

    // The duplicate's petitioner sees the primary's handling on the tracking page.
    let c = app.web_client(None).await;
    let html = c
        .post(format!("{}/track", app.base))
        .form(&[("query_code", dup_code.as_str()), ("phone_last4", "7777")])
        .send()
        .await
        .expect("track")
        .text()
        .await
        .expect("html");
    assert!(
        html.contains("id=\"primary\""),
        "the joint handling is shown"
    );
    assert!(html.contains("已并案办理"));
}
crate::both!(merge_duplicate_into_primary);

async fn supervision_reaches_the_holding_unit(app: &TestApp) {
    let (id, _, _) = app
        .register("intake.donghu", &new_case("appeal", "phone", "13800008888"))
        .await;
    app.assign_to_housing(&id).await;
    let sup = app.login("supervisor").await;
    let handler = app.login("handler.donghu.zjj").await;
    let r = app
        .command(&handler, &id, json!({"command": "supervise", "instruction": "自己督办自己", "respond_within_days": 3}))
        .await;
    assert_eq!(r.0, 403, "{}", r.1);
    let v = app
        .ok(&sup, &id, json!({"command": "supervise", "instruction": "请三日内报告处理进展", "respond_within_days": 3}))
        .await;
    assert_eq!(v["version"], 3);
    let r = app
        .command(
            &sup,
            &id,
            json!({"command": "supervise", "instruction": "再次督办", "respond_within_days": 3}),
        )
        .await;
    assert_error(&r, 422, "supervision_open");
    app.ok(
        &handler,
        &id,
        json!({"command": "answer_supervision", "response": "已受理并安排维修"}),
    )
    .await;
    let r = app
        .command(
            &handler,
            &id,
            json!({"command": "answer_supervision", "response": "重复反馈"}),
        )
        .await;
    assert_eq!(r.0, 409, "{}", r.1);
}
crate::both!(supervision_reaches_the_holding_unit);
