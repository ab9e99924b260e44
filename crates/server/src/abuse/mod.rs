//! Abuse resistance on the public side: rate limits per address and per phone, and the spam
//! screen. Public pages of a government service are a target for flooding and for gambling
//! adverts; floods are refused, adverts are held for a reviewer (never silently dropped) before
//! anything reaches a case.

pub mod held;
pub mod ratelimit;

use crate::error::ApiResult;
use crate::service::NewCaseInput;
use crate::state::AppState;
use minsheng_core::petitioner::Phone;

pub use ratelimit::{Limits, RateLimits};

/// Checks a public submission against the per-phone quota. A phone that does not parse is left
/// to the registration's own validation (which refuses it with its own message).
pub fn check_submission(st: &AppState, input: &NewCaseInput) -> ApiResult<()> {
    if let Some(phone) = input
        .petitioner
        .phone
        .as_deref()
        .and_then(|p| Phone::parse(p).ok())
    {
        st.rate_limits.check_phone(&st.store.phone_index(&phone))?;
    }
    Ok(())
}
