//! The suggestion command path: turns input into core commands, gathers what the deciders need
//! (the campaign, the expert pool, the reward quota), decides, and writes. Rules stay in core.

use crate::error::{ApiError, ApiResult};
use crate::service::now;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use minsheng_core::access::{Actor, Role};
use minsheng_core::case::{Channel, PetitionerRef};
use minsheng_core::ids;
use minsheng_core::petitioner::{Phone, clean_text, mask_name};
use minsheng_core::region::UnitKind;
use minsheng_core::suggestion::campaign::{self, adviser_token_from_random, adviser_token_hash};
use minsheng_core::suggestion::{
    self as sg, Campaign, CampaignCommand, CampaignDraft, Submission, SuggestionCommand,
    SuggestionState, reward,
};
use minsheng_core::workflow::Context;
use minsheng_store::{NewPetitioner, NewSuggestion, StoreError};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The suggester (建议人基本信息): a name and a mobile phone are required, so the outcome can be
/// fed back and the suggestion tracked with the phone's last four digits.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SuggesterInput {
    pub name: String,
    pub phone: String,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub organisation: bool,
}

/// A suggestion as submitted (portal, API, or office staff from a letter or call).
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SuggestionInput {
    /// Defaults to online for citizens and integrations, letter for office staff.
    #[serde(default)]
    pub channel: Option<Channel>,
    #[serde(default)]
    pub campaign: Option<uuid::Uuid>,
    #[serde(default)]
    pub adviser_token: Option<String>,
    pub title: String,
    pub reason: String,
    pub proposal: String,
    pub topic: String,
    pub region: String,
    /// Defaults to the campaign's office, the staff member's unit, or the office of the region.
    #[serde(default)]
    pub office_unit: Option<String>,
    pub suggester: SuggesterInput,
}

/// The directory snapshot and the policy in force for a region.
pub struct Rules {
    pub directory: Arc<minsheng_core::region::Directory>,
    pub policy: Arc<minsheng_core::policy::PolicySet>,
}

impl Rules {
    pub fn for_region(st: &AppState, region: &str) -> Rules {
        Rules {
            directory: st.directory(),
            policy: st.policy_for_region(region),
        }
    }

    /// The rules where a unit sits (campaigns belong to an office).
    pub fn for_unit(st: &AppState, unit: &str) -> Rules {
        let dir = st.directory();
        let region = dir.unit(unit).map(|u| u.region.clone()).unwrap_or_default();
        Rules::for_region(st, &region)
    }

    pub fn context<'a>(
        &'a self,
        st: &'a AppState,
        actor: &'a Actor,
        now: DateTime<Utc>,
    ) -> Context<'a> {
        Context {
            policy: &self.policy,
            calendar: &st.calendar,
            directory: &self.directory,
            actor,
            now,
        }
    }
}

fn parse_suggester(p: &SuggesterInput) -> ApiResult<(PetitionerRef, NewPetitioner)> {
    let name = clean_text("suggester.name", &p.name, 1, 100)?;
    let phone = Phone::parse(&p.phone)?;
    let address = p
        .address
        .as_deref()
        .map(|a| clean_text("suggester.address", a, 0, 300))
        .transpose()?
        .filter(|a| !a.is_empty());
    let id = uuid::Uuid::now_v7();
    Ok((
        PetitionerRef {
            id,
            anonymous: false,
            name_masked: if p.organisation {
                name.clone()
            } else {
                mask_name(&name)
            },
            phone_masked: Some(phone.masked()),
            organisation: p.organisation,
            notify: None,
        },
        NewPetitioner {
            id,
            name: Some(name),
            phone: Some(phone),
            id_number: None,
            address,
            email: None,
            notify: None,
        },
    ))
}

/// A new suggestion and the query code shown once to its suggester.
pub struct NewlySubmitted {
    pub state: SuggestionState,
    pub query_code: String,
}

pub async fn submit(
    st: &AppState,
    actor: &Actor,
    input: SuggestionInput,
) -> ApiResult<NewlySubmitted> {
    let code_bytes: [u8; ids::QUERY_CODE_LEN] =
        minsheng_store::crypto::random_bytes().map_err(|e| ApiError::Internal(e.to_string()))?;
    submit_with_code(st, actor, input, ids::query_code_from_random(&code_bytes)).await
}

/// Runs every check of a submission without writing (a held suggestion is one that could be
/// released).
pub async fn check(st: &AppState, actor: &Actor, input: SuggestionInput) -> ApiResult<()> {
    decide_submission(st, actor, input, "preview", now())
        .await
        .map(|_| ())
}

