//! KPI dashboard latency (issue 5): the store's kept rollups (`kpi_cells`, `volume_cells`) read
//! by the real `Store` queries, against the same answers computed by GROUP BY over a plain
//! table with one row per case (no rollups), on SQLite (file) and PostgreSQL, in one run.
//!
//! Cases are generated, not run through the workflow: two years (2025–2026) over the demo
//! province's communities, its counties' petition offices and departments and its cities'
//! 12345 centres, with outcome rates near those local reports quote (rules.md §2.2). Each
//! case's outcomes are added to the cells exactly as `kpi::cell_keys` + `KpiCounts::add` would
//! (overall, every region of its chain, each unit charged), and written as one row to the
//! baseline table. The answers of both sides are compared before anything is timed.
//!
//! The same rows also go, as they are generated, to a CSV file that DuckDB (`duckdb.rs`,
//! `bench/duckdb/kpi.py`) loads and scans for every dashboard query, at every size including
//! 10M where the SQL baseline table is skipped; its answers must equal the rollups' too.

use crate::{duckdb, percentile};
use minsheng_core::case::{Channel, Flow};
use minsheng_core::kpi::{Count, Grain, KpiCounts, KpiKey, KpiRollup, Metric, Scope};
use minsheng_core::region::{Level, UnitKind};
use minsheng_store::{Sealer, Store, VolumeKey};
use sqlx::{AnyPool, AssertSqlSafe, Row};
use std::collections::{BTreeMap, HashMap};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long, default_value_t = 1_000_000)]
    pub cases: usize,
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Timed runs per query (after one untimed run).
    #[arg(long, default_value_t = 20)]
    pub runs: usize,
    /// Directory for the SQLite file and its key.
    #[arg(long, default_value = "/tmp/minsheng-bench-kpi")]
    pub dir: std::path::PathBuf,
    /// PostgreSQL server (a database `minsheng_bench_kpi` is created there and dropped after).
    #[arg(long, env = "MINSHENG_BENCH_PG")]
    pub pg: Option<String>,
    /// Skip the baseline table (rollups only).
    #[arg(long)]
    pub no_baseline: bool,
}

/// p95 goal for a dashboard query: well under a second.
const GOAL_MS: f64 = 200.0;

type Rng = minsheng_core::rng::SplitMix64;

/// Metrics in the order of the baseline table's outcome columns.
const METRICS: &[Metric] = Metric::ALL;
/// Outcome classes as stored in the baseline: 0 hit, 1 basically, 2 miss.
const HIT: u8 = 0;
const BASICALLY: u8 = 1;
const MISS: u8 = 2;

/// One generated case: where, when, who, and each metric's outcome (`None`: no outcome).
struct Case {
    leaf: usize,
    day: usize,
    flow: Flow,
    channel: Channel,
    top: usize,
    office: usize,
    unit: usize,
    outcomes: [Option<u8>; 12],
}

struct World {
    /// Community regions with their chains (top first).
    leaves: Vec<Vec<String>>,
    /// Per leaf: (county petition office, city 12345 centre, county departments) as unit indices.
    offices: Vec<(usize, usize, Vec<usize>)>,
    units: Vec<String>,
    tops: Vec<String>,
    days: Vec<String>,
}

fn world() -> anyhow::Result<World> {
    let dir = minsheng_server::demo::province().map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut units: Vec<String> = Vec::new();
    let mut unit_ix: HashMap<String, usize> = HashMap::new();
    let mut ix = |u: &str| -> usize {
        *unit_ix.entry(u.to_string()).or_insert_with(|| {
            units.push(u.to_string());
            units.len() - 1
        })
    };
    let mut leaves = Vec::new();
    let mut offices = Vec::new();
    for r in dir.regions().filter(|r| r.level == Level::Community) {
        let chain: Vec<String> = dir.chain(&r.code).into_iter().map(str::to_string).collect();
        let county = chain
            .iter()
            .find(|c| dir.region(c).is_ok_and(|r| r.level == Level::County));
        let city = chain
            .iter()
            .find(|c| dir.region(c).is_ok_and(|r| r.level == Level::City));
        let (Some(county), Some(city)) = (county, city) else {
            continue;
        };
        let depts: Vec<usize> = dir
            .units()
            .filter(|u| u.region == *county && u.kind == UnitKind::Department)
            .map(|u| ix(&u.id))
            .collect();
        if depts.is_empty() {
            continue;
        }
        offices.push((
            ix(&format!("{county}-xfj")),
            ix(&format!("{city}-12345")),
            depts,
        ));
        leaves.push(chain);
    }
    anyhow::ensure!(!leaves.is_empty(), "the demo province has no communities");
    let tops = dir
        .topics()
        .filter(|t| t.parent.is_none())
        .map(|t| t.code.clone())
        .collect();
    let start = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).expect("date");
    let days = (0..730)
        .map(|d| {
            (start + chrono::Duration::days(d))
                .format("%Y-%m-%d")
                .to_string()
        })
        .collect();
    Ok(World {
        leaves,
        offices,
        units,
        tops,
        days,
    })
}

