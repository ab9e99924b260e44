//! The knowledge base: edited by the owning unit, searched with the case engine, shown to the
//! public only while published and valid, suggested to agents while they type.

use crate::harness::{TestApp, plain_client};

async fn save(c: &reqwest::Client, app: &TestApp, form: &[(&str, &str)]) -> (u16, String) {
    let r = c
        .post(format!("{}/staff/kb/save", app.base))
        .form(form)
        .send()
        .await
        .expect("save");
    let status = r.status().as_u16();
    let loc = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (status, loc)
}

async fn knowledge_base_search_and_expiry(app: &TestApp) {
    let zjj = app.web_client(Some("handler.donghu.zjj")).await;
    let article = |title: &'static str, state: &'static str, until: &'static str| {
        [
            ("title", title),
            (
                "body",
                "住宅电梯停运时请先向物业报修，物业超过24小时未处理的可向住建局反映。",
            ),
            ("owner_unit", "990102-zjj"),
            ("valid_from", "2026-01-01"),
            ("valid_until", until),
            ("state", state),
        ]
    };
    // Another unit's officer cannot write in this unit's name.
    let rsj = app.web_client(Some("handler.donghu.rsj")).await;
    let (s, _) = save(&rsj, app, &article("电梯报修指南", "published", "")).await;
    assert_eq!(s, 403);
    let (s, loc) = save(&zjj, app, &article("电梯报修指南", "published", "")).await;
    assert_eq!(s, 303, "saved");
    let id = loc.trim_start_matches("/staff/kb?saved=").to_string();
    let (s, _) = save(
        &zjj,
        app,
        &article("过期的电梯补贴政策", "published", "2026-01-31"),
    )
    .await;
    assert_eq!(s, 303);
    let (s, _) = save(&zjj, app, &article("电梯改造草稿", "draft", "")).await;
    assert_eq!(s, 303);
    let (s, _) = save(&zjj, app, &article("日期颠倒", "draft", "2025-01-01")).await;
    assert_eq!(s, 422, "the last day cannot precede the first");

    // The public sees the current article only; search uses the case engine (two characters).
    let public = plain_client();
    let (_, html) = app.page(&public, "/kb?q=%E7%94%B5%E6%A2%AF").await;
    // Titles come highlighted (<mark>电梯</mark>…): compare the parts after the query term.
    assert!(html.contains("报修指南"), "{html}");
    assert!(
        !html.contains("补贴政策"),
        "expired articles are not public"
    );
    assert!(!html.contains("改造草稿"), "drafts are not public");
    assert_eq!(app.page(&public, &format!("/kb/{id}")).await.0, 200);
    // Staff see every state, the expired one marked for review.
    let (_, html) = app.page(&zjj, "/staff/kb?q=%E7%94%B5%E6%A2%AF").await;
    assert!(html.contains("补贴政策") && html.contains("改造草稿"));
    assert!(html.contains("已过有效期"));

    // Editing with a stale version is a conflict and changes nothing.
    let mut edit = article("电梯报修指南（修订）", "published", "").to_vec();
    edit.push(("id", id.as_str()));
    edit.push(("version", "1"));
    assert_eq!(save(&zjj, app, &edit).await.0, 303);
    assert_eq!(save(&zjj, app, &edit).await.0, 409, "stale version");

    // While an agent types a consultation, the article is suggested.
    let intake = app.web_client(Some("intake.donghu")).await;
    let html = intake
        .post(format!("{}/staff/intake/preview", app.base))
        .form(&[
            ("channel", "phone"),
            ("kind", "appeal"),
            ("name", "王五"),
            ("phone", "13500001111"),
            ("topic", "010101"),
            ("title", "电梯停运找谁报修"),
            ("request", "住宅电梯停运物业不处理怎么办"),
            ("region", "990102001001"),
        ])
        .send()
        .await
        .expect("preview")
        .text()
        .await
        .expect("html");
    assert!(html.contains("id=\"kb-suggestions\""), "{html}");
    assert!(html.contains("电梯报修指南（修订）"));
    assert!(
        !html.contains("过期的电梯补贴政策"),
        "expired articles are not suggested"
    );
}
crate::both!(knowledge_base_search_and_expiry);
