//! Registration from every channel (信访工作条例 Arts. 17, 19, 20, 21) and the refusals that
//! apply at the door: too many representatives (Art. 20 ¶3), a matter already final (Art. 36 ¶3),
//! a matter a lower level is still handling in time (Art. 19 ¶3). Skip-level visits are flagged.

use super::{Context, Event, Registered, Role};
use crate::case::*;
use crate::error::DomainError;
use crate::region::Level;
use serde::{Deserialize, Serialize};

/// A registration as submitted (by a citizen online, an intake agent, or an integration).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Registration {
    pub channel: Channel,
    #[serde(default)]
    pub flow: Option<Flow>,
    pub kind: CaseKind,
    #[serde(default)]
    pub urgent: bool,
    pub title: String,
    pub request: String,
    #[serde(default)]
    pub facts_reasons: String,
    pub topic: String,
    pub location: Location,
    pub petitioner: PetitionerRef,
    #[serde(default = "one")]
    pub group_size: u32,
    #[serde(default = "one")]
    pub representatives: u32,
    /// The unit that receives the matter (petition office, hotline centre, or another organ).
    pub office_unit: String,
    #[serde(default)]
    pub accused_unit: Option<String>,
    /// 检举控告 about officials: goes to the discipline body (Art. 30).
    #[serde(default)]
    pub about_officials: bool,
    pub query_code_hash: String,
    /// Earlier matters of the same petitioner that the store found.
    #[serde(default)]
    pub prior: PriorMatters,
}

fn one() -> u32 {
    1
}

/// A reference to an earlier case, as the store found it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PriorCase {
    pub id: uuid::Uuid,
    pub number: String,
    pub unit: String,
    /// The earlier case is still within its handling time limit.
    pub within_time_limit: bool,
}

/// Earlier matters of the same petitioner on the same topic, looked up before deciding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PriorMatters {
    /// A case on the same facts and grounds that is final (after re-review).
    pub final_same_matter: Option<PriorCase>,
    /// A case on the same matter accepted and being handled elsewhere.
    pub pending_same_matter: Option<PriorCase>,
}

