//! Telephony over real HTTP: call events from the telephone system (machine token) pop the
//! caller's earlier cases on the addressed agent's console stream and nowhere else; missed calls
//! fold into one callback entry per number, leave the list when returned or when a later call
//! is answered; a wrong token or a malformed event is refused with nothing written.

use crate::harness::{TestApp, assert_error, new_case};
use serde_json::{Value, json};

const TOKEN: &str = "cti-test-token-2026";

async fn call(app: &TestApp, token: Option<&str>, body: &Value) -> (u16, Value) {
    let mut req = app
        .client
        .post(format!("{}/api/v1/telephony/events", app.base))
        .json(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.expect("call event");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn event(call_id: &str, event: &str, caller: &str, agent: Option<&str>) -> Value {
    json!({"call_id": call_id, "event": event, "caller": caller, "agent": agent})
}

async fn console(app: &TestApp, user: &str) -> reqwest::Response {
    let token = app.login(user).await;
    let r = app
        .client
        .get(format!("{}/staff/intake/calls", app.base))
        .bearer_auth(token)
        .send()
        .await
        .expect("stream");
    assert_eq!(r.status(), 200, "{user} listens for calls");
    assert!(
        r.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/event-stream")
    );
    r
}

async fn ringing_pops_on_the_addressed_console_only(app: &TestApp) {
    app.state.telephony.set_token(Some(TOKEN));
    let caller = "13800009001";
    let (_, _, first) = app
        .register("intake.donghu", &new_case("appeal", "phone", caller))
        .await;
    let (_, _, second) = app
        .register("intake.donghu", &new_case("suggestion", "phone", caller))
        .await;
    let mut agent = console(app, "intake.donghu").await;
    let mut other = console(app, "coord.donghu").await;
    let (mut abuf, mut obuf) = (String::new(), String::new());

    let (s, ack) = call(
        app,
        Some(TOKEN),
        &event("call-1", "ringing", caller, Some("intake.donghu")),
    )
    .await;
    assert_eq!(s, 202, "{ack}");
    let pop = crate::harness::next_event("call", &mut agent, &mut abuf)
        .await
        .expect("the pop");
    assert_eq!(pop["call_id"], "call-1");
    assert_eq!(pop["event"], "ringing");
    assert_eq!(pop["masked"], "138****9001");
    assert_eq!(pop["phone"], caller, "pre-fills the phone field");
    let mut numbers: Vec<&str> = pop["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .filter_map(|c| c["number"].as_str())
        .collect();
    numbers.sort_unstable();
    let mut expected = vec![
        first["number"].as_str().expect("number"),
        second["number"].as_str().expect("number"),
    ];
    expected.sort_unstable();
    assert_eq!(numbers, expected, "the caller's earlier cases");

    // The other agent's first call event is its own call, not the one above.
    let (s, _) = call(
        app,
        Some(TOKEN),
        &event("call-2", "answered", "13900009002", Some("coord.donghu")),
    )
    .await;
    assert_eq!(s, 202);
    let theirs = crate::harness::next_event("call", &mut other, &mut obuf)
        .await
        .expect("own pop");
    assert_eq!(theirs["call_id"], "call-2", "another agent's call leaked");
    assert_eq!(theirs["cases"], json!([]));
    // Ended and missed calls pop nothing: the next event the agent sees is the next ringing.
    for (id, ev) in [("call-3", "ended"), ("call-4", "missed")] {
        let (s, _) = call(
            app,
            Some(TOKEN),
            &event(id, ev, caller, Some("intake.donghu")),
        )
        .await;
        assert_eq!(s, 202);
    }
    call(
        app,
        Some(TOKEN),
        &event("call-5", "ringing", "13700009003", Some("intake.donghu")),
    )
    .await;
    let next = crate::harness::next_event("call", &mut agent, &mut abuf)
        .await
        .expect("next pop");
    assert_eq!(next["call_id"], "call-5");

    // Only those with an intake console may listen; the console page carries the stream.
    let handler = app.login("handler.donghu.zjj").await;
    let r = app
        .client
        .get(format!("{}/staff/intake/calls", app.base))
        .bearer_auth(handler)
        .send()
        .await
        .expect("stream");
    assert_eq!(r.status(), 403);
    let web = app.web_client(Some("intake.donghu")).await;
    let html = web
        .get(format!("{}/staff/intake", app.base))
        .send()
        .await
        .expect("console")
        .text()
        .await
        .expect("html");
    assert!(html.contains(r#"data-stream="/staff/intake/calls""#));
    assert!(html.contains("/static/calls.js"));
}
crate::both!(ringing_pops_on_the_addressed_console_only);

async fn callbacks_page(app: &TestApp, web: &reqwest::Client) -> String {
    let r = web
        .get(format!("{}/staff/callbacks", app.base))
        .send()
        .await
        .expect("callbacks");
    assert_eq!(r.status(), 200);
    r.text().await.expect("html")
}

async fn missed_calls_wait_until_returned_or_answered(app: &TestApp) {
    app.state.telephony.set_token(Some(TOKEN));
    let (x, y) = ("13800009101", "02787654321");
    let (_, a1) = call(app, Some(TOKEN), &event("m-1", "missed", x, None)).await;
    let (_, a2) = call(
        app,
        Some(TOKEN),
        &event("m-2", "missed", x, Some("intake.donghu")),
    )
    .await;
    assert_eq!(a1["callback_id"], a2["callback_id"], "one entry per number");
    assert_eq!(a2["missed_calls"], 2);
    let (s, b) = call(app, Some(TOKEN), &event("m-3", "missed", y, None)).await;
    assert_eq!(s, 202, "{b}");
    let y_entry = b["callback_id"].as_str().expect("id").to_string();

    let web = app.web_client(Some("intake.donghu")).await;
    let html = callbacks_page(app, &web).await;
    let x_at = html.find("138****9101").expect("x listed, masked");
    let y_at = html.find("027****4321").expect("y listed, masked");
    assert!(x_at < y_at, "the longest waiting first");
    assert!(!html.contains(x) && !html.contains(y), "numbers masked");
    assert!(html.contains("<td>2</td>"), "two calls folded: {html}");

    // Returned by an agent, with an outcome; an empty outcome is refused and changes nothing.
    let done = format!("{}/staff/callbacks/{y_entry}/done", app.base);
    let r = web
        .post(&done)
        .form(&[("outcome", "  ")])
        .send()
        .await
        .expect("empty");
    assert_eq!(r.status(), 400);
    assert!(callbacks_page(app, &web).await.contains("027****4321"));
    let r = web
        .post(&done)
        .form(&[("outcome", "已回拨，来电人改日来访")])
        .send()
        .await
        .expect("done");
    assert_eq!(r.status(), 303);
    let r = web
        .post(&done)
        .form(&[("outcome", "again")])
        .send()
        .await
        .expect("twice");
    assert_eq!(
        r.status(),
        404,
        "a closed entry is not open to record again"
    );
    let entry = app
        .state
        .store
        .missed_call(y_entry.parse().expect("uuid"))
        .await
        .expect("read")
        .expect("entry");
    assert_eq!(entry.outcome.as_deref(), Some("已回拨，来电人改日来访"));
    assert_eq!(entry.closed_by.as_deref(), Some("intake.donghu"));

    // An answered call with the number settles its entry; a new miss opens a fresh one.
    let (_, ack) = call(
        app,
        Some(TOKEN),
        &event("m-4", "answered", x, Some("coord.donghu")),
    )
    .await;
    assert_eq!(ack["callback_closed"], true);
    let html = callbacks_page(app, &web).await;
    assert!(!html.contains("138****9101") && !html.contains("027****4321"));
    assert!(html.contains("callbacks-empty"));
    let (_, again) = call(app, Some(TOKEN), &event("m-5", "missed", x, None)).await;
    assert_ne!(again["callback_id"], a1["callback_id"]);
    assert_eq!(again["missed_calls"], 1);

    // Handling units have no callback list.
    let handler = app.web_client(Some("handler.donghu.zjj")).await;
    let r = handler
        .get(format!("{}/staff/callbacks", app.base))
        .send()
        .await
        .expect("page");
    assert_eq!(r.status(), 403);
}
crate::both!(missed_calls_wait_until_returned_or_answered);

async fn bad_call_events_change_nothing(app: &TestApp) {
    let missed = event("b-1", "missed", "13800009201", None);
    // No token configured: every event is refused.
    assert_error(
        &call(app, Some(TOKEN), &missed).await,
        401,
        "unauthenticated",
    );
    app.state.telephony.set_token(Some(TOKEN));
    assert_error(&call(app, None, &missed).await, 401, "unauthenticated");
    assert_error(
        &call(app, Some("cti-test-token-2025"), &missed).await,
        401,
        "unauthenticated",
    );
    let session = app.login("intake.donghu").await;
    assert_error(
        &call(app, Some(&session), &missed).await,
        401,
        "unauthenticated",
    );
    for (body, code) in [
        (
            json!({"event": "missed", "caller": "13800009201"}),
            "invalid_json",
        ),
        (event("", "missed", "13800009201", None), "invalid_call_id"),
        (
            event("b-2", "hung_up", "13800009201", None),
            "invalid_call_event",
        ),
        (event("b-3", "missed", "12345", None), "invalid_caller"),
        (
            event("b-4", "missed", "13800009201", Some(&"x".repeat(65))),
            "invalid_agent",
        ),
        (
            json!({"call_id": "b-5", "event": "missed", "caller": "13800009201", "at": "yesterday"}),
            "invalid_time",
        ),
    ] {
        assert_error(&call(app, Some(TOKEN), &body).await, 400, code);
    }
    let r = app
        .client
        .post(format!("{}/api/v1/telephony/events", app.base))
        .bearer_auth(TOKEN)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 400);
    assert!(
        app.query_text("SELECT id FROM missed_calls")
            .await
            .is_empty(),
        "nothing written"
    );
    // The same event, well formed and authenticated, is recorded.
    let (s, _) = call(app, Some(TOKEN), &missed).await;
    assert_eq!(s, 202);
    assert_eq!(app.query_text("SELECT id FROM missed_calls").await.len(), 1);
}
crate::both!(bad_call_events_change_nothing);
