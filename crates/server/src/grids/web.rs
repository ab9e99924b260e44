//! The grid worker's pages, made for a phone (375 px wide, no horizontal scrolling): the
//! matters in my grid(s), one matter with its visits, and the three things a grid worker does —
//! record a site visit with photos, resolve on the spot, escalate to the township — plus the
//! 就地化解率 report.

use super::photos;
use crate::error::{ApiError, ApiResult};
use crate::routes::{Routes, routes};
use crate::service::{self, Availability};
use crate::state::AppState;
use crate::web::chrome::{Chrome, WebStaff, render, respond};
use crate::web::forms::FormData;
use crate::web::present::{self, DeadlineRow};
use askama::Template;
use axum::body::Bytes;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use minsheng_core::access::Actor;
use minsheng_core::workflow::{CaseState, Command};

pub fn routes() -> Routes {
    routes![
        "/staff/grid" => get(list),
        "/staff/grid/report" => get(report),
        "/staff/grid/cases/{id}" => get(case_page),
        "/staff/grid/cases/{id}/visit" =>
            post(visit).layer(DefaultBodyLimit::max(photos::MAX_UPLOAD_BYTES)),
        "/staff/grid/cases/{id}/resolve" => post(resolve),
        "/staff/grid/cases/{id}/escalate" => post(escalate),
        "/staff/grid/photos/{id}" => get(photo),
        "/staff/admin/grids" => get(super::admin::overview).post(super::admin::save),
        "/staff/admin/grids/workers" => post(super::admin::workers),
    ]
}

pub struct Row {
    pub number: String,
    pub title: String,
    pub status_zh: String,
    pub status_en: String,
    pub registered: String,
    pub grid: String,
    pub name_masked: String,
    pub open: bool,
}

#[derive(Template)]
#[template(path = "staff/grid/list.html")]
struct ListPage {
    c: Chrome,
    grids: Vec<(String, String)>,
    rows: Vec<Row>,
}

async fn list(State(st): State<AppState>, ws: WebStaff) -> Response {
    let actor = ws.staff.actor();
    let r = async {
        super::require_grid_worker(&actor)?;
        let ids = super::grids_of(&st, &actor).await?;
        let mut grids = Vec::new();
        for id in &ids {
            if let Some(g) = st.store.grid(id).await? {
                grids.push((g.id, g.name));
            }
        }
        let rows = st
            .store
            .cases_in_grids(&ids, 200)
            .await?
            .into_iter()
            .filter(|c| minsheng_core::access::grid_worker_may_view(&actor, &ids, c))
            .map(|c| Row {
                number: c.number.clone(),
                title: c.title.clone(),
                status_zh: c.status.zh().into(),
                status_en: c.status.en().into(),
                registered: ws.c.time(&c.registered_at),
                grid: c.grid.clone().unwrap_or_default(),
                name_masked: if c.petitioner.anonymous {
                    "—".into()
                } else {
                    c.petitioner.name_masked.clone()
                },
                open: !c.status.is_terminal(),
            })
            .collect();
        Ok(render(&ListPage {
            c: ws.c.clone(),
            grids,
            rows,
        }))
    }
    .await;
    respond(&ws.c, r)
}

pub struct VisitRow {
    pub at: String,
    pub notes: String,
    pub photos: Vec<String>,
}

pub struct EventRow {
    pub at: String,
    pub zh: String,
    pub en: String,
}

#[derive(Template)]
#[template(path = "staff/grid/case.html")]
struct CasePage {
    c: Chrome,
    case: CaseState,
    name_masked: String,
    grid_name: String,
    deadlines: Vec<DeadlineRow>,
    visits: Vec<VisitRow>,
    events: Vec<EventRow>,
    can_visit: bool,
    can_resolve: bool,
    can_escalate: bool,
    township: String,
    notice: Option<String>,
    error: Option<String>,
}

fn open(st: &AppState, actor: &Actor, case: &CaseState, cmd: Command) -> bool {
    matches!(
        service::availability(st, actor, case, &cmd),
        Some(Availability::Open)
    )
}

