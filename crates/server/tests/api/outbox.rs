//! The outbox worker on the real server: a producer's message is written with the command that
//! caused it (and not with a refused one), delivered after retries with back-off, and given up
//! when the receiver refuses it for good.

use crate::both;
use crate::harness::{TestApp, new_case};
use minsheng_server::outbox::{Change, Deliver, DeliveryError, DeliveryFuture};
use minsheng_store::{DeliveryState, OutboxMessage, OutboxRow};
use serde_json::json;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

/// One message per acceptance, for whichever topic the payload's case title names.
fn on_acceptance(_st: &minsheng_server::AppState, c: &Change<'_>) -> Vec<OutboxMessage> {
    c.events
        .iter()
        .filter(|e| e.name() == "accepted")
        .map(|_| {
            let topic = if c.after.title.contains("拒收") {
                "test:refuses"
            } else {
                "test:flaky"
            };
            OutboxMessage::new(
                topic,
                Some(c.after.id),
                json!({"status": c.after.status.as_str()}).to_string(),
            )
        })
        .collect()
}

/// Fails the first `fail` deliveries with a retryable error; refuses `test:refuses` for good.
struct Receiver {
    fail: AtomicU32,
    got: Mutex<Vec<String>>,
}

impl Deliver for Receiver {
    fn prefix(&self) -> &str {
        "test:"
    }

    fn deliver<'a>(
        &'a self,
        _st: &'a minsheng_server::AppState,
        m: &'a OutboxRow,
    ) -> DeliveryFuture<'a> {
        Box::pin(async move {
            if m.topic == "test:refuses" {
                return Err(DeliveryError::Permanent("400 bad message".into()));
            }
            if self
                .fail
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok()
            {
                return Err(DeliveryError::Retry("503 busy".into()));
            }
            self.got.lock().unwrap().push(m.payload.clone());
            Ok(())
        })
    }
}

async fn accepted_case(app: &TestApp, title: &str) -> uuid::Uuid {
    let mut body = new_case("appeal", "visit", "13812340077");
    body["title"] = json!(title);
    let (id, _, _) = app.register("intake.donghu", &body).await;
    app.handled_by_housing(&id).await;
    let handler = app.login("handler.donghu.zjj").await;
    // Accepting twice is refused by the workflow: no second message.
    let (s, _) = app
        .command(
            &handler,
            &id,
            json!({"command": "accept", "notice": "再次受理"}),
        )
        .await;
    assert_eq!(s, 409, "not allowed in this state");
    id.parse().unwrap()
}

async fn settled(app: &TestApp, case: uuid::Uuid) -> Vec<OutboxRow> {
    for _ in 0..200 {
        let rows = app.state.store.outbox_for_case(case).await.unwrap();
        if rows.iter().all(|r| r.state() != DeliveryState::Pending) {
            return rows;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("outbox messages of {case} still pending after 10 s");
}

async fn delivered_after_retries(app: &TestApp) {
    let receiver = Arc::new(Receiver {
        fail: AtomicU32::new(2),
        got: Mutex::new(Vec::new()),
    });
    app.state.outbox.add_producer(on_acceptance);
    app.state.outbox.add_deliverer(receiver.clone());

    let case = accepted_case(app, "电梯停运").await;
    let rows = settled(app, case).await;
    assert_eq!(rows.len(), 1, "one message for one acceptance");
    assert_eq!(rows[0].state(), DeliveryState::Delivered);
    assert_eq!(rows[0].attempts, 3, "two failures, then delivered");
    assert!(rows[0].delivered_at.unwrap() > rows[0].created_at);
    assert_eq!(
        *receiver.got.lock().unwrap(),
        [json!({"status": "handling"}).to_string()]
    );

    let refused = accepted_case(app, "拒收测试").await;
    let rows = settled(app, refused).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].state(), DeliveryState::Dead);
    assert_eq!(rows[0].attempts, 1, "a permanent refusal is not retried");
    assert_eq!(rows[0].last_error.as_deref(), Some("400 bad message"));
}
both!(delivered_after_retries);
