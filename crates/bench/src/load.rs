//! The load generator: a fixed set of request bodies POSTed by a number of concurrent clients,
//! each on its own kept-alive connection, as fast as the server answers.

use crate::percentile;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

#[derive(Debug, Default)]
pub struct Load {
    /// Answers with the expected status.
    pub ok: usize,
    /// Other answers by status (0: no answer).
    pub other: BTreeMap<u16, usize>,
    pub first_problem: Option<String>,
    pub secs: f64,
    /// Latency of every request, ms, sorted.
    pub latency_ms: Vec<f64>,
}

impl Load {
    pub fn per_sec(&self) -> f64 {
        self.ok as f64 / self.secs
    }

    pub fn p(&self, pct: f64) -> f64 {
        percentile(&self.latency_ms, pct)
    }
}

/// POSTs every body in `bodies` to `url` with `clients` concurrent clients; counts answers
/// with status `want`.
pub async fn post_all(url: &str, bodies: Arc<Vec<String>>, clients: usize, want: u16) -> Load {
    post_all_with(url, &[], bodies, clients, want).await
}

/// `post_all` with extra request headers (a peer's API credential), the same on every request.
pub async fn post_all_with(
    url: &str,
    headers: &[(&'static str, String)],
    bodies: Arc<Vec<String>>,
    clients: usize,
    want: u16,
) -> Load {
    let client = match minsheng_server::tls::client_builder()
        .pool_max_idle_per_host(clients)
        .timeout(Duration::from_secs(120))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            return Load {
                first_problem: Some(format!("client: {e}")),
                ..Load::default()
            };
        }
    };
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..clients.max(1) {
        let (client, next, bodies, url, headers) = (
            client.clone(),
            next.clone(),
            bodies.clone(),
            url.to_string(),
            headers.to_vec(),
        );
        tasks.spawn(async move {
            let mut mine = Load::default();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(body) = bodies.get(i) else { break };
                let t = Instant::now();
                let mut req = client.post(&url).header("content-type", "application/json");
                for (name, value) in &headers {
                    req = req.header(*name, value);
                }
                let r = req.body(body.clone()).send().await;
                let status = match r {
                    Ok(r) => {
                        let s = r.status().as_u16();
                        // The whole answer is read: the client has what it was promised.
                        match r.bytes().await {
                            Ok(b) if s != want && mine.first_problem.is_none() => {
                                mine.first_problem =
                                    Some(format!("{s}: {}", String::from_utf8_lossy(&b)));
                                s
                            }
                            Ok(_) => s,
                            Err(e) => {
                                mine.first_problem.get_or_insert(e.to_string());
                                0
                            }
                        }
                    }
                    Err(e) => {
                        mine.first_problem.get_or_insert(e.to_string());
                        0
                    }
                };
                mine.latency_ms.push(t.elapsed().as_secs_f64() * 1e3);
                if status == want {
                    mine.ok += 1;
                } else {
                    *mine.other.entry(status).or_default() += 1;
                }
            }
            mine
        });
    }
    let mut all = Load::default();
    while let Some(r) = tasks.join_next().await {
        let Ok(mine) = r else {
            *all.other.entry(0).or_default() += 1;
            continue;
        };
        all.ok += mine.ok;
        for (s, n) in mine.other {
            *all.other.entry(s).or_default() += n;
        }
        if all.first_problem.is_none() {
            all.first_problem = mine.first_problem;
        }
        all.latency_ms.extend(mine.latency_ms);
    }
    all.secs = started.elapsed().as_secs_f64();
    all.latency_ms.sort_by(f64::total_cmp);
    all
}
