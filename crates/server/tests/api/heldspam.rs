//! The spam screen on every public channel: an Open311 request and a people's suggestion that
//! read as gambling adverts are held (Open311 answers with a `token`, never with an id too),
//! reviewed at /staff/held, released through their own channel's path or rejected; and a
//! repeated submission with the same idempotency key is held once, with the same query code.

use crate::harness::{TestApp, assert_error, new_case};
use serde_json::{Value, json};

const ADVERT_TITLE: &str = "百家乐真人荷官 注册送彩金";
const ADVERT_TEXT: &str = "官方网址 www.bjl777.vip 首存送100%，加微信 bjl777，天天返水";

async fn count(app: &TestApp, table: &str) -> usize {
    app.query_text(&format!("SELECT id FROM {table}"))
        .await
        .len()
}

async fn held_rows(app: &TestApp) -> i64 {
    app.state.store.count_held().await.expect("count held")
}

async fn post_open311(app: &TestApp, form: &[(&str, &str)]) -> (u16, Value) {
    let (s, body) = app
        .post_form(&app.client, "/open311/v2/requests.json", form)
        .await;
    (
        s,
        serde_json::from_str(&body).unwrap_or(Value::String(body)),
    )
}

async fn token_lookup(app: &TestApp, token: &str, fmt: &str) -> (u16, String) {
    app.page(&app.client, &format!("/open311/v2/tokens/{token}.{fmt}"))
        .await
}

