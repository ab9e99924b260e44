//! Risk signals (风险预警): a lexicon of early-warning phrases with a category and a level, and a
//! matcher that flags a text with the phrases it contains, their positions as evidence, and the
//! negation, condition and co-occurrence rules that decide whether a phrase counts.
//!
//! The phrases are data (`data/risk-lexicon.toml`, documented in its header), so that an operator
//! can ship a regional list without a new build; this file only knows the rules. Levels follow
//! the four-level ladder of reference/rules.md §6.2 (1 = most severe).

use aho_corasick::{AhoCorasick, MatchKind};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;
use std::sync::LazyLock;

/// The lexicon shipped with minsheng.
pub const SHIPPED_LEXICON: &str = include_str!("../data/risk-lexicon.toml");

/// Negation stops at a clause boundary: in "没有钱，只能去跳楼" the 没有 belongs to the money.
const CLAUSE_BREAKS: &[char] = &[
    '，', ',', '。', '.', '！', '!', '？', '?', '；', ';', '：', ':', '、', '\n', '\r', '…',
];
/// Co-occurrence looks across commas ("带着汽油，说要点火") but not across sentences.
const SENTENCE_BREAKS: &[char] = &['。', '！', '!', '？', '?', '；', ';', '\n', '\r'];
/// A conditional marker this close before a negator makes the negator part of a condition
/// ("再不…", "就不…").
const CONDITION_BEFORE_NEGATOR: usize = 2;
/// Long windows would let a word from another thought count as context.
const MAX_WINDOW: usize = 100;
const MAX_NEGATION_WINDOW: usize = 20;

/// Why a lexicon file was refused, in Chinese and English.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("risk lexicon: {en}")]
pub struct LexiconError {
    pub zh: String,
    pub en: String,
}

impl LexiconError {
    fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        LexiconError {
            zh: zh.into(),
            en: en.into(),
        }
    }
}

/// A category of risk (自伤自杀, 聚集串联 …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Category {
    pub id: String,
    pub zh: String,
    pub en: String,
    /// Display group, e.g. "extreme" for self-harm, threats and dangerous items.
    pub group: Option<String>,
    /// Level a negated phrase of this category keeps; `None` drops negated phrases.
    pub negated_level: Option<u8>,
}

/// One phrase found in a text. Offsets point into the text that was assessed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Flag {
    /// Category id (see [`Lexicon::category`]).
    pub category: String,
    /// 1 (most severe) to 4, after boosts and negation.
    pub level: u8,
    /// The matched text, as written.
    pub phrase: String,
    /// Byte range in the text.
    pub start: usize,
    pub end: usize,
    /// Character range in the text, for clients that count characters.
    pub char_start: usize,
    pub char_end: usize,
    /// The negator that applies to the phrase, if any.
    pub negated_by: Option<String>,
    /// A conditional marker (就, 否则, 如果 …) precedes the phrase in the same sentence: a
    /// conditional threat is still a threat.
    pub conditional: bool,
    /// The nearby word that raised the level or that the phrase required.
    pub context: Option<String>,
}

/// The result of assessing a text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Assessment {
    /// Flags that count, in text order.
    pub flags: Vec<Flag>,
    /// Phrases that matched but were negated away ("没有聚集"), kept so a reviewer can see why
    /// nothing was flagged.
    pub suppressed: Vec<Flag>,
}

impl Assessment {
    /// The most severe level among the flags, if any.
    pub fn level(&self) -> Option<u8> {
        self.flags.iter().map(|f| f.level).min()
    }

    pub fn is_empty(&self) -> bool {
        self.flags.is_empty()
    }

