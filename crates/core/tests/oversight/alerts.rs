//! Early-warning rules at and just below their thresholds, the alert lifecycle, escalation.

use super::*;

fn policy() -> AlertPolicy {
    WORLD.policy_for(COUNTY_R).alert.clone()
}

fn id(n: u128) -> uuid::Uuid {
    uuid::Uuid::from_u128(n)
}

fn hit(category: &str, phrase: &str) -> RiskHit {
    RiskHit {
        category: category.into(),
        phrase: phrase.into(),
    }
}

#[test]
fn risk_lexicon_takes_the_most_severe_category() {
    let p = policy();
    assert_eq!(alert::risk_lexicon(&p, id(1), &[]), None);
    let a = alert::risk_lexicon(&p, id(1), &[hit("wages", "讨薪")]).unwrap();
    assert_eq!(
        (a.rule, a.level),
        (AlertRule::RiskLexicon, 3),
        "unlisted: default level"
    );
    let a = alert::risk_lexicon(
        &p,
        id(1),
        &[
            hit("wages", "讨薪"),
            hit("extreme", "同归于尽"),
            hit("group", "一起去"),
        ],
    )
    .unwrap();
    assert_eq!(a.level, 1);
    assert_eq!(a.evidence.cases, [id(1)]);
    assert!(a.evidence.phrases.contains(&"extreme:同归于尽".to_string()));
    assert_eq!(a.evidence.phrases.len(), 3);
}

fn matter(n: u128, petitioner: u128, people: u32, at: &str) -> MatterCase {
    MatterCase {
        case: id(n),
        petitioner: id(petitioner),
        people,
        at: t(at),
    }
}

#[test]
fn group_matter_fires_at_five_people_and_climbs_a_tier_at_fifty() {
    let p = policy();
    let at = "2026-03-02 10:00";
    assert_eq!(alert::group_matter(&p, "m1", &[matter(1, 1, 4, at)]), None);
    let a = alert::group_matter(&p, "m1", &[matter(1, 1, 5, at)]).unwrap();
    assert_eq!((a.level, a.evidence.count, a.evidence.threshold), (4, 5, 5));
    // Several cases on the matter add up; one petitioner coming back is counted once.
    let four = [
        matter(1, 1, 3, at),
        matter(2, 1, 3, at),
        matter(3, 2, 1, at),
    ];
    assert_eq!(alert::group_matter(&p, "m1", &four), None);
    let five = [
        matter(1, 1, 3, at),
        matter(2, 2, 1, at),
        matter(3, 3, 1, at),
    ];
    assert_eq!(
        alert::group_matter(&p, "m1", &five)
            .unwrap()
            .evidence
            .cases
            .len(),
        3
    );
    assert_eq!(
        alert::group_matter(&p, "m1", &[matter(1, 1, 49, at)])
            .unwrap()
            .level,
        4
    );
    let big = alert::group_matter(&p, "m1", &[matter(1, 1, 50, at)]).unwrap();
    assert_eq!(big.level, 3);
    assert_ne!(
        big.key,
        alert::group_matter(&p, "m1", &five).unwrap().key,
        "a new tier is a new alert"
    );
}

#[test]
fn the_group_threshold_is_policy() {
    let text = SHIPPED_POLICY.replace(
        "{ min_people = 5, level = 4 }",
        "{ min_people = 10, level = 4 }",
    );
    let p = Policy::from_toml(&text).unwrap().national().alert.clone();
    let at = "2026-03-02 10:00";
    assert_eq!(alert::group_matter(&p, "m", &[matter(1, 1, 9, at)]), None);
    assert!(alert::group_matter(&p, "m", &[matter(1, 1, 10, at)]).is_some());
}

fn spike(window: usize, baseline: u32) -> Option<alert::AlertDraft> {
    let input = SpikeInput {
        place: TOWNSHIP.into(),
        topic: "0101".into(),
        window_cases: (0..window as u128).map(id).collect(),
        baseline_cases: baseline,
    };
    alert::spike(&policy(), &input, t("2026-03-09 10:00"))
}

#[test]
fn spike_needs_the_minimum_and_three_times_the_place_baseline() {
    // No history: the minimum of 3 cases decides.
    assert_eq!(spike(2, 0), None);
    assert_eq!(spike(3, 0).unwrap().level, 4);
    // 16 cases in 28 days = 4 per 7-day window; 300 % of it is 12.
    assert_eq!(spike(11, 16), None);
    let a = spike(12, 16).unwrap();
    assert_eq!((a.evidence.count, a.evidence.threshold), (12, 12));
    assert_eq!(a.evidence.place.as_deref(), Some(TOWNSHIP));
    // 3 in 28 days predicts 0.75 per window; 2.25 → 3 cases reach it (and the minimum).
    assert_eq!(spike(2, 3), None);
    assert!(spike(3, 3).is_some());
}

