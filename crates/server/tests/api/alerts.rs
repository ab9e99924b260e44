//! Early warning and supervision through the real server: alerts raised once per key, the
//! lifecycle and its refusals, escalation on timeout (alerts and supervision orders), the live
//! stream filtered by scope, the supervision queue, 领导包案, and who may open which page.

use crate::harness::{TestApp, assert_error, new_case};
use chrono::{DateTime, Duration, Utc};
use minsheng_core::alert::{AlertDraft, AlertRule, AlertStatus, Evidence};
use minsheng_server::alerts;
use serde_json::{Value, json};

/// A case whose facts carry a level-1 risk phrase (self-harm, the lexicon's extreme group).
fn risky(phone: &str) -> Value {
    let mut body = new_case("appeal", "phone", phone);
    body["facts_reasons"] = json!("补偿款拖了三年一直不给，再不解决我明天就去市政府楼顶跳楼。");
    body["title"] = json!("征收补偿款长期未兑现");
    body["topic"] = json!("0102");
    body
}

async fn alerts_of(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let (s, b) = app
        .get(&format!("/api/v1/alerts{query}"), Some(token))
        .await;
    assert_eq!(s, 200, "{b}");
    b.as_array().expect("list").clone()
}

fn with_rule<'a>(list: &'a [Value], rule: &str) -> Vec<&'a Value> {
    list.iter().filter(|a| a["alert"]["rule"] == rule).collect()
}

async fn stored(app: &TestApp, id: &str) -> minsheng_core::workflow::CaseState {
    app.state
        .store
        .get_case(uuid::Uuid::parse_str(id).expect("uuid"))
        .await
        .expect("read")
        .expect("case")
}

fn when(v: &Value) -> DateTime<Utc> {
    serde_json::from_value(v.clone()).expect("time")
}

async fn risk_alert_is_raised_once_per_key(app: &TestApp) {
    let sup = app.login("supervisor").await;
    // Below the threshold: no risk phrase, no risk alert.
    app.register("intake.donghu", &new_case("appeal", "phone", "13800001001"))
        .await;
    assert!(with_rule(&alerts_of(app, &sup, "").await, "risk_lexicon").is_empty());

    let (id, _, _) = app.register("intake.donghu", &risky("13800001002")).await;
    let list = alerts_of(app, &sup, "").await;
    let risk = with_rule(&list, "risk_lexicon");
    assert_eq!(risk.len(), 1, "{list:?}");
    let a = &risk[0]["alert"];
    assert_eq!(a["level"], 1);
    assert_eq!(a["status"], "raised");
    assert_eq!(a["evidence"]["cases"], json!([id]));
    assert!(
        a["evidence"]["phrases"]
            .as_array()
            .expect("phrases")
            .iter()
            .any(|p| p == "extreme:跳楼"),
        "{a}"
    );
    assert_eq!(risk[0]["region"], "990102001001");

    // Running the rules again for the same case raises nothing new.
    let case = app
        .state
        .store
        .get_case(uuid::Uuid::parse_str(&id).expect("uuid"))
        .await
        .expect("read")
        .expect("case");
    let again = alerts::evaluate(&app.state, &case, None, None, Utc::now())
        .await
        .expect("evaluate");
    assert!(
        again.iter().all(|r| r.alert.rule != AlertRule::RiskLexicon),
        "{again:?}"
    );
    let list = alerts_of(app, &sup, "").await;
    assert_eq!(with_rule(&list, "risk_lexicon").len(), 1);
    // The store refuses a second alert with the same key outright.
    let draft = AlertDraft {
        rule: AlertRule::RiskLexicon,
        level: 3,
        key: a["key"].as_str().expect("key").to_string(),
        evidence: Evidence::default(),
    };
    let (rec, new) = alerts::raise(&app.state, draft, None, None, Utc::now())
        .await
        .expect("raise");
    assert!(!new);
    assert_eq!(rec.alert.level, 1, "the first alert stands");
    // Filters.
    assert_eq!(
        alerts_of(app, &sup, "?level=1&status=raised").await.len(),
        1
    );
    assert!(alerts_of(app, &sup, "?status=closed").await.is_empty());
    assert_error(
        &app.get("/api/v1/alerts?level=x", Some(&sup)).await,
        400,
        "invalid_level",
    );
    assert_error(
        &app.get("/api/v1/alerts?status=lost", Some(&sup)).await,
        400,
        "invalid_status",
    );
}
crate::both!(risk_alert_is_raised_once_per_key);

