//! Search benchmark: the same generated cases in the minsheng tantivy index and in an SQLite
//! FTS5 trigram table; a fixed query set; latency (top 20 by relevance plus the total count, as
//! a result page needs) and recall against a plain substring scan, which is also the baseline
//! for the latency ratios.

use crate::corpus::{self, Generator};
use crate::stats::Runs;
use crate::{dir_size, percentile};
use minsheng_text::search::{SearchIndex, SearchQuery, Visibility, WriterOptions};
use minsheng_text::segment::Segmenter;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection};
use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Instant;

#[derive(clap::Args)]
pub struct Args {
    /// Number of generated cases.
    #[arg(long, default_value_t = 100_000)]
    pub cases: usize,
    /// Timed runs per query (after one untimed warm-up run).
    #[arg(long, default_value_t = 5)]
    pub reps: usize,
    /// Where the index and the database are written (wiped first).
    #[arg(long, default_value = "/tmp/minsheng-bench")]
    pub dir: PathBuf,
    /// Indexing threads for tantivy.
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

/// The fixed query set: (category, query). Chosen to cover the most common query shapes:
/// two-character words (the most frequent Chinese query length), three-character words and
/// names, longer phrases, and estate/road/region names that jieba does not know.
const QUERIES: &[(&str, &str)] = &[
    ("2 chars", "电梯"),
    ("2 chars", "油烟"),
    ("2 chars", "工资"),
    ("2 chars", "噪音"),
    ("2 chars", "井盖"),
    ("2 chars", "低保"),
    ("2 chars", "积水"),
    ("2 chars", "翠湖"),
    ("2 chars", "补课"),
    ("2 chars", "退款"),
    ("2 chars", "湖苑"),
    ("2 chars", "渗水"),
    ("3 chars", "农民工"),
    ("3 chars", "停车费"),
    ("3 chars", "红绿灯"),
    ("3 chars", "烧烤店"),
    ("3 chars", "补偿款"),
    ("3 chars", "养老院"),
    ("3 chars", "预付卡"),
    ("3 chars", "网格员"),
    ("4-6 chars", "拖欠农民工"),
    ("4-6 chars", "电梯长期故障"),
    ("4-6 chars", "油烟扰民"),
    ("4-6 chars", "违章搭建"),
    ("4-6 chars", "无证行医"),
    ("4-6 chars", "社会保险费"),
    ("4-6 chars", "征地补偿款"),
    ("4-6 chars", "过期食品"),
    ("4-6 chars", "拖欠的工资"),
    ("4-6 chars", "业主委员会同意"),
    ("place", "翠湖苑"),
    ("place", "锦绣华庭"),
    ("place", "东方明珠苑"),
    ("place", "金桂园"),
    ("place", "柳岸人家"),
    ("place", "人民路"),
    ("place", "湖滨北路"),
    ("place", "东湖区"),
    ("place", "湖滨街道"),
    ("place", "柳溪镇"),
];

struct Engine {
    name: &'static str,
    /// Per category: latency samples in ms.
    samples: Vec<(String, Vec<f64>)>,
    /// Per category: (found ∩ truth, truth).
    recall: Vec<(String, usize, usize)>,
    /// Per query: matches found.
    counts: Vec<usize>,
}

impl Engine {
    fn new(name: &'static str) -> Self {
        Engine {
            name,
            samples: Vec::new(),
            recall: Vec::new(),
            counts: Vec::new(),
        }
    }
    fn add(&mut self, cat: &str, times: Vec<f64>, found: &HashSet<u32>, truth: &HashSet<u32>) {
        self.counts.push(found.len());
        let hit = truth.intersection(found).count();
        match self.samples.iter_mut().find(|(c, _)| c == cat) {
            Some((_, v)) => v.extend(times),
            None => self.samples.push((cat.to_string(), times)),
        }
        match self.recall.iter_mut().find(|(c, _, _)| c == cat) {
            Some((_, h, t)) => {
                *h += hit;
                *t += truth.len();
            }
            None => self.recall.push((cat.to_string(), hit, truth.len())),
        }
    }
}

fn row_of(id: &str) -> Option<u32> {
    id.strip_prefix('c')?.parse().ok()
}

/// Pooled latencies over the query set, for the `all` command's targets.
pub struct Summary {
    pub cases: usize,
    /// minsheng p95 over every query.
    pub p95_ms: f64,
    /// minsheng and FTS5 p95 over the queries FTS5 answers (three characters or more: the
    /// trigram tokenizer finds nothing for two, and an empty answer is no speed).
    pub ours_p95_fts5_set_ms: f64,
    pub fts5_p95_ms: f64,
}

/// The pooled p95 of each pass over the query set: every query is timed `reps` times in a row,
/// so a category's samples hold pass 1, 2, … of each query in turn. Each pass is one run.
fn pooled_per_pass(e: &Engine, keep: impl Fn(&str) -> bool, reps: usize) -> Runs {
    Runs(
        (0..reps.max(1))
            .map(|pass| {
                let mut v: Vec<f64> = e
                    .samples
                    .iter()
                    .filter(|(c, _)| keep(c.as_str()))
                    .flat_map(|(_, s)| s.iter().skip(pass).step_by(reps.max(1)).copied())
                    .collect();
                v.sort_by(f64::total_cmp);
                percentile(&v, 95.0)
            })
            .collect(),
    )
}

fn ms_runs(r: &Runs) -> String {
    format!(
        "{:.2} ms ({:.2}–{:.2}, ±{:.0} %; passes: {})",
        r.median(),
        r.min(),
        r.max(),
        r.spread_pct(),
        r.0.iter()
            .map(|v| format!("{v:.2}"))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

fn pooled(e: &Engine, keep: impl Fn(&str) -> bool) -> f64 {
    let mut v: Vec<f64> = e
        .samples
        .iter()
        .filter(|(c, _)| keep(c.as_str()))
        .flat_map(|(_, s)| s.iter().copied())
        .collect();
    v.sort_by(f64::total_cmp);
    percentile(&v, 95.0)
}

pub fn run(a: Args) -> anyhow::Result<Summary> {
    let _ = std::fs::remove_dir_all(&a.dir);
    std::fs::create_dir_all(&a.dir)?;
    let t = Instant::now();
    let mut g = Generator::new(a.seed);
    let docs: Vec<_> = (0..a.cases).map(|_| g.case(a.cases).doc).collect();
    let texts: Vec<String> = docs.iter().map(corpus::searchable_text).collect();
    let text_mib = texts.iter().map(String::len).sum::<usize>() as f64 / 1048576.0;
    eprintln!(
        "generated {} cases ({text_mib:.0} MiB of text) in {:.1?}",
        docs.len(),
        t.elapsed()
    );

    // tantivy, with the domain dictionary a deployment's directory gives (no estate names).
    let (places, units, topics) = corpus::domain_words();
    let mut segmenter = Segmenter::new();
    segmenter.add_places(&places);
    segmenter.add_words(&units, minsheng_text::segment::WordKind::Organisation);
    segmenter.add_topics(&topics);
    let tdir = a.dir.join("tantivy");
    let index = SearchIndex::open_with(
        &tdir,
        segmenter,
        WriterOptions {
            threads: a.threads,
            memory_bytes: 200_000_000 * a.threads,
        },
    )?;
    let t = Instant::now();
    let step = (a.cases / 10).max(1) as u64;
    index.rebuild(docs.iter().cloned(), |n| {
        if n.is_multiple_of(step) {
            eprintln!("  tantivy: {n} indexed, {:.0?}", t.elapsed());
        }
    })?;
    let tantivy_build = t.elapsed();
    let tantivy_mib = dir_size(&tdir) as f64 / 1048576.0;
    eprintln!("tantivy index built in {tantivy_build:.1?}, {tantivy_mib:.0} MiB");

    // SQLite FTS5 trigram on the same (masked) text.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let db = a.dir.join("fts5.db");
    let mut conn = rt.block_on(
        SqliteConnectOptions::new()
            .filename(&db)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Off)
            .synchronous(SqliteSynchronous::Off)
            .connect(),
    )?;
    let t = Instant::now();
    rt.block_on(async {
        sqlx::query("CREATE VIRTUAL TABLE fts USING fts5(title, body, tokenize = 'trigram')")
            .execute(&mut conn)
            .await?;
        let mut tx = conn.begin().await?;
        for (i, text) in texts.iter().enumerate() {
            let (title, body) = text.split_once('\n').unwrap_or((text, ""));
            sqlx::query("INSERT INTO fts (rowid, title, body) VALUES (?1, ?2, ?3)")
                .bind(i as i64)
                .bind(title)
                .bind(body)
                .execute(&mut *tx)
                .await?;
            if (i as u64 + 1).is_multiple_of(step) {
                eprintln!("  fts5: {} inserted, {:.0?}", i + 1, t.elapsed());
            }
        }
        tx.commit().await?;
        sqlx::query("INSERT INTO fts(fts) VALUES ('optimize')")
            .execute(&mut conn)
            .await?;
        anyhow::Ok(())
    })?;
    let fts_build = t.elapsed();
    let fts_mib = std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0) as f64 / 1048576.0;
    eprintln!("fts5 table built in {fts_build:.1?}, {fts_mib:.0} MiB");

    let mut scan = Engine::new("substring scan (baseline)");
    let mut ours = Engine::new("minsheng tantivy (bigrams + trigrams)");
    let mut fts = Engine::new("SQLite FTS5 trigram");
    let mut truths = Vec::new();

    for &(cat, q) in QUERIES {
        eprintln!("query {q}");
        // Baseline: a plain scan, which is also the truth.
        let mut times = Vec::new();
        let mut truth = HashSet::new();
        for rep in 0..=a.reps {
            let t = Instant::now();
            let found: HashSet<u32> = texts
                .iter()
                .enumerate()
                .filter(|(_, t)| t.contains(q))
                .map(|(i, _)| i as u32)
                .collect();
            if rep > 0 {
                times.push(t.elapsed().as_secs_f64() * 1e3);
            }
            truth = found;
        }
        scan.add(cat, times, &truth, &truth);

        // minsheng: the real API, a result page of 20 with snippets and the total.
        let query = SearchQuery {
            text: q.to_string(),
            visibility: Visibility::All,
            limit: 20,
            ..SearchQuery::default()
        };
        let mut times = Vec::new();
        for rep in 0..=a.reps {
            let t = Instant::now();
            let r = index.search(&query)?;
            std::hint::black_box(&r);
            if rep > 0 {
                times.push(t.elapsed().as_secs_f64() * 1e3);
            }
        }
        let found: HashSet<u32> = index
            .matching_ids(&query)?
            .iter()
            .filter_map(|id| row_of(id))
            .collect();
        ours.add(cat, times, &found, &truth);

        // FTS5 trigram: a quoted phrase; top 20 by bm25 plus the count.
        let m = format!("\"{q}\"");
        let mut times = Vec::new();
        for rep in 0..=a.reps {
            let t = Instant::now();
            rt.block_on(async {
                let top: Vec<(i64, f64)> = sqlx::query_as(
                    "SELECT rowid, bm25(fts) FROM fts WHERE fts MATCH ?1 ORDER BY rank LIMIT 20",
                )
                .bind(&m)
                .fetch_all(&mut conn)
                .await?;
                let n: i64 = sqlx::query_scalar("SELECT count(*) FROM fts WHERE fts MATCH ?1")
                    .bind(&m)
                    .fetch_one(&mut conn)
                    .await?;
                std::hint::black_box((top, n));
                anyhow::Ok(())
            })?;
            if rep > 0 {
                times.push(t.elapsed().as_secs_f64() * 1e3);
            }
        }
        let rows: Vec<i64> = rt.block_on(
            sqlx::query_scalar("SELECT rowid FROM fts WHERE fts MATCH ?1")
                .bind(&m)
                .fetch_all(&mut conn),
        )?;
        let found: HashSet<u32> = rows.into_iter().map(|r| r as u32).collect();
        fts.add(cat, times, &found, &truth);
        truths.push(truth.len());
    }

    // Report.
    let now = chrono::Utc::now().format("%Y-%m-%d %H:%M UTC");
    println!("### Search, {} cases ({now})\n", a.cases);
    println!(
        "Command: `cargo run --release -p minsheng-bench -- search --cases {} --reps {} --threads {}`  ",
        a.cases, a.reps, a.threads
    );
    println!(
        "Corpus: {text_mib:.0} MiB of text. Build: tantivy {:.1} s ({tantivy_mib:.0} MiB on disk, {} indexing threads), FTS5 trigram {:.1} s ({fts_mib:.0} MiB).\n",
        tantivy_build.as_secs_f64(),
        a.threads,
        fts_build.as_secs_f64()
    );
    let cats: Vec<&str> = {
        let mut c: Vec<&str> = QUERIES.iter().map(|q| q.0).collect();
        c.dedup();
        c
    };
    println!("| engine | query | p50 ms | p95 ms | p99 ms | speed-up vs scan (p50) | recall |");
    println!("|---|---|---:|---:|---:|---:|---:|");
    for e in [&ours, &fts, &scan] {
        for cat in &cats {
            let mut s = e
                .samples
                .iter()
                .find(|(c, _)| c == cat)
                .map(|x| x.1.clone())
                .unwrap_or_default();
            s.sort_by(f64::total_cmp);
            let mut base = scan
                .samples
                .iter()
                .find(|(c, _)| c == cat)
                .map(|x| x.1.clone())
                .unwrap_or_default();
            base.sort_by(f64::total_cmp);
            let (hit, tot) = e
                .recall
                .iter()
                .find(|(c, _, _)| c == cat)
                .map(|x| (x.1, x.2))
                .unwrap_or((0, 0));
            let p50 = percentile(&s, 50.0);
            let recall = if tot == 0 {
                1.0
            } else {
                hit as f64 / tot as f64
            };
            // A fast empty answer is no speed-up.
            let ratio = if recall == 0.0 {
                "— (finds nothing)".to_string()
            } else {
                format!("{:.1}×", percentile(&base, 50.0) / p50)
            };
            println!(
                "| {} | {cat} | {p50:.2} | {:.2} | {:.2} | {ratio} | {recall:.4} |",
                e.name,
                percentile(&s, 95.0),
                percentile(&s, 99.0),
            );
        }
    }
    println!("\nPer query: cases containing the string (truth) and cases each engine matched.\n");
    println!("| query | truth | minsheng | FTS5 trigram |");
    println!("|---|---:|---:|---:|");
    for (i, (_, q)) in QUERIES.iter().enumerate() {
        println!(
            "| {q} | {} | {} | {} |",
            truths[i], ours.counts[i], fts.counts[i]
        );
    }
    let summary = Summary {
        cases: a.cases,
        p95_ms: pooled(&ours, |_| true),
        ours_p95_fts5_set_ms: pooled(&ours, |c| c != "2 chars"),
        fts5_p95_ms: pooled(&fts, |c| c != "2 chars"),
    };
    println!(
        "\nPooled p95: minsheng {:.2} ms over all queries; over the queries FTS5 answers (3+ chars): minsheng {:.2} ms, FTS5 {:.2} ms ({:.1}×).\n",
        summary.p95_ms,
        summary.ours_p95_fts5_set_ms,
        summary.fts5_p95_ms,
        summary.fts5_p95_ms / summary.ours_p95_fts5_set_ms
    );
    let all = pooled_per_pass(&ours, |_| true, a.reps);
    let ours3 = pooled_per_pass(&ours, |c| c != "2 chars", a.reps);
    let fts3 = pooled_per_pass(&fts, |c| c != "2 chars", a.reps);
    let ratio = Runs(fts3.0.iter().zip(&ours3.0).map(|(f, o)| f / o).collect());
    println!(
        "Per pass over the query set ({} passes, each a run; median, min–max): pooled p95 minsheng {}; \
         3+ chars minsheng {}, FTS5 {}; FTS5 ÷ minsheng {:.1}× ({:.1}–{:.1}).\n",
        a.reps,
        ms_runs(&all),
        ms_runs(&ours3),
        ms_runs(&fts3),
        ratio.median(),
        ratio.min(),
        ratio.max()
    );
    Ok(summary)
}
