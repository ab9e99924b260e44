//! Search, related cases and risk flags as staff meet them: through the pages, with access
//! rules, escaping, and the reason each related case matched.

use crate::harness::{TestApp, new_case};

async fn search_finds_substrings_within_access(app: &TestApp) {
    let mut body = new_case("appeal", "phone", "13800009999");
    body["title"] = serde_json::json!("<b>翠湖苑</b>漏水");
    body["request"] = serde_json::json!("翠湖苑5栋楼顶漏水，请尽快维修");
    let (_, _, case) = app.register("intake.donghu", &body).await;
    let number = case["number"].as_str().expect("number").to_string();
    app.state.text.flush();

    let coord = app.web_client(Some("coord.donghu")).await;
    // 翠湖 is split by jieba as 翠/湖苑; the character pairs still find it.
    let (s, html) = app.page(&coord, "/staff/search?q=%E7%BF%A0%E6%B9%96").await;
    assert_eq!(s, 200);
    assert!(
        html.contains(&number),
        "a two-character query finds the case"
    );
    assert!(html.contains("&lt;b&gt;"), "the title's markup is escaped");
    assert!(!html.contains("<b>"), "no user markup reaches the page");
    assert!(html.contains("<mark>"), "the match is highlighted");

    let other = app.web_client(Some("handler.xicheng.zjj")).await;
    let (_, html) = app.page(&other, "/staff/search?q=%E7%BF%A0%E6%B9%96").await;
    assert!(
        !html.contains(&number),
        "another unit's handler does not find it"
    );

    let (s, _) = app
        .page(&coord, &format!("/staff/search?q={}", "x".repeat(300)))
        .await;
    assert_eq!(s, 400, "an over-long query is refused, not cut");
    let (s, _) = app.page(&coord, "/staff/search?status=bogus").await;
    assert_eq!(s, 422);
    let (s, _) = app.page(&coord, "/staff/search?from=yesterday").await;
    assert_eq!(s, 400);
    // Filters: region subtree, topic subtree, date range, unit.
    for (filter, found) in [
        ("region=990102", true),
        ("region=990103", false),
        ("topic=01", true),
        ("topic=02", false),
        ("from=2020-01-01", true),
        ("to=2020-01-01", false),
        ("unit=990102-xfj", true),
        ("unit=990102-zjj", false),
    ] {
        let (s, html) = app
            .page(
                &coord,
                &format!("/staff/search?q=%E7%BF%A0%E6%B9%96&{filter}"),
            )
            .await;
        assert_eq!(s, 200, "{filter}");
        assert_eq!(
            html.contains(&number),
            found,
            "{filter}: {}",
            html.split("id=\"hits\"").nth(1).unwrap_or("")
        );
    }
}
crate::both!(search_finds_substrings_within_access);

async fn intake_preview_shows_related_and_risks(app: &TestApp) {
    let (_, _, earlier) = app
        .register("intake.donghu", &new_case("appeal", "phone", "13700001234"))
        .await;
    let number = earlier["number"].as_str().expect("number");
    let c = app.web_client(Some("intake.donghu")).await;
    let form = [
        ("channel", "phone"),
        ("kind", "appeal"),
        ("phone", "13700001234"),
        ("name", "张三丰"),
        ("topic", "010101"),
        ("title", "电梯还是坏的"),
        ("request", "再不修我就去跳楼"),
        ("region", "990102001001"),
        ("address", "翠湖社区翠湖苑3栋"),
    ];
    let r = c
        .post(format!("{}/staff/intake/preview", app.base))
        .form(&form)
        .send()
        .await
        .expect("preview");
    assert_eq!(r.status(), 200);
    let html = r.text().await.expect("html");
    assert!(
        html.contains(number),
        "the caller's earlier case is related: {html}"
    );
    assert!(html.contains("同一来电人"), "with its reason");
    assert!(html.contains("id=\"risk-flags\""), "the threat is flagged");
    assert!(html.contains("跳楼"), "with the phrase as evidence");
    assert!(
        !html.contains("risk-level-4"),
        "an outright threat is not at the lowest level"
    );
    assert!(
        html.contains("id=\"suggested-unit\""),
        "the catalogue's unit is suggested"
    );

    // Negated: kept at the lowest level, with the negation shown.
    let mut calm = form;
    calm[6] = ("request", "我不会去跳楼，只想把电梯修好");
    let html = c
        .post(format!("{}/staff/intake/preview", app.base))
        .form(&calm)
        .send()
        .await
        .expect("preview")
        .text()
        .await
        .expect("html");
    assert!(
        html.contains("risk-level-4"),
        "a negated threat is downgraded: {html}"
    );
    assert!(html.contains("不会"), "the negation is shown");
}
crate::both!(intake_preview_shows_related_and_risks);

/// The topic classifier learns from the cases on file and suggests a first-level topic at
/// intake, with its confidence.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn classifier_suggests_topics_at_intake() {
    let app = TestApp::spawn(crate::harness::Backend::Sqlite).await;
    minsheng_server::demo::generate_cases(&app.state, 400, 7, 60)
        .await
        .expect("demo cases");
    let model = minsheng_server::topics::train(&app.state.store)
        .await
        .expect("train")
        .expect("enough cases and topics");
    let n = model.trained_on();
    assert!(n >= 400, "trained on every case: {n}");
    app.state.set_classifier(model);
    let model = app.state.classifier().expect("model in service");
    // On its own generated cases the first level must mostly be right.
    let mut right = 0;
    let mut total = 0;
    let mut after = None;
    let page = app
        .state
        .store
        .cases_for_index(after.take(), 100)
        .await
        .expect("cases");
    for (case, _) in &page {
        let guess = model
            .suggest(
                &case.title,
                &format!("{}{}", case.request, case.facts_reasons),
            )
            .expect("a suggestion");
        total += 1;
        right += usize::from(case.topic.starts_with(&guess.label));
    }
    assert!(
        right * 10 >= total * 6,
        "first-level accuracy {right}/{total}"
    );

    let (title, request) = (page[0].0.title.clone(), page[0].0.request.clone());
    let c = app.web_client(Some("intake.donghu")).await;
    let html = c
        .post(format!("{}/staff/intake/preview", app.base))
        .form(&[
            ("channel", "phone"),
            ("kind", "appeal"),
            ("title", title.as_str()),
            ("request", request.as_str()),
        ])
        .send()
        .await
        .expect("preview")
        .text()
        .await
        .expect("html");
    assert!(
        html.contains("id=\"topic-guess\""),
        "a topic is suggested before one is chosen: {html}"
    );
    app.finish().await;
}
