//! KPI facts where policy, calendar and directory are known: derived on every command (the
//! service passes them to the store's writer with the events), refreshed when a deadline passes
//! without an event, and recounted from the log to check (or rebuild) the kept rollups.
//! Definitions: docs/kpi.md.

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use chrono::{DateTime, Utc};
use minsheng_core::case::{Flow, Status};
use minsheng_core::deadline::{self, DeadlineKind};
use minsheng_core::kpi::{self, CaseLinks, Grain, KpiRollup, cell_keys};
use minsheng_core::region::Directory;
use minsheng_core::workflow::{CaseState, Event};
use minsheng_store::kpi::KEPT_GRAINS;
use minsheng_store::{KpiRefresh, KpiUpdate, StoreError, VolumeKey};
use std::collections::{BTreeMap, BTreeSet};

/// Facts of a case from its whole history (oldest first), as of `as_of`, with what the store
/// needs to count them.
pub fn update_for<'a>(
    st: &AppState,
    dir: &Directory,
    case: &CaseState,
    history: impl IntoIterator<Item = (DateTime<Utc>, &'a Event)>,
    links: &CaseLinks,
    as_of: DateTime<Utc>,
) -> ApiResult<KpiUpdate> {
    let region = &case.location.region;
    let policy = st.policy_for_region(region);
    let facts = kpi::derive(case.id, history, links, &policy, &st.calendar, as_of)
        .map_err(|e| ApiError::Internal(format!("KPI facts of {}: {e}", case.id)))?;
    Ok(KpiUpdate {
        facts,
        chain: dir.chain(region).into_iter().map(str::to_string).collect(),
        links: links.clone(),
        top_topic: dir
            .topic_chain(&case.topic)
            .first()
            .map_or_else(|| case.topic.clone(), |t| t.to_string()),
    })
}

/// A case's stored events up to `case.version` (the history that state was built from).
/// Later events may already be stored; they are left out. Fewer means the state is not the
/// stored one: `Conflict`, so the caller reads again.
pub async fn history(st: &AppState, case: &CaseState) -> ApiResult<Vec<(DateTime<Utc>, Event)>> {
    history_of(case, st.store.events(case.id).await?)
}

/// The events of `case` up to the version it was read at, from its stored records (a record
/// newer than the read state is left out; fewer than it is a conflict: read again).
fn history_of(
    case: &CaseState,
    mut events: Vec<minsheng_core::event::EventRecord>,
) -> ApiResult<Vec<(DateTime<Utc>, Event)>> {
    let n = usize::try_from(case.version).unwrap_or(usize::MAX);
    if events.len() < n {
        return Err(StoreError::Conflict.into());
    }
    events.truncate(n);
    Ok(events.into_iter().map(|r| (r.at, r.event)).collect())
}

/// A stored case derived again at `as_of` with `links`, at the version it was read at.
pub async fn rederive(
    st: &AppState,
    dir: &Directory,
    case: &CaseState,
    links: &CaseLinks,
    as_of: DateTime<Utc>,
) -> ApiResult<KpiRefresh> {
    let h = history(st, case).await?;
    derived(st, dir, case, &h, links, as_of)
}

fn derived(
    st: &AppState,
    dir: &Directory,
    case: &CaseState,
    h: &[(DateTime<Utc>, Event)],
    links: &CaseLinks,
    as_of: DateTime<Utc>,
) -> ApiResult<KpiRefresh> {
    let kpi = update_for(st, dir, case, h.iter().map(|(t, e)| (*t, e)), links, as_of)?;
    Ok(KpiRefresh {
        case_id: case.id,
        version: case.version,
        kpi,
    })
}

