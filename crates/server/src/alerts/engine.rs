//! Fills the rules' inputs for one newly registered case and raises what fires.

use super::raise;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::textindex::{case_text, topic_group};
use chrono::{DateTime, Duration, Utc};
use minsheng_core::alert::{self, AlertDraft, MatterCase, RiskHit, SpikeInput};
use minsheng_core::kpi::{self, CaseFacts, CaseLinks};
use minsheng_core::workflow::CaseState;
use minsheng_store::AlertRecord;
use minsheng_text::lexicon::Lexicon;
use minsheng_text::related::{Reason, caller_hash};

/// Lexicon level of a mere topic mention (汽油, 菜刀 without a threat around them): not a
/// warning sign on its own.
const MENTION_LEVEL: u8 = 4;

/// Runs the engine after a registration was committed, with the KPI facts the registration
/// derived. A failure is logged, never passed on: the case is registered either way, and the
/// rules run again on the next related case.
pub async fn after_registration(
    st: &AppState,
    case: &CaseState,
    caller_key: Option<&str>,
    facts: Option<&CaseFacts>,
) {
    if let Err(e) = evaluate(st, case, caller_key, facts, case.registered_at).await {
        tracing::error!(error = %e, case = %case.id, "early-warning rules failed");
    }
}

/// Evaluates every rule for `case` as of `now` and raises the alerts that fire (once per key).
/// `facts` are the case's KPI facts as of `now` when the caller has them; else they are derived
/// from the stored events. Returns the alerts raised by this call.
pub async fn evaluate(
    st: &AppState,
    case: &CaseState,
    caller_key: Option<&str>,
    facts: Option<&CaseFacts>,
    now: DateTime<Utc>,
) -> ApiResult<Vec<AlertRecord>> {
    let policy = st.policy_for_region(&case.location.region);
    let p = &policy.alert;
    let mut drafts: Vec<AlertDraft> = Vec::new();

    drafts.extend(alert::risk_lexicon(
        p,
        case.id,
        &risk_hits(&case_text(case)),
    ));

    let me = MatterCase {
        case: case.id,
        petitioner: person(case, caller_key),
        people: case.group_size.max(1),
        at: case.registered_at,
    };
    drafts.extend(alert::group_matter(
        p,
        &case.id.to_string(),
        std::slice::from_ref(&me),
    ));

    // 越级访 is decided at registration; the rule reads it from the case's facts.
    match facts {
        Some(f) => drafts.extend(alert::skip_level(p, f)),
        None => {
            let events = st.store.events(case.id).await?;
            if let Ok(f) = kpi::derive(
                case.id,
                events.iter().map(|r| (r.at, &r.event)),
                &CaseLinks::default(),
                &policy,
                &st.calendar,
                now,
            ) {
                drafts.extend(alert::skip_level(p, &f));
            }
        }
    }

    drafts.extend(spike(st, case, p, now).await?);
    drafts.extend(cluster(st, case, caller_key, &me, p, now));

    if let Some(key) = caller_key {
        let cases = st.store.case_times_by_phone_index(key, 200).await?;
        drafts.extend(alert::repeat_petitioner(p, me.petitioner, &cases, now));
    }

    // Most drafts meet an alert raised by an earlier case: one look-up skips them all.
    let keys: Vec<String> = drafts.iter().map(|d| d.key.clone()).collect();
    let present = if keys.is_empty() {
        Default::default()
    } else {
        st.store.alert_keys_present(&keys).await?
    };
    let mut raised = Vec::new();
    for d in drafts.into_iter().filter(|d| !present.contains(&d.key)) {
        let (rec, new) = raise(
            st,
            d,
            Some(case.location.region.clone()),
            Some(case.current_unit.clone()),
            now,
        )
        .await?;
        if new {
            raised.push(rec);
        }
    }
    Ok(raised)
}

