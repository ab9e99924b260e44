//! Staff pages for suggestion work: the list, a suggestion with its actions, campaigns (open,
//! invite, revoke, close, collective answer), the expert pool and the support review list.
//! Office coordinators run everything; unit officers answer what was forwarded to them.

use crate::error::{ApiError, ApiResult};
use crate::service::now;
use crate::state::AppState;
use crate::suggest::api::{self as sapi, Summary};
use crate::suggest::service::{self, Rules};
use crate::suggest::views::{self, DueView};
use crate::web::chrome::{Chrome, WebStaff, render, respond};
use crate::web::forms::FormData;
use crate::web::present::{self, Choice};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use minsheng_core::access::{Actor, Role};
use minsheng_core::case::Channel;
use minsheng_core::suggestion::support::Burst;
use minsheng_core::suggestion::{
    Adoption, Campaign, CampaignCommand, CampaignDraft, CampaignKind, ConversionRoute, Expert,
    NotASuggestion, Recommendation, SuggestionState, SuggestionStatus,
};
use minsheng_store::StoredEvent;
use serde_json::{Value, json};

fn unit_names(st: &AppState, id: &str) -> (String, String) {
    st.directory()
        .unit(id)
        .map(|u| (u.name_zh.clone(), u.name_en.clone()))
        .unwrap_or_else(|_| (id.to_string(), id.to_string()))
}

#[derive(Template)]
#[template(path = "suggest/staff_list.html")]
struct ListPage {
    c: Chrome,
    rows: Vec<Summary>,
    campaigns: Vec<Campaign>,
    statuses: Vec<Choice>,
    is_office: bool,
}

#[derive(serde::Deserialize)]
pub struct ListQuery {
    status: Option<String>,
}

pub async fn list(
    State(st): State<AppState>,
    WebStaff { staff, c }: WebStaff,
    Query(q): Query<ListQuery>,
) -> Response {
    let r = async {
        let actor = staff.actor();
        let status = q.status.filter(|s| !s.is_empty());
        let rows = sapi::visible_list(&st, &actor, status.clone(), None, 300).await?;
        let is_office = service::is_office(&actor);
        let campaigns = if matches!(
            actor.role,
            Role::Coordinator | Role::Admin | Role::Supervisor
        ) {
            let mut all = st.store.list_campaigns().await?;
            if actor.role == Role::Coordinator {
                all.retain(|k| Some(&k.office_unit) == actor.unit.as_ref());
            }
            all
        } else {
            Vec::new()
        };
        Ok(render(&ListPage {
            c: c.clone(),
            rows: rows.iter().map(sapi::summary).collect(),
            campaigns,
            statuses: present::choices(
                SuggestionStatus::ALL,
                status.as_deref().unwrap_or(""),
                SuggestionStatus::as_str,
                SuggestionStatus::zh,
                SuggestionStatus::en,
            ),
            is_office,
        }))
    }
    .await;
    respond(&c, r)
}

struct UnitRow {
    zh: String,
    en: String,
    answer_zh: String,
    answer_en: String,
    reply: String,
    reason: String,
}

struct Entry {
    at: String,
    actor: String,
    zh: &'static str,
    en: &'static str,
}

#[derive(Template)]
#[template(path = "suggest/staff_suggestion.html")]
struct SuggestionPage {
    c: Chrome,
    s: SuggestionState,
    office_zh: String,
    office_en: String,
    deadlines: Vec<DueView>,
    units: Vec<UnitRow>,
    entries: Vec<Entry>,
    supporters: u32,
    actions: Vec<ActionView>,
    unit_choices: Vec<Choice>,
    forwarded_units: Vec<Choice>,
    outcomes: Vec<Choice>,
    routes: Vec<Choice>,
    kinds: Vec<Choice>,
    recommendations: Vec<Choice>,
    panel: Vec<Choice>,
    tiers: Vec<Choice>,
    cycle: String,
    notice: Option<String>,
    error: Option<String>,
}