/// Submits with a query code the suggester already holds (released from the spam review).
pub async fn submit_with_code(
    st: &AppState,
    actor: &Actor,
    input: SuggestionInput,
    query_code: String,
) -> ApiResult<NewlySubmitted> {
    let at = now();
    let new = decide_submission(st, actor, input, &query_code, at).await?;
    let state = st.store.create_suggestion(new).await?;
    Ok(NewlySubmitted { state, query_code })
}

async fn decide_submission(
    st: &AppState,
    actor: &Actor,
    input: SuggestionInput,
    query_code: &str,
    at: DateTime<Utc>,
) -> ApiResult<NewSuggestion> {
    let dir = st.directory();
    let campaign = match input.campaign {
        Some(id) => Some(st.store.get_campaign(id).await?.ok_or_else(|| {
            ApiError::Domain(minsheng_core::DomainError::Unknown {
                what: "campaign",
                id: id.to_string(),
            })
        })?),
        None => None,
    };
    let office_unit = match (&input.office_unit, &campaign, actor.role) {
        (Some(u), _, _) => u.clone(),
        (None, Some(c), _) => c.office_unit.clone(),
        (None, None, Role::Intake | Role::Coordinator) => {
            actor.unit.clone().ok_or(ApiError::Forbidden)?
        }
        (None, None, _) => {
            dir.region(&input.region)?;
            dir.nearest_unit(&input.region, UnitKind::PetitionOffice)
                .map(|u| u.id.clone())
                .ok_or_else(|| {
                    minsheng_core::DomainError::invalid(
                        "office_unit",
                        "该地区没有人民建议征集机构，请指定受理单位",
                        "no suggestion office covers this region; name the receiving unit",
                    )
                })?
        }
    };
    let channel = input.channel.unwrap_or(match actor.role {
        Role::Intake | Role::Coordinator => Channel::Letter,
        _ => Channel::Online,
    });
    let (suggester, record) = parse_suggester(&input.suggester)?;
    let submission = Submission {
        channel,
        campaign: input.campaign,
        adviser_token: input.adviser_token.filter(|t| !t.trim().is_empty()),
        title: input.title,
        reason: input.reason,
        proposal: input.proposal,
        suggester,
        topic: input.topic,
        region: input.region,
        office_unit,
        query_code_hash: ids::query_code_hash(query_code),
        // The shared text classifier predicts topics, not personal requests; the screening
        // rules decide alone until a classifier for that question exists.
        classifier: None,
    };
    let rules = Rules::for_region(st, &submission.region);
    let events = sg::decide(
        None,
        &SuggestionCommand::Submit(Box::new(submission)),
        &rules.context(st, actor, at),
        campaign.as_ref(),
    )?;
    let id = uuid::Uuid::now_v7();
    let state = sg::replay(id, events.iter().map(|e| (at, e)))
        .ok_or_else(|| ApiError::Internal("submission produced no suggestion".into()))?;
    Ok(NewSuggestion {
        id,
        at,
        actor: actor.clone(),
        events,
        state,
        suggester: record,
    })
}

/// Runs a command against a suggestion, re-reading on a concurrent change. The server fills
/// what the client must not choose: the expert pool for a panel draw, the reward quota check.
pub async fn execute(
    st: &AppState,
    actor: &Actor,
    mut s: SuggestionState,
    cmd: SuggestionCommand,
) -> ApiResult<SuggestionState> {
    let cmd = match cmd {
        SuggestionCommand::Submit(_) => {
            return Err(ApiError::bad(
                "submit_via_create",
                "新建议请通过提交接口提交",
                "Submit new suggestions through the create endpoint",
            ));
        }
        SuggestionCommand::DrawPanel {
            size,
            seed,
            field,
            conflict_units,
            ..
        } => SuggestionCommand::DrawPanel {
            size,
            seed,
            field,
            conflict_units,
            pool: st.store.experts().await?,
        },
        other => other,
    };
    for _ in 0..3 {
        match append(st, actor, &s, &cmd).await {
            Err(ApiError::Store(StoreError::Conflict)) => {
                s = st
                    .store
                    .get_suggestion(s.id)
                    .await?
                    .ok_or(ApiError::NotFound)?;
            }
            r => return r,
        }
    }
    Err(StoreError::Conflict.into())
}

