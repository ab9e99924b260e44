//! People's suggestions (人民建议征集): campaigns and suggestions, each an event log hash-chained
//! like `case_events`, with projection rows for lists, written in the same transaction. The
//! suggester's personal data goes into `petitioners` (sealed, like a petitioner's); public
//! supports keep the phone only as its keyed blind index and the address only as its network.
//!
//! Suggestion work is low-volume next to case intake, so these writes use their own short
//! transactions with an optimistic version check rather than the group committer.

use crate::error::{StoreError, is_unique_violation};
use crate::writer::NewPetitioner;
use crate::{Store, from_millis, millis};
use chrono::{DateTime, Utc};
use minsheng_core::access::Actor;
use minsheng_core::event::{GENESIS, chain_hash};
use minsheng_core::suggestion::support::SupportRecord;
use minsheng_core::suggestion::{
    Campaign, CampaignEvent, Expert, SuggestionEvent, SuggestionState,
};
use serde::Serialize;
use sqlx::{Any, AssertSqlSafe, Transaction};

/// An event stream stored with a hash chain (the case scheme: SHA-256 over the previous hash
/// and canonical JSON of id, seq, time in milliseconds, actor and event).
pub trait Chained: Serialize {
    fn kind(&self) -> &'static str;
}

impl Chained for SuggestionEvent {
    fn kind(&self) -> &'static str {
        self.name()
    }
}

impl Chained for CampaignEvent {
    fn kind(&self) -> &'static str {
        self.name()
    }
}

/// Canonical bytes of an event of any stream. The field layout is the case scheme's
/// (`minsheng_core::event::canonical_bytes`) with the stream id in place of the case id; the
/// case function is left as it is so no stored case hash changes.
pub fn canonical_bytes<E: Serialize>(
    stream_id: uuid::Uuid,
    seq: u64,
    at: DateTime<Utc>,
    actor: &Actor,
    event: &E,
) -> Vec<u8> {
    #[derive(Serialize)]
    struct Canon<'a, E> {
        case_id: uuid::Uuid,
        seq: u64,
        at_ms: i64,
        actor: &'a Actor,
        event: &'a E,
    }
    serde_json::to_vec(&Canon {
        case_id: stream_id,
        seq,
        at_ms: at.timestamp_millis(),
        actor,
        event,
    })
    .unwrap_or_default()
}

/// The two streams: (events table, id column).
#[derive(Clone, Copy)]
enum Stream {
    Suggestion,
    Campaign,
}

impl Stream {
    fn table(self) -> &'static str {
        match self {
            Stream::Suggestion => "suggestion_events",
            Stream::Campaign => "campaign_events",
        }
    }
    fn name(self) -> &'static str {
        match self {
            Stream::Suggestion => "suggestion",
            Stream::Campaign => "campaign",
        }
    }
    fn id_col(self) -> &'static str {
        match self {
            Stream::Suggestion => "suggestion_id",
            Stream::Campaign => "campaign_id",
        }
    }
}

/// A broken suggestion or campaign chain, as `minsheng verify` reports it.
#[derive(Debug, Clone)]
pub struct SuggestionChainFailure {
    /// "suggestion" or "campaign".
    pub stream: &'static str,
    pub id: String,
    pub seq: u64,
    pub reason: String,
}

/// The same checks as a case chain (`minsheng_core::event::verify_links`).
fn walk_chain<E: Serialize>(
    id: uuid::Uuid,
    events: &[StoredEvent<E>],
) -> Result<(), (u64, &'static str)> {
    minsheng_core::event::verify_links(
        events,
        |e| (e.seq, &e.prev_hash, &e.hash),
        |e| {
            chain_hash(
                &e.prev_hash,
                &canonical_bytes(id, e.seq, e.at, &e.actor, &e.event),
            )
        },
    )
    .map_err(|b| (b.seq, b.reason))
}