fn class(rng: &mut Rng, hit: u64, basically: u64) -> u8 {
    let r = rng.below(100);
    if r < hit {
        HIT
    } else if r < hit + basically {
        BASICALLY
    } else {
        MISS
    }
}

fn case(w: &World, rng: &mut Rng) -> Case {
    let leaf = rng.index(w.leaves.len());
    let (office, centre, depts) = &w.offices[leaf];
    let unit = depts[rng.index(depts.len())];
    let mut o = [None; 12];
    let petition = rng.chance(45);
    let (flow, channel, office) = if petition {
        let ch = [
            Channel::Online,
            Channel::Online,
            Channel::Letter,
            Channel::Visit,
            Channel::Phone,
        ];
        o[0] = Some(class(rng, 97, 0));
        o[1] = Some(class(rng, 95, 0));
        if rng.chance(92) {
            o[2] = Some(class(rng, 93, 0));
            if rng.chance(8) {
                o[3] = Some(class(rng, 90, 0));
            }
            let rated = rng.chance(65);
            o[4] = Some(if rated { HIT } else { MISS });
            if rated {
                o[5] = Some(class(rng, 82, 9));
            }
            o[7] = Some(class(rng, 80, 0));
        }
        o[6] = Some(if rng.chance(5) { HIT } else { MISS });
        (Flow::Petition, ch[rng.index(ch.len())], *office)
    } else {
        o[8] = Some(class(rng, 98, 0));
        o[9] = Some(class(rng, 91, 0));
        if rng.chance(70) {
            o[10] = Some(class(rng, 76, 0));
            o[11] = Some(class(rng, 86, 6));
        }
        (Flow::Hotline, Channel::Hotline12345, *centre)
    };
    // Leave the future out: "today" is 2026-11-27 in the generated data.
    let day = rng.index(696);
    Case {
        leaf,
        day,
        flow,
        channel,
        top: rng.index(w.tops.len()),
        office,
        unit,
        outcomes: o,
    }
}

/// The unit charged with metric `m` of a case: transfers to the receiving office, the rest to
/// the department the matter was sent to (also the responsible unit, `charged_unit`).
fn charged(c: &Case, m: usize) -> usize {
    if m == 0 { c.office } else { c.unit }
}

/// Cells kept by the store, accumulated by index: (scope, day, metric 0..12 or 12 = cases).
#[derive(Default)]
struct Acc {
    cells: HashMap<(u32, u16, u8), [u64; 3]>,
    volume: HashMap<(u32, u16, u8, u8, u16), u64>,
}

/// Scope indices: 0 = all, 1.. = regions, then units.
struct Scopes {
    regions: Vec<String>,
    region_ix: HashMap<String, u32>,
    units_from: u32,
}

fn add(acc: &mut Acc, sc: &Scopes, w: &World, c: &Case) {
    let day = c.day as u16;
    let chain: Vec<u32> = w.leaves[c.leaf].iter().map(|r| sc.region_ix[r]).collect();
    let mut put = |scope: u32, metric: u8, class: u8| {
        acc.cells.entry((scope, day, metric)).or_default()[class as usize] += 1;
    };
    for s in std::iter::once(0).chain(chain.iter().copied()) {
        put(s, 12, HIT);
        for (m, o) in c.outcomes.iter().enumerate() {
            if let Some(k) = o {
                put(s, m as u8, *k);
            }
        }
    }
    put(sc.units_from + c.unit as u32, 12, HIT);
    for (m, o) in c.outcomes.iter().enumerate() {
        if let Some(k) = o {
            put(sc.units_from + charged(c, m) as u32, m as u8, *k);
        }
    }
    let flow = u8::from(c.flow == Flow::Hotline);
    let channel = CHANNELS.iter().position(|x| *x == c.channel).unwrap_or(0) as u8;
    for r in std::iter::once(u32::MAX).chain(chain) {
        *acc.volume
            .entry((r, day, flow, channel, c.top as u16))
            .or_default() += 1;
    }
}

