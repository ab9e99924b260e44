//! `minsheng train` and `minsheng eval-classifier`: the topic classifier behind smart routing.

use anyhow::{Context, bail};
use minsheng_text::classify::{self, Classifier, Evaluation, Example, Holdout, Split, TrainConfig};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

#[derive(clap::Args)]
pub struct TrainArgs {
    /// CSV with the columns id,label,time,title,body,tokens,form.
    #[arg(long)]
    pub data: PathBuf,
    /// Where to write the model (not needed with --cv).
    #[arg(long, required_unless_present = "cv")]
    pub out: Option<PathBuf>,
    /// Hold out this fraction of each label's raw rows (token rows always train).
    #[arg(long, default_value_t = 0.0)]
    pub holdout: f64,
    /// Instead of --holdout: hold out fold --fold of --folds stratified folds of the raw rows.
    #[arg(long, requires = "fold", conflicts_with = "holdout")]
    pub folds: Option<usize>,
    #[arg(long, requires = "folds")]
    pub fold: Option<usize>,
    /// Seed of the split and of training; the same seed gives the same split and model.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Write the held-out rows here (id,label,time,title,body) for eval-classifier. Must be
    /// outside any git checkout: the data may not be copied into a repository.
    #[arg(long)]
    pub holdout_out: Option<PathBuf>,
    /// Keep training rows that repeat a held-out message (by default they are dropped, so the
    /// held-out score measures generalisation rather than memory).
    #[arg(long)]
    pub keep_duplicates: bool,
    /// Train the reference model (one plain TF-IDF word+char linear SVM) instead of the NBSVM.
    #[arg(long)]
    pub baseline: bool,
    /// SVM cost C (default: the configuration's own).
    #[arg(long)]
    pub c: Option<f64>,
    /// Training threads.
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
    /// Changes to the model's training configuration as a JSON merge patch over the default
    /// (`TrainConfig` in crates/text/src/classify.rs), for ablations, e.g.
    /// '{"c_grid":[0.3,1,3],"features":{"char_max":4}}'.
    #[arg(long)]
    pub config: Option<String>,
    /// Cross-validate instead of writing a model: for every seed of --seeds and every fold of
    /// this many stratified folds of the raw rows, train the baseline and the model on the rest
    /// and evaluate both on the held-out fold, in the same run; print each fold, then pooled
    /// accuracy, macro-F1, their spread across folds, and the model's per-message latency.
    #[arg(long, conflicts_with_all = ["holdout", "folds", "holdout_out", "baseline"])]
    pub cv: Option<usize>,
    /// Seeds for --cv.
    #[arg(long, value_delimiter = ',', default_value = "1,2,3")]
    pub seeds: Vec<u64>,
}

#[derive(clap::Args)]
pub struct EvalArgs {
    #[arg(long)]
    pub model: PathBuf,
    /// CSV with the columns id,label,time,title,body.
    #[arg(long)]
    pub data: PathBuf,
}

/// Word-share at which a training row counts as a repeat of a held-out message; chosen on the
/// TipDM data, where repeats share 60–100% of their words and different messages on the same
/// topic under 40%.
const DUPLICATE_THRESHOLD: f64 = 0.6;

