//! The petition and hotline deciders end to end, with the shipped policy and calendar and a small
//! directory: every transition, the refusals in every state, the statutory time limits (Civil
//! Code counting over holidays and 调休), the Zhejiang override, the refusals at the door, the
//! accusation rules and the event hash chain. Times are China time: `"2026-03-02 10:00"`.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use minsheng_core::DomainError;
use minsheng_core::access::{self, Actor, PetitionerVisibility, Role};
use minsheng_core::calendar::Calendar;
use minsheng_core::case::*;
use minsheng_core::deadline::{self, DeadlineKind as D, end_of_day, local_date};
use minsheng_core::event::{EventRecord, GENESIS, verify_chain};
use minsheng_core::policy::{Period, Policy, PolicySet, SHIPPED_POLICY};
use minsheng_core::region::{Directory, Level, Region, Topic, Unit, UnitKind};
use minsheng_core::workflow::{
    self, CaseState, Command, Context, Event, Opinion, PriorCase, PriorMatters, Registration,
};
use proptest::prelude::*;
use std::sync::{Arc, LazyLock};

// ---------------------------------------------------------------------------------------------
// The world: regions, units, policy, calendar.

const PROV: &str = "prov-xfj"; // 省信访局
const CITY: &str = "city-xfj"; // 市信访局
const COUNTY: &str = "county-xfj"; // 县信访局
const DEPT: &str = "county-zjj"; // 县住建局
const DISC: &str = "county-jw"; // 县纪委监委
const HOTLINE: &str = "city-12345"; // 市12345热线中心
const TOWN: &str = "town-gov"; // 镇人民政府
const ZJ_CITY: &str = "hz-xfj"; // 杭州市信访局
const ZJ_OFFICE: &str = "xihu-xfj"; // 西湖区信访局
const ZJ_DEPT: &str = "xihu-zjj"; // 西湖区住建局

const COUNTY_R: &str = "990102";
const TOWNSHIP: &str = "990102001";
const COMMUNITY: &str = "990102001001";
const XIHU: &str = "330106";

struct World {
    policy: Policy,
    cal: Calendar,
    dir: Directory,
}

static WORLD: LazyLock<World> = LazyLock::new(|| {
    use Level::*;
    use UnitKind::{Department, Discipline, Government, HotlineCenter, PetitionOffice};
    let region = |code: &str, level, parent: Option<&str>| Region {
        code: code.into(),
        name_zh: code.into(),
        name_en: code.into(),
        level,
        parent: parent.map(Into::into),
    };
    let unit = |id: &str, kind, region: &str| Unit {
        id: id.into(),
        name_zh: id.into(),
        name_en: id.into(),
        kind,
        region: region.into(),
    };
    let topic = |code: &str, parent: Option<&str>| Topic {
        code: code.into(),
        name_zh: code.into(),
        name_en: code.into(),
        parent: parent.map(Into::into),
    };
    let regions = vec![
        region("990000", Province, None),
        region("990100", City, Some("990000")),
        region(COUNTY_R, County, Some("990100")),
        region(TOWNSHIP, Township, Some(COUNTY_R)),
        region(COMMUNITY, Community, Some(TOWNSHIP)),
        region("330000", Province, None),
        region("330100", City, Some("330000")),
        region(XIHU, County, Some("330100")),
    ];
    let units = vec![
        unit(PROV, PetitionOffice, "990000"),
        unit(CITY, PetitionOffice, "990100"),
        unit(COUNTY, PetitionOffice, COUNTY_R),
        unit(DEPT, Department, COUNTY_R),
        unit(DISC, Discipline, COUNTY_R),
        unit(HOTLINE, HotlineCenter, "990100"),
        unit(TOWN, Government, TOWNSHIP),
        unit(ZJ_CITY, PetitionOffice, "330100"),
        unit(ZJ_OFFICE, PetitionOffice, XIHU),
        unit(ZJ_DEPT, Department, XIHU),
    ];
    let topics = vec![topic("01", None), topic("0101", Some("01"))];
    World {
        policy: Policy::shipped(),
        cal: Calendar::shipped(),
        dir: Directory::new(regions, units, topics, vec![]).expect("valid directory"),
    }
});

const ID: uuid::Uuid = uuid::Uuid::from_u128(0x0199_0000_0000_7000_8000_0000_0000_0001);

impl World {
    /// The policy for a matter located in `region`: national defaults plus overrides on its chain.
    fn policy_for(&self, region: &str) -> Arc<PolicySet> {
        self.policy.for_chain(&self.dir.chain(region))
    }

    fn register(&self, who: &Actor, when: &str, r: Registration) -> Result<Case, DomainError> {
        let (now, policy) = (t(when), self.policy_for(&r.location.region));
        let ctx = Context {
            policy: &policy,
            calendar: &self.cal,
            directory: &self.dir,
            actor: who,
            now,
        };
        let events = workflow::decide(None, &Command::Register(Box::new(r)), &ctx)?;
        let log: Vec<_> = events.into_iter().map(|e| (now, who.clone(), e)).collect();
        let state = workflow::replay(ID, log.iter().map(|(t, _, e)| (*t, e))).expect("registered");
        let seen = vec![state.clone()];
        Ok(Case {
            policy,
            state,
            log,
            seen,
        })
    }
}

/// A case under test: its state, its log (time, actor, event) and every state it went through.
#[derive(Clone)]
struct Case {
    policy: Arc<PolicySet>,
    state: CaseState,
    log: Vec<(DateTime<Utc>, Actor, Event)>,
    seen: Vec<CaseState>,
}

impl Case {
    /// Decides only.
    fn try_cmd(
        &self,
        who: &Actor,
        now: DateTime<Utc>,
        cmd: &Command,
    ) -> Result<Vec<Event>, DomainError> {
        let ctx = Context {
            policy: &self.policy,
            calendar: &WORLD.cal,
            directory: &WORLD.dir,
            actor: who,
            now,
        };
        workflow::decide(Some(&self.state), cmd, &ctx)
    }

    /// Decides and applies the events one by one.
    fn run(
        &mut self,
        who: &Actor,
        now: DateTime<Utc>,
        cmd: &Command,
    ) -> Result<Vec<Event>, DomainError> {
        let events = self.try_cmd(who, now, cmd)?;
        for e in &events {
            self.state = workflow::apply(Some(self.state.clone()), ID, now, e).expect("state");
            self.log.push((now, who.clone(), e.clone()));
        }
        self.seen.push(self.state.clone());
        Ok(events)
    }

    fn ok(&mut self, who: &Actor, when: &str, cmd: Command) -> Vec<Event> {
        let status = self.state.status;
        self.run(who, t(when), &cmd)
            .unwrap_or_else(|e| panic!("{} refused in {status:?}: {e:?}", cmd.name()))
    }

    /// Asserts the command is refused with `code` (a rule code, `forbidden`, …).
    fn refuse(&self, who: &Actor, when: &str, cmd: &Command, code: &str) {
        match self.try_cmd(who, t(when), cmd) {
            Ok(events) => panic!("{} by {} accepted: {events:?}", cmd.name(), who.name),
            Err(e) => assert_eq!(e.code(), code, "{} by {}: {e:?}", cmd.name(), who.name),
        }
    }

    fn status(&self) -> Status {
        self.state.status
    }

    /// Asserts the status and the unit holding the case.
    fn at(&self, status: Status, unit: &str) {
        assert_eq!(
            (self.status(), self.state.current_unit.as_str()),
            (status, unit)
        );
    }

    fn last_day(&self, kind: D) -> NaiveDate {
        deadline::due(&self.state, kind, &self.policy, &WORLD.cal)
            .unwrap()
            .last_day
    }

    fn due_on(&self, kind: D, last_day: &str) {
        assert_eq!(self.last_day(kind), day(last_day), "{kind:?}");
    }

    fn replayed(&self) -> CaseState {
        workflow::replay(ID, self.log.iter().map(|(t, _, e)| (*t, e))).unwrap()
    }
}

