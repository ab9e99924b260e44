//! Grids: placement by H3 cell (the grid holding the point, never its neighbour), by address
//! keyword (the longest, within the matter's branch of the region tree), and the grid worker's
//! commands (visit, resolve on the spot, escalate to the township).

use super::*;
use minsheng_core::grid::{self, GridBasis, GridShape};

fn shape(id: &str, region: &str, lat: f64, lng: f64, rings: u32, kw: &[&str]) -> GridShape {
    GridShape {
        id: id.into(),
        region: region.into(),
        resolution: 9,
        cells: grid::cells_around(lat, lng, 9, rings).unwrap(),
        keywords: kw.iter().map(|k| k.to_string()).collect(),
    }
}

fn at(lat: f64, lng: f64, region: &str, address: &str) -> Location {
    Location {
        region: region.into(),
        address: address.into(),
        lat: Some(lat),
        lng: Some(lng),
    }
}

proptest! {
    /// Two grids a few kilometres apart: a point near either centre lands in that grid, by its
    /// coordinates, whatever the address says.
    #[test]
    fn a_point_lands_in_the_grid_holding_it(
        lat in -60.0f64..60.0,
        lng in -170.0f64..170.0,
        dlat in -0.0004f64..0.0004,
        dlng in -0.0004f64..0.0004,
    ) {
        let a = shape("a", COMMUNITY, lat, lng, 2, &["幸福路"]);
        let b = shape("b", COMMUNITY, lat + 0.05, lng, 2, &["幸福路"]);
        prop_assert!(a.cells.iter().all(|c| !b.cells.contains(c)), "disjoint");
        let grids = [b.clone(), a.clone()];
        let (g, basis) = grid::place(&grids, &at(lat + dlat, lng + dlng, COMMUNITY, "幸福路1号"), &WORLD.dir).unwrap();
        prop_assert_eq!((g.id.as_str(), basis), ("a", GridBasis::Point));
        let (g, _) = grid::place(&grids, &at(lat + 0.05 + dlat, lng + dlng, COMMUNITY, ""), &WORLD.dir).unwrap();
        prop_assert_eq!(g.id.as_str(), "b");
        // Far from both: the address decides (here both match equally: the first id wins).
        let (g, basis) = grid::place(&grids, &at(lat + 1.0, lng, COMMUNITY, "幸福路1号"), &WORLD.dir).unwrap();
        prop_assert_eq!((g.id.as_str(), basis), ("a", GridBasis::Address));
    }
}

#[test]
fn address_keywords_longest_match_in_the_same_branch() {
    let grids = [
        shape("road", COMMUNITY, 30.0, 114.0, 0, &["幸福路"]),
        shape("estate", COMMUNITY, 30.1, 114.0, 0, &["幸福路花园"]),
        shape("elsewhere", XIHU, 30.2, 114.0, 0, &["幸福路花园3栋"]),
    ];
    let loc = |address: &str, region: &str| Location {
        region: region.into(),
        address: address.into(),
        lat: None,
        lng: None,
    };
    let place = |l: Location| grid::place(&grids, &l, &WORLD.dir).map(|(g, b)| (g.id.clone(), b));
    assert_eq!(
        place(loc("幸福路花园3栋201", COMMUNITY)),
        Some(("estate".into(), GridBasis::Address)),
        "the longer keyword; the Hangzhou grid is in another branch"
    );
    assert_eq!(
        place(loc("幸福路88号", TOWNSHIP)).map(|p| p.0),
        Some("road".into())
    );
    assert_eq!(place(loc("解放路1号", COMMUNITY)), None);
    assert_eq!(place(loc("", COMMUNITY)), None);
    // Out-of-range coordinates are ignored, not a panic.
    let mut l = loc("解放路1号", COMMUNITY);
    l.lat = Some(f64::NAN);
    l.lng = Some(500.0);
    assert_eq!(place(l), None);
}