const CHANNELS: [Channel; 5] = [
    Channel::Online,
    Channel::Letter,
    Channel::Visit,
    Channel::Phone,
    Channel::Hotline12345,
];

fn scope_of(sc: &Scopes, w: &World, s: u32) -> Scope {
    if s == 0 {
        Scope::All
    } else if s < sc.units_from {
        Scope::Region(sc.regions[s as usize - 1].clone())
    } else {
        Scope::Unit(w.units[(s - sc.units_from) as usize].clone())
    }
}

fn rollups(acc: &Acc, sc: &Scopes, w: &World) -> (KpiRollup, KpiRollup) {
    let mut day = KpiRollup::new(Grain::Day);
    let mut month = KpiRollup::new(Grain::Month);
    for (&(s, d, m), v) in &acc.cells {
        let scope = scope_of(sc, w, s);
        let p = &w.days[d as usize];
        for (r, period) in [(&mut day, p.clone()), (&mut month, p[..7].to_string())] {
            let cell = r
                .cells
                .entry(KpiKey {
                    scope: scope.clone(),
                    period,
                })
                .or_default();
            if m == 12 {
                cell.cases += v[0];
            } else {
                let c = cell.metrics.entry(METRICS[m as usize]).or_default();
                c.hit += v[0];
                c.basically += v[1];
                c.miss += v[2];
            }
        }
    }
    (day, month)
}

fn volumes(acc: &Acc, sc: &Scopes, w: &World) -> BTreeMap<VolumeKey, u64> {
    let mut out = BTreeMap::new();
    for (&(r, d, flow, ch, top), n) in &acc.volume {
        let region = if r == u32::MAX {
            String::new()
        } else {
            sc.regions[r as usize - 1].clone()
        };
        let p = &w.days[d as usize];
        let flow = if flow == 1 { "hotline" } else { "petition" };
        for (g, period) in [("day", p.clone()), ("month", p[..7].to_string())] {
            *out.entry((
                g.to_string(),
                region.clone(),
                period,
                flow.to_string(),
                CHANNELS[ch as usize].as_str().to_string(),
                w.tops[top as usize].clone(),
            ))
            .or_default() += n;
        }
    }
    out
}

const BASELINE_COLS: &str = "day, month, city, county, region, office, unit, flow, channel, topic, \
     m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11";

async fn create_baseline(pool: &AnyPool) -> anyhow::Result<()> {
    sqlx::query(
        "CREATE TABLE bench_cases (day TEXT NOT NULL, month TEXT NOT NULL, city TEXT NOT NULL, \
         county TEXT NOT NULL, region TEXT NOT NULL, office TEXT NOT NULL, unit TEXT NOT NULL, \
         flow TEXT NOT NULL, channel TEXT NOT NULL, topic TEXT NOT NULL, \
         m0 SMALLINT, m1 SMALLINT, m2 SMALLINT, m3 SMALLINT, m4 SMALLINT, m5 SMALLINT, \
         m6 SMALLINT, m7 SMALLINT, m8 SMALLINT, m9 SMALLINT, m10 SMALLINT, m11 SMALLINT)",
    )
    .execute(pool)
    .await?;
    Ok(())
}

async fn index_baseline(pool: &AnyPool) -> anyhow::Result<()> {
    for sql in [
        "CREATE INDEX bench_cases_day ON bench_cases (day)",
        "CREATE INDEX bench_cases_city ON bench_cases (city, day)",
        "CREATE INDEX bench_cases_county ON bench_cases (county, day)",
    ] {
        sqlx::query(sql).execute(pool).await?;
    }
    if sqlx::query("ANALYZE").execute(pool).await.is_err() {
        eprintln!("ANALYZE failed (ignored)");
    }
    Ok(())
}