pub fn train(a: TrainArgs) -> anyhow::Result<ExitCode> {
    if !(0.0..1.0).contains(&a.holdout) {
        bail!("--holdout must be in [0, 1), got {}", a.holdout);
    }
    if let (Some(k), Some(i)) = (a.folds, a.fold)
        && (k < 2 || i >= k)
    {
        bail!("--fold must be below --folds, and --folds at least 2");
    }
    if let Some(p) = &a.holdout_out {
        refuse_inside_repository(p)?;
    }
    let started = Instant::now();
    let examples = classify::load_labelled_csv(&a.data)?;
    if let Some(folds) = a.cv {
        return cross_validate(&a, &examples, folds);
    }
    let Some(out) = a.out.as_deref() else {
        bail!("--out is required");
    };
    let holdout = match (a.folds, a.fold) {
        (Some(folds), Some(index)) => Holdout::Fold { folds, index },
        _ => Holdout::Fraction(a.holdout),
    };
    let split = make_split(&examples, holdout, a.seed, a.keep_duplicates);
    let train_rows: Vec<&Example> = split.train.iter().map(|&i| &examples[i]).collect();
    let held: Vec<&Example> = split.heldout.iter().map(|&i| &examples[i]).collect();
    eprintln!(
        "{} rows read ({} raw); training on {}, holding out {} raw rows, dropped {} repeats of held-out messages",
        examples.len(),
        examples.iter().filter(|e| e.is_raw()).count(),
        train_rows.len(),
        held.len(),
        split.dropped.len()
    );
    if let Some(p) = &a.holdout_out {
        let f = std::fs::File::create(p).with_context(|| format!("creating {}", p.display()))?;
        let n = classify::write_eval_csv(std::io::BufWriter::new(f), &held)?;
        eprintln!("held-out rows written to {} ({n} rows)", p.display());
    }

    let cfg = if a.baseline {
        config(&a, TrainConfig::baseline(), a.seed)?
    } else {
        model_config(&a, a.seed)?
    };
    let model = Classifier::train(&train_rows, &cfg)?;
    model.save(out)?;
    let size = std::fs::metadata(out).map(|m| m.len()).unwrap_or(0);
    eprintln!(
        "model ({}, C = {}) written to {} ({:.1} MB) in {:.1}s; labels: {}",
        if a.baseline { "baseline" } else { "NBSVM" },
        model.cost().unwrap_or(cfg.c),
        out.display(),
        size as f64 / 1e6,
        started.elapsed().as_secs_f64(),
        model.labels().join(" ")
    );
    Ok(ExitCode::SUCCESS)
}

/// The model's configuration: the default, patched by --config, with --c, --seed, --threads.
fn model_config(a: &TrainArgs, seed: u64) -> anyhow::Result<TrainConfig> {
    let mut cfg = TrainConfig::default();
    if let Some(patch) = &a.config {
        let mut v = serde_json::to_value(&cfg)?;
        let p: serde_json::Value = serde_json::from_str(patch).context("--config is not JSON")?;
        merge(&mut v, p);
        cfg = serde_json::from_value(v).context("--config")?;
    }
    config(a, cfg, seed)
}

fn config(a: &TrainArgs, mut cfg: TrainConfig, seed: u64) -> anyhow::Result<TrainConfig> {
    if let Some(c) = a.c {
        cfg.c = c;
    }
    cfg.seed = seed;
    cfg.threads = a.threads.max(1);
    Ok(cfg)
}

/// JSON merge patch (RFC 7396).
fn merge(target: &mut serde_json::Value, patch: serde_json::Value) {
    match (target, patch) {
        (serde_json::Value::Object(t), serde_json::Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(&k);
                } else {
                    merge(t.entry(k).or_insert(serde_json::Value::Null), v);
                }
            }
        }
        (t, p) => *t = p,
    }
}

fn make_split(examples: &[Example], holdout: Holdout, seed: u64, keep_duplicates: bool) -> Split {
    let mut s = classify::split(examples, holdout, seed);
    if !keep_duplicates && !s.heldout.is_empty() {
        classify::drop_near_duplicates(examples, &mut s, DUPLICATE_THRESHOLD);
    }
    s
}

/// The TipDM data (and any real messages) must never land in a repository; a held-out file
/// written into a checkout is one `git add .` away from being committed.
fn refuse_inside_repository(path: &Path) -> anyhow::Result<()> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let dir = parent
        .canonicalize()
        .with_context(|| format!("the directory of {} does not exist", path.display()))?;
    for d in dir.ancestors() {
        if d.join(".git").exists() {
            bail!(
                "refusing to write held-out rows inside the git checkout {} — real messages must \
                 not enter a repository; write them under /tmp instead",
                d.display()
            );
        }
    }
    Ok(())
}

