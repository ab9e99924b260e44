//! What the API returns: case views with personal data masked or withheld by the access rules,
//! timelines, and the citizen's view of their own case.

use crate::state::AppState;
use chrono::{DateTime, Utc};
use minsheng_core::access::{self, Actor, PetitionerVisibility};
use minsheng_core::case::*;
use minsheng_core::deadline::{self, Deadline};
use minsheng_core::event::EventRecord;
use minsheng_core::region::Directory;
use minsheng_core::workflow::{
    CaseState, Declination, Event, Extension, Opinion, RatingRecord, ReviewStage,
};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitRef {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
}

pub fn unit_ref(dir: &Directory, id: &str) -> UnitRef {
    match dir.unit(id) {
        Ok(u) => UnitRef {
            id: u.id.clone(),
            name_zh: u.name_zh.clone(),
            name_en: u.name_en.clone(),
        },
        Err(_) => UnitRef {
            id: id.to_string(),
            name_zh: id.to_string(),
            name_en: id.to_string(),
        },
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PetitionerView {
    pub anonymous: bool,
    pub organisation: bool,
    pub name_masked: String,
    pub phone_masked: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseView {
    pub id: uuid::Uuid,
    pub number: String,
    pub flow: Flow,
    pub kind: CaseKind,
    pub kind_zh: String,
    pub channel: Channel,
    pub status: Status,
    pub status_zh: String,
    pub status_en: String,
    pub urgent: bool,
    pub title: String,
    pub request: String,
    pub facts_reasons: String,
    pub topic: String,
    pub topic_name_zh: String,
    pub location: Location,
    /// Absent when the viewer may not see who the petitioner is (accused unit, anonymous).
    pub petitioner: Option<PetitionerView>,
    pub petitioner_withheld: bool,
    pub group_size: u32,
    pub representatives: u32,
    /// A visit more than one level above the competent organ (越级).
    pub skip_level: bool,
    pub office_unit: UnitRef,
    pub current_unit: UnitRef,
    pub accused_unit: Option<UnitRef>,
    pub about_officials: bool,
    pub registered_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub answered_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub close_reason: Option<String>,
    pub deadlines: Vec<Deadline>,
    pub extensions: Vec<Extension>,
    pub opinion: Option<Opinion>,
    pub review: Option<ReviewStage>,
    pub rereview: Option<ReviewStage>,
    pub ratings: Vec<RatingRecord>,
    pub reply: Option<String>,
    pub declined: Option<Declination>,
    pub diverted_route: Option<LegalRoute>,
    pub diverted_guidance: Option<String>,
    pub emergency: Option<EmergencyService>,
    pub complex_approved: bool,
    pub reopen_count: u32,
    /// 多元化解 referrals with their deadlines and outcomes, oldest first.
    pub referrals: Vec<minsheng_core::workflow::Referral>,
    /// The grid the matter lies in (网格), if any.
    pub grid: Option<String>,
    pub version: u64,
}

pub fn case_view(st: &AppState, actor: &Actor, s: &CaseState) -> CaseView {
    let dir = st.directory();
    let policy = st.policy_for_region(&s.location.region);
    let withheld = access::petitioner_visibility(actor, s) == PetitionerVisibility::Withheld;
    CaseView {
        id: s.id,
        number: s.number.clone(),
        flow: s.flow,
        kind: s.kind,
        kind_zh: s.kind.zh().into(),
        channel: s.channel,
        status: s.status,
        status_zh: s.status.zh().into(),
        status_en: s.status.en().into(),
        urgent: s.urgent,
        title: s.title.clone(),
        request: s.request.clone(),
        facts_reasons: s.facts_reasons.clone(),
        topic: s.topic.clone(),
        topic_name_zh: dir
            .topic(&s.topic)
            .map(|t| t.name_zh.clone())
            .unwrap_or_default(),
        location: s.location.clone(),
        petitioner: (!withheld).then(|| PetitionerView {
            anonymous: s.petitioner.anonymous,
            organisation: s.petitioner.organisation,
            name_masked: s.petitioner.name_masked.clone(),
            phone_masked: s.petitioner.phone_masked.clone(),
        }),
        petitioner_withheld: withheld,
        group_size: s.group_size,
        representatives: s.representatives,
        skip_level: s.skip_level,
        office_unit: unit_ref(&dir, &s.office_unit),
        current_unit: unit_ref(&dir, &s.current_unit),
        accused_unit: s.accused_unit.as_deref().map(|u| unit_ref(&dir, u)),
        about_officials: s.about_officials,
        registered_at: s.registered_at,
        updated_at: s.updated_at,
        accepted_at: s.accepted_at,
        answered_at: s.answered_at,
        closed_at: s.closed_at,
        close_reason: s.close_reason.clone(),
        deadlines: deadline::active(s, &policy, &st.calendar),
        extensions: s.extensions.clone(),
        opinion: s.opinion.clone(),
        review: s.review.clone(),
        rereview: s.rereview.clone(),
        ratings: s.ratings.clone(),
        reply: s.reply.clone(),
        declined: s.declined.clone(),
        diverted_route: s.diverted.as_ref().map(|d| d.0),
        diverted_guidance: s.diverted.as_ref().map(|d| d.1.clone()),
        emergency: s.emergency,
        complex_approved: s.complex_approved,
        reopen_count: s.reopen_count,
        referrals: s.referrals.clone(),
        grid: s.grid.clone(),
        version: s.version,
    }
}

/// A short line for lists.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseSummary {
    pub id: uuid::Uuid,
    pub number: String,
    pub flow: Flow,
    pub kind: CaseKind,
    pub channel: Channel,
    pub status: Status,
    pub status_zh: String,
    pub title: String,
    pub topic: String,
    pub region: String,
    pub current_unit: UnitRef,
    pub petitioner_name_masked: Option<String>,
    pub petitioner_phone_masked: Option<String>,
    pub registered_at: DateTime<Utc>,
    pub due: Option<deadline::Due>,
}

pub fn case_summary(st: &AppState, dir: &Directory, actor: &Actor, s: &CaseState) -> CaseSummary {
    let withheld = access::petitioner_visibility(actor, s) == PetitionerVisibility::Withheld;
    let policy = st.policy_for_region(&s.location.region);
    CaseSummary {
        id: s.id,
        number: s.number.clone(),
        flow: s.flow,
        kind: s.kind,
        channel: s.channel,
        status: s.status,
        status_zh: s.status.zh().into(),
        title: s.title.clone(),
        topic: s.topic.clone(),
        region: s.location.region.clone(),
        current_unit: unit_ref(dir, &s.current_unit),
        petitioner_name_masked: (!withheld).then(|| s.petitioner.name_masked.clone()),
        petitioner_phone_masked: if withheld {
            None
        } else {
            s.petitioner.phone_masked.clone()
        },
        registered_at: s.registered_at,
        due: deadline::current_duty(s, &policy, &st.calendar),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineEntry {
    pub seq: u64,
    pub at: DateTime<Utc>,
    #[serde(rename = "type")]
    pub kind: String,
    pub label_zh: String,
    pub actor_name: String,
    pub actor_role: String,
    pub actor_unit: Option<String>,
    /// The event itself; the petitioner is removed when the viewer may not see them.
    #[schema(value_type = Object)]
    pub event: serde_json::Value,
    pub hash: String,
}

pub fn timeline(actor: &Actor, s: &CaseState, records: &[EventRecord]) -> Vec<TimelineEntry> {
    let withheld = access::petitioner_visibility(actor, s) == PetitionerVisibility::Withheld;
    records
        .iter()
        .map(|r| {
            let mut event = serde_json::to_value(&r.event).unwrap_or_default();
            if let Some(obj) = event.as_object_mut() {
                obj.remove("query_code_hash");
                if withheld {
                    obj.remove("petitioner");
                }
            }
            TimelineEntry {
                seq: r.seq,
                at: r.at,
                kind: r.event.name().into(),
                label_zh: r.event.zh().into(),
                actor_name: if r.actor.role == minsheng_core::access::Role::Citizen && withheld {
                    "信访人".into()
                } else {
                    r.actor.name.clone()
                },
                actor_role: r.actor.role.as_str().into(),
                actor_unit: r.actor.unit.clone(),
                event,
                hash: r.hash.clone(),
            }
        })
        .collect()
}

/// What a citizen sees of their own case: plain status, public events, deadlines, answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct CitizenView {
    pub number: String,
    pub kind: CaseKind,
    pub status: Status,
    pub status_zh: String,
    pub status_en: String,
    pub title: String,
    pub registered_at: DateTime<Utc>,
    pub current_unit_zh: String,
    pub deadlines: Vec<Deadline>,
    pub opinion: Option<Opinion>,
    pub reply: Option<String>,
    pub review: Option<ReviewStage>,
    pub rereview: Option<ReviewStage>,
    pub declined: Option<Declination>,
    pub diverted_route: Option<LegalRoute>,
    pub diverted_guidance: Option<String>,
    pub extensions: Vec<PublicExtension>,
    pub ratings: Vec<RatingRecord>,
    pub timeline: Vec<PublicEvent>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicExtension {
    pub days: u32,
    pub reason: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicEvent {
    pub at: DateTime<Utc>,
    #[serde(rename = "type")]
    pub kind: String,
    pub label_zh: String,
    pub unit_zh: Option<String>,
}

pub fn citizen_view(st: &AppState, s: &CaseState, records: &[EventRecord]) -> CitizenView {
    let dir = st.directory();
    let policy = st.policy_for_region(&s.location.region);
    CitizenView {
        number: s.number.clone(),
        kind: s.kind,
        status: s.status,
        status_zh: s.status.zh().into(),
        status_en: s.status.en().into(),
        title: s.title.clone(),
        registered_at: s.registered_at,
        current_unit_zh: unit_ref(&dir, &s.current_unit).name_zh,
        deadlines: deadline::active(s, &policy, &st.calendar),
        opinion: s.opinion.clone(),
        reply: s.reply.clone(),
        review: s.review.clone(),
        rereview: s.rereview.clone(),
        declined: s.declined.clone(),
        diverted_route: s.diverted.as_ref().map(|d| d.0),
        diverted_guidance: s.diverted.as_ref().map(|d| d.1.clone()),
        extensions: s
            .extensions
            .iter()
            .map(|e| PublicExtension {
                days: e.days,
                reason: e.reason.clone(),
                at: e.at,
            })
            .collect(),
        ratings: s.ratings.clone(),
        timeline: records
            .iter()
            .filter(|r| r.event.is_public())
            .map(|r| PublicEvent {
                at: r.at,
                kind: r.event.name().into(),
                label_zh: r.event.zh().into(),
                unit_zh: match &r.event {
                    Event::Transferred { to_unit, .. } | Event::Dispatched { to_unit, .. } => {
                        Some(unit_ref(&dir, to_unit).name_zh)
                    }
                    _ => r.actor.unit.as_deref().map(|u| unit_ref(&dir, u).name_zh),
                },
            })
            .collect(),
    }
}
