//! The group committer. Every write at intake (new case, appended events, new alert) is sent to
//! one task per process, on a thread and connection of its own, which takes whatever is queued,
//! runs it in one transaction, commits once, and only then answers each caller. One fsync is
//! shared by the whole batch. If an operation fails, the batch runs again with a savepoint per
//! operation, so one failure does not sink the others.

use crate::alerts::{self, AlertRecord, RaiseAlert};
use crate::crypto::Sealer;
use crate::error::{StoreError, is_unique_violation};
use crate::kpi_write::{self, Deltas, KpiRefresh, KpiUpdate};
use crate::outbox::{self, OutboxMessage, SealedMessage};
use crate::sql::{self, Val};
use crate::{Backend, Role, millis};
use chrono::{DateTime, Utc};
use minsheng_core::access::Actor;
use minsheng_core::deadline::Due;
use minsheng_core::event::{EventRecord, GENESIS};
use minsheng_core::ids;
use minsheng_core::petitioner::{IdNumber, Phone};
use minsheng_core::workflow::{CaseState, Event};
use sqlx::{Any, AnyPool, Transaction};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// Most operations committed together; more wait for the next batch.
const MAX_BATCH: usize = 512;

/// The petitioner's personal data in clear, encrypted before it is written.
#[derive(Clone)]
pub struct NewPetitioner {
    pub id: uuid::Uuid,
    pub name: Option<String>,
    pub phone: Option<Phone>,
    pub id_number: Option<IdNumber>,
    pub address: Option<String>,
    /// For notices by e-mail (migration 0014); sealed like the rest.
    pub email: Option<String>,
    pub notify: Option<minsheng_core::petitioner::NotifyChannel>,
}

impl std::fmt::Debug for NewPetitioner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NewPetitioner({})", self.id)
    }
}

#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    /// Whose key it is (user id or client), so two clients cannot collide.
    pub scope: String,
    pub key: String,
    /// Hash of the request body: the same key with another body is refused.
    pub request_hash: String,
}

#[derive(Debug)]
pub struct CreateCase {
    pub case_id: uuid::Uuid,
    pub at: DateTime<Utc>,
    pub actor: Actor,
    /// The decided events; the first is `Registered` with an empty number, filled in here.
    pub events: Vec<Event>,
    /// The state after the events (number filled in here too).
    pub state: CaseState,
    pub due: Option<Due>,
    pub petitioner: NewPetitioner,
    /// The query code in clear: stored sealed so it can be handed out again.
    pub query_code: String,
    pub idempotency: Option<IdempotencyKey>,
    /// The new case's KPI facts, counted in the same savepoint as its events. Its
    /// `links.repeat_of` is recorded as the case's repeat link.
    pub kpi: Option<KpiUpdate>,
    /// The earlier case this one repeats, derived again with `repeated_later`. If it moved on
    /// meanwhile (or this is `None` while `repeat_of` is set), its kept facts are marked due so
    /// the refresh job derives it again.
    pub repeat_refresh: Option<KpiRefresh>,
    /// Messages this registration causes (store::outbox), committed with its events.
    pub outbox: Vec<OutboxMessage>,
}

#[derive(Debug)]
pub enum Created {
    New(CaseState),
    /// The idempotency key was seen before with the same request: the earlier case.
    Existing(CaseState),
}

#[derive(Debug)]
pub struct AppendEvents {
    pub case_id: uuid::Uuid,
    pub expected_version: u64,
    pub at: DateTime<Utc>,
    pub actor: Actor,
    pub events: Vec<Event>,
    pub state: CaseState,
    pub due: Option<Due>,
    /// The case's KPI facts over its whole history including `events`; refused with
    /// `Conflict` if derived with links that are no longer the stored ones.
    pub kpi: Option<KpiUpdate>,
    /// Messages these events cause (store::outbox), committed with them.
    pub outbox: Vec<OutboxMessage>,
}

