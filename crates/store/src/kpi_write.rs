//! Keeping the KPI projection (migration 0004) in step with the event log. Every write that
//! changes a case's facts runs here, inside the writer's savepoint for that case, so the cells
//! never disagree with the log: the old facts row (with the region chain it was counted in) is
//! read, its cells are taken out and the new facts' cells put in, as one signed delta per cell.
//! The deltas of the operations that succeed are summed over the writer's batch and written in
//! the same transaction just before it commits.
//! The same `INSERT … ON CONFLICT … DO UPDATE` runs on both backends. Definitions: docs/kpi.md.

use crate::error::StoreError;
use crate::kpi::{CASES, KEPT_GRAINS, scope_parts};
use crate::sql::{Val, insert_rows};
use crate::{Store, millis};
use chrono::{DateTime, Utc};
use minsheng_core::kpi::{CaseFacts, CaseLinks, Grain, KpiCounts, cell_keys, period_key};
use sqlx::AnyConnection;
use std::collections::{BTreeMap, HashMap};

/// A case's facts as just derived, with what the store needs to count them.
#[derive(Debug, Clone)]
pub struct KpiUpdate {
    pub facts: CaseFacts,
    /// `Directory::chain(region)` when derived (top first); kept with the facts so that taking
    /// them out later touches exactly the cells adding them touched.
    pub chain: Vec<String>,
    /// The links the facts were derived with. A write whose links are no longer the stored
    /// ones is refused (append: `Conflict`, retried by the caller; refresh: skipped).
    pub links: CaseLinks,
    /// The first-level topic (`Directory::topic_chain(topic)[0]`), for intake volumes.
    pub top_topic: String,
}

/// Re-derived facts of a case at a given version (time-driven refresh, a new repeat link).
#[derive(Debug, Clone)]
pub struct KpiRefresh {
    pub case_id: uuid::Uuid,
    /// The case version the facts were derived from; the refresh is skipped if it moved on.
    pub version: u64,
    pub kpi: KpiUpdate,
}

/// One kept cell: grain, scope kind, scope id, period, metric.
pub(crate) type CellId = (&'static str, &'static str, String, String, String);
/// One intake-volume cell: grain, region, period, flow, channel, first-level topic.
pub(crate) type VolumeId = (&'static str, String, String, String, String, String);

/// What the facts add to each kept cell (hit, basically, miss; `cases` counts in hit).
pub(crate) fn cells_of(facts: &CaseFacts, chain: &[String]) -> BTreeMap<CellId, [i64; 3]> {
    let mut out = BTreeMap::new();
    for grain in KEPT_GRAINS {
        for (key, unit) in cell_keys(facts, chain, grain) {
            let mut c = KpiCounts::default();
            c.add(facts, unit.as_deref());
            let (kind, id) = scope_parts(&key.scope);
            let mut put = |metric: &str, v: [i64; 3]| {
                if v != [0; 3] {
                    let cell = (
                        grain.as_str(),
                        kind,
                        id.to_string(),
                        key.period.clone(),
                        metric.to_string(),
                    );
                    let e: &mut [i64; 3] = out.entry(cell).or_default();
                    for i in 0..3 {
                        e[i] += v[i];
                    }
                }
            };
            put(CASES, [c.cases as i64, 0, 0]);
            for (m, n) in &c.metrics {
                put(
                    m.as_str(),
                    [n.hit as i64, n.basically as i64, n.miss as i64],
                );
            }
        }
    }
    out
}

/// The intake-volume cells a new case adds one to: the whole province ('') and each region of
/// its chain (the region itself when the directory no longer knows it), at both kept grains.
pub(crate) fn volume_of(facts: &CaseFacts, chain: &[String], top_topic: &str) -> Vec<VolumeId> {
    let mut regions = vec![String::new()];
    if chain.is_empty() {
        regions.push(facts.region.clone());
    }
    regions.extend(chain.iter().cloned());
    let mut out = Vec::new();
    for grain in KEPT_GRAINS {
        let period = period_key(facts.registered_at, grain);
        for r in &regions {
            out.push((
                grain_str(grain),
                r.clone(),
                period.clone(),
                facts.flow.as_str().to_string(),
                facts.channel.as_str().to_string(),
                top_topic.to_string(),
            ));
        }
    }
    out
}

fn grain_str(g: Grain) -> &'static str {
    g.as_str()
}

