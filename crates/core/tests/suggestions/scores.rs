//! The scoreboard: facts from suggestion states, counts by hand, the weighted score by hand,
//! the league table, and add/remove/merge against a recount (property test).

use super::*;
use minsheng_core::kpi::{Grain, Rate, Scope};
use minsheng_core::suggestion::score::{
    self, MICRO, ScoreCounts, Scoreboard, SuggestionFacts, league_table,
};
use minsheng_core::suggestion::{AssessmentPolicy, MissingData, ScoreComponent as C};

#[test]
fn facts_of_the_story() {
    let s = story();
    let f = score::derive(&s.state, &s.policy, &WORLD.cal, t("2026-12-31 10:00"));
    assert_eq!(f.outcome, Some(Adoption::PartlyAdopted));
    assert!(f.important);
    // DEPT answered 05-01 (due 07-08 with the extension), TOWN 05-06 (due 06-08): both in time.
    assert_eq!(
        f.answers,
        [(DEPT.to_string(), true), (TOWN.to_string(), true)]
    );
    assert_eq!(f.feedback_on_time, Some(true));
    assert_eq!(f.conversions, [ConversionRoute::PeopleBenefit]);
    assert_eq!(f.reward_yuan, Some(3000));
    assert_eq!(f.valid_until, None);
    let mut c = ScoreCounts::default();
    c.add(&f);
    assert_eq!((c.received, c.accepted, c.answered), (1, 1, 1));
    assert_eq!(c.adoption_rate(), Rate { num: 1, den: 1 });
    assert_eq!(c.important_adoption_rate(), Rate { num: 1, den: 1 });
    assert_eq!((c.rewards, c.reward_yuan), (1, 3000));
    assert_eq!(c.conversions_total(), 1);
}

#[test]
fn overdue_answers_and_feedback_count_without_an_event() {
    let mut s = submit("2026-03-02 10:00");
    s.ok(&office(), "2026-03-03 10:00", accept());
    s.ok(&office(), "2026-03-04 10:00", assess(false));
    s.ok(&office(), "2026-03-10 10:00", forward(&[DEPT]));
    let f = score::derive(&s.state, &s.policy, &WORLD.cal, t("2026-06-01 10:00"));
    assert!(f.answers.is_empty(), "not due yet");
    assert_eq!(f.valid_until, Some(end_of_day(day("2026-06-08"))));
    let f = score::derive(&s.state, &s.policy, &WORLD.cal, t("2026-06-09 00:00"));
    assert_eq!(f.answers, [(DEPT.to_string(), false)]);
    assert_eq!(f.valid_until, None);
    // Answered late; feedback owed within 15 days of 06-20 (07-05 is a Sunday → 07-06).
    s.ok(
        &handler(DEPT),
        "2026-06-20 10:00",
        answer(Adoption::NotAdopted),
    );
    let f = score::derive(&s.state, &s.policy, &WORLD.cal, t("2026-07-06 23:00"));
    assert_eq!(f.answers, [(DEPT.to_string(), false)]);
    assert_eq!(f.feedback_on_time, None);
    assert_eq!(f.valid_until, Some(end_of_day(day("2026-07-06"))));
    let f = score::derive(&s.state, &s.policy, &WORLD.cal, t("2026-07-07 00:00"));
    assert_eq!(f.feedback_on_time, Some(false));
    s.ok(&office(), "2026-07-08 10:00", feedback());
    let f = score::derive(&s.state, &s.policy, &WORLD.cal, t("2026-07-09 00:00"));
    assert_eq!(f.feedback_on_time, Some(false), "late feedback stays late");
    let mut c = ScoreCounts::default();
    c.add(&f);
    assert_eq!(c.adoption_rate(), Rate { num: 0, den: 1 });
    assert_eq!(c.feedback_timeliness(), Rate { num: 0, den: 1 });
    assert_eq!(c.answer_timeliness(), Rate { num: 0, den: 1 });
    // A redirected submission is received but not accepted.
    let mut sub = submission();
    sub.reason = "我家楼上漏水三个月".into();
    sub.proposal = "请帮我协调物业维修".into();
    let r = try_submit(
        &national(),
        &Actor::citizen(),
        "2026-03-02 10:00",
        sub,
        None,
    )
    .unwrap();
    let mut c = ScoreCounts::default();
    c.add(&score::derive(
        &r.state,
        &r.policy,
        &WORLD.cal,
        t("2026-03-03 10:00"),
    ));
    assert_eq!(
        (c.received, c.redirected, c.accepted, c.answered),
        (1, 1, 0, 0)
    );
}

