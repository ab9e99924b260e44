//! The web pages over plain HTTP: who may open which page (a table of cases), forms that are
//! refused change nothing, cross-site posts are refused, user text is escaped in the HTML.

use crate::harness::{TestApp, new_case, plain_client};
use minsheng_server::demo::DEMO_PASSWORD;

async fn pages_by_role(app: &TestApp) {
    let (_, _, case) = app
        .register("intake.donghu", &new_case("appeal", "phone", "13800003333"))
        .await;
    let number = case["number"].as_str().expect("number");
    let case_page = format!("/staff/cases/{number}");
    let table: &[(Option<&str>, &str, u16)] = &[
        (None, "/", 200),
        (None, "/submit", 200),
        (None, "/track", 200),
        (None, "/staff", 303),
        (None, "/kb", 200),
        (None, "/kb/not-an-id", 404),
        (None, "/staff/kb", 303),
        (None, "/staff/search?q=x", 303),
        (Some("handler.donghu.zjj"), "/staff/kb", 200),
        (
            Some("handler.donghu.zjj"),
            "/staff/search?q=%E7%94%B5%E6%A2%AF",
            200,
        ),
        (None, &case_page, 303),
        (None, "/staff/admin", 303),
        (Some("intake.donghu"), "/staff", 200),
        (Some("intake.donghu"), "/staff/intake", 200),
        (Some("intake.donghu"), &case_page, 200),
        (Some("intake.donghu"), "/staff/admin", 403),
        (Some("coord.donghu"), &case_page, 200),
        (Some("coord.linjiang"), &case_page, 200),
        (Some("coord.province"), &case_page, 200),
        (Some("supervisor"), &case_page, 200),
        (Some("handler.donghu.zjj"), &case_page, 404),
        (Some("handler.xicheng.zjj"), &case_page, 404),
        (Some("handler.donghu.zjj"), "/staff/intake", 403),
        (Some("handler.donghu.zjj"), "/staff/admin", 403),
        (Some("admin"), "/staff/admin", 200),
        (
            Some("coord.donghu"),
            &format!("{case_page}/documents/opinion"),
            404,
        ),
        (Some("coord.donghu"), "/staff/cases/2026-0101-999999", 404),
        (Some("coord.donghu"), "/staff?status=nonsense", 422),
        (Some("coord.donghu"), "/staff?sort=sideways", 400),
    ];
    for (user, path, want) in table {
        let c = app.web_client(*user).await;
        assert_eq!(app.page(&c, path).await.0, *want, "{user:?} GET {path}");
    }
}
crate::both!(pages_by_role);