/// The links the store holds for a case now.
pub(crate) async fn links(
    conn: &mut AnyConnection,
    case_id: uuid::Uuid,
) -> Result<CaseLinks, StoreError> {
    let id = case_id.to_string();
    let of: Option<(String,)> =
        sqlx::query_as("SELECT repeat_of FROM case_repeats WHERE case_id = $1")
            .bind(id.clone())
            .fetch_optional(&mut *conn)
            .await?;
    let (later,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM case_repeats WHERE repeat_of = $1")
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    let repeat_of = of
        .map(|(s,)| uuid::Uuid::parse_str(&s))
        .transpose()
        .map_err(|e| StoreError::Corrupt(format!("case_repeats: {e}")))?;
    Ok(CaseLinks {
        repeat_of,
        repeated_later: later > 0,
    })
}

/// Records that `case_id` repeats `earlier` (set once, at registration).
pub(crate) async fn record_repeat(
    conn: &mut AnyConnection,
    case_id: uuid::Uuid,
    earlier: uuid::Uuid,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO case_repeats (case_id, repeat_of) VALUES ($1, $2)")
        .bind(case_id.to_string())
        .bind(earlier.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Cell changes gathered over a writer batch and written once before it commits: the cases of
/// one moment share their day, month, region and unit cells, so a batch of fifty new cases
/// touches each shared cell once instead of fifty times.
#[derive(Debug, Default)]
pub(crate) struct Deltas {
    cells: BTreeMap<CellId, [i64; 3]>,
    volume: BTreeMap<VolumeId, i64>,
}

impl Deltas {
    fn add_cells(&mut self, cells: BTreeMap<CellId, [i64; 3]>, sign: i64) {
        for (cell, v) in cells {
            let e = self.cells.entry(cell).or_default();
            for i in 0..3 {
                e[i] += sign * v[i];
            }
        }
    }

    /// Adds what a successful operation changed (its savepoint was released).
    pub(crate) fn merge(&mut self, other: Deltas) {
        self.add_cells(other.cells, 1);
        for (v, n) in other.volume {
            *self.volume.entry(v).or_default() += n;
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.cells.is_empty() && self.volume.is_empty()
    }
}

/// Writes the gathered deltas: one multi-row upsert per table, then removes the cells a change
/// emptied, so the table holds only counted cells.
pub(crate) async fn flush(conn: &mut AnyConnection, d: Deltas) -> Result<(), StoreError> {
    let mut emptied = Vec::new();
    let mut cells = Vec::new();
    for ((g, sc, id, p, m), v) in d.cells {
        if v == [0; 3] {
            continue;
        }
        if v.iter().any(|x| *x < 0) {
            emptied.push((g, sc, id.clone(), p.clone(), m.clone()));
        }
        cells.push(cell_row(g, sc, id, p, m, v));
    }
    insert_rows(
        conn,
        INSERT_CELLS,
        " ON CONFLICT (grain, scope, scope_id, period, metric) DO UPDATE SET \
         hit = kpi_cells.hit + excluded.hit, basically = kpi_cells.basically + excluded.basically, \
         miss = kpi_cells.miss + excluded.miss",
        cells,
    )
    .await?;
    for (grain, scope, id, period, metric) in emptied {
        sqlx::query(
            "DELETE FROM kpi_cells WHERE grain = $1 AND scope = $2 AND scope_id = $3 \
             AND period = $4 AND metric = $5 AND hit = 0 AND basically = 0 AND miss = 0",
        )
        .bind(grain)
        .bind(scope)
        .bind(id)
        .bind(period)
        .bind(metric)
        .execute(&mut *conn)
        .await?;
    }
    let volume: Vec<Vec<Val>> = d
        .volume
        .into_iter()
        .filter(|(_, n)| *n != 0)
        .map(|((g, r, p, f, c, t), n)| volume_row(g, r, p, f, c, t, n))
        .collect();
    insert_rows(
        conn,
        INSERT_VOLUME,
        " ON CONFLICT (grain, region, period, flow, channel, topic) DO UPDATE SET \
         n = volume_cells.n + excluded.n",
        volume,
    )
    .await
}

/// Replaces a case's kept facts by `upd`: writes the facts row and adds the cell changes (old
/// facts' cells out, new facts' cells in) to `deltas`. A new case goes through [`apply_new`].
pub(crate) async fn apply(
    conn: &mut AnyConnection,
    case_id: uuid::Uuid,
    version: u64,
    upd: &KpiUpdate,
    deltas: &mut Deltas,
) -> Result<(), StoreError> {
    let old: Option<(String, String)> =
        sqlx::query_as("SELECT chain, facts FROM kpi_facts WHERE case_id = $1")
            .bind(case_id.to_string())
            .fetch_optional(&mut *conn)
            .await?;
    deltas.add_cells(cells_of(&upd.facts, &upd.chain), 1);
    if let Some((chain, facts)) = old {
        let chain: Vec<String> = serde_json::from_str(&chain)?;
        let facts: CaseFacts = serde_json::from_str(&facts)?;
        deltas.add_cells(cells_of(&facts, &chain), -1);
    }
    insert_facts(conn, vec![facts_row(case_id, version, upd)?]).await
}

/// A new case's facts: its cells counted in `deltas`, and the case in the intake volumes (once,
/// at registration); returns the row to keep for it (written by [`insert_facts`], possibly
/// together with other new cases' rows).
pub(crate) fn apply_new(
    case_id: uuid::Uuid,
    version: u64,
    upd: &KpiUpdate,
    deltas: &mut Deltas,
) -> Result<Vec<Val>, StoreError> {
    deltas.add_cells(cells_of(&upd.facts, &upd.chain), 1);
    for v in volume_of(&upd.facts, &upd.chain, &upd.top_topic) {
        *deltas.volume.entry(v).or_default() += 1;
    }
    facts_row(case_id, version, upd)
}

fn facts_row(case_id: uuid::Uuid, version: u64, upd: &KpiUpdate) -> Result<Vec<Val>, StoreError> {
    Ok(vec![
        Val::T(case_id.to_string()),
        Val::I(version as i64),
        Val::N(upd.facts.valid_until.map(millis)),
        Val::I(i64::from(upd.facts.calendar_gap)),
        Val::T(serde_json::to_string(&upd.chain)?),
        Val::T(serde_json::to_string(&upd.facts)?),
    ])
}

/// Keeps cases' facts (rows of [`facts_row`]), replacing earlier ones.
pub(crate) async fn insert_facts(
    conn: &mut AnyConnection,
    rows: Vec<Vec<Val>>,
) -> Result<(), StoreError> {
    insert_rows(
        conn,
        "INSERT INTO kpi_facts (case_id, version, valid_until, calendar_gap, chain, facts)",
        " ON CONFLICT (case_id) DO UPDATE SET version = excluded.version, \
         valid_until = excluded.valid_until, calendar_gap = excluded.calendar_gap, \
         chain = excluded.chain, facts = excluded.facts",
        rows,
    )
    .await
}

/// Applies a refresh if the case is still at the version and links it was derived from;
/// `Ok(false)` when it moved on (whoever moved it derived it again).
pub(crate) async fn refresh(
    conn: &mut AnyConnection,
    r: &KpiRefresh,
    deltas: &mut Deltas,
) -> Result<bool, StoreError> {
    let row: Option<(i64,)> = sqlx::query_as("SELECT version FROM cases WHERE id = $1")
        .bind(r.case_id.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    let (version,) = row.ok_or(StoreError::NotFound)?;
    if version as u64 != r.version || links(conn, r.case_id).await? != r.kpi.links {
        return Ok(false);
    }
    apply(conn, r.case_id, r.version, &r.kpi, deltas).await?;
    Ok(true)
}

/// Makes a case's kept facts due for refresh at once (its links changed and it could not be
/// derived again in the same transaction); the refresh job picks it up.
pub(crate) async fn mark_stale(
    conn: &mut AnyConnection,
    case_id: uuid::Uuid,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE kpi_facts SET valid_until = 0 WHERE case_id = $1")
        .bind(case_id.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

const INSERT_CELLS: &str =
    "INSERT INTO kpi_cells (grain, scope, scope_id, period, metric, hit, basically, miss)";
const INSERT_VOLUME: &str =
    "INSERT INTO volume_cells (grain, region, period, flow, channel, topic, n)";

fn cell_row(g: &str, sc: &str, id: String, p: String, m: String, v: [i64; 3]) -> Vec<Val> {
    vec![
        Val::T(g.into()),
        Val::T(sc.into()),
        Val::T(id),
        Val::T(p),
        Val::T(m),
        Val::I(v[0]),
        Val::I(v[1]),
        Val::I(v[2]),
    ]
}

fn volume_row(g: &str, r: String, p: String, f: String, c: String, t: String, n: i64) -> Vec<Val> {
    vec![
        Val::T(g.into()),
        Val::T(r),
        Val::T(p),
        Val::T(f),
        Val::T(c),
        Val::T(t),
        Val::I(n),
    ]
}

/// Rewrites the whole projection from `cases` (a recount with `--fix`). Refused with `Conflict`
/// if any case's version differs from the one derived, or a case is missing from the list.
pub(crate) async fn rebuild(
    conn: &mut AnyConnection,
    cases: &[KpiRefresh],
) -> Result<(), StoreError> {
    let stored: Vec<(String, i64)> = sqlx::query_as("SELECT id, version FROM cases")
        .fetch_all(&mut *conn)
        .await?;
    let given: HashMap<String, u64> = cases
        .iter()
        .map(|c| (c.case_id.to_string(), c.version))
        .collect();
    if stored.len() != given.len()
        || stored
            .iter()
            .any(|(id, v)| given.get(id) != Some(&(*v as u64)))
    {
        return Err(StoreError::Conflict);
    }
    for sql in [
        "DELETE FROM kpi_cells",
        "DELETE FROM volume_cells",
        "DELETE FROM kpi_facts",
    ] {
        sqlx::query(sql).execute(&mut *conn).await?;
    }
    let mut cells: BTreeMap<CellId, [i64; 3]> = BTreeMap::new();
    let mut volume: BTreeMap<VolumeId, i64> = BTreeMap::new();
    for c in cases {
        for (cell, v) in cells_of(&c.kpi.facts, &c.kpi.chain) {
            let e = cells.entry(cell).or_default();
            for i in 0..3 {
                e[i] += v[i];
            }
        }
        for v in volume_of(&c.kpi.facts, &c.kpi.chain, &c.kpi.top_topic) {
            *volume.entry(v).or_default() += 1;
        }
    }
    let cells: Vec<Vec<Val>> = cells
        .into_iter()
        .filter(|(_, v)| *v != [0; 3])
        .map(|((g, sc, id, p, m), v)| cell_row(g, sc, id, p, m, v))
        .collect();
    insert_rows(conn, INSERT_CELLS, "", cells).await?;
    let volume: Vec<Vec<Val>> = volume
        .into_iter()
        .map(|((g, r, p, f, c, t), n)| volume_row(g, r, p, f, c, t, n))
        .collect();
    insert_rows(conn, INSERT_VOLUME, "", volume).await?;
    let mut facts = Vec::with_capacity(cases.len());
    for c in cases {
        facts.push(vec![
            Val::T(c.case_id.to_string()),
            Val::I(c.version as i64),
            Val::N(c.kpi.facts.valid_until.map(millis)),
            Val::I(i64::from(c.kpi.facts.calendar_gap)),
            Val::T(serde_json::to_string(&c.kpi.chain)?),
            Val::T(serde_json::to_string(&c.kpi.facts)?),
        ]);
    }
    insert_rows(
        conn,
        "INSERT INTO kpi_facts (case_id, version, valid_until, calendar_gap, chain, facts)",
        "",
        facts,
    )
    .await?;
    Ok(())
}

impl Store {
    /// The repeat links the store holds for a case (what its KPI facts are derived with).
    pub async fn case_links(&self, case_id: uuid::Uuid) -> Result<CaseLinks, StoreError> {
        let mut conn = self.pool.acquire().await?;
        links(&mut conn, case_id).await
    }

    /// Cases whose kept facts may have changed without an event by `now` (a deadline or a
    /// window passed, or a link changed), soonest first.
    pub async fn kpi_due(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<uuid::Uuid>, StoreError> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT case_id FROM kpi_facts WHERE valid_until IS NOT NULL AND valid_until <= $1 \
             ORDER BY valid_until, case_id LIMIT $2",
        )
        .bind(millis(now))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(s,)| uuid::Uuid::parse_str(&s).map_err(|e| StoreError::Corrupt(e.to_string())))
            .collect()
    }

    /// Every repeat link: later case → the earlier case it repeats.
    pub async fn repeat_links(&self) -> Result<HashMap<uuid::Uuid, uuid::Uuid>, StoreError> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT case_id, repeat_of FROM case_repeats")
                .fetch_all(&self.pool)
                .await?;
        let id = |s: &str| uuid::Uuid::parse_str(s).map_err(|e| StoreError::Corrupt(e.to_string()));
        rows.iter().map(|(a, b)| Ok((id(a)?, id(b)?))).collect()
    }

    /// How many cases have kept facts (fewer than the cases: the projection needs a backfill).
    pub async fn kpi_facts_count(&self) -> Result<i64, StoreError> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM kpi_facts")
            .fetch_one(&self.pool)
            .await?;
        Ok(n)
    }

    /// Every kept intake-volume cell (for comparing with a recount).
    pub async fn volume_cells(&self) -> Result<BTreeMap<VolumeKey, u64>, StoreError> {
        let rows: Vec<(String, String, String, String, String, String, i64)> = sqlx::query_as(
            "SELECT grain, region, period, flow, channel, topic, n FROM volume_cells WHERE n <> 0",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(g, r, p, f, c, t, n)| ((g, r, p, f, c, t), u64::try_from(n).unwrap_or(0)))
            .collect())
    }

    /// Adds cells of one grain in bulk (loading generated data, e.g. for benchmarks): rows
    /// must not exist yet. Normal writes go through the writer.
    pub async fn insert_kpi_cells(
        &self,
        grain: Grain,
        cells: &minsheng_core::kpi::KpiRollup,
    ) -> Result<(), StoreError> {
        let mut rows = Vec::new();
        for (key, c) in &cells.cells {
            let (kind, id) = scope_parts(&key.scope);
            let mut row = |metric: &str, v: [u64; 3]| {
                rows.push(vec![
                    Val::T(grain.as_str().into()),
                    Val::T(kind.into()),
                    Val::T(id.into()),
                    Val::T(key.period.clone()),
                    Val::T(metric.into()),
                    Val::I(v[0] as i64),
                    Val::I(v[1] as i64),
                    Val::I(v[2] as i64),
                ]);
            };
            if c.cases > 0 {
                row(CASES, [c.cases, 0, 0]);
            }
            for (m, n) in &c.metrics {
                row(m.as_str(), [n.hit, n.basically, n.miss]);
            }
        }
        let mut conn = self.pool.begin().await?;
        insert_rows(&mut conn, INSERT_CELLS, "", rows).await?;
        conn.commit().await?;
        Ok(())
    }

    /// Adds intake-volume cells in bulk (loading generated data); rows must not exist yet.
    pub async fn insert_volume_cells(
        &self,
        cells: &BTreeMap<VolumeKey, u64>,
    ) -> Result<(), StoreError> {
        let rows = cells
            .iter()
            .map(|((g, r, p, f, c, t), n)| {
                volume_row(
                    g,
                    r.clone(),
                    p.clone(),
                    f.clone(),
                    c.clone(),
                    t.clone(),
                    *n as i64,
                )
            })
            .collect();
        let mut conn = self.pool.begin().await?;
        insert_rows(&mut conn, INSERT_VOLUME, "", rows).await?;
        conn.commit().await?;
        Ok(())
    }

    /// Re-derived facts for a case whose version has not moved; `false` if skipped.
    pub async fn refresh_kpi(&self, r: KpiRefresh) -> Result<bool, StoreError> {
        self.writer.refresh(r).await
    }

    /// Replaces the whole projection by the given facts (one per case, at its current
    /// version), in one transaction. `Conflict` if a case changed meanwhile: derive again.
    pub async fn rebuild_kpi(&self, cases: Vec<KpiRefresh>) -> Result<(), StoreError> {
        self.writer.rebuild(cases).await
    }
}

/// An intake-volume cell as compared by a recount: grain, region, period, flow, channel, topic.
pub type VolumeKey = (String, String, String, String, String, String);

/// The intake-volume cells a set of cases adds up to (the recount's side of the comparison).
pub fn volume_recount<'a>(
    cases: impl IntoIterator<Item = &'a KpiUpdate>,
) -> BTreeMap<VolumeKey, u64> {
    let mut out = BTreeMap::new();
    for u in cases {
        for (g, r, p, f, c, t) in volume_of(&u.facts, &u.chain, &u.top_topic) {
            *out.entry((g.to_string(), r, p, f, c, t)).or_default() += 1;
        }
    }
    out
}
