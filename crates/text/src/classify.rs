//! Topic classifier for smart routing: suggests a first-level topic for a citizen's message with
//! a calibrated probability, for the intake agent to confirm or override.
//!
//! The model is linear over two blocks of TF-IDF features, jieba word n-grams (plus the leading
//! words, where the title is, as features of their own) and character n-grams, each
//! L2-normalised. One-vs-rest linear SVMs (L2-loss, dual coordinate descent as in LIBLINEAR)
//! learn on features scaled by naive-Bayes log-count ratios (NBSVM), and a softmax whose
//! temperature is fitted on out-of-fold scores turns margins into probabilities. Several members
//! (words only, characters only, naive Bayes) can be averaged, though on the TipDM data they did
//! not beat the single model. Everything is plain Rust: a message takes well under a
//! millisecond on one core.
//!
//! Training data may mix raw messages (title and body) with messages that survive only as a
//! third party's segmentation with stop words removed (`form=tokens` in the TipDM data). Both
//! become word lists; character n-grams are taken over the concatenated words. Optionally the
//! trainer learns which words that pipeline removed (frequent in raw text, absent from token
//! rows) and removes them from raw text too.

use crate::segment::{Segmenter, is_word};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum ClassifyError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("CSV line {line}: {message}")]
    Row { line: u64, message: String },
    #[error("CSV: {0}")]
    Csv(String),
    #[error("model: {0}")]
    Model(String),
    #[error("training: {0}")]
    Training(String),
}

type Result<T> = std::result::Result<T, ClassifyError>;

// ---------------------------------------------------------------------------------------------
// Input rows
// ---------------------------------------------------------------------------------------------

/// A message as the classifier sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum Text {
    /// Original title and body.
    Raw { title: String, body: String },
    /// Only an external segmentation survives (stop words already removed).
    Tokens(Vec<String>),
}

/// One labelled row of a training or evaluation file.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    pub id: String,
    pub label: String,
    pub time: String,
    pub text: Text,
    /// Line of the file where the row starts (1-based, the header is line 1).
    pub line: u64,
}

impl Example {
    pub fn is_raw(&self) -> bool {
        matches!(self.text, Text::Raw { .. })
    }
}

/// Reads a labelled CSV. Columns are found by name in the header: `label` always; `form`
/// (`raw` or `tokens`) when present, else every row is raw; `title` and `body` for raw rows;
/// `tokens` (space-separated) for token rows; `id` and `time` are kept when present.
/// This reads both the training format (`id,label,time,title,body,tokens,form`) and the
/// evaluation format (`id,label,time,title,body`).
pub fn read_labelled_csv<R: Read>(reader: R) -> Result<Vec<Example>> {
    let mut csv = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(reader);
    let header = csv.headers().map_err(csv_error)?.clone();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h.trim().trim_start_matches('\u{feff}') == name)
    };
    let label = col("label").ok_or_else(|| {
        ClassifyError::Csv(format!(
            "no `label` column in the header (found: {})",
            header.iter().collect::<Vec<_>>().join(",")
        ))
    })?;
    let (id, time, title, body, tokens, form) = (
        col("id"),
        col("time"),
        col("title"),
        col("body"),
        col("tokens"),
        col("form"),
    );
    if form.is_none() && body.is_none() && title.is_none() {
        return Err(ClassifyError::Csv(
            "need `title`/`body` columns (raw text) or a `form` column".into(),
        ));
    }
    let mut out = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match csv.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(csv_error(e)),
        }
        let line = record.position().map_or(0, |p| p.line());
        let get = |c: Option<usize>| c.and_then(|c| record.get(c)).unwrap_or("");
        let row_err = |message: String| ClassifyError::Row { line, message };
        let lab = get(Some(label)).trim();
        if lab.is_empty() {
            return Err(row_err("empty label".into()));
        }
        let kind = match form {
            Some(_) => get(form).trim(),
            None => "raw",
        };
        let text = match kind {
            "raw" => {
                let (t, b) = (get(title), get(body));
                if t.trim().is_empty() && b.trim().is_empty() {
                    return Err(row_err("raw row with empty title and body".into()));
                }
                Text::Raw {
                    title: t.to_string(),
                    body: b.to_string(),
                }
            }
            "tokens" => {
                if tokens.is_none() {
                    return Err(row_err(
                        "form=tokens but the file has no `tokens` column".into(),
                    ));
                }
                let toks: Vec<String> = get(tokens).split_whitespace().map(String::from).collect();
                if toks.is_empty() {
                    return Err(row_err("form=tokens row with no tokens".into()));
                }
                Text::Tokens(toks)
            }
            other => {
                return Err(row_err(format!(
                    "form must be `raw` or `tokens`, found `{other}`"
                )));
            }
        };
        out.push(Example {
            id: get(id).to_string(),
            label: lab.to_string(),
            time: get(time).to_string(),
            text,
            line,
        });
    }
    Ok(out)
}

/// [`read_labelled_csv`] on a file.
pub fn load_labelled_csv(path: &Path) -> Result<Vec<Example>> {
    let f = std::fs::File::open(path).map_err(|source| ClassifyError::Io {
        path: path.display().to_string(),
        source,
    })?;
    read_labelled_csv(BufReader::new(f)).map_err(|e| match e {
        ClassifyError::Row { line, message } => ClassifyError::Row {
            line,
            message: format!("{}: {message}", path.display()),
        },
        ClassifyError::Csv(m) => ClassifyError::Csv(format!("{}: {m}", path.display())),
        e => e,
    })
}

/// Writes raw rows in the evaluation format `id,label,time,title,body`; token rows are skipped
/// because evaluation is on text as a citizen wrote it.
pub fn write_eval_csv<W: Write>(writer: W, rows: &[&Example]) -> Result<usize> {
    let mut w = csv::Writer::from_writer(writer);
    let io = |e: csv::Error| ClassifyError::Csv(e.to_string());
    w.write_record(["id", "label", "time", "title", "body"])
        .map_err(io)?;
    let mut n = 0;
    for ex in rows {
        if let Text::Raw { title, body } = &ex.text {
            w.write_record([&ex.id, &ex.label, &ex.time, title, body])
                .map_err(io)?;
            n += 1;
        }
    }
    w.flush().map_err(|e| ClassifyError::Csv(e.to_string()))?;
    Ok(n)
}

fn csv_error(e: csv::Error) -> ClassifyError {
    match e.position() {
        Some(p) => ClassifyError::Row {
            line: p.line(),
            message: e.to_string(),
        },
        None => ClassifyError::Csv(e.to_string()),
    }
}

// ---------------------------------------------------------------------------------------------
// Held-out splits
// ---------------------------------------------------------------------------------------------

/// Which raw rows to hold out.
#[derive(Debug, Clone, Copy)]
pub enum Holdout {
    /// This fraction of each label's raw rows.
    Fraction(f64),
    /// Fold `index` of `folds` stratified folds over the raw rows (cross-validation).
    Fold { folds: usize, index: usize },
}

/// Indices into the examples: what to train on and what to evaluate on.
#[derive(Debug, Clone, Default)]
pub struct Split {
    pub train: Vec<usize>,
    pub heldout: Vec<usize>,
    /// Training rows left out because they repeat a held-out message.
    pub dropped: Vec<usize>,
}

/// A reproducible split that holds out raw rows only (evaluation is on raw text), stratified by
/// label; token rows always train. The same seed gives the same split.
pub fn split(examples: &[Example], holdout: Holdout, seed: u64) -> Split {
    let mut by_label: Vec<(&str, Vec<usize>)> = Vec::new();
    for (i, ex) in examples.iter().enumerate().filter(|(_, e)| e.is_raw()) {
        match by_label.iter_mut().find(|(l, _)| *l == ex.label) {
            Some((_, v)) => v.push(i),
            None => by_label.push((&ex.label, vec![i])),
        }
    }
    by_label.sort_by(|a, b| a.0.cmp(b.0));
    let mut rng = Rng::new(seed);
    let mut held = vec![false; examples.len()];
    // Fold assignment continues across labels so that small labels do not all land in fold 0.
    let mut offset = 0usize;
    for (_, rows) in &mut by_label {
        rng.shuffle(rows);
        match holdout {
            Holdout::Fraction(f) => {
                let k = ((rows.len() as f64) * f.clamp(0.0, 1.0)).round() as usize;
                for &i in &rows[..k] {
                    held[i] = true;
                }
            }
            Holdout::Fold { folds, index } => {
                let folds = folds.max(1);
                for (j, &i) in rows.iter().enumerate() {
                    if (j + offset) % folds == index % folds {
                        held[i] = true;
                    }
                }
                offset += rows.len();
            }
        }
    }
    let mut s = Split::default();
    for (i, h) in held.into_iter().enumerate() {
        if h {
            s.heldout.push(i);
        } else {
            s.train.push(i);
        }
    }
    s
}

/// Moves out of `split.train` every row that repeats a held-out message: the same complaint
/// posted twice, or a raw message that also survives as a token row. Two rows repeat when at
/// least `threshold` of the distinct words (two characters or more) of the shorter one occur in
/// the other. Without this a held-out score partly measures memory, not generalisation.
pub fn drop_near_duplicates(examples: &[Example], split: &mut Split, threshold: f64) {
    let seg = Segmenter::new();
    let sets: HashMap<usize, HashSet<String>> = split
        .heldout
        .iter()
        .chain(&split.train)
        .map(|&i| {
            let words = raw_words(&examples[i].text, &seg, 0);
            let set = words
                .into_iter()
                .filter(|w| w.chars().count() >= 2)
                .collect();
            (i, set)
        })
        .collect();
    let mut index: HashMap<&str, Vec<usize>> = HashMap::new();
    for &h in &split.heldout {
        for w in &sets[&h] {
            index.entry(w.as_str()).or_default().push(h);
        }
    }
    let mut keep = Vec::with_capacity(split.train.len());
    for &t in &split.train {
        let set = &sets[&t];
        let mut overlap: HashMap<usize, usize> = HashMap::new();
        for w in set {
            for &h in index.get(w.as_str()).map_or(&[][..], Vec::as_slice) {
                *overlap.entry(h).or_default() += 1;
            }
        }
        let dup = overlap.iter().any(|(h, &n)| {
            let smaller = set.len().min(sets[h].len()).max(1);
            n as f64 / smaller as f64 >= threshold
        });
        if dup {
            split.dropped.push(t);
        } else {
            keep.push(t);
        }
    }
    split.train = keep;
}