/// A create with its personal data already sealed (done in the caller's task, not the writer's).
struct SealedCreate {
    op: CreateCase,
    name_enc: Option<Vec<u8>>,
    phone_enc: Option<Vec<u8>>,
    phone_hash: Option<String>,
    id_enc: Option<Vec<u8>>,
    id_hash: Option<String>,
    address_enc: Option<Vec<u8>>,
    email_enc: Option<Vec<u8>>,
    query_code_enc: Vec<u8>,
    outbox: Vec<SealedMessage>,
}

enum Op {
    Create(
        Box<SealedCreate>,
        oneshot::Sender<Result<Created, StoreError>>,
    ),
    Append(
        Box<AppendEvents>,
        Vec<SealedMessage>,
        oneshot::Sender<Result<CaseState, StoreError>>,
    ),
    Refresh(Box<KpiRefresh>, oneshot::Sender<Result<bool, StoreError>>),
    Raise(
        Box<RaiseAlert>,
        Vec<SealedMessage>,
        oneshot::Sender<Result<(AlertRecord, bool), StoreError>>,
    ),
    Rebuild(Vec<KpiRefresh>, oneshot::Sender<Result<(), StoreError>>),
}

#[derive(Clone)]
pub(crate) struct Handle {
    tx: mpsc::Sender<Msg>,
    sealer: Arc<Sealer>,
}

enum Msg {
    Op(Op),
    /// Commit what is queued, close the writer's connection and stop.
    Close(oneshot::Sender<()>),
}

/// Starts the committer on a thread of its own, with its own connection opened there; returns
/// once that connection is open.
pub(crate) async fn spawn(
    backend: Backend,
    url: String,
    sealer: Arc<Sealer>,
) -> Result<Handle, StoreError> {
    let (tx, rx) = mpsc::channel(4096);
    let (ready, opened) = oneshot::channel();
    std::thread::Builder::new()
        .name("store-writer".into())
        .spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("writer runtime");
            rt.block_on(async move {
                match crate::connect(backend, &url, Role::Writer).await {
                    Ok(pool) => {
                        let _ = ready.send(Ok(()));
                        run(pool, rx).await;
                    }
                    Err(e) => {
                        let _ = ready.send(Err(e));
                    }
                }
            });
        })
        .map_err(|e| StoreError::Config(format!("cannot start the writer thread: {e}")))?;
    opened.await.map_err(|_| StoreError::Closed)??;
    Ok(Handle { tx, sealer })
}