#[allow(clippy::too_many_arguments)]
async fn insert_chain<E: Chained>(
    tx: &mut Transaction<'_, Any>,
    stream: Stream,
    id: uuid::Uuid,
    after_seq: u64,
    prev: &str,
    at: DateTime<Utc>,
    actor: &Actor,
    events: &[E],
) -> Result<String, StoreError> {
    let at = from_millis(millis(at));
    let mut prev = prev.to_string();
    let sql = format!(
        "INSERT INTO {} ({}, seq, at, kind, actor, payload, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        stream.table(),
        stream.id_col()
    );
    for (i, e) in events.iter().enumerate() {
        let seq = after_seq + 1 + i as u64;
        let hash = chain_hash(&prev, &canonical_bytes(id, seq, at, actor, e));
        sqlx::query(AssertSqlSafe(sql.clone()))
            .bind(id.to_string())
            .bind(seq as i64)
            .bind(millis(at))
            .bind(e.kind())
            .bind(serde_json::to_string(actor)?)
            .bind(serde_json::to_string(e)?)
            .bind(prev.clone())
            .bind(hash.clone())
            .execute(&mut **tx)
            .await
            .map_err(|e| {
                if is_unique_violation(&e) {
                    StoreError::Conflict
                } else {
                    e.into()
                }
            })?;
        prev = hash;
    }
    Ok(prev)
}

/// One stored event of a suggestion or campaign, with its chain.
#[derive(Debug, Clone)]
pub struct StoredEvent<E> {
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub actor: Actor,
    pub event: E,
    pub prev_hash: String,
    pub hash: String,
}

/// A new suggestion: the decided events (the first `Submitted` with an empty number, filled in
/// here), the state after them, and the suggester's personal data in clear.
#[derive(Debug)]
pub struct NewSuggestion {
    pub id: uuid::Uuid,
    pub at: DateTime<Utc>,
    pub actor: Actor,
    pub events: Vec<SuggestionEvent>,
    pub state: SuggestionState,
    pub suggester: NewPetitioner,
}

/// What a staff list shows.
#[derive(Debug, Clone, Default)]
pub struct SuggestionFilter {
    /// Suggestions of this office, or forwarded to this unit.
    pub office_or_unit: Option<String>,
    /// Only those forwarded to this unit.
    pub unit: Option<String>,
    pub campaign: Option<uuid::Uuid>,
    pub status: Option<String>,
    pub published_only: bool,
    pub limit: i64,
}

fn serial_day(at: DateTime<Utc>) -> chrono::NaiveDate {
    minsheng_core::deadline::local_date(at)
}

impl Store {
    // ---- campaigns ----------------------------------------------------------------------

