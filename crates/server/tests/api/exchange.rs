//! The 12345 work-order exchange, driven by the reference client (`minsheng-exchange-client`)
//! as the partner: signed orders in (good, bad signature, wrong secret, stale, replayed,
//! duplicate, malformed), linking to an open petition case on the same matter, and the signed
//! status feed out through the outbox, with retries, a refusing partner and a server restart.

use crate::both;
use crate::harness::{TestApp, assert_error, new_case};
use minsheng_exchange_client::{Client, Receiver, sign, unix_now};
use serde_json::{Value, json};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);
const PHONE: &str = "13612345678";

struct Partner {
    id: String,
    secret: String,
    client: Client,
}

/// Registers a partner serving 东湖区 whose status messages go to `url`.
async fn partner(app: &TestApp, url: &str) -> Partner {
    let admin = app.login("admin").await;
    let (s, b) = app
        .post(
            "/api/v1/admin/exchange/partners",
            Some(&admin),
            &json!({"name": "临江市12345平台", "region": "990102", "url": url}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let id = b["id"].as_str().expect("id").to_string();
    let secret = b["secret"].as_str().expect("secret shown once").to_string();
    assert_eq!(secret.len(), 64);
    Partner {
        client: Client::new(&app.base, &id, &secret),
        id,
        secret,
    }
}

fn order(order_id: &str) -> Value {
    json!({
        "order_id": order_id,
        "kind": "complaint",
        "topic": "010101",
        "content": "小区门口排水管道堵塞，下雨后积水很深，请尽快疏通",
        "region": "990102001001",
        "address": "翠湖社区翠湖苑门口",
        "caller": {"name": "王五", "phone": PHONE}
    })
}

fn validator(file: &str) -> jsonschema::Validator {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs/exchange")
        .join(file);
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("schema file")).expect("json");
    jsonschema::validator_for(&schema).expect("a valid JSON Schema")
}

fn assert_valid(v: &jsonschema::Validator, instance: &Value) {
    let errors: Vec<String> = v.iter_errors(instance).map(|e| e.to_string()).collect();
    assert!(
        errors.is_empty(),
        "{instance} against the schema: {errors:?}"
    );
}

/// Everything a refused message must leave as it was.
async fn footprint(app: &TestApp) -> (i64, i64) {
    (
        app.case_count().await,
        app.state.store.exchange_order_count().await.expect("count"),
    )
}

async fn good_order_becomes_a_case(app: &TestApp) {
    let (p, rx) = partner_with_receiver(app).await;
    // The secret is shown once: the list has none.
    let admin = app.login("admin").await;
    let (s, list) = app
        .get("/api/v1/admin/exchange/partners", Some(&admin))
        .await;
    assert_eq!(s, 200);
    assert_eq!(list[0]["id"], p.id.as_str());
    assert!(list[0].get("secret").is_none(), "{list}");
    // …and it is not stored in clear.
    let stored = app.query_text("SELECT name FROM exchange_partners").await;
    assert_eq!(stored, ["临江市12345平台"]);

    let body = order("LJ-0001");
    assert_valid(&validator("order.schema.json"), &body);
    let a = p.client.send_order(&body).await.expect("send");
    assert_eq!(a.status, 201, "{}", a.body);
    assert_valid(&validator("receipt.schema.json"), &a.body);
    assert_eq!(a.body["linked"], false);
    assert_eq!(a.body["status"], "received");
    assert_eq!(a.body["duplicate"], false);
    let number = a.body["case_number"].as_str().expect("number");
    let case = app
        .state
        .store
        .get_case_by_number(number)
        .await
        .expect("read")
        .expect("the case exists");
    assert_eq!(case.channel.as_str(), "hotline_12345");
    assert_eq!(case.flow.as_str(), "hotline");
    assert_eq!(case.office_unit, "990100-12345");
    assert_eq!(case.external_orders.len(), 1);
    assert_eq!(case.external_orders[0].order_id, "LJ-0001");
    assert_eq!(case.external_orders[0].partner_id.to_string(), p.id);
    assert!(!case.external_orders[0].linked);
    // The caller's phone is sealed like any petitioner's.
    let phones = app
        .query_text("SELECT CAST(COUNT(*) AS TEXT) FROM petitioners WHERE phone_hash IS NOT NULL")
        .await;
    assert_eq!(phones, ["1"]);

    // The partner hears about it, signed with its secret (the receiver verifies).
    let m = rx.wait_for(1, WAIT).await;
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].json["status"], "received");
    assert_eq!(m[0].json["case_number"], number);

    // The published schemas are served as they are in docs/exchange.
    for f in ["order", "status", "receipt"] {
        let (s, served) = app
            .get(&format!("/exchange/v1/schema/{f}.json"), None)
            .await;
        assert_eq!(s, 200);
        let file: Value = serde_json::from_str(
            &std::fs::read_to_string(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join(format!("../../docs/exchange/{f}.schema.json")),
            )
            .expect("file"),
        )
        .expect("json");
        assert_eq!(served, file);
    }
    let r = app.get("/exchange/v1/schema/nope.json", None).await;
    assert_error(&r, 404, "not_found");
}
both!(good_order_becomes_a_case);

