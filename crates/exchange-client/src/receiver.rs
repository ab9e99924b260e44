//! The partner's receiving end: an HTTP server that takes minsheng's status messages, checks
//! their signature and keeps them. Told to, it answers 503 to the first deliveries, as a
//! partner under maintenance would.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::net::TcpListener;

/// A status message as received.
#[derive(Debug, Clone)]
pub struct Received {
    pub partner: String,
    pub timestamp: String,
    pub signature: String,
    pub body: Vec<u8>,
    pub json: serde_json::Value,
}

struct Inner {
    secret: String,
    window_secs: u64,
    fail_first: AtomicUsize,
    attempts: AtomicUsize,
    refused_signatures: AtomicUsize,
    messages: Mutex<Vec<Received>>,
}

/// A running receiver. Dropping it stops the server.
pub struct Receiver {
    pub url: String,
    inner: Arc<Inner>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn take(
    State(inner): State<Arc<Inner>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    inner.attempts.fetch_add(1, Ordering::SeqCst);
    let h = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let (ts, sig) = (h(crate::TIMESTAMP), h(crate::SIGNATURE));
    if !crate::verify(
        &inner.secret,
        &ts,
        &sig,
        &body,
        crate::unix_now(),
        inner.window_secs,
    ) {
        inner.refused_signatures.fetch_add(1, Ordering::SeqCst);
        return StatusCode::UNAUTHORIZED;
    }
    // Refuse while the countdown lasts.
    if inner
        .fail_first
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
    {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    let Ok(json) = serde_json::from_slice(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    if let Ok(mut m) = inner.messages.lock() {
        m.push(Received {
            partner: h(crate::PARTNER),
            timestamp: ts,
            signature: sig,
            body: body.to_vec(),
            json,
        });
    }
    StatusCode::NO_CONTENT
}

impl Receiver {
    /// Starts on `addr` (`127.0.0.1:0` for any free port); status messages go to `url`.
    pub async fn start(addr: &str, secret: &str) -> std::io::Result<Receiver> {
        Self::on(TcpListener::bind(addr).await?, secret)
    }

    /// Starts on a listener already bound.
    pub fn on(listener: TcpListener, secret: &str) -> std::io::Result<Receiver> {
        let inner = Arc::new(Inner {
            secret: secret.to_string(),
            window_secs: 300,
            fail_first: AtomicUsize::new(0),
            attempts: AtomicUsize::new(0),
            refused_signatures: AtomicUsize::new(0),
            messages: Mutex::new(Vec::new()),
        });
        let url = format!("http://{}/status", listener.local_addr()?);
        let app = Router::new()
            .route("/status", post(take))
            .with_state(inner.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Receiver { url, inner, task })
    }

    /// Answer 503 to the next `n` deliveries.
    pub fn fail_first(&self, n: usize) {
        self.inner.fail_first.store(n, Ordering::SeqCst);
    }

    /// Every delivery attempt so far, refused ones included.
    pub fn attempts(&self) -> usize {
        self.inner.attempts.load(Ordering::SeqCst)
    }

    /// Deliveries refused for a bad signature or timestamp.
    pub fn refused_signatures(&self) -> usize {
        self.inner.refused_signatures.load(Ordering::SeqCst)
    }

    /// The status messages taken, in arrival order.
    pub fn messages(&self) -> Vec<Received> {
        self.inner
            .messages
            .lock()
            .map(|m| m.clone())
            .unwrap_or_default()
    }

    /// Waits until at least `n` messages were taken, or `timeout` passes.
    pub async fn wait_for(&self, n: usize, timeout: std::time::Duration) -> Vec<Received> {
        let until = tokio::time::Instant::now() + timeout;
        loop {
            let m = self.messages();
            if m.len() >= n || tokio::time::Instant::now() >= until {
                return m;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}
