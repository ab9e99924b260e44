//! Citizens' suggestion pages (no login): the campaign list and campaign pages, the submission
//! form (also reached through an invited adviser's personal link), the result with the query
//! code or the reason a submission was redirected and a one-click hand-off, tracking, and the
//! public support page of a published suggestion.

use crate::error::{ApiError, ApiResult};
use crate::service::now;
use crate::state::AppState;
use crate::suggest::api::{PublicCampaign, public_campaign_view};
use crate::suggest::service::{self, SuggesterInput, SuggestionInput};
use crate::suggest::support::{self, ClientIp};
use crate::suggest::views::{self, PublicView, TrackView};
use crate::web::chrome::{Chrome, Web, render, respond};
use crate::web::forms::FormData;
use crate::web::portal::is_user_error;
use crate::web::present::{self, Choice, ChoiceGroup};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use minsheng_core::access::Actor;
use minsheng_core::suggestion::{Campaign, CampaignKind, CampaignPhase};

#[derive(Template)]
#[template(path = "suggest/home.html")]
struct Home {
    c: Chrome,
    campaigns: Vec<PublicCampaign>,
    published: Vec<PublicView>,
}

pub async fn home(State(st): State<AppState>, Web(c): Web) -> Response {
    let r = async {
        let at = now();
        let campaigns = st
            .store
            .list_campaigns()
            .await?
            .iter()
            .map(|x| public_campaign_view(x, at))
            .collect();
        let mut published = Vec::new();
        let f = minsheng_store::SuggestionFilter {
            published_only: true,
            limit: 50,
            ..Default::default()
        };
        for s in st.store.list_suggestions(&f).await? {
            published.push(views::public_view(&st, &s).await?);
        }
        Ok(render(&Home {
            c: c.clone(),
            campaigns,
            published,
        }))
    }
    .await;
    respond(&c, r)
}

#[derive(Template)]
#[template(path = "suggest/campaign.html")]
struct CampaignPage {
    c: Chrome,
    k: PublicCampaign,
    /// Open and themed: anyone may submit.
    can_submit: bool,
    targeted: bool,
}

pub async fn campaign(State(st): State<AppState>, Web(c): Web, Path(id): Path<String>) -> Response {
    let r = async {
        let k = service::load_campaign(&st, &id).await?;
        let open = k.phase(now()) == CampaignPhase::Open;
        Ok(render(&CampaignPage {
            c: c.clone(),
            can_submit: open && k.kind == CampaignKind::Themed,
            targeted: k.kind == CampaignKind::Targeted,
            k: public_campaign_view(&k, now()),
        }))
    }
    .await;
    respond(&c, r)
}

/// What the form is shown with.
#[derive(Debug, Clone, Default)]
pub struct FormValues {
    pub campaign: String,
    pub adviser_token: String,
    pub title: String,
    pub reason: String,
    pub proposal: String,
    pub region: String,
    pub name: String,
    pub phone: String,
    pub address: String,
}

impl FormValues {
    fn from_form(f: &FormData) -> Self {
        FormValues {
            campaign: f.get("campaign").into(),
            adviser_token: f.get("adviser_token").into(),
            title: f.get("title").into(),
            reason: f.get("reason").into(),
            proposal: f.get("proposal").into(),
            region: f.get("region").into(),
            name: f.get("name").into(),
            phone: f.get("phone").into(),
            address: f.get("address").into(),
        }
    }
}

#[derive(Template)]
#[template(path = "suggest/form.html")]
struct FormPage {
    c: Chrome,
    v: FormValues,
    campaign: Option<PublicCampaign>,
    adviser: Option<String>,
    topics: Vec<ChoiceGroup>,
    regions: Vec<Choice>,
    error: Option<String>,
}

fn form_page(
    st: &AppState,
    c: Chrome,
    v: FormValues,
    campaign: Option<&Campaign>,
    topic: &str,
    error: Option<String>,
) -> FormPage {
    let dir = st.directory();
    let adviser = campaign.and_then(|k| {
        k.invitation_for(&v.adviser_token)
            .map(|i| i.display_name.clone())
    });
    FormPage {
        topics: present::topic_groups(&dir, topic),
        regions: present::region_choices(&dir, &v.region),
        campaign: campaign.map(|k| public_campaign_view(k, now())),
        adviser,
        v,
        c,
        error,
    }
}

#[derive(serde::Deserialize)]
pub struct NewQuery {
    campaign: Option<String>,
}

pub async fn new_form(
    State(st): State<AppState>,
    Web(c): Web,
    Query(q): Query<NewQuery>,
) -> Response {
    let r = async {
        let campaign = match q.campaign.as_deref().filter(|x| !x.is_empty()) {
            Some(id) => Some(service::load_campaign(&st, id).await?),
            None => None,
        };
        let v = FormValues {
            campaign: campaign
                .as_ref()
                .map(|k| k.id.to_string())
                .unwrap_or_default(),
            ..Default::default()
        };
        let topic = campaign
            .as_ref()
            .and_then(|k| k.topic.clone())
            .unwrap_or_default();
        Ok(render(&form_page(
            &st,
            c.clone(),
            v,
            campaign.as_ref(),
            &topic,
            None,
        )))
    }
    .await;
    respond(&c, r)
}

