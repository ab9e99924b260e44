//! Expert panels (专家评审): drawn at random from an expert pool (rules.md §4.3, an unnamed city's
//! 办法), reproducibly. The draw is a pure function of the pool, the conflicts, the size and a
//! seed the office records, so anyone can re-run it from the event and get the same panel.

use crate::error::DomainError;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A member of the expert pool (专家库).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Expert {
    pub id: String,
    pub name: String,
    /// Fields of expertise (e.g. topic codes or "交通").
    #[serde(default)]
    pub fields: Vec<String>,
    /// The unit the expert works for: excluded when that unit has an interest.
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// A drawn panel, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PanelDraw {
    pub seed: u64,
    pub size: u32,
    pub field: Option<String>,
    pub conflict_units: Vec<String>,
    /// How many experts were eligible, and a digest of their ids (sorted), so the draw can be
    /// checked against the pool as it was.
    pub eligible: u32,
    pub pool_digest: String,
    pub experts: Vec<PanelMember>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PanelMember {
    pub id: String,
    pub name: String,
}

/// Draws `size` experts: active ones, with the field if one is given, not working for any of
/// `conflict_units`; sorted by id, then a seeded Fisher–Yates shuffle takes the first `size`.
/// Duplicate ids in the pool count once. The order of `pool` does not matter.
pub fn draw_panel(
    pool: &[Expert],
    size: u32,
    seed: u64,
    field: Option<&str>,
    conflict_units: &[String],
) -> Result<PanelDraw, DomainError> {
    if size == 0 {
        return Err(DomainError::invalid(
            "size",
            "专家组至少需要1人",
            "a panel needs at least one expert",
        ));
    }
    let mut eligible: Vec<&Expert> = pool
        .iter()
        .filter(|e| e.active)
        .filter(|e| field.is_none_or(|f| e.fields.iter().any(|x| x == f)))
        .filter(|e| {
            e.unit
                .as_ref()
                .is_none_or(|u| !conflict_units.iter().any(|c| c == u))
        })
        .collect();
    eligible.sort_by(|a, b| a.id.cmp(&b.id));
    eligible.dedup_by(|a, b| a.id == b.id);
    if eligible.len() < size as usize {
        return Err(DomainError::rule(
            "expert_pool_too_small",
            "人民建议专家评审办法",
            format!(
                "符合条件（无利益冲突）的专家只有{}人，不足{size}人",
                eligible.len()
            ),
            format!(
                "only {} eligible experts without a conflict of interest; {size} needed",
                eligible.len()
            ),
        ));
    }
    let mut h = Sha256::new();
    for e in &eligible {
        h.update(e.id.as_bytes());
        h.update([0u8]);
    }
    let pool_digest = hex::encode(h.finalize());
    let mut rng = crate::rng::SplitMix64::new(seed);
    let n = eligible.len();
    for i in 0..(size as usize) {
        let j = i + rng.below((n - i) as u64) as usize;
        eligible.swap(i, j);
    }
    Ok(PanelDraw {
        seed,
        size,
        field: field.map(str::to_string),
        conflict_units: conflict_units.to_vec(),
        eligible: n as u32,
        pool_digest,
        experts: eligible[..size as usize]
            .iter()
            .map(|e| PanelMember {
                id: e.id.clone(),
                name: e.name.clone(),
            })
            .collect(),
    })
}
