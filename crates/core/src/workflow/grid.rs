//! What a grid worker (网格员) does with a matter in their grid: record a site visit, resolve it
//! on the spot (就地化解, 《信访工作条例》Art. 15 「小事不出村」), or escalate it to the township
//! (滨州市社会治理网格化服务管理条例 Art. 11: what the grid cannot resolve goes up for routing).
//!
//! The grid worker acts while the matter is still with the grid: a petition not yet transferred,
//! a hotline order not yet dispatched (or returned). Once a unit holds it, the unit handles it;
//! site visits stay possible until the case ends. That the worker serves the case's grid is
//! checked by the server, which knows the assignments (as it does for a merge's primary).

use super::{CaseState, Command, Context, Event, Role, not_allowed, text};
use crate::case::{Flow, Status};
use crate::error::DomainError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Most photos one visit may carry.
pub const MAX_VISIT_PHOTOS: usize = 6;

/// A site visit as folded from its event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SiteVisit {
    pub at: DateTime<Utc>,
    pub notes: String,
    pub photos: Vec<uuid::Uuid>,
}

/// May the grid worker still resolve or escalate the matter?
pub fn with_the_grid(s: &CaseState) -> bool {
    match s.flow {
        Flow::Petition => s.status == Status::Registered,
        Flow::Hotline => matches!(s.status, Status::Registered | Status::Returned),
    }
}

pub(super) fn decide(
    s: &CaseState,
    cmd: &Command,
    ctx: &Context<'_>,
) -> Result<Vec<Event>, DomainError> {
    if s.grid.is_none() {
        return Err(not_allowed(cmd.name(), s));
    }
    let a = ctx.actor;
    match cmd {
        Command::RecordSiteVisit { notes, photos } => {
            if s.status.is_terminal() {
                return Err(not_allowed("record_site_visit", s));
            }
            a.require("record_site_visit", &[Role::GridWorker], None)?;
            if photos.len() > MAX_VISIT_PHOTOS {
                return Err(DomainError::invalid(
                    "photos",
                    format!("每次走访最多上传{MAX_VISIT_PHOTOS}张照片"),
                    format!("at most {MAX_VISIT_PHOTOS} photos per visit"),
                ));
            }
            Ok(vec![Event::SiteVisited {
                notes: text("notes", notes, 2, 5000)?,
                photos: photos.clone(),
            }])
        }
        Command::ResolveOnSpot { note } => {
            if !with_the_grid(s) {
                return Err(not_allowed("resolve_on_spot", s));
            }
            a.require("resolve_on_spot", &[Role::GridWorker], None)?;
            Ok(vec![Event::ResolvedOnSpot {
                note: text("note", note, 4, 5000)?,
            }])
        }
        Command::EscalateToTownship { reason } => {
            if !with_the_grid(s) {
                return Err(not_allowed("escalate_to_township", s));
            }
            a.require("escalate_to_township", &[Role::GridWorker], None)?;
            let unit =
                crate::grid::township_unit(ctx.directory, &s.location.region).ok_or_else(|| {
                    DomainError::rule(
                        "no_township",
                        "滨州市社会治理网格化服务管理条例第十一条",
                        "该事项所在地没有乡镇（街道）一级的人民政府（办事处）可以上报",
                        "there is no township government above this matter's place to escalate to",
                    )
                })?;
            Ok(vec![Event::EscalatedToTownship {
                to_unit: unit.id.clone(),
                reason: text("reason", reason, 4, 2000)?,
            }])
        }
        _ => Err(not_allowed(cmd.name(), s)),
    }
}

/// Folds the grid events.
pub(super) fn apply(s: &mut CaseState, event: &Event, at: DateTime<Utc>) {
    match event {
        Event::GridAssigned { grid, .. } => s.grid = Some(grid.clone()),
        Event::SiteVisited { notes, photos } => s.visits.push(SiteVisit {
            at,
            notes: notes.clone(),
            photos: photos.clone(),
        }),
        Event::ResolvedOnSpot { note } => {
            s.resolved_on_spot_at = Some(at);
            match s.flow {
                Flow::Petition => {
                    s.status = Status::Closed;
                    s.closed_at = Some(at);
                    s.close_reason = Some(format!("就地化解：{note}"));
                }
                // A hotline matter is answered on the spot; the centre's follow-up still asks
                // the caller whether it was resolved.
                Flow::Hotline => {
                    s.status = Status::Replied;
                    s.reply = Some(note.clone());
                    s.replied_at = Some(at);
                }
            }
        }
        Event::EscalatedToTownship { to_unit, .. } => {
            s.status = match s.flow {
                Flow::Petition => Status::AwaitingAcceptance,
                Flow::Hotline => Status::Dispatched,
            };
            s.move_to(to_unit, at);
        }
        _ => {}
    }
}