// ---------------------------------------------------------------------------------------------
// Features
// ---------------------------------------------------------------------------------------------

/// How text becomes features. Stored in the model so prediction matches training.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureConfig {
    /// Word n-grams 1..=word_max (0 disables the word block).
    pub word_max: u8,
    /// Character n-grams char_min..=char_max over the concatenated words (0 disables).
    pub char_min: u8,
    pub char_max: u8,
    /// Features seen in fewer training documents are ignored.
    pub min_df: u32,
    /// 1 + ln(tf) instead of tf.
    pub sublinear_tf: bool,
    /// Learn the stop words an external segmentation removed and remove them from raw text.
    pub learn_stop_words: bool,
    /// The first words (where the title is) also count as features of their own.
    #[serde(default)]
    pub lead_words: u8,
    /// Only the first this many characters are read (0: all). Feature time grows with length
    /// and the subject is stated early, so this bounds the latency of very long messages
    /// (and of hostile input) at almost no cost in accuracy.
    #[serde(default)]
    pub max_chars: u32,
}

/// Which feature blocks an ensemble member reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Block {
    Words,
    Chars,
    Both,
}

/// How an ensemble member learns its weights; either way it is a linear model at prediction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Learner {
    /// One-vs-rest linear SVMs.
    #[default]
    Svm,
    /// Multinomial naive Bayes over the TF-IDF weights.
    NaiveBayes,
}

/// One member of the ensemble.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberSpec {
    pub block: Block,
    pub learner: Learner,
    /// Overrides [`TrainConfig::nb_scale`] for this member, so an ensemble can mix NBSVM with
    /// a plain SVM.
    #[serde(default)]
    pub nb_scale: Option<bool>,
}

impl MemberSpec {
    pub fn svm(block: Block) -> Self {
        MemberSpec {
            block,
            learner: Learner::Svm,
            nb_scale: None,
        }
    }
    pub fn naive_bayes(block: Block) -> Self {
        MemberSpec {
            block,
            learner: Learner::NaiveBayes,
            nb_scale: None,
        }
    }
}

/// Training settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    pub features: FeatureConfig,
    /// Ensemble members; their calibrated probabilities are averaged.
    pub members: Vec<MemberSpec>,
    /// SVM cost C.
    pub c: f64,
    /// When it has two values or more: candidate costs, and C is chosen among them by inner
    /// cross-validation on the training rows only (`calibration_folds` folds, accuracy on the
    /// raw rows when there are at least 100 of them, else on all rows). Empty: use `c`.
    #[serde(default)]
    pub c_grid: Vec<f64>,
    /// Scale features by naive-Bayes log-count ratios per class (NBSVM).
    pub nb_scale: bool,
    /// Weigh each class inversely to its frequency, so small topics are not drowned.
    pub balanced: bool,
    /// Extra weight of raw rows, which look like what the model will meet.
    pub raw_weight: f64,
    /// Folds for the out-of-fold scores that fit temperatures and member weights (0 or 1: no
    /// calibration, temperature 1 and equal weights).
    pub calibration_folds: usize,
    /// Dual coordinate descent stops when the projected-gradient spread is below this.
    pub tolerance: f64,
    pub max_epochs: usize,
    pub seed: u64,
    /// Worker threads for training (one-vs-rest problems run in parallel).
    pub threads: usize,
}

impl Default for TrainConfig {
    /// The configuration chosen by cross-validation on the TipDM raw rows (see
    /// bench/classifier.md): NBSVM over words and characters with the leading words as extra
    /// features, balanced classes and a fitted temperature. Ensembles of word-only and
    /// character-only members and the stop-word alignment scored no better there, so they stay
    /// available but off.
    fn default() -> Self {
        TrainConfig {
            features: FeatureConfig {
                word_max: 2,
                char_min: 1,
                char_max: 3,
                min_df: 2,
                sublinear_tf: false,
                learn_stop_words: false,
                lead_words: 12,
                max_chars: 1200,
            },
            members: vec![MemberSpec::svm(Block::Both)],
            c: 1.0,
            c_grid: Vec::new(),
            nb_scale: true,
            balanced: true,
            raw_weight: 1.0,
            calibration_folds: 4,
            tolerance: 0.1,
            max_epochs: 200,
            seed: 1,
            threads: 2,
        }
    }
}

impl TrainConfig {
    /// The reference point: one TF-IDF (sublinear tf) word (1–2) + character (1–3) linear SVM,
    /// C = 1, no naive-Bayes scaling, no class weights, softmax over raw scores.
    pub fn baseline() -> Self {
        TrainConfig {
            features: FeatureConfig {
                sublinear_tf: true,
                lead_words: 0,
                max_chars: 0,
                ..TrainConfig::default().features
            },
            members: vec![MemberSpec::svm(Block::Both)],
            c: 1.0,
            c_grid: Vec::new(),
            nb_scale: false,
            balanced: false,
            raw_weight: 1.0,
            calibration_folds: 0,
            ..TrainConfig::default()
        }
    }
}

/// Folds full-width ASCII and lowercases; `_x000D_` is an Excel export's carriage return.
fn clean(s: &str) -> String {
    s.replace("_x000D_", "\n")
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// Words before stop-word removal, from the first `max_chars` characters (0: all).
fn raw_words(text: &Text, seg: &Segmenter, max_chars: usize) -> Vec<String> {
    let max_chars = if max_chars == 0 {
        usize::MAX
    } else {
        max_chars
    };
    match text {
        Text::Raw { title, body } => {
            // The full stop keeps the title's last word from merging with the body's first.
            let mut s = clean(&format!("{title}。{body}"));
            if let Some((cut, _)) = s.char_indices().nth(max_chars) {
                s.truncate(cut);
            }
            seg.cut(&s).into_iter().map(String::from).collect()
        }
        Text::Tokens(t) => {
            let mut used = 0;
            t.iter()
                .filter(|w| is_word(w))
                .take_while(|w| {
                    used += w.chars().count();
                    used <= max_chars
                })
                .map(|w| clean(w))
                .collect()
        }
    }
}

/// FNV-1a: stable across Rust versions and platforms, so feature keys in a saved model stay
/// valid.
#[derive(Clone, Copy)]
struct Fnv(u64);

impl Fnv {
    fn new(namespace: u8) -> Self {
        let mut h = Fnv(0xcbf2_9ce4_8422_2325);
        h.bytes(&[namespace]);
        h
    }
    fn bytes(&mut self, b: &[u8]) {
        for &x in b {
            self.0 ^= x as u64;
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// Feature keys are already hashes; hashing them again would only cost time.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) ^ b as u64;
        }
    }
    fn write_u64(&mut self, k: u64) {
        // Fold the high bits down: the table indexes with the low bits.
        self.0 = k ^ (k >> 32);
    }
}

type KeyMap<V> = HashMap<u64, V, BuildHasherDefault<KeyHasher>>;

/// Word n-gram keys and character n-gram keys of one document (with repeats).
fn gram_keys(words: &[&str], f: &FeatureConfig) -> (Vec<u64>, Vec<u64>) {
    let mut wk = Vec::new();
    for n in 1..=f.word_max as usize {
        for win in words.windows(n) {
            let mut h = Fnv::new(b'w' + n as u8);
            for (j, w) in win.iter().enumerate() {
                if j > 0 {
                    h.bytes(&[0x1f]);
                }
                h.bytes(w.as_bytes());
            }
            wk.push(h.0);
        }
    }
    for w in words.iter().take(f.lead_words as usize) {
        let mut h = Fnv::new(b'h');
        h.bytes(w.as_bytes());
        wk.push(h.0);
    }
    let mut ck = Vec::new();
    if f.char_max > 0 {
        let s: String = words.concat();
        let bounds: Vec<usize> = s
            .char_indices()
            .map(|(i, _)| i)
            .chain(std::iter::once(s.len()))
            .collect();
        let nchars = bounds.len() - 1;
        for n in f.char_min.max(1) as usize..=f.char_max as usize {
            for i in 0..nchars.saturating_sub(n - 1) {
                let mut h = Fnv::new(b'c' + n as u8);
                h.bytes(&s.as_bytes()[bounds[i]..bounds[i + n]]);
                ck.push(h.0);
            }
        }
    }
    (wk, ck)
}

/// Document frequencies of the word and character keys, counted one document at a time so the
/// documents' keys need not be kept.
#[derive(Default)]
struct DocFrequencies {
    blocks: [KeyMap<u32>; 2],
    docs: usize,
    seen: Vec<u64>,
}

impl DocFrequencies {
    fn add(&mut self, keys: &(Vec<u64>, Vec<u64>)) {
        self.docs += 1;
        for (df, block) in self.blocks.iter_mut().zip([&keys.0, &keys.1]) {
            self.seen.clear();
            self.seen.extend_from_slice(block);
            self.seen.sort_unstable();
            self.seen.dedup();
            for &k in &self.seen {
                *df.entry(k).or_default() += 1;
            }
        }
    }

    /// The vocabulary of the keys in at least `min_df` documents: word features first, then
    /// characters, each block in key order.
    fn into_vocab(self, min_df: u32) -> Vocab {
        let n = self.docs as f64;
        let mut v = Vocab::default();
        for (block, df) in self.blocks.into_iter().enumerate() {
            let mut kept: Vec<(u64, u32)> = df.into_iter().filter(|&(_, c)| c >= min_df).collect();
            kept.sort_unstable();
            v.index.reserve(kept.len());
            for (k, c) in kept {
                v.index.insert(k, v.keys.len() as u32);
                v.keys.push(k);
                v.idf.push(((1.0 + n) / (1.0 + c as f64)).ln() as f32 + 1.0);
            }
            if block == 0 {
                v.n_words = v.keys.len();
            }
        }
        v
    }
}

/// The vocabulary: key → feature index, with IDF. Word features come first, then characters.
#[derive(Debug, Clone, Default)]
struct Vocab {
    index: KeyMap<u32>,
    keys: Vec<u64>,
    idf: Vec<f32>,
    n_words: usize,
}

impl Vocab {
    fn from_parts(keys: Vec<u64>, idf: Vec<f32>, n_words: usize) -> Vocab {
        let index = keys
            .iter()
            .enumerate()
            .map(|(i, &k)| (k, i as u32))
            .collect();
        Vocab {
            index,
            keys,
            idf,
            n_words,
        }
    }

    fn len(&self) -> usize {
        self.keys.len()
    }

    /// A sparse TF-IDF row, sorted by index, each block L2-normalised.
    fn vectorize(&self, keys: &(Vec<u64>, Vec<u64>), sublinear: bool) -> Vec<(u32, f32)> {
        let mut out = Vec::new();
        let mut sorted = Vec::new();
        for block in [&keys.0, &keys.1] {
            // Counting repeats before the look-up: the table is far larger than the cache, so
            // each look-up is a memory access, and most character n-grams of a long message
            // repeat.
            sorted.clear();
            sorted.extend_from_slice(block);
            sorted.sort_unstable();
            let start = out.len();
            for run in sorted.chunk_by(|a, b| a == b) {
                if let Some(&id) = self.index.get(&run[0]) {
                    let tf = run.len() as f32;
                    let tf = if sublinear { 1.0 + tf.ln() } else { tf };
                    out.push((id, tf * self.idf[id as usize]));
                }
            }
            out[start..].sort_unstable_by_key(|e| e.0);
            let norm = out[start..].iter().map(|&(_, v)| v * v).sum::<f32>().sqrt();
            if norm > 0.0 {
                for e in &mut out[start..] {
                    e.1 /= norm;
                }
            }
        }
        out
    }
}

// ---------------------------------------------------------------------------------------------
// The model
// ---------------------------------------------------------------------------------------------

/// One linear one-vs-rest model over a range of feature indices.
#[derive(Debug, Clone)]
struct Member {
    block: Block,
    learner: Learner,
    lo: usize,
    hi: usize,
    /// Feature-major: weights[(f - lo) * classes + c], so a sparse row touches contiguous memory.
    weights: Vec<f32>,
    bias: Vec<f32>,
    temperature: f64,
    weight: f64,
    /// Whether training scaled features by naive-Bayes ratios (training only; the ratios are
    /// folded into the weights).
    nb_scale: bool,
}

impl Member {
    fn scores(&self, x: &[(u32, f32)], classes: usize) -> Vec<f64> {
        let mut s: Vec<f64> = self.bias.iter().map(|&b| b as f64).collect();
        for &(f, v) in x {
            let f = f as usize;
            if f < self.lo || f >= self.hi {
                continue;
            }
            let row = &self.weights[(f - self.lo) * classes..(f - self.lo + 1) * classes];
            for (sc, &w) in s.iter_mut().zip(row) {
                *sc += (v * w) as f64;
            }
        }
        s
    }
}

/// What is stored besides the big arrays.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Header {
    format: u32,
    labels: Vec<String>,
    features: FeatureConfig,
    stop_words: Vec<String>,
    n_words: usize,
    n_features: usize,
    members: Vec<MemberHeader>,
    trained_on: usize,
    /// The SVM cost used (chosen by inner cross-validation when a grid was given).
    #[serde(default)]
    c: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct MemberHeader {
    block: Block,
    #[serde(default)]
    learner: Learner,
    lo: usize,
    hi: usize,
    temperature: f64,
    weight: f64,
}

const MAGIC: &[u8; 8] = b"MSTOPIC\0";
const FORMAT: u32 = 1;

/// A suggested topic with the model's confidence, for the intake agent who decides.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    pub label: String,
    /// Probability of the top label, 0–1.
    pub confidence: f64,
    /// Every label with its probability, most likely first.
    pub ranked: Vec<(String, f64)>,
}