// ---------------------------------------------------------------------------------------------
// Small helpers: time, actors, registrations, commands.

fn t(s: &str) -> DateTime<Utc> {
    let rfc = format!("{}:00+08:00", s.replace(' ', "T"));
    DateTime::parse_from_rfc3339(&rfc)
        .unwrap()
        .with_timezone(&Utc)
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn staff(role: Role, unit: &str) -> Actor {
    let name = format!("{}@{unit}", role.as_str());
    Actor {
        user_id: None,
        name,
        role,
        unit: Some(unit.into()),
    }
}
fn coord(unit: &str) -> Actor {
    staff(Role::Coordinator, unit)
}
fn intake(unit: &str) -> Actor {
    staff(Role::Intake, unit)
}
fn handler(unit: &str) -> Actor {
    staff(Role::Handler, unit)
}

fn registration(channel: Channel, kind: CaseKind, office: &str, region: &str) -> Registration {
    Registration {
        channel,
        flow: None,
        kind,
        urgent: false,
        title: "小区路灯损坏".into(),
        request: "请尽快修复小区路灯".into(),
        facts_reasons: "路灯已坏两个月".into(),
        topic: "0101".into(),
        location: Location {
            region: region.into(),
            address: "幸福路1号".into(),
            lat: None,
            lng: None,
        },
        petitioner: PetitionerRef {
            id: uuid::Uuid::from_u128(7),
            anonymous: false,
            name_masked: "张*".into(),
            phone_masked: Some("138****5678".into()),
            organisation: false,
            notify: None,
        },
        group_size: 1,
        representatives: 1,
        office_unit: office.into(),
        accused_unit: None,
        about_officials: false,
        query_code_hash: "hash".into(),
        prior: PriorMatters::default(),
    }
}

/// A visit to the county petition office about a township matter.
fn petition_at(when: &str) -> Case {
    let r = registration(Channel::Visit, CaseKind::Appeal, COUNTY, TOWNSHIP);
    WORLD.register(&intake(COUNTY), when, r).unwrap()
}

/// A 12345 call of `kind` taken by the exchange.
fn hotline_at(when: &str, kind: CaseKind, urgent: bool) -> Case {
    let mut r = registration(Channel::Hotline12345, kind, HOTLINE, COUNTY_R);
    r.urgent = urgent;
    WORLD.register(&Actor::system("12345"), when, r).unwrap()
}

fn transfer(to: &str, mode: TransferMode) -> Command {
    Command::Transfer {
        to_unit: to.into(),
        mode,
        note: String::new(),
        report_required: false,
    }
}
fn accept() -> Command {
    Command::Accept {
        notice: "予以受理".into(),
    }
}
fn decline() -> Command {
    Command::Decline {
        reason: "不属于信访受理范围".into(),
    }
}
fn object() -> Command {
    Command::Object {
        reason: "不属于本单位职责".into(),
    }
}
fn extend(days: u32) -> Command {
    Command::Extend {
        days,
        approver: "王局长".into(),
        reason: "情况复杂需要调查".into(),
    }
}
fn opinion() -> Command {
    Command::IssueOpinion(Opinion {
        request: "修复路灯".into(),
        facts_reasons: "经查属实".into(),
        opinion: "已安排维修".into(),
        legal_basis: "《城市照明管理规定》".into(),
        outcome: Outcome::Support,
    })
}
fn rate(rating: &str) -> Command {
    Command::Rate {
        rating: rating.into(),
        comment: String::new(),
    }
}
fn request_review() -> Command {
    Command::RequestReview {
        reason: "对处理意见不服".into(),
    }
}
fn decide_review() -> Command {
    Command::DecideReview {
        outcome: ReviewOutcome::Uphold,
        opinion: "维持原处理意见".into(),
    }
}
fn request_rereview() -> Command {
    Command::RequestReReview {
        reason: "对复查意见不服".into(),
    }
}
fn hearing(days: u32) -> Command {
    Command::RecordHearing {
        days,
        summary: "公开听证".into(),
    }
}
fn decide_rereview() -> Command {
    Command::DecideReReview {
        outcome: ReviewOutcome::Uphold,
        opinion: "维持复查意见".into(),
    }
}
fn close() -> Command {
    Command::Close {
        reason: "期限届满未申请".into(),
    }
}
fn answer() -> Command {
    Command::AnswerDirectly {
        answer: "工作日九点至五点办理".into(),
    }
}
fn emergency(service: EmergencyService) -> Command {
    Command::EmergencyTransfer {
        service,
        note: String::new(),
    }
}
fn dispatch(to: &str) -> Command {
    Command::Dispatch {
        to_unit: to.into(),
        note: String::new(),
    }
}
fn ret() -> Command {
    Command::Return {
        reason: "不属于本单位职责".into(),
    }
}
fn approve_complex() -> Command {
    Command::ApproveComplex {
        approver: "中心主任".into(),
        reason: "涉及多个部门".into(),
    }
}
fn reply() -> Command {
    Command::Reply {
        content: "路灯已修复".into(),
    }
}
fn follow_up(rating: &str, resolved: bool) -> Command {
    Command::FollowUp {
        rating: rating.into(),
        resolved,
        note: String::new(),
    }
}
fn reopen() -> Command {
    Command::Reopen {
        reason: "问题仍未解决".into(),
    }
}
fn reveal() -> Command {
    Command::RevealPersonalData {
        field: "phone".into(),
        purpose: "回访联系".into(),
    }
}

// ---------------------------------------------------------------------------------------------
// 1. The petition flow, every transition (with its side branches).

fn petition_story() -> Vec<CaseState> {
    let citizen = Actor::citizen();
    let mut branches = Vec::new();
    let mut c = petition_at("2026-03-02 10:00"); // Monday
    c.at(Status::Registered, COUNTY);
    assert!(!c.state.skip_level);
    c.due_on(D::Transfer, "2026-03-17"); // 15 days

    // 诉访分离 from Registered.
    let mut diverted = c.clone();
    let divert = Command::Divert {
        route: LegalRoute::Litigation,
        guidance: "请依法提起诉讼".into(),
    };
    diverted.refuse(&handler(DEPT), "2026-03-03 10:00", &divert, "forbidden");
    diverted.ok(&coord(COUNTY), "2026-03-03 10:00", divert);
    assert_eq!(diverted.status(), Status::Diverted);
    branches.push(diverted);

    // Transferred to the township, which may accept, decline, or object within 5 working days.
    let to_town = transfer(TOWN, TransferMode::Transfer);
    c.refuse(&intake(COUNTY), "2026-03-05 10:00", &to_town, "forbidden");
    c.refuse(&coord(CITY), "2026-03-05 10:00", &to_town, "forbidden");
    c.ok(&coord(COUNTY), "2026-03-05 10:00", to_town);
    c.at(Status::AwaitingAcceptance, TOWN);
    c.due_on(D::AcceptanceNotice, "2026-03-20"); // 15 days
    c.due_on(D::Objection, "2026-03-12"); // 5 working days
    c.refuse(&handler(DEPT), "2026-03-06 10:00", &object(), "forbidden");
    c.refuse(
        &handler(TOWN),
        "2026-03-13 00:00",
        &object(),
        "objection_too_late",
    );
    for (cmd, status) in [(accept(), Status::Handling), (decline(), Status::Declined)] {
        let mut b = c.clone();
        b.ok(&handler(TOWN), "2026-03-06 10:00", cmd);
        assert_eq!(b.status(), status);
        branches.push(b);
    }
    c.ok(&handler(TOWN), "2026-03-12 23:59", object());
    c.at(Status::Registered, COUNTY);
    c.due_on(D::Transfer, "2026-03-27"); // counted again from the return

    // Assigned to the county department, which accepts: 60 days.
    c.ok(
        &coord(COUNTY),
        "2026-03-13 10:00",
        transfer(DEPT, TransferMode::Assign),
    );
    c.due_on(D::AcceptanceNotice, "2026-03-30"); // Sat 28th → Mon 30th
    c.due_on(D::Objection, "2026-03-20");
    c.ok(&handler(DEPT), "2026-03-16 10:00", accept());
    c.at(Status::Handling, DEPT);
    assert_eq!(c.state.units_involved, [COUNTY, TOWN, DEPT]);
    c.due_on(D::Handling, "2026-05-15");

    let mut settled = c.clone();
    let settle = Command::Settle {
        mediation: true,
        summary: "双方达成调解协议".into(),
    };
    settled.ok(&handler(DEPT), "2026-04-01 10:00", settle);
    assert_eq!(settled.status(), Status::Closed);
    branches.push(settled);

    // One extension of at most 30 days.
    c.refuse(
        &handler(DEPT),
        "2026-05-10 10:00",
        &extend(31),
        "extension_too_long",
    );
    c.refuse(
        &handler(DEPT),
        "2026-05-10 10:00",
        &extend(0),
        "extension_too_long",
    );
    c.refuse(&handler(TOWN), "2026-05-10 10:00", &extend(30), "forbidden");
    c.ok(&handler(DEPT), "2026-05-10 10:00", extend(30));
    c.due_on(D::Handling, "2026-06-15"); // 90 days: Sun 14th → Mon 15th
    c.refuse(
        &handler(DEPT),
        "2026-05-11 10:00",
        &extend(1),
        "extension_limit",
    );

    // The opinion, its rating, and the 30-day review window.
    c.ok(&handler(DEPT), "2026-06-01 10:00", opinion());
    assert_eq!(c.status(), Status::Answered);
    c.due_on(D::ReviewRequest, "2026-07-01");
    c.ok(&citizen, "2026-06-02 10:00", rate("basically_satisfied"));
    c.refuse(
        &citizen,
        "2026-06-02 11:00",
        &rate("satisfied"),
        "already_rated",
    );
    c.refuse(
        &citizen,
        "2026-06-02 11:00",
        &rate("great"),
        "unknown_reference",
    );
    c.refuse(
        &citizen,
        "2026-07-02 00:00",
        &request_review(),
        "review_window_passed",
    );
    assert!(
        c.try_cmd(&citizen, t("2026-07-01 23:59"), &request_review())
            .is_ok()
    );
    c.refuse(
        &coord(COUNTY),
        "2026-07-01 23:59",
        &close(),
        "window_still_open",
    );
    let mut lapsed = c.clone();
    lapsed.ok(&coord(COUNTY), "2026-07-02 00:00", close());
    assert_eq!(lapsed.status(), Status::Final);
    branches.push(lapsed);

    // Review by the office one level up: 30 days.
    c.ok(&citizen, "2026-06-20 10:00", request_review());
    c.at(Status::UnderReview, CITY);
    c.due_on(D::ReviewDecision, "2026-07-20");
    c.refuse(
        &handler(DEPT),
        "2026-07-10 10:00",
        &decide_review(),
        "forbidden",
    );
    c.ok(&coord(CITY), "2026-07-10 10:00", decide_review());
    assert_eq!(c.status(), Status::Reviewed);
    c.due_on(D::ReReviewRequest, "2026-08-10"); // Sun 9th → Mon 10th
    c.ok(&citizen, "2026-07-11 10:00", rate("unsatisfied"));
    assert_eq!(c.state.ratings.last().unwrap().stage, "review");
    c.refuse(
        &citizen,
        "2026-08-11 00:00",
        &request_rereview(),
        "rereview_window_passed",
    );
    let mut lapsed = c.clone();
    lapsed.ok(&coord(CITY), "2026-08-11 00:00", close());
    assert_eq!(lapsed.status(), Status::Final);
    branches.push(lapsed);

    // Re-review one more level up: 30 days, hearing days not counted.
    c.ok(&citizen, "2026-08-03 10:00", request_rereview());
    c.at(Status::UnderReReview, PROV);
    c.due_on(D::ReReviewDecision, "2026-09-02");
    c.refuse(
        &coord(PROV),
        "2026-08-20 10:00",
        &hearing(0),
        "invalid_field",
    );
    c.refuse(
        &coord(PROV),
        "2026-08-20 10:00",
        &hearing(91),
        "invalid_field",
    );
    c.ok(&coord(PROV), "2026-08-20 10:00", hearing(10));
    c.ok(&coord(PROV), "2026-08-25 10:00", hearing(20));
    c.due_on(D::ReReviewDecision, "2026-10-08"); // 60 days = Oct 2nd, National Day
    c.ok(&coord(PROV), "2026-09-20 10:00", decide_rereview());
    assert_eq!(c.status(), Status::Final);
    assert_eq!(c.state.closed_at, Some(t("2026-09-20 10:00")));
    c.ok(&citizen, "2026-09-21 10:00", rate("satisfied"));
    assert_eq!(c.state.ratings.last().unwrap().stage, "rereview");
    c.refuse(
        &citizen,
        "2026-09-22 10:00",
        &request_review(),
        "not_allowed_in_state",
    );

    // Applying one by one and replaying the log give the same projection.
    assert_eq!(c.replayed(), c.state);
    assert_eq!(c.state.version, c.log.len() as u64);
    branches.push(c);
    branches.into_iter().flat_map(|b| b.seen).collect()
}

#[test]
fn petition_flow_every_transition() {
    let states = petition_story();
    use Status::*;
    for s in [
        Registered,
        Diverted,
        AwaitingAcceptance,
        Declined,
        Handling,
        Closed,
        Answered,
        UnderReview,
        Reviewed,
        UnderReReview,
        Final,
    ] {
        assert!(states.iter().any(|x| x.status == s), "{s:?} not reached");
    }
}

// ---------------------------------------------------------------------------------------------
// 2. The hotline flow, every transition (with its side branches).

fn hotline_story() -> Vec<CaseState> {
    let desk = intake(HOTLINE);
    let mut branches = Vec::new();

    // A consultation answered on the call, then followed up.
    let mut q = hotline_at("2026-03-02 10:00", CaseKind::Consultation, false);
    assert_eq!(
        (q.state.flow, q.status()),
        (Flow::Hotline, Status::Registered)
    );
    q.ok(&desk, "2026-03-02 10:05", answer());
    assert_eq!(q.status(), Status::Replied);
    let mut unhappy = q.clone();
    q.ok(&desk, "2026-03-03 10:00", follow_up("satisfied", true));
    assert_eq!(q.status(), Status::Closed);
    unhappy.ok(&desk, "2026-03-03 10:00", follow_up("unsatisfied", false));
    unhappy.refuse(&desk, "2026-03-03 11:00", &reopen(), "reopen_needs_unit");
    branches.extend([q, unhappy]);

    // Emergencies are handed to 110/119/120/122 and closed here.
    for service in EmergencyService::ALL {
        let mut e = hotline_at("2026-03-02 10:00", CaseKind::Help, true);
        e.ok(&desk, "2026-03-02 10:01", emergency(*service));
        assert_eq!(
            (e.status(), e.state.emergency),
            (Status::Closed, Some(*service))
        );
        branches.push(e);
    }

    // A complaint is not answered directly: dispatch, sign for, return, re-dispatch (改派).
    let mut c = hotline_at("2026-03-02 10:00", CaseKind::Complaint, false);
    c.refuse(
        &desk,
        "2026-03-02 10:05",
        &answer(),
        "direct_answer_consultation_only",
    );
    c.refuse(
        &desk,
        "2026-03-02 10:30",
        &dispatch(HOTLINE),
        "invalid_field",
    );
    c.refuse(
        &intake(COUNTY),
        "2026-03-02 10:30",
        &dispatch(DEPT),
        "forbidden",
    );
    c.ok(&desk, "2026-03-02 10:30", dispatch(DEPT));
    c.at(Status::Dispatched, DEPT);
    c.refuse(
        &handler(TOWN),
        "2026-03-02 11:00",
        &Command::SignFor,
        "forbidden",
    );
    c.ok(&handler(DEPT), "2026-03-02 11:00", Command::SignFor);
    c.at(Status::InProgress, DEPT);
    c.ok(&handler(DEPT), "2026-03-02 14:00", ret());
    c.at(Status::Returned, HOTLINE);
    let mut rerouted = c.clone();
    rerouted.ok(
        &desk,
        "2026-03-02 14:10",
        emergency(EmergencyService::Traffic122),
    );
    assert_eq!(rerouted.status(), Status::Closed);
    branches.push(rerouted);
    c.ok(&desk, "2026-03-02 14:30", dispatch(TOWN));
    c.at(Status::Dispatched, TOWN);
    c.ok(&handler(TOWN), "2026-03-03 09:00", Command::SignFor);

    // Approved as complex: 15 working days from registration instead of 5.
    c.due_on(D::HotlineReply, "2026-03-09");
    c.ok(&desk, "2026-03-03 10:00", approve_complex());
    c.due_on(D::HotlineReply, "2026-03-23");
    c.refuse(
        &desk,
        "2026-03-03 11:00",
        &approve_complex(),
        "already_complex",
    );

    // Reply; unsatisfied follow-up; reopen to the same unit with a fresh clock.
    c.ok(&handler(TOWN), "2026-03-10 10:00", reply());
    assert_eq!(c.status(), Status::Replied);
    c.refuse(
        &desk,
        "2026-03-10 11:00",
        &reopen(),
        "reopen_needs_unsatisfied",
    );
    let events = c.ok(&desk, "2026-03-11 09:00", follow_up("unsatisfied", false));
    assert_eq!(events.len(), 1, "no closure when unsatisfied");
    assert_eq!(c.status(), Status::Replied);
    c.refuse(
        &desk,
        "2026-03-11 09:30",
        &follow_up("satisfied", true),
        "already_followed_up",
    );
    let mut closed = c.clone();
    closed.ok(&desk, "2026-03-11 10:00", close());
    assert_eq!(closed.status(), Status::Closed);
    branches.push(closed);
    c.ok(&desk, "2026-03-11 10:00", reopen());
    c.at(Status::Dispatched, TOWN);
    assert_eq!(
        (c.state.reopen_count, c.state.clock_started_at),
        (1, t("2026-03-11 10:00"))
    );
    c.due_on(D::HotlineReply, "2026-04-01"); // 15 working days from the reopen
    c.ok(&handler(TOWN), "2026-03-11 11:00", Command::SignFor);
    c.ok(&handler(TOWN), "2026-03-20 10:00", reply());
    let events = c.ok(&desk, "2026-03-21 10:00", follow_up("satisfied", true));
    assert!(matches!(
        events.as_slice(),
        [Event::FollowedUp { .. }, Event::Closed { .. }]
    ));
    assert_eq!(c.status(), Status::Closed);
    assert_eq!(c.replayed(), c.state);
    branches.push(c);
    branches.into_iter().flat_map(|b| b.seen).collect()
}

#[test]
fn hotline_flow_every_transition() {
    let states = hotline_story();
    use Status::*;
    for s in [
        Registered, Dispatched, InProgress, Returned, Replied, Closed,
    ] {
        assert!(states.iter().any(|x| x.status == s), "{s:?} not reached");
    }
}

/// A reopened order goes back to the unit that replied, even after re-dispatch A → B → A.
#[test]
fn reopen_goes_back_to_the_unit_that_replied() {
    let desk = intake(HOTLINE);
    let mut c = hotline_at("2026-03-02 10:00", CaseKind::Help, false);
    c.ok(&desk, "2026-03-02 10:10", dispatch(DEPT));
    c.ok(&handler(DEPT), "2026-03-02 10:20", ret());
    c.ok(&desk, "2026-03-02 10:30", dispatch(TOWN));
    c.ok(&handler(TOWN), "2026-03-02 10:40", ret());
    c.ok(&desk, "2026-03-02 10:50", dispatch(DEPT));
    c.ok(&handler(DEPT), "2026-03-02 11:00", Command::SignFor);
    c.ok(&handler(DEPT), "2026-03-03 10:00", reply());
    c.ok(&desk, "2026-03-04 10:00", follow_up("unsatisfied", false));
    c.ok(&desk, "2026-03-04 11:00", reopen());
    c.at(Status::Dispatched, DEPT);
}

/// Which follow-up options are unsatisfied is policy; the projection must agree with the
/// decider, or an order rated with such an option (and not closed) can never be reopened.
#[test]
fn reopen_follows_the_policy_unsatisfied_options() {
    let extra = "\n[[rating.options]]\ncode = \"very_unsatisfied\"\nzh = \"非常不满意\"\n\
                 en = \"Very unsatisfied\"\nunsatisfied = true\n\n[[override]]\n";
    let policy = Policy::from_toml(&SHIPPED_POLICY.replace("\n[[override]]\n", extra)).unwrap();
    let desk = intake(HOTLINE);
    let mut c = hotline_at("2026-03-02 10:00", CaseKind::Help, false);
    c.policy = policy.for_chain(&WORLD.dir.chain(COUNTY_R));
    c.ok(&desk, "2026-03-02 10:10", dispatch(DEPT));
    c.ok(&handler(DEPT), "2026-03-02 10:20", Command::SignFor);
    c.ok(&handler(DEPT), "2026-03-03 10:00", reply());
    let events = c.ok(
        &desk,
        "2026-03-04 10:00",
        follow_up("very_unsatisfied", true),
    );
    assert_eq!(events.len(), 1, "unsatisfied: not closed");
    assert!(c.state.last_followup_unsatisfied);
    c.ok(&desk, "2026-03-04 11:00", reopen());
}

// ---------------------------------------------------------------------------------------------
// 3. Commands × reachable states: typed refusals, never a panic.

fn sample_commands() -> Vec<Command> {
    let reg = registration(Channel::Visit, CaseKind::Appeal, COUNTY, TOWNSHIP);
    let divert = Command::Divert {
        route: LegalRoute::Arbitration,
        guidance: "请申请仲裁".into(),
    };
    let settle = Command::Settle {
        mediation: false,
        summary: "双方自行和解".into(),
    };
    vec![
        Command::Register(Box::new(reg)),
        divert,
        transfer(DEPT, TransferMode::Transfer),
        accept(),
        decline(),
        object(),
        extend(10),
        opinion(),
        settle,
        rate("satisfied"),
        request_review(),
        decide_review(),
        request_rereview(),
        hearing(5),
        decide_rereview(),
        answer(),
        emergency(EmergencyService::Fire119),
        dispatch(DEPT),
        Command::SignFor,
        ret(),
        approve_complex(),
        reply(),
        follow_up("satisfied", true),
        reopen(),
        close(),
        reveal(),
    ]
}

/// The commands each state takes (besides the audit-only reveal, taken everywhere).
fn allowed(flow: Flow, status: Status) -> &'static [&'static str] {
    use Status::*;
    match (flow, status) {
        (Flow::Petition, Registered) => &["divert", "transfer"],
        (Flow::Petition, AwaitingAcceptance) => &["accept", "decline", "object"],
        (Flow::Petition, Handling) => &["extend", "issue_opinion", "settle"],
        (Flow::Petition, Answered) => &["rate", "request_review", "close"],
        (Flow::Petition, UnderReview) => &["decide_review"],
        (Flow::Petition, Reviewed) => &["rate", "request_rereview", "close"],
        (Flow::Petition, UnderReReview) => &["record_hearing", "decide_rereview"],
        (Flow::Petition, Final) => &["rate"],
        (Flow::Hotline, Registered) => &["answer_directly", "emergency_transfer", "dispatch"],
        (Flow::Hotline, Returned) => &["emergency_transfer", "dispatch"],
        (Flow::Hotline, Dispatched) => &["sign_for", "return", "approve_complex"],
        (Flow::Hotline, InProgress) => &["return", "approve_complex", "reply"],
        (Flow::Hotline, Replied) => &["follow_up", "reopen", "close"],
        _ => &[],
    }
}

