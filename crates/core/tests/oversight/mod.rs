//! Oversight: KPI facts from hand-built event histories (edge cases: extension approved, rated
//! after a review, returned and re-dispatched), rollups against a recount, the early-warning
//! rules at their thresholds, the alert lifecycle and escalation, the supervision predicates.
//! Cases are driven through the real deciders of the parent module, so every history is one
//! the workflow can produce.

use super::*;
use minsheng_core::alert::{
    self, Alert, AlertCommand, AlertError, AlertEvent, AlertRule, AlertStatus, MatterCase, RiskHit,
    SpikeInput,
};
use minsheng_core::kpi::{
    self, CaseFacts, CaseLinks, Count, Grain, KpiError, KpiRollup, Metric as M, Rate, Scope,
};
use minsheng_core::policy::{AlertPolicy, RatingClass};
use minsheng_core::supervision;

mod alerts;
mod rollup;

fn facts_with(c: &Case, as_of: DateTime<Utc>, links: &CaseLinks) -> CaseFacts {
    kpi::derive(
        ID,
        c.log.iter().map(|(t, _, e)| (*t, e)),
        links,
        &c.policy,
        &WORLD.cal,
        as_of,
    )
    .expect("facts")
}

fn facts(c: &Case, as_of: &str) -> CaseFacts {
    facts_with(c, t(as_of), &CaseLinks::default())
}

/// The outcomes of `metric`, as (unit, hit) in the order they happened.
fn tallies(f: &CaseFacts, metric: M) -> Vec<(&str, Option<bool>)> {
    f.tallies
        .iter()
        .filter(|x| x.metric == metric)
        .map(|x| (x.unit.as_str(), x.hit))
        .collect()
}

fn pending(f: &CaseFacts, metric: M) -> Option<DateTime<Utc>> {
    f.pending
        .iter()
        .find(|p| p.metric == metric)
        .and_then(|p| p.until)
}

/// A petition at the county office, transferred to the county department on 03-05 (acceptance
/// notice due 03-20) and accepted on 03-16 (handling due 05-15).
fn accepted_petition() -> Case {
    let mut c = petition_at("2026-03-02 10:00");
    c.ok(
        &coord(COUNTY),
        "2026-03-05 10:00",
        transfer(DEPT, TransferMode::Transfer),
    );
    c.ok(&handler(DEPT), "2026-03-16 10:00", accept());
    c
}

const HIT: Option<bool> = Some(true);
const MISS: Option<bool> = Some(false);
const BASICALLY: Option<bool> = None;

#[test]
fn petition_answered_on_time_and_rated() {
    let citizen = Actor::citizen();
    let mut c = accepted_petition();
    c.ok(&handler(DEPT), "2026-04-01 10:00", opinion());
    c.ok(&citizen, "2026-04-02 10:00", rate("satisfied"));
    let f = facts(&c, "2026-04-10 10:00");
    assert_eq!(tallies(&f, M::TimelyTransfer), [(COUNTY, HIT)]);
    assert_eq!(tallies(&f, M::TimelyAcceptance), [(DEPT, HIT)]);
    assert_eq!(tallies(&f, M::OnTimeAnswer), [(DEPT, HIT)]);
    assert_eq!(tallies(&f, M::RatingParticipation), [(DEPT, HIT)]);
    assert_eq!(tallies(&f, M::Satisfaction), [(DEPT, HIT)]);
    assert_eq!(tallies(&f, M::RepeatPetition), [(DEPT, MISS)]);
    assert_eq!(f.charged_unit, DEPT);
    assert_eq!(f.region, TOWNSHIP);
    assert_eq!(
        (f.timely_acceptance(), f.answered_on_time()),
        (Some(true), Some(true))
    );

    // 一次性化解 is not known while the petitioner may still ask for a review.
    let window = deadline::due(&c.state, D::ReviewRequest, &c.policy, &WORLD.cal).unwrap();
    assert_eq!(f.resolved_first_time(), None);
    assert_eq!(pending(&f, M::FirstTimeResolution), Some(window.due));
    assert_eq!(f.valid_until, Some(window.due));
    let before = facts_with(&c, window.due - Duration::seconds(1), &CaseLinks::default());
    assert_eq!(before.resolved_first_time(), None);
    let after = facts_with(&c, window.due, &CaseLinks::default());
    assert_eq!(tallies(&after, M::FirstTimeResolution), [(DEPT, HIT)]);
    assert!(after.pending.is_empty());
    assert_eq!(after.valid_until, None);
}