/// The id of the only alert of `rule`.
async fn only(app: &TestApp, token: &str, rule: &str) -> (String, Value) {
    let list = alerts_of(app, token, "").await;
    let found = with_rule(&list, rule);
    assert_eq!(found.len(), 1, "{list:?}");
    (
        found[0]["alert"]["id"].as_str().expect("id").to_string(),
        found[0].clone(),
    )
}

async fn lifecycle_refusals_are_bilingual_and_change_nothing(app: &TestApp) {
    app.register("intake.donghu", &risky("13800002001")).await;
    let sup = app.login("supervisor").await;
    let (id, _) = only(app, &sup, "risk_lexicon").await;
    let step = |name: &'static str, note: &'static str, token: String| {
        let path = format!("/api/v1/alerts/{id}/{name}");
        async move { app.post(&path, Some(&token), &json!({"note": note})).await }
    };
    assert_error(
        &step("handle", "已处置", sup.clone()).await,
        400,
        "alert_not_allowed",
    );
    assert_error(
        &step("close", "", sup.clone()).await,
        400,
        "alert_not_allowed",
    );
    assert_error(
        &step("ignore", "", sup.clone()).await,
        400,
        "unknown_command",
    );
    // Out of scope: a handling unit elsewhere does not learn the alert exists; intake sees it
    // but is not a duty officer.
    let other = app.login("handler.xicheng.zjj").await;
    assert_error(&step("acknowledge", "", other).await, 404, "not_found");
    let intake = app.login("intake.donghu").await;
    assert_eq!(step("acknowledge", "", intake).await.0, 403);
    assert_error(
        &app.post(
            "/api/v1/alerts/not-a-uuid/acknowledge",
            Some(&sup),
            &json!({}),
        )
        .await,
        404,
        "not_found",
    );
    let (s, b) = app.get(&format!("/api/v1/alerts/{id}"), Some(&sup)).await;
    assert_eq!(s, 200);
    assert_eq!(b["alert"]["version"], 1, "refusals wrote nothing: {b}");

    let coord = app.login("coord.donghu").await;
    let (s, b) = step("acknowledge", "", coord.clone()).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["alert"]["status"], "acknowledged");
    assert_eq!(b["report_due"], Value::Null);
    assert_error(
        &step("acknowledge", "", sup.clone()).await,
        400,
        "alert_not_allowed",
    );
    assert_error(
        &step("handle", "   ", sup.clone()).await,
        400,
        "note_required",
    );
    assert_eq!(
        step("handle", "已联系属地稳控，当事人情绪平稳", sup.clone())
            .await
            .0,
        200
    );
    assert_eq!(step("close", "", sup.clone()).await.0, 200);
    assert_error(
        &step("close", "", sup.clone()).await,
        400,
        "alert_not_allowed",
    );

    let (_, b) = app.get(&format!("/api/v1/alerts/{id}"), Some(&sup)).await;
    assert_eq!(b["alert"]["status"], "closed");
    let kinds: Vec<&str> = b["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["event"]["type"].as_str().expect("type"))
        .collect();
    assert_eq!(kinds, ["raised", "acknowledged", "handled", "closed"]);
    let (n, broken) = app.state.store.verify_alerts().await.expect("verify");
    assert!(n >= 1 && broken.is_empty(), "{broken:?}");
}
crate::both!(lifecycle_refusals_are_bilingual_and_change_nothing);

