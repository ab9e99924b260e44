//! Abuse resistance: public rate limits per address and per phone answer 429 with Retry-After
//! and a bilingual message, and write nothing.

use crate::harness::{Backend, TestApp, assert_error, new_case};
use minsheng_server::abuse::Limits;
use serde_json::json;

async fn count_cases(app: &TestApp) -> i64 {
    app.state.store.count_cases().await.expect("count")
}

async fn limits_refuse_and_change_nothing(backend: Backend) {
    let app = TestApp::spawn_with(
        backend,
        Limits {
            writes_per_minute: 4,
            tracks_per_minute: 3,
            per_phone_per_hour: 2,
            trust_forwarded_for: false,
        },
    )
    .await;
    let body = |phone: &str| {
        let mut b = new_case("appeal", "online", phone);
        b.as_object_mut().unwrap().remove("office_unit");
        b
    };
    // Per phone: two submissions an hour, the third is refused.
    for _ in 0..2 {
        let (s, b) = app
            .post("/api/v1/public/cases", None, &body("13800000001"))
            .await;
        assert_eq!(s, 201, "{b}");
    }
    let before = count_cases(&app).await;
    let r = app
        .post("/api/v1/public/cases", None, &body("13800000001"))
        .await;
    assert_error(&r, 429, "too_many_attempts");
    assert_eq!(
        count_cases(&app).await,
        before,
        "a refused submission writes nothing"
    );

    // Per address: four a minute, whatever the phone, refusals included (a flood is a flood):
    // the fourth request passes, the fifth is refused.
    let (s, b) = app
        .post("/api/v1/public/cases", None, &body("13800000002"))
        .await;
    assert_eq!(s, 201, "{b}");
    let before = before + 1;
    let raw = app
        .client
        .post(format!("{}/api/v1/public/cases", app.base))
        .json(&body("13800000003"))
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status().as_u16(), 429);
    let retry: u64 = raw.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    assert_eq!(count_cases(&app).await, before);

    // The web form is refused the same way, as a page in the visitor's language.
    let page = app
        .client
        .post(format!("{}/submit", app.base))
        .form(&[("title", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 429);
    assert!(page.headers().contains_key("retry-after"));
    let html = page.text().await.unwrap();
    assert!(html.contains("尝试次数过多"), "{html}");

    // Tracking attempts have their own budget: guessing query codes stays slow.
    for _ in 0..3 {
        let (s, _) = app
            .post(
                "/api/v1/public/track",
                None,
                &json!({"query_code": "AAAAAAAAAA", "phone_last4": "0000"}),
            )
            .await;
        assert_eq!(s, 404);
    }
    let r = app
        .post(
            "/api/v1/public/track",
            None,
            &json!({"query_code": "AAAAAAAAAA", "phone_last4": "0000"}),
        )
        .await;
    assert_error(&r, 429, "too_many_attempts");

    // Staff work is never limited by the public budgets.
    let (s, _) = app.get("/healthz", None).await;
    assert_eq!(s, 200);
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_sqlite() {
    limits_refuse_and_change_nothing(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_postgres() {
    limits_refuse_and_change_nothing(Backend::Postgres).await;
}

/// The spam screen holds an advert instead of registering it (202, a query code, no case), the
/// citizen sees "in content review" when tracking, a reviewer releases a held genuine matter
/// (registered with the code the citizen holds) or rejects an advert; handlers cannot review;
/// an ordinary submission is not held.
async fn spam_is_held_for_review(app: &TestApp) {
    let advert = |phone: &str| {
        let mut b = new_case("appeal", "online", phone);
        let o = b.as_object_mut().unwrap();
        o.remove("office_unit");
        o.insert("title".into(), json!("百家乐真人荷官 注册送彩金"));
        o.insert(
            "request".into(),
            json!("官方网址 www.bjl777.vip 首存送100%，加微信 bjl777"),
        );
        b
    };
    let cases_before = count_cases(app).await;
    let (s, b) = app
        .post("/api/v1/public/cases", None, &advert("13800000011"))
        .await;
    assert_eq!(s, 202, "{b}");
    assert_eq!(b["held"], true);
    assert_eq!(b["number"], "");
    let code = b["query_code"].as_str().expect("a query code").to_string();
    assert_eq!(count_cases(app).await, cases_before, "held, not registered");

    // Tracking says it is in review (with the right last four digits), else plain not found.
    let r = app
        .post(
            "/api/v1/public/track",
            None,
            &json!({"query_code": code, "phone_last4": "0011"}),
        )
        .await;
    assert_error(&r, 400, "submission_held");
    let r = app
        .post(
            "/api/v1/public/track",
            None,
            &json!({"query_code": code, "phone_last4": "9999"}),
        )
        .await;
    assert_eq!(r.0, 404, "{}", r.1);

    // A second advert, to be rejected.
    let (s, b2) = app
        .post("/api/v1/public/cases", None, &advert("13800000012"))
        .await;
    assert_eq!(s, 202, "{b2}");
    let code2 = b2["query_code"].as_str().unwrap().to_string();

    // An ordinary matter is not held.
    let mut plain = new_case("appeal", "online", "13800000013");
    plain.as_object_mut().unwrap().remove("office_unit");
    let (s, b3) = app.post("/api/v1/public/cases", None, &plain).await;
    assert_eq!(s, 201, "{b3}");

    // A handler may not see or decide the queue.
    let handler = app.web_client(Some("handler.donghu.zjj")).await;
    let r = handler
        .get(format!("{}/staff/held", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);

    // The coordinator's queue shows both, escaped, with the evidence; no link is clickable.
    let coord = app.web_client(Some("coord.donghu")).await;
    let html = coord
        .get(format!("{}/staff/held", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("百家乐真人荷官"), "{html}");
    assert!(html.contains("link:www.bjl777.vip"), "{html}");
    assert!(!html.contains("href=\"http"), "links stay text");
    assert!(!html.contains("13800000011"), "phone masked");
    let ids: Vec<String> = html
        .match_indices("/staff/held/")
        .map(|(i, _)| html[i + 12..i + 48].to_string())
        .filter(|s| uuid::Uuid::parse_str(s).is_ok())
        .collect();
    let mut ids = ids;
    ids.dedup();
    assert_eq!(ids.len(), 2, "{ids:?}");

    // A handler cannot release; the coordinator releases the first, rejects the second.
    let r = handler
        .post(format!("{}/staff/held/{}/release", app.base, ids[0]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    assert_eq!(count_cases(app).await, cases_before + 1);
    let r = coord
        .post(format!("{}/staff/held/{}/release", app.base, ids[0]))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status().as_u16(),
        303,
        "release redirects to the new case"
    );
    assert_eq!(count_cases(app).await, cases_before + 2);
    let again = coord
        .post(format!("{}/staff/held/{}/release", app.base, ids[0]))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 400, "released once only");
    assert_eq!(count_cases(app).await, cases_before + 2);
    let r = coord
        .post(format!("{}/staff/held/{}/reject", app.base, ids[1]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(count_cases(app).await, cases_before + 2);

    // The released one tracks with the code the citizen got at submission; the rejected one
    // says it was not registered.
    let (s, t) = app
        .post(
            "/api/v1/public/track",
            None,
            &json!({"query_code": code, "phone_last4": "0011"}),
        )
        .await;
    assert_eq!(s, 200, "{t}");
    let r = app
        .post(
            "/api/v1/public/track",
            None,
            &json!({"query_code": code2, "phone_last4": "0012"}),
        )
        .await;
    assert_error(&r, 400, "submission_rejected");
}
crate::both!(spam_is_held_for_review);