/// The adviser's personal link: the targeted campaign's form with the token carried along.
pub async fn invite(
    State(st): State<AppState>,
    Web(c): Web,
    Path(token): Path<String>,
) -> Response {
    let r = async {
        let k = service::campaign_for_token(&st, &token).await?;
        let v = FormValues {
            campaign: k.id.to_string(),
            adviser_token: token.clone(),
            ..Default::default()
        };
        let topic = k.topic.clone().unwrap_or_default();
        let mut resp = render(&form_page(&st, c.clone(), v, Some(&k), &topic, None));
        // The token is in the address: keep it out of Referer headers and shared caches.
        resp.headers_mut().insert(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("no-store"),
        );
        Ok(resp)
    }
    .await;
    respond(&c, r)
}

#[derive(Template)]
#[template(path = "suggest/submitted.html")]
struct SubmittedPage {
    c: Chrome,
    number: String,
    query_code: String,
    phone_last4: String,
    status_zh: String,
    status_en: String,
    redirected: bool,
    reason_zh: String,
    reason_en: String,
    to_hotline: bool,
}

pub async fn submit(State(st): State<AppState>, Web(c): Web, body: Bytes) -> Response {
    let f = match FormData::parse(&body) {
        Ok(f) => f,
        Err(e) => return c.error_page(e),
    };
    let input = SuggestionInput {
        channel: None,
        campaign: match f.opt("campaign") {
            Some(x) => match uuid::Uuid::parse_str(&x) {
                Ok(id) => Some(id),
                Err(_) => return c.error_page(ApiError::NotFound),
            },
            None => None,
        },
        adviser_token: f.opt("adviser_token"),
        title: f.get("title").into(),
        reason: f.get("reason").into(),
        proposal: f.get("proposal").into(),
        topic: f.get("topic").into(),
        region: f.get("region").into(),
        office_unit: None,
        suggester: SuggesterInput {
            name: f.get("name").into(),
            phone: f.get("phone").into(),
            address: f.opt("address"),
            organisation: false,
        },
    };
    let campaign = match input.campaign {
        Some(id) => st.store.get_campaign(id).await.ok().flatten(),
        None => None,
    };
    let phone = f.get("phone").trim().to_string();
    // By characters: a phone typed with full-width digits must not split a character.
    let skip = phone.chars().count().saturating_sub(4);
    let phone_last4: String = phone.chars().skip(skip).collect();
    match crate::abuse::held::submit_suggestion(&st, input).await {
        Ok(crate::abuse::held::SuggestionOutcome::Held { query_code }) => render(&SubmittedPage {
            c,
            number: "—".into(),
            query_code,
            phone_last4,
            status_zh: "内容审核中".into(),
            status_en: "In content review".into(),
            redirected: false,
            reason_zh: String::new(),
            reason_en: String::new(),
            to_hotline: false,
        }),
        Ok(crate::abuse::held::SuggestionOutcome::Submitted(r)) => {
            let s = &r.state;
            render(&SubmittedPage {
                c,
                number: s.number.clone(),
                query_code: r.query_code.clone(),
                phone_last4,
                status_zh: s.status.zh().into(),
                status_en: s.status.en().into(),
                redirected: s.redirection.is_some(),
                reason_zh: s
                    .redirection
                    .as_ref()
                    .map(|x| x.reason.clone())
                    .unwrap_or_default(),
                reason_en: s
                    .redirection
                    .as_ref()
                    .map(|x| x.reason_en.clone())
                    .unwrap_or_default(),
                to_hotline: s
                    .redirection
                    .as_ref()
                    .is_some_and(|x| x.to == minsheng_core::case::Flow::Hotline),
            })
        }
        Err(e) if is_user_error(&e) => {
            let status = e.parts().0;
            let msg = c.message(&e);
            let topic = f.get("topic").to_string();
            let page = form_page(
                &st,
                c,
                FormValues::from_form(&f),
                campaign.as_ref(),
                &topic,
                Some(msg),
            );
            (status, render(&page)).into_response()
        }
        Err(e) => c.error_page(e),
    }
}

#[derive(Template)]
#[template(path = "suggest/handed_off.html")]
struct HandedOffPage {
    c: Chrome,
    case_number: String,
    query_code: String,
}

/// 一键转办 with the citizen's consent (the button on the result or tracking page).
pub async fn handoff(State(st): State<AppState>, Web(c): Web, body: Bytes) -> Response {
    let r = async {
        let f = FormData::parse(&body)?;
        let s = service::load_for_suggester(&st, f.get("query_code"), f.get("phone_last4")).await?;
        let reg = service::handoff(&st, &s).await?;
        Ok(render(&HandedOffPage {
            c: c.clone(),
            case_number: reg.case.number.clone(),
            query_code: reg.query_code.unwrap_or_default(),
        }))
    }
    .await;
    respond(&c, r)
}