pub fn eval(a: EvalArgs) -> anyhow::Result<ExitCode> {
    let loading = Instant::now();
    let model = Classifier::load(&a.model)?;
    let load_time = loading.elapsed();
    let examples = classify::load_labelled_csv(&a.data)?;
    if examples.is_empty() {
        bail!("{}: no rows to evaluate", a.data.display());
    }
    // The dictionary loads lazily on first use; keep that one-off cost out of the timings.
    model.rank("预热");
    // One message at a time on one thread, as the intake console asks: the latency an agent
    // sees, segmentation included.
    let mut e = Evaluation::new(model.labels());
    let mut times = Vec::with_capacity(examples.len());
    for ex in &examples {
        let t = Instant::now();
        let ranked = model.predict_text(&ex.text);
        times.push(t.elapsed().as_secs_f64() * 1e6);
        e.add(&ex.label, ranked.first().map_or("", |r| r.0.as_str()));
    }
    print_report(&e);
    times.sort_by(f64::total_cmp);
    let pct = |p: f64| times[((times.len() - 1) as f64 * p).round() as usize];
    eprintln!(
        "model loaded in {:.0} ms; per message (1 thread): mean {:.0} µs, p50 {:.0} µs, p95 {:.0} µs, \
         p99 {:.0} µs, max {:.0} µs",
        load_time.as_secs_f64() * 1e3,
        times.iter().sum::<f64>() / times.len() as f64,
        pct(0.5),
        pct(0.95),
        pct(0.99),
        pct(1.0)
    );
    println!(
        "accuracy={:.4} macro_f1={:.4} n={}",
        e.accuracy(),
        e.macro_f1(),
        e.n()
    );
    Ok(ExitCode::SUCCESS)
}

/// Accuracy and macro-F1 of one model over the folds of a cross-validation.
#[derive(Default)]
struct Tally {
    pooled: Option<Evaluation>,
    acc: Vec<f64>,
    f1: Vec<f64>,
    micros: Vec<f64>,
}

impl Tally {
    fn add(&mut self, model: &Classifier, held: &[&Example], timed: bool) -> Evaluation {
        let mut e = Evaluation::new(model.labels());
        let pooled = self
            .pooled
            .get_or_insert_with(|| Evaluation::new(model.labels()));
        for ex in held {
            let t = Instant::now();
            let ranked = model.predict_text(&ex.text);
            if timed {
                self.micros.push(t.elapsed().as_secs_f64() * 1e6);
            }
            let p = ranked.first().map_or("", |r| r.0.as_str());
            e.add(&ex.label, p);
            pooled.add(&ex.label, p);
        }
        self.acc.push(e.accuracy());
        self.f1.push(e.macro_f1());
        e
    }

    fn summary(&self, name: &str) -> String {
        let (ma, sa) = mean_sd(&self.acc);
        let (mf, sf) = mean_sd(&self.f1);
        let min = self.acc.iter().copied().fold(f64::INFINITY, f64::min);
        let max = self.acc.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let p = self.pooled.as_ref();
        format!(
            "{name:<8}  pooled accuracy {:.4}  pooled macro-F1 {:.4}  |  per fold: accuracy {ma:.4} ± {sa:.4} \
             (min {min:.4}, max {max:.4}), macro-F1 {mf:.4} ± {sf:.4}  |  n = {}",
            p.map_or(0.0, Evaluation::accuracy),
            p.map_or(0.0, Evaluation::macro_f1),
            p.map_or(0, Evaluation::n),
        )
    }
}

fn mean_sd(xs: &[f64]) -> (f64, f64) {
    let n = xs.len().max(1) as f64;
    let m = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    (m, var.sqrt())
}