async fn append(
    st: &AppState,
    actor: &Actor,
    s: &SuggestionState,
    cmd: &SuggestionCommand,
) -> ApiResult<SuggestionState> {
    let at = now();
    let rules = Rules::for_region(st, &s.region);
    if let SuggestionCommand::Award { cycle, tier, .. } = cmd {
        let awarded = st.store.rewards_in_cycle(&s.office_unit, cycle).await?;
        let refs: Vec<&str> = awarded.iter().map(String::as_str).collect();
        reward::check_quota(&refs, tier, &rules.policy.suggestion.reward)?;
    }
    let campaign = match s.campaign {
        Some(id) => st.store.get_campaign(id).await?,
        None => None,
    };
    let events = sg::decide(
        Some(s),
        cmd,
        &rules.context(st, actor, at),
        campaign.as_ref(),
    )?;
    let mut next = s.clone();
    for e in &events {
        next = sg::apply(Some(next), s.id, at, e)
            .ok_or_else(|| ApiError::Internal("apply lost the suggestion".into()))?;
    }
    Ok(st
        .store
        .append_suggestion(s.version, at, actor, &events, &next)
        .await?)
}

/// Loads a suggestion by id or number if this staff member may see it; 404 otherwise.
pub async fn load_visible(st: &AppState, actor: &Actor, key: &str) -> ApiResult<SuggestionState> {
    let s = match uuid::Uuid::parse_str(key) {
        Ok(id) => st.store.get_suggestion(id).await?,
        Err(_) if key.len() <= 40 => st.store.get_suggestion_by_number(key).await?,
        Err(_) => None,
    };
    match s {
        Some(s) if sg::workflow::can_view(actor, &s, &st.directory()) => Ok(s),
        _ => Err(ApiError::NotFound),
    }
}

/// Finds a suggester's suggestion by query code and the last four digits of their phone.
pub async fn load_for_suggester(
    st: &AppState,
    code: &str,
    last4: &str,
) -> ApiResult<SuggestionState> {
    let parsed = ids::parse_query_code(code)?;
    let Some(s) = st
        .store
        .suggestion_by_query_code(&ids::query_code_hash(&parsed))
        .await?
    else {
        // Held by the spam screen: say so (after the same last-four-digits check).
        return Err(crate::abuse::held::not_registered_yet(st, code, last4).await?);
    };
    let record = st
        .store
        .petitioner(s.suggester.id)
        .await?
        .unwrap_or_default();
    let phone = record.phone.unwrap_or_default();
    let expected = &phone[phone.len().saturating_sub(4)..];
    let given = last4.trim();
    let same = expected.len() == given.len()
        && expected
            .bytes()
            .zip(given.bytes())
            .fold(true, |ok, (a, b)| ok & (a == b));
    if !same || expected.is_empty() {
        return Err(ApiError::NotFound);
    }
    Ok(s)
}

/// A published suggestion for the public support page (404 unless published and live).
pub async fn load_published(st: &AppState, id: &str) -> ApiResult<SuggestionState> {
    let id = uuid::Uuid::parse_str(id).map_err(|_| ApiError::NotFound)?;
    match st.store.get_suggestion(id).await? {
        Some(s) if s.published_at.is_some() && !s.status.is_terminal() => Ok(s),
        _ => Err(ApiError::NotFound),
    }
}

// ---- campaigns ----------------------------------------------------------------------------

pub async fn open_campaign(
    st: &AppState,
    actor: &Actor,
    draft: CampaignDraft,
) -> ApiResult<Campaign> {
    let at = now();
    let rules = Rules::for_unit(st, &draft.office_unit);
    let events = campaign::decide(
        None,
        &CampaignCommand::Open(Box::new(draft)),
        &rules.context(st, actor, at),
    )?;
    let id = uuid::Uuid::now_v7();
    let c = campaign::replay(id, events.iter().map(|e| (at, e)))
        .ok_or_else(|| ApiError::Internal("open produced no campaign".into()))?;
    st.store.create_campaign(at, actor, &events, &c).await?;
    Ok(c)
}

