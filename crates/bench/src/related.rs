//! Related-case benchmark: N generated cases in the in-memory index, then drafts as an intake
//! agent would type them: half rewordings of an existing case (some by the same caller), half
//! new matters. Reports insert rate, memory, look-up latency and how often the reworded case
//! was found.

use crate::corpus::{Generated, Generator};
use crate::stats::Runs;
use crate::{percentile, rss_mib};
use minsheng_text::related::{
    Draft, Reason, RelatedCase, RelatedIndex, RelatedOptions, estimated_similarity,
};
use std::time::Instant;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long, default_value_t = 1_000_000)]
    pub cases: usize,
    /// Number of drafts looked up.
    #[arg(long, default_value_t = 2000)]
    pub drafts: usize,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Drafts also answered by the naive baseline: a linear scan comparing keys and computing
    /// the exact bigram similarity against every case.
    #[arg(long, default_value_t = 5)]
    pub baseline: usize,
}

fn text_of(g: &Generated) -> String {
    format!("{}\n{}\n{}", g.doc.title, g.doc.request, g.doc.facts)
}

fn related_case(g: &Generated) -> RelatedCase {
    RelatedCase {
        id: g.doc.id.clone(),
        text: text_of(g),
        caller_key: Some(format!("blind-{:016x}", g.caller)),
        place_key: Some(g.place.clone()),
        topic: Some(g.topic.to_string()),
        created: g.doc.created,
        people: 1,
    }
}

/// Look-up latency, for the `all` command's targets.
pub struct Summary {
    pub cases: usize,
    pub p99_ms: f64,
}