fn all_actors() -> Vec<Actor> {
    let mut actors = vec![Actor::citizen(), Actor::system("job")];
    for unit in [PROV, CITY, COUNTY, DEPT, DISC, HOTLINE, TOWN] {
        for role in [Role::Intake, Role::Coordinator, Role::Handler] {
            actors.push(staff(role, unit));
        }
    }
    actors.extend([staff(Role::Supervisor, CITY), staff(Role::Admin, PROV)]);
    actors
}

#[test]
fn every_command_in_every_reachable_state() {
    let commands = sample_commands();
    let mut names: Vec<_> = commands.iter().map(Command::name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), 26, "one sample of every command");
    let supervisor = staff(Role::Supervisor, CITY);
    let actors = all_actors();
    let mut states = petition_story();
    states.extend(hotline_story());
    for s in &states {
        let policy = WORLD.policy_for(&s.location.region);
        let case = Case {
            policy,
            state: s.clone(),
            log: vec![],
            seen: vec![],
        };
        let now = s.updated_at + Duration::hours(1);
        let takes = allowed(s.flow, s.status);
        assert!(!s.status.is_terminal() || s.status == Status::Final || takes.is_empty());
        for cmd in &commands {
            let name = cmd.name();
            let here = takes.contains(&name) || name == "reveal_personal_data";
            for a in &actors {
                let r = case.try_cmd(a, now, cmd);
                let what = format!("{:?} {:?}: {name} by {}", s.flow, s.status, a.name);
                match r {
                    Err(DomainError::NotAllowedInState { command, status }) => {
                        assert!(!here, "{what}");
                        assert_eq!((command, status), (name, s.status.as_str()), "{what}");
                    }
                    Err(e) => assert!(
                        here && matches!(
                            e,
                            DomainError::Forbidden { .. }
                                | DomainError::Rule { .. }
                                | DomainError::Invalid { .. }
                        ),
                        "{what}: {e:?}"
                    ),
                    Ok(_) => assert!(here, "{what}"),
                }
            }
            // Nobody's role lets a supervisor act on a case: where the state takes the command,
            // the refusal is Forbidden.
            if here {
                let r = case.try_cmd(&supervisor, now, cmd);
                assert_eq!(r, Err(DomainError::Forbidden { command: name }));
                // Analysts never act, whatever their unit: the refusal is the role's.
                for unit in [PROV, CITY, COUNTY, DEPT, DISC, HOTLINE, TOWN] {
                    let r = case.try_cmd(&staff(Role::Analyst, unit), now, cmd);
                    assert_eq!(r, Err(DomainError::Forbidden { command: name }), "{unit}");
                }
            }
        }
    }
}

