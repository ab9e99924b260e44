//! KPI rollups kept as events commit (docs/kpi.md): counts of a hand-built scenario read through
//! the store's dashboard queries, the time-driven refresh (超期未受理 appears with no event), and
//! random command walks through the real service after which the kept cells equal a recount.

use crate::both;
use crate::harness::{TestApp, new_case};
use chrono::{DateTime, Duration, Utc};
use minsheng_core::kpi::{Count, Grain, KpiCounts, Metric as M, Scope, period_key};
use minsheng_server::{demo, kpi};
use minsheng_store::ScopeKind;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};

/// A petition body without the shared ID number, so that only the phone links a person.
fn petition(phone: &str, topic: &str) -> Value {
    let mut b = new_case("appeal", "letter", phone);
    b["topic"] = json!(topic);
    if let Some(p) = b["petitioner"].as_object_mut() {
        p.remove("id_number");
    }
    b
}

async fn register(app: &TestApp, token: &str, body: &Value) -> String {
    let (s, b) = app.post("/api/v1/cases", Some(token), body).await;
    assert_eq!(s, 201, "{b}");
    b["case"]["id"].as_str().expect("id").to_string()
}

fn count(hit: u64, miss: u64) -> Count {
    Count {
        hit,
        basically: 0,
        miss,
    }
}

async fn year(app: &TestApp, scope: &Scope, y: &str) -> KpiCounts {
    app.state
        .store
        .kpi_counts(Grain::Year, scope, y, y)
        .await
        .expect("kpi_counts")
}

/// Checks the kept cells and volumes against a recount at `as_of`.
async fn assert_recount(app: &TestApp, as_of: DateTime<Utc>, context: &str) {
    let r = kpi::recount(&app.state, as_of).await.expect("recount");
    assert!(
        r.differences.is_empty(),
        "{context}: kept rollups differ from a recount of {} cases:\n{}",
        r.cases,
        r.differences.join("\n")
    );
    let cases = app.state.store.count_cases().await.expect("count");
    let kept = app.state.store.kpi_facts_count().await.expect("facts");
    assert_eq!(kept, cases, "{context}: every case has kept facts");
}

