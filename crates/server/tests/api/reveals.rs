//! Every place masked personal data can be revealed writes an audited event naming who, when,
//! what and why; every other place that shows a petitioner or suggester (lists, the case page
//! before a reveal, exports, the held-submission queue, the suggestion pages and API) shows
//! masked values only. The two reveal paths are the case page's form and the JSON API; a
//! reveal without a purpose is refused and records nothing.

use crate::harness::{TestApp, new_case};
use serde_json::{Value, json};

const PHONE: &str = "13712340001";
const NAME: &str = "慕容晓雪";
const ID_NUMBER: &str = "11010519491231002X";
const HOME: &str = "临江市东湖区翠湖苑9栋909";

fn reveals(events: &Value) -> Vec<&Value> {
    events
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["type"] == "personal_data_revealed")
        .collect()
}

fn assert_masked(place: &str, text: &str) {
    for secret in [PHONE, NAME, ID_NUMBER, HOME] {
        assert!(!text.contains(secret), "{secret} shown in clear on {place}");
    }
}

async fn every_reveal_is_audited(app: &TestApp) {
    let mut body = new_case("appeal", "visit", PHONE);
    body["petitioner"] =
        json!({"name": NAME, "phone": PHONE, "id_number": ID_NUMBER, "address": HOME});
    let (id, _, case) = app.register("intake.donghu", &body).await;
    let number = case["number"].as_str().expect("number").to_string();
    let coord = app.login("coord.donghu").await;
    let web = app.web_client(Some("coord.donghu")).await;

    // Before any reveal: masked on the case page, the API, the queue and its download.
    let (s, html) = app.page(&web, &format!("/staff/cases/{number}")).await;
    assert_eq!(s, 200);
    assert_masked("the case page", &html);
    assert!(html.contains("137****0001"), "the masked phone is shown");
    let (_, api_case) = app.get(&format!("/api/v1/cases/{id}"), Some(&coord)).await;
    assert_masked("the case API", &api_case.to_string());
    let (s, csv) = app.page(&web, "/staff?sort=newest&format=csv").await;
    assert_eq!(s, 200);
    assert!(csv.contains(&number), "the export lists the case");
    assert_masked("the queue export", &csv);

    // The case page's reveal: one event with who, when, what and why; the value on the page.
    let before = chrono::Utc::now();
    let r = web
        .post(format!("{}/staff/cases/{number}/reveal", app.base))
        .form(&[("field", "id_number"), ("purpose", "核实身份信息")])
        .send()
        .await
        .expect("reveal");
    assert_eq!(r.status().as_u16(), 200);
    let html = r.text().await.expect("html");
    assert!(html.contains(ID_NUMBER), "the revealed value is shown once");
    let (_, events) = app
        .get(&format!("/api/v1/cases/{id}/events"), Some(&coord))
        .await;
    let rv = reveals(&events);
    assert_eq!(rv.len(), 1, "{events}");
    assert_eq!(rv[0]["event"]["field"], "id_number");
    assert_eq!(rv[0]["event"]["purpose"], "核实身份信息");
    assert_eq!(rv[0]["actor_role"], "coordinator");
    assert_eq!(rv[0]["actor_unit"], "990102-xfj");
    assert!(rv[0]["actor_name"].as_str().is_some_and(|n| !n.is_empty()));
    let at: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(rv[0]["at"].clone()).expect("when");
    assert!(at >= before - chrono::Duration::seconds(1), "{at} {before}");
    assert_masked("the event log", &events.to_string());

    // Without a purpose, from the page or the API: refused, nothing recorded, nothing shown.
    let r = web
        .post(format!("{}/staff/cases/{number}/reveal", app.base))
        .form(&[("field", "phone"), ("purpose", "")])
        .send()
        .await
        .expect("reveal");
    let html = r.text().await.expect("html");
    assert!(!html.contains(PHONE), "no value without a purpose");
    let r = app
        .post(
            &format!("/api/v1/cases/{id}/reveal"),
            Some(&coord),
            &json!({"field": "phone", "purpose": ""}),
        )
        .await;
    assert_eq!(r.0, 422, "{}", r.1);
    let (_, events) = app
        .get(&format!("/api/v1/cases/{id}/events"), Some(&coord))
        .await;
    assert_eq!(reveals(&events).len(), 1, "refusals record nothing");

    // The API's reveal: a second event.
    let (s, r) = app
        .post(
            &format!("/api/v1/cases/{id}/reveal"),
            Some(&coord),
            &json!({"field": "phone", "purpose": "电话回访"}),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["value"], PHONE);
    let (_, events) = app
        .get(&format!("/api/v1/cases/{id}/events"), Some(&coord))
        .await;
    let rv = reveals(&events);
    assert_eq!(rv.len(), 2);
    assert_eq!(rv[1]["event"]["field"], "phone");
    assert_eq!(rv[1]["event"]["purpose"], "电话回访");

    // A held submission's reviewer sees the phone masked and no name or ID number at all.
    let mut advert = new_case("appeal", "online", PHONE);
    advert["title"] = json!("百家乐真人荷官 注册送彩金");
    advert["request"] = json!("官方网址 www.bjl777.vip 首存送100%，加微信 bjl777");
    advert["petitioner"] =
        json!({"name": NAME, "phone": PHONE, "id_number": ID_NUMBER, "address": HOME});
    let (s, b) = app.post("/api/v1/public/cases", None, &advert).await;
    assert_eq!(s, 202, "{b}");
    let (s, html) = app.page(&web, "/staff/held").await;
    assert_eq!(s, 200);
    assert!(html.contains("137****0001"), "{html}");
    assert_masked("the held queue", &html);

    // A suggester: masked on the staff page and in the staff API.
    let (s, sg) = app
        .post(
            "/api/v1/public/suggestions",
            None,
            &json!({
                "title": "关于完善老旧小区加装电梯补贴政策的建议",
                "reason": "全区老旧小区居民老龄化程度高，加装电梯意愿强，但审批环节多、补贴标准不清。",
                "proposal": "建议建立加装电梯一站式审批机制，明确补贴标准，并公开办理进度。",
                "topic": "010101", "region": "990102001001",
                "suggester": {"name": NAME, "phone": PHONE, "address": HOME}
            }),
        )
        .await;
    assert_eq!(s, 201, "{sg}");
    let sg_number = sg["number"].as_str().expect("number");
    let (s, view) = app
        .get(&format!("/api/v1/suggestions/{sg_number}"), Some(&coord))
        .await;
    assert_eq!(s, 200, "{view}");
    assert_masked("the suggestion API", &view.to_string());
    assert!(view.to_string().contains("137****0001"), "{view}");
    let (s, html) = app.page(&web, &format!("/staff/suggest/{sg_number}")).await;
    assert_eq!(s, 200, "{html}");
    assert_masked("the suggestion page", &html);
    let (s, html) = app.page(&web, "/staff/suggest").await;
    assert_eq!(s, 200);
    assert_masked("the suggestion list", &html);
}
crate::both!(every_reveal_is_audited);