/// Which forms to offer: by status and role (the decider still has the last word).
fn actions(actor: &Actor, s: &SuggestionState) -> Vec<&'static str> {
    use SuggestionStatus::*;
    let office = actor.role == Role::Coordinator && actor.unit.as_deref() == Some(&s.office_unit);
    let mut out = Vec::new();
    if office {
        out.extend(match s.status {
            Registered => vec!["accept", "redirect", "withdraw"],
            Assessing => vec![
                "draw_panel",
                "record_expert_opinion",
                "assess",
                "withdraw",
                "publish",
            ],
            Assessed => vec!["forward", "withdraw", "publish"],
            Forwarded => vec!["forward", "extend", "publish"],
            Answered => vec!["give_feedback", "record_conversion", "publish"],
            Concluded => vec!["record_conversion", "award", "publish"],
            Redirected | Withdrawn => vec![],
        });
        if s.published_at.is_some() && !s.status.is_terminal() {
            out.push("publish_public_answer");
        }
        if s.panel.is_some() || s.status != Assessing {
            out.retain(|a| *a != "draw_panel" || s.panel.is_none());
        }
        if s.panel.is_none() {
            out.retain(|a| *a != "record_expert_opinion");
        }
        if s.published_at.is_some() {
            out.retain(|a| *a != "publish");
        }
    }
    if let Some(u) = actor.unit.as_deref()
        && matches!(actor.role, Role::Handler | Role::Coordinator)
        && let Some(h) = s.unit(u)
    {
        match &h.answer {
            None if s.status == Forwarded => out.push("answer"),
            Some(a) if a.outcome.is_positive() && !out.contains(&"record_conversion") => {
                out.push("record_conversion")
            }
            _ => {}
        }
    }
    out
}

fn label(action: &str) -> (&'static str, &'static str) {
    match action {
        "accept" => ("甄别受理", "Screen in"),
        "redirect" => ("转其他渠道", "Redirect"),
        "withdraw" => ("撤回", "Withdraw"),
        "draw_panel" => ("抽取评审专家", "Draw an expert panel"),
        "record_expert_opinion" => ("录入专家意见", "Record an expert opinion"),
        "assess" => ("研究评估", "Assess"),
        "forward" => ("转交承办单位", "Forward to units"),
        "extend" => ("批准延期", "Grant an extension"),
        "answer" => ("答复", "Answer"),
        "record_conversion" => ("记录成果转化", "Record a conversion"),
        "publish" => ("公开征求附议", "Publish for support"),
        "publish_public_answer" => ("公开答复", "Publish the public answer"),
        "give_feedback" => ("反馈建议人", "Feed back to the suggester"),
        "award" => ("给予奖励", "Award"),
        _ => ("", ""),
    }
}

pub struct ActionView {
    pub name: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
}