impl Handle {
    /// Queues an operation for the committer and waits for its answer, given after the commit.
    async fn call<T>(
        &self,
        op: impl FnOnce(oneshot::Sender<Result<T, StoreError>>) -> Op,
    ) -> Result<T, StoreError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Msg::Op(op(reply)))
            .await
            .map_err(|_| StoreError::Closed)?;
        rx.await.map_err(|_| StoreError::Closed)?
    }

    pub(crate) async fn create(&self, op: CreateCase) -> Result<Created, StoreError> {
        let s = &self.sealer;
        let p = &op.petitioner;
        let seal = |field: &str, v: Option<&str>| -> Result<Option<Vec<u8>>, StoreError> {
            v.map(|v| s.seal(field, v))
                .transpose()
                .map_err(StoreError::from)
        };
        let sealed = SealedCreate {
            name_enc: seal("name", p.name.as_deref())?,
            phone_enc: seal("phone", p.phone.as_ref().map(Phone::as_str))?,
            phone_hash: p.phone.as_ref().map(|v| s.blind_index("phone", v.as_str())),
            id_enc: seal("id_number", p.id_number.as_ref().map(IdNumber::as_str))?,
            id_hash: p
                .id_number
                .as_ref()
                .map(|v| s.blind_index("id_number", v.as_str())),
            address_enc: seal("address", p.address.as_deref())?,
            email_enc: seal("email", p.email.as_deref())?,
            query_code_enc: s.seal("query_code", &op.query_code)?,
            outbox: outbox::seal_all(s, &op.outbox)?,
            op,
        };
        self.call(|reply| Op::Create(Box::new(sealed), reply)).await
    }

    pub(crate) async fn append(&self, op: AppendEvents) -> Result<CaseState, StoreError> {
        let sealed = outbox::seal_all(&self.sealer, &op.outbox)?;
        self.call(|reply| Op::Append(Box::new(op), sealed, reply))
            .await
    }

    pub(crate) async fn refresh(&self, r: KpiRefresh) -> Result<bool, StoreError> {
        self.call(|reply| Op::Refresh(Box::new(r), reply)).await
    }

    pub(crate) async fn raise_alert(
        &self,
        op: RaiseAlert,
    ) -> Result<(AlertRecord, bool), StoreError> {
        let sealed = outbox::seal_all(&self.sealer, &op.notices)?;
        self.call(|reply| Op::Raise(Box::new(op), sealed, reply))
            .await
    }

    pub(crate) async fn rebuild(&self, cases: Vec<KpiRefresh>) -> Result<(), StoreError> {
        self.call(|reply| Op::Rebuild(cases, reply)).await
    }

    /// Commits what is queued and closes the writer's connection; later writes get `Closed`.
    pub(crate) async fn close(&self) {
        let (reply, done) = oneshot::channel();
        if self.tx.send(Msg::Close(reply)).await.is_ok() {
            let _ = done.await;
        }
    }
}

async fn run(pool: AnyPool, mut rx: mpsc::Receiver<Msg>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    let mut closing = None;
    while let Some(first) = rx.recv().await {
        match first {
            Msg::Op(op) => batch.push(op),
            Msg::Close(reply) => closing = Some(reply),
        }
        while closing.is_none() && batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(Msg::Op(op)) => batch.push(op),
                Ok(Msg::Close(reply)) => closing = Some(reply),
                Err(_) => break,
            }
        }
        if !batch.is_empty() {
            commit_batch(&pool, &mut batch).await;
        }
        if closing.is_some() {
            break;
        }
    }
    rx.close();
    pool.close().await;
    if let Some(reply) = closing {
        let _ = reply.send(());
    }
}

enum Outcome {
    Created(Result<Created, StoreError>),
    Appended(Result<CaseState, StoreError>),
    Refreshed(Result<bool, StoreError>),
    Raised(Result<(AlertRecord, bool), StoreError>),
    Rebuilt(Result<(), StoreError>),
}

impl Outcome {
    fn is_ok(&self) -> bool {
        match self {
            Outcome::Created(r) => r.is_ok(),
            Outcome::Appended(r) => r.is_ok(),
            Outcome::Refreshed(r) => r.is_ok(),
            Outcome::Raised(r) => r.is_ok(),
            Outcome::Rebuilt(r) => r.is_ok(),
        }
    }

    /// The same operation's outcome, failed with `e`.
    fn failed(self, e: StoreError) -> Outcome {
        match self {
            Outcome::Created(_) => Outcome::Created(Err(e)),
            Outcome::Appended(_) => Outcome::Appended(Err(e)),
            Outcome::Refreshed(_) => Outcome::Refreshed(Err(e)),
            Outcome::Raised(_) => Outcome::Raised(Err(e)),
            Outcome::Rebuilt(_) => Outcome::Rebuilt(Err(e)),
        }
    }
}

/// Takes an operation's result out of its outcome slot (or the batch failure).
fn take<T>(
    result: &Result<(), StoreError>,
    slot: Option<&mut Outcome>,
    pick: impl FnOnce(&mut Outcome) -> Option<&mut Result<T, StoreError>>,
) -> Result<T, StoreError> {
    match (result, slot.and_then(pick)) {
        (Ok(()), Some(r)) => std::mem::replace(r, Err(StoreError::Closed)),
        (Err(e), _) => Err(StoreError::Corrupt(format!("batch commit failed: {e}"))),
        (Ok(()), None) => Err(StoreError::Closed),
    }
}