#[test]
fn acceptance_late_and_overdue_not_accepted() {
    let mut c = petition_at("2026-03-02 10:00");
    c.ok(
        &coord(COUNTY),
        "2026-03-05 10:00",
        transfer(DEPT, TransferMode::Transfer),
    );
    let due = end_of_day(day("2026-03-20"));

    // Not yet due: outside the rate, with the instant it will be judged.
    let f = facts(&c, "2026-03-20 23:59");
    assert!(tallies(&f, M::TimelyAcceptance).is_empty());
    assert_eq!(pending(&f, M::TimelyAcceptance), Some(due));
    assert_eq!(f.valid_until, Some(due));
    assert_eq!(
        supervision::overdue(&c.state, &c.policy, &WORLD.cal, t("2026-03-20 23:59")),
        None
    );

    // 超期未受理: counted as missed while still open.
    let f = facts(&c, "2026-03-21 00:00");
    assert_eq!(tallies(&f, M::TimelyAcceptance), [(DEPT, MISS)]);
    assert_eq!(f.overdue_open().count(), 1);
    assert!(supervision::overdue(&c.state, &c.policy, &WORLD.cal, t("2026-03-21 00:00")).is_some());

    let mut on_time = c.clone();
    on_time.ok(&handler(DEPT), "2026-03-20 23:59", accept());
    assert_eq!(
        tallies(&facts(&on_time, "2026-03-25 10:00"), M::TimelyAcceptance),
        [(DEPT, HIT)]
    );
    // 超期受理: missed, no longer open.
    let mut late = c.clone();
    late.ok(&handler(DEPT), "2026-03-21 09:00", decline());
    let f = facts(&late, "2026-03-25 10:00");
    assert_eq!(tallies(&f, M::TimelyAcceptance), [(DEPT, MISS)]);
    assert_eq!(f.overdue_open().count(), 0);
    assert_eq!(f.declined_at, Some(t("2026-03-21 09:00")));
    assert!(
        tallies(&f, M::OnTimeAnswer).is_empty(),
        "declined: nothing to answer"
    );
}

#[test]
fn an_approved_extension_moves_the_handling_deadline() {
    let base = accepted_petition();
    for (when, hit) in [("2026-05-15 23:59", HIT), ("2026-05-16 00:00", MISS)] {
        let mut c = base.clone();
        c.ok(&handler(DEPT), when, opinion());
        assert_eq!(
            tallies(&facts(&c, "2026-06-20 10:00"), M::OnTimeAnswer),
            [(DEPT, hit)],
            "answered {when} without extension"
        );
    }
    let f = facts(&base, "2026-05-16 00:00");
    assert_eq!(
        f.overdue_open().map(|x| x.metric).collect::<Vec<_>>(),
        [M::OnTimeAnswer]
    );

    let mut extended = base.clone();
    extended.ok(&handler(DEPT), "2026-05-10 10:00", extend(30));
    let f = facts(&extended, "2026-05-16 00:00");
    assert!(tallies(&f, M::OnTimeAnswer).is_empty(), "no longer overdue");
    assert_eq!(
        pending(&f, M::OnTimeAnswer),
        Some(end_of_day(day("2026-06-15")))
    );
    for (when, hit) in [("2026-06-15 23:59", HIT), ("2026-06-16 00:00", MISS)] {
        let mut c = extended.clone();
        c.ok(&handler(DEPT), when, opinion());
        let f = facts(&c, "2026-06-20 10:00");
        assert_eq!(
            tallies(&f, M::OnTimeAnswer),
            [(DEPT, hit)],
            "answered {when}"
        );
        assert_eq!((f.extensions, f.extension_days), (1, 30));
    }
}

