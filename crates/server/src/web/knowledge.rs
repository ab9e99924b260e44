//! The knowledge base (知识库): edited in the workbench by the owning unit, searched with the
//! same engine as the cases, suggested to agents while they type a consultation, and open to
//! the public while published and valid.

use super::chrome::{Chrome, Web, WebStaff, render, respond};
use super::forms::FormData;
use super::present::{self, Choice};
use crate::error::{ApiError, ApiResult};
use crate::service;
use crate::state::AppState;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use minsheng_core::access::{Actor, Role};
use minsheng_core::deadline::local_date;
use minsheng_core::knowledge::{Article, ArticleInput, ArticleState};
use minsheng_text::search::{SearchError, SearchQuery, SortBy, Visibility};

/// An article in a list.
pub struct ArticleRow {
    pub id: String,
    pub title_html: String,
    pub snippet_html: String,
    pub state_zh: &'static str,
    pub state_en: &'static str,
    pub owner_zh: String,
    pub owner_en: String,
    pub valid: String,
    pub current: bool,
    pub expired: bool,
}

fn valid_text(a: &Article) -> String {
    match a.valid_until {
        Some(u) => format!("{} — {}", a.valid_from, u),
        None => format!("{} —", a.valid_from),
    }
}

fn row(st: &AppState, a: &Article, title_html: String, snippet_html: String) -> ArticleRow {
    let today = local_date(service::now());
    let owner = crate::views::unit_ref(&st.directory(), &a.owner_unit);
    ArticleRow {
        id: a.id.to_string(),
        title_html,
        snippet_html,
        state_zh: a.state.zh(),
        state_en: a.state.en(),
        owner_zh: owner.name_zh,
        owner_en: owner.name_en,
        valid: valid_text(a),
        current: a.is_current(today),
        expired: a.is_expired(today),
    }
}

/// Articles matching `q` (all words), or every article when `q` is empty; `public` keeps only
/// the current ones.
async fn find(st: &AppState, q: &str, public: bool) -> ApiResult<Vec<ArticleRow>> {
    let all = st.store.articles().await?;
    let today = local_date(service::now());
    let keep = |a: &Article| !public || a.is_current(today);
    if q.trim().is_empty() {
        return Ok(all
            .iter()
            .filter(|a| keep(a))
            .map(|a| {
                let esc = minsheng_text::search::escape_html;
                let body: String = a.body.chars().take(120).collect();
                row(st, a, esc(&a.title), esc(&body))
            })
            .collect());
    }
    let query = SearchQuery {
        text: q.to_string(),
        visibility: Visibility::All,
        sort: SortBy::Relevance,
        limit: 100,
        ..Default::default()
    };
    let results = st.text.kb.search(&query).map_err(|e| match e {
        SearchError::InvalidQuery { zh, en } => ApiError::bad("invalid_query", zh, en),
        e => ApiError::Internal(e.to_string()),
    })?;
    Ok(results
        .hits
        .into_iter()
        .filter_map(|h| {
            let a = all.iter().find(|a| a.id.to_string() == h.id)?;
            keep(a).then(|| row(st, a, h.title_html, h.snippet_html))
        })
        .collect())
}

/// Current articles that answer what the agent is typing: the share of the draft's character
/// pairs found in the article, title matches counting three times. Transparent and cheap for a
/// knowledge base of hundreds of articles.
pub async fn suggest(st: &AppState, draft: &str, limit: usize) -> ApiResult<Vec<(String, String)>> {
    if minsheng_text::answer_score(draft, "", "").is_none() {
        return Ok(Vec::new());
    }
    let today = local_date(service::now());
    let mut scored: Vec<(f64, Article)> = st
        .store
        .articles()
        .await?
        .into_iter()
        .filter(|a| a.is_current(today))
        .filter_map(|a| Some((minsheng_text::answer_score(draft, &a.title, &a.body)?, a)))
        .filter(|(score, _)| *score >= 0.35)
        .collect();
    scored.sort_by(|x, y| y.0.total_cmp(&x.0));
    Ok(scored
        .into_iter()
        .take(limit)
        .map(|(_, a)| (a.id.to_string(), a.title))
        .collect())
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct KbQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    saved: String,
}