/// The text columns of a case's baseline row, in `BASELINE_COLS` order (the outcomes follow).
fn fields<'a>(w: &'a World, c: &Case) -> [&'a str; 10] {
    let chain = &w.leaves[c.leaf];
    let day = w.days[c.day].as_str();
    [
        day,
        &day[..7],
        &chain[1],
        &chain[2],
        &chain[chain.len() - 1],
        &w.units[c.office],
        &w.units[c.unit],
        c.flow.as_str(),
        c.channel.as_str(),
        &w.tops[c.top],
    ]
}

/// The baseline rows as a CSV file for DuckDB, written while the cases are generated so that
/// 10M of them never sit in memory. No field needs quoting (checked once, on the labels).
struct CsvRows {
    path: PathBuf,
    out: BufWriter<std::fs::File>,
}

impl CsvRows {
    fn create(path: &Path, w: &World) -> anyhow::Result<Self> {
        let labels = w.leaves.iter().flatten().chain(&w.units).chain(&w.tops);
        let channels = CHANNELS.iter().map(|c| c.as_str());
        let flows = [Flow::Petition.as_str(), Flow::Hotline.as_str()];
        if let Some(bad) = labels
            .map(String::as_str)
            .chain(channels)
            .chain(flows)
            .find(|l| l.contains([',', '"', '\n', '\r']))
        {
            anyhow::bail!("label {bad:?} would need quoting in the CSV rows");
        }
        let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
        writeln!(out, "{}", BASELINE_COLS.replace(' ', ""))?;
        Ok(CsvRows {
            path: path.to_path_buf(),
            out,
        })
    }

    fn push(&mut self, w: &World, c: &Case) -> std::io::Result<()> {
        self.out.write_all(fields(w, c).join(",").as_bytes())?;
        for o in c.outcomes {
            match o {
                Some(k) => write!(self.out, ",{k}")?,
                None => self.out.write_all(b",")?,
            }
        }
        self.out.write_all(b"\n")
    }

    fn finish(mut self) -> anyhow::Result<PathBuf> {
        self.out.flush()?;
        Ok(self.path)
    }
}

async fn insert_baseline(pool: &AnyPool, w: &World, cases: &[Case]) -> anyhow::Result<()> {
    const ROWS: usize = 400;
    let mut tx = pool.begin().await?;
    for chunk in cases.chunks(ROWS) {
        let mut sql = format!("INSERT INTO bench_cases ({BASELINE_COLS}) VALUES ");
        let mut k = 0;
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for j in 0..22 {
                k += 1;
                if j > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("${k}"));
            }
            sql.push(')');
        }
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for c in chunk {
            for f in fields(w, c) {
                q = q.bind(f.to_string());
            }
            for o in c.outcomes {
                q = q.bind(o.map(i16::from));
            }
        }
        q.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The aggregates of one row of the baseline: cases, then hit/basically/miss per metric.
fn aggregates(metrics: &[usize]) -> String {
    let mut s = String::from("COUNT(*)");
    for m in metrics {
        for k in [HIT, BASICALLY, MISS] {
            s.push_str(&format!(
                ", CAST(SUM(CASE WHEN m{m} = {k} THEN 1 ELSE 0 END) AS BIGINT)"
            ));
        }
    }
    s
}

fn counts_from(row: &sqlx::any::AnyRow, first: usize, metrics: &[usize]) -> KpiCounts {
    let mut c = KpiCounts {
        cases: row.get::<i64, _>(first) as u64,
        ..KpiCounts::default()
    };
    for (i, m) in metrics.iter().enumerate() {
        let v = |k: usize| row.get::<i64, _>(first + 1 + i * 3 + k) as u64;
        let n = Count {
            hit: v(0),
            basically: v(1),
            miss: v(2),
        };
        if n.total() > 0 {
            c.metrics.insert(METRICS[*m], n);
        }
    }
    c
}

const ALL_METRICS: [usize; 12] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const UNIT_METRICS: [usize; 11] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];

async fn baseline_region_year(pool: &AnyPool, city: &str, year: &str) -> anyhow::Result<KpiCounts> {
    let sql = format!(
        "SELECT {} FROM bench_cases WHERE city = $1 AND day >= $2 AND day <= $3",
        aggregates(&ALL_METRICS)
    );
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(city.to_string())
        .bind(format!("{year}-01-01"))
        .bind(format!("{year}-12-31"))
        .fetch_one(pool)
        .await?;
    Ok(counts_from(&row, 0, &ALL_METRICS))
}