async fn suggestion_page(
    st: &AppState,
    c: Chrome,
    actor: &Actor,
    s: SuggestionState,
    notice: Option<String>,
    error: Option<String>,
) -> ApiResult<SuggestionPage> {
    let dir = st.directory();
    let (office_zh, office_en) = unit_names(st, &s.office_unit);
    let events: Vec<StoredEvent<_>> = st.store.suggestion_events(s.id).await?;
    let rules = Rules::for_region(st, &s.region);
    let home_region = dir
        .unit(&s.office_unit)
        .map(|u| u.region.clone())
        .unwrap_or_default();
    let unit_choices = dir
        .units()
        .filter(|u| dir.is_within(&u.region, &home_region) && u.id != s.office_unit)
        .map(|u| Choice {
            value: u.id.clone(),
            zh: u.name_zh.clone(),
            en: u.name_en.clone(),
            selected: false,
        })
        .collect();
    let units = s
        .units
        .iter()
        .map(|u| {
            let (zh, en) = unit_names(st, &u.unit);
            UnitRow {
                zh,
                en,
                answer_zh: u
                    .answer
                    .as_ref()
                    .map(|a| a.outcome.zh().to_string())
                    .unwrap_or_else(|| "办理中".into()),
                answer_en: u
                    .answer
                    .as_ref()
                    .map(|a| a.outcome.en().to_string())
                    .unwrap_or_else(|| "In progress".into()),
                reply: u
                    .answer
                    .as_ref()
                    .map(|a| a.reply.clone())
                    .unwrap_or_default(),
                reason: u
                    .answer
                    .as_ref()
                    .map(|a| a.reason.clone())
                    .unwrap_or_default(),
            }
        })
        .collect();
    let forwarded_units = s
        .units
        .iter()
        .map(|u| {
            let (zh, en) = unit_names(st, &u.unit);
            Choice {
                value: u.unit.clone(),
                zh,
                en,
                selected: false,
            }
        })
        .collect();
    let panel = s
        .panel
        .as_ref()
        .map(|p| {
            p.experts
                .iter()
                .map(|m| Choice {
                    value: m.id.clone(),
                    zh: m.name.clone(),
                    en: m.name.clone(),
                    selected: false,
                })
                .collect()
        })
        .unwrap_or_default();
    let tiers = rules
        .policy
        .suggestion
        .reward
        .tiers
        .iter()
        .map(|t| Choice {
            value: t.code.clone(),
            zh: format!("{}（{}元）", t.zh, t.amount_yuan),
            en: format!("{} (¥{})", t.en, t.amount_yuan),
            selected: false,
        })
        .collect();
    let cycle = minsheng_core::suggestion::workflow::adoption_cycle(&s, &rules.policy)
        .map(|c| c.label)
        .unwrap_or_default();
    Ok(SuggestionPage {
        deadlines: views::deadlines(st, &s, now()),
        supporters: st.store.supporters(s.id).await?,
        actions: actions(actor, &s)
            .into_iter()
            .map(|name| ActionView {
                name,
                zh: label(name).0,
                en: label(name).1,
            })
            .collect(),
        entries: events
            .iter()
            .map(|e| Entry {
                at: c.time(&e.at),
                actor: e.actor.name.clone(),
                zh: e.event.zh(),
                en: e.event.en(),
            })
            .collect(),
        units,
        unit_choices,
        forwarded_units,
        outcomes: present::choices(
            Adoption::ALL,
            "",
            Adoption::as_str,
            Adoption::zh,
            Adoption::en,
        ),
        routes: present::choices(
            ConversionRoute::ALL,
            "",
            ConversionRoute::as_str,
            ConversionRoute::zh,
            ConversionRoute::en,
        ),
        kinds: present::choices(
            NotASuggestion::ALL,
            "",
            NotASuggestion::as_str,
            NotASuggestion::zh,
            NotASuggestion::en,
        ),
        recommendations: present::choices(
            Recommendation::ALL,
            "",
            Recommendation::as_str,
            Recommendation::zh,
            Recommendation::en,
        ),
        panel,
        tiers,
        cycle,
        office_zh,
        office_en,
        s,
        c,
        notice,
        error,
    })
}

pub async fn suggestion(
    State(st): State<AppState>,
    WebStaff { staff, c }: WebStaff,
    Path(id): Path<String>,
) -> Response {
    let r = async {
        let actor = staff.actor();
        let s = service::load_visible(&st, &actor, &id).await?;
        Ok(render(
            &suggestion_page(&st, c.clone(), &actor, s, None, None).await?,
        ))
    }
    .await;
    respond(&c, r)
}