async fn unacknowledged_alerts_and_ignored_orders_escalate(app: &TestApp) {
    // Five people on one matter: level 4, twelve hours to acknowledge.
    let mut body = new_case("appeal", "phone", "13800003001");
    body["group_size"] = json!(5);
    body["representatives"] = json!(3);
    let (case_id, _, _) = app.register("intake.donghu", &body).await;
    let sup = app.login("supervisor").await;
    let (id, rec) = only(app, &sup, "group_matter").await;
    assert_eq!(rec["alert"]["level"], 4);
    let raised = when(&rec["alert"]["raised_at"]);
    assert_eq!(when(&rec["report_due"]), raised + Duration::hours(12));

    let st = &app.state;
    let (n, _) = alerts::escalate_due(st, raised + Duration::hours(12) - Duration::seconds(1))
        .await
        .expect("escalate");
    assert_eq!(n, 0, "not yet due");
    let at = raised + Duration::hours(12);
    let (n, _) = alerts::escalate_due(st, at).await.expect("escalate");
    assert_eq!(n, 1);
    let (_, b) = app.get(&format!("/api/v1/alerts/{id}"), Some(&sup)).await;
    assert_eq!(b["alert"]["level"], 3);
    assert_eq!(b["alert"]["raised_level"], 4);
    assert_eq!(when(&b["report_due"]), at + Duration::hours(8));
    assert_eq!(
        b["events"][1]["event"],
        json!({"type": "escalated", "from": 4, "to": 3})
    );
    // Once is enough for one deadline: the job running again at the same instant does nothing.
    assert_eq!(alerts::escalate_due(st, at).await.expect("escalate").0, 0);
    // Acknowledged in time: it stays where it is.
    let (s, _) = app
        .post(
            &format!("/api/v1/alerts/{id}/acknowledge"),
            Some(&sup),
            &json!({}),
        )
        .await;
    assert_eq!(s, 200);
    let later = at + Duration::days(30);
    assert_eq!(
        alerts::escalate_due(st, later).await.expect("escalate").0,
        0
    );

    // A supervision order ignored past its report deadline goes to the office one level up.
    let coord = app.login("coord.donghu").await;
    app.ok(
        &coord,
        &case_id,
        json!({"command": "transfer", "to_unit": "990102-zjj", "mode": "assign"}),
    )
    .await;
    app.ok(
        &sup,
        &case_id,
        json!({"command": "supervise", "instruction": "请三日内报告处理进展", "respond_within_days": 3}),
    )
    .await;
    let ordered = stored(app, &case_id).await.supervisions[0].at;
    // Escalating by hand before the deadline is refused.
    let r = app
        .command(&sup, &case_id, json!({"command": "escalate_supervision"}))
        .await;
    assert_error(&r, 422, "supervision_not_overdue");
    let (_, orders) = alerts::escalate_due(st, ordered + Duration::days(1))
        .await
        .expect("escalate");
    assert_eq!(orders, 0);
    let (_, orders) = alerts::escalate_due(st, ordered + Duration::days(5))
        .await
        .expect("escalate");
    assert_eq!(orders, 1);
    let c = stored(app, &case_id).await;
    assert_eq!(c.supervisions[0].unit, "990102-zjj");
    assert_eq!(
        c.supervisions[0].escalated_to.as_deref(),
        Some("990100-xfj")
    );
    let (_, orders) = alerts::escalate_due(st, ordered + Duration::days(6))
        .await
        .expect("escalate");
    assert_eq!(orders, 0, "an order escalates once");
}
crate::both!(unacknowledged_alerts_and_ignored_orders_escalate);

async fn stream(app: &TestApp, user: &str) -> reqwest::Response {
    let token = app.login(user).await;
    let r = app
        .client
        .get(format!("{}/staff/alerts/stream", app.base))
        .bearer_auth(token)
        .send()
        .await
        .expect("stream");
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/event-stream")
    );
    r
}

