//! Case lists as downloads (the queue and search results): the same filters and access rules as
//! the page, personal data masked exactly as the list shows it, at most `MAX_ROWS` rows (the
//! file name says when the list was cut).

use super::export::{Cell, ExportFormat, Table, download};
use crate::error::ApiResult;
use crate::service;
use crate::state::AppState;
use crate::views;
use axum::response::Response;
use minsheng_core::access::Actor;
use minsheng_core::workflow::CaseState;
use minsheng_store::{CaseFilter, Scope};

/// The most rows one download carries.
pub const MAX_ROWS: usize = 50_000;

const COLUMNS: &[(&str, &str)] = &[
    ("编号", "Number"),
    ("标题", "Title"),
    ("流程", "Flow"),
    ("类别", "Kind"),
    ("渠道", "Channel"),
    ("状态", "Status"),
    ("问题分类", "Topic"),
    ("所在地区", "Region"),
    ("办理单位", "Unit"),
    ("信访人", "Petitioner"),
    ("联系电话", "Phone"),
    ("登记时间", "Registered"),
    ("当前期限", "Deadline"),
];

/// The table of cases, masked for `actor`; `stem` names the file ("queue", "search").
pub fn cases_table(
    st: &AppState,
    actor: &Actor,
    cases: &[CaseState],
    stem: &str,
    cut: bool,
) -> Table {
    let dir = st.directory();
    let name = if cut {
        format!("{stem}-first-{MAX_ROWS}")
    } else {
        stem.to_string()
    };
    let mut t = Table::new(&name, COLUMNS);
    for s in cases {
        let sum = views::case_summary(st, &dir, actor, s);
        let topic = dir
            .topic(&s.topic)
            .map(|t| t.name_zh.clone())
            .unwrap_or_else(|_| s.topic.clone());
        let region = dir
            .region(&s.location.region)
            .map(|r| r.name_zh.clone())
            .unwrap_or_else(|_| s.location.region.clone());
        t.push(vec![
            s.number.clone().into(),
            s.title.clone().into(),
            s.flow.zh().into(),
            s.kind.zh().into(),
            s.channel.zh().into(),
            s.status.zh().into(),
            topic.into(),
            region.into(),
            sum.current_unit.name_zh.into(),
            sum.petitioner_name_masked.into(),
            sum.petitioner_phone_masked.into(),
            Cell::Time(s.registered_at),
            sum.due.map(|d| d.due).into(),
        ]);
    }
    t
}

/// Every page of the queue with `filter`, up to the cap, as a download.
pub async fn queue_download(
    st: &AppState,
    actor: &Actor,
    scope: &Scope,
    mut filter: CaseFilter,
    format: ExportFormat,
) -> ApiResult<Response> {
    filter.limit = 200;
    filter.cursor = None;
    let mut cases = Vec::new();
    let mut cut = false;
    loop {
        let page = service::list_visible(st, actor, scope, &filter).await?;
        cases.extend(page.items);
        if cases.len() >= MAX_ROWS {
            cut = cases.len() > MAX_ROWS || page.next_cursor.is_some();
            cases.truncate(MAX_ROWS);
            break;
        }
        match page.next_cursor {
            Some(c) => filter.cursor = Some(c),
            None => break,
        }
    }
    audit(st, actor, "export.queue", cases.len()).await?;
    Ok(download(
        &cases_table(st, actor, &cases, "queue", cut),
        format,
    ))
}

/// The cases behind search matches (ids from the index), those this staff member may open,
/// newest first, up to the cap, as a download.
pub async fn search_download(
    st: &AppState,
    actor: &Actor,
    ids: &[String],
    format: ExportFormat,
) -> ApiResult<Response> {
    let dir = st.directory();
    let ids: Vec<uuid::Uuid> = ids
        .iter()
        .filter_map(|id| uuid::Uuid::parse_str(id).ok())
        .collect();
    let mut cases = Vec::new();
    let mut cut = false;
    'chunks: for chunk in ids.chunks(500) {
        // The index is a projection: the case itself decides who may open it.
        for case in st.store.get_cases(chunk).await? {
            if !minsheng_core::access::can_view(actor, &case, &dir) {
                continue;
            }
            if cases.len() == MAX_ROWS {
                cut = true;
                break 'chunks;
            }
            cases.push(case);
        }
    }
    cases.sort_by(|a, b| b.registered_at.cmp(&a.registered_at).then(b.id.cmp(&a.id)));
    audit(st, actor, "export.search", cases.len()).await?;
    Ok(download(
        &cases_table(st, actor, &cases, "search", cut),
        format,
    ))
}

/// A bulk download of case data is a privileged read: it goes in the audit log with its size.
async fn audit(st: &AppState, actor: &Actor, action: &str, rows: usize) -> ApiResult<()> {
    st.store
        .audit(&actor.name, action, &format!("{rows} rows"))
        .await?;
    Ok(())
}