async fn commit_batch(pool: &AnyPool, batch: &mut Vec<Op>) {
    let mut outcomes: Vec<Outcome> = Vec::with_capacity(batch.len());
    // Operations rarely fail, and a savepoint around each costs two statements and a
    // sub-journal: try the batch without them, and only if one fails run it again with them.
    let mut result = attempt(pool, batch, false, &mut outcomes).await;
    if matches!(result, Ok(false)) {
        outcomes.clear();
        result = attempt(pool, batch, true, &mut outcomes).await;
    }
    let result = result.map(drop);
    for (i, op) in batch.drain(..).enumerate() {
        let slot = outcomes.get_mut(i);
        match op {
            Op::Create(_, reply) => {
                let _ = reply.send(take(&result, slot, |o| match o {
                    Outcome::Created(r) => Some(r),
                    _ => None,
                }));
            }
            Op::Append(_, _, reply) => {
                let _ = reply.send(take(&result, slot, |o| match o {
                    Outcome::Appended(r) => Some(r),
                    _ => None,
                }));
            }
            Op::Refresh(_, reply) => {
                let _ = reply.send(take(&result, slot, |o| match o {
                    Outcome::Refreshed(r) => Some(r),
                    _ => None,
                }));
            }
            Op::Raise(_, _, reply) => {
                let _ = reply.send(take(&result, slot, |o| match o {
                    Outcome::Raised(r) => Some(r),
                    _ => None,
                }));
            }
            Op::Rebuild(_, reply) => {
                let _ = reply.send(take(&result, slot, |o| match o {
                    Outcome::Rebuilt(r) => Some(r),
                    _ => None,
                }));
            }
        }
    }
}

/// Runs the batch in one transaction and commits it. With `savepoints`, each operation has its
/// own, so a failing one is rolled back alone and the others commit. Without, the first failure
/// rolls the whole transaction back and `Ok(false)` is returned (nothing was written).
async fn attempt(
    pool: &AnyPool,
    batch: &[Op],
    savepoints: bool,
    outcomes: &mut Vec<Outcome>,
) -> Result<bool, StoreError> {
    let mut tx = crate::tx::begin_write(pool).await?;
    let mut deltas = Deltas::default();
    let mut rows = Rows::default();
    for op in batch {
        // A create reads none of the gathered rows (its case is new); every other operation
        // might (an append reads its case's kept facts), so they are written before it. Only
        // without savepoints are rows held across operations.
        let reads_none = matches!(op, Op::Create(..));
        if !reads_none && !rows.is_empty() && rows.write(&mut tx).await.is_err() {
            tx.rollback().await?;
            return Ok(false);
        }
        if matches!(op, Op::Rebuild(..)) && !deltas.is_empty() {
            // A rebuild recounts from scratch: what came before it must be in the cells.
            kpi_write::flush(&mut tx, std::mem::take(&mut deltas)).await?;
        }
        let mut mine = Deltas::default();
        let outcome = if savepoints {
            let mut sp = sqlx::Acquire::begin(&mut *tx).await?;
            let mut outcome = run_op(&mut sp, op, &mut mine, &mut rows).await;
            if outcome.is_ok()
                && let Err(e) = rows.write(&mut sp).await
            {
                outcome = outcome.failed(e);
            }
            rows = Rows::default();
            if outcome.is_ok() {
                sp.commit().await?;
            } else {
                sp.rollback().await?;
            }
            outcome
        } else {
            let outcome = run_op(&mut tx, op, &mut mine, &mut rows).await;
            if !outcome.is_ok() {
                tx.rollback().await?;
                return Ok(false);
            }
            outcome
        };
        if outcome.is_ok() {
            deltas.merge(mine);
        }
        outcomes.push(outcome);
    }
    if rows.write(&mut tx).await.is_err() {
        tx.rollback().await?;
        return Ok(false);
    }
    kpi_write::flush(&mut tx, deltas).await?;
    tx.commit().await?;
    Ok(true)
}