async fn live_alerts_reach_only_viewers_in_scope(app: &TestApp) {
    let mut sup = stream(app, "supervisor").await;
    let mut handler = stream(app, "handler.donghu.zjj").await;
    let (case_id, _, _) = app.register("intake.donghu", &risky("13800004001")).await;
    let (mut sbuf, mut hbuf) = (String::new(), String::new());
    let got = crate::harness::next_event("alert", &mut sup, &mut sbuf)
        .await
        .expect("supervisor event");
    assert_eq!(got["rule"], "risk_lexicon");
    assert_eq!(got["level"], 1);
    let risk_id = got["id"].as_str().expect("id").to_string();
    assert_eq!(got["href"], format!("/staff/alerts/{risk_id}"));
    // An alert about the handler's own unit: the first (and only) event the handler gets.
    let draft = AlertDraft {
        rule: AlertRule::GroupMatter,
        level: 4,
        key: format!("group_matter:{case_id}:test"),
        evidence: Evidence::default(),
    };
    let (own, new) = alerts::raise(
        &app.state,
        draft,
        Some("990102".into()),
        Some("990102-zjj".into()),
        Utc::now(),
    )
    .await
    .expect("raise");
    assert!(new);
    let first = crate::harness::next_event("alert", &mut handler, &mut hbuf)
        .await
        .expect("handler event");
    assert_eq!(
        first["id"],
        own.alert.id.to_string(),
        "out-of-scope alert leaked"
    );
    assert_ne!(first["id"], risk_id);
    // The supervisor sees that one too, and changes as they happen.
    let next = crate::harness::next_event("alert", &mut sup, &mut sbuf)
        .await
        .expect("second");
    assert_eq!(next["id"], own.alert.id.to_string());
    let token = app.login("supervisor").await;
    app.post(
        &format!("/api/v1/alerts/{risk_id}/acknowledge"),
        Some(&token),
        &json!({}),
    )
    .await;
    let changed = crate::harness::next_event("alert", &mut sup, &mut sbuf)
        .await
        .expect("change");
    assert_eq!(
        (changed["id"].as_str(), changed["status"].as_str()),
        (Some(risk_id.as_str()), Some("acknowledged"))
    );
    // Not signed in: no stream.
    let r = app
        .client
        .get(format!("{}/staff/alerts/stream", app.base))
        .send()
        .await
        .expect("stream");
    assert_eq!(r.status(), 401);
}
crate::both!(live_alerts_reach_only_viewers_in_scope);

async fn queue_numbers(
    app: &TestApp,
    actor_user: &str,
    now: DateTime<Utc>,
) -> Vec<(String, Vec<String>)> {
    let user = app
        .state
        .store
        .user_by_username(actor_user)
        .await
        .expect("user")
        .expect("exists");
    let actor = minsheng_core::access::Actor {
        user_id: Some(user.id),
        name: user.display_name.clone(),
        role: user.role,
        unit: user.unit.clone(),
    };
    alerts::queue::build(&app.state, &actor, now)
        .await
        .expect("queue")
        .into_iter()
        .map(|q| {
            let reasons = q
                .reasons
                .iter()
                .map(|r| {
                    serde_json::to_value(r).expect("reason")["reason"]
                        .as_str()
                        .expect("tag")
                        .to_string()
                })
                .collect();
            (q.case.number.clone(), reasons)
        })
        .collect()
}