/// The command a form describes (checked again by the decider).
fn command_from_form(f: &FormData) -> ApiResult<Value> {
    let name = f.get("command");
    let text = |k: &str| json!(f.get(k).trim());
    let number = |k: &str| -> ApiResult<u64> {
        f.get(k).trim().parse().map_err(|_| {
            ApiError::bad(
                "invalid_number",
                format!("“{k}”应为正整数"),
                format!("“{k}” must be a whole number"),
            )
        })
    };
    Ok(match name {
        "accept" => json!({"command": name, "note": text("note")}),
        "redirect" => json!({"command": name, "kind": text("kind"), "reason": text("reason")}),
        "withdraw" => json!({"command": name, "reason": text("reason")}),
        "draw_panel" => {
            let seed = u64::from_le_bytes(
                minsheng_store::crypto::random_bytes()
                    .map_err(|e| ApiError::Internal(e.to_string()))?,
            );
            json!({"command": name, "size": number("size")?, "seed": seed,
                   "field": f.opt("field")})
        }
        "record_expert_opinion" => json!({"command": name, "expert_id": text("expert_id"),
            "recommendation": text("recommendation"), "opinion": text("opinion")}),
        "assess" => {
            json!({"command": name, "important": f.checked("important"), "opinion": text("opinion")})
        }
        "forward" => {
            let units: Vec<&str> = f.0.keys().filter_map(|k| k.strip_prefix("unit:")).collect();
            json!({"command": name, "units": units, "note": text("note")})
        }
        "extend" => json!({"command": name, "unit": text("unit"), "days": number("days")?,
            "approver": text("approver"), "reason": text("reason")}),
        "answer" => json!({"command": name, "outcome": text("outcome"), "reply": text("reply"),
            "reason": text("reason")}),
        "record_conversion" => json!({"command": name, "route": text("route"),
            "reference": text("reference"), "summary": text("summary")}),
        "publish" => json!({"command": name, "summary": text("summary")}),
        "publish_public_answer" => json!({"command": name, "content": text("content")}),
        "give_feedback" => {
            json!({"command": name, "mode": text("mode"), "content": text("content")})
        }
        "award" => json!({"command": name, "cycle": text("cycle"), "tier": text("tier"),
            "citation": text("citation")}),
        _ => {
            return Err(ApiError::bad(
                "unknown_action",
                "未知的操作",
                "Unknown action",
            ));
        }
    })
}

pub async fn act(
    State(st): State<AppState>,
    WebStaff { staff, c }: WebStaff,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let actor = staff.actor();
    let s = match service::load_visible(&st, &actor, &id).await {
        Ok(s) => s,
        Err(e) => return c.error_page(e),
    };
    let outcome = async {
        let f = FormData::parse(&body)?;
        let cmd = sapi::parse_command(command_from_form(&f)?)?;
        let name = cmd.name();
        let next = service::execute(&st, &actor, s.clone(), cmd).await?;
        Ok::<_, ApiError>((name, next))
    }
    .await;
    let r = async {
        match outcome {
            Ok((name, next)) => {
                let (zh, en) = label(name);
                let notice = c.pick(&format!("✓ 已{zh}"), &format!("✓ {en}: done"));
                Ok(render(
                    &suggestion_page(&st, c.clone(), &actor, next, Some(notice), None).await?,
                ))
            }
            Err(e) if !e.parts().0.is_server_error() => {
                let status = e.parts().0;
                let msg = c.message(&e);
                let page = suggestion_page(&st, c.clone(), &actor, s, None, Some(msg)).await?;
                Ok((status, render(&page)).into_response())
            }
            Err(e) => Err(e),
        }
    }
    .await;
    respond(&c, r)
}

// ---- campaigns ----------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "suggest/staff_campaign_new.html")]
struct NewCampaignPage {
    c: Chrome,
    topics: Vec<present::ChoiceGroup>,
    opens_on: String,
    closes_on: String,
    error: Option<String>,
}