/// The earlier petition a new one repeats (重复信访), if any: the same petitioner (keyed hash
/// of phone or ID number), the same topic, registered within policy `kpi.repeat_window` before,
/// and not closed as final or merged away. A final matter is not handled again (Art. 36 ¶3),
/// and a merged one is counted in its primary, so neither is charged with a repeat. `earlier`
/// are the petitioner's cases, newest first (`Store::cases_of_person`).
pub fn find_repeat(
    st: &AppState,
    new: &CaseState,
    earlier: &[CaseState],
    at: DateTime<Utc>,
) -> Option<CaseState> {
    if new.flow != Flow::Petition {
        return None;
    }
    let window = st.policy_for_region(&new.location.region).kpi.repeat_window;
    earlier
        .iter()
        .find(|c| {
            c.id != new.id
                && c.flow == Flow::Petition
                && c.topic == new.topic
                && !matches!(c.status, Status::Final | Status::Merged)
                && c.registered_at <= at
                // A window the calendar cannot reach yet (working days) counts as still open.
                && deadline::compute(DeadlineKind::HotlineReply, window, 0, c.registered_at, &st.calendar)
                    .ok()
                    .is_none_or(|d| at < d.due)
        })
        .cloned()
}

/// Derives again every case whose kept facts are due at `now` (a deadline or window passed,
/// or a repeat was linked while it was busy). Returns how many were refreshed. Tests call it
/// with a chosen `now`; the server runs it every minute.
pub async fn refresh_due(st: &AppState, now: DateTime<Utc>) -> ApiResult<usize> {
    let mut done = 0;
    let mut seen = BTreeSet::new();
    loop {
        let due = st.store.kpi_due(now, 500).await?;
        let fresh: Vec<_> = due.into_iter().filter(|id| seen.insert(*id)).collect();
        if fresh.is_empty() {
            return Ok(done);
        }
        let dir = st.directory();
        for id in fresh {
            // A case that moved on meanwhile was derived by its own write; skip it.
            for _attempt in 0..3 {
                let Some(case) = st.store.get_case(id).await? else {
                    break;
                };
                let links = st.store.case_links(id).await?;
                let r = match rederive(st, &dir, &case, &links, now).await {
                    Err(ApiError::Store(StoreError::Conflict)) => continue,
                    Err(e @ ApiError::Internal(_)) => {
                        // One case that cannot be derived must not stop the others.
                        tracing::warn!(case = %id, error = %e, "KPI facts not refreshed");
                        break;
                    }
                    r => r?,
                };
                if st.store.refresh_kpi(r).await? {
                    done += 1;
                    break;
                }
            }
        }
    }
}

/// Runs `refresh_due` every minute in the background.
pub fn spawn_refresher(st: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match refresh_due(&st, crate::service::now()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(cases = n, "KPI facts refreshed after deadlines passed"),
                Err(e) => tracing::warn!(error = %e, "KPI refresh failed"),
            }
        }
    })
}

/// The result of a recount: what the log gives against what is kept.
#[derive(Debug, Clone, Default)]
pub struct Recount {
    pub as_of: DateTime<Utc>,
    pub cases: u64,
    /// Kept facts that were due and were derived again before comparing.
    pub refreshed: usize,
    /// One line per cell that differs (empty: the kept rollups equal the recount).
    pub differences: Vec<String>,
}

/// Every case derived from its stored events at `as_of`, at the version it was read at.
async fn derive_all(st: &AppState, as_of: DateTime<Utc>) -> ApiResult<Vec<KpiRefresh>> {
    let dir = st.directory();
    let links = st.store.repeat_links().await?;
    let later: BTreeSet<uuid::Uuid> = links.values().copied().collect();
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = st.store.cases_for_index(after, 1000).await?;
        let Some((last, _)) = page.last() else { break };
        after = Some(last.id);
        // One query for the page's events, not one per case.
        let ids: Vec<uuid::Uuid> = page.iter().map(|(c, _)| c.id).collect();
        let mut events = st.store.events_of_cases(&ids).await?;
        for (case, _) in page {
            let l = CaseLinks {
                repeat_of: links.get(&case.id).copied(),
                repeated_later: later.contains(&case.id),
            };
            let h = history_of(&case, events.remove(&case.id).unwrap_or_default())?;
            out.push(derived(st, &dir, &case, &h, &l, as_of)?);
        }
    }
    Ok(out)
}

