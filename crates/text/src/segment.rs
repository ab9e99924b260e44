//! Word segmentation: jieba with the default dictionary plus a domain dictionary built from the
//! deployment's own regions, units and topics, so that place and estate names (翠湖苑, 东湖区,
//! 湖滨街道) come out as one word instead of the fragments jieba guesses for unknown names.

use jieba_rs::Jieba;
use minsheng_core::region::Directory;
use std::sync::{Arc, LazyLock};

/// Parsing the default dictionary takes tens of milliseconds and tens of megabytes; every
/// segmenter in the process starts from this one copy.
static DEFAULT: LazyLock<Arc<Jieba>> = LazyLock::new(|| Arc::new(Jieba::new()));

/// The process's one copy of the default dictionary, for code that needs plain jieba cuts.
pub fn default_jieba() -> &'static Jieba {
    &DEFAULT
}

/// Administrative suffixes: a name is also known by its stem (东湖区 → 东湖), which people write
/// on its own ("东湖那边", "湖滨一带").
const PLACE_SUFFIXES: &[&str] = &[
    "自治州",
    "自治县",
    "街道",
    "社区",
    "省",
    "市",
    "区",
    "县",
    "镇",
    "乡",
    "村",
    "州",
];

/// Where a domain word comes from; jieba keeps it as the word's part-of-speech tag, which lets a
/// caller tell place names from organisations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WordKind {
    Place,
    Organisation,
    Topic,
    Other,
}

impl WordKind {
    fn tag(self) -> &'static str {
        match self {
            WordKind::Place => "ns",
            WordKind::Organisation => "nt",
            WordKind::Topic => "nz",
            WordKind::Other => "n",
        }
    }
}

/// A word with its byte range in the input, for highlighting and index positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Word<'a> {
    pub text: &'a str,
    pub start: usize,
    pub end: usize,
}

/// A jieba segmenter. Cloning is cheap: segmenters without domain words share the default
/// dictionary, and one with domain words is shared behind an `Arc`.
#[derive(Clone)]
pub struct Segmenter {
    jieba: Arc<Jieba>,
}

impl Default for Segmenter {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Segmenter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Segmenter")
            .field("shared_default", &Arc::ptr_eq(&self.jieba, &DEFAULT))
            .finish()
    }
}

impl Segmenter {
    /// The default dictionary only.
    pub fn new() -> Self {
        Segmenter {
            jieba: Arc::clone(&DEFAULT),
        }
    }

    /// The default dictionary plus `words`, each kept whole wherever it occurs.
    pub fn with_domain_words<I, S>(words: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut s = Self::new();
        s.add_words(words, WordKind::Other);
        s
    }

    /// The default dictionary plus the names of every region, unit and topic in `dir`.
    pub fn from_directory(dir: &Directory) -> Self {
        let mut s = Self::new();
        s.add_places(dir.regions().map(|r| r.name_zh.as_str()));
        s.add_words(
            dir.units().map(|u| u.name_zh.as_str()),
            WordKind::Organisation,
        );
        s.add_topics(dir.topics().map(|t| t.name_zh.as_str()));
        s
    }

    /// Adds words that must stay whole. The first addition copies the shared dictionary, so
    /// batch additions rather than calling this per word in a hot path.
    pub fn add_words<I, S>(&mut self, words: I, kind: WordKind)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut words = words.into_iter().peekable();
        if words.peek().is_none() {
            return;
        }
        let jieba = Arc::make_mut(&mut self.jieba);
        for w in words {
            add_one(jieba, w.as_ref(), kind);
        }
    }

    /// Adds place names (regions, estates, streets) and their stems without the administrative
    /// suffix, when the stem is at least two characters.
    pub fn add_places<I, S>(&mut self, names: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut all = Vec::new();
        for n in names {
            let n = n.as_ref().trim();
            all.push(n.to_string());
            if let Some(stem) = PLACE_SUFFIXES.iter().find_map(|s| n.strip_suffix(s))
                && stem.chars().count() >= 2
            {
                all.push(stem.to_string());
            }
        }
        self.add_words(all, WordKind::Place);
    }

    /// Adds topic names. Compound names ("城市建设和市政管理") are added by their parts, since
    /// the whole compound almost never occurs in a citizen's text and would swallow its parts;
    /// catch-all names such as 其他 are left to the default dictionary.
    pub fn add_topics<I, S>(&mut self, names: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut all = Vec::new();
        for n in names {
            for part in n
                .as_ref()
                .split(['和', '及', '与', '、', '/', '（', '）', '(', ')'])
            {
                let part = part.trim();
                if part.chars().count() >= 2 && !matches!(part, "其他" | "其它" | "综合") {
                    all.push(part.to_string());
                }
            }
        }
        self.add_words(all, WordKind::Topic);
    }

    /// Whether `word` is in the dictionary (default or domain).
    pub fn knows(&self, word: &str) -> bool {
        self.jieba.has_word(word)
    }

    /// The words of `text`, without punctuation or whitespace.
    pub fn cut<'a>(&self, text: &'a str) -> Vec<&'a str> {
        self.jieba
            .cut(text, true)
            .into_iter()
            .map(|t| t.word)
            .filter(|w| is_word(w))
            .collect()
    }

    /// Like [`Segmenter::cut`] with byte offsets into `text`.
    pub fn words<'a>(&self, text: &'a str) -> Vec<Word<'a>> {
        self.jieba
            .cut(text, true)
            .into_iter()
            .filter(|t| is_word(t.word))
            .map(|t| Word {
                text: t.word,
                start: t.byte_start,
                end: t.byte_end,
            })
            .collect()
    }

    /// Search-mode words: long words also yield the dictionary words inside them (东湖区信访局 →
    /// 东湖, 东湖区, 信访, 信访局 …), for indexing where a query may name only part of a name.
    pub fn cut_for_search<'a>(&self, text: &'a str) -> Vec<Word<'a>> {
        self.jieba
            .cut_for_search(text, true)
            .into_iter()
            .filter(|t| is_word(t.word))
            .map(|t| Word {
                text: t.word,
                start: t.byte_start,
                end: t.byte_end,
            })
            .collect()
    }
}