fn require_office(actor: &Actor) -> ApiResult<()> {
    if service::is_office(actor) {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}

pub async fn new_campaign(State(st): State<AppState>, WebStaff { staff, c }: WebStaff) -> Response {
    let r = async {
        require_office(&staff.actor())?;
        let today = minsheng_core::deadline::local_date(now());
        Ok(render(&NewCampaignPage {
            c: c.clone(),
            topics: present::topic_groups(&st.directory(), ""),
            opens_on: today.to_string(),
            closes_on: (today + chrono::Duration::days(30)).to_string(),
            error: None,
        }))
    }
    .await;
    respond(&c, r)
}

fn draft_from_form(f: &FormData, office: &str) -> ApiResult<CampaignDraft> {
    let date = |k: &str| {
        chrono::NaiveDate::parse_from_str(f.get(k).trim(), "%Y-%m-%d").map_err(|_| {
            ApiError::bad(
                "invalid_date",
                "日期格式应为 YYYY-MM-DD",
                "Dates are written YYYY-MM-DD",
            )
        })
    };
    let channels: Vec<Channel> =
        f.0.keys()
            .filter_map(|k| k.strip_prefix("channel:"))
            .map(Channel::parse)
            .collect::<Result<_, _>>()?;
    Ok(CampaignDraft {
        kind: CampaignKind::parse(f.get("kind"))?,
        title: f.get("title").into(),
        explanation: f.get("explanation").into(),
        channels,
        opens_on: date("opens_on")?,
        closes_on: date("closes_on")?,
        office_unit: office.to_string(),
        topic: f.opt("topic"),
    })
}

pub async fn create_campaign(
    State(st): State<AppState>,
    WebStaff { staff, c }: WebStaff,
    body: Bytes,
) -> Response {
    let actor = staff.actor();
    let outcome = async {
        require_office(&actor)?;
        let f = FormData::parse(&body)?;
        let d = draft_from_form(&f, actor.unit.as_deref().unwrap_or_default())?;
        service::open_campaign(&st, &actor, d).await
    }
    .await;
    match outcome {
        Ok(k) => Redirect::to(&format!("/staff/suggest/campaigns/{}", k.id)).into_response(),
        Err(e) if matches!(e, ApiError::Domain(_) | ApiError::BadRequest { .. }) => {
            let status = e.parts().0;
            let today = minsheng_core::deadline::local_date(now());
            let page = NewCampaignPage {
                error: Some(c.message(&e)),
                c,
                topics: present::topic_groups(&st.directory(), ""),
                opens_on: today.to_string(),
                closes_on: (today + chrono::Duration::days(30)).to_string(),
            };
            (status, render(&page)).into_response()
        }
        Err(e) => c.error_page(e),
    }
}

#[derive(Template)]
#[template(path = "suggest/staff_campaign.html")]
struct CampaignPage {
    c: Chrome,
    k: Campaign,
    phase_zh: &'static str,
    phase_en: &'static str,
    rows: Vec<Summary>,
    is_owner: bool,
    targeted: bool,
    link: Option<String>,
    notice: Option<String>,
    error: Option<String>,
}

async fn campaign_page(
    st: &AppState,
    c: Chrome,
    actor: &Actor,
    k: Campaign,
    link: Option<String>,
    notice: Option<String>,
    error: Option<String>,
) -> ApiResult<CampaignPage> {
    let rows = sapi::visible_list(st, actor, None, Some(k.id), 500).await?;
    let phase = k.phase(now());
    Ok(CampaignPage {
        c,
        phase_zh: phase.zh(),
        phase_en: phase.en(),
        rows: rows.iter().map(sapi::summary).collect(),
        is_owner: actor.role == Role::Coordinator && actor.unit.as_deref() == Some(&k.office_unit),
        targeted: k.kind == CampaignKind::Targeted,
        k,
        link,
        notice,
        error,
    })
}

pub async fn campaign(
    State(st): State<AppState>,
    WebStaff { staff, c }: WebStaff,
    Path(id): Path<String>,
) -> Response {
    let r = async {
        let actor = staff.actor();
        if actor.role == Role::Citizen || actor.role == Role::System {
            return Err(ApiError::Forbidden);
        }
        let k = service::load_campaign(&st, &id).await?;
        Ok(render(
            &campaign_page(&st, c.clone(), &actor, k, None, None, None).await?,
        ))
    }
    .await;
    respond(&c, r)
}

pub async fn campaign_act(
    State(st): State<AppState>,
    WebStaff { staff, c }: WebStaff,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let actor = staff.actor();
    let k = match service::load_campaign(&st, &id).await {
        Ok(k) => k,
        Err(e) => return c.error_page(e),
    };
    let outcome = async {
        let f = FormData::parse(&body)?;
        match f.get("command") {
            "invite_adviser" => {
                let (k, token) = service::invite_adviser(
                    &st,
                    &actor,
                    k.clone(),
                    f.get("adviser_id"),
                    f.get("display_name"),
                )
                .await?;
                Ok((k, Some(service::invitation_path(&token))))
            }
            name => {
                let cmd = match name {
                    "close" => CampaignCommand::Close {
                        reason: f.get("reason").into(),
                    },
                    "revoke_invitation" => CampaignCommand::RevokeInvitation {
                        adviser_id: f.get("adviser_id").into(),
                        reason: f.get("reason").into(),
                    },
                    "publish_answer" => CampaignCommand::PublishAnswer {
                        content: f.get("content").into(),
                    },
                    _ => {
                        return Err(ApiError::bad(
                            "unknown_action",
                            "未知的操作",
                            "Unknown action",
                        ));
                    }
                };
                Ok((
                    service::campaign_command(&st, &actor, k.clone(), &cmd).await?,
                    None,
                ))
            }
        }
    }
    .await;
    let r = async {
        match outcome {
            Ok((k, link)) => {
                let notice = c.pick("✓ 已完成", "✓ Done");
                Ok(render(
                    &campaign_page(&st, c.clone(), &actor, k, link, Some(notice), None).await?,
                ))
            }
            Err(e) if !e.parts().0.is_server_error() => {
                let status = e.parts().0;
                let msg = c.message(&e);
                let page = campaign_page(&st, c.clone(), &actor, k, None, None, Some(msg)).await?;
                Ok((status, render(&page)).into_response())
            }
            Err(e) => Err(e),
        }
    }
    .await;
    respond(&c, r)
}

// ---- experts and the support review list --------------------------------------------------

#[derive(Template)]
#[template(path = "suggest/staff_experts.html")]
struct ExpertsPage {
    c: Chrome,
    experts: Vec<Expert>,
    can_edit: bool,
    bursts: Vec<Burst>,
    notice: Option<String>,
    error: Option<String>,
}

async fn experts_page(
    st: &AppState,
    c: Chrome,
    actor: &Actor,
    notice: Option<String>,
    error: Option<String>,
) -> ApiResult<ExpertsPage> {
    if !matches!(
        actor.role,
        Role::Coordinator | Role::Admin | Role::Supervisor
    ) {
        return Err(ApiError::Forbidden);
    }
    Ok(ExpertsPage {
        c,
        experts: st.store.experts().await?,
        can_edit: matches!(actor.role, Role::Coordinator | Role::Admin),
        bursts: sapi::bursts(st, 7).await?,
        notice,
        error,
    })
}

/// The expert pool and the review list of suspicious bursts of support.
pub async fn experts(State(st): State<AppState>, WebStaff { staff, c }: WebStaff) -> Response {
    let r = async {
        Ok(render(
            &experts_page(&st, c.clone(), &staff.actor(), None, None).await?,
        ))
    }
    .await;
    respond(&c, r)
}

pub async fn add_expert(
    State(st): State<AppState>,
    WebStaff { staff, c }: WebStaff,
    body: Bytes,
) -> Response {
    let actor = staff.actor();
    let outcome = async {
        let f = FormData::parse(&body)?;
        let e = Expert {
            id: f.get("id").into(),
            name: f.get("name").into(),
            fields: f
                .get("fields")
                .split([',', '，', ' '])
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .map(str::to_string)
                .collect(),
            unit: f.opt("unit"),
            active: true,
        };
        sapi::save_expert(&st, &actor, e).await
    }
    .await;
    let r = async {
        match outcome {
            Ok(e) => Ok(render(
                &experts_page(
                    &st,
                    c.clone(),
                    &actor,
                    Some(c.pick(
                        &format!("✓ 已保存 {}", e.name),
                        &format!("✓ Saved {}", e.name),
                    )),
                    None,
                )
                .await?,
            )),
            Err(e @ ApiError::Forbidden) => Err(e),
            Err(e) if !e.parts().0.is_server_error() => {
                let status = e.parts().0;
                let msg = c.message(&e);
                let page = experts_page(&st, c.clone(), &actor, None, Some(msg)).await?;
                Ok((status, render(&page)).into_response())
            }
            Err(e) => Err(e),
        }
    }
    .await;
    respond(&c, r)
}