/// accepted 50 of target 100; 16 of 40 adopted (10 fully, 6 partly); 4 of 5 important adopted;
/// 12 conversions (target 10); feedback 30 in time, 10 late.
fn counts() -> ScoreCounts {
    ScoreCounts {
        received: 60,
        redirected: 10,
        accepted: 50,
        answered: 40,
        outcomes: [
            (Adoption::Adopted, 10),
            (Adoption::PartlyAdopted, 6),
            (Adoption::NotAdopted, 24),
        ]
        .into_iter()
        .collect(),
        important_answered: 5,
        important_adopted: 4,
        conversions: [
            (ConversionRoute::LawPolicy, 2),
            (ConversionRoute::PeopleBenefit, 10),
        ]
        .into_iter()
        .collect(),
        feedback_on_time: 30,
        feedback_late: 10,
        ..Default::default()
    }
}

#[test]
fn weighted_score_by_hand() {
    let p = national().suggestion.assessment_score.clone();
    // 20 × 50/100 + 30 × 16/40 + 20 × 4/5 + 15 × 1 (capped) + 15 × 30/40
    // = 10 + 12 + 16 + 15 + 11.25 = 64.25 out of 100.
    let a = score::assess(&counts(), &p);
    assert_eq!(a.points_micro, 64_250_000);
    assert_eq!(a.display(), "64.25");
    assert_eq!(a.max_points, 100);
    let by: Vec<(C, u64)> = a
        .components
        .iter()
        .map(|c| (c.component, c.points_micro))
        .collect();
    assert_eq!(
        by,
        [
            (C::Received, 10 * MICRO),
            (C::Adoption, 12 * MICRO),
            (C::ImportantAdoption, 16 * MICRO),
            (C::Conversion, 15 * MICRO),
            (C::FeedbackTimeliness, 11_250_000),
        ]
    );
    assert_eq!(a.components[3].value, Rate { num: 10, den: 10 });
    // No important suggestion answered: reweighted, 48.25 × 100 / 80 = 60.3125; or zero, 48.25.
    let mut none = counts();
    none.important_answered = 0;
    none.important_adopted = 0;
    let a = score::assess(&none, &p);
    assert_eq!(a.points_micro, 60_312_500);
    assert_eq!(a.display(), "60.31");
    assert!(!a.components[2].has_data);
    let zero = AssessmentPolicy {
        missing: MissingData::Zero,
        ..p.clone()
    };
    assert_eq!(score::assess(&none, &zero).points_micro, 48_250_000);
    // Weights are policy: only the adoption rate, weight 3 → 3 × 16/40 = 1.2.
    let only = AssessmentPolicy {
        weights: [(C::Adoption, 3)].into_iter().collect(),
        ..p.clone()
    };
    let a = score::assess(&counts(), &only);
    assert_eq!((a.points_micro, a.max_points), (1_200_000, 3));
    // Rounding down per component: 20 × 2/3 = 13.333333.
    let third = AssessmentPolicy {
        weights: [(C::Adoption, 20)].into_iter().collect(),
        ..p.clone()
    };
    let c = ScoreCounts {
        answered: 3,
        outcomes: [(Adoption::Adopted, 1), (Adoption::PartlyAdopted, 1)]
            .into_iter()
            .collect(),
        ..Default::default()
    };
    assert_eq!(score::assess(&c, &third).points_micro, 13_333_333);
    // Nothing at all: 0, never a division by zero.
    assert_eq!(score::assess(&ScoreCounts::default(), &p).points_micro, 0);
}

#[test]
fn league_table_ties_are_deterministic() {
    let p = national().suggestion.assessment_score.clone();
    let mut better = counts();
    better.feedback_late = 0; // 15 × 1 instead of 11.25: 68.00
    let mut worse = counts();
    worse.accepted = 10; // 20 × 10/100 = 2 instead of 10: 56.25
    let entries = |order: &[usize]| {
        let all = [
            ("县B".to_string(), counts()),
            ("县A".to_string(), counts()),
            ("县C".to_string(), better.clone()),
            ("县D".to_string(), worse.clone()),
        ];
        order.iter().map(|i| all[*i].clone()).collect::<Vec<_>>()
    };
    let rows = league_table(entries(&[0, 1, 2, 3]), &p);
    let view: Vec<(u32, &str, String)> = rows
        .iter()
        .map(|r| (r.rank, r.id.as_str(), r.assessment.display()))
        .collect();
    assert_eq!(
        view,
        [
            (1, "县C", "68.00".to_string()),
            (2, "县A", "64.25".to_string()),
            (2, "县B", "64.25".to_string()),
            (4, "县D", "56.25".to_string()),
        ]
    );
    assert_eq!(
        league_table(entries(&[3, 2, 1, 0]), &p),
        rows,
        "input order does not matter"
    );
}