#[test]
fn cells_are_checked() {
    let ok = grid::cells_around(30.5, 114.3, 9, 1).unwrap();
    assert_eq!(ok.len(), 7);
    assert_eq!(grid::check_cells(&ok, 9, 2000).unwrap(), ok);
    assert!(grid::check_cells(&ok, 8, 2000).is_err(), "wrong resolution");
    assert!(grid::check_cells(&ok, 9, 3).is_err(), "too many");
    assert!(grid::check_cells(&["zz".into()], 9, 10).is_err());
    assert!(grid::check_cells(&[], 9, 10).is_err());
    assert!(grid::cells_around(91.0, 0.0, 9, 1).is_err());
    assert!(grid::cells_around(30.0, 114.0, 16, 1).is_err());
    assert!(grid::cells_around(30.0, 114.0, 9, 21).is_err());
}

fn worker() -> Actor {
    Actor {
        user_id: None,
        name: "网格员".into(),
        role: Role::GridWorker,
        unit: None,
    }
}

fn in_grid(mut c: Case) -> Case {
    let e = Event::GridAssigned {
        grid: "g1".into(),
        basis: GridBasis::Point,
    };
    c.state = workflow::apply(Some(c.state.clone()), ID, c.state.updated_at, &e).unwrap();
    c.log
        .push((c.state.updated_at, Actor::system("placement"), e));
    c
}

#[test]
fn grid_worker_resolves_or_escalates_while_the_grid_holds_it() {
    let resolve = Command::ResolveOnSpot {
        note: "当场协调解决".into(),
    };
    let escalate = Command::EscalateToTownship {
        reason: "涉及多个部门".into(),
    };
    // Only a case placed in a grid, only a grid worker.
    let plain = petition_at("2026-03-02 10:00");
    plain.refuse(
        &worker(),
        "2026-03-02 11:00",
        &resolve,
        "not_allowed_in_state",
    );
    let mut c = in_grid(petition_at("2026-03-02 10:00"));
    for who in [
        coord(COUNTY),
        handler(TOWN),
        intake(COUNTY),
        Actor::citizen(),
    ] {
        c.refuse(&who, "2026-03-02 11:00", &resolve, "forbidden");
    }
    let mut c2 = c.clone();
    c.ok(&worker(), "2026-03-02 11:00", resolve.clone());
    c.at(Status::Closed, COUNTY);
    assert!(c.state.resolved_on_spot_at.is_some());
    assert_eq!(c.replayed(), c.state);
    // Escalation: to the township government's acceptance queue.
    c2.ok(&worker(), "2026-03-02 11:00", escalate.clone());
    c2.at(Status::AwaitingAcceptance, TOWN);
    c2.ok(&handler(TOWN), "2026-03-03 10:00", accept());
    // Once a unit holds it, the grid worker neither resolves nor escalates; visits go on.
    c2.refuse(
        &worker(),
        "2026-03-03 11:00",
        &resolve,
        "not_allowed_in_state",
    );
    c2.refuse(
        &worker(),
        "2026-03-03 11:00",
        &escalate,
        "not_allowed_in_state",
    );
    c2.ok(
        &worker(),
        "2026-03-04 10:00",
        Command::RecordSiteVisit {
            notes: "回访现场，已开始维修".into(),
            photos: vec![uuid::Uuid::from_u128(1)],
        },
    );
    assert_eq!(c2.state.visits.len(), 1);
    let too_many = Command::RecordSiteVisit {
        notes: "照片太多".into(),
        photos: (0..7).map(uuid::Uuid::from_u128).collect(),
    };
    c2.refuse(&worker(), "2026-03-04 11:00", &too_many, "invalid_field");
    // A hotline order resolved on the spot is answered, and still followed up by the centre.
    let mut h = in_grid(hotline_at("2026-03-02 10:00", CaseKind::Complaint, false));
    h.ok(&worker(), "2026-03-02 10:30", resolve);
    h.at(Status::Replied, HOTLINE);
    assert!(!h.state.status.is_terminal());
}

#[test]
fn no_township_above_no_escalation() {
    // A matter placed at county level has no township above it.
    let r = registration(Channel::Visit, CaseKind::Appeal, COUNTY, COUNTY_R);
    let c = in_grid(
        WORLD
            .register(&intake(COUNTY), "2026-03-02 10:00", r)
            .unwrap(),
    );
    c.refuse(
        &worker(),
        "2026-03-02 11:00",
        &Command::EscalateToTownship {
            reason: "需要上报".into(),
        },
        "no_township",
    );
}
