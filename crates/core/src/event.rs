//! The hash chain over a case's events. Each stored event carries the SHA-256 of the previous
//! event's hash and its own canonical bytes, so any edit to stored history is detectable with
//! standard tools.

use crate::access::Actor;
use crate::workflow::Event;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The hash a case's first event chains from.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An event as stored: position, time, actor, body and chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventRecord {
    pub case_id: uuid::Uuid,
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub actor: Actor,
    pub event: Event,
    pub prev_hash: String,
    pub hash: String,
}

/// Canonical bytes: compact JSON of (case_id, seq, at in milliseconds, actor, event). serde_json
/// writes struct fields in declaration order and maps sorted, so the bytes are stable.
pub fn canonical_bytes(
    case_id: uuid::Uuid,
    seq: u64,
    at: DateTime<Utc>,
    actor: &Actor,
    event: &Event,
) -> Vec<u8> {
    #[derive(Serialize)]
    struct Canon<'a> {
        case_id: uuid::Uuid,
        seq: u64,
        at_ms: i64,
        actor: &'a Actor,
        event: &'a Event,
    }
    serde_json::to_vec(&Canon {
        case_id,
        seq,
        at_ms: at.timestamp_millis(),
        actor,
        event,
    })
    .unwrap_or_default()
}

pub fn chain_hash(prev_hash: &str, canonical: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(canonical);
    hex::encode(h.finalize())
}

impl EventRecord {
    /// Seals a new event onto a chain.
    pub fn seal(
        case_id: uuid::Uuid,
        seq: u64,
        at: DateTime<Utc>,
        actor: Actor,
        event: Event,
        prev_hash: &str,
    ) -> Self {
        // Stored times have millisecond precision; truncate now so the hash matches on reload.
        let at = DateTime::<Utc>::from_timestamp_millis(at.timestamp_millis()).unwrap_or(at);
        let hash = chain_hash(
            prev_hash,
            &canonical_bytes(case_id, seq, at, &actor, &event),
        );
        EventRecord {
            case_id,
            seq,
            at,
            actor,
            event,
            prev_hash: prev_hash.to_string(),
            hash,
        }
    }

    /// Recomputes this record's hash from its content.
    pub fn recompute(&self) -> String {
        chain_hash(
            &self.prev_hash,
            &canonical_bytes(self.case_id, self.seq, self.at, &self.actor, &self.event),
        )
    }
}

/// Where a chain breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    pub seq: u64,
    pub reason: &'static str,
}

/// Verifies a case's chain, in order: sequence numbers 1.., each prev_hash the previous hash,
/// each hash the recomputed one.
pub fn verify_chain(records: &[EventRecord]) -> Result<(), ChainBreak> {
    verify_links(
        records,
        |r| (r.seq, &r.prev_hash, &r.hash),
        EventRecord::recompute,
    )
}

/// The one chain check behind every stream (cases, alerts, suggestions, campaigns): `link`
/// reads a record's sequence number, previous hash and hash; `recompute` hashes its content
/// again. Only called for records whose sequence and link are right.
pub fn verify_links<T>(
    records: &[T],
    link: impl Fn(&T) -> (u64, &str, &str),
    recompute: impl Fn(&T) -> String,
) -> Result<(), ChainBreak> {
    let mut prev = GENESIS;
    for (i, r) in records.iter().enumerate() {
        let (seq, prev_hash, hash) = link(r);
        let reason = if seq != i as u64 + 1 {
            "sequence gap"
        } else if prev_hash != prev {
            "previous hash does not match"
        } else if recompute(r) != hash {
            "content does not match its hash"
        } else {
            prev = hash;
            continue;
        };
        return Err(ChainBreak { seq, reason });
    }
    Ok(())
}
