//! Full-text search for staff: what they type finds every case containing it (words and
//! character pairs), within what their role lets them open, with highlighted snippets.

use super::chrome::{Chrome, WebStaff, render, respond, urlencode};
use super::present::Choice;
use crate::error::ApiError;
use crate::state::AppState;
use crate::textindex;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use minsheng_core::access;
use minsheng_core::case::{CaseKind, Status};
use minsheng_text::search::{SearchError, SearchQuery, SortBy};

const PAGE: usize = 20;
/// Deepest page offered (the index refuses offsets past its own cap).
const MAX_PAGE: usize = 400;

#[derive(Debug, Default, serde::Deserialize)]
pub struct SearchParams {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    page: usize,
    #[serde(default)]
    format: String,
}

pub struct HitRow {
    pub number: String,
    /// Escaped by the search module, with `<mark>` around matches only.
    pub title_html: String,
    pub snippet_html: String,
    pub status_zh: &'static str,
    pub status_en: &'static str,
    pub registered: String,
}

#[derive(Template)]
#[template(path = "staff/search.html")]
struct SearchPage {
    c: Chrome,
    q: String,
    statuses: Vec<Choice>,
    kinds: Vec<Choice>,
    sorts: Vec<Choice>,
    units: Vec<Choice>,
    regions: Vec<Choice>,
    topics: Vec<super::present::ChoiceGroup>,
    from: String,
    to: String,
    hits: Vec<HitRow>,
    searched: bool,
    more_href: Option<String>,
    prev_href: Option<String>,
    /// This search as a download (without `format`).
    export_href: String,
}

fn choice(value: &str, zh: &str, en: &str, selected: &str) -> Choice {
    Choice {
        value: value.into(),
        zh: zh.into(),
        en: en.into(),
        selected: value == selected,
    }
}

/// The search form checked and turned into a query for the index: unknown codes and dates
/// that are not dates are a 400. Pure, so the fuzz targets cover it.
pub fn search_query(
    dir: &minsheng_core::region::Directory,
    visibility: minsheng_text::search::Visibility,
    p: &SearchParams,
) -> Result<SearchQuery, ApiError> {
    if !p.status.is_empty() {
        Status::parse(&p.status)?;
    }
    if !p.kind.is_empty() {
        CaseKind::parse(&p.kind)?;
    }
    if !p.unit.is_empty() {
        dir.unit(&p.unit)?;
    }
    if !p.region.is_empty() {
        dir.region(&p.region)?;
    }
    if !p.topic.is_empty() {
        dir.topic(&p.topic)?;
    }
    // Dates are China calendar days: from the start of `from` to the end of `to`.
    let day = |s: &str, field: &'static str| -> Result<Option<chrono::NaiveDate>, ApiError> {
        if s.is_empty() {
            return Ok(None);
        }
        s.parse().map(Some).map_err(|_| {
            ApiError::bad(
                "invalid_date",
                format!("日期格式应为 YYYY-MM-DD（{field}）"),
                format!("Dates are written YYYY-MM-DD ({field})"),
            )
        })
    };
    let from = day(&p.from, "from")?;
    let to = day(&p.to, "to")?;
    // The first instant of `from` is the end of the day before; the very first date chrono
    // knows has none (found by fuzzing: `from=-262143-01-01` panicked).
    let start_of = |d: chrono::NaiveDate| {
        d.pred_opt()
            .map(minsheng_core::deadline::end_of_day)
            .unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC)
    };
    let page = p.page.min(MAX_PAGE);
    Ok(SearchQuery {
        text: p.q.clone(),
        statuses: (!p.status.is_empty())
            .then(|| p.status.clone())
            .into_iter()
            .collect(),
        kinds: (!p.kind.is_empty())
            .then(|| p.kind.clone())
            .into_iter()
            .collect(),
        units: (!p.unit.is_empty())
            .then(|| p.unit.clone())
            .into_iter()
            .collect(),
        region: (!p.region.is_empty()).then(|| p.region.clone()),
        topic: (!p.topic.is_empty()).then(|| p.topic.clone()),
        created_from: from.map(start_of),
        created_until: to.map(minsheng_core::deadline::end_of_day),
        visibility,
        sort: match p.sort.as_str() {
            "newest" => SortBy::Newest,
            "oldest" => SortBy::Oldest,
            _ => SortBy::Relevance,
        },
        limit: PAGE + 1,
        offset: page * PAGE,
        ..Default::default()
    })
}