async fn run_op(
    tx: &mut Transaction<'_, Any>,
    op: &Op,
    deltas: &mut Deltas,
    rows: &mut Rows,
) -> Outcome {
    match op {
        Op::Create(c, _) => Outcome::Created(create(tx, c, deltas, rows).await),
        Op::Append(a, m, _) => Outcome::Appended(append(tx, a, m, deltas, rows).await),
        Op::Refresh(r, _) => Outcome::Refreshed(kpi_write::refresh(tx, r, deltas).await),
        Op::Raise(r, m, _) => Outcome::Raised(alerts::insert_new(tx, r, m).await),
        Op::Rebuild(cases, _) => Outcome::Rebuilt(kpi_write::rebuild(tx, cases).await),
    }
}

async fn create(
    tx: &mut Transaction<'_, Any>,
    c: &SealedCreate,
    deltas: &mut Deltas,
    rows: &mut Rows,
) -> Result<Created, StoreError> {
    let op = &c.op;
    if let Some(k) = &op.idempotency {
        let row: Option<(String, String)> = sqlx::query_as(
            "SELECT case_id, request_hash FROM idempotency_keys WHERE scope = $1 AND key = $2",
        )
        .bind(k.scope.clone())
        .bind(k.key.clone())
        .fetch_optional(&mut **tx)
        .await?;
        if let Some((case_id, hash)) = row {
            if hash != k.request_hash {
                return Err(StoreError::IdempotencyMismatch);
            }
            let state: (String,) = sqlx::query_as("SELECT state FROM cases WHERE id = $1")
                .bind(case_id)
                .fetch_one(&mut **tx)
                .await?;
            return Ok(Created::Existing(serde_json::from_str(&state.0)?));
        }
    }

    let day = minsheng_core::deadline::local_date(op.at);
    let (serial,): (i64,) = sqlx::query_as(
        "INSERT INTO counters (name, value) VALUES ($1, 1) \
         ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value",
    )
    .bind(ids::case_number_counter(day))
    .fetch_one(&mut **tx)
    .await?;
    let number = ids::case_number(day, serial as u64);
    let mut state = op.state.clone();
    state.reg.number = number.clone();
    let mut events = op.events.clone();
    if let Some(Event::Registered(r)) = events.first_mut() {
        r.number = number.clone();
    }

    rows.petitioners.push(vec![
        Val::T(op.petitioner.id.to_string()),
        Val::B(c.name_enc.clone()),
        Val::B(c.phone_enc.clone()),
        Val::S(c.phone_hash.clone()),
        Val::B(c.id_enc.clone()),
        Val::S(c.id_hash.clone()),
        Val::B(c.address_enc.clone()),
        Val::I(millis(op.at)),
        Val::B(c.email_enc.clone()),
        Val::S(op.petitioner.notify.map(|n| n.as_str().to_string())),
    ]);

    let last_hash = event_rows(
        &mut rows.events,
        op.case_id,
        0,
        GENESIS,
        op.at,
        &op.actor,
        &events,
    )?;
    let json = serde_json::to_string(&state)?;
    sqlx::query(
        "INSERT INTO cases (id, number, flow, kind, channel, status, title, topic, region, office_unit, \
         current_unit, accused_unit, petitioner_id, phone_hash, query_code_hash, query_code_enc, registered_at, \
         updated_at, due_at, due_kind, closed_at, version, last_hash, state, grid_id, on_spot_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, \
         $25, $26)",
    )
    .bind(op.case_id.to_string())
    .bind(number)
    .bind(state.flow.as_str())
    .bind(state.kind.as_str())
    .bind(state.channel.as_str())
    .bind(state.status.as_str())
    .bind(state.title.clone())
    .bind(state.topic.clone())
    .bind(state.location.region.clone())
    .bind(state.office_unit.clone())
    .bind(state.current_unit.clone())
    .bind(state.accused_unit.clone())
    .bind(op.petitioner.id.to_string())
    .bind(c.phone_hash.clone())
    .bind(state.query_code_hash.clone())
    .bind(c.query_code_enc.clone())
    .bind(millis(state.registered_at))
    .bind(millis(state.updated_at))
    .bind(op.due.as_ref().map(|d| millis(d.due)))
    .bind(op.due.as_ref().map(kind_str))
    .bind(state.closed_at.map(millis))
    .bind(state.version as i64)
    .bind(last_hash)
    .bind(json)
    .bind(state.grid.clone())
    .bind(state.resolved_on_spot_at.map(millis))
    .execute(&mut **tx)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            StoreError::Duplicate("case".into())
        } else {
            e.into()
        }
    })?;
    unit_rows(&mut rows.units, op.case_id, &state.units_involved);
    if let Some(k) = &op.kpi {
        if let Some(earlier) = k.links.repeat_of {
            kpi_write::record_repeat(tx, op.case_id, earlier).await?;
            let done = match &op.repeat_refresh {
                Some(r) if r.case_id == earlier => kpi_write::refresh(tx, r, deltas).await?,
                _ => false,
            };
            if !done {
                kpi_write::mark_stale(tx, earlier).await?;
            }
        }
        rows.facts
            .push(kpi_write::apply_new(op.case_id, state.version, k, deltas)?);
    }

    if let Some(k) = &op.idempotency {
        sqlx::query(
            "INSERT INTO idempotency_keys (scope, key, request_hash, case_id, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(k.scope.clone())
        .bind(k.key.clone())
        .bind(k.request_hash.clone())
        .bind(op.case_id.to_string())
        .bind(millis(op.at))
        .execute(&mut **tx)
        .await?;
    }
    rows.outbox.extend(outbox::rows(&c.outbox, op.at));
    Ok(Created::New(state))
}

