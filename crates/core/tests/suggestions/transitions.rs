//! Every transition of the suggestion decider, its refusals in every reachable state, roles,
//! deadlines and the facts replay gives.

use super::*;

#[test]
fn story_goes_through_every_state_and_replays() {
    let s = story();
    let statuses: Vec<SS> = s.seen.iter().map(|x| x.status).collect();
    for st in [
        SS::Registered,
        SS::Assessing,
        SS::Assessed,
        SS::Forwarded,
        SS::Answered,
        SS::Concluded,
    ] {
        assert!(statuses.contains(&st), "{st:?} not reached");
    }
    assert_eq!(s.replayed(), s.state);
    let r = s.state.reward.as_ref().unwrap();
    assert_eq!(
        (r.tier.as_str(), r.amount_yuan, r.cycle.as_str()),
        ("first", 3000, "2026")
    );
    assert_eq!(s.state.conversions.len(), 1);
    assert_eq!(s.state.conversions[0].unit, DEPT);
    assert_eq!(s.state.version as usize, s.log.len());
    // Bilingual labels for every event of the story, and the panel kept internal.
    for (_, e) in &s.log {
        assert!(!e.zh().is_empty() && !e.en().is_empty());
        assert_eq!(
            e.is_public(),
            !matches!(e, SE::PanelDrawn(_) | SE::ExpertOpinionRecorded { .. })
        );
    }
    // No double award.
    s.clone().refuse(
        &office(),
        "2026-12-21 10:00",
        &award("2026", "second"),
        "already_rewarded",
    );
}

fn sample_commands() -> Vec<SC> {
    let panel =
        minsheng_core::suggestion::draw_panel(&pool(), 3, 42, None, &[DEPT.into()]).unwrap();
    vec![
        SC::Submit(Box::new(submission())),
        accept(),
        SC::Redirect {
            kind: NotASuggestion::PersonalRequest,
            reason: "属于个人诉求，转12345热线办理".into(),
            to: None,
        },
        SC::Withdraw {
            reason: "不再需要".into(),
        },
        draw(7),
        opinion(&panel.experts[1].id),
        assess(false),
        forward(&[COUNTY]),
        extend_unit(DEPT, 10),
        answer(Adoption::Adopted),
        conversion(ConversionRoute::LawPolicy, "某某办法"),
        publish(),
        feedback(),
        award("2026", "third"),
    ]
}

fn allowed(status: SS) -> &'static [&'static str] {
    match status {
        SS::Registered => &["accept", "redirect", "withdraw"],
        SS::Assessing => &[
            "withdraw",
            "draw_panel",
            "record_expert_opinion",
            "assess",
            "publish",
        ],
        SS::Assessed => &["withdraw", "forward", "publish"],
        SS::Forwarded => &["forward", "extend", "answer", "publish"],
        SS::Answered => &["record_conversion", "publish", "give_feedback"],
        SS::Concluded => &["record_conversion", "publish", "award"],
        SS::Redirected | SS::Withdrawn => &[],
    }
}

fn all_actors() -> Vec<Actor> {
    vec![
        office(),
        coord(COUNTY),
        intake(OFFICE),
        handler(DEPT),
        handler(TOWN),
        handler(OFFICE),
        Actor::citizen(),
        Actor::system("support-counter"),
        staff(Role::Supervisor, OFFICE),
        staff(Role::Admin, OFFICE),
    ]
}

/// The reachable states: the story's, a withdrawn one and a redirected one.
fn reachable() -> Vec<SuggestionState> {
    let mut states = story().seen;
    let mut w = submit("2026-03-02 10:00");
    w.ok(
        &Actor::citizen(),
        "2026-03-03 10:00",
        SC::Withdraw {
            reason: "重复提交".into(),
        },
    );
    let mut r = submit("2026-03-02 10:00");
    r.ok(
        &office(),
        "2026-03-03 10:00",
        SC::Redirect {
            kind: NotASuggestion::Litigation,
            reason: "涉及诉讼事项，转信访渠道".into(),
            to: None,
        },
    );
    states.push(w.state);
    states.push(r.state);
    states
}

