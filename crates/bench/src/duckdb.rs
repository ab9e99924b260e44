//! The DuckDB baseline of the KPI dashboard (issue 8): `bench/duckdb/kpi.py`, run from a pinned
//! PyPI environment, loads the per-case rows the KPI benchmark wrote to a CSV file and answers
//! the same dashboard queries by scanning them. This module hands the script its queries, runs
//! it, and turns its output into the store's answer types so the caller compares like with like.
//! The script and its requirements are compiled in, so the binary runs the script it was built
//! with wherever it is started.

use crate::{percentile, pyenv};
use anyhow::{Context, bail};
use minsheng_core::kpi::{Count, KpiCounts, Metric};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

const SCRIPT: &str = include_str!("../../../bench/duckdb/kpi.py");
const REQUIREMENTS: &str = include_str!("../../../bench/duckdb/requirements.txt");

/// A dashboard query as the script knows it. Dates are days (`YYYY-MM-DD`), both ends included.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Query {
    /// Counts of one city's cases (every metric).
    Counts {
        city: String,
        from: String,
        to: String,
    },
    /// Counts per unit as the kept cells charge them.
    League { from: String, to: String },
    /// One county's counts per month.
    Series {
        county: String,
        from: String,
        to: String,
    },
    /// One county's cases per month, flow, channel and topic.
    Volume {
        county: String,
        from: String,
        to: String,
    },
}

/// One row of a volume answer: (month, flow, channel, topic, cases).
pub type VolumeRow = (String, String, String, String, u64);

/// An answer in the shape the rollup side produces it (sorted, empty entries left out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Counts(KpiCounts),
    League(BTreeMap<String, KpiCounts>),
    Series(Vec<(String, KpiCounts)>),
    Volume(Vec<VolumeRow>),
}

/// One query's DuckDB timings (ms, nearest-rank percentiles like the Rust side's) and answer.
#[derive(Debug)]
pub struct Timed {
    pub name: String,
    pub p50: f64,
    pub p95: f64,
    pub answer: Answer,
}

/// A whole run of the script.
#[derive(Debug)]
pub struct Run {
    pub version: String,
    pub threads: u32,
    pub rows: u64,
    /// Loading the CSV into the table, not part of any query time.
    pub load_s: f64,
    pub db_bytes: u64,
    pub queries: Vec<Timed>,
}

/// DuckDB's answer to `name` differs from the rollups': nothing may be reported.
#[derive(Debug, thiserror::Error)]
#[error(
    "DuckDB's answer to {name:?} differs from the rollups':\n  rollups: {ours}\n  DuckDB:  {theirs}"
)]
pub struct Mismatch {
    pub name: String,
    pub ours: String,
    pub theirs: String,
}

impl Run {
    /// DuckDB's (p50, p95) for `name`, once its answer equals `expected` (the rollups').
    pub fn check(&self, name: &str, expected: &Answer) -> anyhow::Result<(f64, f64)> {
        let t = self
            .queries
            .iter()
            .find(|t| t.name == name)
            .with_context(|| format!("the DuckDB script did not answer {name:?}"))?;
        if t.answer != *expected {
            let (ours, theirs) =
                first_difference(&format!("{expected:?}"), &format!("{:?}", t.answer));
            return Err(Mismatch {
                name: name.to_string(),
                ours,
                theirs,
            }
            .into());
        }
        Ok((t.p50, t.p95))
    }
}

/// Both texts around where they first differ (answers at 10M cases print long).
fn first_difference(a: &str, b: &str) -> (String, String) {
    let at = a
        .char_indices()
        .zip(b.chars())
        .find(|((_, x), y)| x != y)
        .map_or(a.len().min(b.len()), |((i, _), _)| i);
    let around = |s: &str| {
        let from = s[..at.min(s.len())]
            .char_indices()
            .rev()
            .nth(120)
            .map_or(0, |(i, _)| i);
        let text: String = s[from..].chars().take(300).collect();
        format!("…{text}…")
    };
    (around(a), around(b))
}