#[test]
fn rated_after_a_review_each_stage_is_charged_to_its_own_unit() {
    let citizen = Actor::citizen();
    let mut c = accepted_petition();
    c.ok(&handler(DEPT), "2026-04-01 10:00", opinion());
    c.ok(&citizen, "2026-04-02 10:00", rate("unsatisfied"));
    c.ok(&citizen, "2026-04-05 10:00", request_review());
    let mut review = c.clone();
    review.ok(&coord(CITY), "2026-04-20 10:00", decide_review());
    review.ok(&citizen, "2026-04-21 10:00", rate("satisfied"));
    let f = facts(&review, "2026-04-22 10:00");
    assert_eq!(tallies(&f, M::Satisfaction), [(DEPT, MISS), (CITY, HIT)]);
    assert_eq!(
        tallies(&f, M::RatingParticipation),
        [(DEPT, HIT), (CITY, HIT)]
    );
    assert_eq!(tallies(&f, M::OnTimeReview), [(CITY, HIT)]);
    assert_eq!(tallies(&f, M::FirstTimeResolution), [(DEPT, MISS)]);
    assert_eq!(f.latest_rating().map(|r| r.stage.as_str()), Some("review"));
    assert!(
        !supervision::rated_unsatisfied(&f),
        "the latest word is 满意"
    );
    assert!(supervision::rated_unsatisfied(&facts(
        &c,
        "2026-04-06 10:00"
    )));

    let mut r = KpiRollup::new(Grain::Month);
    r.add(&f, &WORLD.dir);
    let sat = |scope: Scope| {
        r.get(&scope, "2026-03")
            .unwrap()
            .rate(M::Satisfaction, true)
    };
    assert_eq!(sat(Scope::Unit(DEPT.into())), Rate { num: 0, den: 1 });
    assert_eq!(sat(Scope::Unit(CITY.into())), Rate { num: 1, den: 1 });
    assert_eq!(sat(Scope::Region(TOWNSHIP.into())), Rate { num: 1, den: 2 });
    assert_eq!(sat(Scope::Region("990000".into())), Rate { num: 1, den: 2 });
    assert_eq!(sat(Scope::All), Rate { num: 1, den: 2 });
    assert_eq!(
        r.get(&Scope::Unit(CITY.into()), "2026-03").unwrap().cases,
        0,
        "CITY reviewed, DEPT is responsible"
    );

    // Whether 基本满意 counts is read at display time.
    let mut basic = c.clone();
    basic.ok(&coord(CITY), "2026-04-20 10:00", decide_review());
    basic.ok(&citizen, "2026-04-21 10:00", rate("basically_satisfied"));
    let f = facts(&basic, "2026-04-22 10:00");
    assert_eq!(
        tallies(&f, M::Satisfaction),
        [(DEPT, MISS), (CITY, BASICALLY)]
    );
    let mut counts = kpi::KpiCounts::default();
    counts.add(&f, None);
    assert_eq!(
        counts.count(M::Satisfaction),
        Count {
            hit: 0,
            basically: 1,
            miss: 1
        }
    );
    assert_eq!(counts.rate(M::Satisfaction, true), Rate { num: 1, den: 2 });
    assert_eq!(counts.rate(M::Satisfaction, false), Rate { num: 0, den: 2 });

    // Review overdue: charged to the reviewing office, still open.
    let f = facts(&c, "2026-05-07 00:00");
    assert!(
        f.overdue_open()
            .any(|x| x.metric == M::OnTimeReview && x.unit == CITY)
    );
}

#[test]
fn an_objection_charges_the_unit_that_accepts_and_restarts_the_transfer_clock() {
    let mut c = petition_at("2026-03-02 10:00");
    c.ok(
        &coord(COUNTY),
        "2026-03-05 10:00",
        transfer(TOWN, TransferMode::Transfer),
    );
    c.ok(&handler(TOWN), "2026-03-12 10:00", object());
    // 15 days from the return (03-12): 03-27. Transferred on 03-30: late.
    c.ok(
        &coord(COUNTY),
        "2026-03-30 10:00",
        transfer(DEPT, TransferMode::Assign),
    );
    c.ok(&handler(DEPT), "2026-04-01 10:00", accept());
    let f = facts(&c, "2026-04-02 10:00");
    assert_eq!(
        tallies(&f, M::TimelyTransfer),
        [(COUNTY, HIT), (COUNTY, MISS)]
    );
    assert_eq!(tallies(&f, M::TimelyAcceptance), [(DEPT, HIT)]);
    assert_eq!(f.returned_by, [TOWN]);
    assert_eq!(f.charged_unit, DEPT);
    assert!(
        f.tallies.iter().all(|x| x.unit != TOWN),
        "a timely objection is not charged"
    );
    let mut r = KpiRollup::new(Grain::Month);
    r.add(&f, &WORLD.dir);
    assert!(r.get(&Scope::Unit(TOWN.into()), "2026-03").is_none());
    assert_eq!(
        r.get(&Scope::Unit(COUNTY.into()), "2026-03")
            .unwrap()
            .rate(M::TimelyTransfer, false),
        Rate { num: 1, den: 2 }
    );
}