#[test]
fn every_command_in_every_reachable_state() {
    let states = reachable();
    let commands = sample_commands();
    let actors = all_actors();
    let policy = national();
    for status in SS::ALL {
        let here: Vec<&SuggestionState> = states.iter().filter(|s| s.status == *status).collect();
        assert!(!here.is_empty(), "{status:?} not reachable");
        for cmd in &commands {
            let mut any_ok = false;
            for s in &here {
                let now = s.updated_at + Duration::hours(1);
                for who in &actors {
                    let r = sw::decide(Some(s), cmd, &ctx(&policy, who, now), None);
                    if allowed(*status).contains(&cmd.name()) {
                        any_ok |= r.is_ok();
                    } else {
                        let e =
                            r.expect_err(&format!("{} in {status:?} by {}", cmd.name(), who.name));
                        assert_eq!(
                            e.code(),
                            "not_allowed_in_state",
                            "{} in {status:?}",
                            cmd.name()
                        );
                    }
                }
            }
            if allowed(*status).contains(&cmd.name()) {
                assert!(any_ok, "{} never accepted in {status:?}", cmd.name());
            }
        }
    }
    // Messages name the suggestion status in Chinese.
    let e = DomainError::NotAllowedInState {
        command: "award",
        status: "assessing",
    };
    assert!(e.message_zh().contains("研究评估中"), "{}", e.message_zh());
}

#[test]
fn roles_and_units() {
    let s = submit("2026-03-02 10:00");
    s.refuse(&handler(DEPT), "2026-03-03 10:00", &accept(), "forbidden");
    s.refuse(&coord(COUNTY), "2026-03-03 10:00", &accept(), "forbidden");
    s.refuse(&intake(OFFICE), "2026-03-03 10:00", &accept(), "forbidden");
    s.refuse(
        &staff(Role::Supervisor, OFFICE),
        "2026-03-03 10:00",
        &accept(),
        "forbidden",
    );
    s.refuse(
        &handler(DEPT),
        "2026-03-03 10:00",
        &SC::Withdraw {
            reason: "撤回".into(),
        },
        "forbidden",
    );
    // Submission: citizens online only; office staff any channel; others never.
    let p = national();
    let letter = Submission {
        channel: Channel::Letter,
        ..submission()
    };
    let refused = |who: &Actor, sub: Submission, code: &str| {
        let e = try_submit(&p, who, "2026-03-02 10:00", sub, None)
            .err()
            .expect("refused");
        assert_eq!(e.code(), code, "{}", who.name);
    };
    refused(&Actor::citizen(), letter.clone(), "forbidden");
    refused(&handler(DEPT), submission(), "forbidden");
    refused(&intake(COUNTY), letter.clone(), "forbidden");
    assert!(try_submit(&p, &intake(OFFICE), "2026-03-02 10:00", letter, None).is_ok());
    // The four elements of Art. 10, and no anonymous suggester.
    let mut anon = submission();
    anon.suggester.anonymous = true;
    refused(&Actor::citizen(), anon, "suggester_required");
    for field in ["title", "reason", "proposal"] {
        let mut sub = submission();
        match field {
            "title" => sub.title = " ".into(),
            "reason" => sub.reason = "无".into(),
            _ => sub.proposal = String::new(),
        }
        refused(&Actor::citizen(), sub, "invalid_field");
    }
    let mut bad = submission();
    bad.topic = "9999".into();
    refused(&Actor::citizen(), bad, "unknown_reference");

    // Answers: only a forwarded unit that has not answered, for itself.
    let mut f = submit("2026-03-02 10:00");
    f.ok(&office(), "2026-03-03 10:00", accept());
    f.ok(&office(), "2026-03-04 10:00", assess(false));
    f.refuse(
        &office(),
        "2026-03-05 10:00",
        &forward(&[]),
        "invalid_field",
    );
    f.refuse(
        &office(),
        "2026-03-05 10:00",
        &forward(&[DEPT, DEPT]),
        "invalid_field",
    );
    f.refuse(
        &office(),
        "2026-03-05 10:00",
        &forward(&["nowhere"]),
        "unknown_reference",
    );
    f.ok(&office(), "2026-03-05 10:00", forward(&[DEPT]));
    f.refuse(
        &office(),
        "2026-03-06 10:00",
        &forward(&[DEPT]),
        "invalid_field",
    );
    f.refuse(
        &handler(TOWN),
        "2026-03-06 10:00",
        &answer(Adoption::Adopted),
        "forbidden",
    );
    f.refuse(
        &office(),
        "2026-03-06 10:00",
        &answer(Adoption::Adopted),
        "forbidden",
    );
    f.refuse(
        &Actor::citizen(),
        "2026-03-06 10:00",
        &answer(Adoption::Adopted),
        "forbidden",
    );
    let no_reason = SC::Answer {
        outcome: Adoption::NotAdopted,
        reply: "经研究暂不采纳".into(),
        reason: " ".into(),
    };
    f.refuse(
        &handler(DEPT),
        "2026-03-06 10:00",
        &no_reason,
        "reason_required",
    );
    f.ok(
        &handler(DEPT),
        "2026-03-06 10:00",
        answer(Adoption::NotAdopted),
    );
    assert_eq!(f.state.outcome, Some(Adoption::NotAdopted));
    // Nothing adopted: no conversion, no reward.
    f.refuse(
        &office(),
        "2026-03-07 10:00",
        &conversion(ConversionRoute::Other, "无"),
        "not_adopted",
    );
    f.ok(&office(), "2026-03-07 10:00", feedback());
    f.refuse(
        &office(),
        "2026-03-08 10:00",
        &award("2026", "third"),
        "reward_not_adopted",
    );
}

