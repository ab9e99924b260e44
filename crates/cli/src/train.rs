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
    /// Where to write the model.
    #[arg(long)]
    pub out: PathBuf,
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
    let split = make_split(&examples, &a);
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

    let mut cfg = if a.baseline {
        TrainConfig::baseline()
    } else {
        TrainConfig::default()
    };
    if let Some(c) = a.c {
        cfg.c = c;
    }
    cfg.seed = a.seed;
    cfg.threads = a.threads.max(1);
    let model = Classifier::train(&train_rows, &cfg)?;
    model.save(&a.out)?;
    let size = std::fs::metadata(&a.out).map(|m| m.len()).unwrap_or(0);
    eprintln!(
        "model ({}) written to {} ({:.1} MB) in {:.1}s; labels: {}",
        if a.baseline { "baseline" } else { "NBSVM" },
        a.out.display(),
        size as f64 / 1e6,
        started.elapsed().as_secs_f64(),
        model.labels().join(" ")
    );
    Ok(ExitCode::SUCCESS)
}

fn make_split(examples: &[Example], a: &TrainArgs) -> Split {
    let holdout = match (a.folds, a.fold) {
        (Some(folds), Some(index)) => Holdout::Fold { folds, index },
        _ => Holdout::Fraction(a.holdout),
    };
    let mut s = classify::split(examples, holdout, a.seed);
    if !a.keep_duplicates && !s.heldout.is_empty() {
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
    model.predict("预热");
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