async fn open311_spam_is_held(app: &TestApp) {
    let admin = app.login("admin").await;
    let (s, b) = app
        .post(
            "/api/v1/admin/open311/clients",
            Some(&admin),
            &json!({"name": "随手拍 App"}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let key = b["api_key"].as_str().expect("api_key").to_string();
    let advert = |phone: &'static str| {
        vec![
            ("api_key", key.clone()),
            ("service_code", "0101".to_string()),
            ("address_id", "990102001001".to_string()),
            ("last_name", "赵".to_string()),
            ("first_name", "广告".to_string()),
            ("phone", phone.to_string()),
            ("description", format!("{ADVERT_TITLE} {ADVERT_TEXT}")),
        ]
    };
    let post = |form: Vec<(&'static str, String)>| async move {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        post_open311(app, &form).await
    };
    let cases_before = app.case_count().await;

    // Held: a token, never an id as well; nothing registered.
    let (s, b) = post(advert("13800000021")).await;
    assert_eq!(s, 200, "{b}");
    let item = &b[0];
    assert!(item.get("service_request_id").is_none(), "never both: {b}");
    let token = item["token"].as_str().expect("a token").to_string();
    assert!(
        item["service_notice"]
            .as_str()
            .unwrap_or("")
            .contains("审核"),
        "{b}"
    );
    assert_eq!(app.case_count().await, cases_before, "held, not registered");
    let (s, body) = token_lookup(app, &token, "json").await;
    assert_eq!(s, 200, "{body}");
    let v: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(v[0]["token"], token.as_str());
    assert!(
        v[0].get("service_request_id").is_none(),
        "not registered yet: {v}"
    );
    let (s, xml) = token_lookup(app, &token, "xml").await;
    assert_eq!(s, 200, "{xml}");
    assert!(xml.contains(&format!("<token>{token}</token>")), "{xml}");

    // A second advert to be rejected; an ordinary request is registered at once.
    let (_, b2) = post(advert("13800000022")).await;
    let token2 = b2[0]["token"].as_str().expect("token").to_string();
    let (s, plain) = post(vec![
        ("api_key", key.clone()),
        ("service_code", "0101".into()),
        ("address_id", "990102001001".into()),
        ("description", "北门路灯不亮，夜里看不清路".into()),
    ])
    .await;
    assert_eq!(s, 200, "{plain}");
    assert!(plain[0]["service_request_id"].is_string(), "{plain}");
    assert!(plain[0].get("token").is_none(), "{plain}");
    assert_eq!(app.case_count().await, cases_before + 1);

    // The queue shows both Open311 requests; the token is the held submission's id.
    let coord = app.web_client(Some("coord.donghu")).await;
    let (html, ids) = app.held_queue(&coord).await;
    assert!(html.contains("Open311"), "{html}");
    assert!(!html.contains("13800000021"), "phone masked");
    assert_eq!(ids, [token.clone(), token2.clone()], "{html}");

    // Released: registered as an Open311 case in the client's name; the token now gives its id.
    let r = coord
        .post(format!("{}/staff/held/{token}/release", app.base))
        .send()
        .await
        .expect("release");
    assert_eq!(r.status().as_u16(), 303);
    let to = r
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or("")
        .to_string();
    let number = to
        .strip_prefix("/staff/cases/")
        .expect("to the case")
        .to_string();
    assert_eq!(app.case_count().await, cases_before + 2);
    let (s, body) = token_lookup(app, &token, "json").await;
    assert_eq!(s, 200, "{body}");
    let v: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(v[0]["service_request_id"], number.as_str(), "{v}");
    assert_eq!(v[0]["token"], token.as_str());
    let (s, _) = app
        .page(&app.client, &format!("/open311/v2/requests/{number}.json"))
        .await;
    assert_eq!(s, 200, "an Open311 case");
    let case = app
        .state
        .store
        .get_case_by_number(&number)
        .await
        .expect("read")
        .expect("the released case");
    let events = app.state.store.events(case.id).await.expect("events");
    assert_eq!(
        events[0].actor.name, "Open311：随手拍 App",
        "registered in the client's name"
    );

    // Rejected: the token is a 404 that says why; unknown and malformed tokens are 404s.
    let r = coord
        .post(format!("{}/staff/held/{token2}/reject", app.base))
        .send()
        .await
        .expect("reject");
    assert_eq!(r.status().as_u16(), 303);
    let (s, body) = token_lookup(app, &token2, "json").await;
    assert_eq!(s, 404, "{body}");
    assert!(body.contains("spam"), "{body}");
    for t in [
        uuid::Uuid::now_v7().to_string(),
        "no-such-token".to_string(),
    ] {
        let (s, body) = token_lookup(app, &t, "json").await;
        assert_eq!(s, 404, "{t}: {body}");
    }
    assert_eq!(app.case_count().await, cases_before + 2);
}
crate::both!(open311_spam_is_held);

fn advert_suggestion(phone: &str) -> Value {
    json!({
        "title": ADVERT_TITLE,
        "reason": format!("{ADVERT_TEXT}，24小时客服在线，注册即送彩金。"),
        "proposal": format!("{ADVERT_TEXT}，首充再送一百元，邀请好友再返现。"),
        "topic": "010101",
        "region": "990102001001",
        "suggester": {"name": "钱广告", "phone": phone}
    })
}

async fn suggestion_spam_is_held(app: &TestApp) {
    let before = count(app, "suggestions").await;
    let (s, b) = app
        .post(
            "/api/v1/public/suggestions",
            None,
            &advert_suggestion("13800000031"),
        )
        .await;
    assert_eq!(s, 202, "{b}");
    assert_eq!(b["held"], true);
    assert_eq!(b["number"], "");
    let code = b["query_code"].as_str().expect("query code").to_string();
    assert_eq!(
        count(app, "suggestions").await,
        before,
        "held, not submitted"
    );
    let r = app
        .post(
            "/api/v1/public/suggestions/track",
            None,
            &json!({"query_code": code, "phone_last4": "0031"}),
        )
        .await;
    assert_error(&r, 400, "submission_held");
    let r = app
        .post(
            "/api/v1/public/suggestions/track",
            None,
            &json!({"query_code": code, "phone_last4": "9999"}),
        )
        .await;
    assert_eq!(r.0, 404, "{}", r.1);

    // The portal form holds one too, and says so.
    let web = app.web_client(None).await;
    let (_, html) = app
        .post_form(
            &web,
            "/suggest/new",
            &[
                ("title", ADVERT_TITLE),
                (
                    "reason",
                    "百家乐真人荷官在线，注册即送彩金，天天返水，24小时客服在线。",
                ),
                (
                    "proposal",
                    "官方网址 www.bjl777.vip 首存送100%，加微信 bjl777 领取彩金。",
                ),
                ("topic", "010101"),
                ("region", "990102001001"),
                ("name", "孙广告"),
                ("phone", "13800000032"),
            ],
        )
        .await;
    assert!(html.contains("内容审核中"), "{html}");
    let at = html.find("id=\"query-code\">").expect("query code shown") + 16;
    let web_code = html[at..at + 10].to_string();
    assert_eq!(count(app, "suggestions").await, before);

    // An ordinary suggestion is not held.
    let mut plain = advert_suggestion("13800000033");
    plain["title"] = json!("关于完善老旧小区加装电梯补贴政策的建议");
    plain["reason"] =
        json!("全区老旧小区居民老龄化程度高，加装电梯意愿强，但审批环节多、补贴标准不清。");
    plain["proposal"] = json!("建议建立加装电梯一站式审批机制，明确补贴标准，并公开办理进度。");
    let (s, b) = app.post("/api/v1/public/suggestions", None, &plain).await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["held"], false);
    assert_eq!(count(app, "suggestions").await, before + 1);

    // The queue shows both as suggestions, masked; release one, reject the other.
    let coord = app.web_client(Some("coord.donghu")).await;
    let (html, ids) = app.held_queue(&coord).await;
    assert!(html.contains("人民建议"), "{html}");
    assert!(
        !html.contains("13800000031") && !html.contains("钱广告"),
        "masked"
    );
    assert_eq!(ids.len(), 2, "{ids:?}");
    let r = coord
        .post(format!("{}/staff/held/{}/release", app.base, ids[0]))
        .send()
        .await
        .expect("release");
    assert_eq!(r.status().as_u16(), 303);
    let to = r
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert!(to.starts_with("/staff/suggest/"), "{to}");
    assert_eq!(count(app, "suggestions").await, before + 2);
    let r = coord
        .post(format!("{}/staff/held/{}/reject", app.base, ids[1]))
        .send()
        .await
        .expect("reject");
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(count(app, "suggestions").await, before + 2);

    // The released one tracks with the code given at submission; the rejected one says so.
    let (s, t) = app
        .post(
            "/api/v1/public/suggestions/track",
            None,
            &json!({"query_code": code, "phone_last4": "0031"}),
        )
        .await;
    assert_eq!(s, 200, "{t}");
    assert_eq!(
        format!("/staff/suggest/{}", t["number"].as_str().unwrap_or("")),
        to
    );
    let (s, html) = app
        .post_form(
            &web,
            "/suggest/track",
            &[("query_code", web_code.as_str()), ("phone_last4", "0032")],
        )
        .await;
    assert_eq!(s, 400);
    assert!(
        html.contains("未予登记"),
        "the page says it was rejected: {html}"
    );
}
crate::both!(suggestion_spam_is_held);