#[test]
fn outcome_of_several_units() {
    use Adoption::*;
    assert_eq!(Adoption::combine(&[]), None);
    assert_eq!(Adoption::combine(&[Adopted, Adopted]), Some(Adopted));
    assert_eq!(
        Adoption::combine(&[Adopted, NotAdopted]),
        Some(PartlyAdopted)
    );
    assert_eq!(Adoption::combine(&[PartlyAdopted]), Some(PartlyAdopted));
    assert_eq!(
        Adoption::combine(&[NotAdopted, Planned, ReferenceOnly]),
        Some(Planned)
    );
    assert_eq!(
        Adoption::combine(&[NotAdopted, ReferenceOnly]),
        Some(ReferenceOnly)
    );
    assert_eq!(Adoption::combine(&[NotAdopted]), Some(NotAdopted));
}

#[test]
fn conversions_only_by_the_office_or_a_unit_that_answered_positively() {
    let mut f = submit("2026-03-02 10:00");
    f.ok(&office(), "2026-03-03 10:00", accept());
    f.ok(&office(), "2026-03-04 10:00", assess(false));
    f.ok(&office(), "2026-03-05 10:00", forward(&[DEPT, TOWN]));
    f.ok(
        &handler(DEPT),
        "2026-03-06 10:00",
        answer(Adoption::Planned),
    );
    f.ok(
        &handler(TOWN),
        "2026-03-06 11:00",
        answer(Adoption::NotAdopted),
    );
    assert_eq!(f.state.outcome, Some(Adoption::Planned));
    let c = conversion(ConversionRoute::GovernmentWork, "2026年度工作计划");
    f.refuse(&handler(TOWN), "2026-03-07 10:00", &c, "forbidden");
    f.refuse(&handler(COUNTY), "2026-03-07 10:00", &c, "forbidden");
    f.ok(&handler(DEPT), "2026-03-07 10:00", c.clone());
    f.refuse(&office(), "2026-03-07 11:00", &c, "conversion_duplicate");
    f.ok(
        &office(),
        "2026-03-07 11:00",
        conversion(ConversionRoute::DeputyMotion, "市人大代表议案第12号"),
    );
    assert_eq!(f.state.conversions.len(), 2);
    assert_eq!(f.state.conversions[1].unit, OFFICE);
    // Planned is not adopted: a conversion yes, a reward no.
    f.ok(&office(), "2026-03-08 10:00", feedback());
    f.refuse(
        &office(),
        "2026-03-09 10:00",
        &award("2026", "third"),
        "reward_not_adopted",
    );
}