#[test]
fn hotline_return_and_redispatch_charge_each_unit_for_its_own_part() {
    let desk = intake(HOTLINE);
    let mut c = hotline_at("2026-03-02 10:00", CaseKind::Complaint, false); // reply due 03-09
    c.ok(&desk, "2026-03-02 10:30", dispatch(DEPT));
    c.ok(&handler(DEPT), "2026-03-03 09:00", ret()); // responded within 1 working day
    c.ok(&desk, "2026-03-03 10:00", dispatch(TOWN));
    c.ok(&handler(TOWN), "2026-03-05 09:00", Command::SignFor); // due end of 03-04: late
    let mut late = c.clone();
    c.ok(&handler(TOWN), "2026-03-09 23:59", reply());
    c.ok(&desk, "2026-03-10 10:00", follow_up("satisfied", true));
    let f = facts(&c, "2026-03-11 10:00");
    assert_eq!(tallies(&f, M::HotlineResponse), [(DEPT, HIT), (TOWN, MISS)]);
    assert_eq!(tallies(&f, M::HotlineOnTime), [(TOWN, HIT)]);
    assert_eq!(tallies(&f, M::HotlineResolution), [(TOWN, HIT)]);
    assert_eq!(tallies(&f, M::HotlineSatisfaction), [(TOWN, HIT)]);
    assert_eq!(f.returned_by, [DEPT]);
    assert_eq!(f.charged_unit, TOWN);
    assert_eq!(f.status, Status::Closed);
    assert!(
        tallies(&f, M::RepeatPetition).is_empty(),
        "petition metrics stay out"
    );

    late.ok(&handler(TOWN), "2026-03-10 00:00", reply());
    let f = facts(&late, "2026-03-11 10:00");
    assert_eq!(
        tallies(&f, M::HotlineOnTime),
        [(TOWN, MISS)],
        "the replying unit, not the returning one"
    );
}

#[test]
fn hotline_reopen_every_round_must_be_on_time_and_the_last_follow_up_counts() {
    let desk = intake(HOTLINE);
    let mut c = hotline_at("2026-03-02 10:00", CaseKind::Help, false);
    c.ok(&desk, "2026-03-02 10:10", dispatch(DEPT));
    c.ok(&handler(DEPT), "2026-03-02 11:00", Command::SignFor);
    c.ok(&handler(DEPT), "2026-03-03 10:00", reply());
    c.ok(&desk, "2026-03-03 11:00", follow_up("unsatisfied", false));
    let f = facts(&c, "2026-03-03 12:00");
    assert_eq!(tallies(&f, M::HotlineResolution), [(DEPT, MISS)]);
    assert_eq!(tallies(&f, M::HotlineSatisfaction), [(DEPT, MISS)]);
    assert!(supervision::rated_unsatisfied(&f));
    c.ok(&desk, "2026-03-04 10:00", reopen()); // new clock: 5 working days → 03-11
    c.ok(&handler(DEPT), "2026-03-04 11:00", Command::SignFor);
    for (when, hit) in [("2026-03-11 23:59", HIT), ("2026-03-12 00:00", MISS)] {
        let mut r = c.clone();
        r.ok(&handler(DEPT), when, reply());
        r.ok(&desk, "2026-03-13 10:00", follow_up("satisfied", true));
        let f = facts(&r, "2026-03-14 10:00");
        assert_eq!(
            tallies(&f, M::HotlineOnTime),
            [(DEPT, hit)],
            "second reply {when}"
        );
        assert_eq!(tallies(&f, M::HotlineSatisfaction), [(DEPT, HIT)]);
        assert_eq!(tallies(&f, M::HotlineResolution), [(DEPT, HIT)]);
        assert_eq!(tallies(&f, M::HotlineResponse), [(DEPT, HIT), (DEPT, HIT)]);
        assert_eq!(f.reopen_count, 1);
        assert!(!supervision::rated_unsatisfied(&f));
    }
}