#[test]
fn cluster_counts_distinct_petitioners_inside_the_window() {
    let p = policy();
    let now = t("2026-03-09 10:00");
    let within = "2026-03-02 10:01"; // the window is (now − 7 days, now]
    let mut cases: Vec<MatterCase> = (1..=4).map(|n| matter(n, n, 1, within)).collect();
    cases.push(matter(5, 4, 1, within)); // the same person again
    assert_eq!(alert::cluster(&p, "c1", &cases, now), None);
    cases.push(matter(6, 5, 1, "2026-03-02 10:00")); // exactly 7 days ago: outside
    assert_eq!(alert::cluster(&p, "c1", &cases, now), None);
    cases.push(matter(7, 5, 1, within));
    let a = alert::cluster(&p, "c1", &cases, now).unwrap();
    assert_eq!(
        (a.rule, a.level, a.evidence.count),
        (AlertRule::Cluster, 3, 5)
    );
    assert!(!a.evidence.cases.contains(&id(6)));
}

#[test]
fn repeat_petitioner_three_cases_in_thirty_days() {
    let p = policy();
    let now = t("2026-04-01 10:00");
    let old = (id(1), t("2026-03-02 10:00")); // exactly 30 days before: outside
    let mut cases = vec![old, (id(2), t("2026-03-20 10:00")), (id(3), now)];
    assert_eq!(alert::repeat_petitioner(&p, id(9), &cases, now), None);
    cases[0].1 += Duration::seconds(1);
    let a = alert::repeat_petitioner(&p, id(9), &cases, now).unwrap();
    assert_eq!((a.evidence.count, a.evidence.threshold), (3, 3));
    // A case registered after `now` (clock skew) is not counted.
    cases[0] = (id(1), now + Duration::minutes(1));
    assert_eq!(alert::repeat_petitioner(&p, id(9), &cases, now), None);
}

#[test]
fn skip_level_visits_raise_an_alert() {
    let p = policy();
    let r = registration(Channel::Visit, CaseKind::Appeal, CITY, TOWNSHIP);
    let c = WORLD
        .register(&intake(CITY), "2026-03-02 10:00", r)
        .unwrap();
    let a = alert::skip_level(&p, &facts(&c, "2026-03-02 10:00")).unwrap();
    assert_eq!((a.rule, a.level), (AlertRule::SkipLevel, 3));
    assert_eq!(
        alert::skip_level(
            &p,
            &facts(&petition_at("2026-03-02 10:00"), "2026-03-02 10:00")
        ),
        None
    );
}

fn raised(level: u8, at: &str) -> Alert {
    let draft = alert::group_matter(&policy(), "m", &[matter(1, 1, 5, at)]).unwrap();
    let draft = alert::AlertDraft { level, ..draft };
    alert::apply(None, id(42), t(at), &AlertEvent::Raised(draft)).unwrap()
}

fn cmd(a: &Alert, c: AlertCommand, at: &str) -> Result<Alert, AlertError> {
    let events = alert::decide(a, &c)?;
    Ok(events.iter().fold(a.clone(), |a, e| {
        alert::apply(Some(a), a_id(), t(at), e).unwrap()
    }))
}

fn a_id() -> uuid::Uuid {
    id(42)
}

fn ack() -> AlertCommand {
    AlertCommand::Acknowledge {
        by: "值班员".into(),
        note: String::new(),
    }
}
fn handle() -> AlertCommand {
    AlertCommand::Handle {
        by: "值班员".into(),
        note: "已联系属地稳控".into(),
    }
}
fn close_alert() -> AlertCommand {
    AlertCommand::Close {
        by: "值班员".into(),
        note: String::new(),
    }
}