/// `minsheng train --cv K`: baseline and model on the same held-out folds, in one run.
fn cross_validate(a: &TrainArgs, examples: &[Example], folds: usize) -> anyhow::Result<ExitCode> {
    if folds < 2 {
        bail!("--cv needs at least 2 folds");
    }
    let started = Instant::now();
    let (mut base, mut model) = (Tally::default(), Tally::default());
    println!(
        "{} rows ({} raw); {} folds of the raw rows x seeds {:?}; {}",
        examples.len(),
        examples.iter().filter(|e| e.is_raw()).count(),
        folds,
        a.seeds,
        if a.keep_duplicates {
            "repeats of held-out messages kept in training"
        } else {
            "repeats of held-out messages dropped from training (strict)"
        }
    );
    println!(
        "model configuration: {}",
        serde_json::to_string(&model_config(a, 1)?)?
    );
    println!("seed fold    n  dropped  baseline acc  f1      model acc  f1      model C");
    for &seed in &a.seeds {
        for index in 0..folds {
            let split = make_split(
                examples,
                Holdout::Fold { folds, index },
                seed,
                a.keep_duplicates,
            );
            let train_rows: Vec<&Example> = split.train.iter().map(|&i| &examples[i]).collect();
            let held: Vec<&Example> = split.heldout.iter().map(|&i| &examples[i]).collect();
            let b = Classifier::train(&train_rows, &config(a, TrainConfig::baseline(), seed)?)?;
            let eb = base.add(&b, &held, false);
            drop(b);
            let m = Classifier::train(&train_rows, &model_config(a, seed)?)?;
            let em = model.add(&m, &held, true);
            println!(
                "{seed:>4} {index:>4} {:>4} {:>8}  {:>12.4}  {:.4}  {:>9.4}  {:.4}  {}",
                held.len(),
                split.dropped.len(),
                eb.accuracy(),
                eb.macro_f1(),
                em.accuracy(),
                em.macro_f1(),
                m.cost().map_or("-".to_string(), |c| format!("{c}"))
            );
        }
    }
    println!("{}", base.summary("baseline"));
    println!("{}", model.summary("model"));
    let mut t = model.micros.clone();
    t.sort_by(f64::total_cmp);
    if !t.is_empty() {
        let pct = |p: f64| t[((t.len() - 1) as f64 * p).round() as usize];
        println!(
            "model latency per message (1 thread, {} messages): mean {:.0} µs, p50 {:.0} µs, p95 {:.0} µs, p99 {:.0} µs, max {:.0} µs",
            t.len(),
            t.iter().sum::<f64>() / t.len() as f64,
            pct(0.5),
            pct(0.95),
            pct(0.99),
            pct(1.0)
        );
    }
    println!("done in {:.0} s", started.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}

fn print_report(e: &Evaluation) {
    let width = e
        .labels
        .iter()
        .map(|l| l.chars().count() * 2)
        .max()
        .unwrap_or(5)
        .max(5);
    println!(
        "{}  precision  recall      f1  support",
        pad("label", width)
    );
    for c in e.per_class() {
        println!(
            "{}  {:>9.4}  {:>6.4}  {:>6.4}  {:>7}",
            pad(&c.label, width),
            c.precision,
            c.recall,
            c.f1,
            c.support
        );
    }
}

/// Pads to a display width, counting CJK characters as two columns.
fn pad(s: &str, width: usize) -> String {
    let w: usize = s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
    format!("{s}{}", " ".repeat(width.saturating_sub(w)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn held_out_rows_may_not_be_written_into_a_checkout() {
        let root = std::env::temp_dir().join(format!("minsheng-train-{}", std::process::id()));
        let inside = root.join("repo").join("sub");
        std::fs::create_dir_all(&inside).unwrap();
        std::fs::create_dir_all(root.join("repo").join(".git")).unwrap();
        let e = refuse_inside_repository(&inside.join("held.csv")).unwrap_err();
        assert!(e.to_string().contains("refusing"), "{e}");
        std::fs::create_dir_all(root.join("outside")).unwrap();
        refuse_inside_repository(&root.join("outside").join("held.csv")).unwrap();
        assert!(refuse_inside_repository(&root.join("missing").join("held.csv")).is_err());
        std::fs::remove_dir_all(root).ok();
    }

    #[test]
    fn labels_pad_by_display_width() {
        assert_eq!(pad("交通运输", 10), "交通运输  ");
        assert_eq!(pad("abc", 5), "abc  ");
        assert_eq!(pad("劳动和社会保障", 4), "劳动和社会保障");
    }
}