async fn page(
    st: &AppState,
    c: &Chrome,
    actor: &Actor,
    case: CaseState,
    notice: Option<String>,
    error: Option<(StatusCode, String)>,
) -> ApiResult<Response> {
    let policy = st.policy_for_region(&case.location.region);
    let records = st.store.events(case.id).await?;
    let probe = || "用于判断该操作当前是否可用".to_string();
    let grid_name = match &case.grid {
        Some(g) => st.store.grid(g).await?.map(|g| g.name).unwrap_or_default(),
        None => String::new(),
    };
    let dir = st.directory();
    let township = minsheng_core::grid::township_unit(&dir, &case.location.region)
        .map(|u| c.pick(&u.name_zh, &u.name_en))
        .unwrap_or_default();
    let p = CasePage {
        can_visit: open(
            st,
            actor,
            &case,
            Command::RecordSiteVisit {
                notes: probe(),
                photos: vec![],
            },
        ),
        can_resolve: open(st, actor, &case, Command::ResolveOnSpot { note: probe() }),
        can_escalate: open(
            st,
            actor,
            &case,
            Command::EscalateToTownship { reason: probe() },
        ),
        township,
        name_masked: if case.petitioner.anonymous {
            "—".into()
        } else {
            case.petitioner.name_masked.clone()
        },
        grid_name,
        deadlines: present::deadline_rows(
            &minsheng_core::deadline::active(&case, &policy, &st.calendar),
            service::now(),
        ),
        visits: case
            .visits
            .iter()
            .map(|v| VisitRow {
                at: c.time(&v.at),
                notes: v.notes.clone(),
                photos: v.photos.iter().map(|p| p.simple().to_string()).collect(),
            })
            .collect(),
        // The public steps only: internal notes of other units stay with them.
        events: records
            .iter()
            .filter(|r| r.event.is_public())
            .map(|r| EventRow {
                at: c.time(&r.at),
                zh: r.event.zh().into(),
                en: r.event.en().into(),
            })
            .collect(),
        case,
        notice,
        error: error.as_ref().map(|e| e.1.clone()),
        c: c.clone(),
    };
    let status = error.map(|e| e.0).unwrap_or(StatusCode::OK);
    Ok((status, render(&p)).into_response())
}

async fn case_page(State(st): State<AppState>, ws: WebStaff, Path(id): Path<String>) -> Response {
    let actor = ws.staff.actor();
    let r = async {
        let case = super::load_for_worker(&st, &actor, &id).await?;
        page(&st, &ws.c, &actor, case, None, None).await
    }
    .await;
    respond(&ws.c, r)
}

/// Runs a grid command and shows the case again, with the refusal when there is one.
async fn run(
    st: &AppState,
    c: &Chrome,
    actor: &Actor,
    case: CaseState,
    cmd: Command,
    done: (&str, &str),
) -> ApiResult<Response> {
    match service::execute(st, actor, case.clone(), &cmd).await {
        Ok(next) => {
            let notice = format!("{} ✓", c.t(done.0, done.1));
            page(st, c, actor, next, Some(notice), None).await
        }
        Err(e) if crate::web::portal::is_user_error(&e) => {
            let status = e.parts().0;
            let msg = c.message(&e);
            page(st, c, actor, case, None, Some((status, msg))).await
        }
        Err(e) => Err(e),
    }
}

async fn resolve(st: State<AppState>, ws: WebStaff, id: Path<String>, body: Bytes) -> Response {
    let cmd = |f: &FormData| Command::ResolveOnSpot {
        note: f.get("note").to_string(),
    };
    grid_command(
        st,
        ws,
        id,
        body,
        cmd,
        ("已就地化解", "Resolved on the spot"),
    )
    .await
}

async fn escalate(st: State<AppState>, ws: WebStaff, id: Path<String>, body: Bytes) -> Response {
    let cmd = |f: &FormData| Command::EscalateToTownship {
        reason: f.get("reason").to_string(),
    };
    grid_command(
        st,
        ws,
        id,
        body,
        cmd,
        ("已上报乡镇（街道）", "Escalated to the township"),
    )
    .await
}

/// A grid worker's form that becomes one command on a matter of their grid.
async fn grid_command(
    State(st): State<AppState>,
    ws: WebStaff,
    Path(id): Path<String>,
    body: Bytes,
    command: impl FnOnce(&FormData) -> Command,
    done: (&'static str, &'static str),
) -> Response {
    let actor = ws.staff.actor();
    let r = async {
        let case = super::load_for_worker(&st, &actor, &id).await?;
        let f = FormData::parse(&body)?;
        run(&st, &ws.c, &actor, case, command(&f), done).await
    }
    .await;
    respond(&ws.c, r)
}

fn bad_upload() -> ApiError {
    ApiError::bad(
        "invalid_upload",
        "上传内容无法读取，请重新选择照片",
        "The upload could not be read; choose the photos again",
    )
}