#[test]
fn lifecycle_raised_acknowledged_handled_closed_in_that_order() {
    let a = raised(4, "2026-03-02 10:00");
    assert_eq!(a.status, AlertStatus::Raised);
    let not_allowed = |a: &Alert, c: AlertCommand| {
        assert!(
            matches!(alert::decide(a, &c), Err(AlertError::NotAllowed { .. })),
            "{c:?} in {:?}",
            a.status
        );
    };
    not_allowed(&a, handle());
    not_allowed(&a, close_alert());
    assert_eq!(
        alert::decide(
            &a,
            &AlertCommand::Acknowledge {
                by: "  ".into(),
                note: String::new()
            }
        ),
        Err(AlertError::Empty { field: "by" })
    );
    let a = cmd(&a, ack(), "2026-03-02 11:00").unwrap();
    assert_eq!(
        (a.status, a.acknowledged_by.as_deref()),
        (AlertStatus::Acknowledged, Some("值班员"))
    );
    not_allowed(&a, ack());
    not_allowed(&a, close_alert());
    let no_note = AlertCommand::Handle {
        by: "值班员".into(),
        note: String::new(),
    };
    assert_eq!(
        alert::decide(&a, &no_note),
        Err(AlertError::Empty { field: "note" })
    );
    let a = cmd(&a, handle(), "2026-03-02 15:00").unwrap();
    not_allowed(&a, handle());
    let a = cmd(&a, close_alert(), "2026-03-03 09:00").unwrap();
    assert_eq!(a.status, AlertStatus::Closed);
    assert_eq!(a.version, 4);
    for c in [ack(), handle(), close_alert()] {
        not_allowed(&a, c);
    }
    assert!(
        !supervision::alert_at_or_above(&a, 4),
        "closed alerts leave the queue"
    );
}

#[test]
fn unacknowledged_alerts_escalate_up_the_ladder() {
    let p = policy();
    let a = raised(4, "2026-03-02 10:00");
    assert_eq!(alert::report_due(&a, &p), Some(t("2026-03-02 22:00")));
    assert!(alert::due_escalations(t("2026-03-02 21:59"), std::slice::from_ref(&a), &p).is_empty());
    let due = alert::due_escalations(t("2026-03-02 22:00"), std::slice::from_ref(&a), &p);
    assert_eq!(due, [(a_id(), AlertEvent::Escalated { from: 4, to: 3 })]);
    let a = alert::apply(Some(a), a_id(), t("2026-03-02 22:00"), &due[0].1).unwrap();
    assert_eq!((a.level, a.raised_level, a.escalations), (3, 4, 1));
    // The new level's shorter deadline runs from the escalation.
    assert_eq!(alert::report_due(&a, &p), Some(t("2026-03-03 06:00")));
    assert!(supervision::alert_at_or_above(&a, 3));
    assert!(!supervision::alert_at_or_above(&a, 2));

    // Acknowledged in time: no escalation, however late it is now.
    let acked = cmd(&a, ack(), "2026-03-03 05:59").unwrap();
    assert!(alert::due_escalations(t("2026-03-10 00:00"), &[acked], &p).is_empty());

    // Left alone it climbs to level 1 and stops there.
    let mut a = a;
    let mut now = t("2026-03-03 06:00");
    while let [(_, e)] = alert::due_escalations(now, std::slice::from_ref(&a), &p).as_slice() {
        a = alert::apply(Some(a), a_id(), now, e).unwrap();
        now = alert::report_due(&a, &p).unwrap();
    }
    assert_eq!((a.level, a.escalations), (1, 3));
    assert_eq!(alert::report_due(&a, &p), Some(now));
    assert!(alert::due_escalations(now + Duration::days(1), &[a], &p).is_empty());
}

#[test]
fn supervision_queue_collects_every_reason() {
    let citizen = Actor::citizen();
    let mut c = accepted_petition();
    c.ok(&handler(DEPT), "2026-04-01 10:00", opinion());
    c.ok(&citizen, "2026-04-02 10:00", rate("unsatisfied"));
    let links = CaseLinks {
        repeat_of: None,
        repeated_later: true,
    };
    let now = t("2026-04-03 10:00");
    let f = facts_with(&c, now, &links);
    let a = raised(2, "2026-04-03 09:00");
    let low = raised(4, "2026-04-03 09:00");
    let reasons = supervision::queue_reasons(
        &c.state,
        &f,
        &[a.clone(), low],
        3,
        &c.policy,
        &WORLD.cal,
        now,
    );
    assert_eq!(
        reasons,
        [
            supervision::QueueReason::RatedUnsatisfied,
            supervision::QueueReason::RepeatOnOpenCase,
            supervision::QueueReason::Alert {
                alert: a.id,
                level: 2
            },
        ]
    );
    // Overdue at the review step: the review office has 30 days.
    c.ok(&citizen, "2026-04-05 10:00", request_review());
    let late = t("2026-05-07 00:00");
    let reasons = supervision::queue_reasons(
        &c.state,
        &facts(&c, "2026-05-07 00:00"),
        &[],
        3,
        &c.policy,
        &WORLD.cal,
        late,
    );
    assert!(
        matches!(reasons.first(), Some(supervision::QueueReason::Overdue { due }) if due.kind == D::ReviewDecision)
    );
}