/// A trained topic classifier.
#[derive(Debug, Clone)]
pub struct Classifier {
    labels: Vec<String>,
    features: FeatureConfig,
    stop_words: HashSet<String>,
    vocab: Vocab,
    members: Vec<Member>,
    trained_on: usize,
    c: Option<f64>,
    segmenter: Segmenter,
}

impl Classifier {
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// The stop words learned from the training data, sorted.
    pub fn stop_words(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.stop_words.iter().map(String::as_str).collect();
        v.sort_unstable();
        v
    }

    /// Number of training rows.
    pub fn trained_on(&self) -> usize {
        self.trained_on
    }

    /// The SVM cost the model was trained with (`None` for models saved before it was recorded).
    pub fn cost(&self) -> Option<f64> {
        self.c
    }

    /// The most likely topic of a message and its calibrated probability (0–1), from the
    /// message's title and body (either may be empty). This is what the intake console shows
    /// as the suggested topic; the agent decides. Fails only for a model without labels,
    /// which [`Classifier::train`] never produces, in which case it returns `("", 0.0)`.
    ///
    /// ```no_run
    /// # use minsheng_text::classify::{Classifier, TrainConfig};
    /// let rows = [("城乡建设", "电梯坏了", "小区电梯停运两个月"), ("教育文体", "乱收费", "学校违规收取补课费")];
    /// let model = Classifier::train_rows(&rows, &TrainConfig::default()).unwrap();
    /// let (topic, confidence) = model.predict("电梯故障", "电梯又坏了，物业不修");
    /// ```
    pub fn predict(&self, title: &str, body: &str) -> (String, f64) {
        self.predict_text(&Text::Raw {
            title: title.to_string(),
            body: body.to_string(),
        })
        .into_iter()
        .next()
        .unwrap_or_default()
    }

    /// Every label with its probability, most likely first. `text` is the whole message (title
    /// and body together, or either).
    pub fn rank(&self, text: &str) -> Vec<(String, f64)> {
        self.predict_text(&Text::Raw {
            title: String::new(),
            body: text.to_string(),
        })
    }

    /// [`Classifier::rank`] for a row of any form.
    pub fn predict_text(&self, text: &Text) -> Vec<(String, f64)> {
        let p = self.probabilities(text);
        let mut ranked: Vec<(String, f64)> = self.labels.iter().cloned().zip(p).collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        ranked
    }

    /// The most likely topic with its confidence; `None` only for a model without labels.
    pub fn suggest(&self, title: &str, body: &str) -> Option<Suggestion> {
        let ranked = self.predict_text(&Text::Raw {
            title: title.to_string(),
            body: body.to_string(),
        });
        let (label, confidence) = ranked.first().cloned()?;
        Some(Suggestion {
            label,
            confidence,
            ranked,
        })
    }

    fn row(&self, text: &Text) -> Vec<(u32, f32)> {
        let words = raw_words(text, &self.segmenter, self.features.max_chars as usize);
        let kept = filter_stop_words(&words, text, &self.stop_words);
        self.vocab.vectorize(
            &gram_keys(&kept, &self.features),
            self.features.sublinear_tf,
        )
    }

    fn probabilities(&self, text: &Text) -> Vec<f64> {
        let x = self.row(text);
        let p = combine(&self.members, &x, self.labels.len());
        // Finite but extreme weights can still overflow; then the model knows nothing.
        if p.iter().all(|v| v.is_finite() && *v >= 0.0) {
            p
        } else {
            vec![1.0 / self.labels.len().max(1) as f64; self.labels.len()]
        }
    }

    /// Trains on `examples`.
    pub fn train(examples: &[&Example], cfg: &TrainConfig) -> Result<Classifier> {
        train(examples, cfg)
    }

    /// Trains on in-memory `(label, title, body)` rows, as the demo does on its own generated
    /// cases. Small data: use a `TrainConfig` with `calibration_folds` no larger than the
    /// rows of the smallest label.
    pub fn train_rows<L, T, B>(rows: &[(L, T, B)], cfg: &TrainConfig) -> Result<Classifier>
    where
        L: AsRef<str>,
        T: AsRef<str>,
        B: AsRef<str>,
    {
        let examples: Vec<Example> = rows
            .iter()
            .enumerate()
            .map(|(i, (label, title, body))| Example {
                id: i.to_string(),
                label: label.as_ref().to_string(),
                time: String::new(),
                text: Text::Raw {
                    title: title.as_ref().to_string(),
                    body: body.as_ref().to_string(),
                },
                line: 0,
            })
            .collect();
        let refs: Vec<&Example> = examples.iter().collect();
        train(&refs, cfg)
    }

    pub fn save(&self, path: &Path) -> Result<()> {
        let io = |source| ClassifyError::Io {
            path: path.display().to_string(),
            source,
        };
        let f = std::fs::File::create(path).map_err(io)?;
        let mut w = BufWriter::new(f);
        self.write_to(&mut w).map_err(io)?;
        w.flush().map_err(io)
    }