/// Units ranked over days `from..=to`: responsible-unit outcomes by `unit`, transfers by
/// `office`, as the kept cells charge them.
async fn baseline_league(
    pool: &AnyPool,
    from: &str,
    to: &str,
) -> anyhow::Result<BTreeMap<String, KpiCounts>> {
    let mut out: BTreeMap<String, KpiCounts> = BTreeMap::new();
    let sql = format!(
        "SELECT unit, {} FROM bench_cases WHERE day >= $1 AND day <= $2 GROUP BY unit",
        aggregates(&UNIT_METRICS)
    );
    for row in sqlx::query(AssertSqlSafe(sql))
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(pool)
        .await?
    {
        let c = counts_from(&row, 1, &UNIT_METRICS);
        out.entry(row.get::<String, _>(0)).or_default().merge(&c);
    }
    let sql = format!(
        "SELECT office, {} FROM bench_cases WHERE day >= $1 AND day <= $2 AND m0 IS NOT NULL GROUP BY office",
        aggregates(&[0])
    );
    for row in sqlx::query(AssertSqlSafe(sql))
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(pool)
        .await?
    {
        let mut c = counts_from(&row, 1, &[0]);
        c.cases = 0; // the office is not the responsible unit of these cases
        out.entry(row.get::<String, _>(0)).or_default().merge(&c);
    }
    out.retain(|_, c| !c.is_empty());
    Ok(out)
}

async fn baseline_series(pool: &AnyPool, county: &str) -> anyhow::Result<Vec<(String, KpiCounts)>> {
    let sql = format!(
        "SELECT month, {} FROM bench_cases WHERE county = $1 GROUP BY month ORDER BY month",
        aggregates(&ALL_METRICS)
    );
    Ok(sqlx::query(AssertSqlSafe(sql))
        .bind(county.to_string())
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| (r.get::<String, _>(0), counts_from(r, 1, &ALL_METRICS)))
        .collect())
}

async fn baseline_volume(pool: &AnyPool, county: &str, year: &str) -> anyhow::Result<u64> {
    let rows = sqlx::query(
        "SELECT month, flow, channel, topic, COUNT(*) FROM bench_cases \
         WHERE county = $1 AND day >= $2 AND day <= $3 GROUP BY month, flow, channel, topic",
    )
    .bind(county.to_string())
    .bind(format!("{year}-01-01"))
    .bind(format!("{year}-12-31"))
    .fetch_all(pool)
    .await?;
    Ok(rows.iter().map(|r| r.get::<i64, _>(4) as u64).sum())
}

async fn time<F, Fut, T>(runs: usize, mut f: F) -> anyhow::Result<(f64, f64, T)>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<T>>,
{
    let out = f().await?;
    let mut ms = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        f().await?;
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(f64::total_cmp);
    Ok((percentile(&ms, 50.0), percentile(&ms, 95.0), out))
}

struct Target {
    name: &'static str,
    rollup: (f64, f64),
    baseline: Option<(f64, f64)>,
    /// DuckDB's full scan of the same rows: (p50, p95).
    duckdb: (f64, f64),
}

/// The p95 of every dashboard query, per backend: (backend, query, p95 ms).
pub struct Summary {
    pub cases: usize,
    pub p95: Vec<(String, String, f64)>,
    /// DuckDB's p95 ÷ the rollups' p95 for every query, per backend: (backend, query, ratio).
    pub duckdb_ratio: Vec<(String, String, f64)>,
}

impl Summary {
    /// The slowest query's p95 on SQLite, the default store.
    pub fn worst_sqlite_p95(&self) -> Option<f64> {
        self.p95
            .iter()
            .filter(|(b, _, _)| b == "sqlite")
            .map(|(_, _, v)| *v)
            .reduce(f64::max)
    }

    /// The smallest DuckDB p95 ÷ SQLite rollup p95 over the queries: how many times faster
    /// than a DuckDB full scan the kept rollups answer even their least favourable query.
    pub fn min_duckdb_ratio_sqlite(&self) -> Option<f64> {
        self.duckdb_ratio
            .iter()
            .filter(|(b, _, _)| b == "sqlite")
            .map(|(_, _, v)| *v)
            .reduce(f64::min)
    }