#[derive(Template)]
#[template(path = "kb/list.html")]
struct ListPage {
    c: Chrome,
    q: String,
    rows: Vec<ArticleRow>,
    staff_view: bool,
    notice: Option<String>,
}

pub async fn staff_list(
    State(st): State<AppState>,
    ws: WebStaff,
    Query(p): Query<KbQuery>,
) -> Response {
    let c = ws.c.clone();
    let r = async {
        let rows = find(&st, &p.q, false).await?;
        let notice = (!p.saved.is_empty()).then(|| c.pick("已保存", "Saved"));
        Ok(render(&ListPage {
            c: c.clone(),
            q: p.q,
            rows,
            staff_view: true,
            notice,
        }))
    }
    .await;
    respond(&c, r)
}

pub async fn public_list(
    State(st): State<AppState>,
    Web(c): Web,
    Query(p): Query<KbQuery>,
) -> Response {
    let r = async {
        let rows = find(&st, &p.q, true).await?;
        Ok(render(&ListPage {
            c: c.clone(),
            q: p.q,
            rows,
            staff_view: false,
            notice: None,
        }))
    }
    .await;
    respond(&c, r)
}

#[derive(Template)]
#[template(path = "kb/article.html")]
struct ArticlePage {
    c: Chrome,
    a: Article,
    owner_zh: String,
    owner_en: String,
}

pub async fn public_article(
    State(st): State<AppState>,
    Web(c): Web,
    Path(id): Path<String>,
) -> Response {
    let r = async {
        let id = uuid::Uuid::parse_str(&id).map_err(|_| ApiError::NotFound)?;
        let a = st.store.article(id).await?.ok_or(ApiError::NotFound)?;
        if !a.is_current(local_date(service::now())) {
            return Err(ApiError::NotFound);
        }
        let owner = crate::views::unit_ref(&st.directory(), &a.owner_unit);
        Ok(render(&ArticlePage {
            c: c.clone(),
            a,
            owner_zh: owner.name_zh,
            owner_en: owner.name_en,
        }))
    }
    .await;
    respond(&c, r)
}

#[derive(Template)]
#[template(path = "kb/edit.html")]
struct EditPage {
    c: Chrome,
    id: String,
    version: i64,
    title: String,
    body: String,
    valid_from: String,
    valid_until: String,
    states: Vec<Choice>,
    units: Vec<Choice>,
    error: Option<String>,
}

/// Administrators and supervisors edit any article; other staff those of their own unit.
fn may_edit(actor: &Actor, owner_unit: &str) -> bool {
    matches!(actor.role, Role::Admin | Role::Supervisor) || actor.in_unit(owner_unit)
}

fn edit_page(
    st: &AppState,
    c: Chrome,
    a: Option<&Article>,
    f: Option<&FormData>,
    unit: &str,
    error: Option<String>,
) -> EditPage {
    let get =
        |k: &str, from_article: String| f.map(|f| f.get(k).to_string()).unwrap_or(from_article);
    let state = get(
        "state",
        a.map(|a| a.state.as_str().to_string())
            .unwrap_or_else(|| "draft".into()),
    );
    let owner = get(
        "owner_unit",
        a.map(|a| a.owner_unit.clone())
            .unwrap_or_else(|| unit.to_string()),
    );
    EditPage {
        id: a.map(|a| a.id.to_string()).unwrap_or_default(),
        version: a.map(|a| a.version).unwrap_or(0),
        title: get("title", a.map(|a| a.title.clone()).unwrap_or_default()),
        body: get("body", a.map(|a| a.body.clone()).unwrap_or_default()),
        valid_from: get(
            "valid_from",
            a.map(|a| a.valid_from.to_string())
                .unwrap_or_else(|| local_date(service::now()).to_string()),
        ),
        valid_until: get(
            "valid_until",
            a.and_then(|a| a.valid_until.map(|d| d.to_string()))
                .unwrap_or_default(),
        ),
        states: ArticleState::ALL
            .iter()
            .map(|s| Choice {
                value: s.as_str().into(),
                zh: s.zh().into(),
                en: s.en().into(),
                selected: s.as_str() == state,
            })
            .collect(),
        units: present::unit_choices(&st.directory(), &owner),
        error,
        c,
    }
}