/// The visit form: `notes` and up to six `photo` files. Every photo is checked before any is
/// written; a refused visit leaves no file and no record.
async fn read_visit(mut mp: Multipart) -> ApiResult<(String, Vec<(Vec<u8>, &'static str)>)> {
    let mut notes = String::new();
    let mut files = Vec::new();
    while let Some(field) = mp.next_field().await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge
        } else {
            bad_upload()
        }
    })? {
        match field.name() {
            Some("notes") => notes = field.text().await.map_err(|_| bad_upload())?,
            Some("photo") => {
                let declared = field.content_type().map(str::to_string);
                let named = field.file_name().is_some_and(|n| !n.is_empty());
                let bytes = field.bytes().await.map_err(|e| {
                    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                        ApiError::TooLarge
                    } else {
                        bad_upload()
                    }
                })?;
                // A file input left empty still sends an empty part.
                if bytes.is_empty() && !named {
                    continue;
                }
                let kind = photos::check(&bytes, declared.as_deref())?;
                files.push((bytes.to_vec(), kind));
                if files.len() > minsheng_core::workflow::MAX_VISIT_PHOTOS {
                    return Err(ApiError::bad(
                        "too_many_photos",
                        format!(
                            "每次走访最多上传{}张照片",
                            minsheng_core::workflow::MAX_VISIT_PHOTOS
                        ),
                        format!(
                            "At most {} photos per visit",
                            minsheng_core::workflow::MAX_VISIT_PHOTOS
                        ),
                    ));
                }
            }
            // The CSRF field (checked by the guard) and anything else are not the visit's.
            _ => {}
        }
    }
    Ok((notes, files))
}

async fn visit(
    State(st): State<AppState>,
    ws: WebStaff,
    Path(id): Path<String>,
    mp: Result<Multipart, MultipartRejection>,
) -> Response {
    let actor = ws.staff.actor();
    let c = &ws.c;
    let r = async {
        let case = super::load_for_worker(&st, &actor, &id).await?;
        let parsed = match mp {
            Ok(mp) => read_visit(mp).await,
            Err(_) => Err(bad_upload()),
        };
        let (notes, files) = match parsed {
            Ok(v) => v,
            Err(e @ ApiError::TooLarge) => {
                let msg = c.message(&e);
                return page(
                    &st,
                    c,
                    &actor,
                    case,
                    None,
                    Some((StatusCode::PAYLOAD_TOO_LARGE, msg)),
                )
                .await;
            }
            Err(e) if crate::web::portal::is_user_error(&e) => {
                let status = e.parts().0;
                let msg = c.message(&e);
                return page(&st, c, &actor, case, None, Some((status, msg))).await;
            }
            Err(e) => return Err(e),
        };
        // Decide first with no photos, so a refusal (state, notes) writes no file.
        let probe = Command::RecordSiteVisit {
            notes: notes.clone(),
            photos: vec![],
        };
        if let Err(e) = service::check(&st, &actor, &case, &probe) {
            let status = e.parts().0;
            let msg = c.message(&e);
            return page(&st, c, &actor, case, None, Some((status, msg))).await;
        }
        let ids = photos::store(&st, case.id, &actor.name, files).await?;
        let cmd = Command::RecordSiteVisit {
            notes,
            photos: ids.clone(),
        };
        match service::execute(&st, &actor, case.clone(), &cmd).await {
            Ok(next) => {
                let notice = format!("{} ✓", c.t("走访已记录", "Visit recorded"));
                page(&st, c, &actor, next, Some(notice), None).await
            }
            Err(e) => {
                photos::discard(&st, &ids).await;
                if crate::web::portal::is_user_error(&e) {
                    let status = e.parts().0;
                    let msg = c.message(&e);
                    page(&st, c, &actor, case, None, Some((status, msg))).await
                } else {
                    Err(e)
                }
            }
        }
    }
    .await;
    respond(c, r)
}

/// A photo, to staff who may see its case; never cached by shared caches, never sniffed.
async fn photo(State(st): State<AppState>, ws: WebStaff, Path(id): Path<String>) -> Response {
    let actor = ws.staff.actor();
    let r = async {
        let id = uuid::Uuid::parse_str(&id).map_err(|_| ApiError::NotFound)?;
        let rec = st.store.photo(id).await?.ok_or(ApiError::NotFound)?;
        let case = st
            .store
            .get_case(rec.case_id)
            .await?
            .ok_or(ApiError::NotFound)?;
        if !super::may_see_photos(&st, &actor, &case).await? {
            return Err(ApiError::NotFound);
        }
        let bytes = photos::read(&st, &rec).await?;
        Ok((
            [
                (header::CONTENT_TYPE, rec.content_type.clone()),
                (header::CACHE_CONTROL, "private, no-store".to_string()),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            ],
            bytes,
        )
            .into_response())
    }
    .await;
    respond(&ws.c, r)
}

#[derive(Template)]
#[template(path = "staff/grid/report.html")]
struct ReportPage {
    c: Chrome,
    report: super::rate::GridRateReport,
}

async fn report(
    State(st): State<AppState>,
    ws: WebStaff,
    Query(q): Query<super::rate::RateQuery>,
) -> Response {
    let actor = ws.staff.actor();
    let r = async {
        let report = super::rate::report(&st, &actor, &q).await?;
        Ok(render(&ReportPage {
            c: ws.c.clone(),
            report,
        }))
    }
    .await;
    respond(&ws.c, r)
}