    pub fn load(path: &Path) -> Result<Classifier> {
        let f = std::fs::File::open(path).map_err(|source| ClassifyError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Classifier::read_from(&mut BufReader::new(f))
            .map_err(|e| ClassifyError::Model(format!("{}: {e}", path.display())))
    }

    /// Binary format: magic, JSON header (labels, settings, stop words, member layout), then
    /// little-endian arrays: feature keys (u64), IDF (f32), and per member bias and weights
    /// (f32). JSON for the weights would be ten times larger and slow to parse.
    pub fn write_to<W: Write>(&self, w: &mut W) -> std::io::Result<()> {
        let header = Header {
            format: FORMAT,
            labels: self.labels.clone(),
            features: self.features.clone(),
            stop_words: {
                let mut s: Vec<String> = self.stop_words.iter().cloned().collect();
                s.sort();
                s
            },
            n_words: self.vocab.n_words,
            n_features: self.vocab.len(),
            members: self
                .members
                .iter()
                .map(|m| MemberHeader {
                    block: m.block,
                    learner: m.learner,
                    lo: m.lo,
                    hi: m.hi,
                    temperature: m.temperature,
                    weight: m.weight,
                })
                .collect(),
            trained_on: self.trained_on,
            c: self.c,
        };
        let json = serde_json::to_vec(&header).map_err(std::io::Error::other)?;
        w.write_all(MAGIC)?;
        w.write_all(&(json.len() as u64).to_le_bytes())?;
        w.write_all(&json)?;
        for k in &self.vocab.keys {
            w.write_all(&k.to_le_bytes())?;
        }
        write_f32s(w, &self.vocab.idf)?;
        for m in &self.members {
            write_f32s(w, &m.bias)?;
            write_f32s(w, &m.weights)?;
        }
        Ok(())
    }

    pub fn read_from<R: Read>(r: &mut R) -> Result<Classifier> {
        let bad = |m: &str| ClassifyError::Model(m.to_string());
        let trunc = |_| bad("file is truncated");
        let mut magic = [0u8; 8];
        r.read_exact(&mut magic).map_err(trunc)?;
        if &magic != MAGIC {
            return Err(bad("not a minsheng topic model"));
        }
        let mut len = [0u8; 8];
        r.read_exact(&mut len).map_err(trunc)?;
        let len = u64::from_le_bytes(len);
        if len > 64 << 20 {
            return Err(bad("header too large"));
        }
        let mut json = vec![0u8; len as usize];
        r.read_exact(&mut json).map_err(trunc)?;
        let h: Header = serde_json::from_slice(&json)
            .map_err(|e| ClassifyError::Model(format!("header: {e}")))?;
        if h.format != FORMAT {
            return Err(ClassifyError::Model(format!(
                "format {} (this build reads {FORMAT})",
                h.format
            )));
        }
        let classes = h.labels.len();
        if h.n_words > h.n_features || h.n_features > u32::MAX as usize {
            return Err(bad("inconsistent feature counts"));
        }
        let keys: Vec<u64> = read_exact_growing(r, h.n_features, 8)
            .map_err(trunc)?
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
            .collect();
        let idf = read_f32s(r, h.n_features).map_err(trunc)?;
        let mut members = Vec::new();
        for m in &h.members {
            if m.lo > m.hi || m.hi > h.n_features {
                return Err(bad("member feature range out of bounds"));
            }
            let bias = read_f32s(r, classes).map_err(trunc)?;
            let n = (m.hi - m.lo)
                .checked_mul(classes)
                .ok_or_else(|| bad("member weights out of bounds"))?;
            let weights = read_f32s(r, n).map_err(trunc)?;
            members.push(Member {
                block: m.block,
                learner: m.learner,
                lo: m.lo,
                hi: m.hi,
                weights,
                bias,
                temperature: m.temperature,
                weight: m.weight,
                nb_scale: false,
            });
        }
        let mut rest = [0u8; 1];
        if r.read(&mut rest).map_err(trunc)? != 0 {
            return Err(bad("trailing bytes after the last member"));
        }
        // A NaN or infinite parameter would make every prediction NaN (found by fuzzing).
        let finite = idf.iter().all(|x| x.is_finite())
            && members.iter().all(|m| {
                m.temperature.is_finite()
                    && m.weight.is_finite()
                    && m.bias.iter().chain(&m.weights).all(|x| x.is_finite())
            });
        if !finite {
            return Err(bad("a parameter is not a finite number"));
        }
        Ok(Classifier {
            labels: h.labels,
            features: h.features,
            stop_words: h.stop_words.into_iter().collect(),
            vocab: Vocab::from_parts(keys, idf, h.n_words),
            members,
            trained_on: h.trained_on,
            c: h.c,
            segmenter: Segmenter::new(),
        })
    }
}

fn write_f32s<W: Write>(w: &mut W, xs: &[f32]) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(xs.len() * 4);
    for x in xs {
        buf.extend_from_slice(&x.to_le_bytes());
    }
    w.write_all(&buf)
}

/// Reads `n` items of `size` bytes. The buffer grows only as bytes arrive, so a header that
/// claims billions of features fails on the short file instead of allocating them first
/// (found by fuzzing: a 100-byte file asked for 32 GB).
fn read_exact_growing<R: Read>(r: &mut R, n: usize, size: usize) -> std::io::Result<Vec<u8>> {
    let len = n
        .checked_mul(size)
        .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::InvalidData))?;
    let mut buf = Vec::new();
    r.by_ref().take(len as u64).read_to_end(&mut buf)?;
    if buf.len() != len {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    Ok(buf)
}

fn read_f32s<R: Read>(r: &mut R, n: usize) -> std::io::Result<Vec<f32>> {
    let buf = read_exact_growing(r, n, 4)?;
    Ok(buf
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect())
}

/// Stop words are removed from raw text only: token rows had them removed already.
fn filter_stop_words<'a>(words: &'a [String], text: &Text, stop: &HashSet<String>) -> Vec<&'a str> {
    let raw = matches!(text, Text::Raw { .. });
    words
        .iter()
        .map(String::as_str)
        .filter(|w| !(raw && stop.contains(*w)))
        .collect()
}

fn softmax(scores: &[f64], t: f64) -> Vec<f64> {
    let max = scores.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b));
    let e: Vec<f64> = scores.iter().map(|&s| ((s - max) * t).exp()).collect();
    let z: f64 = e.iter().sum();
    e.into_iter().map(|x| x / z).collect()
}

fn combine(members: &[Member], x: &[(u32, f32)], classes: usize) -> Vec<f64> {
    let mut p = vec![0.0; classes];
    let total: f64 = members.iter().map(|m| m.weight).sum();
    for m in members {
        let q = softmax(&m.scores(x, classes), m.temperature);
        for (a, b) in p.iter_mut().zip(q) {
            *a += b * m.weight / total.max(f64::MIN_POSITIVE);
        }
    }
    p
}

/// Words that an external segmentation removed: frequent in raw rows, (almost) never in token
/// rows. Needs both kinds of row; otherwise there is nothing to align and the list is empty.
fn learn_stop_words(examples: &[&Example], seg: &Segmenter, cfg: &TrainConfig) -> HashSet<String> {
    // Document frequencies, not counts: one long message repeating a name must not make the
    // name look like a stop word.
    let mut raw: HashMap<String, u64> = HashMap::new();
    let mut tok: HashMap<String, u64> = HashMap::new();
    let (mut nraw, mut ntok) = (0u64, 0u64);
    for chunk in examples.chunks(FEATURE_CHUNK) {
        let words = parallel_map(chunk, cfg.threads, |e| {
            raw_words(&e.text, seg, cfg.features.max_chars as usize)
        });
        for (w, ex) in words.iter().zip(chunk) {
            let (map, n) = if ex.is_raw() {
                (&mut raw, &mut nraw)
            } else {
                (&mut tok, &mut ntok)
            };
            *n += 1;
            let distinct: HashSet<&str> = w.iter().map(String::as_str).collect();
            for x in distinct {
                match map.get_mut(x) {
                    Some(df) => *df += 1,
                    None => {
                        map.insert(x.to_string(), 1);
                    }
                }
            }
        }
    }
    if nraw < 50 || ntok < 50 {
        return HashSet::new();
    }
    raw.into_iter()
        .filter(|(w, df)| {
            let expected = *df as f64 * ntok as f64 / nraw as f64;
            let seen = tok.get(w).copied().unwrap_or(0) as f64;
            // In enough raw messages that the absence from token rows is no accident, and seen
            // there at a tenth of the expected rate or less.
            *df >= 5 && seen <= 0.1 * expected
        })
        .map(|(w, _)| w)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Training
// ---------------------------------------------------------------------------------------------

/// Rows whose features are made at once during training: enough to keep the threads busy, few
/// enough that their keys (tens of kilobytes a row) stay small.
const FEATURE_CHUNK: usize = 1024;

/// Rows of a sparse matrix, flattened.
struct Csr {
    start: Vec<usize>,
    idx: Vec<u32>,
    val: Vec<f32>,
}

impl Csr {
    fn new() -> Csr {
        Csr {
            start: vec![0],
            idx: Vec::new(),
            val: Vec::new(),
        }
    }

    fn push(&mut self, row: &[(u32, f32)]) {
        for &(i, v) in row {
            self.idx.push(i);
            self.val.push(v);
        }
        self.start.push(self.idx.len());
    }

    fn rows(&self) -> usize {
        self.start.len() - 1
    }

    /// The part of row `r` with indices in [lo, hi).
    fn slice(&self, r: usize, lo: usize, hi: usize) -> (&[u32], &[f32]) {
        let (s, e) = (self.start[r], self.start[r + 1]);
        let idx = &self.idx[s..e];
        let a = idx.partition_point(|&i| (i as usize) < lo);
        let b = idx.partition_point(|&i| (i as usize) < hi);
        (&idx[a..b], &self.val[s + a..s + b])
    }
}

fn train(examples: &[&Example], cfg: &TrainConfig) -> Result<Classifier> {
    if examples.is_empty() {
        return Err(ClassifyError::Training("no training rows".into()));
    }
    if cfg.members.is_empty() {
        return Err(ClassifyError::Training("no ensemble members".into()));
    }
    let mut labels: Vec<String> = examples.iter().map(|e| e.label.clone()).collect();
    labels.sort();
    labels.dedup();
    if labels.len() < 2 {
        return Err(ClassifyError::Training(
            "need at least two labels to tell apart".into(),
        ));
    }
    let y: Vec<usize> = examples
        .iter()
        .map(|e| labels.binary_search(&e.label).unwrap_or(0))
        .collect();

    let segmenter = Segmenter::new();
    let f = &cfg.features;
    let stop_words = if f.learn_stop_words {
        learn_stop_words(examples, &segmenter, cfg)
    } else {
        HashSet::new()
    };
    // A message's words and n-gram keys take tens of kilobytes, so keeping them for every row
    // cost gigabytes at 50,000 rows; each pass makes them again, a chunk of rows at a time.
    let doc_keys = |e: &&Example| {
        let words = raw_words(&e.text, &segmenter, f.max_chars as usize);
        gram_keys(&filter_stop_words(&words, &e.text, &stop_words), f)
    };
    let mut df = DocFrequencies::default();
    for chunk in examples.chunks(FEATURE_CHUNK) {
        for keys in parallel_map(chunk, cfg.threads, doc_keys) {
            df.add(&keys);
        }
    }
    let vocab = df.into_vocab(f.min_df.max(1));
    let mut x = Csr::new();
    for chunk in examples.chunks(FEATURE_CHUNK) {
        for row in parallel_map(chunk, cfg.threads, |e| {
            vocab.vectorize(&doc_keys(e), f.sublinear_tf)
        }) {
            x.push(&row);
        }
    }
    x.idx.shrink_to_fit();
    x.val.shrink_to_fit();

    let classes = labels.len();
    let mut count = vec![0usize; classes];
    for &c in &y {
        count[c] += 1;
    }
    let costs = |c_value: f64| -> Vec<f64> {
        examples
            .iter()
            .zip(&y)
            .map(|(e, &c)| {
                let class = if cfg.balanced {
                    examples.len() as f64 / (classes as f64 * count[c] as f64)
                } else {
                    1.0
                };
                let raw = if e.is_raw() { cfg.raw_weight } else { 1.0 };
                c_value * class * raw
            })
            .collect()
    };

    let n_words = vocab.n_words;
    let n = vocab.len();
    let range = |b: Block| match b {
        Block::Words => (0, n_words),
        Block::Chars => (n_words, n),
        Block::Both => (0, n),
    };
    let untrained: Vec<Member> = cfg
        .members
        .iter()
        .map(|spec| {
            let (lo, hi) = range(spec.block);
            Member {
                block: spec.block,
                learner: spec.learner,
                lo,
                hi,
                weights: Vec::new(),
                bias: Vec::new(),
                temperature: 1.0,
                weight: 1.0,
                nb_scale: spec.nb_scale.unwrap_or(cfg.nb_scale),
            }
        })
        .collect();
    let raw: Vec<bool> = examples.iter().map(|e| e.is_raw()).collect();
    let c = if cfg.c_grid.len() >= 2 && cfg.calibration_folds >= 2 {
        choose_c(&untrained, &x, &y, &raw, classes, cfg, &costs)
    } else {
        cfg.c
    };
    let cost = costs(c);
    let all: Vec<usize> = (0..x.rows()).collect();
    let mut members: Vec<Member> = untrained
        .into_iter()
        .map(|m| {
            let (weights, bias) = train_member(&m, &x, &all, &y, &cost, classes, cfg);
            Member { weights, bias, ..m }
        })
        .collect();

    if cfg.calibration_folds >= 2 {
        calibrate(&mut members, &x, &y, &cost, classes, cfg);
    }

    Ok(Classifier {
        labels,
        features: cfg.features.clone(),
        stop_words,
        vocab,
        members,
        trained_on: examples.len(),
        c: Some(c),
        segmenter,
    })
}

/// Row folds for inner cross-validation, from the training seed.
fn inner_folds(rows: usize, k: usize, seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..rows).collect();
    Rng::new(seed ^ 0x5eed).shuffle(&mut order);
    let mut fold = vec![0usize; rows];
    for (j, &i) in order.iter().enumerate() {
        fold[i] = j % k;
    }
    fold
}