async fn scenario_counts(app: &TestApp) {
    let intake = app.login("intake.donghu").await;
    let coord = app.login("coord.donghu").await;
    let handler = app.login("handler.donghu.zjj").await;
    let started = minsheng_server::service::now();
    let y = period_key(started, Grain::Year);

    // A: transferred, accepted and answered in time.
    let a = register(app, &intake, &petition("13800000001", "010101")).await;
    app.ok(
        &coord,
        &a,
        json!({"command": "transfer", "to_unit": "990102-zjj", "mode": "assign"}),
    )
    .await;
    app.ok(
        &handler,
        &a,
        json!({"command": "accept", "notice": "本机关已依法受理。"}),
    )
    .await;
    app.ok(&handler, &a, json!({"command": "issue_opinion", "request": "修复电梯", "facts_reasons": "经核实属实",
        "opinion": "责令物业三十日内修复", "legal_basis": "《物业管理条例》", "outcome": "support"}))
        .await;
    // B: transferred, not accepted yet.
    let b = register(app, &intake, &petition("13800000002", "010101")).await;
    app.ok(
        &coord,
        &b,
        json!({"command": "transfer", "to_unit": "990102-zjj", "mode": "assign"}),
    )
    .await;
    // C: the same petitioner as A, same topic: a repeat petition of A.
    let c = register(app, &intake, &petition("13800000001", "010101")).await;
    let links = app
        .state
        .store
        .case_links(c.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(links.repeat_of.map(|u| u.to_string()), Some(a.clone()));
    assert!(
        app.state
            .store
            .case_links(a.parse().unwrap())
            .await
            .unwrap()
            .repeated_later
    );
    // A different topic from the same phone is not a repeat.
    let d = register(app, &intake, &petition("13800000002", "010201")).await;
    assert_eq!(
        app.state
            .store
            .case_links(d.parse().unwrap())
            .await
            .unwrap()
            .repeat_of,
        None
    );

    let all = year(app, &Scope::All, &y).await;
    assert_eq!(all.cases, 4);
    assert_eq!(all.count(M::TimelyTransfer), count(2, 0), "C, D pending");
    assert_eq!(all.count(M::TimelyAcceptance), count(1, 0), "B pending");
    assert_eq!(all.count(M::OnTimeAnswer), count(1, 0));
    assert_eq!(all.count(M::RepeatPetition), count(1, 3), "C repeats A");
    // A was repeated later: its first-time resolution is known, and missed.
    assert_eq!(all.count(M::FirstTimeResolution), count(0, 1));
    assert_eq!(
        all.count(M::RatingParticipation),
        count(0, 0),
        "window open"
    );

    let zjj = year(app, &Scope::Unit("990102-zjj".into()), &y).await;
    assert_eq!(zjj.cases, 2, "A and B were sent to it");
    assert_eq!(zjj.count(M::TimelyAcceptance), count(1, 0));
    assert_eq!(zjj.count(M::FirstTimeResolution), count(0, 1));
    let office = year(app, &Scope::Unit("990102-xfj".into()), &y).await;
    assert_eq!(office.cases, 2, "C and D are still with the office");
    assert_eq!(office.count(M::TimelyTransfer), count(2, 0));
    assert_eq!(office.count(M::RepeatPetition), count(1, 1));
    // The region above counts everything; a region elsewhere nothing.
    assert_eq!(
        year(app, &Scope::Region("990102".into()), &y).await,
        all,
        "the county holds every case"
    );
    assert!(
        year(app, &Scope::Region("330000".into()), &y)
            .await
            .is_empty()
    );
    let league = app
        .state
        .store
        .kpi_league(Grain::Year, ScopeKind::Unit, &y, &y)
        .await
        .unwrap();
    let units: Vec<&str> = league.iter().map(|(u, _)| u.as_str()).collect();
    assert_eq!(units, ["990102-xfj", "990102-zjj"]);
    // Intake volumes: four letters, counted in the province total and in the county.
    let vol = app
        .state
        .store
        .volume(Grain::Year, Some("990102"), &y, &y)
        .await
        .unwrap();
    assert_eq!(vol.iter().map(|v| v.n).sum::<u64>(), 4, "{vol:?}");
    assert!(
        vol.iter()
            .all(|v| v.channel == "letter" && v.flow == "petition")
    );
    let tops: Vec<&str> = vol.iter().map(|v| v.topic.as_str()).collect();
    assert_eq!(tops, ["01"], "first-level topic of 010101 and 010201");
    assert_recount(app, started, "after the commands").await;

    // Forty days on, with no event: B is 超期未受理 at the department, C and D were not
    // transferred in time, A's rating window has closed unrated.
    let later = started + Duration::days(40);
    let due = app.state.store.kpi_due(later, 100).await.unwrap();
    assert!(due.len() >= 4, "A, B, C, D have pending outcomes: {due:?}");
    let n = kpi::refresh_due(&app.state, later).await.unwrap();
    assert!(n >= 4, "refreshed {n}");
    assert!(
        app.state
            .store
            .kpi_due(later, 100)
            .await
            .unwrap()
            .is_empty()
    );
    let all = year(app, &Scope::All, &y).await;
    assert_eq!(all.count(M::TimelyAcceptance), count(1, 1), "B overdue");
    assert_eq!(all.count(M::TimelyTransfer), count(2, 2), "C and D overdue");
    assert_eq!(all.count(M::RatingParticipation), count(0, 1), "A unrated");
    let zjj = year(app, &Scope::Unit("990102-zjj".into()), &y).await;
    assert_eq!(zjj.count(M::TimelyAcceptance), count(1, 1));
    assert_recount(app, later, "after the refresh").await;

    // B accepted late (the service at a chosen instant): still a miss (超期受理), no longer
    // open, and the count does not move.
    let case = app
        .state
        .store
        .get_case(b.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    let actor = minsheng_core::access::Actor {
        user_id: None,
        name: "经办人".into(),
        role: minsheng_core::access::Role::Handler,
        unit: Some("990102-zjj".into()),
    };
    let accept = minsheng_core::workflow::Command::Accept {
        notice: "本机关已依法受理。".into(),
    };
    minsheng_server::service::append_decided(&app.state, &actor, &case, &accept, later)
        .await
        .expect("late acceptance");
    let all = year(app, &Scope::All, &y).await;
    assert_eq!(all.count(M::TimelyAcceptance), count(1, 1));
    assert_recount(app, later, "after the late acceptance").await;
}
both!(scenario_counts);

/// One step of a random walk.
#[derive(Debug, Clone)]
enum Step {
    /// Demo cases: full random stories of both flows through the service, back-dated.
    Demo { n: usize, seed: u64, days: i64 },
    /// A petition by one of three phones on one of two topics (repeats happen).
    Register { phone: usize, topic: usize },
    /// The next command on one of the walk's own petitions, whatever its state allows.
    Advance { which: usize, command: usize },
    /// The time-driven refresh `days` ahead of now.
    Refresh { days: i64 },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (1usize..4, any::<u64>(), 1i64..240).prop_map(|(n, seed, days)| Step::Demo {
            n,
            seed,
            days
        }),
        (0usize..3, 0usize..2).prop_map(|(phone, topic)| Step::Register { phone, topic }),
        (0usize..8, 0usize..5).prop_map(|(which, command)| Step::Advance { which, command }),
        (0i64..90).prop_map(|days| Step::Refresh { days }),
    ]
}

async fn rollups_equal_a_recount_after_random_walks(app: &TestApp) {
    let intake = app.login("intake.donghu").await;
    let coord = app.login("coord.donghu").await;
    let handler = app.login("handler.donghu.zjj").await;
    let commands = [
        (
            &coord,
            json!({"command": "transfer", "to_unit": "990102-zjj", "mode": "assign"}),
        ),
        (
            &handler,
            json!({"command": "accept", "notice": "本机关已依法受理。"}),
        ),
        (
            &handler,
            json!({"command": "object", "reason": "该事项不属于本单位职责范围"}),
        ),
        (
            &handler,
            json!({"command": "issue_opinion", "request": "修复电梯", "facts_reasons": "经核实属实",
                "opinion": "责令物业三十日内修复", "legal_basis": "《物业管理条例》", "outcome": "support"}),
        ),
        (
            &handler,
            json!({"command": "extend", "days": 30, "approver": "局长", "reason": "情况复杂需调查"}),
        ),
    ];
    let phones = ["13900000001", "13900000002", "13900000003"];
    let topics = ["010101", "010201"];
    let mut runner = TestRunner::new(Config {
        cases: 16,
        ..Config::default()
    });
    let walk = proptest::collection::vec(step(), 2..7);
    let mut own: Vec<String> = Vec::new();
    // Facts are valid from their instant on, so the refreshes and recounts never go back.
    let mut as_of = minsheng_server::service::now();
    for i in 0..16 {
        let steps = walk.new_tree(&mut runner).expect("walk").current();
        for s in &steps {
            match s {
                Step::Demo { n, seed, days } => {
                    demo::generate_cases(&app.state, *n, *seed, *days)
                        .await
                        .expect("demo cases");
                }
                Step::Register { phone, topic } => own
                    .push(register(app, &intake, &petition(phones[*phone], topics[*topic])).await),
                Step::Advance { which, command } => {
                    if let Some(id) = own.get(which % own.len().max(1)) {
                        let (token, cmd) = &commands[*command];
                        // Refused commands (409, 422) change nothing; anything else must not
                        // fail.
                        let (status, body) = app.command(token, id, cmd.clone()).await;
                        assert!(status < 500, "{status} {body}");
                    }
                }
                Step::Refresh { days } => {
                    as_of = as_of.max(minsheng_server::service::now() + Duration::days(*days));
                    kpi::refresh_due(&app.state, as_of).await.expect("refresh");
                }
            }
        }
        as_of = as_of.max(minsheng_server::service::now());
        assert_recount(app, as_of, &format!("walk {i}: {steps:?}")).await;
    }
    // The walks did produce repeats, so both sides of a link were checked.
    assert!(!app.state.store.repeat_links().await.unwrap().is_empty());
}
both!(rollups_equal_a_recount_after_random_walks);

/// A database from before the projection (kept facts wiped) is counted from its log again.
async fn backfill_counts_an_existing_database(app: &TestApp) {
    let written = demo::generate_cases(&app.state, 12, 7, 90).await.unwrap() as u64;
    let now = minsheng_server::service::now();
    kpi::refresh_due(&app.state, now).await.unwrap();
    let before = app.state.store.kpi_rollup(Grain::Month).await.unwrap();
    assert!(!before.cells.is_empty());
    app.raw_sql("DELETE FROM kpi_facts").await;
    app.raw_sql("DELETE FROM kpi_cells").await;
    app.raw_sql("DELETE FROM volume_cells").await;
    let r = kpi::recount(&app.state, now).await.unwrap();
    assert!(!r.differences.is_empty(), "an empty projection differs");
    assert_eq!(
        kpi::backfill_if_needed(&app.state).await.unwrap(),
        Some(written)
    );
    assert_eq!(kpi::backfill_if_needed(&app.state).await.unwrap(), None);
    assert_recount(app, minsheng_server::service::now(), "after the backfill").await;
    assert_eq!(
        app.state
            .store
            .kpi_rollup(Grain::Month)
            .await
            .unwrap()
            .cells
            .len(),
        before.cells.len()
    );
}
both!(backfill_counts_an_existing_database);