    /// Distinct category ids among the flags, most severe first.
    pub fn categories(&self) -> Vec<&str> {
        let mut best: Vec<(&str, u8)> = Vec::new();
        for f in &self.flags {
            match best.iter_mut().find(|(c, _)| *c == f.category) {
                Some((_, l)) => *l = (*l).min(f.level),
                None => best.push((&f.category, f.level)),
            }
        }
        best.sort_by_key(|&(_, l)| l);
        best.into_iter().map(|(c, _)| c).collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cue {
    Negator,
    NotNegator,
    Conditional,
    Subject,
}

#[derive(Debug, Clone)]
struct Context {
    words: Vec<u32>,
    within: usize,
    level: u8,
}

#[derive(Debug, Clone)]
struct Pattern {
    category: usize,
    level: u8,
    boost: Option<Context>,
    requires: Option<Context>,
}

/// A validated, compiled lexicon. Build once and share: matching takes `&self`.
#[derive(Debug, Clone)]
pub struct Lexicon {
    categories: Vec<Category>,
    patterns: Vec<Pattern>,
    /// Risk phrases (ids below `patterns.len()`) followed by ignore phrases.
    risk: AhoCorasick,
    cues: AhoCorasick,
    cue_kinds: Vec<Cue>,
    /// Context words, searched with overlaps so a word inside another still counts.
    context: AhoCorasick,
    negation_window: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileToml {
    version: u32,
    rules: RulesToml,
    #[serde(default)]
    category: Vec<CategoryToml>,
    #[serde(default)]
    entry: Vec<EntryToml>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesToml {
    negation_window: usize,
    negators: Vec<String>,
    #[serde(default)]
    not_negators: Vec<String>,
    #[serde(default)]
    conditionals: Vec<String>,
    #[serde(default)]
    subjects: Vec<String>,
    #[serde(default)]
    ignore: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CategoryToml {
    id: String,
    zh: String,
    en: String,
    group: Option<String>,
    negated_level: Option<u8>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryToml {
    category: String,
    level: u8,
    phrases: Vec<String>,
    boost: Option<ContextToml>,
    requires: Option<ContextToml>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ContextToml {
    with: Vec<String>,
    within: usize,
    level: Option<u8>,
}

static BUILTIN: LazyLock<Lexicon> = LazyLock::new(|| {
    // The shipped file is a compile-time constant that a unit test parses, so this cannot fail
    // in a released build.
    Lexicon::shipped().expect("the shipped risk lexicon is valid")
});

fn check_level(level: u8, what: &str) -> Result<(), LexiconError> {
    if (1..=4).contains(&level) {
        Ok(())
    } else {
        Err(LexiconError::new(
            format!("{what} 的级别 {level} 无效，应为 1（最严重）到 4"),
            format!("{what}: level {level} is not between 1 (most severe) and 4"),
        ))
    }
}

fn check_word(word: &str, what: &str) -> Result<(), LexiconError> {
    if word.trim().is_empty() || word.trim() != word {
        return Err(LexiconError::new(
            format!("{what} 含有空词或首尾空白：{word:?}"),
            format!("{what} has an empty word or one with surrounding whitespace: {word:?}"),
        ));
    }
    if word.chars().any(|c| CLAUSE_BREAKS.contains(&c)) {
        return Err(LexiconError::new(
            format!("{what} 的词“{word}”含有标点，永远无法在一个分句内匹配"),
            format!("{what}: {word:?} contains punctuation and can never match within a clause"),
        ));
    }
    Ok(())
}

/// ASCII case is ignored when matching (P2P, p2p), so duplicates are found the same way.
fn fold(word: &str) -> String {
    word.to_ascii_lowercase()
}

fn build(kind: MatchKind, words: &[String], what: &str) -> Result<AhoCorasick, LexiconError> {
    AhoCorasick::builder()
        .match_kind(kind)
        .ascii_case_insensitive(true)
        .build(words)
        .map_err(|e| {
            LexiconError::new(
                format!("{what} 无法编译：{e}"),
                format!("{what} cannot be compiled: {e}"),
            )
        })
}

impl Lexicon {
    /// The shipped lexicon, parsed once per process.
    pub fn builtin() -> &'static Lexicon {
        &BUILTIN
    }

    /// Parses the shipped lexicon afresh.
    pub fn shipped() -> Result<Lexicon, LexiconError> {
        Lexicon::from_toml(SHIPPED_LEXICON)
    }

    /// Reads and validates an operator's lexicon file.
    pub fn from_path(path: &Path) -> Result<Lexicon, LexiconError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            LexiconError::new(
                format!("无法读取风险词库 {}：{e}", path.display()),
                format!("cannot read {}: {e}", path.display()),
            )
        })?;
        Lexicon::from_toml(&text)
    }

    /// Parses and validates a lexicon, refusing anything that would match ambiguously or never.
    pub fn from_toml(text: &str) -> Result<Lexicon, LexiconError> {
        let file: FileToml = toml::from_str(text).map_err(|e| {
            LexiconError::new(
                format!("风险词库格式错误：{}", e.message()),
                format!("malformed lexicon: {}", e.message()),
            )
        })?;
        if file.version != 1 {
            return Err(LexiconError::new(
                format!("不支持的词库版本 {}（支持 1）", file.version),
                format!(
                    "unsupported lexicon version {} (1 is supported)",
                    file.version
                ),
            ));
        }
        let rules = file.rules;
        if rules.negation_window > MAX_NEGATION_WINDOW {
            return Err(LexiconError::new(
                format!(
                    "否定词距离 {} 过大（最多 {MAX_NEGATION_WINDOW}）",
                    rules.negation_window
                ),
                format!(
                    "negation_window {} is too large (at most {MAX_NEGATION_WINDOW})",
                    rules.negation_window
                ),
            ));
        }
        if rules.negators.is_empty() {
            return Err(LexiconError::new("否定词表为空", "rules.negators is empty"));
        }

        let mut categories = Vec::new();
        let mut category_index = HashMap::new();
        for c in file.category {
            let valid_id = c.id.starts_with(|ch: char| ch.is_ascii_lowercase())
                && c.id
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_');
            if !valid_id {
                return Err(LexiconError::new(
                    format!("类别标识“{}”无效，应为小写字母、数字和下划线", c.id),
                    format!(
                        "category id {:?} must be lowercase letters, digits and _",
                        c.id
                    ),
                ));
            }
            if c.zh.trim().is_empty() || c.en.trim().is_empty() {
                return Err(LexiconError::new(
                    format!("类别 {} 缺少中文或英文名称", c.id),
                    format!("category {} needs a Chinese and an English name", c.id),
                ));
            }
            if let Some(l) = c.negated_level {
                check_level(l, &format!("category {}", c.id))?;
            }
            if category_index
                .insert(c.id.clone(), categories.len())
                .is_some()
            {
                return Err(LexiconError::new(
                    format!("类别 {} 重复定义", c.id),
                    format!("category {} is defined twice", c.id),
                ));
            }
            categories.push(Category {
                id: c.id,
                zh: c.zh,
                en: c.en,
                group: c.group,
                negated_level: c.negated_level,
            });
        }

        let mut context_words: Vec<String> = Vec::new();
        let mut context_index: HashMap<String, u32> = HashMap::new();
        let mut context = |ctx: ContextToml,
                           entry_level: u8,
                           boost: bool,
                           what: &str|
         -> Result<Context, LexiconError> {
            if ctx.with.is_empty() {
                return Err(LexiconError::new(
                    format!("{what} 的共现词表为空"),
                    format!("{what}: `with` is empty"),
                ));
            }
            if ctx.within == 0 || ctx.within > MAX_WINDOW {
                return Err(LexiconError::new(
                    format!("{what} 的距离 {} 应在 1 到 {MAX_WINDOW} 之间", ctx.within),
                    format!("{what}: within {} must be 1 to {MAX_WINDOW}", ctx.within),
                ));
            }
            let level = match (boost, ctx.level) {
                (true, Some(l)) => {
                    check_level(l, what)?;
                    if l >= entry_level {
                        return Err(LexiconError::new(
                            format!(
                                "{what} 的提升级别 {l} 应比原级别 {entry_level} 更严重（数字更小）"
                            ),
                            format!(
                                "{what}: boost level {l} must be more severe (smaller) than {entry_level}"
                            ),
                        ));
                    }
                    l
                }
                (true, None) => {
                    return Err(LexiconError::new(
                        format!("{what} 的 boost 缺少 level"),
                        format!("{what}: boost needs a level"),
                    ));
                }
                (false, Some(_)) => {
                    return Err(LexiconError::new(
                        format!("{what} 的 requires 不能设置 level（请用 boost）"),
                        format!("{what}: requires takes no level (use boost)"),
                    ));
                }
                (false, None) => entry_level,
            };
            let mut words = Vec::new();
            for w in ctx.with {
                check_word(&w, what)?;
                let key = fold(&w);
                let id = match context_index.get(&key) {
                    Some(&id) => id,
                    None => {
                        let id = context_words.len() as u32;
                        context_index.insert(key, id);
                        context_words.push(w);
                        id
                    }
                };
                words.push(id);
            }
            words.sort_unstable();
            words.dedup();
            Ok(Context {
                words,
                within: ctx.within,
                level,
            })
        };

        let mut phrases: Vec<String> = Vec::new();
        let mut patterns: Vec<Pattern> = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut used = vec![false; categories.len()];
        for e in file.entry {
            let Some(&category) = category_index.get(&e.category) else {
                return Err(LexiconError::new(
                    format!("词条引用了未定义的类别 {}", e.category),
                    format!("an entry names the undefined category {}", e.category),
                ));
            };
            let what = format!("entry ({}, level {})", e.category, e.level);
            check_level(e.level, &what)?;
            if e.phrases.is_empty() {
                return Err(LexiconError::new(
                    format!("{what} 没有词语"),
                    format!("{what} has no phrases"),
                ));
            }
            let boost = e
                .boost
                .map(|b| context(b, e.level, true, &what))
                .transpose()?;
            let requires = e
                .requires
                .map(|r| context(r, e.level, false, &what))
                .transpose()?;
            used[category] = true;
            for p in e.phrases {
                check_word(&p, &what)?;
                if let Some(&other) = seen.get(&fold(&p)) {
                    let other = &categories[patterns[other].category].id;
                    return Err(LexiconError::new(
                        format!("词语“{p}”重复出现（{other} 与 {}）", e.category),
                        format!("phrase {p:?} is listed twice ({other} and {})", e.category),
                    ));
                }
                seen.insert(fold(&p), patterns.len());
                phrases.push(p);
                patterns.push(Pattern {
                    category,
                    level: e.level,
                    boost: boost.clone(),
                    requires: requires.clone(),
                });
            }
        }
        if let Some(i) = used.iter().position(|u| !u) {
            return Err(LexiconError::new(
                format!("类别 {} 没有任何词条", categories[i].id),
                format!("category {} has no entries", categories[i].id),
            ));
        }

        let risk_folded: Vec<String> = phrases.iter().map(|p| fold(p)).collect();
        for ig in &rules.ignore {
            check_word(ig, "rules.ignore")?;
            let f = fold(ig);
            if seen.contains_key(&f) {
                return Err(LexiconError::new(
                    format!("忽略词“{ig}”同时是风险词"),
                    format!("ignore phrase {ig:?} is also a risk phrase"),
                ));
            }
            // An ignore phrase only works by shadowing a risk phrase inside it; one that contains
            // none is a mistake (probably a typo) that would silently do nothing.
            if !risk_folded.iter().any(|r| f.contains(r.as_str())) {
                return Err(LexiconError::new(
                    format!("忽略词“{ig}”不包含任何风险词，不起作用"),
                    format!("ignore phrase {ig:?} contains no risk phrase, so it has no effect"),
                ));
            }
        }
        let mut all = phrases.clone();
        all.extend(rules.ignore.iter().cloned());
        let risk = build(MatchKind::LeftmostLongest, &all, "risk phrases")?;

        let mut cue_words: Vec<String> = Vec::new();
        let mut cue_kinds = Vec::new();
        let mut cue_seen: HashMap<String, &str> = HashMap::new();
        for (list, kind, name) in [
            (&rules.negators, Cue::Negator, "negators"),
            (&rules.not_negators, Cue::NotNegator, "not_negators"),
            (&rules.conditionals, Cue::Conditional, "conditionals"),
            (&rules.subjects, Cue::Subject, "subjects"),
        ] {
            for w in list {
                check_word(w, &format!("rules.{name}"))?;
                if let Some(other) = cue_seen.insert(fold(w), name) {
                    return Err(LexiconError::new(
                        format!("“{w}”同时出现在 {other} 和 {name} 中"),
                        format!("{w:?} is in both {other} and {name}"),
                    ));
                }
                cue_words.push(w.clone());
                cue_kinds.push(kind);
            }
        }
        let cues = build(MatchKind::LeftmostLongest, &cue_words, "rules")?;
        let context = build(MatchKind::Standard, &context_words, "context words")?;

        Ok(Lexicon {
            categories,
            patterns,
            risk,
            cues,
            cue_kinds,
            context,
            negation_window: rules.negation_window,
        })
    }

    pub fn categories(&self) -> &[Category] {
        &self.categories
    }

    pub fn category(&self, id: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.id == id)
    }

    /// Number of risk phrases.
    pub fn len(&self) -> usize {
        self.patterns.len()
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Flags `text` with every risk phrase that counts under the rules.
    pub fn assess(&self, text: &str) -> Assessment {
        let mut out = Assessment::default();
        if text.is_empty() {
            return out;
        }
        let doc = Doc::new(text);

        let cues: Vec<(Cue, usize, usize)> = self
            .cues
            .find_iter(text)
            .map(|m| {
                (
                    self.cue_kinds[m.pattern().as_usize()],
                    doc.char_at(m.start()),
                    doc.char_at(m.end()),
                )
            })
            .collect();
        let contexts: Vec<(u32, usize, usize)> = self
            .context
            .find_overlapping_iter(text)
            .map(|m| {
                (
                    m.pattern().as_u32(),
                    doc.char_at(m.start()),
                    doc.char_at(m.end()),
                )
            })
            .collect();

        for m in self.risk.find_iter(text) {
            let Some(p) = self.patterns.get(m.pattern().as_usize()) else {
                continue; // an ignore phrase: harmless, and it hides the risk phrase inside it
            };
            let (cs, ce) = (doc.char_at(m.start()), doc.char_at(m.end()));
            let mut context = None;
            if let Some(req) = &p.requires {
                match self.find_context(&doc, &contexts, req, cs, ce, text) {
                    Some(w) => context = Some(w),
                    None => continue,
                }
            }
            let mut level = p.level;
            if let Some(boost) = &p.boost
                && let Some(w) = self.find_context(&doc, &contexts, boost, cs, ce, text)
            {
                level = boost.level;
                context = Some(w);
            }
            let negated_by = self
                .negator(&doc, &cues, cs)
                .map(|(s, e)| doc.slice(text, s, e).to_string());
            let sentence = doc.sentence[cs];
            let conditional = cues
                .iter()
                .any(|&(k, s, e)| k == Cue::Conditional && e <= cs && doc.sentence[s] == sentence);
            let category = &self.categories[p.category];
            let mut flag = Flag {
                category: category.id.clone(),
                level,
                phrase: text[m.start()..m.end()].to_string(),
                start: m.start(),
                end: m.end(),
                char_start: cs,
                char_end: ce,
                negated_by,
                conditional,
                context,
            };
            if flag.negated_by.is_some() {
                match category.negated_level {
                    Some(l) => {
                        flag.level = flag.level.max(l);
                        out.flags.push(flag);
                    }
                    None => out.suppressed.push(flag),
                }
            } else {
                out.flags.push(flag);
            }
        }
        out
    }

    /// The negator (as a character range) that negates a phrase starting at `cs`, if one does.
    fn negator(
        &self,
        doc: &Doc,
        cues: &[(Cue, usize, usize)],
        cs: usize,
    ) -> Option<(usize, usize)> {
        let clause = doc.clause[cs];
        // The nearest negator before the phrase is the one that could govern it.
        let idx = cues.iter().rposition(|&(k, s, e)| {
            k == Cue::Negator
                && e <= cs
                && cs - e <= self.negation_window
                && doc.clause[s] == clause
        })?;
        let (_, ns, ne) = cues[idx];
        let between = cues[idx + 1..]
            .iter()
            .take_while(|&&(_, s, _)| s < cs)
            .any(|&(k, _, e)| matches!(k, Cue::Conditional | Cue::Subject) && e <= cs);
        let conditional_before = cues[..idx].iter().any(|&(k, _, e)| {
            k == Cue::Conditional
                && e <= ns
                && ns - e <= CONDITION_BEFORE_NEGATOR
                && doc.clause[e.saturating_sub(1)] == clause
        });
        if between || conditional_before {
            None
        } else {
            Some((ns, ne))
        }
    }

    /// A word of `ctx` near the phrase at `[cs, ce)` in the same sentence, if any.
    fn find_context(
        &self,
        doc: &Doc,
        contexts: &[(u32, usize, usize)],
        ctx: &Context,
        cs: usize,
        ce: usize,
        text: &str,
    ) -> Option<String> {
        let sentence = doc.sentence[cs];
        contexts
            .iter()
            .filter(|&&(id, s, e)| {
                let gap = if e <= cs {
                    cs - e
                } else if s >= ce {
                    s - ce
                } else {
                    return false; // inside the phrase itself: not independent evidence
                };
                gap <= ctx.within
                    && doc.sentence[s] == sentence
                    && doc.sentence[e - 1] == sentence
                    && ctx.words.binary_search(&id).is_ok()
            })
            .min_by_key(|&&(_, s, e)| if e <= cs { cs - e } else { s - ce })
            .map(|&(_, s, e)| doc.slice(text, s, e).to_string())
    }
}

/// Character geometry of one text: where each character starts, and which clause and sentence
/// it belongs to.
struct Doc {
    starts: Vec<usize>,
    clause: Vec<u32>,
    sentence: Vec<u32>,
}

impl Doc {
    fn new(text: &str) -> Doc {
        let n = text.chars().count();
        let mut starts = Vec::with_capacity(n + 1);
        let mut clause = Vec::with_capacity(n + 1);
        let mut sentence = Vec::with_capacity(n + 1);
        let (mut c, mut s) = (0u32, 0u32);
        for (i, ch) in text.char_indices() {
            starts.push(i);
            // A break character belongs to neither side, so nothing spans it.
            if CLAUSE_BREAKS.contains(&ch) {
                c += 1;
                clause.push(c);
                c += 1;
            } else {
                clause.push(c);
            }
            if SENTENCE_BREAKS.contains(&ch) {
                s += 1;
                sentence.push(s);
                s += 1;
            } else {
                sentence.push(s);
            }
        }
        // A sentinel so that a position at the very end has a clause and a sentence too.
        starts.push(text.len());
        clause.push(c);
        sentence.push(s);
        Doc {
            starts,
            clause,
            sentence,
        }
    }

    fn char_at(&self, byte: usize) -> usize {
        self.starts.partition_point(|&s| s < byte)
    }

    fn slice<'t>(&self, text: &'t str, s: usize, e: usize) -> &'t str {
        &text[self.starts[s]..self.starts[e]]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lex() -> &'static Lexicon {
        Lexicon::builtin()
    }

    fn cats(text: &str) -> Vec<(String, u8)> {
        lex()
            .assess(text)
            .flags
            .into_iter()
            .map(|f| (f.category, f.level))
            .collect()
    }

    #[test]
    fn shipped_lexicon_is_valid_and_covers_required_categories() {
        let l = Lexicon::shipped().expect("valid");
        for id in [
            "self_harm",
            "threat",
            "dangerous_item",
            "gathering",
            "skip_level",
            "wage_arrears",
            "demolition",
            "pollution",
            "property",
            "public_opinion",
        ] {
            assert!(l.category(id).is_some(), "{id}");
        }
        assert!(l.len() > 200, "{}", l.len());
    }

    #[test]
    fn plain_threat_is_flagged_with_position_as_evidence() {
        let text = "补偿款拖了三年，我明天就去市政府楼顶跳楼。";
        let a = lex().assess(text);
        let f = a
            .flags
            .iter()
            .find(|f| f.category == "self_harm")
            .expect("flag");
        assert_eq!(f.level, 1);
        assert_eq!(f.phrase, "跳楼");
        assert_eq!(&text[f.start..f.end], "跳楼");
        assert_eq!(f.char_start, text[..f.start].chars().count());
        assert_eq!(f.char_end, f.char_start + 2);
        assert!(f.negated_by.is_none());
        assert_eq!(a.level(), Some(1));
    }

    #[test]
    fn negated_self_harm_is_downgraded_not_dropped() {
        let a = lex().assess("请领导放心，我不会去跳楼，只想要回自己的钱。");
        let f = a
            .flags
            .iter()
            .find(|f| f.category == "self_harm")
            .expect("kept");
        assert_eq!(f.level, 4);
        assert_eq!(f.negated_by.as_deref(), Some("不会"));
    }

    #[test]
    fn negated_gathering_and_arrears_are_suppressed() {
        let a = lex().assess("政府门口没有聚集，公司也并未拖欠工资。");
        assert!(a.flags.is_empty(), "{:?}", a.flags);
        let s: Vec<_> = a.suppressed.iter().map(|f| f.category.as_str()).collect();
        assert_eq!(s, ["gathering", "wage_arrears"]);
        assert_eq!(a.suppressed[0].negated_by.as_deref(), Some("没有"));
        assert_eq!(a.suppressed[1].negated_by.as_deref(), Some("并未"));
        assert_eq!(a.level(), None);
    }

    #[test]
    fn conditional_threats_still_flag() {
        for text in [
            "不给钱就去跳楼",
            "再不解决，我们就去北京上访",
            "如果不给个说法，我们就集体上访",
            "不解决我们只能去跳楼",
            "要是还不处理的话我就不活了，去跳楼",
            "别逼我们去堵路",
        ] {
            let a = lex().assess(text);
            let worst = a
                .flags
                .iter()
                .filter(|f| f.category != "repeat")
                .min_by_key(|f| f.level);
            let f = worst.unwrap_or_else(|| panic!("{text}: {a:?}"));
            assert!(f.negated_by.is_none(), "{text}: {f:?}");
            assert!(f.level <= 2, "{text}: {f:?}");
        }
        let a = lex().assess("不给钱就去跳楼");
        assert!(a.flags[0].conditional);
    }

    #[test]
    fn negation_respects_distance_and_clause() {
        // Far from the phrase, a negator belongs to something else.
        let a = lex().assess("我们没有办法了只有让大家都知道是谁在门口聚集");
        assert!(
            a.flags
                .iter()
                .any(|f| f.category == "gathering" && f.negated_by.is_none())
        );
        // A comma ends the negator's reach.
        let a = lex().assess("没有钱，只能去跳楼");
        assert_eq!(a.flags[0].level, 1);
        assert!(a.flags[0].negated_by.is_none());
        // Words that look like negators but are not.
        for text in [
            "业主们不断聚集",
            "我们不得不集体上访",
            "别人都在政府门口聚集",
            "未经批准就强拆",
        ] {
            let a = lex().assess(text);
            assert!(
                a.flags
                    .iter()
                    .any(|f| f.negated_by.is_none() && f.level <= 2),
                "{text}: {a:?}"
            );
        }
        // Prevention words negate too.
        let a = lex().assess("请有关部门防止群众聚集");
        assert!(a.flags.is_empty() && a.suppressed.len() == 1, "{a:?}");
    }

    #[test]
    fn co_occurrence_raises_weak_items() {
        let weak = lex().assess("楼下加油站卖的汽油价格又涨了"); // 汽油价 is an ignore phrase
        assert!(weak.flags.is_empty(), "{weak:?}");
        let weak = lex().assess("车里放着一桶汽油");
        assert_eq!(
            cats("车里放着一桶汽油"),
            [("dangerous_item".to_string(), 4)]
        );
        assert!(weak.flags[0].context.is_none());
        let strong = lex().assess("他带着一桶汽油，说要在门口点火");
        let f = &strong.flags[0];
        assert_eq!((f.category.as_str(), f.level), ("dangerous_item", 1));
        assert!(f.context.is_some());
        // Not across a sentence end.
        let apart = lex().assess("车里有汽油。过年点火放鞭炮");
        assert_eq!(apart.flags[0].level, 4);
    }

    #[test]
    fn required_context_gates_ambiguous_phrases() {
        assert!(cats("孩子暑假想去北京旅游").is_empty());
        assert!(cats("他家住在北京路附近").is_empty());
        assert_eq!(
            cats("实在不行我们去北京告状"),
            [("skip_level".to_string(), 1)]
        );
        assert!(cats("班上几十人参加了比赛").is_empty());
        assert!(cats("路边聚集了好几家烧烤店").is_empty());
        assert_eq!(cats("村民聚集在路口")[0].0, "gathering");
        assert!(cats("头都要炸了").is_empty());
        assert_eq!(cats("要把那栋楼炸了")[0], ("threat".to_string(), 1));
        assert_eq!(cats("上百人准备到政府上访")[0].0, "gathering");
    }

    #[test]
    fn ignore_phrases_hide_harmless_uses() {
        assert!(cats("商场跳楼价清仓").is_empty());
        assert!(cats("担心遭到打击报复").is_empty());
        assert_eq!(cats("我要报复")[0], ("threat".to_string(), 2));
    }

    #[test]
    fn multiple_hits_keep_text_order_and_categories() {
        let text =
            "开发商强拆我家房子，还拖欠工资，业主们准备拉横幅，再不管就进京上访，还要找记者曝光。";
        let a = lex().assess(text);
        let got: Vec<_> = a
            .flags
            .iter()
            .map(|f| (f.category.as_str(), f.phrase.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("property", "开发商"),
                ("demolition", "强拆"),
                ("wage_arrears", "拖欠工资"),
                ("gathering", "拉横幅"),
                ("skip_level", "进京上访"),
                ("public_opinion", "找记者"),
                ("public_opinion", "曝光"),
            ]
        );
        assert!(a.flags.windows(2).all(|w| w[0].start < w[1].start));
        assert_eq!(a.level(), Some(1));
        assert_eq!(a.categories()[0], "skip_level");
        // The longest phrase wins, so one event is one flag.
        assert_eq!(cats("遭遇暴力拆迁"), [("demolition".to_string(), 2)]);
    }

    #[test]
    fn ascii_phrases_ignore_case_and_repeated_phrases_each_flag() {
        assert_eq!(cats("p2p平台暴雷了")[0].0, "fundraising");
        let a = lex().assess("业主聚集、聚集、再聚集");
        assert_eq!(a.flags.len(), 3);
    }

    #[test]
    fn wage_arrears_before_the_new_year_is_more_urgent() {
        assert_eq!(cats("老板拖欠工资")[0].1, 3);
        assert_eq!(cats("快过年了老板还拖欠工资")[0].1, 2);
    }

    #[test]
    fn operator_files_are_validated() {
        let base = r#"
version = 1
[rules]
negation_window = 4
negators = ["不"]
[[category]]
id = "x"
zh = "甲"
en = "x"
"#;
        let ok = format!("{base}[[entry]]\ncategory = \"x\"\nlevel = 2\nphrases = [\"甲乙\"]\n");
        let l = Lexicon::from_toml(&ok).expect("valid");
        assert_eq!(l.assess("丙甲乙").flags[0].level, 2);
        assert_eq!(l.assess("不甲乙").suppressed.len(), 1);

        let bad = [
            (
                format!("{base}[[entry]]\ncategory = \"y\"\nlevel = 2\nphrases = [\"甲\"]\n"),
                "undefined",
            ),
            (
                format!("{base}[[entry]]\ncategory = \"x\"\nlevel = 5\nphrases = [\"甲\"]\n"),
                "level 5",
            ),
            (
                format!(
                    "{base}[[entry]]\ncategory = \"x\"\nlevel = 2\nphrases = [\"甲\", \"甲\"]\n"
                ),
                "twice",
            ),
            (
                format!("{base}[[entry]]\ncategory = \"x\"\nlevel = 2\nphrases = [\"甲，乙\"]\n"),
                "punctuation",
            ),
            (base.to_string(), "no entries"),
            (
                format!(
                    "{base}[[entry]]\ncategory = \"x\"\nlevel = 2\nphrases = [\"甲\"]\nboost = {{ level = 3, with = [\"乙\"], within = 5 }}\n"
                ),
                "more severe",
            ),
            (
                format!(
                    "{base}[[entry]]\ncategory = \"x\"\nlevel = 2\nphrases = [\"甲\"]\nrequires = {{ level = 1, with = [\"乙\"], within = 5 }}\n"
                ),
                "no level",
            ),
            (
                format!(
                    "{base}[[entry]]\ncategory = \"x\"\nlevel = 2\nphrases = [\"甲\"]\nlevle = 1\n"
                ),
                "unknown field",
            ),
            (
                base.replace(
                    "negators = [\"不\"]",
                    "negators = [\"不\"]\nignore = [\"丙丁\"]",
                ) + "[[entry]]\ncategory = \"x\"\nlevel = 2\nphrases = [\"甲\"]\n",
                "no effect",
            ),
            (
                "version = 2\n[rules]\nnegation_window = 1\nnegators = [\"不\"]\n".to_string(),
                "version",
            ),
        ];
        for (text, needle) in bad {
            let e = Lexicon::from_toml(&text).expect_err(needle);
            assert!(e.en.contains(needle), "{needle}: {}", e.en);
            assert!(!e.zh.is_empty());
        }
        let e = Lexicon::from_path(Path::new("/nonexistent/risk.toml")).expect_err("missing");
        assert!(e.en.contains("cannot read"));
    }
}