fn advert_case() -> Value {
    let mut b = new_case("appeal", "online", "13800000041");
    let o = b.as_object_mut().expect("object");
    o.remove("office_unit");
    o.insert("title".into(), json!(ADVERT_TITLE));
    o.insert("request".into(), json!(ADVERT_TEXT));
    b
}

async fn submit_with_key(app: &TestApp, key: &str, body: &Value) -> (u16, Value) {
    let r = app
        .client
        .post(format!("{}/api/v1/public/cases", app.base))
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .expect("submit");
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn held_submissions_are_idempotent(app: &TestApp) {
    let body = advert_case();
    let (s, first) = submit_with_key(app, "double-click-1", &body).await;
    assert_eq!(s, 202, "{first}");
    let code = first["query_code"].as_str().expect("code").to_string();
    let (s, again) = submit_with_key(app, "double-click-1", &body).await;
    assert_eq!(s, 202, "{again}");
    assert_eq!(again["query_code"], code.as_str(), "the same held answer");
    assert_eq!(held_rows(app).await, 1, "held once");

    // Two at the same moment meet at the unique key.
    let (a, b) = tokio::join!(
        submit_with_key(app, "double-click-2", &body),
        submit_with_key(app, "double-click-2", &body)
    );
    assert_eq!((a.0, b.0), (202, 202), "{} {}", a.1, b.1);
    assert_eq!(a.1["query_code"], b.1["query_code"]);
    assert_ne!(
        a.1["query_code"],
        code.as_str(),
        "another key, another submission"
    );
    assert_eq!(held_rows(app).await, 2);

    // The same key with another body is refused and holds nothing.
    let mut other = body.clone();
    other["facts_reasons"] = json!("另一份内容");
    let r = submit_with_key(app, "double-click-1", &other).await;
    assert_error(&r, 422, "idempotency_key_reused");
    assert_eq!(held_rows(app).await, 2);

    // The web form's hidden token does the same for a double click on the portal.
    let web = app.web_client(None).await;
    let form = [
        ("form_token", "web-double-click"),
        ("kind", "appeal"),
        ("title", ADVERT_TITLE),
        ("request", ADVERT_TEXT),
        ("topic", "010101"),
        ("region", "990102001001"),
        ("address", "翠湖社区"),
        ("name", "李广告"),
        ("phone", "13800000042"),
    ];
    let mut codes = Vec::new();
    for _ in 0..2 {
        let (_, html) = app.post_form(&web, "/submit", &form).await;
        let at = html.find("id=\"query-code\">").expect("query code shown") + 16;
        codes.push(html[at..at + 10].to_string());
    }
    assert_eq!(codes[0], codes[1], "one held submission for a double click");
    assert_eq!(held_rows(app).await, 3);
}
crate::both!(held_submissions_are_idempotent);
