//! Telephony (CTI): the telephone system reports call events (ringing, answered, ended,
//! missed) to `POST /api/v1/telephony/events` with a machine token. A ringing or answered call
//! addressed to an agent pops the caller's earlier cases on that agent's intake console (a
//! server-sent event stream per signed-in agent); a missed call goes on the callback list
//! (漏接回拨) until an agent returns it or a later answered call with the number settles it.
//!
//! What the pop carries: the masked number for display, the caller's earlier cases the agent may
//! open, and the number in clear only to pre-fill the console's phone field. The agent is on
//! the line with that caller and would type the same number into the same field; the stream is
//! filtered per listener, so no other agent (and no other role) receives it.

pub mod api;
pub mod callbacks;
pub mod stream;

use chrono::{DateTime, Utc};
use minsheng_core::petitioner::Phone;
use minsheng_core::workflow::CaseState;
use std::sync::{Arc, RwLock};

/// How many pops the live channel holds for a slow listener before it skips ahead.
pub const CHANNEL_CAPACITY: usize = 256;

/// What happened to a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallEvent {
    Ringing,
    Answered,
    Ended,
    Missed,
}

impl CallEvent {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ringing" => Some(CallEvent::Ringing),
            "answered" => Some(CallEvent::Answered),
            "ended" => Some(CallEvent::Ended),
            "missed" => Some(CallEvent::Missed),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CallEvent::Ringing => "ringing",
            CallEvent::Answered => "answered",
            CallEvent::Ended => "ended",
            CallEvent::Missed => "missed",
        }
    }

    /// Whether the agent's console should show the caller now.
    pub fn pops(self) -> bool {
        matches!(self, CallEvent::Ringing | CallEvent::Answered)
    }
}

/// A call shown on one agent's console. The cases are all the caller's; each listener keeps
/// only those its agent may open.
#[derive(Debug, Clone)]
pub struct CallPop {
    pub call_id: String,
    pub event: CallEvent,
    /// The staff user name the telephone system addressed.
    pub agent: String,
    pub caller: Phone,
    pub cases: Vec<CaseState>,
    pub at: DateTime<Utc>,
}

/// The telephony integration's runtime: the machine token and the live channel of pops.
pub struct Telephony {
    /// BLAKE3 of the token: compared as hashes, in constant time, and the token itself is not
    /// kept in memory longer than set-up.
    token: RwLock<Option<blake3::Hash>>,
    pops: tokio::sync::broadcast::Sender<Arc<CallPop>>,
}

impl Default for Telephony {
    fn default() -> Self {
        Telephony {
            token: RwLock::new(None),
            pops: tokio::sync::broadcast::channel(CHANNEL_CAPACITY).0,
        }
    }
}

impl Telephony {
    /// Sets (or with `None` removes) the token the telephone system must present. Without one
    /// every call event is refused.
    pub fn set_token(&self, token: Option<&str>) {
        let h = token
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| blake3::hash(t.as_bytes()));
        match self.token.write() {
            Ok(mut g) => *g = h,
            Err(p) => *p.into_inner() = h,
        }
    }

    /// Whether `presented` is the configured token (`blake3::Hash` equality is constant-time).
    pub fn accepts(&self, presented: &str) -> bool {
        let expected = match self.token.read() {
            Ok(g) => *g,
            Err(p) => *p.into_inner(),
        };
        expected.is_some_and(|e| e == blake3::hash(presented.as_bytes()))
    }

    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<Arc<CallPop>> {
        self.pops.subscribe()
    }

    pub fn publish(&self, pop: CallPop) {
        // Nobody listening is not an error: the agent has no console open.
        let _ = self.pops.send(Arc::new(pop));
    }
}
