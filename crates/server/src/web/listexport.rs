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

/// One case as a row of the list, masked for `actor`.
fn case_row(
    st: &AppState,
    dir: &minsheng_core::region::Directory,
    actor: &Actor,
    s: &CaseState,
) -> Vec<Cell> {
    let sum = views::case_summary(st, dir, actor, s);
    let topic = dir
        .topic(&s.topic)
        .map(|t| t.name_zh.clone())
        .unwrap_or_else(|_| s.topic.clone());
    let region = dir
        .region(&s.location.region)
        .map(|r| r.name_zh.clone())
        .unwrap_or_else(|_| s.location.region.clone());
    vec![
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
    ]
}

/// `stem` names the file ("queue", "search"); a cut list says so in its name.
fn file_name(stem: &str, cut: bool) -> String {
    if cut {
        format!("{stem}-first-{MAX_ROWS}")
    } else {
        stem.to_string()
    }
}

/// Every page of the queue with `filter`, up to the cap, as a download. Each page of cases is
/// turned into rows and dropped, so memory holds rows of text, not whole cases.
pub async fn queue_download(
    st: &AppState,
    actor: &Actor,
    scope: &Scope,
    mut filter: CaseFilter,
    format: ExportFormat,
) -> ApiResult<Response> {
    filter.limit = 200;
    filter.cursor = None;
    let dir = st.directory();
    let mut t = Table::new("queue", COLUMNS);
    let mut cut = false;
    'pages: loop {
        let page = service::list_visible(st, actor, scope, &filter).await?;
        for case in &page.items {
            if t.rows.len() == MAX_ROWS {
                cut = true;
                break 'pages;
            }
            t.push(case_row(st, &dir, actor, case));
        }
        match page.next_cursor {
            Some(c) => filter.cursor = Some(c),
            None => break,
        }
    }
    t.name = file_name("queue", cut);
    audit(st, actor, "export.queue", t.rows.len()).await?;
    Ok(download(&t, format))
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
    let mut rows = Vec::new();
    let mut cut = false;
    'chunks: for chunk in ids.chunks(500) {
        // The index is a projection: the case itself decides who may open it.
        for case in st.store.get_cases(chunk).await? {
            if !minsheng_core::access::can_view(actor, &case, &dir) {
                continue;
            }
            if rows.len() == MAX_ROWS {
                cut = true;
                break 'chunks;
            }
            rows.push((
                std::cmp::Reverse((case.registered_at, case.id)),
                case_row(st, &dir, actor, &case),
            ));
        }
    }
    rows.sort_by_key(|(newest_first, _)| *newest_first);
    let mut t = Table::new(&file_name("search", cut), COLUMNS);
    t.rows = rows.into_iter().map(|(_, row)| row).collect();
    audit(st, actor, "export.search", t.rows.len()).await?;
    Ok(download(&t, format))
}

/// A bulk download of case data is a privileged read: it goes in the audit log with its size.
async fn audit(st: &AppState, actor: &Actor, action: &str, rows: usize) -> ApiResult<()> {
    st.store
        .audit(&actor.name, action, &format!("{rows} rows"))
        .await?;
    Ok(())
}
