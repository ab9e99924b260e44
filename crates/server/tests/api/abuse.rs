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