fn kind_str(d: &Due) -> String {
    serde_json::to_value(d.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

async fn append(
    tx: &mut Transaction<'_, Any>,
    a: &AppendEvents,
    outbox: &[SealedMessage],
    deltas: &mut Deltas,
    rows: &mut Rows,
) -> Result<CaseState, StoreError> {
    let row: Option<(i64, String)> =
        sqlx::query_as("SELECT version, last_hash FROM cases WHERE id = $1")
            .bind(a.case_id.to_string())
            .fetch_optional(&mut **tx)
            .await?;
    let (version, last_hash) = row.ok_or(StoreError::NotFound)?;
    if version as u64 != a.expected_version {
        return Err(StoreError::Conflict);
    }
    if let Some(k) = &a.kpi
        && kpi_write::links(tx, a.case_id).await? != k.links
    {
        // A repeat was linked since the facts were derived: derive again.
        return Err(StoreError::Conflict);
    }
    let last_hash = event_rows(
        &mut rows.events,
        a.case_id,
        a.expected_version,
        &last_hash,
        a.at,
        &a.actor,
        &a.events,
    )?;
    let s = &a.state;
    let done = sqlx::query(
        "UPDATE cases SET status = $1, current_unit = $2, updated_at = $3, due_at = $4, due_kind = $5, \
         closed_at = $6, version = $7, last_hash = $8, state = $9, grid_id = $10, on_spot_at = $11 \
         WHERE id = $12 AND version = $13",
    )
    .bind(s.status.as_str())
    .bind(s.current_unit.clone())
    .bind(millis(s.updated_at))
    .bind(a.due.as_ref().map(|d| millis(d.due)))
    .bind(a.due.as_ref().map(kind_str))
    .bind(s.closed_at.map(millis))
    .bind(s.version as i64)
    .bind(last_hash)
    .bind(serde_json::to_string(s)?)
    .bind(s.grid.clone())
    .bind(s.resolved_on_spot_at.map(millis))
    .bind(a.case_id.to_string())
    .bind(a.expected_version as i64)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::Conflict);
    }
    unit_rows(&mut rows.units, a.case_id, &s.units_involved);
    if let Some(k) = &a.kpi {
        kpi_write::apply(tx, a.case_id, s.version, k, deltas).await?;
    }
    rows.outbox.extend(outbox::rows(outbox, a.at));
    Ok(s.clone())
}