/// Risk phrases as the text module finds them, grouped the way the policy names its levels
/// (the lexicon's display group, e.g. `extreme`, else the category). Negated phrases and bare
/// topic mentions are left out.
pub fn risk_hits(text: &str) -> Vec<RiskHit> {
    let lexicon = Lexicon::builtin();
    lexicon
        .assess(text)
        .flags
        .into_iter()
        .filter(|f| f.negated_by.is_none() && f.level < MENTION_LEVEL)
        .map(|f| RiskHit {
            category: lexicon
                .category(&f.category)
                .and_then(|c| c.group.clone())
                .unwrap_or_else(|| f.category.clone()),
            phrase: f.phrase,
        })
        .collect()
}

/// One person across registrations: the caller's phone blind index when there is one (each
/// registration records its petitioner afresh), else the petitioner record.
fn person(case: &CaseState, caller_key: Option<&str>) -> uuid::Uuid {
    caller_key
        .and_then(|k| k.get(..32))
        .and_then(|h| u128::from_str_radix(h, 16).ok())
        .map(uuid::Uuid::from_u128)
        .unwrap_or(case.petitioner.id)
}

/// Cases for the case's place (its region) × topic group in the window, against the place's own
/// baseline before the window.
async fn spike(
    st: &AppState,
    case: &CaseState,
    p: &minsheng_core::policy::AlertPolicy,
    now: DateTime<Utc>,
) -> ApiResult<Option<AlertDraft>> {
    let r = &p.spike;
    let topic = topic_group(&case.topic);
    let region = &case.location.region;
    // Raised already today: the place's case list (up to thousands of rows) is not needed.
    let key = alert::spike_key(region, &topic, now);
    if !st
        .store
        .alert_keys_present(std::slice::from_ref(&key))
        .await?
        .is_empty()
    {
        return Ok(None);
    }
    let window_start = now - Duration::days(i64::from(r.window_days));
    let (baseline, in_window) = st
        .store
        .counts_at_place_topic(
            region,
            &topic,
            window_start - Duration::days(i64::from(r.baseline_days)),
            window_start,
            now,
        )
        .await?;
    if !alert::spike_fires(p, u64::from(in_window), baseline) {
        return Ok(None);
    }
    let window = st
        .store
        .cases_at_place_topic(region, &topic, window_start, now)
        .await?;
    Ok(alert::spike(
        p,
        &SpikeInput {
            place: region.clone(),
            topic,
            window_cases: window.into_iter().map(|(id, _)| id).collect(),
            baseline_cases: baseline,
        },
        now,
    ))
}

/// Near-duplicates of the case's text with the people behind them, all from the related-case
/// index (which keeps each case's caller and group size). The cluster is named by its earliest
/// case, so it keeps its key as it grows.
fn cluster(
    st: &AppState,
    case: &CaseState,
    caller_key: Option<&str>,
    me: &MatterCase,
    p: &minsheng_core::policy::AlertPolicy,
    now: DateTime<Utc>,
) -> Option<AlertDraft> {
    // One person per caller key; an anonymous case is a person of its own (each registration
    // records its petitioner afresh, so the case id counts the same as the petitioner's).
    let person = |caller: Option<u64>, case: uuid::Uuid| {
        caller.map_or(case, |h| uuid::Uuid::from_u64_pair(h, 0))
    };
    // The index keeps whole seconds: compare the new case at the same precision, so the
    // earliest case (the cluster's name) is the same from whichever member it is computed.
    let mut members = vec![MatterCase {
        petitioner: person(caller_key.map(caller_hash), case.id),
        at: DateTime::from_timestamp(me.at.timestamp(), 0).unwrap_or(me.at),
        ..me.clone()
    }];
    members.extend(
        st.text
            .related_to(&case.id.to_string())
            .into_iter()
            .filter(|r| {
                r.reasons
                    .iter()
                    .any(|x| matches!(x, Reason::NearDuplicate { .. }))
            })
            .filter_map(|r| {
                let id = uuid::Uuid::parse_str(&r.id).ok()?;
                Some(MatterCase {
                    case: id,
                    petitioner: person(r.caller, id),
                    people: r.people.max(1),
                    at: r.created,
                })
            }),
    );
    if members.len() < 2 {
        return None;
    }
    let first = members
        .iter()
        .min_by_key(|m| (m.at, m.case))
        .map(|m| m.case)
        .unwrap_or(case.id);
    alert::cluster(p, &first.to_string(), &members, now)
}