/// Starts a receiver for a partner created before it (the URL must be known first): binds
/// the port the partner was registered with.
async fn partner_with_receiver(app: &TestApp) -> (Partner, Receiver) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/status", listener.local_addr().expect("addr"));
    let p = partner(app, &url).await;
    let rx = Receiver::on(listener, &p.secret).expect("receiver");
    (p, rx)
}

async fn refused_messages_change_nothing(app: &TestApp) {
    let (p, _rx) = partner_with_receiver(app).await;
    let body = serde_json::to_vec(&order("LJ-0002")).expect("json");
    let before = footprint(app).await;
    let now = unix_now();

    // Unknown partner, and a wrong secret.
    let stranger = Client::new(&app.base, &uuid::Uuid::now_v7().to_string(), &p.secret);
    let a = stranger.send_body(&body).await.expect("send");
    assert_error(&(a.status, a.body), 401, "unknown_partner");
    let wrong = Client::new(&app.base, &p.id, "not-the-secret");
    let a = wrong.send_body(&body).await.expect("send");
    assert_error(&(a.status, a.body), 401, "bad_signature");
    // A body changed after signing.
    let sig = sign(&p.secret, now, &body);
    let mut tampered = body.clone();
    tampered[10] ^= 1;
    let a = p
        .client
        .send_signed(&tampered, now, &sig)
        .await
        .expect("send");
    assert_error(&(a.status, a.body), 401, "bad_signature");
    // Missing or garbled signature headers.
    let a = p
        .client
        .send_signed(&body, now, "md5=abc")
        .await
        .expect("send");
    assert_error(&(a.status, a.body), 401, "signature_missing");
    // Stale and future timestamps, correctly signed.
    for ts in [now - 301 - 5, now + 301 + 5] {
        let a = p
            .client
            .send_signed(&body, ts, &sign(&p.secret, ts, &body))
            .await
            .expect("send");
        assert_error(&(a.status, a.body), 401, "stale_timestamp");
    }
    // Malformed bodies: not JSON, unknown fields, wrong values (every field at fault named).
    let a = p.client.send_body(b"{not json").await.expect("send");
    assert_error(&(a.status, a.body.clone()), 400, "invalid_order");
    assert_eq!(a.body["fields"][0]["field"], "body");
    let mut extra = order("LJ-0003");
    extra["secret_field"] = json!(1);
    let a = p.client.send_order(&extra).await.expect("send");
    assert_error(&(a.status, a.body), 400, "invalid_order");
    let bad = json!({
        "order_id": "", "kind": "praise", "topic": "9999", "content": "x",
        "region": "000000", "caller": {"anonymous": false}
    });
    let a = p.client.send_order(&bad).await.expect("send");
    assert_error(&(a.status, a.body.clone()), 400, "invalid_order");
    let fields: Vec<&str> = a.body["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| f["field"].as_str().expect("field"))
        .collect();
    assert_eq!(
        fields,
        [
            "order_id",
            "kind",
            "topic",
            "content",
            "region",
            "caller.phone"
        ]
    );
    for f in a.body["fields"].as_array().expect("fields") {
        assert!(!f["message_zh"].as_str().unwrap_or("").is_empty());
        assert!(!f["message_en"].as_str().unwrap_or("").is_empty());
    }
    let mut bad_phone = order("LJ-0004");
    bad_phone["caller"]["phone"] = json!("12");
    let a = p.client.send_order(&bad_phone).await.expect("send");
    assert_eq!(a.status / 100, 4, "{}", a.body);
    assert_eq!(
        footprint(app).await,
        before,
        "a refused message wrote something"
    );

    // A replay: the same bytes, timestamp and signature a second time.
    let sig = sign(&p.secret, now, &body);
    let a = p.client.send_signed(&body, now, &sig).await.expect("send");
    assert_eq!(a.status, 201, "{}", a.body);
    let after_first = footprint(app).await;
    assert_eq!(after_first, (before.0 + 1, before.1 + 1));
    let a = p.client.send_signed(&body, now, &sig).await.expect("send");
    assert_error(&(a.status, a.body), 409, "replayed");
    assert_eq!(footprint(app).await, after_first);

    // A disabled partner is refused like an unknown one.
    let admin = app.login("admin").await;
    let (s, b) = app
        .post(
            &format!("/api/v1/admin/exchange/partners/{}/active", p.id),
            Some(&admin),
            &json!({"active": false}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["active"], false);
    let a = p.client.send_order(&order("LJ-0005")).await.expect("send");
    assert_error(&(a.status, a.body), 401, "unknown_partner");
    assert_eq!(footprint(app).await, after_first);
}
both!(refused_messages_change_nothing);

async fn duplicate_order_ids(app: &TestApp) {
    let (p, _rx) = partner_with_receiver(app).await;
    let first = p.client.send_order(&order("LJ-0100")).await.expect("send");
    assert_eq!(first.status, 201, "{}", first.body);
    let n = footprint(app).await;
    // The same order again, signed anew as a partner retrying does (a later timestamp, so not
    // a replay): the same case.
    let body = serde_json::to_vec(&order("LJ-0100")).expect("json");
    let ts = unix_now() + 1;
    let again = p
        .client
        .send_signed(&body, ts, &sign(&p.secret, ts, &body))
        .await
        .expect("send");
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.body["case_number"], first.body["case_number"]);
    assert_eq!(again.body["duplicate"], true);
    assert_eq!(footprint(app).await, n);
    // The same id with another content: refused.
    let mut other = order("LJ-0100");
    other["content"] = json!("另一件事：路灯不亮，晚上出行不安全");
    let a = p.client.send_order(&other).await.expect("send");
    assert_error(&(a.status, a.body), 409, "order_id_conflict");
    assert_eq!(footprint(app).await, n);
    // The case carries the order once.
    let case = app
        .state
        .store
        .get_case_by_number(first.body["case_number"].as_str().expect("number"))
        .await
        .expect("read")
        .expect("case");
    assert_eq!(case.external_orders.len(), 1);
}
both!(duplicate_order_ids);

async fn same_matter_is_linked_not_handled_twice(app: &TestApp) {
    let (p, rx) = partner_with_receiver(app).await;
    // The caller already petitioned the office about the lift.
    let (petition_id, _, petition) = app
        .register("intake.donghu", &new_case("appeal", "visit", PHONE))
        .await;
    let number = petition["number"].as_str().expect("number").to_string();
    let cases = app.case_count().await;
    let mut o = order("LJ-0200");
    o["content"] = json!(
        "请求责令物业公司尽快修复电梯。翠湖苑3栋电梯停运两个月，多次报修无果，老人上下楼困难。"
    );
    let a = p.client.send_order(&o).await.expect("send");
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(a.body["linked"], true);
    assert_eq!(a.body["status"], "linked");
    assert_eq!(a.body["case_number"], number.as_str());
    assert_eq!(app.case_count().await, cases, "no second case");
    let case = app
        .state
        .store
        .get_case_by_number(&number)
        .await
        .expect("read")
        .expect("case");
    assert_eq!(case.external_orders.len(), 1);
    assert!(case.external_orders[0].linked);
    // The partner is told, and follows the petition case from then on.
    let m = rx.wait_for(1, WAIT).await;
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].json["status"], "linked");
    assert_eq!(m[0].json["case_number"], number.as_str());
    let coord = app.login("coord.donghu").await;
    app.ok(
        &coord,
        &petition_id,
        json!({"command": "transfer", "to_unit": "990102-zjj", "mode": "transfer"}),
    )
    .await;
    let m = rx.wait_for(2, WAIT).await;
    assert_eq!(m.len(), 2, "{m:?}");
    assert_eq!(m[1].json["status"], "transferred");
    assert_eq!(m[1].json["order_id"], "LJ-0200");

    // Another matter of the same caller is a case of its own.
    let a = p.client.send_order(&order("LJ-0201")).await.expect("send");
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(a.body["linked"], false);
    assert_ne!(a.body["case_number"], number.as_str());
}
both!(same_matter_is_linked_not_handled_twice);