async fn refused_forms_change_nothing(app: &TestApp) {
    let before = app.case_count().await;
    let c = app.web_client(None).await;
    let post = |body: &'static str| {
        c.post(format!("{}/submit", app.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    // Missing fields, unknown topic, region or kind, no way to reach the petitioner, garbage.
    for (body, want) in [
        ("kind=appeal&title=x", 422),
        (
            "kind=appeal&topic=999999&title=t&request=r&region=990102&name=张三&phone=13900001111",
            422,
        ),
        (
            "kind=appeal&topic=010101&title=t&request=r&region=nowhere&name=张三&phone=13900001111",
            422,
        ),
        (
            "kind=wish&topic=010101&title=t&request=r&region=990102",
            422,
        ),
        (
            "kind=appeal&topic=010101&title=t&request=r&region=990102",
            422,
        ),
        ("%%%", 422),
    ] {
        let r = post(body).await.expect("post");
        let code = r.status().as_u16();
        let html = r.text().await.unwrap_or_default();
        assert_eq!(code, want, "{body}: {html}");
        assert!(
            html.contains("role=\"alert\""),
            "{body}: the error is shown"
        );
    }
    assert_eq!(app.case_count().await, before, "nothing was registered");

    // A post from another site is refused before it reaches the form.
    let r = c
        .post(format!("{}/track", app.base))
        .header("origin", "http://evil.example")
        .form(&[("query_code", "ABCDEFGHJK")])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403);

    // A staff action with a bad command is refused on the case page, and the case is unchanged.
    let (id, _, case) = app
        .register("intake.donghu", &new_case("appeal", "phone", "13800004444"))
        .await;
    let number = case["number"].as_str().expect("number");
    let s = app.web_client(Some("coord.donghu")).await;
    for body in [
        "command=launch&x=1",
        "command=transfer&to_unit=nowhere&mode=transfer",
        "command=accept&notice=ok",
        "command=extend&days=abc&approver=a&reason=b",
    ] {
        let r = s
            .post(format!("{}/staff/cases/{number}/act", app.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("post");
        assert!(r.status().is_client_error(), "{body}: {}", r.status());
    }
    let token = app.login("coord.donghu").await;
    let (_, view) = app.get(&format!("/api/v1/cases/{id}"), Some(&token)).await;
    assert_eq!(view["version"], case["version"], "no event was appended");
}
crate::both!(refused_forms_change_nothing);

async fn user_text_is_escaped(app: &TestApp) {
    let mut body = new_case("appeal", "phone", "13800005555");
    body["title"] = serde_json::json!("<script>alert(1)</script>");
    body["request"] = serde_json::json!("<a href=\"http://x.example\">dafa888bet</a>");
    let (_, _, case) = app.register("intake.donghu", &body).await;
    let number = case["number"].as_str().expect("number");
    let c = app.web_client(Some("coord.donghu")).await;
    for path in [
        format!("/staff/cases/{number}"),
        "/staff?sort=newest".to_string(),
    ] {
        let html = c
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .expect("get")
            .text()
            .await
            .expect("html");
        assert!(!html.contains("<script>alert(1)"), "{path}");
        assert!(
            html.contains("&#60;script&#62;alert(1)") || html.contains("&lt;script&gt;alert(1)"),
            "{path}"
        );
        assert!(!html.contains("<a href=\"http://x.example\""), "{path}");
    }
}
crate::both!(user_text_is_escaped);

async fn admin_edits_the_directory(app: &TestApp) {
    let admin = app.web_client(Some("admin")).await;
    let post = |c: &reqwest::Client, path: &str, form: &[(&str, &str)]| {
        c.post(format!("{}{path}", app.base)).form(form).send()
    };
    let unit = [
        ("id", "990102-sw"),
        ("name_zh", "东湖区水务局"),
        ("name_en", "Donghu Water Bureau"),
        ("kind", "department"),
        ("region", "990102"),
    ];
    let handler = app.web_client(Some("handler.donghu.zjj")).await;
    let r = post(&handler, "/staff/admin/units", &unit)
        .await
        .expect("post");
    assert_eq!(r.status(), 403, "only administrators edit the directory");
    let r = post(&admin, "/staff/admin/units", &unit)
        .await
        .expect("post");
    assert_eq!(r.status(), 303);
    let r = post(&admin, "/staff/admin/units", &unit)
        .await
        .expect("post");
    assert_eq!(r.status(), 400, "a unit code is unique");
    let mut bad = unit;
    bad[0] = ("id", "990102-x");
    bad[4] = ("region", "nowhere");
    let r = post(&admin, "/staff/admin/units", &bad)
        .await
        .expect("post");
    assert_eq!(r.status(), 422, "the region must exist");
    let rule = [
        ("region", "990102"),
        ("topic", "010101"),
        ("unit", "990102-sw"),
    ];
    let r = post(&admin, "/staff/admin/dispatch", &rule)
        .await
        .expect("post");
    assert_eq!(r.status(), 303);
    let dir = app.state.directory();
    assert_eq!(
        dir.unit("990102-sw").map(|u| u.name_zh.clone()).ok(),
        Some("东湖区水务局".into())
    );
    assert_eq!(
        dir.dispatch_unit("990102001001", "010101")
            .map(|u| u.id.as_str()),
        Some("990102-sw")
    );
    let stored = app.state.store.load_directory().await.expect("load");
    assert!(
        stored.unit("990102-sw").is_ok(),
        "the edit is stored, not only in memory"
    );
    // Disabling an account stops its sign-in; an administrator cannot disable themself.
    let r = post(
        &admin,
        "/staff/admin/users/active",
        &[("username", "intake.donghu"), ("active", "0")],
    )
    .await
    .expect("post");
    assert_eq!(r.status(), 303);
    let r = plain_client()
        .post(format!("{}/api/v1/auth/login", app.base))
        .json(&serde_json::json!({"username": "intake.donghu", "password": DEMO_PASSWORD}))
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), 401);
    let r = post(
        &admin,
        "/staff/admin/users/active",
        &[("username", "admin"), ("active", "0")],
    )
    .await
    .expect("post");
    assert_eq!(r.status(), 400);
}
crate::both!(admin_edits_the_directory);

async fn security_headers_and_login_throttling(app: &TestApp) {
    let c = plain_client();
    for path in ["/", "/submit", "/api/v1/regions", "/static/app.js"] {
        let r = c
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .expect("get");
        let h = r.headers();
        let csp = h
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe"),
            "{path}: {csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert_eq!(
            h.get("x-frame-options").map(|v| v.as_bytes()),
            Some(&b"DENY"[..]),
            "{path}"
        );
        assert_eq!(
            h.get("x-content-type-options").map(|v| v.as_bytes()),
            Some(&b"nosniff"[..])
        );
    }
    // The page without any inline script in any template.
    let html = c
        .get(format!("{}/submit", app.base))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("html");
    assert!(
        !html.contains("<script>") && !html.contains("onclick="),
        "no inline script"
    );

    // Five wrong passwords lock the user name for a while, even for the right password.
    let login = |user: &'static str, pw: &'static str| {
        c.post(format!("{}/api/v1/auth/login", app.base))
            .json(&serde_json::json!({"username": user, "password": pw}))
            .send()
    };
    for _ in 0..5 {
        assert_eq!(
            login("coord.linjiang", "wrong-password-1")
                .await
                .expect("login")
                .status(),
            401
        );
    }
    let r = login("coord.linjiang", DEMO_PASSWORD).await.expect("login");
    assert_eq!(r.status(), 429);
    let retry: u64 = r
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!(retry > 0 && retry <= 900, "{retry}");
    let body: serde_json::Value = r.json().await.expect("json");
    assert_eq!(body["code"], "too_many_attempts");
    // Another account is not affected.
    assert_eq!(
        login("coord.donghu", DEMO_PASSWORD)
            .await
            .expect("login")
            .status(),
        200
    );
}
crate::both!(security_headers_and_login_throttling);