pub async fn campaign_command(
    st: &AppState,
    actor: &Actor,
    mut c: Campaign,
    cmd: &CampaignCommand,
) -> ApiResult<Campaign> {
    if let CampaignCommand::Open(_) = cmd {
        return Err(ApiError::bad(
            "open_via_create",
            "新征集活动请通过创建接口发布",
            "Open new campaigns through the create endpoint",
        ));
    }
    for _ in 0..3 {
        let at = now();
        let rules = Rules::for_unit(st, &c.office_unit);
        let events = campaign::decide(Some(&c), cmd, &rules.context(st, actor, at))?;
        let mut next = c.clone();
        for e in &events {
            next = campaign::apply(Some(next), c.id, at, e)
                .ok_or_else(|| ApiError::Internal("apply lost the campaign".into()))?;
        }
        match st
            .store
            .append_campaign(c.version, at, actor, &events, &next)
            .await
        {
            Ok(()) => return Ok(next),
            Err(StoreError::Conflict) => {
                c = st
                    .store
                    .get_campaign(c.id)
                    .await?
                    .ok_or(ApiError::NotFound)?;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(StoreError::Conflict.into())
}

/// Invites an adviser (特邀建议人): draws a token, records only its hash, and returns the token
/// once for the personal link.
pub async fn invite_adviser(
    st: &AppState,
    actor: &Actor,
    c: Campaign,
    adviser_id: &str,
    display_name: &str,
) -> ApiResult<(Campaign, String)> {
    let bytes: [u8; 20] =
        minsheng_store::crypto::random_bytes().map_err(|e| ApiError::Internal(e.to_string()))?;
    let token = adviser_token_from_random(&bytes);
    let cmd = CampaignCommand::InviteAdviser {
        adviser_id: adviser_id.trim().to_string(),
        display_name: display_name.trim().to_string(),
        token_hash: adviser_token_hash(&token),
    };
    let c = campaign_command(st, actor, c, &cmd).await?;
    Ok((c, token))
}

/// The personal link's path for a token.
pub fn invitation_path(token: &str) -> String {
    format!("/suggest/invite/{token}")
}

pub async fn load_campaign(st: &AppState, id: &str) -> ApiResult<Campaign> {
    let id = uuid::Uuid::parse_str(id).map_err(|_| ApiError::NotFound)?;
    st.store.get_campaign(id).await?.ok_or(ApiError::NotFound)
}

/// The campaign a personal link opens (404 for an unknown or revoked token).
pub async fn campaign_for_token(st: &AppState, token: &str) -> ApiResult<Campaign> {
    if token.len() > 64 {
        return Err(ApiError::NotFound);
    }
    st.store
        .campaign_by_token_hash(&adviser_token_hash(token))
        .await?
        .ok_or(ApiError::NotFound)
}

/// May this staff member run campaigns (a coordinator of a suggestion office)?
pub fn is_office(actor: &Actor) -> bool {
    actor.role == Role::Coordinator && actor.unit.is_some()
}

/// 一键转办: with the suggester's consent, registers a redirected submission as a case in the
/// flow it was redirected to (personal requests to the 12345 hotline, legal-procedure matters
/// to the petition office, where 诉访分离 steers them on). The text and the suggester's sealed
/// contact details are carried over; the suggester gets the case's own query code.
pub async fn handoff(st: &AppState, s: &SuggestionState) -> ApiResult<crate::service::Registered> {
    use minsheng_core::case::{CaseKind, Flow, Location};
    let Some(r) = &s.redirection else {
        return Err(ApiError::bad(
            "not_redirected",
            "该建议没有被转入其他渠道，无需转办",
            "This suggestion was not redirected; there is nothing to hand off",
        ));
    };
    let dir = st.directory();
    let (kind, office_kind) = match r.to {
        Flow::Hotline => (CaseKind::Help, UnitKind::HotlineCenter),
        Flow::Petition => (CaseKind::Appeal, UnitKind::PetitionOffice),
    };
    let office_unit = dir
        .nearest_unit(&s.region, office_kind)
        .or_else(|| dir.nearest_unit(&s.region, UnitKind::PetitionOffice))
        .map(|u| u.id.clone());
    let person = st
        .store
        .petitioner(s.suggester.id)
        .await?
        .unwrap_or_default();
    let input = crate::service::NewCaseInput {
        channel: Channel::Online,
        flow: Some(r.to),
        kind,
        urgent: false,
        title: s.title.clone(),
        request: s.proposal.clone(),
        facts_reasons: format!("{}\n（由人民建议{}转入：{}）", s.reason, s.number, r.reason),
        topic: s.topic.clone(),
        location: Location {
            region: s.region.clone(),
            address: String::new(),
            lat: None,
            lng: None,
        },
        petitioner: crate::service::PetitionerInput {
            anonymous: false,
            organisation: s.suggester.organisation,
            name: person.name,
            phone: person.phone,
            id_number: None,
            address: person.address,
            email: None,
            notify: None,
        },
        group_size: 1,
        representatives: 1,
        office_unit,
        accused_unit: None,
        about_officials: false,
    };
    // The suggestion id keys the hand-off, so a second click returns the same case.
    let idem = minsheng_store::IdempotencyKey {
        scope: "suggestion-handoff".into(),
        key: s.id.to_string(),
        request_hash: s.id.to_string(),
    };
    crate::service::register(st, &Actor::citizen(), input, Some(idem)).await
}
