//! 多元化解 referrals through the public API: the referral's deadline is shown with the case's
//! deadlines, an agreement closes the case, a failed mediation sends it back to handling, and
//! only the unit holding the case may refer it.

use crate::both;
use crate::harness::{TestApp, assert_due, assert_error, new_case};
use serde_json::{Value, json};

/// A petition accepted by the Donghu housing bureau; returns its id.
async fn handling(app: &TestApp) -> String {
    let (id, _, _) = app
        .register("intake.donghu", &new_case("appeal", "visit", "13812345678"))
        .await;
    let coord = app.login("coord.donghu").await;
    app.ok(
        &coord,
        &id,
        json!({"command": "transfer", "to_unit": "990102-zjj", "mode": "assign"}),
    )
    .await;
    let handler = app.login("handler.donghu.zjj").await;
    let c = app
        .ok(
            &handler,
            &id,
            json!({"command": "accept", "notice": "本机关已依法受理。"}),
        )
        .await;
    assert_eq!(c["status"], "handling");
    id
}

fn refer(kind: &str) -> Value {
    json!({"command": "refer", "kind": kind, "body": "翠湖社区人民调解委员会", "note": "邻里纠纷，适宜调解"})
}

fn outcome(o: &str) -> Value {
    json!({"command": "record_referral_outcome", "outcome": o, "note": "双方签订调解协议书"})
}

async fn referral_deadline_and_agreement(app: &TestApp) {
    let id = handling(app).await;
    let handler = app.login("handler.donghu.zjj").await;
    let before = app
        .get(&format!("/api/v1/cases/{id}"), Some(&handler))
        .await
        .1;
    let handling_due = before["deadlines"][0].clone();
    assert_eq!(handling_due["kind"], "handling");

    let c = app.ok(&handler, &id, refer("people_mediation")).await;
    assert_eq!(c["status"], "referred", "{c}");
    assert_eq!(c["status_zh"], "调解中");
    let r = &c["referrals"][0];
    assert_eq!(r["kind"], "people_mediation");
    assert_eq!(r["body"], "翠湖社区人民调解委员会");
    // The referral deadline: 30 calendar days by the shipped policy, from the referral.
    let dl = c["deadlines"].as_array().unwrap();
    let referral = dl
        .iter()
        .find(|d| d["kind"] == "referral")
        .expect("referral deadline");
    assert_eq!(referral["label_zh"], "调解期限");
    let referred_at = c["updated_at"].clone();
    assert_due(referral, "referral", "30d", 0, &referred_at);
    assert_eq!(r["due"], referral["due"]["last_day"]);
    // The handling deadline still shows, unchanged.
    let h = dl
        .iter()
        .find(|d| d["kind"] == "handling")
        .expect("handling still runs");
    assert_eq!(h["due"], handling_due["due"]);

    // Another referral while one is open is refused and changes nothing.
    let r2 = app.command(&handler, &id, refer("court")).await;
    assert_error(&r2, 409, "not_allowed_in_state");

    let c = app.ok(&handler, &id, outcome("mediation_agreement")).await;
    assert_eq!(c["status"], "closed", "{c}");
    assert!(c["closed_at"].is_string());
    assert_eq!(c["referrals"][0]["outcome"], "mediation_agreement");
    assert!(c["deadlines"].as_array().unwrap().is_empty());

    // The timeline names both events in Chinese and English.
    let (_, events) = app
        .get(&format!("/api/v1/cases/{id}/events"), Some(&handler))
        .await;
    let text = events.to_string();
    assert!(
        text.contains("referred") && text.contains("referral_concluded"),
        "{text}"
    );
}
both!(referral_deadline_and_agreement);

async fn failed_mediation_goes_back_to_handling(app: &TestApp) {
    let id = handling(app).await;
    let handler = app.login("handler.donghu.zjj").await;
    app.ok(&handler, &id, refer("administrative_mediation"))
        .await;
    let c = app.ok(&handler, &id, outcome("failed")).await;
    assert_eq!(c["status"], "handling", "{c}");
    assert_eq!(c["deadlines"][0]["kind"], "handling");
    assert_eq!(c["referrals"][0]["outcome"], "failed");
    // Handling goes on to the opinion.
    let c = app
        .ok(
            &handler,
            &id,
            json!({"command": "issue_opinion", "request": "修复电梯", "facts_reasons": "经查属实",
                   "opinion": "责令物业修复", "legal_basis": "《物业管理条例》", "outcome": "support"}),
        )
        .await;
    assert_eq!(c["status"], "answered");
}
both!(failed_mediation_goes_back_to_handling);