pub async fn search(
    State(st): State<AppState>,
    ws: WebStaff,
    Query(p): Query<SearchParams>,
) -> Response {
    let c = ws.c.clone();
    let r = async {
        let actor = ws.staff.actor();
        let dir = st.directory();
        let query = search_query(&dir, textindex::visibility(&actor, &dir), &p)?;
        let page = p.page.min(MAX_PAGE);
        if let Some(f) = super::dashboard::parse_format(&p.format)? {
            // A download takes every match (up to the cap), not one page.
            let index = st.text.search.clone();
            let ids = tokio::task::spawn_blocking(move || index.matching_ids(&query))
                .await
                .map_err(|e| ApiError::Internal(e.to_string()))?
                .map_err(|e| match e {
                    SearchError::InvalidQuery { zh, en } => ApiError::bad("invalid_query", zh, en),
                    e => ApiError::Internal(e.to_string()),
                })?;
            return super::listexport::search_download(&st, &actor, &ids, f).await;
        }
        let index = st.text.search.clone();
        let results = tokio::task::spawn_blocking(move || index.search(&query))
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?
            .map_err(|e| match e {
                SearchError::InvalidQuery { zh, en } => ApiError::bad("invalid_query", zh, en),
                e => ApiError::Internal(e.to_string()),
            })?;
        let more = results.hits.len() > PAGE;
        let mut hits = Vec::new();
        let shown: Vec<_> = results.hits.into_iter().take(PAGE).collect();
        let ids: Vec<uuid::Uuid> = shown
            .iter()
            .filter_map(|h| uuid::Uuid::parse_str(&h.id).ok())
            .collect();
        let mut found = st.store.cases_by_id(&ids).await?;
        for h in shown {
            let Some(case) = uuid::Uuid::parse_str(&h.id)
                .ok()
                .and_then(|id| found.remove(&id))
            else {
                continue;
            };
            // The index is a projection: the case itself decides who may open it.
            if !access::can_view(&actor, &case, &dir) {
                continue;
            }
            hits.push(HitRow {
                number: case.number.clone(),
                title_html: h.title_html,
                snippet_html: h.snippet_html,
                status_zh: case.status.zh(),
                status_en: case.status.en(),
                registered: c.time(&case.registered_at),
            });
        }
        let href = |page: usize| {
            format!(
                "/staff/search?q={}&status={}&kind={}&sort={}&unit={}&region={}&topic={}&from={}&to={}&page={page}",
                urlencode(&p.q),
                urlencode(&p.status),
                urlencode(&p.kind),
                urlencode(&p.sort),
                urlencode(&p.unit),
                urlencode(&p.region),
                urlencode(&p.topic),
                urlencode(&p.from),
                urlencode(&p.to)
            )
        };
        use Status::*;
        let page_view = SearchPage {
            statuses: [
                Registered,
                AwaitingAcceptance,
                Handling,
                Answered,
                UnderReview,
                Dispatched,
                InProgress,
                Replied,
                Final,
                Closed,
                Declined,
                Merged,
            ]
            .iter()
            .map(|s| choice(s.as_str(), s.zh(), s.en(), &p.status))
            .collect(),
            kinds: CaseKind::ALL
                .iter()
            .map(|k| choice(k.as_str(), k.zh(), k.en(), &p.kind))
            .collect(),
            sorts: vec![
                choice("relevance", "相关度", "Relevance", &p.sort),
                choice("newest", "最新", "Newest", &p.sort),
                choice("oldest", "最早", "Oldest", &p.sort),
            ],
            searched: [&p.q, &p.status, &p.kind, &p.unit, &p.region, &p.topic, &p.from, &p.to]
                .iter()
                .any(|v| !v.trim().is_empty()),
            units: super::present::unit_choices(&dir, &p.unit),
            regions: super::present::region_choices(&dir, &p.region),
            topics: super::present::topic_groups(&dir, &p.topic),
            from: p.from.clone(),
            to: p.to.clone(),
            hits,
            more_href: more.then(|| href(page + 1)),
            export_href: href(0),
            prev_href: (page > 0).then(|| href(page - 1)),
            q: p.q.clone(),
            c: c.clone(),
        };
        Ok(render(&page_view))
    }
    .await;
    respond(&c, r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_date_is_a_valid_lower_bound() {
        // Found by fuzzing: `from=-262143-01-01` panicked (a 500 on the search page).
        let dir = crate::demo::province().unwrap();
        let p: SearchParams =
            serde_urlencoded::from_str("q=a&from=-262143-01-01&to=%2B262142-12-31").unwrap();
        let q = search_query(&dir, minsheng_text::search::Visibility::All, &p).unwrap();
        assert_eq!(
            q.created_from,
            Some(chrono::DateTime::<chrono::Utc>::MIN_UTC)
        );
        let bad: SearchParams = serde_urlencoded::from_str("from=2026-13-01").unwrap();
        let e = search_query(&dir, minsheng_text::search::Visibility::All, &bad).unwrap_err();
        assert_eq!(e.parts().0, axum::http::StatusCode::BAD_REQUEST);
    }
}