#[test]
fn consultations_answered_on_the_call_and_emergencies() {
    let desk = intake(HOTLINE);
    let mut q = hotline_at("2026-03-02 10:00", CaseKind::Consultation, false);
    q.ok(&desk, "2026-03-02 10:05", answer());
    let f = facts(&q, "2026-03-02 11:00");
    assert_eq!(tallies(&f, M::HotlineResponse), [(HOTLINE, HIT)]);
    assert_eq!(tallies(&f, M::HotlineOnTime), [(HOTLINE, HIT)]);

    let mut e = hotline_at("2026-03-02 10:00", CaseKind::Help, true);
    e.ok(
        &desk,
        "2026-03-02 10:01",
        emergency(EmergencyService::Ambulance120),
    );
    let f = facts(&e, "2026-03-10 10:00");
    assert!(f.emergency && f.tallies.is_empty() && f.pending.is_empty());

    // An urgent order left unanswered: overdue after 2 hours, charged to whoever holds it.
    let u = hotline_at("2026-03-02 10:00", CaseKind::Help, true);
    assert_eq!(
        pending(&facts(&u, "2026-03-02 11:59"), M::HotlineOnTime),
        Some(t("2026-03-02 12:00"))
    );
    let f = facts(&u, "2026-03-02 12:00");
    assert_eq!(tallies(&f, M::HotlineOnTime), [(HOTLINE, MISS)]);
    assert_eq!(
        f.overdue_open().map(|x| x.due).collect::<Vec<_>>(),
        [Some(t("2026-03-02 12:00"))]
    );
}

#[test]
fn repeat_links_feed_the_repeat_rate_first_time_resolution_and_the_queue() {
    let mut c = accepted_petition();
    c.ok(&handler(DEPT), "2026-04-01 10:00", opinion());
    let repeat = CaseLinks {
        repeat_of: Some(uuid::Uuid::from_u128(99)),
        repeated_later: false,
    };
    let f = facts_with(&c, t("2026-04-02 10:00"), &repeat);
    assert_eq!(tallies(&f, M::RepeatPetition), [(DEPT, HIT)]);
    assert!(!supervision::repeat_on_open_case(&f));

    let repeated = CaseLinks {
        repeat_of: None,
        repeated_later: true,
    };
    let f = facts_with(&c, t("2026-04-02 10:00"), &repeated);
    assert_eq!(tallies(&f, M::FirstTimeResolution), [(DEPT, MISS)]);
    assert!(supervision::repeat_on_open_case(&f), "answered, not final");
    let mut fin = c.clone();
    fin.ok(&coord(COUNTY), "2026-05-07 10:00", close());
    assert!(!supervision::repeat_on_open_case(&facts_with(
        &fin,
        t("2026-05-08 10:00"),
        &repeated
    )));
    // Settled is resolved at once, even with the window open.
    let mut settled = accepted_petition();
    settled.ok(
        &handler(DEPT),
        "2026-04-01 10:00",
        Command::Settle {
            mediation: true,
            summary: "双方达成调解协议".into(),
        },
    );
    let f = facts(&settled, "2026-04-02 10:00");
    assert_eq!(tallies(&f, M::FirstTimeResolution), [(DEPT, HIT)]);
    assert!(
        tallies(&f, M::RatingParticipation).is_empty(),
        "a settlement is not rated"
    );
}