pub(super) fn decide(r: &Registration, ctx: &Context<'_>) -> Result<Vec<Event>, DomainError> {
    let flow = r.flow.unwrap_or(r.channel.default_flow());
    authorize(r, ctx)?;
    if !r.kind.allowed_in(flow) {
        return Err(DomainError::invalid(
            "kind",
            format!("{}流程不受理“{}”类事项", flow.zh(), r.kind.zh()),
            format!("the {} flow does not take {}", flow.en(), r.kind.en()),
        ));
    }
    if r.accused_unit.is_some()
        && !matches!(
            r.kind,
            CaseKind::Accusation | CaseKind::Complaint | CaseKind::Report
        )
    {
        return Err(DomainError::invalid(
            "accused_unit",
            "只有检举控告、投诉、举报类事项可以指明被反映单位",
            "only accusations, complaints and reports name an accused unit",
        ));
    }
    if r.about_officials && r.kind != CaseKind::Accusation {
        return Err(DomainError::invalid(
            "about_officials",
            "只有检举控告类事项可以标记为反映公职人员",
            "only accusations can be marked as concerning officials",
        ));
    }
    if r.petitioner.anonymous
        && !matches!(
            r.kind,
            CaseKind::Accusation | CaseKind::Report | CaseKind::Consultation | CaseKind::Suggestion
        )
    {
        return Err(DomainError::invalid(
            "anonymous",
            "匿名只适用于检举、举报、咨询和建议；申诉求决需要留下姓名和联系方式（第十九条）",
            "anonymity is for accusations, reports, consultations and suggestions; an appeal needs a name and contact (Art. 19)",
        ));
    }
    let title = super::text("title", &r.title, 2, 200)?;
    let request = super::text("request", &r.request, 2, 5000)?;
    let facts_reasons = super::text("facts_reasons", &r.facts_reasons, 0, 20000)?;
    let address = super::text("location.address", &r.location.address, 0, 300)?;
    let dir = ctx.directory;
    dir.topic(&r.topic)?;
    let region = dir.region(&r.location.region)?;
    let office = dir.unit(&r.office_unit)?;
    if let Some(a) = &r.accused_unit {
        dir.unit(a)?;
    }
    if let (Some(lat), Some(lng)) = (r.location.lat, r.location.lng)
        && (!(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lng))
    {
        return Err(DomainError::invalid(
            "location",
            "经纬度超出范围",
            "latitude/longitude out of range",
        ));
    }
    if r.group_size == 0 || r.representatives == 0 || r.representatives > r.group_size {
        return Err(DomainError::invalid(
            "representatives",
            "人数和代表人数至少为1，代表人数不能超过总人数",
            "group size and representatives must be at least 1, representatives at most the group size",
        ));
    }
    if r.group_size > 100_000 {
        return Err(DomainError::invalid(
            "group_size",
            "人数不合理",
            "group size is implausible",
        ));
    }
    if r.channel == Channel::Visit {
        let max = ctx.policy.max_representatives(r.group_size);
        if r.representatives > max {
            return Err(DomainError::rule(
                "too_many_representatives",
                ctx.policy.petition.representatives_article.clone(),
                format!(
                    "多人采用走访形式提出共同的信访事项的，应当推选代表，{}人的来访代表人数不得超过{max}人",
                    r.group_size
                ),
                format!(
                    "several visitors on a common matter must elect representatives; for {} people at most {max}",
                    r.group_size
                ),
            ));
        }
    }
    // 越级: a visit to an office more than one level above the organ competent where the matter
    // is. Communities are not organs; their matters belong to the township.
    let competent = region.level.min(Level::Township).depth();
    let office_depth = dir.region(&office.region)?.level.depth();
    let skip_level = r.channel == Channel::Visit && office_depth + 1 < competent;

    let registered = Registered {
        number: String::new(),
        flow,
        channel: r.channel,
        kind: r.kind,
        urgent: r.urgent,
        title,
        request,
        facts_reasons,
        topic: r.topic.clone(),
        location: Location {
            region: r.location.region.clone(),
            address,
            lat: r.location.lat,
            lng: r.location.lng,
        },
        petitioner: r.petitioner.clone(),
        group_size: r.group_size,
        representatives: r.representatives,
        office_unit: r.office_unit.clone(),
        accused_unit: r.accused_unit.clone(),
        about_officials: r.about_officials,
        skip_level,
        query_code_hash: r.query_code_hash.clone(),
    };
    let mut events = vec![Event::Registered(Box::new(registered))];

    if flow == Flow::Petition {
        if let Some(prior) = &r.prior.final_same_matter {
            events.push(Event::Declined {
                reason: format!(
                    "该事项已于信访事项 {} 复核终结，对同一事实和理由提出的投诉请求不再受理",
                    prior.number
                ),
                rule: Some("after_final".into()),
                article: Some("《信访工作条例》第三十六条第三款".into()),
                related_case: Some(prior.number.clone()),
            });
        } else if let Some(prior) = &r.prior.pending_same_matter {
            let prior_depth = dir.unit_level(&prior.unit).map(Level::depth).unwrap_or(0);
            if prior.within_time_limit && office_depth < prior_depth {
                events.push(Event::Declined {
                    reason: format!(
                        "该事项已由下级机关受理（信访事项 {}），正在规定期限内办理，上级机关不予受理",
                        prior.number
                    ),
                    rule: Some("duplicate_upward".into()),
                    article: Some("《信访工作条例》第十九条第三款".into()),
                    related_case: Some(prior.number.clone()),
                });
            }
        }
    }
    Ok(events)
}

fn authorize(r: &Registration, ctx: &Context<'_>) -> Result<(), DomainError> {
    let a = ctx.actor;
    match a.role {
        Role::Citizen if r.channel == Channel::Online => Ok(()),
        Role::System
            if matches!(
                r.channel,
                Channel::Api | Channel::Open311 | Channel::Hotline12345 | Channel::Online
            ) =>
        {
            Ok(())
        }
        Role::Intake | Role::Coordinator if a.in_unit(&r.office_unit) => Ok(()),
        _ => Err(DomainError::Forbidden {
            command: "register",
        }),
    }
}