/// Runs the script over `csv` (a header line, then one row per case) into a database file in
/// `dir`, timing each of `queries` over `runs` runs after one untimed run.
pub fn run(dir: &Path, csv: &Path, runs: usize, queries: &[(&str, Query)]) -> anyhow::Result<Run> {
    let venv = pyenv::ensure("duckdb", REQUIREMENTS)?;
    let script = dir.join("duckdb-kpi.py");
    std::fs::write(&script, SCRIPT)?;
    let spec = serde_json::json!({
        "queries": queries
            .iter()
            .map(|(name, q)| {
                let mut v = serde_json::to_value(q)?;
                v["name"] = (*name).into();
                Ok(v)
            })
            .collect::<Result<Vec<_>, serde_json::Error>>()?,
    });
    let mut child = Command::new(venv.python())
        .arg(&script)
        .arg("--csv")
        .arg(csv)
        .arg("--db")
        .arg(dir.join("kpi.duckdb"))
        .args(["--runs", &runs.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("could not start {}", venv.python().display()))?;
    // The script reads all of its input before it prints anything, so writing first is safe.
    child
        .stdin
        .take()
        .context("the script's stdin")?
        .write_all(spec.to_string().as_bytes())?;
    let out = child.wait_with_output()?;
    if !out.status.success() {
        bail!("the DuckDB script failed ({})", out.status);
    }
    parse(&out.stdout, queries)
}

#[derive(Deserialize)]
struct RawRun {
    duckdb: String,
    threads: u32,
    rows: u64,
    load_s: f64,
    db_bytes: u64,
    queries: Vec<RawTimed>,
}

#[derive(Deserialize)]
struct RawTimed {
    name: String,
    ms: Vec<f64>,
    answer: serde_json::Value,
}

#[derive(Deserialize)]
struct RawCounts {
    cases: u64,
    /// [hit, basically, miss] per metric, in `Metric::ALL` order.
    metrics: Vec<[u64; 3]>,
}

impl RawCounts {
    fn counts(self) -> anyhow::Result<KpiCounts> {
        if self.metrics.len() != Metric::ALL.len() {
            bail!("{} metrics in a DuckDB answer", self.metrics.len());
        }
        let metrics = Metric::ALL
            .iter()
            .zip(self.metrics)
            .map(|(m, [hit, basically, miss])| {
                (
                    *m,
                    Count {
                        hit,
                        basically,
                        miss,
                    },
                )
            })
            .filter(|(_, c)| c.total() > 0)
            .collect();
        Ok(KpiCounts {
            cases: self.cases,
            metrics,
        })
    }
}

fn parse(stdout: &[u8], queries: &[(&str, Query)]) -> anyhow::Result<Run> {
    let raw: RawRun =
        serde_json::from_slice(stdout).context("the DuckDB script's output is not its JSON")?;
    if raw.queries.len() != queries.len() {
        bail!(
            "the DuckDB script answered {} queries of {}",
            raw.queries.len(),
            queries.len()
        );
    }
    let mut timed = Vec::with_capacity(queries.len());
    for (t, (name, q)) in raw.queries.into_iter().zip(queries) {
        if t.name != *name {
            bail!("the DuckDB script answered {:?} for {name:?}", t.name);
        }
        let answer = answer(q, t.answer).with_context(|| format!("DuckDB's answer to {name:?}"))?;
        let mut ms = t.ms;
        ms.sort_by(f64::total_cmp);
        timed.push(Timed {
            name: t.name,
            p50: percentile(&ms, 50.0),
            p95: percentile(&ms, 95.0),
            answer,
        });
    }
    Ok(Run {
        version: raw.duckdb,
        threads: raw.threads,
        rows: raw.rows,
        load_s: raw.load_s,
        db_bytes: raw.db_bytes,
        queries: timed,
    })
}

fn answer(q: &Query, v: serde_json::Value) -> anyhow::Result<Answer> {
    Ok(match q {
        Query::Counts { .. } => Answer::Counts(serde_json::from_value::<RawCounts>(v)?.counts()?),
        Query::League { .. } => {
            let mut out = BTreeMap::new();
            for (unit, c) in serde_json::from_value::<BTreeMap<String, RawCounts>>(v)? {
                let c = c.counts()?;
                if !c.is_empty() {
                    out.insert(unit, c);
                }
            }
            Answer::League(out)
        }
        Query::Series { .. } => Answer::Series(
            serde_json::from_value::<Vec<(String, RawCounts)>>(v)?
                .into_iter()
                .map(|(month, c)| Ok((month, c.counts()?)))
                .collect::<anyhow::Result<_>>()?,
        ),
        Query::Volume { .. } => {
            let mut rows: Vec<VolumeRow> = serde_json::from_value(v)?;
            rows.retain(|r| r.4 > 0);
            rows.sort();
            Answer::Volume(rows)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queries() -> Vec<(&'static str, Query)> {
        vec![
            (
                "region year",
                Query::Counts {
                    city: "c".into(),
                    from: "2026-01-01".into(),
                    to: "2026-12-31".into(),
                },
            ),
            (
                "league",
                Query::League {
                    from: "2026-06-01".into(),
                    to: "2026-06-30".into(),
                },
            ),
            (
                "volume",
                Query::Volume {
                    county: "k".into(),
                    from: "2026-01-01".into(),
                    to: "2026-12-31".into(),
                },
            ),
        ]
    }

    fn zeros_but(i: usize, c: [u64; 3]) -> serde_json::Value {
        let mut m = vec![[0u64; 3]; 12];
        m[i] = c;
        serde_json::json!(m)
    }

    fn output() -> Vec<u8> {
        serde_json::json!({
            "duckdb": "2.0.0", "threads": 2, "rows": 9, "load_s": 0.5, "db_bytes": 1024,
            "queries": [
                {"name": "region year", "ms": [3.0, 1.0, 2.0],
                 "answer": {"cases": 9, "metrics": zeros_but(5, [4, 1, 2])}},
                {"name": "league", "ms": [1.0],
                 "answer": {"u1": {"cases": 2, "metrics": zeros_but(0, [1, 0, 0])},
                            "u2": {"cases": 0, "metrics": zeros_but(0, [0, 0, 0])}}},
                {"name": "volume", "ms": [1.0],
                 "answer": [["2026-02", "hotline", "hotline_12345", "t", 3],
                            ["2026-01", "petition", "online", "t", 5]]},
            ]
        })
        .to_string()
        .into_bytes()
    }

    #[test]
    fn answers_take_the_rollups_shape() {
        let run = parse(&output(), &queries()).expect("parses");
        assert_eq!((run.rows, run.threads), (9, 2));
        let t = &run.queries[0];
        assert_eq!((t.p50, t.p95), (2.0, 3.0));
        let mut want = KpiCounts {
            cases: 9,
            ..KpiCounts::default()
        };
        want.metrics.insert(
            Metric::Satisfaction,
            Count {
                hit: 4,
                basically: 1,
                miss: 2,
            },
        );
        // Metrics without outcomes are absent, as in the kept cells.
        assert_eq!(
            run.check("region year", &Answer::Counts(want.clone())).ok(),
            Some((2.0, 3.0))
        );
        // A unit with nothing charged is left out of the league; volume rows come sorted.
        let Answer::League(l) = &run.queries[1].answer else {
            panic!("league")
        };
        assert_eq!(l.keys().collect::<Vec<_>>(), ["u1"]);
        let Answer::Volume(v) = &run.queries[2].answer else {
            panic!("volume")
        };
        assert_eq!(v[0].0, "2026-01");
    }

    #[test]
    fn a_different_answer_is_an_error() {
        let run = parse(&output(), &queries()).expect("parses");
        let wrong = KpiCounts {
            cases: 10,
            ..KpiCounts::default()
        };
        let err = run
            .check("region year", &Answer::Counts(wrong))
            .expect_err("must not pass");
        assert!(err.downcast_ref::<Mismatch>().is_some(), "{err}");
        assert!(run.check("no such query", &Answer::Volume(vec![])).is_err());
    }

    #[test]
    fn output_for_other_queries_is_refused() {
        let mut q = queries();
        q[1].0 = "something else";
        assert!(parse(&output(), &q).is_err());
        assert!(parse(b"not json", &queries()).is_err());
    }
}