pub async fn new_form(State(st): State<AppState>, ws: WebStaff) -> Response {
    let unit = ws.staff.user.unit.clone().unwrap_or_default();
    render(&edit_page(&st, ws.c.clone(), None, None, &unit, None))
}

pub async fn edit_form(
    State(st): State<AppState>,
    ws: WebStaff,
    Path(id): Path<String>,
) -> Response {
    let c = ws.c.clone();
    let r = async {
        let id = uuid::Uuid::parse_str(&id).map_err(|_| ApiError::NotFound)?;
        let a = st.store.article(id).await?.ok_or(ApiError::NotFound)?;
        if !may_edit(&ws.staff.actor(), &a.owner_unit) {
            return Err(ApiError::Forbidden);
        }
        let unit = ws.staff.user.unit.clone().unwrap_or_default();
        Ok(render(&edit_page(
            &st,
            c.clone(),
            Some(&a),
            None,
            &unit,
            None,
        )))
    }
    .await;
    respond(&c, r)
}

fn parse_date(field: &'static str, s: &str) -> ApiResult<chrono::NaiveDate> {
    s.trim().parse().map_err(|_| {
        ApiError::bad(
            "invalid_date",
            format!("日期格式应为 YYYY-MM-DD（{field}）"),
            format!("Dates are written YYYY-MM-DD ({field})"),
        )
    })
}

pub async fn save(State(st): State<AppState>, ws: WebStaff, body: Bytes) -> Response {
    let c = ws.c.clone();
    let actor = ws.staff.actor();
    let r = async {
        let f = FormData::parse(&body)?;
        let existing = match f.opt("id") {
            Some(id) => {
                let id = uuid::Uuid::parse_str(&id).map_err(|_| ApiError::NotFound)?;
                Some(st.store.article(id).await?.ok_or(ApiError::NotFound)?)
            }
            None => None,
        };
        let outcome = async {
            let input = ArticleInput {
                title: f.get("title").into(),
                body: f.get("body").into(),
                owner_unit: f.get("owner_unit").into(),
                valid_from: parse_date("valid_from", f.get("valid_from"))?,
                valid_until: f
                    .opt("valid_until")
                    .map(|d| parse_date("valid_until", &d))
                    .transpose()?,
                state: ArticleState::parse(f.get("state"))?,
            }
            .checked()?;
            st.directory().unit(&input.owner_unit)?;
            let allowed = may_edit(&actor, &input.owner_unit)
                && existing
                    .as_ref()
                    .is_none_or(|a| may_edit(&actor, &a.owner_unit));
            if !allowed {
                return Err(ApiError::Forbidden);
            }
            let expected = f.get("version").parse::<i64>().unwrap_or(0);
            let article = Article {
                id: existing
                    .as_ref()
                    .map(|a| a.id)
                    .unwrap_or_else(uuid::Uuid::now_v7),
                title: input.title,
                body: input.body,
                owner_unit: input.owner_unit,
                valid_from: input.valid_from,
                valid_until: input.valid_until,
                state: input.state,
                updated_at: service::now(),
                updated_by: actor.name.clone(),
                version: expected + 1,
            };
            st.store.save_article(&article).await?;
            st.text.project_article(&article);
            st.store
                .audit(
                    &ws.staff.user.username,
                    "article_saved",
                    &article.id.to_string(),
                )
                .await?;
            Ok(article)
        }
        .await;
        match outcome {
            Ok(a) => Ok(Redirect::to(&format!("/staff/kb?saved={}", a.id)).into_response()),
            Err(e)
                if super::portal::is_user_error(&e)
                    || matches!(e, ApiError::Store(minsheng_store::StoreError::Conflict)) =>
            {
                let status = e.parts().0;
                let msg = c.message(&e);
                let unit = ws.staff.user.unit.clone().unwrap_or_default();
                Ok((
                    status,
                    render(&edit_page(
                        &st,
                        c.clone(),
                        existing.as_ref(),
                        Some(&f),
                        &unit,
                        Some(msg),
                    )),
                )
                    .into_response())
            }
            Err(e) => Err(e),
        }
    }
    .await;
    respond(&c, r)
}
