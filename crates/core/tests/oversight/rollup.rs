//! Rollups kept up to date case by case equal a recount from scratch.

use super::*;

const UNITS: &[&str] = &[COUNTY, DEPT, TOWN, CITY, HOTLINE];
const REGIONS: &[&str] = &[TOWNSHIP, COMMUNITY, COUNTY_R, XIHU, "nowhere"];

static BASE: LazyLock<CaseFacts> =
    LazyLock::new(|| facts(&accepted_petition(), "2026-03-20 10:00"));

/// Facts with random ids, units, regions, months and outcomes: the rollup must not care
/// whether they came from a real history.
fn arb_facts() -> impl Strategy<Value = CaseFacts> {
    (
        any::<u128>(),
        0..UNITS.len(),
        0..REGIONS.len(),
        0i64..120,
        prop::collection::vec((0..UNITS.len(), 0..M::ALL.len(), 0u8..3), 0..8),
    )
        .prop_map(|(id, charged, region, days, tallies)| {
            let mut f = BASE.clone();
            f.case_id = uuid::Uuid::from_u128(id);
            f.charged_unit = UNITS[charged].into();
            f.region = REGIONS[region].into();
            f.registered_at += Duration::days(days);
            f.tallies = tallies
                .into_iter()
                .map(|(u, m, h)| kpi::Tally {
                    metric: M::ALL[m],
                    unit: UNITS[u].into(),
                    hit: [Some(true), Some(false), None][usize::from(h)],
                    due: None,
                    open: false,
                })
                .collect();
            f
        })
}

fn recount<'a>(facts: impl IntoIterator<Item = &'a CaseFacts>) -> KpiRollup {
    let mut r = KpiRollup::new(Grain::Month);
    for f in facts {
        r.add(f, &WORLD.dir);
    }
    r
}

proptest! {
    #[test]
    fn adding_and_removing_one_by_one_equals_a_recount(
        cases in prop::collection::vec((arb_facts(), any::<bool>()), 1..40),
    ) {
        let mut live = KpiRollup::new(Grain::Month);
        for (f, _) in &cases {
            live.add(f, &WORLD.dir);
        }
        for (f, _) in cases.iter().rev().filter(|(_, drop)| *drop) {
            live.remove(f, &WORLD.dir).unwrap();
        }
        let kept: Vec<&CaseFacts> = cases.iter().filter(|(_, d)| !d).map(|(f, _)| f).collect();
        let full = recount(kept.iter().copied());
        prop_assert_eq!(&live, &full);

        // Cells merge by addition: two halves counted apart give the whole.
        let (a, b) = kept.split_at(kept.len() / 2);
        let mut merged = recount(a.iter().copied());
        merged.merge(&recount(b.iter().copied()));
        prop_assert_eq!(&merged, &full);

        // Every outcome is charged to exactly one unit, and every case counts once overall and
        // once under each root region.
        for (key, all) in full.cells.iter().filter(|(k, _)| k.scope == Scope::All) {
            let mut units = kpi::KpiCounts::default();
            let mut roots = kpi::KpiCounts::default();
            for (k, c) in full.cells.iter().filter(|(k, _)| k.period == key.period) {
                match &k.scope {
                    Scope::Unit(_) => units.merge(c),
                    Scope::Region(r) if r == "990000" || r == "330000" || r == "nowhere" => roots.merge(c),
                    _ => {}
                }
            }
            prop_assert_eq!(&units.metrics, &all.metrics);
            prop_assert_eq!(units.cases, all.cases);
            prop_assert_eq!(&roots, all);
        }
        let n: u64 = full.cells.iter().filter(|(k, _)| k.scope == Scope::All).map(|(_, c)| c.cases).sum();
        prop_assert_eq!(n, kept.len() as u64);

        // Removing facts that were never added is refused and changes nothing.
        let mut stranger = BASE.clone();
        stranger.case_id = uuid::Uuid::from_u128(u128::MAX);
        stranger.registered_at -= Duration::days(400);
        let before = live.clone();
        prop_assert!(live.remove(&stranger, &WORLD.dir).is_err());
        prop_assert_eq!(&live, &before);
    }

    /// Three cases driven by random commands; after every event (and once more when time has
    /// passed) the rollup replaces the case's facts. It must equal a recount of the final facts.
    #[test]
    fn rollups_kept_event_by_event_equal_a_recount(
        kinds in prop::collection::vec(0u8..3, 3),
        steps in prop::collection::vec((0usize..3, 0usize..30, 0i64..72), 1..60),
        later in 0i64..2000,
    ) {
        let mut commands = sample_commands();
        commands.extend([
            transfer(TOWN, TransferMode::Assign),
            dispatch(TOWN),
            follow_up("unsatisfied", false),
            extend(30),
            rate("unsatisfied"),
            rate("basically_satisfied"),
        ]);
        let actors = all_actors();
        let mut cases: Vec<Case> = kinds
            .iter()
            .map(|k| match k {
                0 => petition_at("2026-03-02 10:00"),
                1 => hotline_at("2026-03-02 10:00", CaseKind::Complaint, false),
                _ => hotline_at("2026-03-02 10:00", CaseKind::Consultation, false),
            })
            .collect();
        let ids: Vec<uuid::Uuid> = (0..cases.len() as u128).map(|i| uuid::Uuid::from_u128(i + 1)).collect();
        let derive = |c: &Case, id: uuid::Uuid, as_of: DateTime<Utc>| {
            kpi::derive(id, c.log.iter().map(|(t, _, e)| (*t, e)), &CaseLinks::default(), &c.policy, &WORLD.cal, as_of).unwrap()
        };
        let mut now = t("2026-03-02 10:00");
        let mut current: Vec<CaseFacts> = cases.iter().zip(&ids).map(|(c, id)| derive(c, *id, now)).collect();
        let mut live = recount(current.iter());
        for (which, i, hours) in steps {
            now += Duration::hours(hours);
            let c = &mut cases[which];
            let cmd = &commands[i % commands.len()];
            if let Some(a) = actors.iter().find(|a| c.try_cmd(a, now, cmd).is_ok()) {
                c.run(a, now, cmd).unwrap();
            }
            let new = derive(c, ids[which], now);
            live.replace(&current[which], &new, &WORLD.dir).unwrap();
            current[which] = new;
        }
        // Time passes with no event: facts whose valid_until passed are re-derived.
        let end = now + Duration::hours(later);
        for (k, c) in cases.iter().enumerate() {
            if current[k].valid_until.is_some_and(|v| v <= end) {
                let new = derive(c, ids[k], end);
                live.replace(&current[k], &new, &WORLD.dir).unwrap();
                current[k] = new;
            }
        }
        let fresh: Vec<CaseFacts> = cases.iter().zip(&ids).map(|(c, id)| derive(c, *id, end)).collect();
        prop_assert_eq!(&live, &recount(fresh.iter()));
        for f in &fresh {
            prop_assert!(f.valid_until.is_none_or(|v| v > end));
        }
    }
}
