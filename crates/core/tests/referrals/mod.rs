//! 多元化解 referrals: the deadline is the policy period counted by the calendar, the outcome
//! decides whether the case closes (an agreement) or handling goes on (failed, withdrawn), and
//! arbitration or a court takes the matter off the petition route.

use super::*;
use minsheng_core::workflow::{ReferralKind as K, ReferralOutcome as O};

fn refer(kind: K) -> Command {
    Command::Refer {
        kind,
        body: "幸福街道人民调解委员会".into(),
        note: String::new(),
    }
}

fn outcome(o: O) -> Command {
    Command::RecordReferralOutcome {
        outcome: o,
        note: "双方当事人已到场".into(),
    }
}

/// A petition accepted by the township government and being handled.
fn handling_at(when: &str) -> Case {
    let mut c = petition_at(when);
    c.ok(&coord(COUNTY), when, transfer(TOWN, TransferMode::Assign));
    c.ok(&handler(TOWN), when, accept());
    c
}

#[test]
fn mediation_deadline_is_thirty_calendar_days_over_a_holiday() {
    // Referred on 2026-09-20 (Sun): 30 days end on Tue 2026-10-20; nothing to move.
    let mut c = handling_at("2026-09-18 10:00");
    c.ok(
        &handler(TOWN),
        "2026-09-20 10:00",
        refer(K::PeopleMediation),
    );
    c.at(Status::Referred, TOWN);
    c.due_on(D::Referral, "2026-10-20");
    // The handling deadline keeps running and is still shown.
    let kinds = deadline::active_kinds(&c.state);
    assert_eq!(kinds, vec![D::Referral, D::Handling]);
    c.due_on(D::Handling, "2026-11-17");
    // 2026-09-01 + 30 = 2026-10-01, inside the National Day holiday: the period ends on the
    // first working day after it (Civil Code Art. 203).
    let mut c = handling_at("2026-08-31 10:00");
    c.ok(
        &handler(TOWN),
        "2026-09-01 10:00",
        refer(K::PeopleMediation),
    );
    let last = c.last_day(D::Referral);
    assert!(last > day("2026-10-01"), "{last}");
    assert!(WORLD.cal.is_working_day(last).unwrap());
}

#[test]
fn agreement_closes_failure_resumes_handling() {
    for o in [O::MediationAgreement, O::SettlementAgreement] {
        let mut c = handling_at("2026-03-02 10:00");
        c.ok(
            &handler(TOWN),
            "2026-03-03 10:00",
            refer(K::PeopleMediation),
        );
        c.ok(&handler(TOWN), "2026-03-20 10:00", outcome(o));
        c.at(Status::Closed, TOWN);
        assert!(c.state.closed_at.is_some());
        assert_eq!(c.replayed(), c.state);
    }
    for o in [O::Failed, O::Withdrawn] {
        let mut c = handling_at("2026-03-02 10:00");
        let before = c.last_day(D::Handling);
        c.ok(
            &coord(TOWN),
            "2026-03-03 10:00",
            refer(K::AdministrativeMediation),
        );
        c.ok(&handler(TOWN), "2026-03-20 10:00", outcome(o));
        c.at(Status::Handling, TOWN);
        assert_eq!(
            c.last_day(D::Handling),
            before,
            "the handling clock did not move"
        );
        // Handling goes on: an opinion may be issued; the closed referral keeps its outcome.
        c.ok(&handler(TOWN), "2026-03-21 10:00", opinion());
        assert_eq!(c.state.referrals[0].outcome, Some(o));
        c.refuse(
            &handler(TOWN),
            "2026-03-22 10:00",
            &outcome(O::Failed),
            "not_allowed_in_state",
        );
    }
}