async fn supervision_queue_fills_itself(app: &TestApp) {
    let (_, _, plain) = app
        .register("intake.donghu", &new_case("appeal", "phone", "13800005001"))
        .await;
    let (risk_id, _, risky_case) = app.register("intake.donghu", &risky("13800005002")).await;
    // The same caller on the same matter twice: the first case is repeated while open.
    let (_, _, first) = app
        .register("intake.donghu", &new_case("appeal", "phone", "13800005003"))
        .await;
    app.register("intake.donghu", &new_case("appeal", "phone", "13800005003"))
        .await;
    let num = |v: &Value| v["number"].as_str().expect("number").to_string();
    let now = Utc::now();
    let q = queue_numbers(app, "supervisor", now).await;
    let reasons_of = |q: &[(String, Vec<String>)], n: &str| {
        q.iter().find(|(x, _)| x == n).map(|(_, r)| r.clone())
    };
    assert_eq!(reasons_of(&q, &num(&plain)), None, "{q:?}");
    assert_eq!(
        reasons_of(&q, &num(&risky_case)),
        Some(vec!["alert".to_string()])
    );
    assert_eq!(
        reasons_of(&q, &num(&first)),
        Some(vec!["repeat_on_open_case".to_string()])
    );
    // Twenty days on, nobody transferred anything: every case is overdue at the office.
    let late = queue_numbers(app, "supervisor", now + Duration::days(20)).await;
    assert!(
        reasons_of(&late, &num(&plain)).is_some_and(|r| r == ["overdue"]),
        "{late:?}"
    );
    // A coordinator elsewhere sees none of them; handlers do not work the queue.
    assert!(queue_numbers(app, "coord.yunshan", now).await.is_empty());
    let handler = app
        .state
        .store
        .user_by_username("handler.donghu.zjj")
        .await
        .expect("u")
        .expect("u");
    let actor = minsheng_core::access::Actor {
        user_id: Some(handler.id),
        name: handler.display_name,
        role: handler.role,
        unit: handler.unit,
    };
    assert!(alerts::queue::build(&app.state, &actor, now).await.is_err());
    // Closing the alert takes the case out of the queue.
    let sup = app.login("supervisor").await;
    let list = alerts_of(app, &sup, "").await;
    let alert_id = list
        .iter()
        .find(|a| {
            a["alert"]["rule"] == "risk_lexicon"
                && a["alert"]["evidence"]["cases"][0] == risk_id.as_str()
        })
        .expect("risk alert")["alert"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    for (step, note) in [("acknowledge", ""), ("handle", "已稳控"), ("close", "")] {
        let (s, b) = app
            .post(
                &format!("/api/v1/alerts/{alert_id}/{step}"),
                Some(&sup),
                &json!({"note": note}),
            )
            .await;
        assert_eq!(s, 200, "{b}");
    }
    let q = queue_numbers(app, "supervisor", now).await;
    assert_eq!(reasons_of(&q, &num(&risky_case)), None);
    // The page lists the queue.
    let web = app.web_client(Some("supervisor")).await;
    let html = web
        .get(format!("{}/staff/supervision", app.base))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(
        html.contains(&num(&first)),
        "queue page lists the repeated case"
    );
    assert!(html.contains("未终结事项重复信访"));
}
crate::both!(supervision_queue_fills_itself);

async fn leader_owned_cases_and_public_orders(app: &TestApp) {
    let (id, _, case) = app
        .register("intake.donghu", &new_case("appeal", "phone", "13800006001"))
        .await;
    let number = case["number"].as_str().expect("number").to_string();
    let sup_web = app.web_client(Some("supervisor")).await;
    let post = |c: &reqwest::Client, form: Vec<(&'static str, String)>| {
        let c = c.clone();
        let url = format!("{}/staff/supervision/act", app.base);
        async move {
            let r = c.post(url).form(&form).send().await.expect("post");
            (r.status().as_u16(), r.text().await.unwrap_or_default())
        }
    };
    let assign = |n: &str, leader: &str| {
        vec![
            ("command", "assign_leader".to_string()),
            ("case", n.to_string()),
            ("leader", leader.to_string()),
            ("post", "东湖区副区长".to_string()),
        ]
    };
    // A handler may not assign a leader; an empty name is refused with the reason.
    let handler_web = app.web_client(Some("handler.donghu.zjj")).await;
    assert_eq!(post(&handler_web, assign(&number, "王建国")).await.0, 403);
    let (s, html) = post(&sup_web, assign(&number, "")).await;
    assert_eq!(s, 422, "{html}");
    let (s, _) = post(&sup_web, assign(&number, "王建国")).await;
    assert_eq!(s, 303);
    let sup = app.login("supervisor").await;
    let leader = stored(app, &id).await.leader.expect("leader");
    assert_eq!(
        (leader.leader.as_str(), leader.post.as_str()),
        ("王建国", "东湖区副区长")
    );
    let page = sup_web
        .get(format!("{}/staff/supervision", app.base))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(
        page.contains("(0 / 1)"),
        "resolution rate shown as a fraction"
    );
    assert!(page.contains("王建国"));

    // A public supervision record carries no personal fields.
    app.assign_to_housing(&id).await;
    app.ok(&sup, &id, json!({"command": "supervise", "instruction": "请五日内报告张三丰反映问题的处理进展", "respond_within_days": 5}))
        .await;
    assert!(
        app.state
            .store
            .public_supervisions(Utc::now())
            .await
            .expect("public")
            .is_empty()
    );
    let (s, _) = post(
        &sup_web,
        vec![
            ("command", "publish_supervision".into()),
            ("case", number.clone()),
        ],
    )
    .await;
    assert_eq!(s, 303);
    let public = app
        .state
        .store
        .public_supervisions(Utc::now())
        .await
        .expect("public");
    assert_eq!(public.len(), 1);
    assert_eq!(public[0].case_number, number);
    assert_eq!(public[0].unit, "990102-zjj");
    assert!(!public[0].late);
    let text = serde_json::to_string(&public).expect("json");
    assert!(!text.contains("张三丰") && !text.contains("138"), "{text}");
    // The public transparency page shows the published order without the case number.
    let html = app
        .client
        .get(format!("{}/open", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("督办公开"),
        "published orders section on /open"
    );
    assert!(!html.contains(&number), "no case number on the public page");
    assert!(!html.contains("张三丰"));
}
crate::both!(leader_owned_cases_and_public_orders);

async fn alert_pages_by_role(app: &TestApp) {
    app.register("intake.donghu", &risky("13800007001")).await;
    let sup = app.login("supervisor").await;
    let (id, _) = only(app, &sup, "risk_lexicon").await;
    let one = format!("/staff/alerts/{id}");
    let table: &[(Option<&str>, &str, u16)] = &[
        (None, "/staff/alerts", 303),
        (None, &one, 303),
        (None, "/staff/supervision", 303),
        (Some("supervisor"), "/staff/alerts", 200),
        (
            Some("supervisor"),
            "/staff/alerts?level=1&status=raised",
            200,
        ),
        (Some("supervisor"), "/staff/alerts?level=9x", 400),
        (Some("supervisor"), &one, 200),
        (Some("supervisor"), "/staff/alerts/not-an-id", 404),
        (Some("supervisor"), "/staff/supervision", 200),
        (Some("admin"), "/staff/alerts", 200),
        (Some("admin"), "/staff/supervision", 200),
        (Some("coord.donghu"), &one, 200),
        (Some("coord.donghu"), "/staff/supervision", 200),
        (Some("coord.yunshan"), &one, 404),
        (Some("intake.donghu"), &one, 200),
        (Some("intake.donghu"), "/staff/supervision", 403),
        (Some("handler.donghu.zjj"), "/staff/alerts", 200),
        (Some("handler.donghu.zjj"), &one, 404),
        (Some("handler.donghu.zjj"), "/staff/supervision", 403),
    ];
    for (user, path, want) in table {
        let c = app.web_client(*user).await;
        let got = c
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .expect("get")
            .status()
            .as_u16();
        assert_eq!(got, *want, "{user:?} GET {path}");
    }
    // The list shows the alert with its level colour and the deadline in words; the handler's
    // list does not.
    let html = app
        .web_client(Some("supervisor"))
        .await
        .get(format!("{}/staff/alerts", app.base))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("html");
    assert!(
        html.contains("alert-l1") && html.contains("内签收上报"),
        "{html}"
    );
    let html = app
        .web_client(Some("handler.donghu.zjj"))
        .await
        .get(format!("{}/staff/alerts", app.base))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("html");
    assert!(!html.contains(&id));
    // A refused step on the page shows the reason and changes nothing.
    let c = app.web_client(Some("supervisor")).await;
    let r = c
        .post(format!("{}{one}/act", app.base))
        .form(&[("command", "close"), ("note", "")])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 400);
    assert!(r.text().await.expect("html").contains("action-error"));
    let rec = alerts::load_visible(
        &app.state,
        &minsheng_core::access::Actor::system("test"),
        &id,
    )
    .await
    .expect("alert");
    assert_eq!(rec.alert.status, AlertStatus::Raised);
}
crate::both!(alert_pages_by_role);

async fn an_accused_unit_never_sees_alerts_about_the_accusation(app: &TestApp) {
    let mut accusation = risky("13800008001");
    accusation["kind"] = json!("accusation");
    accusation["channel"] = json!("letter");
    accusation["accused_unit"] = json!("990102-zjj");
    let (case_id, _, _) = app.register("intake.donghu", &accusation).await;
    // Even an alert filed against the accused unit itself stays out of its sight.
    let draft = AlertDraft {
        rule: AlertRule::Cluster,
        level: 3,
        key: format!("cluster:{case_id}"),
        evidence: Evidence {
            cases: vec![uuid::Uuid::parse_str(&case_id).expect("uuid")],
            ..Evidence::default()
        },
    };
    let (rec, _) = alerts::raise(
        &app.state,
        draft,
        Some("990102001001".into()),
        Some("990102-zjj".into()),
        Utc::now(),
    )
    .await
    .expect("raise");
    let accused = app.login("handler.donghu.zjj").await;
    assert!(alerts_of(app, &accused, "").await.is_empty());
    assert_error(
        &app.get(&format!("/api/v1/alerts/{}", rec.alert.id), Some(&accused))
            .await,
        404,
        "not_found",
    );
    let sup = app.login("supervisor").await;
    assert_eq!(alerts_of(app, &sup, "").await.len(), 2, "risk + cluster");
}
crate::both!(an_accused_unit_never_sees_alerts_about_the_accusation);

/// The demo data fills the oversight pages: alerts in several statuses, orders, leader cases.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_oversight_data_fills_the_pages() {
    let app = TestApp::spawn(crate::harness::Backend::Sqlite).await;
    minsheng_server::demo::generate_cases(&app.state, 150, 11, 60)
        .await
        .expect("demo cases");
    let (alerts_n, orders, leaders) = alerts::demo::seed(&app.state).await.expect("seed");
    assert!(
        alerts_n >= 2 && orders >= 1 && leaders >= 1,
        "{alerts_n} {orders} {leaders}"
    );
    let sup = app.login("supervisor").await;
    let list = alerts_of(&app, &sup, "").await;
    let statuses: std::collections::BTreeSet<&str> = list
        .iter()
        .map(|a| a["alert"]["status"].as_str().expect("status"))
        .collect();
    assert!(
        statuses.contains("raised") && statuses.len() >= 2,
        "{statuses:?}"
    );
    let web = app.web_client(Some("supervisor")).await;
    for path in ["/staff/alerts", "/staff/supervision"] {
        let r = web
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .expect("get");
        assert_eq!(r.status(), 200, "{path}");
    }
    let (n, broken) = app.state.store.verify_alerts().await.expect("verify");
    assert_eq!(n as usize, list.len());
    assert!(broken.is_empty());
    app.finish().await;
}

async fn bad_api_input_is_a_bilingual_4xx(app: &TestApp) {
    app.register("intake.donghu", &risky("13800009001")).await;
    let sup = app.login("supervisor").await;
    let (id, _) = only(app, &sup, "risk_lexicon").await;
    let path = format!("/api/v1/alerts/{id}/acknowledge");
    assert_error(
        &app.post_raw(&path, Some(&sup), "{not json").await,
        400,
        "invalid_json",
    );
    assert_error(
        &app.post_raw(&path, Some(&sup), r#"{"note": 5}"#).await,
        400,
        "invalid_json",
    );
    assert_error(
        &app.post_raw(&path, Some(&sup), r#"{"note": "", "by": "someone else"}"#)
            .await,
        400,
        "invalid_json",
    );
    let (_, b) = app.get(&format!("/api/v1/alerts/{id}"), Some(&sup)).await;
    assert_eq!(b["alert"]["status"], "raised", "nothing changed");
    // An empty body is an empty note.
    assert_eq!(app.post_raw(&path, Some(&sup), "").await.0, 200);
    let (s, _) = app.get("/api/v1/alerts", None).await;
    assert_eq!(s, 401);
}
crate::both!(bad_api_input_is_a_bilingual_4xx);