#[test]
fn rating_classes_come_from_policy() {
    let p = WORLD.policy_for(COUNTY_R);
    assert_eq!(
        p.rating_class("basically_satisfied"),
        Some(RatingClass::Basically)
    );
    assert_eq!(
        p.rating_class("unsatisfied"),
        Some(RatingClass::Unsatisfied)
    );
}

/// 督办升级: an order ignored past its report deadline goes to the petition office one level
/// above the unit ordered, once; the system job and supervisors may escalate, nobody earlier.
#[test]
fn ignored_supervision_orders_escalate_one_level_up_once() {
    let mut c = petition_at("2026-03-02 10:00");
    c.ok(
        &coord(COUNTY),
        "2026-03-03 10:00",
        transfer(DEPT, TransferMode::Assign),
    );
    let supervisor = staff(Role::Supervisor, PROV);
    let escalate = Command::EscalateSupervision;
    c.refuse(
        &supervisor,
        "2026-03-04 10:00",
        &escalate,
        "not_allowed_in_state",
    );
    c.ok(
        &supervisor,
        "2026-03-04 10:00",
        Command::Supervise {
            instruction: "请三日内报告进展".into(),
            respond_within_days: 3,
        },
    );
    // Due by 24:00 on 03-07 (China time): still in time at 23:59.
    c.refuse(
        &supervisor,
        "2026-03-07 23:59",
        &escalate,
        "supervision_not_overdue",
    );
    let system = Actor::system("督办升级");
    c.refuse(&handler(DEPT), "2026-03-08 09:00", &escalate, "forbidden");
    c.refuse(&coord(CITY), "2026-03-08 09:00", &escalate, "forbidden");
    let events = c.ok(&system, "2026-03-08 00:00", escalate.clone());
    assert_eq!(
        events,
        [Event::SupervisionEscalated {
            to_unit: CITY.into()
        }]
    );
    let order = &c.state.supervisions[0];
    assert_eq!(order.escalated_to.as_deref(), Some(CITY));
    assert!(order.is_open(), "escalation is no report");
    c.refuse(
        &supervisor,
        "2026-03-09 09:00",
        &escalate,
        "supervision_escalated",
    );
    // A late report still closes the order.
    c.ok(
        &handler(DEPT),
        "2026-03-09 10:00",
        Command::AnswerSupervision {
            response: "已约谈物业，电梯已修复".into(),
        },
    );
    c.refuse(
        &supervisor,
        "2026-03-20 09:00",
        &escalate,
        "not_allowed_in_state",
    );
    assert_eq!(c.replayed(), c.state);
}

/// 督办公开 and 领导包案 are role-checked case events, hidden from the petitioner's timeline.
#[test]
fn publishing_orders_and_assigning_leaders() {
    let mut c = petition_at("2026-03-02 10:00");
    let supervisor = staff(Role::Supervisor, PROV);
    c.refuse(
        &supervisor,
        "2026-03-02 11:00",
        &Command::PublishSupervision,
        "not_allowed_in_state",
    );
    c.ok(
        &supervisor,
        "2026-03-02 11:00",
        Command::Supervise {
            instruction: "请依法及时转送交办".into(),
            respond_within_days: 5,
        },
    );
    c.refuse(
        &coord(CITY),
        "2026-03-02 12:00",
        &Command::PublishSupervision,
        "forbidden",
    );
    c.ok(&supervisor, "2026-03-02 12:00", Command::PublishSupervision);
    assert!(c.state.supervisions[0].public);
    c.refuse(
        &supervisor,
        "2026-03-02 13:00",
        &Command::PublishSupervision,
        "not_allowed_in_state",
    );

    let assign = |leader: &str| Command::AssignLeader {
        leader: leader.into(),
        post: "县委副书记".into(),
    };
    c.refuse(
        &handler(DEPT),
        "2026-03-03 10:00",
        &assign("王建国"),
        "forbidden",
    );
    c.refuse(
        &supervisor,
        "2026-03-03 10:00",
        &assign(" "),
        "invalid_field",
    );
    let events = c.ok(&coord(COUNTY), "2026-03-03 10:00", assign("王建国"));
    assert!(events.iter().all(|e| !e.is_public()));
    let leader = c.state.leader.clone().expect("leader");
    assert_eq!(
        (leader.leader.as_str(), leader.at),
        ("王建国", t("2026-03-03 10:00"))
    );
    assert_eq!(c.replayed(), c.state);
}

#[test]
fn the_supervision_queue_level_is_policy() {
    let p = policy();
    assert_eq!(p.supervision_level, 3);
    let text = SHIPPED_POLICY.replace("supervision_level = 3", "supervision_level = 7");
    assert!(
        Policy::from_toml(&text).is_err(),
        "a level the ladder does not have"
    );
}