    /// One line per query and backend, for the standalone command.
    pub fn print_targets(&self) {
        for (backend, name, p95) in &self.p95 {
            println!(
                "target kpi_{}_{backend}_p95_ms value={p95:.2} goal={GOAL_MS} met={}",
                name.replace(' ', "_"),
                if *p95 < GOAL_MS { "yes" } else { "no" }
            );
        }
    }
}

pub fn run(a: Args) -> anyhow::Result<Summary> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(run_async(a))
}

async fn run_async(a: Args) -> anyhow::Result<Summary> {
    sqlx::any::install_default_drivers();
    let w = world()?;
    let mut regions: Vec<String> = w.leaves.iter().flatten().cloned().collect();
    regions.sort();
    regions.dedup();
    let sc = Scopes {
        region_ix: regions
            .iter()
            .enumerate()
            .map(|(i, r)| (r.clone(), i as u32 + 1))
            .collect(),
        units_from: regions.len() as u32 + 1,
        regions,
    };
    let t = Instant::now();
    let mut rng = Rng::new(a.seed);
    let mut acc = Acc::default();
    let keep = !a.no_baseline;
    let mut cases = Vec::with_capacity(if keep { a.cases } else { 0 });
    std::fs::create_dir_all(&a.dir)?;
    let mut csv = CsvRows::create(&a.dir.join("kpi-cases.csv"), &w)?;
    for _ in 0..a.cases {
        let c = case(&w, &mut rng);
        add(&mut acc, &sc, &w, &c);
        csv.push(&w, &c)?;
        if keep {
            cases.push(c);
        }
    }
    let csv = csv.finish()?;
    let (day, month) = rollups(&acc, &sc, &w);
    let volume = volumes(&acc, &sc, &w);
    eprintln!(
        "generated {} cases in {:.1}s: {} day cells, {} month cells, {} volume cells; {} communities, {} units",
        a.cases,
        t.elapsed().as_secs_f64(),
        day.cells.len(),
        month.cells.len(),
        volume.len(),
        w.leaves.len(),
        w.units.len()
    );
    println!(
        "# KPI dashboard, {} generated cases (2025-01-01 … 2026-11-27)\n",
        a.cases
    );
    let duck = {
        let (dir, runs, queries) = (a.dir.clone(), a.runs, duck_queries(&w));
        tokio::task::spawn_blocking(move || duckdb::run(&dir, &csv, runs, &queries)).await??
    };
    // The rows were only written for DuckDB; at 10M cases they take over a gigabyte.
    let _ = std::fs::remove_file(a.dir.join("kpi-cases.csv"));
    anyhow::ensure!(
        duck.rows == a.cases as u64,
        "DuckDB loaded {} rows of {} cases",
        duck.rows,
        a.cases
    );
    println!(
        "DuckDB {} (default settings: {} threads) loaded the {} case rows from CSV in {:.1} s \
         (database file {:.0} MiB); each DuckDB query below scans that table (no rollups, no \
         indexes), after one untimed run, and its answer equals the rollups'.\n",
        duck.version,
        duck.threads,
        duck.rows,
        duck.load_s,
        duck.db_bytes as f64 / 1048576.0
    );
    let mut backends: Vec<(&str, String)> = Vec::new();
    let file = a.dir.join("kpi.db");
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", file.display()));
    }
    backends.push(("sqlite", format!("sqlite://{}", file.display())));
    if let Some(pg) = &a.pg {
        let admin = AnyPool::connect(pg).await?;
        sqlx::query("DROP DATABASE IF EXISTS minsheng_bench_kpi")
            .execute(&admin)
            .await?;
        sqlx::query("CREATE DATABASE minsheng_bench_kpi")
            .execute(&admin)
            .await?;
        admin.close().await;
        let base = pg.rsplit_once('/').map_or(pg.as_str(), |(b, _)| b);
        backends.push(("postgres", format!("{base}/minsheng_bench_kpi")));
    }
    let mut all_targets = Vec::new();
    for (name, url) in &backends {
        let store = Store::open(url, Sealer::load_or_create(&a.dir)?).await?;
        let pool = AnyPool::connect(url).await?;
        let t = Instant::now();
        store.insert_kpi_cells(Grain::Day, &day).await?;
        store.insert_kpi_cells(Grain::Month, &month).await?;
        store.insert_volume_cells(&volume).await?;
        let _ = sqlx::query("ANALYZE").execute(&pool).await;
        let load_cells = t.elapsed().as_secs_f64();
        let mut load_base = None;
        if keep {
            let t = Instant::now();
            create_baseline(&pool).await?;
            insert_baseline(&pool, &w, &cases).await?;
            index_baseline(&pool).await?;
            load_base = Some(t.elapsed().as_secs_f64());
        }
        eprintln!(
            "{name}: cells loaded in {load_cells:.1}s, baseline table in {:.1}s",
            load_base.unwrap_or(0.0)
        );
        let targets = measure(&a, &store, &pool, &w, keep, &duck).await?;
        println!(
            "## {name}\n\nLoad: cells {load_cells:.1} s{}.\n",
            load_base.map_or(String::new(), |b| format!(
                ", baseline table (rows + 3 indexes) {b:.1} s"
            ))
        );
        println!(
            "| query | rollup p50 ms | rollup p95 ms | baseline p50 ms | baseline p95 ms | speed-up (p50) \
             | DuckDB p50 ms | DuckDB p95 ms | DuckDB p95 ÷ rollup p95 |"
        );
        println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        for t in &targets {
            let (bp50, bp95, speed) = match t.baseline {
                Some((b50, b95)) => (
                    format!("{b50:.1}"),
                    format!("{b95:.1}"),
                    format!("{:.0}×", b50 / t.rollup.0.max(0.001)),
                ),
                None => ("—".into(), "—".into(), "—".into()),
            };
            println!(
                "| {} | {:.2} | {:.2} | {bp50} | {bp95} | {speed} | {:.1} | {:.1} | {:.1}× |",
                t.name,
                t.rollup.0,
                t.rollup.1,
                t.duckdb.0,
                t.duckdb.1,
                duckdb_ratio(t)
            );
        }
        println!();
        for t in targets {
            all_targets.push((name.to_string(), t));
        }
        store.close().await;
        pool.close().await;
    }
    if let Some(pg) = &a.pg {
        let admin = AnyPool::connect(pg).await?;
        sqlx::query("DROP DATABASE IF EXISTS minsheng_bench_kpi")
            .execute(&admin)
            .await?;
    }
    let summary = Summary {
        cases: a.cases,
        duckdb_ratio: all_targets
            .iter()
            .map(|(backend, t)| (backend.clone(), t.name.to_string(), duckdb_ratio(t)))
            .collect(),
        p95: all_targets
            .into_iter()
            .map(|(backend, t)| (backend, t.name.to_string(), t.rollup.1))
            .collect(),
    };
    if let Some(r) = summary.min_duckdb_ratio_sqlite() {
        println!(
            "DuckDB full scan vs kept rollups on SQLite, least favourable query: DuckDB p95 ÷ \
             rollup p95 = {r:.1}×.\n"
        );
    }
    Ok(summary)
}

