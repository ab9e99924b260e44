//! People's suggestions end to end with the shipped policy and calendar and the small directory
//! of the parent module: every transition of the suggestion decider and its refusals in every
//! reachable state, roles, deadlines (Civil Code counting over holidays), campaigns and invited
//! advisers, screening and redirection, expert panels, rewards, public support, the scoreboard
//! and the weighted assessment. Times are China time.

use super::*;
use minsheng_core::suggestion::campaign::{self, adviser_token_from_random, adviser_token_hash};
use minsheng_core::suggestion::panel::Expert;
use minsheng_core::suggestion::workflow::{self as sw, SuggestionDeadline as SD};
use minsheng_core::suggestion::{
    Adoption, Campaign, CampaignCommand, CampaignDraft, CampaignEvent, CampaignKind,
    ClassifierScore, ConversionRoute, FeedbackMode, NotASuggestion, Recommendation, Submission,
    SuggestionCommand as SC, SuggestionEvent as SE, SuggestionState, SuggestionStatus as SS,
};

mod campaigns;
mod rules;
mod scores;
mod transitions;

/// The city's suggestion office (人民建议征集办公室) sits in the city petition bureau.
const OFFICE: &str = CITY;
const SID: uuid::Uuid = uuid::Uuid::from_u128(0x0199_0000_0000_7000_8000_0000_0000_5001);
const CAMP_ID: uuid::Uuid = uuid::Uuid::from_u128(0x0199_0000_0000_7000_8000_0000_0000_c001);

fn national() -> Arc<PolicySet> {
    WORLD.policy_for(COUNTY_R)
}

/// The shipped policy with one text replacement (asserted to apply).
fn policy_with(from: &str, to: &str) -> Arc<PolicySet> {
    assert!(SHIPPED_POLICY.contains(from), "{from}");
    Policy::from_toml(&SHIPPED_POLICY.replacen(from, to, 1))
        .expect("valid policy")
        .national()
}

fn ctx<'a>(policy: &'a PolicySet, who: &'a Actor, now: DateTime<Utc>) -> Context<'a> {
    Context {
        policy,
        calendar: &WORLD.cal,
        directory: &WORLD.dir,
        actor: who,
        now,
    }
}

fn suggester() -> PetitionerRef {
    PetitionerRef {
        id: uuid::Uuid::from_u128(42),
        anonymous: false,
        name_masked: "李*".into(),
        phone_masked: Some("139****0000".into()),
        organisation: false,
        notify: None,
    }
}

/// A routine online suggestion about public transport: no screening phrase in it.
fn submission() -> Submission {
    Submission {
        channel: Channel::Online,
        campaign: None,
        adviser_token: None,
        title: "关于增设社区微循环公交的建议".into(),
        reason: "老旧小区离地铁站较远，老年居民出行不便".into(),
        proposal: "建议开通社区微循环公交，连接小区与地铁站".into(),
        suggester: suggester(),
        topic: "0101".into(),
        region: TOWNSHIP.into(),
        office_unit: OFFICE.into(),
        query_code_hash: "qhash".into(),
        classifier: None,
    }
}

/// A suggestion under test: state, log and every state it went through.
#[derive(Clone)]
struct Sugg {
    policy: Arc<PolicySet>,
    state: SuggestionState,
    log: Vec<(DateTime<Utc>, SE)>,
    seen: Vec<SuggestionState>,
    campaign: Option<Campaign>,
}

fn try_submit(
    policy: &Arc<PolicySet>,
    who: &Actor,
    when: &str,
    sub: Submission,
    campaign: Option<&Campaign>,
) -> Result<Sugg, DomainError> {
    let now = t(when);
    let events = sw::decide(
        None,
        &SC::Submit(Box::new(sub)),
        &ctx(policy, who, now),
        campaign,
    )?;
    let log: Vec<_> = events.into_iter().map(|e| (now, e)).collect();
    let state = sw::replay(SID, log.iter().map(|(t, e)| (*t, e))).expect("submitted");
    Ok(Sugg {
        policy: policy.clone(),
        seen: vec![state.clone()],
        state,
        log,
        campaign: campaign.cloned(),
    })
}

fn submit(when: &str) -> Sugg {
    try_submit(&national(), &Actor::citizen(), when, submission(), None).unwrap()
}

impl Sugg {
    fn try_cmd(&self, who: &Actor, now: DateTime<Utc>, cmd: &SC) -> Result<Vec<SE>, DomainError> {
        sw::decide(
            Some(&self.state),
            cmd,
            &ctx(&self.policy, who, now),
            self.campaign.as_ref(),
        )
    }

    fn ok(&mut self, who: &Actor, when: &str, cmd: SC) -> Vec<SE> {
        let now = t(when);
        let events = self
            .try_cmd(who, now, &cmd)
            .unwrap_or_else(|e| panic!("{} refused in {:?}: {e:?}", cmd.name(), self.state.status));
        for e in &events {
            self.state = sw::apply(Some(self.state.clone()), SID, now, e).expect("state");
            self.log.push((now, e.clone()));
        }
        self.seen.push(self.state.clone());
        events
    }

    fn refuse(&self, who: &Actor, when: &str, cmd: &SC, code: &str) {
        match self.try_cmd(who, t(when), cmd) {
            Ok(events) => panic!("{} by {} accepted: {events:?}", cmd.name(), who.name),
            Err(e) => assert_eq!(e.code(), code, "{} by {}: {e:?}", cmd.name(), who.name),
        }
    }

    fn status(&self) -> SS {
        self.state.status
    }

    fn replayed(&self) -> SuggestionState {
        sw::replay(SID, self.log.iter().map(|(t, e)| (*t, e))).unwrap()
    }