#[test]
fn scoreboard_scopes() {
    let s = story();
    let f = score::derive(&s.state, &s.policy, &WORLD.cal, t("2026-12-31 10:00"));
    let mut b = Scoreboard::new(Grain::Month);
    b.add(&f, &WORLD.dir);
    for scope in [
        Scope::All,
        Scope::Region("990000".into()),
        Scope::Region(COUNTY_R.into()),
        Scope::Region(TOWNSHIP.into()),
        Scope::Unit(OFFICE.into()),
    ] {
        assert_eq!(
            b.get(&scope, "2026-03").map(|c| c.received),
            Some(1),
            "{scope:?}"
        );
    }
    assert!(b.get(&Scope::Region(COMMUNITY.into()), "2026-03").is_none());
    assert!(
        b.get(&Scope::All, "2026-05").is_none(),
        "counted in the month it was received"
    );
    assert_eq!(b.sum(&Scope::All, "2026-01", "2026-12").adopted(), 1);
    b.remove(&f, &WORLD.dir).unwrap();
    assert!(b.cells.is_empty());
    assert!(b.remove(&f, &WORLD.dir).is_err(), "never quietly negative");
}

const OFFICES: &[&str] = &[CITY, COUNTY, PROV];
const PLACES: &[&str] = &[TOWNSHIP, COMMUNITY, COUNTY_R, XIHU, "nowhere"];

fn arb_facts() -> impl Strategy<Value = SuggestionFacts> {
    let base = score::derive(
        &story().state,
        &national(),
        &WORLD.cal,
        t("2026-12-31 10:00"),
    );
    (
        any::<u128>(),
        (
            0..OFFICES.len(),
            0..PLACES.len(),
            0i64..90,
            0..SS::ALL.len(),
        ),
        (proptest::option::of(0..Adoption::ALL.len()), any::<bool>()),
        prop::collection::vec(0..ConversionRoute::ALL.len(), 0..3),
        (
            proptest::option::of(0u64..20_000),
            proptest::option::of(any::<bool>()),
        ),
        prop::collection::vec((0..OFFICES.len(), any::<bool>()), 0..3),
    )
        .prop_map(
            move |(
                id,
                (office, place, days, status),
                (outcome, important),
                conv,
                (reward, fb),
                answers,
            )| {
                let mut f = base.clone();
                f.id = uuid::Uuid::from_u128(id);
                f.office_unit = OFFICES[office].into();
                f.region = PLACES[place].into();
                f.registered_at += Duration::days(days);
                f.status = SS::ALL[status];
                f.outcome = outcome.map(|o| Adoption::ALL[o]);
                f.important = important;
                f.conversions = conv.into_iter().map(|c| ConversionRoute::ALL[c]).collect();
                f.reward_yuan = reward;
                f.feedback_on_time = fb;
                f.answers = answers
                    .into_iter()
                    .map(|(u, ok)| (OFFICES[u].to_string(), ok))
                    .collect();
                f
            },
        )
}

fn recount<'a>(facts: impl IntoIterator<Item = &'a SuggestionFacts>) -> Scoreboard {
    let mut b = Scoreboard::new(Grain::Month);
    for f in facts {
        b.add(f, &WORLD.dir);
    }
    b
}

proptest! {
    #[test]
    fn scoreboard_add_remove_merge_equals_a_recount(
        cases in prop::collection::vec((arb_facts(), any::<bool>(), any::<bool>()), 1..30),
    ) {
        // Added one by one, some removed again: equals a recount of the kept ones.
        let mut live = Scoreboard::new(Grain::Month);
        for (f, _, _) in &cases {
            live.add(f, &WORLD.dir);
        }
        for (f, _, _) in cases.iter().rev().filter(|(_, drop, _)| *drop) {
            live.remove(f, &WORLD.dir).unwrap();
        }
        let kept: Vec<&SuggestionFacts> =
            cases.iter().filter(|(_, drop, _)| !*drop).map(|(f, _, _)| f).collect();
        prop_assert_eq!(&live, &recount(kept.iter().copied()));
        // Split in two, counted apart and merged: equals the recount of all kept.
        let (a, b): (Vec<_>, Vec<_>) = cases
            .iter()
            .filter(|(_, drop, _)| !*drop)
            .partition(|(_, _, left)| *left);
        let mut merged = recount(a.iter().map(|(f, _, _)| f));
        merged.merge(&recount(b.iter().map(|(f, _, _)| f)));
        prop_assert_eq!(&merged, &live);
        // Overall equals the sum of the offices (each suggestion has exactly one office).
        let months: std::collections::BTreeSet<String> =
            live.cells.keys().map(|k| k.period.clone()).collect();
        for m in months {
            let mut offices = ScoreCounts::default();
            for o in OFFICES {
                if let Some(c) = live.get(&Scope::Unit(o.to_string()), &m) {
                    offices.merge(c);
                }
            }
            prop_assert_eq!(Some(&offices), live.get(&Scope::All, &m));
        }
        // Replacing facts with themselves changes nothing.
        if let Some(f) = kept.first() {
            let before = live.clone();
            live.replace(f, f, &WORLD.dir).unwrap();
            prop_assert_eq!(live, before);
        }
    }
}