#[test]
fn not_rated_counts_only_after_the_rating_window() {
    let mut c = accepted_petition();
    c.ok(&handler(DEPT), "2026-04-01 10:00", opinion());
    let window = end_of_day(day("2026-05-06")); // 30 days = May 1st, holiday until the 5th
    let f = facts_with(&c, window - Duration::seconds(1), &CaseLinks::default());
    assert_eq!(pending(&f, M::RatingParticipation), Some(window));
    let f = facts_with(&c, window, &CaseLinks::default());
    assert_eq!(tallies(&f, M::RatingParticipation), [(DEPT, MISS)]);
    assert!(
        tallies(&f, M::Satisfaction).is_empty(),
        "no rating, no satisfaction outcome"
    );
}

#[test]
fn facts_need_a_registration_first() {
    let e = Event::SignedFor;
    let r = kpi::derive(
        ID,
        [(t("2026-03-02 10:00"), &e)],
        &CaseLinks::default(),
        &WORLD.policy_for(COUNTY_R),
        &WORLD.cal,
        t("2026-03-02 10:00"),
    );
    assert_eq!(r.unwrap_err(), KpiError::NotRegistered);
    let none: [(DateTime<Utc>, &Event); 0] = [];
    assert!(
        kpi::derive(
            ID,
            none,
            &CaseLinks::default(),
            &WORLD.policy_for(COUNTY_R),
            &WORLD.cal,
            t("2026-03-02 10:00")
        )
        .is_err()
    );
}

#[test]
fn rates_without_data_are_not_numbers() {
    let none = Rate { num: 0, den: 0 };
    assert_eq!(none.value(), None);
    assert_eq!(none.display(), "—");
    assert_eq!(none.compare(Rate { num: 1, den: 2 }), None);
    assert_eq!(Rate { num: 0, den: 4 }.display(), "0.0%");
    assert_eq!(Rate { num: 2, den: 3 }.display(), "66.7%");
    assert_eq!(
        Rate { num: 1, den: 3 }.compare(Rate { num: 2, den: 6 }),
        Some(std::cmp::Ordering::Equal)
    );
    assert_eq!(
        Rate {
            num: 999_999,
            den: 1_000_000
        }
        .compare(Rate { num: 1, den: 1 }),
        Some(std::cmp::Ordering::Less)
    );
    assert_eq!(kpi::KpiCounts::default().rate(M::OnTimeAnswer, true), none);
}

#[test]
fn cases_count_in_the_month_of_registration_in_china_time() {
    // 2026-03-31 23:30 China time is still March, though UTC says 15:30 on the 31st as well;
    // 2026-04-01 00:30 China time is March 31st in UTC and counts in April.
    assert_eq!(
        kpi::period_key(t("2026-03-31 23:30"), Grain::Month),
        "2026-03"
    );
    assert_eq!(
        kpi::period_key(t("2026-04-01 00:30"), Grain::Month),
        "2026-04"
    );
    assert_eq!(
        kpi::period_key(t("2026-04-01 00:30"), Grain::Day),
        "2026-04-01"
    );
    assert_eq!(kpi::period_key(t("2026-01-01 00:30"), Grain::Year), "2026");
}

#[test]
fn declined_at_the_door_is_a_timely_office_decision_and_nothing_else() {
    let prior = PriorMatters {
        final_same_matter: Some(PriorCase {
            id: uuid::Uuid::from_u128(42),
            number: "2026-0201-000042".into(),
            unit: DEPT.into(),
            within_time_limit: false,
        }),
        pending_same_matter: None,
    };
    let events = register_with(COUNTY, prior);
    assert_eq!(events.len(), 2, "registered and declined");
    let at = t("2026-03-02 10:00");
    let repeat = CaseLinks {
        repeat_of: Some(uuid::Uuid::from_u128(42)),
        repeated_later: false,
    };
    let f = kpi::derive(
        ID,
        events.iter().map(|e| (at, e)),
        &repeat,
        &WORLD.policy_for(TOWNSHIP),
        &WORLD.cal,
        t("2026-06-01 10:00"),
    )
    .unwrap();
    assert_eq!(f.status, Status::Declined);
    assert_eq!(tallies(&f, M::TimelyTransfer), [(COUNTY, HIT)]);
    assert_eq!(tallies(&f, M::RepeatPetition), [(COUNTY, HIT)]);
    assert_eq!(f.tallies.len(), 2, "{:?}", f.tallies);
    assert!(f.pending.is_empty() && f.valid_until.is_none());
}
