//! The two analyzers the index uses. Both fold text the same way (full-width ASCII to
//! half-width, lowercase), so a query typed with a full-width digit or a capital letter finds the
//! same cases as one typed without.
//!
//! * `ms_words`: jieba search-mode words on the shared segmenter with the domain dictionary. Good
//!   for ranking (a whole word scores higher than a chance run of characters), not enough for
//!   recall: jieba cuts an unknown estate name 翠湖苑 into 翠/湖苑 and a query 翠湖 then finds
//!   nothing.
//! * `ms_bigram`: overlapping character bigrams of every run of letters and digits, one position
//!   apart, so a string of n ≥ 2 characters occurs in a text exactly when its n−1 bigrams occur
//!   at consecutive positions: a phrase query over bigrams is a substring test. Each run also
//!   ends with a one-character token so a single-character query can be answered by a prefix
//!   match on the term dictionary.
//! * `ms_trigram`: overlapping trigrams of every run, the same way. A string of n ≥ 3
//!   characters occurs exactly when the trigrams starting at offsets 0, 3, 6, … and n − 3 occur
//!   at those relative positions: every third trigram is enough, because its neighbours are
//!   implied by the characters they share. That makes the phrase for a long query two or three
//!   rare terms instead of n − 1 common bigrams, and a three-character query a single term
//!   whose count the index already knows. Runs are separated by three empty positions, so a
//!   phrase whose required positions are at most three apart can never step over the gap.

use crate::segment::Segmenter;
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

pub(crate) const WORDS: &str = "ms_words";
pub(crate) const BIGRAM: &str = "ms_bigram";
pub(crate) const TRIGRAM: &str = "ms_trigram";

/// Folds one character the way both analyzers and the highlighter do.
pub(crate) fn fold_char(c: char) -> char {
    let c = match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    };
    // Only single-character lowercase mappings: a multi-character one (İ → i̇) would shift
    // every later offset, and Chinese text never needs it.
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

pub(crate) fn fold(text: &str) -> String {
    text.chars().map(fold_char).collect()
}

/// A token stream over tokens computed up front; jieba returns a vector anyway.
pub(crate) struct VecTokenStream {
    tokens: Vec<Token>,
    next: usize,
}

impl VecTokenStream {
    fn new(tokens: Vec<Token>) -> Self {
        VecTokenStream { tokens, next: 0 }
    }
}

impl TokenStream for VecTokenStream {
    fn advance(&mut self) -> bool {
        if self.next < self.tokens.len() {
            self.next += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

#[derive(Clone)]
pub(crate) struct WordsTokenizer {
    pub(crate) segmenter: Segmenter,
}

impl WordsTokenizer {
    /// jieba words, each at its own position, plus the dictionary words of two and three
    /// characters inside any longer word at the same position (what jieba's search mode
    /// adds, computed here so that positions stay those of the whole words and a phrase of
    /// words lines up with the query's words).
    pub(crate) fn tokens(&self, text: &str) -> Vec<Token> {
        let mut out = Vec::new();
        for (position, w) in self.segmenter.words(text).into_iter().enumerate() {
            // A repeated part (湖湖 twice in 湖湖湖) is one term at one position.
            let mut seen: Vec<&str> = Vec::new();
            let chars: Vec<(usize, char)> = w.text.char_indices().collect();
            for n in [2usize, 3] {
                if chars.len() <= n {
                    break;
                }
                for i in 0..=chars.len() - n {
                    let from = chars[i].0;
                    let to = chars.get(i + n).map_or(w.text.len(), |c| c.0);
                    let part = &w.text[from..to];
                    if !seen.contains(&part) && self.segmenter.knows(part) {
                        seen.push(part);
                        out.push(Token {
                            offset_from: w.start + from,
                            offset_to: w.start + to,
                            position,
                            text: fold(part),
                            position_length: 1,
                        });
                    }
                }
            }
            out.push(Token {
                offset_from: w.start,
                offset_to: w.end,
                position,
                text: fold(w.text),
                position_length: 1,
            });
        }
        out
    }

    /// The whole words of a query term, in order.
    pub(crate) fn query_words(&self, term: &str) -> Vec<String> {
        self.segmenter.cut(term).into_iter().map(fold).collect()
    }
}

impl Tokenizer for WordsTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        VecTokenStream::new(self.tokens(text))
    }
}

#[derive(Clone, Default)]
pub(crate) struct BigramTokenizer;

impl BigramTokenizer {
    pub(crate) fn tokens(text: &str) -> Vec<Token> {
        // A gap of one position: a phrase never spans punctuation or whitespace.
        ngram_tokens(text, 2, true, 1)
    }