/// The rollup of one grain a set of derived cases adds up to.
pub fn rollup_of(cases: &[KpiRefresh], grain: Grain) -> KpiRollup {
    let mut r = KpiRollup::new(grain);
    for c in cases {
        for (key, unit) in cell_keys(&c.kpi.facts, &c.kpi.chain, grain) {
            r.cells
                .entry(key)
                .or_default()
                .add(&c.kpi.facts, unit.as_deref());
        }
    }
    r.cells.retain(|_, c| !c.is_empty());
    r
}

/// Most differing cells listed; the rest are only counted.
const SHOWN: usize = 50;

/// Derives every case at `as_of` and compares with the kept cells and intake volumes. Kept
/// facts already due at `as_of` are refreshed first, as the server's job would, so a recount at
/// `now` on a running system compares like with like.
pub async fn recount(st: &AppState, as_of: DateTime<Utc>) -> ApiResult<Recount> {
    let refreshed = refresh_due(st, as_of).await?;
    let cases = derive_all(st, as_of).await?;
    let mut differences = Vec::new();
    let mut extra = 0usize;
    let mut note = |line: String| {
        if differences.len() < SHOWN {
            differences.push(line);
        } else {
            extra += 1;
        }
    };
    for grain in KEPT_GRAINS {
        let want = rollup_of(&cases, grain);
        let kept = st.store.kpi_rollup(grain).await?;
        let keys: BTreeSet<_> = want.cells.keys().chain(kept.cells.keys()).collect();
        for k in keys {
            let (a, b) = (kept.cells.get(k), want.cells.get(k));
            if a != b {
                note(format!(
                    "{} {:?} {}: kept {} recount {}",
                    grain.as_str(),
                    k.scope,
                    k.period,
                    show(a),
                    show(b)
                ));
            }
        }
    }
    let want = minsheng_store::volume_recount(cases.iter().map(|c| &c.kpi));
    let kept = st.store.volume_cells().await?;
    let keys: BTreeSet<&VolumeKey> = want.keys().chain(kept.keys()).collect();
    for k in keys {
        let (a, b) = (kept.get(k), want.get(k));
        if a != b {
            note(format!(
                "volume {k:?}: kept {} recount {}",
                a.copied().unwrap_or(0),
                b.copied().unwrap_or(0)
            ));
        }
    }
    if extra > 0 {
        differences.push(format!("… and {extra} more"));
    }
    Ok(Recount {
        as_of,
        cases: cases.len() as u64,
        refreshed,
        differences,
    })
}

fn show(c: Option<&minsheng_core::kpi::KpiCounts>) -> String {
    let Some(c) = c else { return "—".into() };
    let metrics: BTreeMap<&str, String> = c
        .metrics
        .iter()
        .map(|(m, n)| (m.as_str(), format!("{}/{}/{}", n.hit, n.basically, n.miss)))
        .collect();
    format!("cases={} {metrics:?}", c.cases)
}

/// Rewrites the kept facts, cells and intake volumes from a recount at `as_of`, in one
/// transaction. Returns the number of cases. Retries if cases change while it derives.
pub async fn rebuild(st: &AppState, as_of: DateTime<Utc>) -> ApiResult<u64> {
    for _attempt in 0..3 {
        let cases = derive_all(st, as_of).await?;
        let n = cases.len() as u64;
        match st.store.rebuild_kpi(cases).await {
            Err(StoreError::Conflict) => continue,
            r => return r.map(|()| n).map_err(Into::into),
        }
    }
    Err(StoreError::Conflict.into())
}

/// At start: an existing database with cases but no (or fewer) kept facts, e.g. one created
/// before the KPI projection, is counted once from its log. Returns the cases counted, if any.
pub async fn backfill_if_needed(st: &AppState) -> ApiResult<Option<u64>> {
    let cases = st.store.count_cases().await?;
    if st.store.kpi_facts_count().await? >= cases {
        return Ok(None);
    }
    rebuild(st, crate::service::now()).await.map(Some)
}