fn unit_rows(rows: &mut Vec<Vec<Val>>, case_id: uuid::Uuid, units: &[String]) {
    rows.extend(
        units
            .iter()
            .map(|u| vec![Val::T(case_id.to_string()), Val::T(u.clone())]),
    );
}

/// Seals events after `after_seq`, chaining from `prev`, into rows of `case_events`; returns
/// the last hash.
fn event_rows(
    rows: &mut Vec<Vec<Val>>,
    case_id: uuid::Uuid,
    after_seq: u64,
    prev: &str,
    at: DateTime<Utc>,
    actor: &Actor,
    events: &[Event],
) -> Result<String, StoreError> {
    let mut prev = prev.to_string();
    for (i, e) in events.iter().enumerate() {
        let rec = EventRecord::seal(
            case_id,
            after_seq + 1 + i as u64,
            at,
            actor.clone(),
            e.clone(),
            &prev,
        );
        rows.push(vec![
            Val::T(case_id.to_string()),
            Val::I(rec.seq as i64),
            Val::I(millis(rec.at)),
            Val::T(e.name().to_string()),
            Val::T(serde_json::to_string(&rec.actor)?),
            Val::T(serde_json::to_string(&rec.event)?),
            Val::T(rec.prev_hash),
            Val::T(rec.hash.clone()),
        ]);
        prev = rec.hash;
    }
    Ok(prev)
}

/// Rows of creates and appends that no create reads back: gathered over a run of operations
/// and written with one multi-row insert per table, which is much of what a shared commit
/// saves over a transaction per case. Written before any operation other than a create, and
/// before the commit.
#[derive(Default)]
struct Rows {
    petitioners: Vec<Vec<Val>>,
    events: Vec<Vec<Val>>,
    units: Vec<Vec<Val>>,
    facts: Vec<Vec<Val>>,
    outbox: Vec<Vec<Val>>,
}

impl Rows {
    fn is_empty(&self) -> bool {
        self.petitioners.is_empty()
            && self.events.is_empty()
            && self.units.is_empty()
            && self.facts.is_empty()
            && self.outbox.is_empty()
    }

    async fn write(&mut self, tx: &mut Transaction<'_, Any>) -> Result<(), StoreError> {
        let Rows {
            petitioners,
            events,
            units,
            facts,
            outbox,
        } = std::mem::take(self);
        sql::insert_rows(
            tx,
            "INSERT INTO petitioners (id, name_enc, phone_enc, phone_hash, id_enc, id_hash, address_enc, \
             created_at, email_enc, notify_channel)",
            "",
            petitioners,
        )
        .await?;
        sql::insert_rows(
            tx,
            "INSERT INTO case_events (case_id, seq, at, kind, actor, payload, prev_hash, hash)",
            "",
            events,
        )
        .await
        .map_err(|e| match e {
            // Another append took the sequence number first.
            StoreError::Db(e) if is_unique_violation(&e) => StoreError::Conflict,
            e => e,
        })?;
        sql::insert_rows(
            tx,
            "INSERT INTO case_units (case_id, unit)",
            " ON CONFLICT (unit, case_id) DO NOTHING",
            units,
        )
        .await?;
        kpi_write::insert_facts(tx, facts).await?;
        outbox::insert_rows_of(tx, outbox).await
    }
}