    /// The bigrams of one query term, in order; a term of one character yields itself.
    pub(crate) fn query_grams(term: &str) -> Vec<String> {
        let chars = term_chars(term);
        match chars.len() {
            0 => Vec::new(),
            1 => vec![chars[0].to_string()],
            _ => chars.windows(2).map(|w| w.iter().collect()).collect(),
        }
    }
}

/// The folded letters and digits of a query term.
fn term_chars(term: &str) -> Vec<char> {
    term.chars()
        .map(fold_char)
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// Overlapping `n`-grams of every run of letters and digits, one position apart, optionally
/// closing each run with its last character alone; `gap` empty positions follow every run that
/// gave a token, so a phrase never spans punctuation or whitespace.
fn ngram_tokens(text: &str, n: usize, close_with_unigram: bool, gap: usize) -> Vec<Token> {
    let mut out = Vec::with_capacity(text.len() / 2);
    let mut position = 0usize;
    // The current run: (byte offset, folded char).
    let mut run: Vec<(usize, char)> = Vec::new();
    let mut flush = |run: &mut Vec<(usize, char)>, end: usize, position: &mut usize| {
        if run.is_empty() || (run.len() < n && !close_with_unigram) {
            run.clear();
            return;
        }
        for (i, w) in run.windows(n).enumerate() {
            out.push(Token {
                offset_from: w[0].0,
                offset_to: run.get(i + n).map_or(end, |c| c.0),
                position: *position,
                text: w.iter().map(|c| c.1).collect(),
                position_length: 1,
            });
            *position += 1;
        }
        if close_with_unigram {
            let (at, c) = run[run.len() - 1];
            out.push(Token {
                offset_from: at,
                offset_to: end,
                position: *position,
                text: c.to_string(),
                position_length: 1,
            });
            *position += 1;
        }
        *position += gap;
        run.clear();
    };
    for (at, c) in text.char_indices() {
        let f = fold_char(c);
        if f.is_alphanumeric() {
            run.push((at, f));
        } else {
            flush(&mut run, at, &mut position);
        }
    }
    flush(&mut run, text.len(), &mut position);
    out
}

/// Trigrams of every run of letters and digits (see the module notes).
#[derive(Clone, Default)]
pub(crate) struct TrigramTokenizer;

/// Empty positions between two runs: more than the widest step between the trigrams a query
/// requires (three).
const TRIGRAM_GAP: usize = 3;

impl TrigramTokenizer {
    pub(crate) fn tokens(text: &str) -> Vec<Token> {
        ngram_tokens(text, 3, false, TRIGRAM_GAP)
    }

    /// The trigrams a term of three or more characters must have, with their offsets: every
    /// third one and the last. Empty for shorter terms.
    pub(crate) fn query_grams(term: &str) -> Vec<(usize, String)> {
        let chars = term_chars(term);
        if chars.len() < 3 {
            return Vec::new();
        }
        let last = chars.len() - 3;
        let mut offsets: Vec<usize> = (0..=last).step_by(3).collect();
        if offsets.last() != Some(&last) {
            offsets.push(last);
        }
        offsets
            .into_iter()
            .map(|o| (o, chars[o..o + 3].iter().collect()))
            .collect()
    }
}

impl Tokenizer for TrigramTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        VecTokenStream::new(Self::tokens(text))
    }
}

impl Tokenizer for BigramTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        VecTokenStream::new(Self::tokens(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bigrams_break_at_punctuation_and_end_each_run_with_a_unigram() {
        let toks = BigramTokenizer::tokens("翠湖苑，３栋A");
        let texts: Vec<(&str, usize)> =
            toks.iter().map(|t| (t.text.as_str(), t.position)).collect();
        assert_eq!(
            texts,
            vec![
                ("翠湖", 0),
                ("湖苑", 1),
                ("苑", 2),
                ("3栋", 4),
                ("栋a", 5),
                ("a", 6)
            ]
        );
        let src = "翠湖苑，３栋A";
        assert_eq!(&src[toks[0].offset_from..toks[0].offset_to], "翠湖");
        assert_eq!(&src[toks[3].offset_from..toks[3].offset_to], "３栋");
        assert_eq!(BigramTokenizer::query_grams("翠湖苑"), vec!["翠湖", "湖苑"]);
        assert_eq!(BigramTokenizer::query_grams("Ａ"), vec!["a"]);
        assert!(BigramTokenizer::query_grams("，。").is_empty());
    }

    #[test]
    fn trigrams_leave_a_gap_between_runs_and_queries_take_every_third() {
        let toks = TrigramTokenizer::tokens("翠湖苑小区，３栋AB，东湖");
        let texts: Vec<(&str, usize)> =
            toks.iter().map(|t| (t.text.as_str(), t.position)).collect();
        assert_eq!(
            texts,
            vec![
                ("翠湖苑", 0),
                ("湖苑小", 1),
                ("苑小区", 2),
                ("3栋a", 6),
                ("栋ab", 7)
            ]
        );
        let src = "翠湖苑小区，３栋AB，东湖";
        assert_eq!(&src[toks[3].offset_from..toks[3].offset_to], "３栋A");
        let q = |t| TrigramTokenizer::query_grams(t);
        assert_eq!(q("翠湖苑"), vec![(0, "翠湖苑".to_string())]);
        assert_eq!(
            q("翠湖苑小"),
            vec![(0, "翠湖苑".to_string()), (1, "湖苑小".to_string())]
        );
        let seven: Vec<usize> = q("业主委员会同意").into_iter().map(|(o, _)| o).collect();
        assert_eq!(seven, vec![0, 3, 4]);
        assert!(q("东湖").is_empty());
    }

    #[test]
    fn word_positions_let_phrases_line_up() {
        let t = WordsTokenizer {
            segmenter: Segmenter::with_domain_words(["翠湖苑"]),
        };
        let toks = t.tokens("东湖区翠湖苑电梯故障");
        let pos = |w: &str| toks.iter().find(|t| t.text == w).map(|t| t.position);
        let (a, b) = (pos("翠湖苑").unwrap(), pos("电梯").unwrap());
        assert_eq!(b, a + 1, "{toks:?}");
    }
}