pub fn run(a: Args) -> anyhow::Result<Summary> {
    let mut g = Generator::new(a.seed);
    let rss0 = rss_mib();
    let mut index = RelatedIndex::new();
    // Keep a sample of cases to reword later; the rest only live in the index.
    let keep_every = (a.cases / a.drafts.max(1)).max(1);
    let mut kept = Vec::new();
    let t = Instant::now();
    let mut insert_time = 0.0;
    for i in 0..a.cases {
        let c = g.case(a.cases);
        let rc = related_case(&c);
        let ti = Instant::now();
        index.insert(&rc);
        insert_time += ti.elapsed().as_secs_f64();
        if i % keep_every == 0 {
            kept.push(rc);
        }
        if (i + 1) % (a.cases / 10).max(1) == 0 {
            eprintln!("  {} inserted, {:.0?}", i + 1, t.elapsed());
        }
    }
    let rss1 = rss_mib();
    let last = kept.last().map(|c| c.created).unwrap_or_default();

    let opts = RelatedOptions::default();
    let mut times = Vec::new();
    let (mut reworded, mut found_dup, mut found_caller, mut same_caller_drafts) = (0, 0, 0, 0);
    let mut displaced = 0;
    let mut results = 0usize;
    let mut baseline_drafts: Vec<Draft> = Vec::new();
    let mut reasons = [0usize; 3];
    for d in 0..a.drafts {
        let draft = if d % 2 == 0 && !kept.is_empty() {
            // A rewording of an existing case: its first sentences, a different closing.
            let orig = &kept[g.rng().below(kept.len())];
            let mut text: String = orig
                .text
                .chars()
                .take(orig.text.chars().count() * 3 / 4)
                .collect();
            text.push_str("请尽快处理，谢谢。");
            let same_caller = g.rng().chance(50);
            reworded += 1;
            same_caller_drafts += same_caller as usize;
            (
                Some((orig.id.clone(), orig.text.clone())),
                same_caller,
                Draft {
                    text,
                    caller_key: if same_caller {
                        orig.caller_key.clone()
                    } else {
                        Some(format!("blind-new-{d}"))
                    },
                    place_key: orig.place_key.clone(),
                    topic: orig.topic.clone(),
                    at: last,
                },
            )
        } else {
            let c = g.case(a.cases);
            let rc = related_case(&c);
            (
                None,
                false,
                Draft {
                    text: rc.text,
                    caller_key: rc.caller_key,
                    place_key: rc.place_key,
                    topic: rc.topic,
                    at: last,
                },
            )
        };
        let (orig, same_caller, draft) = draft;
        if baseline_drafts.len() < a.baseline {
            baseline_drafts.push(draft.clone());
        }
        let t = Instant::now();
        let r = index.find_related(&draft, &opts);
        times.push(t.elapsed().as_secs_f64() * 1e3);
        results += r.len();
        for rel in &r {
            for reason in &rel.reasons {
                reasons[match reason {
                    Reason::SameCaller => 0,
                    Reason::SamePlaceTopic => 1,
                    Reason::NearDuplicate { .. } => 2,
                }] += 1;
            }
        }
        if let Some((o, orig_text)) = orig {
            match r.iter().find(|x| x.id == o) {
                Some(rel) => {
                    found_dup += rel.similarity().is_some() as usize;
                    found_caller +=
                        (same_caller && rel.reasons.contains(&Reason::SameCaller)) as usize;
                }
                None => {
                    // With thousands of near-identical texts (a stock complaint), the original
                    // can be pushed out by as many others at least as similar: not a miss.
                    let own = estimated_similarity(&draft.text, &orig_text).unwrap_or(0.0);
                    let dups: Vec<f32> = r.iter().filter_map(|x| x.similarity()).collect();
                    if dups.len() >= opts.limit.min(opts.per_reason) - 1
                        && dups.iter().all(|&s| s >= own - 0.05)
                    {
                        displaced += 1;
                    }
                }
            }
        }
    }
    // The drafts in four consecutive runs, for the spread of p99 between runs.
    let per_run = Runs(
        times
            .chunks(times.len().div_ceil(4).max(1))
            .map(|c| {
                let mut v = c.to_vec();
                v.sort_by(f64::total_cmp);
                percentile(&v, 99.0)
            })
            .collect(),
    );
    times.sort_by(f64::total_cmp);

    // The naive baseline, over the same cases regenerated from the seed (so they need not be
    // kept in memory); only the comparisons are timed.
    let mut naive = 0.0;
    if !baseline_drafts.is_empty() {
        let mut g = Generator::new(a.seed);
        let mut sink = 0usize;
        for _ in 0..a.cases {
            let c = related_case(&g.case(a.cases));
            let t = Instant::now();
            for d in &baseline_drafts {
                let hit = d.caller_key == c.caller_key
                    || (d.place_key == c.place_key && d.topic == c.topic)
                    || minsheng_text::similarity(&d.text, &c.text) >= opts.min_similarity as f64;
                sink += hit as usize;
            }
            naive += t.elapsed().as_secs_f64();
        }
        std::hint::black_box(sink);
        naive = naive * 1e3 / baseline_drafts.len() as f64;
    }

    let now = chrono::Utc::now().format("%Y-%m-%d %H:%M UTC");
    println!("### Related cases at intake, {} cases ({now})\n", a.cases);
    println!(
        "Command: `cargo run --release -p minsheng-bench -- related --cases {} --drafts {}`\n",
        a.cases, a.drafts
    );
    println!("| measure | value |");
    println!("|---|---:|");
    println!(
        "| insert, mean per case | {:.1} µs |",
        insert_time * 1e6 / a.cases as f64
    );
    println!(
        "| resident memory added by the index (RSS) | {:.0} MiB |",
        rss1 - rss0
    );
    println!("| look-up p50 | {:.3} ms |", percentile(&times, 50.0));
    println!("| look-up p95 | {:.3} ms |", percentile(&times, 95.0));
    println!("| look-up p99 | {:.3} ms |", percentile(&times, 99.0));
    println!("| look-up max | {:.3} ms |", percentile(&times, 100.0));
    println!(
        "| look-up p99 of each quarter of the drafts ({} runs): median (min–max) | {:.3} ms ({:.3}–{:.3}) |",
        per_run.0.len(),
        per_run.median(),
        per_run.min(),
        per_run.max()
    );
    if naive > 0.0 {
        println!(
            "| baseline: linear scan with exact similarity, per draft ({} drafts) | {naive:.0} ms ({:.0}× the p50) |",
            baseline_drafts.len(),
            naive / percentile(&times, 50.0)
        );
    }
    println!(
        "| results per look-up (limit {}) | {:.1} |",
        opts.limit,
        results as f64 / a.drafts as f64
    );
    println!(
        "| reasons returned: same caller / same place+topic / near-duplicate | {} / {} / {} |",
        reasons[0], reasons[1], reasons[2]
    );
    println!(
        "| reworded drafts whose original came back as near-duplicate | {found_dup} / {reworded} |"
    );
    println!(
        "| …of the others, pushed out by a full page of cases at least as similar | {displaced} / {} |",
        reworded - found_dup
    );
    println!(
        "| same-caller reworded drafts whose original came back as same caller | {found_caller} / {same_caller_drafts} |"
    );
    Ok(Summary {
        cases: a.cases,
        p99_ms: percentile(&times, 99.0),
    })
}