    pub async fn create_campaign(
        &self,
        at: DateTime<Utc>,
        actor: &Actor,
        events: &[CampaignEvent],
        state: &Campaign,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let last = insert_chain(
            &mut tx,
            Stream::Campaign,
            state.id,
            0,
            GENESIS,
            at,
            actor,
            events,
        )
        .await?;
        sqlx::query(
            "INSERT INTO campaigns (id, kind, office_unit, title, opens_on, closes_on, closed_at, opened_at, \
             updated_at, version, last_hash, state) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(state.id.to_string())
        .bind(state.kind.as_str())
        .bind(state.office_unit.clone())
        .bind(state.title.clone())
        .bind(state.opens_on.to_string())
        .bind(state.closes_on.to_string())
        .bind(state.closed_at.map(millis))
        .bind(millis(state.opened_at))
        .bind(millis(state.updated_at))
        .bind(state.version as i64)
        .bind(last)
        .bind(serde_json::to_string(state)?)
        .execute(&mut *tx)
        .await?;
        sync_invitations(&mut tx, state).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Appends events to a campaign still at `expected_version`.
    pub async fn append_campaign(
        &self,
        expected_version: u64,
        at: DateTime<Utc>,
        actor: &Actor,
        events: &[CampaignEvent],
        state: &Campaign,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let row: Option<(i64, String)> =
            sqlx::query_as("SELECT version, last_hash FROM campaigns WHERE id = $1")
                .bind(state.id.to_string())
                .fetch_optional(&mut *tx)
                .await?;
        let (version, last) = row.ok_or(StoreError::NotFound)?;
        if version as u64 != expected_version {
            return Err(StoreError::Conflict);
        }
        let last = insert_chain(
            &mut tx,
            Stream::Campaign,
            state.id,
            expected_version,
            &last,
            at,
            actor,
            events,
        )
        .await?;
        let done = sqlx::query(
            "UPDATE campaigns SET title = $1, closes_on = $2, closed_at = $3, updated_at = $4, version = $5, \
             last_hash = $6, state = $7 WHERE id = $8 AND version = $9",
        )
        .bind(state.title.clone())
        .bind(state.closes_on.to_string())
        .bind(state.closed_at.map(millis))
        .bind(millis(state.updated_at))
        .bind(state.version as i64)
        .bind(last)
        .bind(serde_json::to_string(state)?)
        .bind(state.id.to_string())
        .bind(expected_version as i64)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict);
        }
        sync_invitations(&mut tx, state).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn get_campaign(&self, id: uuid::Uuid) -> Result<Option<Campaign>, StoreError> {
        let row: Option<(String,)> = sqlx::query_as("SELECT state FROM campaigns WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|(s,)| serde_json::from_str(&s).map_err(Into::into))
            .transpose()
    }

    /// Every campaign, newest opening day first.
    pub async fn list_campaigns(&self) -> Result<Vec<Campaign>, StoreError> {
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT state FROM campaigns ORDER BY opens_on DESC, id DESC")
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter()
            .map(|(s,)| serde_json::from_str(&s).map_err(Into::into))
            .collect()
    }

    /// The campaign an adviser's token (by its hash) opens, while the invitation is live.
    pub async fn campaign_by_token_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<Campaign>, StoreError> {
        let row: Option<(String,)> = sqlx::query_as(
            "SELECT campaign_id FROM campaign_invitations WHERE token_hash = $1 AND revoked_at IS NULL",
        )
        .bind(token_hash.to_string())
        .fetch_optional(&self.pool)
        .await?;
        match row.and_then(|(id,)| uuid::Uuid::parse_str(&id).ok()) {
            Some(id) => self.get_campaign(id).await,
            None => Ok(None),
        }
    }

    pub async fn campaign_events(
        &self,
        id: uuid::Uuid,
    ) -> Result<Vec<StoredEvent<CampaignEvent>>, StoreError> {
        self.stream_events(Stream::Campaign, id).await
    }

    // ---- suggestions --------------------------------------------------------------------

    /// Writes a new suggestion and its suggester; assigns the number (`JY` + a daily serial).
    pub async fn create_suggestion(
        &self,
        op: NewSuggestion,
    ) -> Result<SuggestionState, StoreError> {
        let s = &self.sealer;
        let p = &op.suggester;
        let seal = |field: &str, v: Option<&str>| v.map(|v| s.seal(field, v)).transpose();
        let name_enc = seal("name", p.name.as_deref())?;
        let phone_enc = seal("phone", p.phone.as_ref().map(|x| x.as_str()))?;
        let phone_hash = p.phone.as_ref().map(|x| s.blind_index("phone", x.as_str()));
        let id_enc = seal("id_number", p.id_number.as_ref().map(|x| x.as_str()))?;
        let id_hash = p
            .id_number
            .as_ref()
            .map(|x| s.blind_index("id_number", x.as_str()));
        let address_enc = seal("address", p.address.as_deref())?;

        let mut tx = self.pool.begin().await?;
        let day = serial_day(op.at);
        let (serial,): (i64,) = sqlx::query_as(
            "INSERT INTO counters (name, value) VALUES ($1, 1) \
             ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value",
        )
        .bind(format!("suggestion_number:{}", day.format("%Y%m%d")))
        .fetch_one(&mut *tx)
        .await?;
        let number = format!("JY{}", minsheng_core::ids::case_number(day, serial as u64));
        let mut state = op.state.clone();
        state.sub.number = number.clone();
        let mut events = op.events.clone();
        if let Some(SuggestionEvent::Submitted(sub)) = events.first_mut() {
            sub.number = number.clone();
        }
        sqlx::query(
            "INSERT INTO petitioners (id, name_enc, phone_enc, phone_hash, id_enc, id_hash, address_enc, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(p.id.to_string())
        .bind(name_enc)
        .bind(phone_enc)
        .bind(phone_hash)
        .bind(id_enc)
        .bind(id_hash)
        .bind(address_enc)
        .bind(millis(op.at))
        .execute(&mut *tx)
        .await?;
        let last = insert_chain(
            &mut tx,
            Stream::Suggestion,
            op.id,
            0,
            GENESIS,
            op.at,
            &op.actor,
            &events,
        )
        .await?;
        sqlx::query(
            "INSERT INTO suggestions (id, number, campaign_id, office_unit, region, topic, status, title, \
             petitioner_id, query_code_hash, registered_at, updated_at, published_at, supporters, version, \
             last_hash, state) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 0, $14, $15, $16)",
        )
        .bind(op.id.to_string())
        .bind(number)
        .bind(state.campaign.map(|c| c.to_string()))
        .bind(state.office_unit.clone())
        .bind(state.region.clone())
        .bind(state.topic.clone())
        .bind(state.status.as_str())
        .bind(state.title.clone())
        .bind(p.id.to_string())
        .bind(state.query_code_hash.clone())
        .bind(millis(state.registered_at))
        .bind(millis(state.updated_at))
        .bind(state.published_at.map(millis))
        .bind(state.version as i64)
        .bind(last)
        .bind(serde_json::to_string(&state)?)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(state)
    }

    /// Appends events to a suggestion still at `expected_version`; keeps the unit and reward
    /// projections in step.
    pub async fn append_suggestion(
        &self,
        expected_version: u64,
        at: DateTime<Utc>,
        actor: &Actor,
        events: &[SuggestionEvent],
        state: &SuggestionState,
    ) -> Result<SuggestionState, StoreError> {
        let mut tx = self.pool.begin().await?;
        let row: Option<(i64, String)> =
            sqlx::query_as("SELECT version, last_hash FROM suggestions WHERE id = $1")
                .bind(state.id.to_string())
                .fetch_optional(&mut *tx)
                .await?;
        let (version, last) = row.ok_or(StoreError::NotFound)?;
        if version as u64 != expected_version {
            return Err(StoreError::Conflict);
        }
        let last = insert_chain(
            &mut tx,
            Stream::Suggestion,
            state.id,
            expected_version,
            &last,
            at,
            actor,
            events,
        )
        .await?;
        let done = sqlx::query(
            "UPDATE suggestions SET status = $1, updated_at = $2, published_at = $3, version = $4, \
             last_hash = $5, state = $6 WHERE id = $7 AND version = $8",
        )
        .bind(state.status.as_str())
        .bind(millis(state.updated_at))
        .bind(state.published_at.map(millis))
        .bind(state.version as i64)
        .bind(last)
        .bind(serde_json::to_string(state)?)
        .bind(state.id.to_string())
        .bind(expected_version as i64)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict);
        }
        for u in &state.units {
            sqlx::query(
                "INSERT INTO suggestion_units (suggestion_id, unit) VALUES ($1, $2) \
                 ON CONFLICT (unit, suggestion_id) DO NOTHING",
            )
            .bind(state.id.to_string())
            .bind(u.unit.clone())
            .execute(&mut *tx)
            .await?;
        }
        if let Some(r) = &state.reward {
            sqlx::query(
                "INSERT INTO suggestion_rewards (suggestion_id, office_unit, cycle, tier, amount_yuan, at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (suggestion_id) DO NOTHING",
            )
            .bind(state.id.to_string())
            .bind(state.office_unit.clone())
            .bind(r.cycle.clone())
            .bind(r.tier.clone())
            .bind(r.amount_yuan as i64)
            .bind(millis(r.at))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(state.clone())
    }

    pub async fn get_suggestion(
        &self,
        id: uuid::Uuid,
    ) -> Result<Option<SuggestionState>, StoreError> {
        self.one_suggestion(
            "SELECT state FROM suggestions WHERE id = $1",
            id.to_string(),
        )
        .await
    }

    pub async fn get_suggestion_by_number(
        &self,
        number: &str,
    ) -> Result<Option<SuggestionState>, StoreError> {
        self.one_suggestion(
            "SELECT state FROM suggestions WHERE number = $1",
            number.to_string(),
        )
        .await
    }

    pub async fn suggestion_by_query_code(
        &self,
        code_hash: &str,
    ) -> Result<Option<SuggestionState>, StoreError> {
        self.one_suggestion(
            "SELECT state FROM suggestions WHERE query_code_hash = $1",
            code_hash.to_string(),
        )
        .await
    }

    async fn one_suggestion(
        &self,
        sql: &'static str,
        key: String,
    ) -> Result<Option<SuggestionState>, StoreError> {
        let row: Option<(String,)> = sqlx::query_as(sql)
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|(s,)| serde_json::from_str(&s).map_err(Into::into))
            .transpose()
    }

    /// Suggestions matching `f`, newest first.
    pub async fn list_suggestions(
        &self,
        f: &SuggestionFilter,
    ) -> Result<Vec<SuggestionState>, StoreError> {
        // Both backends take `$n` placeholders through the Any driver; only text is bound.
        let mut sql = String::from("SELECT s.state FROM suggestions s WHERE 1 = 1");
        let mut args: Vec<String> = Vec::new();
        let mut bind = |v: String| {
            args.push(v);
            format!("${}", args.len())
        };
        if let Some(u) = &f.office_or_unit {
            let p = bind(u.clone());
            sql.push_str(&format!(
                " AND (s.office_unit = {p} OR s.id IN (SELECT suggestion_id FROM suggestion_units WHERE unit = {p}))"
            ));
        }
        if let Some(u) = &f.unit {
            let p = bind(u.clone());
            sql.push_str(&format!(
                " AND s.id IN (SELECT suggestion_id FROM suggestion_units WHERE unit = {p})"
            ));
        }
        if let Some(c) = f.campaign {
            let p = bind(c.to_string());
            sql.push_str(&format!(" AND s.campaign_id = {p}"));
        }
        if let Some(st) = &f.status {
            let p = bind(st.clone());
            sql.push_str(&format!(" AND s.status = {p}"));
        }
        if f.published_only {
            sql.push_str(
                " AND s.published_at IS NOT NULL AND s.status NOT IN ('redirected', 'withdrawn')",
            );
        }
        let limit = if f.limit > 0 {
            f.limit.min(10_000)
        } else {
            200
        };
        sql.push_str(&format!(
            " ORDER BY s.registered_at DESC, s.id DESC LIMIT {limit}"
        ));
        let mut q = sqlx::query_as::<_, (String,)>(AssertSqlSafe(sql));
        for a in args {
            q = q.bind(a);
        }
        let rows: Vec<(String,)> = q.fetch_all(&self.pool).await?;
        rows.into_iter()
            .map(|(s,)| serde_json::from_str(&s).map_err(Into::into))
            .collect()
    }

    /// Every suggestion (the scoreboard recounts from these), in pages of `limit` after `after`.
    pub async fn suggestions_page(
        &self,
        after: Option<uuid::Uuid>,
        limit: i64,
    ) -> Result<Vec<SuggestionState>, StoreError> {
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT state FROM suggestions WHERE id > $1 ORDER BY id LIMIT $2")
                .bind(after.map(|a| a.to_string()).unwrap_or_default())
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter()
            .map(|(s,)| serde_json::from_str(&s).map_err(Into::into))
            .collect()
    }

    pub async fn suggestion_events(
        &self,
        id: uuid::Uuid,
    ) -> Result<Vec<StoredEvent<SuggestionEvent>>, StoreError> {
        self.stream_events(Stream::Suggestion, id).await
    }

    async fn stream_events<E: serde::de::DeserializeOwned>(
        &self,
        stream: Stream,
        id: uuid::Uuid,
    ) -> Result<Vec<StoredEvent<E>>, StoreError> {
        let sql = format!(
            "SELECT seq, at, actor, payload, prev_hash, hash FROM {} WHERE {} = $1 ORDER BY seq",
            stream.table(),
            stream.id_col()
        );
        let rows: Vec<(i64, i64, String, String, String, String)> =
            sqlx::query_as(AssertSqlSafe(sql))
                .bind(id.to_string())
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter()
            .map(|(seq, at, actor, payload, prev_hash, hash)| {
                Ok(StoredEvent {
                    seq: seq as u64,
                    at: from_millis(at),
                    actor: serde_json::from_str(&actor)?,
                    event: serde_json::from_str(&payload)?,
                    prev_hash,
                    hash,
                })
            })
            .collect()
    }

    /// Re-checks a suggestion's hash chain; `Err` names the first broken sequence number.
    pub async fn verify_suggestion(&self, id: uuid::Uuid) -> Result<Result<(), u64>, StoreError> {
        let events = self.suggestion_events(id).await?;
        Ok(walk_chain(id, &events).map_err(|(seq, _)| seq))
    }

    /// Re-walks every suggestion's and every campaign's chain (`minsheng verify`), and checks
    /// that each projection row stands on the head of its chain, so that neither an edited event
    /// nor an edited projection goes unnoticed.
    pub async fn verify_suggestion_chains(
        &self,
    ) -> Result<(u64, Vec<SuggestionChainFailure>), StoreError> {
        let mut failures = Vec::new();
        let mut n = 0;
        n += self
            .verify_streams::<CampaignEvent>(Stream::Campaign, "campaigns", &mut failures)
            .await?;
        n += self
            .verify_streams::<SuggestionEvent>(Stream::Suggestion, "suggestions", &mut failures)
            .await?;
        Ok((n, failures))
    }

    async fn verify_streams<E: Serialize + serde::de::DeserializeOwned>(
        &self,
        stream: Stream,
        projection: &str,
        failures: &mut Vec<SuggestionChainFailure>,
    ) -> Result<u64, StoreError> {
        let heads: Vec<(String, String, i64)> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT id, last_hash, version FROM {projection} ORDER BY id"
        )))
        .fetch_all(&self.pool)
        .await?;
        let n = heads.len() as u64;
        for (id, last_hash, version) in heads {
            let fail = |seq: u64, reason: String| SuggestionChainFailure {
                stream: stream.name(),
                id: id.clone(),
                seq,
                reason,
            };
            let Ok(uuid) = uuid::Uuid::parse_str(&id) else {
                failures.push(fail(0, "id is not a UUID".into()));
                continue;
            };
            // An event whose payload no longer parses is itself evidence of tampering: report
            // it and go on with the other chains.
            let events = match self.stream_events::<E>(stream, uuid).await {
                Ok(e) => e,
                Err(e) => {
                    failures.push(fail(0, format!("events cannot be read: {e}")));
                    continue;
                }
            };
            match walk_chain(uuid, &events) {
                Err((seq, reason)) => failures.push(fail(seq, reason.into())),
                Ok(()) => {
                    if events.last().map(|e| e.hash.as_str()) != Some(last_hash.as_str())
                        || events.len() as i64 != version
                    {
                        failures.push(fail(
                            events.len() as u64,
                            "projection does not match the head of its chain".into(),
                        ));
                    }
                }
            }
        }
        Ok(n)
    }

    // ---- expert pool --------------------------------------------------------------------

    pub async fn save_expert(&self, e: &Expert) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO experts (id, name, fields, unit, active, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, fields = excluded.fields, unit = excluded.unit, active = excluded.active",
        )
        .bind(e.id.clone())
        .bind(e.name.clone())
        .bind(serde_json::to_string(&e.fields)?)
        .bind(e.unit.clone())
        .bind(i64::from(e.active))
        .bind(millis(Utc::now()))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn experts(&self) -> Result<Vec<Expert>, StoreError> {
        let rows: Vec<(String, String, String, Option<String>, i64)> =
            sqlx::query_as("SELECT id, name, fields, unit, active FROM experts ORDER BY id")
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter()
            .map(|(id, name, fields, unit, active)| {
                Ok(Expert {
                    id,
                    name,
                    fields: serde_json::from_str(&fields)?,
                    unit,
                    active: active != 0,
                })
            })
            .collect()
    }

    // ---- public support -----------------------------------------------------------------

    /// Adds one support; `Duplicate` when this phone already supports the suggestion. Returns
    /// the number of supporters after it.
    pub async fn add_support(&self, r: &SupportRecord) -> Result<u32, StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO suggestion_supports (suggestion_id, phone_hash, network, at) VALUES ($1, $2, $3, $4)",
        )
        .bind(r.suggestion.to_string())
        .bind(r.phone_hash.clone())
        .bind(r.network.clone())
        .bind(millis(r.at))
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                StoreError::Duplicate("support".into())
            } else {
                e.into()
            }
        })?;
        let (n,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM suggestion_supports WHERE suggestion_id = $1")
                .bind(r.suggestion.to_string())
                .fetch_one(&mut *tx)
                .await?;
        sqlx::query("UPDATE suggestions SET supporters = $1 WHERE id = $2")
            .bind(n)
            .bind(r.suggestion.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(n as u32)
    }

    pub async fn has_supported(
        &self,
        suggestion: uuid::Uuid,
        phone_hash: &str,
    ) -> Result<bool, StoreError> {
        let row: Option<(i64,)> = sqlx::query_as(
            "SELECT 1 FROM suggestion_supports WHERE suggestion_id = $1 AND phone_hash = $2",
        )
        .bind(suggestion.to_string())
        .bind(phone_hash.to_string())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }

    /// Times of supports by this phone (`by_phone`) or from this network since `since`.
    pub async fn support_times(
        &self,
        by_phone: bool,
        key: &str,
        since: DateTime<Utc>,
    ) -> Result<Vec<DateTime<Utc>>, StoreError> {
        let sql = if by_phone {
            "SELECT at FROM suggestion_supports WHERE phone_hash = $1 AND at > $2 ORDER BY at"
        } else {
            "SELECT at FROM suggestion_supports WHERE network = $1 AND at > $2 ORDER BY at"
        };
        let rows: Vec<(i64,)> = sqlx::query_as(sql)
            .bind(key.to_string())
            .bind(millis(since))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(|(t,)| from_millis(t)).collect())
    }

    pub async fn supporters(&self, suggestion: uuid::Uuid) -> Result<u32, StoreError> {
        let (n,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM suggestion_supports WHERE suggestion_id = $1")
                .bind(suggestion.to_string())
                .fetch_one(&self.pool)
                .await?;
        Ok(n as u32)
    }

    /// Supports since `since` (for the burst review list).
    pub async fn supports_since(
        &self,
        since: DateTime<Utc>,
    ) -> Result<Vec<SupportRecord>, StoreError> {
        let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
            "SELECT suggestion_id, phone_hash, network, at FROM suggestion_supports WHERE at > $1 ORDER BY at",
        )
        .bind(millis(since))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(s, phone_hash, network, at)| {
                Ok(SupportRecord {
                    suggestion: uuid::Uuid::parse_str(&s)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    phone_hash,
                    network,
                    at: from_millis(at),
                })
            })
            .collect()
    }

    /// Records a one-time support code (only its hash) and the message that carries it, sealed:
    /// the notification outbox reads it from here.
    #[allow(clippy::too_many_arguments)]
    pub async fn issue_support_code(
        &self,
        suggestion: uuid::Uuid,
        phone_hash: &str,
        code_hash: &str,
        network: &str,
        message: &str,
        at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO support_codes (id, suggestion_id, phone_hash, code_hash, network, message_enc, \
             created_at, expires_at, attempts, used_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, NULL)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(suggestion.to_string())
        .bind(phone_hash.to_string())
        .bind(code_hash.to_string())
        .bind(network.to_string())
        .bind(self.sealer.seal("sms", message)?)
        .bind(millis(at))
        .bind(millis(expires_at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Codes issued to this phone or network since `since` (to limit code requests).
    pub async fn support_codes_issued(
        &self,
        by_phone: bool,
        key: &str,
        since: DateTime<Utc>,
    ) -> Result<u32, StoreError> {
        let sql = if by_phone {
            "SELECT COUNT(*) FROM support_codes WHERE phone_hash = $1 AND created_at > $2"
        } else {
            "SELECT COUNT(*) FROM support_codes WHERE network = $1 AND created_at > $2"
        };
        let (n,): (i64,) = sqlx::query_as(sql)
            .bind(key.to_string())
            .bind(millis(since))
            .fetch_one(&self.pool)
            .await?;
        Ok(n as u32)
    }

    /// Uses the newest live code for (suggestion, phone) if `code_hash` matches it. Every try
    /// counts; after `max_attempts` wrong tries the code is dead. True when it matched.
    pub async fn use_support_code(
        &self,
        suggestion: uuid::Uuid,
        phone_hash: &str,
        code_hash: &str,
        now: DateTime<Utc>,
        max_attempts: u32,
    ) -> Result<bool, StoreError> {
        let row: Option<(String, String, i64)> = sqlx::query_as(
            "SELECT id, code_hash, attempts FROM support_codes WHERE suggestion_id = $1 AND phone_hash = $2 \
             AND used_at IS NULL AND expires_at > $3 ORDER BY created_at DESC LIMIT 1",
        )
        .bind(suggestion.to_string())
        .bind(phone_hash.to_string())
        .bind(millis(now))
        .fetch_optional(&self.pool)
        .await?;
        let Some((id, stored, attempts)) = row else {
            return Ok(false);
        };
        if attempts as u32 >= max_attempts {
            return Ok(false);
        }
        let ok = stored == code_hash;
        sqlx::query(
            "UPDATE support_codes SET attempts = attempts + 1, used_at = $1 WHERE id = $2 AND used_at IS NULL",
        )
        .bind(ok.then(|| millis(now)))
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(ok)
    }

    /// The support-code messages waiting for a phone (the outbox to be), newest first, opened.
    pub async fn support_messages(&self, phone_hash: &str) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(Vec<u8>,)> = sqlx::query_as(
            "SELECT message_enc FROM support_codes WHERE phone_hash = $1 ORDER BY created_at DESC",
        )
        .bind(phone_hash.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(m,)| {
                self.sealer
                    .open("sms", &m)
                    .map_err(|e| StoreError::Crypto(e.to_string()))
            })
            .collect()
    }

    // ---- rewards ------------------------------------------------------------------------

    /// Tiers already awarded by an office in an award cycle (for the quota check).
    pub async fn rewards_in_cycle(
        &self,
        office_unit: &str,
        cycle: &str,
    ) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT tier FROM suggestion_rewards WHERE office_unit = $1 AND cycle = $2",
        )
        .bind(office_unit.to_string())
        .bind(cycle.to_string())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(t,)| t).collect())
    }
}

/// Keeps the token-hash lookup table in step with the campaign's invitations.
async fn sync_invitations(tx: &mut Transaction<'_, Any>, c: &Campaign) -> Result<(), StoreError> {
    for i in &c.invitations {
        sqlx::query(
            "INSERT INTO campaign_invitations (token_hash, campaign_id, adviser_id, revoked_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (token_hash) DO UPDATE SET revoked_at = excluded.revoked_at",
        )
        .bind(i.token_hash.clone())
        .bind(c.id.to_string())
        .bind(i.adviser_id.clone())
        .bind(i.revoked_at.map(millis))
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