/// Out-of-fold scores of each member: oof[m][i] comes from the model that did not see row i.
fn out_of_fold(
    members: &[Member],
    x: &Csr,
    y: &[usize],
    cost: &[f64],
    classes: usize,
    cfg: &TrainConfig,
) -> Vec<Vec<Vec<f64>>> {
    let k = cfg.calibration_folds;
    let fold = inner_folds(x.rows(), k, cfg.seed);
    let mut oof: Vec<Vec<Vec<f64>>> = vec![vec![Vec::new(); x.rows()]; members.len()];
    for f in 0..k {
        let train_rows: Vec<usize> = (0..x.rows()).filter(|&i| fold[i] != f).collect();
        for (mi, m) in members.iter().enumerate() {
            let (weights, bias) = train_member(m, x, &train_rows, y, cost, classes, cfg);
            let probe = Member {
                weights,
                bias,
                ..m.clone()
            };
            for i in (0..x.rows()).filter(|&i| fold[i] == f) {
                let (idx, val) = x.slice(i, 0, usize::MAX);
                let row: Vec<(u32, f32)> = idx.iter().copied().zip(val.iter().copied()).collect();
                oof[mi][i] = probe.scores(&row, classes);
            }
        }
    }
    oof
}

/// Picks the cost from `cfg.c_grid` with the best out-of-fold accuracy of the equally weighted
/// members (temperature 1) on the training rows: on the raw rows when there are at least 100,
/// since raw text is what the model will meet, else on all rows. Ties go to the smaller cost.
fn choose_c(
    members: &[Member],
    x: &Csr,
    y: &[usize],
    raw: &[bool],
    classes: usize,
    cfg: &TrainConfig,
    costs: &dyn Fn(f64) -> Vec<f64>,
) -> f64 {
    let judged: Vec<usize> = if raw.iter().filter(|&&r| r).count() >= 100 {
        (0..y.len()).filter(|&i| raw[i]).collect()
    } else {
        (0..y.len()).collect()
    };
    let mut grid = cfg.c_grid.clone();
    grid.sort_by(f64::total_cmp);
    let mut best = (usize::MAX, cfg.c);
    let mut best_right = 0usize;
    for (gi, &c) in grid.iter().enumerate() {
        let oof = out_of_fold(members, x, y, &costs(c), classes, cfg);
        let right = judged
            .iter()
            .filter(|&&i| {
                let mut p = vec![0.0; classes];
                for m in &oof {
                    for (a, b) in p.iter_mut().zip(softmax(&m[i], 1.0)) {
                        *a += b;
                    }
                }
                argmax(&p) == y[i]
            })
            .count();
        if best.0 == usize::MAX || right > best_right {
            best = (gi, c);
            best_right = right;
        }
    }
    best.1
}

fn argmax(p: &[f64]) -> usize {
    p.iter()
        .enumerate()
        .fold(
            (0, f64::NEG_INFINITY),
            |b, (i, &v)| if v > b.1 { (i, v) } else { b },
        )
        .0
}

/// Fits each member's softmax temperature and the members' mixing weights on out-of-fold
/// scores: raw SVM margins are not probabilities, and the members differ in scale.
fn calibrate(
    members: &mut [Member],
    x: &Csr,
    y: &[usize],
    cost: &[f64],
    classes: usize,
    cfg: &TrainConfig,
) {
    let oof = out_of_fold(members, x, y, cost, classes, cfg);
    for (mi, m) in members.iter_mut().enumerate() {
        m.temperature = fit_temperature(&oof[mi], y);
    }
    // Mixing weights: a coarse grid over the simplex, by out-of-fold log loss.
    let probs: Vec<Vec<Vec<f64>>> = members
        .iter()
        .enumerate()
        .map(|(mi, m)| oof[mi].iter().map(|s| softmax(s, m.temperature)).collect())
        .collect();
    let steps = 10usize;
    let mut best = (f64::INFINITY, vec![1.0; members.len()]);
    let mut w = vec![0usize; members.len()];
    simplex(&mut w, 0, steps, &mut |w: &[usize]| {
        let loss: f64 = (0..y.len())
            .map(|i| {
                let p: f64 = w
                    .iter()
                    .enumerate()
                    .map(|(mi, &wm)| wm as f64 / steps as f64 * probs[mi][i][y[i]])
                    .sum();
                -(p.max(1e-12)).ln()
            })
            .sum();
        if loss < best.0 {
            best = (loss, w.iter().map(|&v| v as f64 / steps as f64).collect());
        }
    });
    for (m, w) in members.iter_mut().zip(best.1) {
        m.weight = w;
    }
}

/// Calls `f` with every way of splitting `left` steps among the remaining slots.
fn simplex(w: &mut [usize], at: usize, left: usize, f: &mut dyn FnMut(&[usize])) {
    if at + 1 == w.len() {
        w[at] = left;
        f(w);
        return;
    }
    for v in 0..=left {
        w[at] = v;
        simplex(w, at + 1, left - v, f);
    }
}

/// The temperature t minimising the log loss of softmax(t · scores); the loss is convex in t,
/// so a golden-section search on log t finds it.
fn fit_temperature(scores: &[Vec<f64>], y: &[usize]) -> f64 {
    let loss = |t: f64| -> f64 {
        scores
            .iter()
            .zip(y)
            .map(|(s, &c)| -softmax(s, t)[c].max(1e-300).ln())
            .sum()
    };
    let (mut a, mut b) = ((0.01f64).ln(), (100.0f64).ln());
    let g = (5f64.sqrt() - 1.0) / 2.0;
    for _ in 0..60 {
        let c = b - g * (b - a);
        let d = a + g * (b - a);
        if loss(c.exp()) < loss(d.exp()) {
            b = d;
        } else {
            a = c;
        }
    }
    ((a + b) / 2.0).exp()
}

fn train_member(
    m: &Member,
    x: &Csr,
    rows: &[usize],
    y: &[usize],
    cost: &[f64],
    classes: usize,
    cfg: &TrainConfig,
) -> (Vec<f32>, Vec<f32>) {
    match m.learner {
        Learner::Svm => train_ovr(x, rows, y, cost, classes, m.lo, m.hi, m.nb_scale, cfg),
        Learner::NaiveBayes => naive_bayes(x, rows, y, cost, classes, m.lo, m.hi),
    }
}

/// Multinomial naive Bayes on TF-IDF weights (Rennie et al. 2003), with row weights from
/// `cost` so class balancing applies here too.
#[allow(clippy::too_many_arguments)]
fn naive_bayes(
    x: &Csr,
    rows: &[usize],
    y: &[usize],
    cost: &[f64],
    classes: usize,
    lo: usize,
    hi: usize,
) -> (Vec<f32>, Vec<f32>) {
    const ALPHA: f64 = 0.1;
    let dim = hi - lo;
    let mut sums = vec![0f64; dim * classes];
    let mut prior = vec![0f64; classes];
    for &r in rows {
        let c = y[r];
        prior[c] += cost[r];
        let (idx, val) = x.slice(r, lo, hi);
        for (&f, &v) in idx.iter().zip(val) {
            sums[(f as usize - lo) * classes + c] += v as f64 * cost[r];
        }
    }
    let mut totals = vec![0f64; classes];
    for f in 0..dim {
        for c in 0..classes {
            totals[c] += sums[f * classes + c];
        }
    }
    let weights = sums
        .iter()
        .enumerate()
        .map(|(i, &s)| {
            let c = i % classes;
            ((s + ALPHA) / (totals[c] + ALPHA * dim as f64)).ln() as f32
        })
        .collect();
    let z: f64 = prior.iter().sum();
    let bias = prior
        .iter()
        .map(|&p| (p / z).max(1e-12).ln() as f32)
        .collect();
    (weights, bias)
}

