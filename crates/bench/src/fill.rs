//! Fills a store with N cases for the measurements that need many (reindex, server memory):
//! the demo province and users by `minsheng demo --cases 0`, then the submissions of
//! `bodies.rs` decided by the server's own code and written through the store's group-commit
//! writer, many at a time. No text index is built here: that is `minsheng reindex`'s job.

use crate::bodies::World;
use crate::procs;
use minsheng_core::access::Actor;
use minsheng_core::calendar::Calendar;
use minsheng_core::policy::Policy;
use minsheng_server::{AppState, PasswordParams};
use minsheng_store::{Sealer, Store};
use std::path::Path;
use std::time::Instant;

/// Writes in flight at once: enough for the writer to fill its batches.
const IN_FLIGHT: usize = 256;
const CHUNK: usize = 10_000;

pub async fn fill(
    bin: &Path,
    data: &Path,
    url: Option<&str>,
    cases: usize,
    seed: u64,
) -> anyhow::Result<f64> {
    procs::fresh_dir(data)?;
    let mut args = vec!["demo".to_string(), "--cases".into(), "0".into()];
    args.extend(procs::store_args(data, url));
    procs::run_minsheng(bin, &args, &data.with_extension("demo.log"))?;
    let db = url.map_or_else(
        || format!("sqlite://{}", data.join("minsheng.db").display()),
        str::to_string,
    );
    let store = Store::open(&db, Sealer::load_or_create(data)?).await?;
    let dir = store.load_directory().await?;
    let world = World::from_directory(&dir);
    let st = AppState::new(
        store,
        Policy::shipped(),
        Calendar::shipped(),
        dir,
        PasswordParams::default(),
    );
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    let mut done = 0usize;
    for first in (0..cases).step_by(CHUNK) {
        for body in world.bodies(CHUNK.min(cases - first), first, seed) {
            let st = st.clone();
            tasks.spawn(async move {
                let input = serde_json::from_str(&body)?;
                let d = minsheng_server::service::plan_registration(&st, &Actor::citizen(), input)
                    .await
                    .map_err(|e| anyhow::anyhow!("planning a case: {e}"))?;
                st.store.create_case(d.op).await?;
                anyhow::Ok(())
            });
            while tasks.len() >= IN_FLIGHT {
                if let Some(r) = tasks.join_next().await {
                    r??;
                    done += 1;
                }
            }
        }
        eprintln!(
            "  filled {done} of {cases} cases, {:.0}/s",
            done as f64 / started.elapsed().as_secs_f64()
        );
    }
    while let Some(r) = tasks.join_next().await {
        r??;
    }
    let secs = started.elapsed().as_secs_f64();
    let on_file = st.store.count_cases().await?;
    st.store.close().await;
    if on_file != cases as i64 {
        anyhow::bail!("filled {on_file} cases of {cases}");
    }
    Ok(secs)
}