proptest! {
    /// Random commands by whoever may issue them, at random times: decisions never panic, the
    /// projection always equals the replayed log, terminal states stay put and the extension
    /// limits hold. Steps into a terminal state are mostly skipped so that walks go deep.
    #[test]
    fn random_walks_keep_the_projection_consistent(
        hotline in any::<bool>(),
        steps in prop::collection::vec((0usize..30, 0i64..72, prop::bool::weighted(0.1)), 1..80),
    ) {
        let mut commands = sample_commands();
        commands.extend([
            transfer(TOWN, TransferMode::Assign),
            dispatch(TOWN),
            follow_up("unsatisfied", false),
            extend(30),
        ]);
        let actors = all_actors();
        let mut c = if hotline {
            hotline_at("2026-03-02 10:00", CaseKind::Complaint, false)
        } else {
            petition_at("2026-03-02 10:00")
        };
        let mut now = c.state.registered_at;
        for (i, hours, may_end) in steps {
            now += Duration::hours(hours);
            let cmd = &commands[i % commands.len()];
            let before = c.status();
            if let Some(a) = actors.iter().find(|a| c.try_cmd(a, now, cmd).is_ok()) {
                let mut next = c.clone();
                next.run(a, now, cmd).unwrap();
                if may_end || !next.status().is_terminal() {
                    c = next;
                }
            }
            let s = &c.state;
            prop_assert_eq!(s.version, c.log.len() as u64);
            prop_assert!(s.extension_days() <= 30 && s.extensions.len() <= 1);
            if before.is_terminal() {
                prop_assert_eq!(s.status, before);
            }
            let _ = deadline::active(s, &c.policy, &WORLD.cal);
        }
        prop_assert_eq!(c.replayed(), c.state);
    }
}

