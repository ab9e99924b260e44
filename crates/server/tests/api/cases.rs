//! Case intake and the petition workflow through the public API.

use crate::both;
use crate::harness::{TestApp, new_case};
use serde_json::json;

async fn idempotent_create(app: &TestApp) {
    let t = app.login("intake.donghu").await;
    let body = new_case("appeal", "letter", "13812345678");
    let h = [("Idempotency-Key", "letter-2026-0001")];
    let (s1, b1) = app.post_with("/api/v1/cases", &t, &h, &body).await;
    assert_eq!(s1, 201, "{b1}");
    let (s2, b2) = app.post_with("/api/v1/cases", &t, &h, &body).await;
    assert_eq!(s2, 200, "{b2}");
    assert_eq!(b1["case"]["id"], b2["case"]["id"]);
    assert_eq!(
        b1["query_code"], b2["query_code"],
        "the code is handed out again"
    );
    assert_eq!(b2["created"], false);
    let mut other = body.clone();
    other["title"] = json!("另一件事");
    let (s3, b3) = app.post_with("/api/v1/cases", &t, &h, &other).await;
    assert_eq!(s3, 422, "{b3}");
    assert_eq!(b3["code"], "idempotency_key_reused");
    let (_, list) = app.get("/api/v1/cases?limit=50", Some(&t)).await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1), "{list}");
}
both!(idempotent_create);

async fn petition_happy_path(app: &TestApp) {
    let intake = app.login("intake.donghu").await;
    let (s, b) = app
        .post(
            "/api/v1/cases",
            Some(&intake),
            &new_case("appeal", "visit", "13812345678"),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let id = b["case"]["id"].as_str().unwrap().to_string();
    assert_eq!(b["case"]["status"], "registered");
    assert_eq!(b["case"]["deadlines"][0]["kind"], "transfer");
    assert_eq!(b["case"]["petitioner"]["phone_masked"], "138****5678");

    let coord = app.login("coord.donghu").await;
    let c = app
        .ok(
            &coord,
            &id,
            json!({"command": "transfer", "to_unit": "990102-zjj", "mode": "assign"}),
        )
        .await;
    assert_eq!(c["status"], "awaiting_acceptance");
    let handler = app.login("handler.donghu.zjj").await;
    let c = app
        .ok(
            &handler,
            &id,
            json!({"command": "accept", "notice": "本机关已依法受理。"}),
        )
        .await;
    assert_eq!(c["status"], "handling");
    let due = c["deadlines"][0]["due"]["last_day"].clone();
    let (s, e) = app
        .command(&handler, &id, json!({"command": "extend", "days": 31, "approver": "局长", "reason": "情况复杂需调查"}))
        .await;
    assert_eq!(
        (s, e["code"].as_str()),
        (422, Some("extension_too_long")),
        "{e}"
    );
    let c = app
        .ok(&handler, &id, json!({"command": "extend", "days": 30, "approver": "局长", "reason": "情况复杂需调查"}))
        .await;
    assert_ne!(
        c["deadlines"][0]["due"]["last_day"], due,
        "extension moves the deadline"
    );
    let (s, e) = app
        .command(
            &handler,
            &id,
            json!({"command": "extend", "days": 1, "approver": "局长", "reason": "再延一次"}),
        )
        .await;
    assert_eq!(
        (s, e["code"].as_str()),
        (422, Some("extension_limit")),
        "{e}"
    );
    let c = app
        .ok(&handler, &id, json!({"command": "issue_opinion", "request": "修复电梯", "facts_reasons": "经核实属实",
            "opinion": "责令物业三十日内修复", "legal_basis": "《物业管理条例》", "outcome": "support"}))
        .await;
    assert_eq!(c["status"], "answered");
    assert_eq!(c["deadlines"][0]["kind"], "review_request");

    // A command that does not fit the state is a typed 409, not a 5xx.
    let (s, e) = app
        .command(
            &handler,
            &id,
            json!({"command": "accept", "notice": "再次受理"}),
        )
        .await;
    assert_eq!(
        (s, e["code"].as_str()),
        (409, Some("not_allowed_in_state")),
        "{e}"
    );

    let (s, events) = app
        .get(&format!("/api/v1/cases/{id}/events"), Some(&coord))
        .await;
    assert_eq!(s, 200);
    let kinds: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "registered",
            "transferred",
            "accepted",
            "extension_granted",
            "opinion_issued"
        ]
    );
}
both!(petition_happy_path);