#[derive(Template)]
#[template(path = "suggest/track.html")]
struct TrackPage {
    c: Chrome,
    code: String,
    last4: String,
    t: Option<TrackView>,
    error: Option<String>,
}

pub async fn track_form(Web(c): Web) -> Response {
    render(&TrackPage {
        c,
        code: String::new(),
        last4: String::new(),
        t: None,
        error: None,
    })
}

pub async fn track(State(st): State<AppState>, Web(c): Web, body: Bytes) -> Response {
    let f = match FormData::parse(&body) {
        Ok(f) => f,
        Err(e) => return c.error_page(e),
    };
    let code = f.get("query_code").trim().to_string();
    let last4 = f.get("phone_last4").trim().to_string();
    let withdraw = f.get("action") == "withdraw";
    let r: ApiResult<TrackView> = async {
        let mut s = service::load_for_suggester(&st, &code, &last4).await?;
        if withdraw {
            let cmd = minsheng_core::suggestion::SuggestionCommand::Withdraw {
                reason: f.get("reason").into(),
            };
            s = service::execute(&st, &Actor::citizen(), s, cmd).await?;
        }
        let events = st.store.suggestion_events(s.id).await?;
        Ok(views::track_view(&st, &s, &events))
    }
    .await;
    match r {
        Ok(t) => render(&TrackPage {
            c,
            code,
            last4,
            t: Some(t),
            error: None,
        }),
        Err(e)
            if matches!(
                e,
                ApiError::NotFound | ApiError::Domain(_) | ApiError::BadRequest { .. }
            ) =>
        {
            let status = e.parts().0;
            // A held or rejected submission says what became of it.
            let msg = if matches!(e, ApiError::BadRequest { .. })
                || (withdraw && !matches!(e, ApiError::NotFound))
            {
                c.message(&e)
            } else {
                c.pick(
                    "查询码或电话号码后四位不正确",
                    "The query code or the last four digits are wrong",
                )
            };
            let page = TrackPage {
                c,
                code,
                last4: String::new(),
                t: None,
                error: Some(msg),
            };
            (status, render(&page)).into_response()
        }
        Err(e) => c.error_page(e),
    }
}

#[derive(Template)]
#[template(path = "suggest/published.html")]
struct PublishedPage {
    c: Chrome,
    p: PublicView,
    phone: String,
    code_sent: bool,
    notice: Option<String>,
    error: Option<String>,
}

pub async fn published(
    State(st): State<AppState>,
    Web(c): Web,
    Path(id): Path<String>,
) -> Response {
    let r = async {
        let s = service::load_published(&st, &id).await?;
        Ok(render(&PublishedPage {
            c: c.clone(),
            p: views::public_view(&st, &s).await?,
            phone: String::new(),
            code_sent: false,
            notice: None,
            error: None,
        }))
    }
    .await;
    respond(&c, r)
}

/// Both support steps: `code` sends a one-time code, `support` adds the support.
pub async fn support_step(
    State(st): State<AppState>,
    Web(c): Web,
    ClientIp(ip): ClientIp,
    Path((id, step)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let f = match FormData::parse(&body) {
        Ok(f) => f,
        Err(e) => return c.error_page(e),
    };
    let phone = f.get("phone").trim().to_string();
    let outcome: ApiResult<(bool, String)> = match step.as_str() {
        "code" => support::request_code(&st, &id, &phone, ip).await.map(|()| {
            (
                true,
                c.pick(
                    "验证码已发送到您的手机，10分钟内有效",
                    "A code has been sent to your phone; it is valid for 10 minutes",
                ),
            )
        }),
        "support" => support::support(&st, &id, &phone, f.get("code"), ip)
            .await
            .map(|s| {
                (
                    false,
                    c.pick(
                        &format!("✓ 附议成功，当前共有{}人附议", s.supporters),
                        &format!("✓ Supported; {} supporters now", s.supporters),
                    ),
                )
            }),
        _ => Err(ApiError::NotFound),
    };
    let s = match service::load_published(&st, &id).await {
        Ok(s) => s,
        Err(e) => return c.error_page(e),
    };
    let p = match views::public_view(&st, &s).await {
        Ok(p) => p,
        Err(e) => return c.error_page(e),
    };
    match outcome {
        Ok((code_sent, msg)) => render(&PublishedPage {
            c,
            p,
            phone,
            code_sent,
            notice: Some(msg),
            error: None,
        }),
        Err(e) if !e.parts().0.is_server_error() => {
            let status = e.parts().0;
            let msg = c.message(&e);
            let code_sent = step == "support";
            (
                status,
                render(&PublishedPage {
                    c,
                    p,
                    phone,
                    code_sent,
                    notice: None,
                    error: Some(msg),
                }),
            )
                .into_response()
        }
        Err(e) => c.error_page(e),
    }
}