// ---------------------------------------------------------------------------------------------
// 4. Deadline rules.

#[test]
fn national_petition_periods() {
    let p = WORLD.policy_for(TOWNSHIP);
    let p = &p.petition;
    let (days, wd) = (Period::Days, Period::WorkingDays);
    assert_eq!(
        (p.transfer, p.acceptance_notice, p.objection),
        (days(15), days(15), wd(5))
    );
    assert_eq!(
        (p.handling, p.extension_max, p.max_extensions),
        (days(60), days(30), 1)
    );
    assert_eq!(
        (p.review_request_window, p.review_decision),
        (days(30), days(30))
    );
    assert_eq!(
        (p.rereview_request_window, p.rereview_decision),
        (days(30), days(30))
    );
}

#[test]
fn objection_window_spans_national_day() {
    let mut c = petition_at("2026-09-22 10:00");
    c.ok(
        &coord(COUNTY),
        "2026-09-24 10:00",
        transfer(DEPT, TransferMode::Transfer),
    );
    // Fri 25th–Sun 27th off, 28th–30th work, Oct 1st–7th off, 8th and 9th work.
    c.due_on(D::Objection, "2026-10-09");
    c.due_on(D::AcceptanceNotice, "2026-10-09");
    c.refuse(
        &handler(DEPT),
        "2026-10-10 09:00",
        &object(),
        "objection_too_late",
    );
    c.ok(&handler(DEPT), "2026-10-09 17:00", object());
}

#[test]
fn hotline_tiers() {
    let start = "2026-03-02 10:00"; // Monday
    let urgent = hotline_at(start, CaseKind::Help, true);
    let due = deadline::due(&urgent.state, D::HotlineReply, &urgent.policy, &WORLD.cal).unwrap();
    assert_eq!(due.due, t("2026-03-02 12:00"), "urgent: 2 hours");
    for (kind, last_day) in [
        (CaseKind::Consultation, "2026-03-05"), // 3 working days
        (CaseKind::Help, "2026-03-09"),         // 5
        (CaseKind::Complaint, "2026-03-09"),    // 5
        (CaseKind::Report, "2026-03-09"),       // 5
        (CaseKind::Suggestion, "2026-03-11"),   // 7
    ] {
        hotline_at(start, kind, false).due_on(D::HotlineReply, last_day);
    }
    // A consultation on the eve of National Day: Oct 8th, 9th and the make-up Saturday 10th.
    hotline_at("2026-09-30 10:00", CaseKind::Consultation, false)
        .due_on(D::HotlineReply, "2026-10-10");
    // An urgent order cannot be moved to the complex tier.
    let mut u = hotline_at(start, CaseKind::Help, true);
    u.ok(&intake(HOTLINE), "2026-03-02 10:10", dispatch(DEPT));
    u.refuse(
        &intake(HOTLINE),
        "2026-03-02 10:20",
        &approve_complex(),
        "urgent_not_complex",
    );
}

/// A region may allow two extensions; a huge second request must be refused, not overflow.
#[test]
fn huge_extension_is_refused_not_overflowed() {
    let two = SHIPPED_POLICY.replace("max_extensions = 1", "max_extensions = 2");
    let policy = Policy::from_toml(&two).unwrap();
    let mut c = petition_at("2026-03-02 10:00");
    c.policy = policy.for_chain(&WORLD.dir.chain(TOWNSHIP));
    c.ok(
        &coord(COUNTY),
        "2026-03-03 10:00",
        transfer(DEPT, TransferMode::Transfer),
    );
    c.ok(&handler(DEPT), "2026-03-04 10:00", accept());
    c.ok(&handler(DEPT), "2026-03-10 10:00", extend(10));
    c.refuse(
        &handler(DEPT),
        "2026-03-11 10:00",
        &extend(u32::MAX),
        "extension_too_long",
    );
}

// ---------------------------------------------------------------------------------------------
// 5. Properties of the counting.