#[test]
fn arbitration_and_court_leave_the_petition_route() {
    for (k, route) in [
        (K::Arbitration, LegalRoute::Arbitration),
        (K::Court, LegalRoute::Litigation),
    ] {
        let mut c = handling_at("2026-03-02 10:00");
        c.ok(&handler(TOWN), "2026-03-03 10:00", refer(k));
        c.at(Status::Diverted, TOWN);
        assert_eq!(c.state.diverted.as_ref().map(|d| d.0), Some(route));
        // No handling opinion any more; the outcome is still recorded, and changes nothing.
        c.refuse(
            &handler(TOWN),
            "2026-03-04 10:00",
            &opinion(),
            "not_allowed_in_state",
        );
        c.ok(
            &handler(TOWN),
            "2026-05-04 10:00",
            outcome(O::SettlementAgreement),
        );
        c.at(Status::Diverted, TOWN);
        c.refuse(
            &handler(TOWN),
            "2026-05-05 10:00",
            &refer(K::PeopleMediation),
            "not_allowed_in_state",
        );
    }
}

#[test]
fn only_the_unit_holding_the_case_refers() {
    let c = handling_at("2026-03-02 10:00");
    let cmd = refer(K::PeopleMediation);
    for who in [
        handler(DEPT),
        coord(COUNTY),
        intake(TOWN),
        staff(Role::Supervisor, CITY),
        staff(Role::Analyst, TOWN),
        Actor::citizen(),
    ] {
        c.refuse(&who, "2026-03-03 10:00", &cmd, "forbidden");
    }
    // A petition waiting for acceptance is not the unit's to refer yet.
    let mut c = petition_at("2026-03-02 10:00");
    c.ok(
        &coord(COUNTY),
        "2026-03-02 11:00",
        transfer(TOWN, TransferMode::Assign),
    );
    c.refuse(
        &handler(TOWN),
        "2026-03-03 10:00",
        &cmd,
        "not_allowed_in_state",
    );
    // The petition office may refer at screening (诉访分离), before any transfer.
    let mut c = petition_at("2026-03-02 10:00");
    c.ok(&coord(COUNTY), "2026-03-02 11:00", cmd.clone());
    c.at(Status::Referred, COUNTY);
    c.ok(&coord(COUNTY), "2026-03-09 11:00", outcome(O::Failed));
    c.at(Status::Registered, COUNTY);
    // Hotline: the unit that signed for the order.
    let mut h = hotline_at("2026-03-02 10:00", CaseKind::Complaint, false);
    h.ok(&intake(HOTLINE), "2026-03-02 10:10", dispatch(TOWN));
    h.refuse(
        &handler(TOWN),
        "2026-03-02 10:20",
        &cmd,
        "not_allowed_in_state",
    );
    h.ok(&handler(TOWN), "2026-03-02 10:30", Command::SignFor);
    h.ok(&handler(TOWN), "2026-03-02 11:00", cmd.clone());
    h.at(Status::Referred, TOWN);
    assert_eq!(
        deadline::active_kinds(&h.state),
        vec![D::Referral, D::HotlineReply]
    );
    h.ok(&handler(TOWN), "2026-03-05 11:00", outcome(O::Withdrawn));
    h.at(Status::InProgress, TOWN);
}

#[test]
fn the_policy_sets_the_period_and_rejects_zero() {
    let text = format!(
        "{SHIPPED_POLICY}\n[[override]]\nregion = \"{COUNTY_R}\"\nreferral = {{ people_mediation = \"15d\" }}\n"
    );
    let p = Policy::from_toml(&text).expect("valid");
    let set = p.for_chain(&WORLD.dir.chain(TOWNSHIP));
    assert_eq!(set.referral.people_mediation, Period::Days(15));
    assert_eq!(
        set.referral.arbitration,
        Policy::shipped().national().referral.arbitration
    );
    let bad = SHIPPED_POLICY.replace("people_mediation = \"30d\"", "people_mediation = \"0d\"");
    assert!(Policy::from_toml(&bad).is_err());
    let bad = SHIPPED_POLICY.replace("people_mediation = \"30d\"", "people_mediation = \"4h\"");
    assert!(Policy::from_toml(&bad).is_err());
}