async fn status_feed_arrives_signed_and_in_order(app: &TestApp) {
    let (p, rx) = partner_with_receiver(app).await;
    let a = p.client.send_order(&order("LJ-0300")).await.expect("send");
    assert_eq!(a.status, 201, "{}", a.body);
    let number = a.body["case_number"].as_str().expect("number").to_string();
    let operator = app.login("hotline.linjiang").await;
    let handler = app.login("handler.donghu.zjj").await;
    app.ok(
        &operator,
        &number,
        json!({"command": "dispatch", "to_unit": "990102-zjj", "note": "请按职责办理"}),
    )
    .await;
    app.ok(&handler, &number, json!({"command": "sign_for"}))
        .await;
    app.ok(
        &handler,
        &number,
        json!({"command": "reply", "content": "已安排疏通排水管道"}),
    )
    .await;
    let m = rx.wait_for(4, WAIT).await;
    let statuses: Vec<&str> = m
        .iter()
        .map(|x| x.json["status"].as_str().expect("status"))
        .collect();
    assert_eq!(statuses, ["received", "transferred", "accepted", "replied"]);
    let schema = validator("status.schema.json");
    for x in &m {
        assert_valid(&schema, &x.json);
        assert_eq!(x.json["case_number"], number.as_str());
        assert_eq!(x.json["order_id"], "LJ-0300");
        assert_eq!(x.partner, p.id);
        // The receiver checked every signature with the shared secret; check one here too.
        assert!(minsheng_exchange_client::verify(
            &p.secret,
            &x.timestamp,
            &x.signature,
            &x.body,
            unix_now(),
            300
        ));
    }
    assert_eq!(m[3].json["reply"], "已安排疏通排水管道");
    assert_eq!(rx.refused_signatures(), 0);
    let ids: std::collections::BTreeSet<&str> = m
        .iter()
        .map(|x| x.json["message_id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids.len(), 4, "message ids are unique");

    // The case page shows the order and how each message fared; user text escaped.
    let web = app.web_client(Some("coord.linjiang")).await;
    let html = web
        .get(format!("{}/staff/cases/{number}", app.base))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(html.contains("id=\"exchange\""), "{html}");
    assert!(html.contains("LJ-0300"));
    assert!(html.contains("临江市12345平台"));
    assert_eq!(
        html.matches("class=\"delivery-delivered\"").count(),
        4,
        "{html}"
    );
}
both!(status_feed_arrives_signed_and_in_order);

/// Waits until the case's exchange messages satisfy `done`.
async fn wait_rows(
    st: &minsheng_server::AppState,
    case: uuid::Uuid,
    done: impl Fn(&[minsheng_store::OutboxRow]) -> bool,
    timeout: Duration,
) -> Vec<minsheng_store::OutboxRow> {
    let until = tokio::time::Instant::now() + timeout;
    loop {
        let rows: Vec<_> = st
            .store
            .outbox_for_case(case)
            .await
            .expect("outbox")
            .into_iter()
            .filter(|r| r.topic.starts_with("exchange:"))
            .collect();
        if done(&rows) || tokio::time::Instant::now() >= until {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn partner_refusing_is_retried_until_it_answers(app: &TestApp) {
    let (p, rx) = partner_with_receiver(app).await;
    rx.fail_first(3);
    let a = p.client.send_order(&order("LJ-0400")).await.expect("send");
    assert_eq!(a.status, 201, "{}", a.body);
    let m = rx.wait_for(1, WAIT).await;
    assert_eq!(m.len(), 1, "delivered after the partner came back");
    assert_eq!(m[0].json["status"], "received");
    assert_eq!(rx.attempts(), 4, "three refusals, then the delivery");
    let case = app
        .state
        .store
        .get_case_by_number(a.body["case_number"].as_str().expect("number"))
        .await
        .expect("read")
        .expect("case");
    let rows = wait_rows(
        &app.state,
        case.id,
        |r| r.iter().all(|x| x.delivered_at.is_some()),
        WAIT,
    )
    .await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].attempts, 4);
    assert_eq!(rows[0].state().as_str(), "delivered");
}
both!(partner_refusing_is_retried_until_it_answers);

async fn partner_rejecting_a_message_is_not_retried(app: &TestApp) {
    // A receiver that does not know the secret answers 401: the message itself is refused,
    // and sending it again cannot help.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/status", listener.local_addr().expect("addr"));
    let p = partner(app, &url).await;
    let rx = Receiver::on(listener, "another secret").expect("receiver");
    let a = p.client.send_order(&order("LJ-0500")).await.expect("send");
    assert_eq!(a.status, 201, "{}", a.body);
    let case = app
        .state
        .store
        .get_case_by_number(a.body["case_number"].as_str().expect("number"))
        .await
        .expect("read")
        .expect("case");
    let rows = wait_rows(
        &app.state,
        case.id,
        |r| r.iter().any(|x| x.dead_at.is_some()),
        WAIT,
    )
    .await;
    assert_eq!(rows[0].state().as_str(), "dead", "{rows:?}");
    assert_eq!(rows[0].attempts, 1);
    assert_eq!(rows[0].last_error.as_deref(), Some("HTTP 401"));
    assert_eq!(rx.refused_signatures(), 1);
}
both!(partner_rejecting_a_message_is_not_retried);

async fn undelivered_message_survives_a_restart(app: &TestApp) {
    // The partner is down: its port is reserved, nothing listens there yet.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let p = partner(app, &format!("http://127.0.0.1:{port}/status")).await;
    let a = p.client.send_order(&order("LJ-0600")).await.expect("send");
    assert_eq!(a.status, 201, "{}", a.body);
    let number = a.body["case_number"].as_str().expect("number").to_string();
    let case = app
        .state
        .store
        .get_case_by_number(&number)
        .await
        .expect("read")
        .expect("case");
    let rows = wait_rows(
        &app.state,
        case.id,
        |r| r.iter().any(|x| x.attempts >= 2),
        WAIT,
    )
    .await;
    assert!(
        rows[0].attempts >= 2 && rows[0].delivered_at.is_none(),
        "{rows:?}"
    );

    // The server stops; a new one starts on the same database; then the partner comes up.
    app.stop().await;
    let second = app.restart().await;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("the partner's port");
    let rx = Receiver::on(listener, &p.secret).expect("receiver");
    // A message whose delivery was cut off by the stop waits out its lease (60 s) first.
    let m = rx.wait_for(1, Duration::from_secs(90)).await;
    assert_eq!(m.len(), 1, "the message arrived after the restart");
    assert_eq!(m[0].json["order_id"], "LJ-0600");
    assert_eq!(m[0].json["case_number"], number.as_str());
    let rows = wait_rows(
        &second.state,
        case.id,
        |r| r.iter().all(|x| x.delivered_at.is_some()),
        WAIT,
    )
    .await;
    assert_eq!(rows[0].state().as_str(), "delivered");
    // The new server answers the partner too.
    let c2 = Client::new(&second.base, &p.id, &p.secret);
    // A later timestamp than the first send, which may have been in this same second.
    let body = serde_json::to_vec(&order("LJ-0600")).expect("json");
    let ts = unix_now() + 2;
    let a = c2
        .send_signed(&body, ts, &sign(&p.secret, ts, &body))
        .await
        .expect("send");
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["case_number"], number.as_str());
    second.finish().await;
}
both!(undelivered_message_survives_a_restart);

async fn the_same_order_twice_at_once_is_one_case(app: &TestApp) {
    let (p, _rx) = partner_with_receiver(app).await;
    let cases = app.case_count().await;
    let body = serde_json::to_vec(&order("LJ-0700")).expect("json");
    let ts = unix_now();
    let send = |ts: i64| {
        let (c, body, sig) = (p.client.clone(), body.clone(), sign(&p.secret, ts, &body));
        tokio::spawn(async move { c.send_signed(&body, ts, &sig).await.expect("send") })
    };
    let (a, b) = (send(ts), send(ts + 1));
    let (a, b) = (a.await.expect("task"), b.await.expect("task"));
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [200, 201], "{} {}", a.body, b.body);
    assert_eq!(a.body["case_number"], b.body["case_number"]);
    assert_eq!(app.case_count().await, cases + 1);
    let case = app
        .state
        .store
        .get_case_by_number(a.body["case_number"].as_str().expect("number"))
        .await
        .expect("read")
        .expect("case");
    assert_eq!(case.external_orders.len(), 1);
}
both!(the_same_order_twice_at_once_is_one_case);

async fn partner_text_is_escaped_on_the_case_page(app: &TestApp) {
    let (p, _rx) = partner_with_receiver(app).await;
    let a = p
        .client
        .send_order(&order("<b>LJ</b>&x"))
        .await
        .expect("send");
    assert_eq!(a.status, 201, "{}", a.body);
    let number = a.body["case_number"].as_str().expect("number");
    let web = app.web_client(Some("coord.linjiang")).await;
    let html = web
        .get(format!("{}/staff/cases/{number}", app.base))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(
        html.contains("&lt;b&gt;LJ&lt;/b&gt;&amp;x") || html.contains("&#60;b&#62;LJ"),
        "{html}"
    );
    assert!(!html.contains("<b>LJ</b>"));
}
both!(partner_text_is_escaped_on_the_case_page);

async fn a_merged_case_hands_its_order_to_the_primary(app: &TestApp) {
    let (p, rx) = partner_with_receiver(app).await;
    let a = p.client.send_order(&order("LJ-0800")).await.expect("send");
    assert_eq!(a.status, 201, "{}", a.body);
    let dup = a.body["case_number"].as_str().expect("number").to_string();
    // The hotline centre took the same matter by phone earlier.
    let operator = app.login("hotline.linjiang").await;
    let mut earlier = new_case("complaint", "hotline_12345", "13712345678");
    earlier["title"] = json!("小区门口道路积水");
    let (s, b) = app.post("/api/v1/cases", Some(&operator), &earlier).await;
    assert_eq!(s, 201, "{b}");
    let primary = b["case"]["id"].as_str().expect("id").to_string();
    let primary_number = b["case"]["number"].as_str().expect("number").to_string();
    app.ok(
        &operator,
        &dup,
        json!({"command": "merge", "primary": primary, "primary_number": "x", "reason": "同一问题"}),
    )
    .await;
    let m = rx.wait_for(3, WAIT).await;
    let seen: Vec<(&str, &str)> = m
        .iter()
        .map(|x| {
            (
                x.json["status"].as_str().expect("status"),
                x.json["case_number"].as_str().expect("number"),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("received", dup.as_str()),
            ("merged", dup.as_str()),
            ("linked", primary_number.as_str())
        ]
    );
    assert_eq!(m[1].json["merged_into"], primary_number.as_str());
    // From then on the partner follows the primary.
    app.ok(
        &operator,
        &primary,
        json!({"command": "dispatch", "to_unit": "990102-zjj", "note": "请按职责办理"}),
    )
    .await;
    let m = rx.wait_for(4, WAIT).await;
    assert_eq!(m.len(), 4, "{m:?}");
    assert_eq!(m[3].json["status"], "transferred");
    assert_eq!(m[3].json["case_number"], primary_number.as_str());
    assert_eq!(m[3].json["order_id"], "LJ-0800");
    // The order events sit in the hash chain like any other.
    let report = app.state.store.verify().await.expect("verify");
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert!(report.events >= 6, "{report:?}");
}
both!(a_merged_case_hands_its_order_to_the_primary);