    fn last_day(&self, kind: SD, unit: Option<&str>) -> NaiveDate {
        sw::due(&self.state, kind, unit, &self.policy, &WORLD.cal)
            .unwrap()
            .last_day
    }
}

fn office() -> Actor {
    coord(OFFICE)
}

fn expert(id: &str, unit: Option<&str>) -> Expert {
    Expert {
        id: id.into(),
        name: format!("专家{id}"),
        fields: vec!["交通".into()],
        unit: unit.map(Into::into),
        active: true,
    }
}

fn pool() -> Vec<Expert> {
    vec![
        expert("e1", None),
        expert("e2", Some(DEPT)),
        expert("e3", Some(TOWN)),
        expert("e4", None),
        expert("e5", None),
        expert("e6", Some(PROV)),
    ]
}

fn accept() -> SC {
    SC::Accept {
        note: String::new(),
    }
}
fn draw(seed: u64) -> SC {
    SC::DrawPanel {
        size: 3,
        seed,
        field: None,
        conflict_units: vec![DEPT.into()],
        pool: pool(),
    }
}
fn opinion(expert_id: &str) -> SC {
    SC::RecordExpertOpinion {
        expert_id: expert_id.into(),
        recommendation: Recommendation::Adopt,
        opinion: "思路可行，建议交通部门研究".into(),
    }
}
fn assess(important: bool) -> SC {
    SC::Assess {
        important,
        opinion: "具有普遍性，建议转交相关部门研究".into(),
    }
}
fn forward(units: &[&str]) -> SC {
    SC::Forward {
        units: units.iter().map(|u| u.to_string()).collect(),
        note: String::new(),
    }
}
fn extend_unit(unit: &str, days: u32) -> SC {
    SC::Extend {
        unit: unit.into(),
        days,
        approver: "王主任".into(),
        reason: "需要开展线路调研".into(),
    }
}
fn answer(outcome: Adoption) -> SC {
    SC::Answer {
        outcome,
        reply: "经研究，拟于年内开通微循环线路".into(),
        reason: if outcome == Adoption::NotAdopted {
            "客流不足以支撑线路运营".into()
        } else {
            String::new()
        },
    }
}
fn conversion(route: ConversionRoute, reference: &str) -> SC {
    SC::RecordConversion {
        route,
        reference: reference.into(),
        summary: "开通社区微循环公交3条".into(),
    }
}
fn feedback() -> SC {
    SC::GiveFeedback {
        mode: FeedbackMode::Individual,
        content: "您的建议已被部分采纳，感谢您的参与".into(),
    }
}
fn award(cycle: &str, tier: &str) -> SC {
    SC::Award {
        cycle: cycle.into(),
        tier: tier.into(),
        citation: "优秀人民建议".into(),
    }
}
fn publish() -> SC {
    SC::Publish {
        summary: "增设社区微循环公交".into(),
    }
}

/// The full story: submitted 03-02, accepted 03-03, a panel of three drawn (the DEPT expert
/// excluded), two opinions, assessed as important, forwarded to DEPT and TOWN on 03-10, DEPT
/// extended 30 days, DEPT adopts (05-01), TOWN partly adopts (05-06), DEPT records a
/// conversion, feedback on 05-10, a first prize in the 2026 cycle.
fn story() -> Sugg {
    let mut s = submit("2026-03-02 10:00");
    assert_eq!(s.status(), SS::Registered);
    s.ok(&office(), "2026-03-03 10:00", accept());
    assert_eq!(s.status(), SS::Assessing);
    s.ok(&office(), "2026-03-04 10:00", draw(42));
    let panel = s.state.panel.clone().unwrap();
    assert_eq!(
        panel.eligible, 5,
        "e2 works for DEPT, which has an interest"
    );
    assert!(panel.experts.iter().all(|e| e.id != "e2"));
    s.refuse(&office(), "2026-03-05 10:00", &assess(true), "panel_quorum");
    s.ok(&office(), "2026-03-05 10:00", opinion(&panel.experts[0].id));
    s.refuse(&office(), "2026-03-05 11:00", &assess(true), "panel_quorum");
    s.refuse(
        &office(),
        "2026-03-05 11:00",
        &opinion(&panel.experts[0].id),
        "opinion_already_recorded",
    );
    s.ok(&office(), "2026-03-06 10:00", opinion(&panel.experts[1].id));
    s.ok(&office(), "2026-03-06 11:00", assess(true));
    assert_eq!(s.status(), SS::Assessed);
    assert!(s.state.important);
    s.ok(&office(), "2026-03-10 10:00", forward(&[DEPT, TOWN]));
    assert_eq!(s.status(), SS::Forwarded);
    s.ok(&office(), "2026-04-01 10:00", extend_unit(DEPT, 30));
    s.ok(
        &handler(DEPT),
        "2026-05-01 10:00",
        answer(Adoption::Adopted),
    );
    assert_eq!(s.status(), SS::Forwarded, "TOWN has not answered yet");
    assert_eq!(s.state.outcome, None);
    s.ok(
        &handler(TOWN),
        "2026-05-06 10:00",
        answer(Adoption::PartlyAdopted),
    );
    assert_eq!(s.status(), SS::Answered);
    assert_eq!(s.state.outcome, Some(Adoption::PartlyAdopted));
    s.ok(
        &handler(DEPT),
        "2026-05-08 10:00",
        conversion(ConversionRoute::PeopleBenefit, "市交通委〔2026〕12号"),
    );
    s.ok(&office(), "2026-05-10 10:00", feedback());
    assert_eq!(s.status(), SS::Concluded);
    s.ok(&office(), "2026-12-20 10:00", award("2026", "first"));
    s
}