/// One-vs-rest SVMs over features [lo, hi) on `rows`; returns feature-major weights and biases.
#[allow(clippy::too_many_arguments)]
fn train_ovr(
    x: &Csr,
    rows: &[usize],
    y: &[usize],
    cost: &[f64],
    classes: usize,
    lo: usize,
    hi: usize,
    nb_scale: bool,
    cfg: &TrainConfig,
) -> (Vec<f32>, Vec<f32>) {
    let slices: Vec<(&[u32], &[f32])> = rows.iter().map(|&r| x.slice(r, lo, hi)).collect();
    let costs: Vec<f64> = rows.iter().map(|&r| cost[r]).collect();
    let per_class: Vec<(Vec<f32>, f64)> =
        parallel_map(&(0..classes).collect::<Vec<_>>(), cfg.threads, |&c| {
            let signs: Vec<f64> = rows
                .iter()
                .map(|&r| if y[r] == c { 1.0 } else { -1.0 })
                .collect();
            let scale = if nb_scale {
                nb_ratios(&slices, &signs, lo, hi - lo)
            } else {
                vec![1.0; hi - lo]
            };
            let (w, b) = svm_dual_cd(
                &slices,
                &signs,
                &costs,
                &scale,
                lo,
                cfg.tolerance,
                cfg.max_epochs,
                cfg.seed.wrapping_add(c as u64),
            );
            // The SVM saw x·r; folding r into w lets prediction use x unscaled. Narrowed here,
            // not after every class is done, since the wide copies of all classes would
            // coexist.
            let w = w
                .iter()
                .zip(&scale)
                .map(|(wf, r)| (wf * r) as f32)
                .collect();
            (w, b)
        });
    let mut weights = vec![0f32; (hi - lo) * classes];
    let mut bias = vec![0f32; classes];
    for (c, (w, b)) in per_class.into_iter().enumerate() {
        for (f, v) in w.into_iter().enumerate() {
            weights[f * classes + c] = v;
        }
        bias[c] = b as f32;
    }
    (weights, bias)
}

/// Naive-Bayes log-count ratios of one class against the rest (Wang and Manning 2012, NBSVM):
/// scaling features by them before the SVM favours words that are typical of the class.
fn nb_ratios(rows: &[(&[u32], &[f32])], y: &[f64], offset: usize, dim: usize) -> Vec<f64> {
    let (mut p, mut q) = (vec![1.0f64; dim], vec![1.0f64; dim]);
    for ((idx, _), &s) in rows.iter().zip(y) {
        let target = if s > 0.0 { &mut p } else { &mut q };
        for &f in *idx {
            target[f as usize - offset] += 1.0;
        }
    }
    let (sp, sq): (f64, f64) = (p.iter().sum(), q.iter().sum());
    p.iter()
        .zip(&q)
        .map(|(a, b)| ((a / sp) / (b / sq)).ln().abs().max(0.1))
        .collect()
}

/// L2-regularised L2-loss linear SVM, dual coordinate descent with shrinking (Hsieh et al.
/// 2008, the LIBLINEAR solver behind scikit-learn's LinearSVC). The bias is a constant
/// feature of value 1, regularised like the others, as LIBLINEAR does.
#[allow(clippy::too_many_arguments)]
fn svm_dual_cd(
    rows: &[(&[u32], &[f32])],
    y: &[f64],
    cost: &[f64],
    scale: &[f64],
    offset: usize,
    eps: f64,
    max_epochs: usize,
    seed: u64,
) -> (Vec<f64>, f64) {
    let n = rows.len();
    let mut w = vec![0f64; scale.len()];
    let mut b = 0f64;
    let mut alpha = vec![0f64; n];
    let diag: Vec<f64> = cost.iter().map(|&c| 0.5 / c).collect();
    let qd: Vec<f64> = rows
        .iter()
        .zip(&diag)
        .map(|((idx, v), d)| {
            idx.iter()
                .zip(*v)
                .map(|(&f, &x)| (x as f64 * scale[f as usize - offset]).powi(2))
                .sum::<f64>()
                + 1.0
                + d
        })
        .collect();
    let mut active: Vec<usize> = (0..n).collect();
    let mut active_len = n;
    let mut rng = Rng::new(seed);
    let mut pg_max_old = f64::INFINITY;
    for _ in 0..max_epochs {
        let (mut pg_max, mut pg_min) = (f64::NEG_INFINITY, f64::INFINITY);
        rng.shuffle(&mut active[..active_len]);
        let mut s = 0;
        while s < active_len {
            let i = active[s];
            let (idx, val) = rows[i];
            let mut dot = b;
            for (&f, &v) in idx.iter().zip(val) {
                let f = f as usize - offset;
                dot += w[f] * v as f64 * scale[f];
            }
            let g = y[i] * dot - 1.0 + alpha[i] * diag[i];
            let mut pg = 0.0;
            if alpha[i] == 0.0 {
                if g > pg_max_old {
                    // Far from the margin and at the bound: leave it out until the final check.
                    active_len -= 1;
                    active.swap(s, active_len);
                    continue;
                } else if g < 0.0 {
                    pg = g;
                }
            } else {
                pg = g;
            }
            pg_max = pg_max.max(pg);
            pg_min = pg_min.min(pg);
            if pg.abs() > 1e-12 {
                let old = alpha[i];
                alpha[i] = (old - g / qd[i]).max(0.0);
                let d = (alpha[i] - old) * y[i];
                for (&f, &v) in idx.iter().zip(val) {
                    let f = f as usize - offset;
                    w[f] += d * v as f64 * scale[f];
                }
                b += d;
            }
            s += 1;
        }
        if pg_max - pg_min <= eps {
            if active_len == n {
                break;
            }
            // Converged on the active set: check everything once more before stopping.
            active_len = n;
            pg_max_old = f64::INFINITY;
            continue;
        }
        pg_max_old = if pg_max <= 0.0 { f64::INFINITY } else { pg_max };
    }
    (w, b)
}

/// Maps `f` over `items` on up to `threads` threads, keeping order.
fn parallel_map<T: Sync, U: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> U + Sync,
) -> Vec<U> {
    let threads = threads.clamp(1, items.len().max(1));
    if threads == 1 {
        return items.iter().map(&f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| {
                let f = &f;
                s.spawn(move || part.iter().map(f).collect::<Vec<U>>())
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| match h.join() {
                Ok(v) => v,
                Err(p) => std::panic::resume_unwind(p),
            })
            .collect()
    })
}

/// SplitMix64: a small, seedable generator so splits and training are reproducible without a
/// dependency.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9e37_79b9_7f4a_7c15)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn shuffle<T>(&mut self, xs: &mut [T]) {
        for i in (1..xs.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            xs.swap(i, j);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------------

/// Precision, recall and F1 of one label.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassScore {
    pub label: String,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub support: usize,
}

/// A confusion matrix over the union of the model's and the data's labels.
#[derive(Debug, Clone, Default)]
pub struct Evaluation {
    pub labels: Vec<String>,
    /// confusion[truth][predicted]
    pub confusion: Vec<Vec<usize>>,
}

impl Evaluation {
    pub fn new(labels: &[String]) -> Self {
        let mut e = Evaluation::default();
        for l in labels {
            e.label_index(l);
        }
        e
    }

    fn label_index(&mut self, l: &str) -> usize {
        if let Some(i) = self.labels.iter().position(|x| x == l) {
            return i;
        }
        self.labels.push(l.to_string());
        for row in &mut self.confusion {
            row.push(0);
        }
        self.confusion.push(vec![0; self.labels.len()]);
        self.labels.len() - 1
    }

    pub fn add(&mut self, truth: &str, predicted: &str) {
        let t = self.label_index(truth);
        let p = self.label_index(predicted);
        self.confusion[t][p] += 1;
    }

    pub fn n(&self) -> usize {
        self.confusion.iter().flatten().sum()
    }

    pub fn accuracy(&self) -> f64 {
        let right: usize = (0..self.labels.len()).map(|i| self.confusion[i][i]).sum();
        right as f64 / self.n().max(1) as f64
    }

    /// Per label, in label order; labels never seen nor predicted are left out.
    pub fn per_class(&self) -> Vec<ClassScore> {
        let k = self.labels.len();
        (0..k)
            .filter_map(|i| {
                let tp = self.confusion[i][i] as f64;
                let support: usize = self.confusion[i].iter().sum();
                let predicted: usize = (0..k).map(|t| self.confusion[t][i]).sum();
                if support == 0 && predicted == 0 {
                    return None;
                }
                let precision = if predicted == 0 {
                    0.0
                } else {
                    tp / predicted as f64
                };
                let recall = if support == 0 {
                    0.0
                } else {
                    tp / support as f64
                };
                let f1 = if precision + recall == 0.0 {
                    0.0
                } else {
                    2.0 * precision * recall / (precision + recall)
                };
                Some(ClassScore {
                    label: self.labels[i].clone(),
                    precision,
                    recall,
                    f1,
                    support,
                })
            })
            .collect()
    }

    /// Unweighted mean F1 over the labels in [`Evaluation::per_class`].
    pub fn macro_f1(&self) -> f64 {
        let pc = self.per_class();
        pc.iter().map(|c| c.f1).sum::<f64>() / pc.len().max(1) as f64
    }
}