fn add_one(jieba: &mut Jieba, word: &str, kind: WordKind) {
    let word = word.trim();
    // jieba's dictionary format cannot hold inner whitespace, and a one-character "word" would
    // only fight the default dictionary.
    if word.chars().count() < 2 || word.chars().any(char::is_whitespace) {
        return;
    }
    // suggest_freq is the frequency that makes jieba prefer the whole word over any split of
    // it; a word that already has a higher frequency keeps it.
    let freq = jieba.suggest_freq(word);
    jieba.add_word(word, Some(freq), Some(kind.tag()));
}

/// A token that carries meaning: it has at least one letter or digit (CJK included), so
/// punctuation, symbols and whitespace runs are dropped.
pub fn is_word(token: &str) -> bool {
    token.chars().any(char::is_alphanumeric)
}

#[cfg(test)]
mod tests {
    use super::*;
    use minsheng_core::region::{Level, Region, Unit, UnitKind};

    fn region(code: &str, name: &str, level: Level, parent: Option<&str>) -> Region {
        Region {
            code: code.into(),
            name_zh: name.into(),
            name_en: String::new(),
            level,
            parent: parent.map(Into::into),
        }
    }

    fn directory() -> Directory {
        let regions = vec![
            region("990000", "江川省", Level::Province, None),
            region("990100", "临江市", Level::City, Some("990000")),
            region("990102", "东湖区", Level::County, Some("990100")),
            region("990102001", "湖滨街道", Level::Township, Some("990102")),
            region(
                "990102001001",
                "翠湖社区",
                Level::Community,
                Some("990102001"),
            ),
        ];
        let units = vec![Unit {
            id: "u1".into(),
            name_zh: "东湖区住房和城乡建设局".into(),
            name_en: String::new(),
            kind: UnitKind::Department,
            region: "990102".into(),
        }];
        Directory::new(
            regions,
            units,
            minsheng_core::region::shipped_topics(),
            vec![],
        )
        .unwrap()
    }

    #[test]
    fn default_dictionary_splits_unknown_estate_names() {
        // The reason the domain dictionary exists: without it the estate name is cut apart.
        let s = Segmenter::new();
        assert!(!s.cut("翠湖苑小区电梯坏了").contains(&"翠湖苑"));
    }

    #[test]
    fn place_and_estate_names_stay_whole() {
        let mut s = Segmenter::from_directory(&directory());
        s.add_places(["翠湖苑", "锦绣华庭", "东方明珠苑"]);
        let text = "临江市东湖区湖滨街道翠湖苑3栋电梯长期故障，锦绣华庭和东方明珠苑也一样。";
        let words = s.cut(text);
        for name in [
            "临江市",
            "东湖区",
            "湖滨街道",
            "翠湖苑",
            "锦绣华庭",
            "东方明珠苑",
        ] {
            assert!(words.contains(&name), "{name} not whole in {words:?}");
        }
        assert!(words.contains(&"电梯"), "{words:?}");
        // Stems of administrative names are words too.
        assert!(s.cut("住在湖滨那一带").contains(&"湖滨"));
        assert!(s.knows("东湖"));
    }

    #[test]
    fn with_domain_words_and_unit_names() {
        let s = Segmenter::with_domain_words(["翠湖苑", "柳岸人家"]);
        let words = s.cut("翠湖苑和柳岸人家的业主反映停水");
        assert_eq!(&words[..3], &["翠湖苑", "和", "柳岸人家"], "{words:?}");

        let d = Segmenter::from_directory(&directory());
        assert!(
            d.cut("已转东湖区住房和城乡建设局办理")
                .contains(&"东湖区住房和城乡建设局")
        );
        // Search mode still finds the parts of a long unit name.
        let parts: Vec<&str> = d
            .cut_for_search("东湖区住房和城乡建设局")
            .iter()
            .map(|w| w.text)
            .collect();
        assert!(
            parts.contains(&"东湖区") && parts.contains(&"建设局"),
            "{parts:?}"
        );
    }

    #[test]
    fn topic_compounds_are_added_by_parts() {
        let d = Segmenter::from_directory(&directory());
        assert!(d.knows("市政管理"));
        assert!(!d.knows("城市建设和市政管理"));
    }

    #[test]
    fn punctuation_and_whitespace_are_dropped_and_offsets_are_bytes() {
        let s = Segmenter::with_domain_words(["翠湖苑"]);
        let text = "  翠湖苑，3栋！！ 电梯……\n停运。";
        let words = s.words(text);
        assert!(words.iter().all(|w| is_word(w.text)), "{words:?}");
        for w in &words {
            assert_eq!(&text[w.start..w.end], w.text);
        }
        assert_eq!(words[0].text, "翠湖苑");
        assert!(s.cut("，。！？、 \t\n").is_empty());
    }

    #[test]
    fn default_segmenters_share_one_dictionary() {
        let a = Segmenter::new();
        let b = Segmenter::with_domain_words(Vec::<&str>::new());
        assert!(Arc::ptr_eq(&a.jieba, &b.jieba));
        let c = Segmenter::with_domain_words(["翠湖苑"]);
        assert!(!Arc::ptr_eq(&a.jieba, &c.jieba));
        // Adding to one segmenter leaves the shared dictionary alone.
        assert!(!Segmenter::new().knows("翠湖苑"));
    }
}
