//! Notices to petitioners through the outbox, against real receivers: an acceptance e-mail
//! arrives at a local SMTP sink (after one temporary refusal) in both languages, an SMS reaches
//! an HTTP gateway that first fails, the petitioner's choice of channel is respected, and the
//! delivery state is on the case page.

use crate::harness::{TestApp, new_case};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use minsheng_server::notify::{self, NotifyConfig, email::SmtpConfig, sms::GatewayConfig};
use minsheng_store::{DeliveryState, OutboxRow};
use minsheng_testkit::smtp::SmtpSink;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Registers (as intake), assigns and accepts a case; returns (id, number, query code).
async fn accepted(app: &TestApp, body: &Value) -> (String, String, String) {
    let (id, code, case) = app.register("intake.donghu", body).await;
    let coord = app.login("coord.donghu").await;
    app.ok(
        &coord,
        &id,
        json!({"command": "transfer", "to_unit": "990102-zjj", "mode": "assign"}),
    )
    .await;
    let handler = app.login("handler.donghu.zjj").await;
    app.ok(
        &handler,
        &id,
        json!({"command": "accept", "notice": "予以受理"}),
    )
    .await;
    (id, case["number"].as_str().expect("number").into(), code)
}

async fn settled(app: &TestApp, case: &str) -> Vec<OutboxRow> {
    let id = case.parse().expect("uuid");
    for _ in 0..200 {
        let rows = app.state.store.outbox_for_case(id).await.expect("outbox");
        if !rows.is_empty() && rows.iter().all(|r| r.state() != DeliveryState::Pending) {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("notices of {case} still pending after 10 s");
}

async fn acceptance_email_arrives_at_the_smtp_sink(app: &TestApp) {
    let sink = SmtpSink::start().await;
    sink.refuse_next(1);
    notify::enable(
        &app.state,
        NotifyConfig {
            email: Some(SmtpConfig {
                url: sink.url(),
                from: "民声 <noreply@minsheng.test>".into(),
            }),
            sms: None,
        },
    )
    .expect("notify");
    let mut body = new_case("appeal", "visit", "13800008001");
    body["petitioner"]["email"] = json!("zhang.sf@example.cn");
    body["petitioner"]["notify"] = json!("email");
    let (id, number, code) = accepted(app, &body).await;

    let mails = sink.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(
        mails.len(),
        1,
        "one acceptance e-mail: {:?}",
        app.state
            .store
            .outbox_for_case(id.parse().expect("uuid"))
            .await
            .map(|r| r.into_iter().map(|m| m.last_error).collect::<Vec<_>>())
    );
    let m = &mails[0];
    assert_eq!(m.to, ["zhang.sf@example.cn"]);
    assert_eq!(m.from, "noreply@minsheng.test");
    let subject = m.header("Subject").expect("subject");
    assert!(subject.contains("您反映的事项已受理"), "{subject}");
    assert!(
        subject.contains("Your matter has been accepted"),
        "{subject}"
    );
    assert!(subject.contains(&number), "{subject}");
    let text = m.body();
    for part in [
        format!("事项编号：{number}"),
        format!("Case number: {number}"),
        "办理期限：".to_string(),
        "Due by: ".to_string(),
        "已由承办单位受理".to_string(),
        "has accepted your matter".to_string(),
    ] {
        assert!(text.contains(&part), "{part:?} missing from:\n{text}");
    }
    assert!(!m.data.contains(&code), "never the query code");

    let rows = settled(app, &id).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].topic, "notify:email");
    assert_eq!(rows[0].state(), DeliveryState::Delivered);
    assert_eq!(rows[0].attempts, 2, "a 451, then accepted");
    assert!(
        !rows[0].payload.contains("example.cn"),
        "the address is resolved when sending, not kept in the message"
    );

    // The delivery state is on the case page.
    let web = app.web_client(Some("coord.donghu")).await;
    let html = web
        .get(format!("{}/staff/cases/{number}", app.base))
        .send()
        .await
        .expect("case page")
        .text()
        .await
        .expect("html");
    assert!(html.contains(r#"id="notices""#));
    assert!(html.contains(r#"data-notice-state="delivered""#), "{html}");
    assert!(!html.contains("zhang.sf@example.cn"));
}
crate::both!(acceptance_email_arrives_at_the_smtp_sink);

/// The gateway: answers 503 to the first `fail` requests, then 200; records what it took.
#[derive(Clone, Default)]
struct Gateway {
    fail: Arc<Mutex<u32>>,
    got: Arc<Mutex<Vec<(String, Value)>>>,
}

async fn gateway_send(
    State(g): State<Gateway>,
    headers: HeaderMap,
    axum::Json(body): axum::Json<Value>,
) -> StatusCode {
    {
        let mut f = g.fail.lock().unwrap();
        if *f > 0 {
            *f -= 1;
            return StatusCode::SERVICE_UNAVAILABLE;
        }
    }
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    g.got.lock().unwrap().push((auth, body));
    StatusCode::OK
}

async fn start_gateway(fail: u32) -> (String, Gateway) {
    let g = Gateway {
        fail: Arc::new(Mutex::new(fail)),
        ..Gateway::default()
    };
    let app = axum::Router::new()
        .route("/sms/send", axum::routing::post(gateway_send))
        .with_state(g.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!(
        "http://127.0.0.1:{}/sms/send",
        listener.local_addr().expect("addr").port()
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, g)
}

async fn sms_gateway_retried_until_it_takes_the_notice(app: &TestApp) {
    let (url, gw) = start_gateway(2).await;
    notify::enable(
        &app.state,
        NotifyConfig {
            email: None,
            sms: Some(GatewayConfig {
                url,
                key: "gw-key-1".into(),
                sign: "民声".into(),
            }),
        },
    )
    .expect("notify");
    // No choice made: a phone is known, so SMS.
    let (id, number, code) = accepted(app, &new_case("appeal", "visit", "13800008002")).await;
    let rows = settled(app, &id).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].topic, "notify:sms");
    assert_eq!(rows[0].state(), DeliveryState::Delivered);
    assert_eq!(rows[0].attempts, 3, "two 503s, then taken");
    let got = gw.got.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    let (auth, body) = &got[0];
    assert_eq!(auth, "Bearer gw-key-1");
    assert_eq!(body["to"], "13800008002");
    assert_eq!(body["sign"], "民声");
    let text = body["text"].as_str().expect("text");
    assert!(text.contains(&format!("事项编号{number}")), "{text}");
    assert!(text.contains(&format!("Case {number}")), "{text}");
    assert!(
        text.contains("办理期限") && text.contains("due by"),
        "{text}"
    );
    assert!(!text.contains(&code));
}
crate::both!(sms_gateway_retried_until_it_takes_the_notice);

async fn choices_are_respected_and_checked(app: &TestApp) {
    let (url, gw) = start_gateway(0).await;
    let sink = SmtpSink::start().await;
    notify::enable(
        &app.state,
        NotifyConfig {
            email: Some(SmtpConfig {
                url: sink.url(),
                from: "noreply@minsheng.test".into(),
            }),
            sms: Some(GatewayConfig {
                url,
                key: "k".into(),
                sign: "民声".into(),
            }),
        },
    )
    .expect("notify");
    // "No notices": nothing is even written.
    let mut none = new_case("appeal", "visit", "13800008003");
    none["petitioner"]["notify"] = json!("none");
    let (id, _, _) = accepted(app, &none).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let rows = app
        .state
        .store
        .outbox_for_case(id.parse().expect("uuid"))
        .await
        .expect("outbox");
    assert!(rows.is_empty(), "no notice for someone who chose none");

    // A choice without its address, a bad address, an anonymous report with an address or an
    // unknown channel: refused, nothing registered.
    let before = app.case_count().await;
    let token = app.login("intake.donghu").await;
    let mut email_without_address = new_case("appeal", "visit", "13800008004");
    email_without_address["petitioner"]["notify"] = json!("email");
    let mut bad_address = new_case("appeal", "visit", "13800008005");
    bad_address["petitioner"]["email"] = json!("zhang at example");
    let mut sms_without_phone = new_case("appeal", "letter", "13800008006");
    sms_without_phone["petitioner"]["phone"] = Value::Null;
    sms_without_phone["petitioner"]["notify"] = json!("sms");
    let mut unknown = new_case("appeal", "visit", "13800008007");
    unknown["petitioner"]["notify"] = json!("pigeon");
    let mut anonymous = new_case("accusation", "letter", "13800008008");
    anonymous["petitioner"] = json!({"anonymous": true, "email": "a@example.cn"});
    for body in [
        email_without_address,
        bad_address,
        sms_without_phone,
        unknown,
        anonymous,
    ] {
        let (s, b) = app.post("/api/v1/cases", Some(&token), &body).await;
        assert!((400..500).contains(&s), "{s} {b}");
        assert!(
            b["message_zh"].is_string() && b["message_en"].is_string(),
            "{b}"
        );
    }
    assert_eq!(app.case_count().await, before);
    assert!(sink.mails().is_empty() && gw.got.lock().unwrap().is_empty());
}
crate::both!(choices_are_respected_and_checked);

async fn supervision_order_mails_the_unit_staff(app: &TestApp) {
    let sink = SmtpSink::start().await;
    notify::enable(
        &app.state,
        NotifyConfig {
            email: Some(SmtpConfig {
                url: sink.url(),
                from: "noreply@minsheng.test".into(),
            }),
            sms: None,
        },
    )
    .expect("notify");
    assert!(
        app.state
            .store
            .set_user_email("handler.donghu.zjj", Some("zjj.duty@donghu.gov.test"))
            .await
            .expect("set")
    );
    // The petitioner wants no notices: the only mail is the order to the unit.
    let mut body = new_case("appeal", "visit", "13800008009");
    body["petitioner"]["notify"] = json!("none");
    let (id, number, _) = accepted(app, &body).await;
    let sup = app.login("supervisor").await;
    app.ok(
        &sup,
        &id,
        json!({"command": "supervise", "instruction": "请五日内报告处理进展", "respond_within_days": 5}),
    )
    .await;
    let mails = sink.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(mails.len(), 1, "one supervision mail");
    let m = &mails[0];
    assert_eq!(m.to, ["zjj.duty@donghu.gov.test"]);
    let subject = m.header("Subject").expect("subject");
    assert!(
        subject.contains("督办通知") && subject.contains("Supervision order"),
        "{subject}"
    );
    assert!(m.body().contains(&format!("事项编号：{number}")));
    assert!(m.body().contains("5日内报告") && m.body().contains("report within 5 days"));
    let rows = settled(app, &id).await;
    assert_eq!(rows.len(), 1);
    assert!(rows[0].payload.contains("990102-zjj") && !rows[0].payload.contains("@"));
}
crate::both!(supervision_order_mails_the_unit_staff);

async fn new_alert_mails_the_staff_who_may_see_it(app: &TestApp) {
    let sink = SmtpSink::start().await;
    notify::enable(
        &app.state,
        NotifyConfig {
            email: Some(SmtpConfig {
                url: sink.url(),
                from: "noreply@minsheng.test".into(),
            }),
            sms: None,
        },
    )
    .expect("notify");
    for (user, email) in [
        ("coord.donghu", "duty@donghu-xfj.gov.test"),
        ("handler.donghu.zjj", "zjj@donghu.gov.test"),
    ] {
        assert!(
            app.state
                .store
                .set_user_email(user, Some(email))
                .await
                .expect("set")
        );
    }
    // A risk phrase raises an alert about the receiving petition office (东湖区信访局).
    let mut risky = new_case("appeal", "phone", "13800008010");
    risky["facts_reasons"] = json!("补偿款拖了三年一直不给，再不解决我明天就去市政府楼顶跳楼。");
    risky["petitioner"]["notify"] = json!("none");
    app.register("intake.donghu", &risky).await;
    let mails = sink.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(mails.len(), 1, "one alert mail");
    let m = &mails[0];
    assert_eq!(m.to, ["duty@donghu-xfj.gov.test"], "only the alert's unit");
    let subject = m.header("Subject").expect("subject");
    assert!(
        subject.contains("预警通知") && subject.contains("Alert"),
        "{subject}"
    );
    assert!(m.body().contains("/staff/alerts/"));
    assert!(
        !m.data.contains("跳楼"),
        "the evidence stays behind the sign-in"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sink.mails().len(), 1);
}
crate::both!(new_alert_mails_the_staff_who_may_see_it);

async fn intake_console_and_portal_take_the_choice(app: &TestApp) {
    let form = |phone: &'static str, email: &'static str, notify: &'static str| {
        vec![
            ("channel", "phone"),
            ("kind", "appeal"),
            ("topic", "010101"),
            ("title", "翠湖苑电梯停运两个月"),
            ("request", "请求尽快修复翠湖苑3栋电梯"),
            ("facts_reasons", "电梯停运两个月，多次报修无果。"),
            ("region", "990102001001"),
            ("address", "翠湖社区翠湖苑3栋"),
            ("name", "李秀英"),
            ("phone", phone),
            ("email", email),
            ("notify", notify),
        ]
    };
    let intake = app.web_client(Some("intake.donghu")).await;
    let citizen = app.web_client(None).await;
    for (client, path, phone, email) in [
        (&intake, "/staff/intake", "13800008011", "li.xy@example.cn"),
        (&citizen, "/submit", "13800008012", "li.citizen@example.cn"),
    ] {
        let r = client
            .post(format!("{}{path}", app.base))
            .form(&form(phone, email, "email"))
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 200, "{path}");
        let phone = minsheng_core::petitioner::Phone::parse(phone).expect("phone");
        let cases = app
            .state
            .store
            .cases_by_phone_index(&app.state.store.phone_index(&phone), 5)
            .await
            .expect("cases");
        assert_eq!(cases.len(), 1, "{path} registered one case");
        let p = &cases[0].reg.petitioner;
        assert_eq!(
            p.notify,
            Some(minsheng_core::petitioner::NotifyChannel::Email)
        );
        let contact = app
            .state
            .store
            .petitioner_contact(p.id)
            .await
            .expect("contact")
            .expect("record");
        assert_eq!(contact.email.as_deref(), Some(email));
    }
    // A bad address comes back on the form with the message, nothing registered.
    let before = app.case_count().await;
    let r = intake
        .post(format!("{}/staff/intake", app.base))
        .form(&form("13800008013", "li at example", "email"))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 422);
    let html = r.text().await.expect("html");
    assert!(html.contains("电子邮箱格式不正确"), "{html}");
    assert_eq!(app.case_count().await, before);
}
crate::both!(intake_console_and_portal_take_the_choice);