#[test]
fn deadlines_follow_policy_and_calendar() {
    let mut s = submit("2026-03-02 10:00");
    assert_eq!(s.last_day(SD::Screening, None), day("2026-03-17"));
    s.ok(&office(), "2026-03-03 10:00", accept());
    assert_eq!(s.last_day(SD::Assessment, None), day("2026-04-02"));
    s.ok(&office(), "2026-03-04 10:00", assess(false));
    s.ok(&office(), "2026-03-10 10:00", forward(&[DEPT, TOWN]));
    // 90 days from 03-10: 06-08 (a Monday).
    assert_eq!(s.last_day(SD::Answer, Some(DEPT)), day("2026-06-08"));
    let active = sw::active_deadlines(&s.state, &s.policy, &WORLD.cal);
    assert_eq!(active.len(), 2, "one answer deadline per unit");
    s.refuse(
        &office(),
        "2026-03-20 10:00",
        &extend_unit(DEPT, 91),
        "extension_too_long",
    );
    s.refuse(
        &office(),
        "2026-03-20 10:00",
        &extend_unit(DEPT, 0),
        "extension_too_long",
    );
    s.refuse(
        &handler(DEPT),
        "2026-03-20 10:00",
        &extend_unit(DEPT, 30),
        "forbidden",
    );
    s.refuse(
        &office(),
        "2026-03-20 10:00",
        &extend_unit(COUNTY, 30),
        "unknown_reference",
    );
    s.ok(&office(), "2026-03-20 10:00", extend_unit(DEPT, 30));
    assert_eq!(s.last_day(SD::Answer, Some(DEPT)), day("2026-07-08"));
    assert_eq!(s.last_day(SD::Answer, Some(TOWN)), day("2026-06-08"));
    s.refuse(
        &office(),
        "2026-03-21 10:00",
        &extend_unit(DEPT, 10),
        "extension_limit",
    );
    // TOWN's period has passed: no extension any more (last day 06-08 ends at 24:00).
    s.refuse(
        &office(),
        "2026-06-09 00:00",
        &extend_unit(TOWN, 10),
        "extension_after_deadline",
    );
    assert!(
        s.try_cmd(&office(), t("2026-06-08 23:59"), &extend_unit(TOWN, 10))
            .is_ok()
    );
    s.ok(
        &handler(DEPT),
        "2026-09-10 10:00",
        answer(Adoption::Adopted),
    );
    s.ok(
        &handler(TOWN),
        "2026-09-16 10:00",
        answer(Adoption::Adopted),
    );
    // 15 days from 09-16 is 10-01, National Day: the period ends on the next working day.
    assert_eq!(s.last_day(SD::Feedback, None), day("2026-10-08"));
    // Public answer: 30 days from the threshold, 04-01 → 05-01 (Labour Day) → 05-06.
    let mut p = submit("2026-03-02 10:00");
    p.ok(&office(), "2026-03-03 10:00", accept());
    p.ok(&office(), "2026-03-04 10:00", publish());
    p.ok(
        &Actor::system("support-counter"),
        "2026-04-01 10:00",
        SC::ReachSupportThreshold { supporters: 100 },
    );
    assert_eq!(p.last_day(SD::PublicAnswer, None), day("2026-05-06"));
    assert!(
        sw::active_deadlines(&p.state, &p.policy, &WORLD.cal)
            .iter()
            .any(|d| d.as_ref().is_ok_and(|d| d.kind == SD::PublicAnswer))
    );
    // Working-day periods from a regional policy work too.
    let wd = policy_with("screening = \"15d\"", "screening = \"5wd\"");
    let s = try_submit(
        &wd,
        &Actor::citizen(),
        "2026-09-24 10:00",
        submission(),
        None,
    )
    .unwrap();
    // 09-25..27 holidays, 09-28, 09-29, 09-30 working, 10-01..07 holidays, 10-08, 10-09.
    assert_eq!(s.last_day(SD::Screening, None), day("2026-10-09"));
}

