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

use crate::percentile;
use minsheng_core::case::{Channel, Flow};
use minsheng_core::kpi::{Count, Grain, KpiCounts, KpiKey, KpiRollup, Metric, Scope};
use minsheng_core::region::{Level, UnitKind};
use minsheng_store::{Sealer, Store, VolumeKey};
use sqlx::{AnyPool, AssertSqlSafe, Row};
use std::collections::{BTreeMap, HashMap};
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
            let chain = &w.leaves[c.leaf];
            let day = &w.days[c.day];
            q = q
                .bind(day.clone())
                .bind(day[..7].to_string())
                .bind(chain[1].clone())
                .bind(chain[2].clone())
                .bind(chain[chain.len() - 1].clone())
                .bind(w.units[c.office].clone())
                .bind(w.units[c.unit].clone())
                .bind(c.flow.as_str())
                .bind(c.channel.as_str())
                .bind(w.tops[c.top].clone());
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
}

/// The p95 of every dashboard query, per backend: (backend, query, p95 ms).
pub struct Summary {
    pub cases: usize,
    pub p95: Vec<(String, String, f64)>,
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
    for _ in 0..a.cases {
        let c = case(&w, &mut rng);
        add(&mut acc, &sc, &w, &c);
        if keep {
            cases.push(c);
        }
    }
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
    let mut backends: Vec<(&str, String)> = Vec::new();
    std::fs::create_dir_all(&a.dir)?;
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
        let targets = measure(&a, &store, &pool, &w, keep).await?;
        println!(
            "## {name}\n\nLoad: cells {load_cells:.1} s{}.\n",
            load_base.map_or(String::new(), |b| format!(
                ", baseline table (rows + 3 indexes) {b:.1} s"
            ))
        );
        println!(
            "| query | rollup p50 ms | rollup p95 ms | baseline p50 ms | baseline p95 ms | speed-up (p50) |"
        );
        println!("|---|---:|---:|---:|---:|---:|");
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
                "| {} | {:.2} | {:.2} | {bp50} | {bp95} | {speed} |",
                t.name, t.rollup.0, t.rollup.1
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
    Ok(Summary {
        cases: a.cases,
        p95: all_targets
            .into_iter()
            .map(|(backend, t)| (backend, t.name.to_string(), t.rollup.1))
            .collect(),
    })
}

async fn measure(
    a: &Args,
    store: &Store,
    pool: &AnyPool,
    w: &World,
    baseline: bool,
) -> anyhow::Result<Vec<Target>> {
    let city = w.leaves[0][1].clone();
    let county = w.leaves[0][2].clone();
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
    });

    // 2 and 3. Unit league over a month and over a year.
    for (name, grain, from, to, dfrom, dto) in [
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
    ] {
        let (p50, p95, kept) = time(runs, || async {
            Ok(store
                .kpi_league(grain, minsheng_store::ScopeKind::Unit, from, to)
                .await?)
        })
        .await?;
        let base = if baseline {
            let (b50, b95, b) = time(runs, || baseline_league(pool, dfrom, dto)).await?;
            let kept: BTreeMap<String, KpiCounts> = kept.into_iter().collect();
            anyhow::ensure!(b == kept, "{name}: rollup and baseline differ");
            Some((b50, b95))
        } else {
            None
        };
        out.push(Target {
            name,
            rollup: (p50, p95),
            baseline: base,
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
    out.push(Target {
        name: "county volume year",
        rollup: (p50, p95),
        baseline: base,
    });
    Ok(out)
}