/// DuckDB p95 ÷ rollup p95 (a rollup p95 under a microsecond counts as one).
fn duckdb_ratio(t: &Target) -> f64 {
    t.duckdb.1 / t.rollup.1.max(0.001)
}

/// The scopes the dashboard queries look at: the first community's city and county.
fn picks(w: &World) -> (String, String) {
    (w.leaves[0][1].clone(), w.leaves[0][2].clone())
}

/// The unit leagues timed: (name, grain, rollup from, to, days from, to).
const LEAGUES: [(&str, Grain, &str, &str, &str, &str); 2] = [
    (
        "unit league month",
        Grain::Month,
        "2026-06",
        "2026-06",
        "2026-06-01",
        "2026-06-30",
    ),
    (
        "unit league year",
        Grain::Year,
        "2026",
        "2026",
        "2026-01-01",
        "2026-12-31",
    ),
];

/// The dashboard queries `measure` times, as DuckDB scans of the case rows, by the same names.
fn duck_queries(w: &World) -> Vec<(&'static str, duckdb::Query)> {
    let (city, county) = picks(w);
    let s = str::to_string;
    let mut out = vec![(
        "region year",
        duckdb::Query::Counts {
            city,
            from: s("2026-01-01"),
            to: s("2026-12-31"),
        },
    )];
    for (name, _, _, _, from, to) in LEAGUES {
        out.push((
            name,
            duckdb::Query::League {
                from: s(from),
                to: s(to),
            },
        ));
    }
    out.push((
        "county series by month",
        duckdb::Query::Series {
            county: county.clone(),
            from: s("2025-01-01"),
            to: s("2026-12-31"),
        },
    ));
    out.push((
        "county volume year",
        duckdb::Query::Volume {
            county,
            from: s("2026-01-01"),
            to: s("2026-12-31"),
        },
    ));
    out
}