#[test]
fn support_threshold_and_public_answer() {
    let system = Actor::system("support-counter");
    let mut s = submit("2026-03-02 10:00");
    s.ok(&office(), "2026-03-03 10:00", accept());
    let reach = |n| SC::ReachSupportThreshold { supporters: n };
    s.refuse(
        &system,
        "2026-03-04 10:00",
        &reach(150),
        "not_allowed_in_state",
    );
    s.refuse(
        &office(),
        "2026-03-04 10:00",
        &SC::PublishPublicAnswer {
            content: "关于微循环公交的公开答复内容".into(),
        },
        "not_allowed_in_state",
    );
    s.ok(&office(), "2026-03-04 10:00", publish());
    s.refuse(
        &office(),
        "2026-03-04 11:00",
        &publish(),
        "already_published",
    );
    s.refuse(&system, "2026-03-05 10:00", &reach(99), "below_threshold");
    s.refuse(&office(), "2026-03-05 10:00", &reach(100), "forbidden");
    let ev = s.ok(&system, "2026-03-05 10:00", reach(100));
    assert_eq!(
        ev,
        [SE::SupportThresholdReached {
            supporters: 100,
            threshold: 100
        }]
    );
    s.refuse(
        &system,
        "2026-03-06 10:00",
        &reach(200),
        "not_allowed_in_state",
    );
    let answer = SC::PublishPublicAnswer {
        content: "关于微循环公交的公开答复内容".into(),
    };
    s.refuse(&handler(DEPT), "2026-03-06 10:00", &answer, "forbidden");
    s.ok(&office(), "2026-03-06 10:00", answer.clone());
    s.refuse(
        &office(),
        "2026-03-07 10:00",
        &answer,
        "answer_already_published",
    );
    assert!(
        sw::active_deadlines(&s.state, &s.policy, &WORLD.cal)
            .iter()
            .all(|d| d.as_ref().is_ok_and(|d| d.kind != SD::PublicAnswer))
    );
    // A lower regional threshold applies through policy.
    let low = policy_with("threshold = 100", "threshold = 5");
    let mut l = try_submit(
        &low,
        &Actor::citizen(),
        "2026-03-02 10:00",
        submission(),
        None,
    )
    .unwrap();
    l.ok(&office(), "2026-03-03 10:00", accept());
    l.ok(&office(), "2026-03-04 10:00", publish());
    l.ok(&system, "2026-03-05 10:00", reach(5));
}

#[test]
fn awards_follow_the_cycle_of_adoption() {
    let s = story();
    let mut before = s.clone();
    before.log.pop();
    before.state = before.replayed();
    before.refuse(
        &office(),
        "2026-12-20 10:00",
        &award("2025", "first"),
        "wrong_award_cycle",
    );
    before.refuse(
        &office(),
        "2026-12-20 10:00",
        &award("2026", "gold"),
        "unknown_reference",
    );
    before.refuse(
        &handler(DEPT),
        "2026-12-20 10:00",
        &award("2026", "first"),
        "forbidden",
    );
    // A November cycle (11-01 to 10-31): adopted 2026-05-06 falls in 2025-11-01~2026-10-31.
    let nov = policy_with("cycle_start = \"01-01\"", "cycle_start = \"11-01\"");
    before.policy = nov;
    before.refuse(
        &office(),
        "2026-12-20 10:00",
        &award("2026", "first"),
        "wrong_award_cycle",
    );
    let ev = before.ok(
        &office(),
        "2026-12-20 10:00",
        award("2025-11-01~2026-10-31", "special"),
    );
    assert!(matches!(
        &ev[0],
        SE::Rewarded {
            amount_yuan: 10_000,
            ..
        }
    ));
}

#[test]
fn commands_are_strict_json() {
    let ok: SC = serde_json::from_str(
        r#"{"command":"answer","outcome":"partly_adopted","reply":"部分采纳，详见答复"}"#,
    )
    .unwrap();
    assert_eq!(ok.name(), "answer");
    assert!(
        serde_json::from_str::<SC>(
            r#"{"command":"answer","outcome":"adopted","reply":"好的好的","x":1}"#
        )
        .is_err()
    );
    assert!(
        serde_json::from_str::<SC>(r#"{"command":"answer","outcome":"maybe","reply":"好的好的"}"#)
            .is_err()
    );
    let sub = serde_json::to_value(SC::Submit(Box::new(submission()))).unwrap();
    assert_eq!(sub["command"], "submit");
    let back: SC = serde_json::from_value(sub).unwrap();
    assert_eq!(back, SC::Submit(Box::new(submission())));
    // Events round-trip.
    for (_, e) in &story().log {
        let v = serde_json::to_string(e).unwrap();
        assert_eq!(&serde_json::from_str::<SE>(&v).unwrap(), e);
    }
}

#[test]
fn who_sees_a_suggestion() {
    let s = story().state;
    let dir = &WORLD.dir;
    assert!(sw::can_view(&office(), &s, dir));
    assert!(sw::can_view(&handler(DEPT), &s, dir));
    assert!(sw::can_view(&staff(Role::Supervisor, PROV), &s, dir));
    assert!(
        sw::can_view(&coord(PROV), &s, dir),
        "the province office sees its region"
    );
    assert!(!sw::can_view(&handler(COUNTY), &s, dir));
    assert!(!sw::can_view(&coord(ZJ_OFFICE), &s, dir));
    assert!(!sw::can_view(&Actor::citizen(), &s, dir));
}