async fn court_leaves_the_petition_route(app: &TestApp) {
    let id = handling(app).await;
    let handler = app.login("handler.donghu.zjj").await;
    let c = app.ok(&handler, &id, refer("court")).await;
    assert_eq!(c["status"], "diverted", "{c}");
    assert_eq!(c["diverted_route"], "litigation");
    let c = app.ok(&handler, &id, outcome("withdrawn")).await;
    assert_eq!(c["status"], "diverted");
    assert_eq!(c["referrals"][0]["outcome"], "withdrawn");
}
both!(court_leaves_the_petition_route);

async fn other_units_and_bad_input_are_refused(app: &TestApp) {
    let id = handling(app).await;
    let version = app
        .get(
            &format!("/api/v1/cases/{id}"),
            Some(&app.login("handler.donghu.zjj").await),
        )
        .await
        .1["version"]
        .clone();
    // A handler of another unit cannot see the case at all, nor refer it.
    let other = app.login("handler.donghu.rsj").await;
    let r = app.command(&other, &id, refer("people_mediation")).await;
    assert!(matches!(r.0, 403 | 404), "{r:?}");
    // The petition office does not hold the case any more.
    let coord = app.login("coord.donghu").await;
    assert_error(
        &app.command(&coord, &id, refer("people_mediation")).await,
        403,
        "forbidden",
    );
    let handler = app.login("handler.donghu.zjj").await;
    // Bad input: unknown kind, missing body, an outcome with no referral open.
    for bad in [
        json!({"command": "refer", "kind": "duel", "body": "某机构"}),
        json!({"command": "refer", "kind": "people_mediation"}),
        json!({"command": "refer", "kind": "people_mediation", "body": ""}),
    ] {
        let r = app.command(&handler, &id, bad.clone()).await;
        assert!((400..500).contains(&r.0), "{bad} → {r:?}");
        assert!(
            r.1["code"].is_string() && r.1["message_zh"].is_string(),
            "{r:?}"
        );
    }
    assert_error(
        &app.command(&handler, &id, outcome("failed")).await,
        409,
        "not_allowed_in_state",
    );
    let now = app
        .get(&format!("/api/v1/cases/{id}"), Some(&handler))
        .await
        .1;
    assert_eq!(now["version"], version, "nothing changed");
    assert_eq!(now["status"], "handling");
}
both!(other_units_and_bad_input_are_refused);

async fn case_page_offers_referral(app: &TestApp) {
    let id = handling(app).await;
    let c = app.web_client(Some("handler.donghu.zjj")).await;
    let number = app
        .get(
            &format!("/api/v1/cases/{id}"),
            Some(&app.login("handler.donghu.zjj").await),
        )
        .await
        .1["number"]
        .as_str()
        .unwrap()
        .to_string();
    let page = |c: reqwest::Client, url: String| async move {
        c.get(url).send().await.unwrap().text().await.unwrap()
    };
    let html = page(c.clone(), format!("{}/staff/cases/{number}", app.base)).await;
    assert!(
        html.contains(r#"id="action-refer""#),
        "refer action offered"
    );
    assert!(!html.contains(r#"id="action-record_referral_outcome""#));
    let r = c
        .post(format!("{}/staff/cases/{number}/act", app.base))
        .form(&[
            ("command", "refer"),
            ("kind", "people_mediation"),
            ("body", "翠湖社区人民调解委员会"),
            ("note", "<b>邻里</b>"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("转人民调解"), "timeline in Chinese");
    assert!(html.contains("调解期限"), "deadline shown");
    assert!(html.contains(r#"id="action-record_referral_outcome""#));
    assert!(!html.contains("<b>邻里</b>"), "user text escaped");
}
both!(case_page_offers_referral);