/// Classifies every example and tallies the results.
pub fn evaluate(model: &Classifier, examples: &[&Example]) -> Evaluation {
    let mut e = Evaluation::new(model.labels());
    let predicted = parallel_map(examples, 2, |ex| {
        model
            .predict_text(&ex.text)
            .first()
            .map(|p| p.0.clone())
            .unwrap_or_default()
    });
    for (ex, p) in examples.iter().zip(predicted) {
        e.add(&ex.label, &p);
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claimed_lengths_do_not_allocate_before_the_bytes_arrive() {
        // Found by fuzzing: a model header claiming 4e9 features aborted on a 32 GB allocation.
        let short = [1u8, 2, 3];
        assert!(read_exact_growing(&mut &short[..], 4_000_000_000, 8).is_err());
        assert!(read_exact_growing(&mut &short[..], usize::MAX, 8).is_err());
        assert_eq!(
            read_exact_growing(&mut &short[..], 1, 2).unwrap(),
            vec![1, 2]
        );
    }

    /// A tiny deterministic generator so the synthetic corpus is the same on every run.
    struct Lcg(u64);
    impl Lcg {
        fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            xs[(self.0 >> 33) as usize % xs.len()]
        }
    }

    const ESTATES_TRAIN: &[&str] = &["翠湖苑", "金桂园", "锦绣华庭", "望江花园", "松林小区"];
    const ESTATES_HELD: &[&str] = &["阳光新城", "柳岸人家", "石桥新村"];
    const CLOSINGS: &[&str] = &[
        "请有关部门尽快处理。",
        "恳请领导重视，谢谢！",
        "希望早日解决。",
    ];

    /// Clauses per topic; a message is a random combination, so held-out messages are new
    /// combinations at estates the training data never mentions.
    fn clauses(label: &str) -> &'static [&'static str] {
        match label {
            "城乡建设" => &[
                "小区电梯长期故障，物业不予维修",
                "楼顶渗水多次报修未果",
                "道路井盖缺失存在安全隐患",
                "违章搭建占用消防通道",
                "小区路灯损坏一直没人修",
                "开发商逾期交房，房产证迟迟办不下来",
            ],
            "劳动和社会保障" => &[
                "工地拖欠农民工工资三个月",
                "单位未依法缴纳社会保险",
                "退休待遇核定有误，养老金偏低",
                "工伤认定迟迟没有结果",
                "公司辞退员工不给经济补偿",
                "失业保险金申领被拒",
            ],
            "教育文体" => &[
                "学校违规收取补课费用",
                "适龄儿童入学难，无法就近入学",
                "老师在校外有偿家教",
                "体育馆长期不对外开放",
                "幼儿园收费过高",
                "学生课业负担过重，作业太多",
            ],
            "环境保护" => &[
                "工厂夜间偷排废气，气味刺鼻",
                "河道被倾倒工业废水，鱼虾死亡",
                "搅拌站粉尘污染严重",
                "养猪场污水直排农田",
                "化工厂噪音扰民，彻夜轰鸣",
                "垃圾焚烧厂冒黑烟",
            ],
            _ => &[],
        }
    }

    const LABELS: &[&str] = &["城乡建设", "劳动和社会保障", "教育文体", "环境保护"];

    fn message(rng: &mut Lcg, label: &str, estates: &[&str]) -> (String, String) {
        let cl = clauses(label);
        let estate = rng.pick(estates);
        let (a, b) = (rng.pick(cl), rng.pick(cl));
        let title = format!("{estate}{a}");
        let body = format!("我是{estate}的居民，{a}，另外{b}。{}", rng.pick(CLOSINGS));
        (title, body)
    }

    fn corpus(seed: u64, per_label: usize, estates: &[&str], tokens_every: usize) -> Vec<Example> {
        let mut rng = Lcg(seed);
        let seg = Segmenter::new();
        let mut out = Vec::new();
        for label in LABELS {
            for i in 0..per_label {
                let (title, body) = message(&mut rng, label, estates);
                let text = if tokens_every > 0 && i % tokens_every == 0 {
                    // Like the TipDM token rows: segmented, with a few function words removed.
                    let s = format!("{title} {body}");
                    Text::Tokens(
                        seg.cut(&s)
                            .into_iter()
                            .filter(|w| !matches!(*w, "的" | "是" | "我" | "另外"))
                            .map(String::from)
                            .collect(),
                    )
                } else {
                    Text::Raw { title, body }
                };
                out.push(Example {
                    id: format!("{label}-{i}"),
                    label: label.to_string(),
                    time: String::new(),
                    text,
                    line: 0,
                });
            }
        }
        out
    }

    fn small_config() -> TrainConfig {
        TrainConfig {
            calibration_folds: 3,
            ..TrainConfig::default()
        }
    }

    /// Features are made a chunk of rows at a time on several threads: neither the chunk
    /// boundaries nor the threads may change the model, byte for byte. 1,200 rows cross a
    /// chunk boundary; the token rows let the stop-word alignment run too.
    #[test]
    fn chunks_and_threads_do_not_change_the_model() {
        let rows = corpus(11, 300, ESTATES_TRAIN, 2);
        assert!(rows.len() > FEATURE_CHUNK);
        let refs: Vec<&Example> = rows.iter().collect();
        let mut cfg = small_config();
        cfg.features.learn_stop_words = true;
        let bytes = |threads: usize| {
            let m = Classifier::train(
                &refs,
                &TrainConfig {
                    threads,
                    ..cfg.clone()
                },
            )
            .expect("train");
            let mut out = Vec::new();
            m.write_to(&mut out).expect("serialise");
            (out, m.stop_words().len())
        };
        let (one, stop_words) = bytes(1);
        let (three, _) = bytes(3);
        assert!(stop_words > 0, "the removed function words are learnt");
        assert!(one == three, "one thread and three give different models");
    }

    #[test]
    fn learns_synthetic_topics_and_predicts_new_messages() {
        let train = corpus(7, 30, ESTATES_TRAIN, 2);
        let refs: Vec<&Example> = train.iter().collect();
        let model = Classifier::train(&refs, &small_config()).unwrap();
        assert_eq!(model.labels().len(), 4);
        assert_eq!(model.trained_on(), 120);

        let held = corpus(99, 8, ESTATES_HELD, 0);
        let held_refs: Vec<&Example> = held.iter().collect();
        let e = evaluate(&model, &held_refs);
        assert_eq!(e.n(), 32);
        assert!(
            e.accuracy() >= 0.95,
            "accuracy {} {:?}",
            e.accuracy(),
            e.confusion
        );

        let ranked = model.rank("石桥新村旁边的化工厂每天晚上偷排废气，熏得人头疼");
        assert_eq!(ranked[0].0, "环境保护", "{ranked:?}");
        assert_eq!(ranked.len(), 4);
        assert!(
            ranked.windows(2).all(|w| w[0].1 >= w[1].1),
            "sorted: {ranked:?}"
        );
        let total: f64 = ranked.iter().map(|r| r.1).sum();
        assert!((total - 1.0).abs() < 1e-9, "{total}");

        let s = model
            .suggest("孩子上学难", "适龄儿童入学难，学校说学位已满，无法就近入学")
            .unwrap();
        assert_eq!(s.label, "教育文体");
        assert!(s.confidence > 0.25 && s.confidence <= 1.0, "{s:?}");
    }

    #[test]
    fn baseline_configuration_trains_too() {
        let train = corpus(3, 20, ESTATES_TRAIN, 0);
        let refs: Vec<&Example> = train.iter().collect();
        let model = Classifier::train(&refs, &TrainConfig::baseline()).unwrap();
        let ranked = model.rank("工地老板拖欠农民工工资三个月不发");
        assert_eq!(ranked[0].0, "劳动和社会保障", "{ranked:?}");
    }

    #[test]
    fn save_and_load_give_identical_predictions() {
        let train = corpus(11, 15, ESTATES_TRAIN, 3);
        let refs: Vec<&Example> = train.iter().collect();
        // Several members of both learners, so every part of the format is exercised.
        let cfg = TrainConfig {
            members: vec![
                MemberSpec::svm(Block::Both),
                MemberSpec::naive_bayes(Block::Words),
                MemberSpec::svm(Block::Chars),
            ],
            features: FeatureConfig {
                learn_stop_words: true,
                ..small_config().features
            },
            ..small_config()
        };
        let model = Classifier::train(&refs, &cfg).unwrap();
        assert_eq!(model.members.len(), 3);
        assert_eq!(model.rank("河道被倾倒工业废水")[0].0, "环境保护");
        let mut bytes = Vec::new();
        model.write_to(&mut bytes).unwrap();
        let loaded = Classifier::read_from(&mut bytes.as_slice()).unwrap();
        assert_eq!(loaded.labels(), model.labels());
        assert_eq!(loaded.stop_words(), model.stop_words());
        for (title, body) in corpus(5, 3, ESTATES_HELD, 0)
            .iter()
            .filter_map(|e| match &e.text {
                Text::Raw { title, body } => Some((title.clone(), body.clone())),
                Text::Tokens(_) => None,
            })
        {
            let text = format!("{title}{body}");
            assert_eq!(model.rank(&text), loaded.rank(&text));
        }

        // Through a file as well, and damaged files are refused with a message, not a panic.
        let dir = temp_dir("model");
        let path = dir.join("topic.model");
        model.save(&path).unwrap();
        let from_file = Classifier::load(&path).unwrap();
        assert_eq!(from_file.rank("电梯坏了"), model.rank("电梯坏了"));
        let truncated = &bytes[..bytes.len() - 3];
        assert!(matches!(
            Classifier::read_from(&mut &truncated[..]),
            Err(ClassifyError::Model(_))
        ));
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(Classifier::read_from(&mut longer.as_slice()).is_err());
        assert!(Classifier::read_from(&mut &b"not a model at all"[..]).is_err());
        std::fs::remove_dir_all(dir).ok();
    }

    fn temp_dir(name: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!(
            "minsheng-text-{}-{name}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn reads_both_row_forms_from_a_file() {
        let dir = temp_dir("csv");
        let path = dir.join("train.csv");
        std::fs::write(
            &path,
            "id,label,time,title,body,tokens,form\n\
             1,城乡建设,2024-03-01 09:00:00,翠湖苑电梯坏了,\"电梯停运两个月，\n老人上下楼困难。\",,raw\n\
             ,教育文体,,,,学校 违规 收取 补课费 　 家长 负担,tokens\n\
             3,环境保护,2024-03-02 10:00:00,,河道发黑发臭,,raw\n",
        )
        .unwrap();
        let rows = load_labelled_csv(&path).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].id, "1");
        assert_eq!(
            rows[0].text,
            Text::Raw {
                title: "翠湖苑电梯坏了".into(),
                body: "电梯停运两个月，\n老人上下楼困难。".into()
            }
        );
        assert_eq!(rows[0].line, 2);
        // The quoted body spans two lines, so the token row starts on line 4.
        assert_eq!(rows[1].line, 4);
        assert_eq!(
            rows[1].text,
            Text::Tokens(
                ["学校", "违规", "收取", "补课费", "家长", "负担"]
                    .map(String::from)
                    .to_vec()
            )
        );
        assert!(rows[2].is_raw());

        // The evaluation format has no form column: every row is raw.
        let eval = dir.join("eval.csv");
        std::fs::write(
            &eval,
            "id,label,time,title,body\n9,交通运输,,公交站牌缺失,站牌被撞倒\n",
        )
        .unwrap();
        let rows = load_labelled_csv(&eval).unwrap();
        assert_eq!(rows[0].label, "交通运输");
        assert!(rows[0].is_raw());
        std::fs::remove_dir_all(dir).ok();
    }

    fn parse_err(csv: &str) -> String {
        match read_labelled_csv(csv.as_bytes()) {
            Err(e) => e.to_string(),
            Ok(rows) => panic!("parsed {rows:?}"),
        }
    }

    #[test]
    fn malformed_rows_name_their_line() {
        let head = "id,label,time,title,body,tokens,form\n";
        let ok = "1,城乡建设,,电梯,电梯坏了,,raw\n";
        let e = parse_err(&format!("{head}{ok}2,城乡建设,,a,b,,scanned\n"));
        assert!(e.contains("line 3") && e.contains("scanned"), "{e}");
        let e = parse_err(&format!("{head}{ok}{ok}3,,,a,b,,raw\n"));
        assert!(e.contains("line 4") && e.contains("empty label"), "{e}");
        let e = parse_err(&format!("{head}4,城乡建设,,a,b\n"));
        assert!(e.contains("line 2"), "{e}");
        let e = parse_err(&format!("{head}5,城乡建设,,,,,tokens\n"));
        assert!(e.contains("line 2") && e.contains("no tokens"), "{e}");
        let e = parse_err(&format!("{head}6,城乡建设,,,,,raw\n"));
        assert!(
            e.contains("line 2") && e.contains("empty title and body"),
            "{e}"
        );
        let e = parse_err("id,title,body\n1,a,b\n");
        assert!(e.contains("label"), "{e}");
        let e = parse_err("id,label,time,tokens\n1,城乡建设,,a b\n");
        assert!(e.contains("form"), "{e}");
    }

    #[test]
    fn held_out_rows_are_raw_reproducible_and_written_in_eval_format() {
        let rows = corpus(21, 20, ESTATES_TRAIN, 2);
        let a = split(&rows, Holdout::Fraction(0.2), 1);
        let b = split(&rows, Holdout::Fraction(0.2), 1);
        let c = split(&rows, Holdout::Fraction(0.2), 2);
        assert_eq!(a.heldout, b.heldout);
        assert_ne!(a.heldout, c.heldout);
        // 10 raw rows per label, 20% of each.
        assert_eq!(a.heldout.len(), 8);
        assert!(a.heldout.iter().all(|&i| rows[i].is_raw()));
        assert_eq!(a.train.len() + a.heldout.len(), rows.len());

        // Folds partition the raw rows.
        let mut seen = Vec::new();
        for index in 0..5 {
            seen.extend(split(&rows, Holdout::Fold { folds: 5, index }, 3).heldout);
        }
        seen.sort();
        let raw: Vec<usize> = (0..rows.len()).filter(|&i| rows[i].is_raw()).collect();
        assert_eq!(seen, raw);

        let held: Vec<&Example> = a.heldout.iter().map(|&i| &rows[i]).collect();
        let mut out = Vec::new();
        assert_eq!(write_eval_csv(&mut out, &held).unwrap(), 8);
        let text = String::from_utf8(out.clone()).unwrap();
        assert!(text.starts_with("id,label,time,title,body\n"), "{text}");
        let back = read_labelled_csv(out.as_slice()).unwrap();
        assert_eq!(back.len(), 8);
        for (x, y) in back.iter().zip(&held) {
            assert_eq!((&x.id, &x.label, &x.text), (&y.id, &y.label, &y.text));
        }
    }

    #[test]
    fn repeats_of_held_out_messages_leave_the_training_set() {
        let raw = |id: &str, body: &str| Example {
            id: id.into(),
            label: "城乡建设".into(),
            time: String::new(),
            text: Text::Raw {
                title: String::new(),
                body: body.into(),
            },
            line: 0,
        };
        let msg = "翠湖苑小区电梯长期故障，物业公司一直不予维修，老人上下楼非常困难，请求督促修复";
        let rows = vec![
            raw("held", msg),
            Example {
                id: "twin".into(),
                text: Text::Tokens(
                    Segmenter::new()
                        .cut(msg)
                        .into_iter()
                        .filter(|w| *w != "一直")
                        .map(String::from)
                        .collect(),
                ),
                ..raw("", "")
            },
            raw(
                "other",
                "学校违规收取补课费用，家长负担很重，请求教育局查处并退还费用",
            ),
        ];
        let mut s = Split {
            train: vec![1, 2],
            heldout: vec![0],
            dropped: vec![],
        };
        drop_near_duplicates(&rows, &mut s, 0.6);
        assert_eq!(s.dropped, vec![1]);
        assert_eq!(s.train, vec![2]);
    }

    #[test]
    fn evaluation_counts_precision_recall_and_macro_f1() {
        let mut e = Evaluation::new(&["a".to_string(), "b".to_string(), "unused".to_string()]);
        for (t, p) in [("a", "a"), ("a", "a"), ("a", "b"), ("b", "b"), ("c", "a")] {
            e.add(t, p);
        }
        assert_eq!(e.n(), 5);
        assert!((e.accuracy() - 0.6).abs() < 1e-12);
        let pc = e.per_class();
        // "unused" is neither true nor predicted anywhere and does not dilute the macro mean.
        assert_eq!(
            pc.iter().map(|c| c.label.as_str()).collect::<Vec<_>>(),
            ["a", "b", "c"]
        );
        let a = &pc[0];
        assert!((a.precision - 2.0 / 3.0).abs() < 1e-12 && (a.recall - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(pc[2].f1, 0.0);
        let expect = (2.0 / 3.0 + 2.0 / 3.0 + 0.0) / 3.0;
        assert!((e.macro_f1() - expect).abs() < 1e-12, "{}", e.macro_f1());
    }

    #[test]
    fn only_the_first_max_chars_are_read() {
        let seg = Segmenter::new();
        let long = Text::Raw {
            title: "电梯故障".into(),
            body: "物业不修".repeat(10_000),
        };
        let words = raw_words(&long, &seg, 100);
        let chars: usize = words.iter().map(|w| w.chars().count()).sum();
        assert!(chars <= 100 && chars > 80, "{chars}");
        assert_eq!(words[0], "电梯");
        let tokens = Text::Tokens(vec!["电梯".into(), "故障".into(), "物业".into()]);
        assert_eq!(raw_words(&tokens, &seg, 4), ["电梯", "故障"]);
        assert_eq!(raw_words(&tokens, &seg, 0).len(), 3);
    }

    #[test]
    fn trains_from_in_memory_rows_and_predicts_title_and_body() {
        let mut rng = Lcg(17);
        let rows: Vec<(String, String, String)> = LABELS
            .iter()
            .flat_map(|l| std::iter::repeat_n(*l, 12))
            .map(|l| {
                let (t, b) = message(&mut rng, l, ESTATES_TRAIN);
                (l.to_string(), t, b)
            })
            .collect();
        // A cost grid makes training choose C by inner cross-validation; the choice is one of
        // the candidates and recorded in the model.
        let cfg = TrainConfig {
            c_grid: vec![0.3, 1.0, 3.0],
            ..small_config()
        };
        let model = Classifier::train_rows(&rows, &cfg).unwrap();
        assert!(matches!(model.cost(), Some(c) if [0.3, 1.0, 3.0].contains(&c)));
        let mut right = 0;
        for label in LABELS {
            for _ in 0..5 {
                let (title, body) = message(&mut rng, label, ESTATES_HELD);
                let (predicted, confidence) = model.predict(&title, &body);
                assert!(confidence > 0.0 && confidence <= 1.0, "{confidence}");
                right += usize::from(predicted == *label);
            }
        }
        assert!(right >= 18, "{right} of 20 right");
        // The body alone or the title alone is enough for a clear message.
        assert_eq!(
            model.predict("", "工地拖欠农民工工资三个月").0,
            "劳动和社会保障"
        );
        assert_eq!(model.predict("河道被倾倒工业废水", "").0, "环境保护");
    }

    #[test]
    fn an_ensemble_may_mix_nbsvm_with_a_plain_svm() {
        let train = corpus(5, 20, ESTATES_TRAIN, 2);
        let refs: Vec<&Example> = train.iter().collect();
        let plain = MemberSpec {
            nb_scale: Some(false),
            ..MemberSpec::svm(Block::Both)
        };
        let cfg = TrainConfig {
            members: vec![MemberSpec::svm(Block::Both), plain],
            ..small_config()
        };
        let model = Classifier::train(&refs, &cfg).unwrap();
        let held = corpus(31, 6, ESTATES_HELD, 0);
        let e = evaluate(&model, &held.iter().collect::<Vec<_>>());
        assert!(e.accuracy() >= 0.9, "{} {:?}", e.accuracy(), e.confusion);
    }

    #[test]
    fn training_needs_two_labels() {
        let rows = corpus(1, 5, ESTATES_TRAIN, 0);
        let one: Vec<&Example> = rows.iter().filter(|e| e.label == "教育文体").collect();
        assert!(matches!(
            Classifier::train(&one, &small_config()),
            Err(ClassifyError::Training(_))
        ));
        assert!(Classifier::train(&[], &small_config()).is_err());
    }
}