/// Random start instants from 2025-01-01 00:00 China time over `SPAN` (to 2026-10-31).
fn instant(secs: i64) -> DateTime<Utc> {
    t("2025-01-01 00:00") + Duration::seconds(secs)
}
const SPAN: i64 = 668 * 24 * 3600;

proptest! {
    #[test]
    fn working_day_periods_land_on_working_days(secs in 0..SPAN, n in 1u32..=30) {
        let (cal, start) = (&WORLD.cal, instant(secs));
        let d = deadline::compute(D::Objection, Period::WorkingDays(n), 0, start, cal).unwrap();
        prop_assert!(cal.is_working_day(d.last_day).unwrap());
        prop_assert_eq!(d.due, end_of_day(d.last_day));
        let (mut x, mut count) = (local_date(start), 0);
        while x < d.last_day {
            x = x.succ_opt().unwrap();
            count += u32::from(cal.is_working_day(x).unwrap());
        }
        prop_assert_eq!(count, n);
    }

    #[test]
    fn day_periods_end_on_the_first_working_day_from_start_plus_n(secs in 0..SPAN, n in 1u32..=60) {
        let (cal, start) = (&WORLD.cal, instant(secs));
        let d = deadline::compute(D::Handling, Period::Days(n), 0, start, cal).unwrap();
        let nominal = local_date(start) + chrono::Days::new(u64::from(n));
        prop_assert!(!d.provisional);
        prop_assert!(cal.is_working_day(d.last_day).unwrap());
        prop_assert!(d.last_day >= nominal);
        let mut x = nominal;
        while x < d.last_day {
            prop_assert!(!cal.is_working_day(x).unwrap(), "{} skipped but working", x);
            x = x.succ_opt().unwrap();
        }
    }

    #[test]
    fn hour_periods_run_from_the_instant(secs in 0..SPAN, h in 1u32..=72) {
        let start = instant(secs);
        let d = deadline::compute(D::HotlineReply, Period::Hours(h), 0, start, &WORLD.cal).unwrap();
        prop_assert_eq!(d.due, start + Duration::hours(i64::from(h)));
    }

    /// Any sequence of extension requests: never more than the policy allows, a valid first
    /// request in time is granted, and the handling deadline never passes 60 + 30 days.
    #[test]
    fn extensions_stay_within_policy(
        secs in 0..(600 * 24 * 3600i64),
        requests in prop::collection::vec((0u32..100, 0i64..30 * 24), 1..6),
    ) {
        let registered = instant(secs);
        let when = |x: DateTime<Utc>| x.with_timezone(&deadline::china()).format("%F %R").to_string();
        let r = registration(Channel::Letter, CaseKind::Appeal, COUNTY, TOWNSHIP);
        let mut c = WORLD.register(&intake(COUNTY), &when(registered), r).unwrap();
        let accepted = t(&when(registered)) + Duration::hours(2);
        c.ok(&coord(COUNTY), &when(accepted - Duration::hours(1)), transfer(DEPT, TransferMode::Transfer));
        c.ok(&handler(DEPT), &when(accepted), accept());
        let limit = WORLD.cal.add_days(local_date(accepted), 60 + 30).unwrap();
        let mut now = accepted;
        for (days, hours) in requests {
            now += Duration::hours(hours);
            let due = deadline::due(&c.state, D::Handling, &c.policy, &WORLD.cal).unwrap();
            let grantable = c.state.extensions.is_empty() && (1..=30).contains(&days) && now < due.due;
            match c.run(&handler(DEPT), now, &extend(days)) {
                Ok(_) => prop_assert!(grantable),
                Err(e) => {
                    prop_assert!(!grantable, "refused: {:?}", e);
                    let expected = ["extension_limit", "extension_too_long", "extension_after_deadline"];
                    prop_assert!(expected.contains(&e.code()), "{:?}", e);
                }
            }
            prop_assert!(c.state.extension_days() <= 30 && c.state.extensions.len() <= 1);
            prop_assert!(c.last_day(D::Handling) <= limit);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 6. Civil Code counting over holidays and 调休.

#[test]
fn civil_code_counting_examples() {
    let last = |start: &str, period| {
        deadline::compute(D::Transfer, period, 0, t(start), &WORLD.cal)
            .unwrap()
            .last_day
    };
    let days = Period::Days;
    // The start day does not count; a period ending on a holiday ends on the next working day.
    assert_eq!(
        last("2026-09-16 10:00", days(15)),
        day("2026-10-08"),
        "National Day"
    );
    assert_eq!(
        last("2026-02-01 10:00", days(15)),
        day("2026-02-24"),
        "Spring Festival"
    );
    assert_eq!(
        last("2026-02-20 10:00", days(15)),
        day("2026-03-09"),
        "a plain Saturday"
    );
    // A period ending on a make-up working day (调休) stays there.
    assert_eq!(
        last("2026-01-30 10:00", days(15)),
        day("2026-02-14"),
        "make-up Saturday"
    );
    assert_eq!(
        last("2026-09-05 10:00", days(15)),
        day("2026-09-20"),
        "make-up Sunday"
    );
    assert_eq!(
        last("2026-09-25 10:00", days(15)),
        day("2026-10-10"),
        "make-up Saturday"
    );
    // The day is the China date, whatever the UTC date.
    assert_eq!(last("2026-03-02 23:30", days(15)), day("2026-03-17"));
    assert_eq!(last("2026-03-03 00:30", days(15)), day("2026-03-18"));
    // Working days skip the festival and count the make-up days.
    let wd = Period::WorkingDays;
    assert_eq!(
        last("2026-02-12 10:00", wd(5)),
        day("2026-02-26"),
        "13th, 14th, 24th–26th"
    );
    assert_eq!(
        last("2025-12-31 10:00", wd(5)),
        day("2026-01-08"),
        "Jan 4th is a make-up Sunday"
    );
    // Past the last calendar year: working days refuse, calendar days are provisional.
    let gap = deadline::compute(D::Objection, wd(5), 0, t("2026-12-28 10:00"), &WORLD.cal);
    assert_eq!(gap, Err(DomainError::CalendarGap { year: 2027 }));
    let late = deadline::compute(D::Handling, days(60), 0, t("2026-12-01 10:00"), &WORLD.cal);
    assert!(late.unwrap().provisional);
}

// ---------------------------------------------------------------------------------------------
// 7. The Zhejiang override.

#[test]
fn zhejiang_override_applies_below_330000() {
    let zj = WORLD.policy_for(XIHU);
    assert_eq!(
        (zj.petition.handling, zj.petition.extension_max),
        (Period::Days(30), Period::Days(60))
    );
    let five = Period::WorkingDays(5);
    assert_eq!(
        (zj.petition.transfer, zj.petition.acceptance_notice),
        (five, five)
    );
    assert_eq!(
        WORLD.policy_for(COUNTY_R).petition.handling,
        Period::Days(60)
    );

    let r = registration(Channel::Letter, CaseKind::Appeal, ZJ_OFFICE, XIHU);
    let mut c = WORLD
        .register(&intake(ZJ_OFFICE), "2026-03-02 10:00", r)
        .unwrap();
    c.due_on(D::Transfer, "2026-03-09"); // 5 working days
    c.ok(
        &coord(ZJ_OFFICE),
        "2026-03-03 10:00",
        transfer(ZJ_DEPT, TransferMode::Transfer),
    );
    c.due_on(D::AcceptanceNotice, "2026-03-10");
    c.ok(&handler(ZJ_DEPT), "2026-03-04 10:00", accept());
    c.due_on(D::Handling, "2026-04-03"); // 30 days
    c.refuse(
        &handler(ZJ_DEPT),
        "2026-03-20 10:00",
        &extend(61),
        "extension_too_long",
    );
    c.ok(&handler(ZJ_DEPT), "2026-03-20 10:00", extend(60));
    c.due_on(D::Handling, "2026-06-02"); // 30 + 60 days
    c.ok(&handler(ZJ_DEPT), "2026-04-10 10:00", opinion());
    c.ok(&Actor::citizen(), "2026-04-11 10:00", request_review());
    c.at(Status::UnderReview, ZJ_CITY);
}

#[test]
fn group_visit_representatives() {
    let visit = |office: &str, region: &str, people, reps| {
        let mut r = registration(Channel::Visit, CaseKind::Appeal, office, region);
        (r.group_size, r.representatives) = (people, reps);
        WORLD
            .register(&intake(office), "2026-03-02 10:00", r)
            .map(|_| ())
    };
    // The refusal cites the rule that applied: Zhejiang's own article, or the national one.
    let too_many = |r: Result<(), DomainError>, cited: &str| match r {
        Err(DomainError::Rule { code, article, .. }) => {
            code == "too_many_representatives" && article.contains(cited)
        }
        _ => false,
    };
    assert!(
        too_many(visit(ZJ_OFFICE, XIHU, 10, 4), "浙江省信访条例》第十五条"),
        "Zhejiang: up to 10 people, 3"
    );
    assert!(visit(ZJ_OFFICE, XIHU, 10, 3).is_ok());
    assert!(visit(ZJ_OFFICE, XIHU, 11, 5).is_ok());
    assert!(too_many(visit(ZJ_OFFICE, XIHU, 11, 6), "第十五条第二款"));
    assert!(
        too_many(
            visit(COUNTY, TOWNSHIP, 20, 6),
            "信访工作条例》第二十条第三款"
        ),
        "national: at most 5"
    );
    assert!(
        visit(COUNTY, TOWNSHIP, 10, 5).is_ok(),
        "national: 10 people may send 5"
    );
    assert!(matches!(
        visit(COUNTY, TOWNSHIP, 7, 8),
        Err(DomainError::Invalid { .. })
    ));
}

// ---------------------------------------------------------------------------------------------
// 8. Refusals at the door and skip-level visits.

fn register_with(office: &str, prior: PriorMatters) -> Vec<Event> {
    let mut r = registration(Channel::Letter, CaseKind::Appeal, office, TOWNSHIP);
    r.prior = prior;
    let c = WORLD
        .register(&intake(office), "2026-03-02 10:00", r)
        .unwrap();
    c.log.into_iter().map(|(_, _, e)| e).collect()
}

/// The rule of an automatic decline at registration, if any.
fn declined_by(events: &[Event]) -> Option<&str> {
    match events {
        [Event::Registered(_)] => None,
        [
            Event::Registered(_),
            Event::Declined {
                rule, related_case, ..
            },
        ] => {
            assert_eq!(related_case.as_deref(), Some("2026-0201-000042"));
            rule.as_deref()
        }
        other => panic!("unexpected events {other:?}"),
    }
}

#[test]
fn duplicate_upward_and_after_final() {
    let prior = |unit: &str, within_time_limit| PriorCase {
        id: uuid::Uuid::from_u128(42),
        number: "2026-0201-000042".into(),
        unit: unit.into(),
        within_time_limit,
    };
    let pending = |unit, within| PriorMatters {
        pending_same_matter: Some(prior(unit, within)),
        final_same_matter: None,
    };
    // A county unit handles it in time: offices above do not take it again (Art. 19 ¶3).
    assert_eq!(
        declined_by(&register_with(CITY, pending(DEPT, true))),
        Some("duplicate_upward")
    );
    assert_eq!(
        declined_by(&register_with(PROV, pending(DEPT, true))),
        Some("duplicate_upward")
    );
    assert_eq!(
        declined_by(&register_with(CITY, pending(DEPT, false))),
        None,
        "overdue below"
    );
    assert_eq!(
        declined_by(&register_with(COUNTY, pending(DEPT, true))),
        None,
        "same level"
    );
    // Final after re-review: not taken again on the same facts and grounds (Art. 36 ¶3).
    let fin = PriorMatters {
        final_same_matter: Some(prior(PROV, false)),
        pending_same_matter: None,
    };
    let events = register_with(COUNTY, fin.clone());
    assert_eq!(declined_by(&events), Some("after_final"));
    let s = workflow::replay(ID, events.iter().map(|e| (t("2026-03-02 10:00"), e))).unwrap();
    assert_eq!(s.status, Status::Declined);
    let article = s.declined.unwrap().article;
    assert_eq!(article.as_deref(), Some("《信访工作条例》第三十六条第三款"));
    // The hotline flow does not apply petition refusals.
    let mut r = registration(
        Channel::Hotline12345,
        CaseKind::Complaint,
        HOTLINE,
        TOWNSHIP,
    );
    r.prior = fin;
    let c = WORLD
        .register(&Actor::system("12345"), "2026-03-02 10:00", r)
        .unwrap();
    assert_eq!(c.status(), Status::Registered);
}

#[test]
fn skip_level_visits_are_flagged() {
    let skip = |channel, office: &str, region: &str| {
        let r = registration(channel, CaseKind::Appeal, office, region);
        WORLD
            .register(&intake(office), "2026-03-02 10:00", r)
            .unwrap()
            .state
            .skip_level
    };
    assert!(
        skip(Channel::Visit, PROV, TOWNSHIP),
        "province office, township matter"
    );
    assert!(skip(Channel::Visit, CITY, TOWNSHIP), "two levels up");
    assert!(!skip(Channel::Visit, COUNTY, TOWNSHIP), "one level up");
    assert!(
        !skip(Channel::Visit, COUNTY, COMMUNITY),
        "community matters belong to the township"
    );
    assert!(
        !skip(Channel::Visit, CITY, COUNTY_R),
        "county matter at the city"
    );
    assert!(
        !skip(Channel::Letter, PROV, TOWNSHIP),
        "only visits are skip-level"
    );
}

// ---------------------------------------------------------------------------------------------
// 9. Accusations.

fn accusation(accused: &str, about_officials: bool) -> Case {
    let mut r = registration(Channel::Letter, CaseKind::Accusation, COUNTY, TOWNSHIP);
    r.accused_unit = Some(accused.into());
    r.about_officials = about_officials;
    WORLD
        .register(&intake(COUNTY), "2026-03-02 10:00", r)
        .unwrap()
}

/// The analyst (领导 / 分析员) reads statistics only: no case in any state of either flow is
/// open to it, nothing is revealed to it, and it has no role in any command (see
/// `every_command_in_every_reachable_state`).
#[test]
fn analyst_never_opens_a_case() {
    let dir = &WORLD.dir;
    let mut states = petition_story();
    states.extend(hotline_story());
    states.push(accusation(DEPT, false).state);
    for s in &states {
        for unit in [PROV, CITY, COUNTY, DEPT, DISC, HOTLINE, TOWN] {
            let a = staff(Role::Analyst, unit);
            assert!(!access::can_view(&a, s, dir), "{:?} {unit}", s.status);
            assert!(!access::can_reveal(&a, s, dir), "{:?} {unit}", s.status);
            assert!(!access::reads_cases(&a));
            assert!(access::can_read_statistics(&a));
        }
        // The same states are open to supervision: the refusal is the analyst's role.
        assert!(access::can_view(&staff(Role::Supervisor, CITY), s, dir));
    }
    assert_eq!(Role::parse("analyst"), Some(Role::Analyst));
    assert!(Role::STAFF.contains(&Role::Analyst));
    for r in Role::STAFF {
        assert_eq!(Role::parse(r.as_str()), Some(r));
    }
    assert_eq!(Role::parse("citizen"), None, "not a staff account");
    assert!(!access::can_read_statistics(&intake(COUNTY)));
    assert!(!access::can_read_statistics(&Actor::citizen()));
    assert!(access::reads_cases(&handler(DEPT)));
}

#[test]
fn accusations_never_reach_the_accused() {
    let now = "2026-03-03 10:00";
    let dir = &WORLD.dir;
    let c = accusation(DEPT, false);
    let to = |unit| transfer(unit, TransferMode::Transfer);
    c.refuse(&coord(COUNTY), now, &to(DEPT), "accused_unit_forbidden");
    assert!(c.try_cmd(&coord(COUNTY), t(now), &to(TOWN)).is_ok());

    let mut c = accusation(TOWN, true);
    c.refuse(&coord(COUNTY), now, &to(DEPT), "discipline_required");
    c.ok(&coord(COUNTY), now, to(DISC));
    c.at(Status::AwaitingAcceptance, DISC);
    for accused in [handler(TOWN), coord(TOWN), intake(TOWN)] {
        assert!(
            !access::can_view(&accused, &c.state, dir),
            "{}",
            accused.name
        );
        let seen = access::petitioner_visibility(&accused, &c.state);
        assert_eq!(seen, PetitionerVisibility::Withheld);
        assert!(!access::can_reveal(&accused, &c.state, dir));
    }
    c.refuse(&handler(TOWN), now, &reveal(), "forbidden");
    assert!(access::can_view(&handler(DISC), &c.state, dir));
    let seen = access::petitioner_visibility(&handler(DISC), &c.state);
    assert_eq!(seen, PetitionerVisibility::Masked);
    assert!(c.try_cmd(&handler(DISC), t(now), &reveal()).is_ok());
    assert!(
        !access::can_view(&handler(DEPT), &c.state, dir),
        "never involved"
    );
}

// ---------------------------------------------------------------------------------------------
// 10. The hash chain.

#[test]
fn hash_chain_detects_edits_and_reordering() {
    let desk = intake(HOTLINE);
    let mut c = hotline_at("2026-03-02 10:00", CaseKind::Help, false);
    c.ok(&desk, "2026-03-02 10:10", dispatch(DEPT));
    c.ok(&handler(DEPT), "2026-03-02 10:20", Command::SignFor);
    c.ok(&handler(DEPT), "2026-03-03 10:00", reply());
    c.ok(&desk, "2026-03-04 10:00", follow_up("satisfied", true));
    let mut prev = GENESIS.to_string();
    let mut records = Vec::new();
    for (seq, (at, actor, e)) in (1..).zip(&c.log) {
        let at = *at + Duration::nanoseconds(123_456_789); // below a millisecond: dropped
        let r = EventRecord::seal(ID, seq, at, actor.clone(), e.clone(), &prev);
        prev = r.hash.clone();
        records.push(r);
    }
    assert_eq!(records.len(), 6);
    assert_eq!(verify_chain(&records), Ok(()));
    let broken = |records: &[EventRecord]| {
        let b = verify_chain(records).unwrap_err();
        (b.seq, b.reason)
    };

    let mut edited = records.clone();
    edited[3].event = Event::Replied {
        content: "已处理完毕".into(),
    };
    assert_eq!(broken(&edited), (4, "content does not match its hash"));
    edited[3].hash = edited[3].recompute(); // the forger reseals the edited record…
    assert_eq!(broken(&edited), (5, "previous hash does not match"));

    let mut swapped = records.clone();
    swapped.swap(1, 2);
    assert_eq!(broken(&swapped), (3, "sequence gap"));

    let mut bodies_swapped = records.clone(); // positions kept, bodies exchanged
    let body = bodies_swapped[1].event.clone();
    bodies_swapped[1].event = std::mem::replace(&mut bodies_swapped[2].event, body);
    assert_eq!(
        broken(&bodies_swapped),
        (2, "content does not match its hash")
    );

    let mut dropped = records.clone();
    dropped.remove(2);
    assert_eq!(broken(&dropped), (4, "sequence gap"));

    let mut other_actor = records;
    other_actor[0].actor = Actor::system("forger");
    assert_eq!(broken(&other_actor), (1, "content does not match its hash"));
}

// ---------------------------------------------------------------------------------------------
// 11. Oversight: KPIs, early warning, supervision (tests/oversight/).

mod oversight;

/// 并单: the duplicate is closed as merged with a link to its primary; the primary records it.
#[test]
fn merge_links_duplicate_and_primary() {
    let primary_id = uuid::Uuid::from_u128(42);
    let mut dup = petition_at("2026-03-02 10:00");
    let merge = Command::Merge {
        primary: primary_id,
        primary_number: "2026-0301-000001".into(),
        reason: "同一小区同一部电梯".into(),
    };
    dup.refuse(&handler(DEPT), "2026-03-02 11:00", &merge, "forbidden");
    let self_merge = Command::Merge {
        primary: ID,
        primary_number: "x".into(),
        reason: "同一问题".into(),
    };
    dup.refuse(
        &coord(COUNTY),
        "2026-03-02 11:00",
        &self_merge,
        "invalid_field",
    );
    dup.ok(&coord(COUNTY), "2026-03-02 11:00", merge.clone());
    assert_eq!(dup.status(), Status::Merged);
    assert!(dup.status().is_terminal());
    assert_eq!(
        dup.state.merged_into.as_ref().map(|l| l.id),
        Some(primary_id)
    );
    dup.refuse(
        &coord(COUNTY),
        "2026-03-02 12:00",
        &merge,
        "not_allowed_in_state",
    );
    assert_eq!(dup.replayed(), dup.state);

    let mut primary = petition_at("2026-03-01 10:00");
    let attach = Command::AttachDuplicate {
        duplicate: uuid::Uuid::from_u128(7),
        duplicate_number: "2026-0302-000001".into(),
    };
    primary.ok(&coord(CITY), "2026-03-02 11:00", attach.clone());
    primary.refuse(&coord(CITY), "2026-03-02 11:01", &attach, "invalid_field");
    assert_eq!(primary.state.duplicates.len(), 1);
    assert_eq!(
        primary.status(),
        Status::Registered,
        "the primary's handling goes on"
    );
}

/// 督办: one open order at a time, reported on by the holding unit; a unit cannot supervise
/// itself, and a finished case cannot be supervised.
#[test]
fn supervision_orders_and_reports() {
    let mut c = petition_at("2026-03-02 10:00");
    c.ok(
        &coord(COUNTY),
        "2026-03-03 10:00",
        transfer(DEPT, TransferMode::Assign),
    );
    let order = |days| Command::Supervise {
        instruction: "请加快办理并报告进展".into(),
        respond_within_days: days,
    };
    let supervisor = staff(Role::Supervisor, PROV);
    c.refuse(&handler(DEPT), "2026-03-04 10:00", &order(7), "forbidden");
    c.refuse(&supervisor, "2026-03-04 10:00", &order(0), "invalid_field");
    c.refuse(&supervisor, "2026-03-04 10:00", &order(61), "invalid_field");
    c.ok(&supervisor, "2026-03-04 10:00", order(7));
    assert_eq!(c.state.supervisions.len(), 1);
    assert_eq!(
        c.state.supervisions[0].unit, DEPT,
        "the holding unit must report"
    );
    c.refuse(
        &coord(CITY),
        "2026-03-04 11:00",
        &order(7),
        "supervision_open",
    );
    let report = Command::AnswerSupervision {
        response: "已约谈物业，电梯三日内修复".into(),
    };
    c.refuse(&handler(TOWN), "2026-03-05 10:00", &report, "forbidden");
    c.ok(&handler(DEPT), "2026-03-05 10:00", report.clone());
    assert!(!c.state.supervisions[0].is_open());
    c.refuse(
        &handler(DEPT),
        "2026-03-05 11:00",
        &report,
        "not_allowed_in_state",
    );
    // The unit holding the case cannot supervise itself; another office can, once the first
    // order is answered.
    c.refuse(
        &coord(DEPT),
        "2026-03-06 10:00",
        &order(5),
        "self_supervision",
    );
    c.ok(&coord(CITY), "2026-03-06 10:00", order(5));
    assert_eq!(c.replayed(), c.state);
}
// ---------------------------------------------------------------------------------------------
// 12. People's suggestions: campaigns, the suggestion decider, screening, support, rewards and
// the scoreboard (tests/suggestions/).

mod suggestions;

// ---------------------------------------------------------------------------------------------
// 13. 多元化解 referrals to mediation, arbitration or court (tests/referrals/).

mod referrals;

// ---------------------------------------------------------------------------------------------
// 14. Grids: placement and the grid worker's commands (tests/grids/).

mod grids;