async fn measure(
    a: &Args,
    store: &Store,
    pool: &AnyPool,
    w: &World,
    baseline: bool,
    duck: &duckdb::Run,
) -> anyhow::Result<Vec<Target>> {
    let (city, county) = picks(w);
    let mut out = Vec::new();
    let runs = a.runs;

    // 1. One region's counts over a year.
    let scope = Scope::Region(city.clone());
    let (p50, p95, kept) = time(runs, || async {
        Ok(store
            .kpi_counts(Grain::Year, &scope, "2026", "2026")
            .await?)
    })
    .await?;
    let base = if baseline {
        let (b50, b95, b) = time(runs, || baseline_region_year(pool, &city, "2026")).await?;
        anyhow::ensure!(b == kept, "region year: rollup {kept:?} != baseline {b:?}");
        Some((b50, b95))
    } else {
        None
    };
    out.push(Target {
        name: "region year",
        rollup: (p50, p95),
        baseline: base,
        duckdb: duck.check("region year", &duckdb::Answer::Counts(kept))?,
    });

    // 2 and 3. Unit league over a month and over a year.
    for (name, grain, from, to, dfrom, dto) in LEAGUES {
        let (p50, p95, kept) = time(runs, || async {
            Ok(store
                .kpi_league(grain, minsheng_store::ScopeKind::Unit, from, to)
                .await?)
        })
        .await?;
        let kept: BTreeMap<String, KpiCounts> = kept.into_iter().collect();
        let base = if baseline {
            let (b50, b95, b) = time(runs, || baseline_league(pool, dfrom, dto)).await?;
            anyhow::ensure!(b == kept, "{name}: rollup and baseline differ");
            Some((b50, b95))
        } else {
            None
        };
        out.push(Target {
            name,
            rollup: (p50, p95),
            baseline: base,
            duckdb: duck.check(name, &duckdb::Answer::League(kept))?,
        });
    }

    // 4. A county's monthly trend over both years.
    let scope = Scope::Region(county.clone());
    let (p50, p95, kept) = time(runs, || async {
        Ok(store
            .kpi_series(Grain::Month, &scope, "2025-01", "2026-12")
            .await?)
    })
    .await?;
    let base = if baseline {
        let (b50, b95, b) = time(runs, || baseline_series(pool, &county)).await?;
        anyhow::ensure!(b == kept, "series: rollup and baseline differ");
        Some((b50, b95))
    } else {
        None
    };
    out.push(Target {
        name: "county series by month",
        rollup: (p50, p95),
        baseline: base,
        duckdb: duck.check("county series by month", &duckdb::Answer::Series(kept))?,
    });

    // 5. Intake volumes of a county by month, flow, channel and topic over a year.
    let (p50, p95, kept) = time(runs, || async {
        Ok(store
            .volume(Grain::Month, Some(&county), "2026-01", "2026-12")
            .await?)
    })
    .await?;
    let base = if baseline {
        let (b50, b95, b) = time(runs, || baseline_volume(pool, &county, "2026")).await?;
        let n: u64 = kept.iter().map(|v| v.n).sum();
        anyhow::ensure!(b == n, "volume: rollup {n} != baseline {b}");
        Some((b50, b95))
    } else {
        None
    };
    // DuckDB's rows are compared one by one, not only their sum.
    let mut rows: Vec<duckdb::VolumeRow> = kept
        .into_iter()
        .filter(|v| v.n > 0)
        .map(|v| (v.period, v.flow, v.channel, v.topic, v.n))
        .collect();
    rows.sort();
    out.push(Target {
        name: "county volume year",
        rollup: (p50, p95),
        baseline: base,
        duckdb: duck.check("county volume year", &duckdb::Answer::Volume(rows))?,
    });
    Ok(out)
}