proptest! {
    /// For any referral day and any kind, the referral's last day is the policy period counted
    /// by the calendar from that day (Civil Code: start day excluded, a holiday end moves on).
    #[test]
    fn referral_deadline_is_the_policy_period(offset in 0i64..300, k in 0usize..4, hour in 0u32..24) {
        let kind = K::ALL[k];
        let mut c = handling_at("2026-01-05 10:00");
        let now = t("2026-01-06 00:00") + Duration::days(offset) + Duration::hours(i64::from(hour));
        c.run(&handler(TOWN), now, &refer(kind)).unwrap();
        let period = c.policy.referral.period(kind);
        let expected = deadline::compute(D::Referral, period, 0, now, &WORLD.cal).unwrap();
        let r = c.state.referrals.last().unwrap();
        prop_assert_eq!(r.due, expected.last_day);
        prop_assert_eq!(r.due_at(), end_of_day(expected.last_day));
        prop_assert!(r.due > local_date(now));
        if let Period::Days(n) = period {
            prop_assert!(r.due >= local_date(now) + chrono::Days::new(u64::from(n)));
        }
    }

    /// Any sequence of referrals and outcomes: an agreement closes a mediated case, a failure or
    /// withdrawal puts it back in the state it was referred from, a legal route leaves it
    /// diverted; at most one referral is open and the projection equals the replayed log.
    #[test]
    fn outcome_transitions(steps in prop::collection::vec((0usize..4, 0usize..4, any::<bool>()), 1..12), hotline in any::<bool>()) {
        let mut c = if hotline {
            let mut h = hotline_at("2026-03-02 10:00", CaseKind::Complaint, false);
            h.ok(&intake(HOTLINE), "2026-03-02 10:10", dispatch(TOWN));
            h.ok(&handler(TOWN), "2026-03-02 10:30", Command::SignFor);
            h
        } else {
            handling_at("2026-03-02 10:00")
        };
        let mut now = t("2026-03-03 10:00");
        for (k, o, refer_first) in steps {
            now += Duration::hours(5);
            let before = c.state.clone();
            let cmd = if refer_first { refer(K::ALL[k]) } else { outcome(O::ALL[o]) };
            if c.run(&handler(TOWN), now, &cmd).is_err() {
                prop_assert_eq!(&c.state, &before);
                continue;
            }
            let s = &c.state;
            prop_assert!(s.referrals.iter().rev().skip(1).all(|r| !r.is_open()));
            match cmd {
                Command::Refer { kind, .. } => {
                    prop_assert!(matches!(before.status, Status::Handling | Status::InProgress));
                    let want = if kind.is_legal_route() { Status::Diverted } else { Status::Referred };
                    prop_assert_eq!(s.status, want);
                }
                Command::RecordReferralOutcome { outcome, .. } => {
                    let r = s.referrals.last().unwrap();
                    let want = if r.kind.is_legal_route() {
                        Status::Diverted
                    } else if outcome.is_agreement() {
                        Status::Closed
                    } else {
                        r.resumes
                    };
                    prop_assert_eq!(s.status, want);
                }
                _ => unreachable!(),
            }
        }
        prop_assert_eq!(c.replayed(), c.state);
    }
}

/// A mediation agreement answers the matter for 按期答复率 like a settlement: on time before the
/// handling deadline, late after it; a failed mediation answers nothing.
#[test]
fn agreement_counts_as_the_handling_answer() {
    use minsheng_core::kpi::{self, CaseLinks, Metric};
    let on_time = |c: &Case| {
        let f = kpi::derive(
            ID,
            c.log.iter().map(|(t, _, e)| (*t, e)),
            &CaseLinks::default(),
            &c.policy,
            &WORLD.cal,
            t("2026-09-30 10:00"),
        )
        .expect("facts");
        (
            f.tallies
                .iter()
                .find(|x| x.metric == Metric::OnTimeAnswer)
                .map(|x| x.hit),
            f.settled,
        )
    };
    for (when, hit) in [("2026-03-20 10:00", true), ("2026-06-20 10:00", false)] {
        let mut c = handling_at("2026-03-02 10:00");
        c.ok(
            &handler(TOWN),
            "2026-03-03 10:00",
            refer(K::PeopleMediation),
        );
        c.ok(&handler(TOWN), when, outcome(O::MediationAgreement));
        assert_eq!(on_time(&c), (Some(Some(hit)), true), "{when}");
    }
    let mut c = handling_at("2026-03-02 10:00");
    c.ok(
        &handler(TOWN),
        "2026-03-03 10:00",
        refer(K::PeopleMediation),
    );
    c.ok(&handler(TOWN), "2026-03-20 10:00", outcome(O::Failed));
    assert!(!on_time(&c).1, "a failed mediation is no answer");
}
