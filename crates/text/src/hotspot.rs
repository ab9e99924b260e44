//! Hotspots (热点问题): the same issue raised by many people at one place within a short time.
//!
//! Messages are grouped when they name the same place and talk about the same issue, or when
//! their texts are near-duplicates (a template passed around by neighbours), and the groups are
//! ranked by heat. The same function serves the CLI on a CSV export and the early-warning module
//! on live cases; it needs nothing but the messages.
//!
//! How a message is read:
//! - places: names ending in an estate, institution, road or village suffix (XX小区, XX苑,
//!   XX新城, XX学院, XX路, XX村 …), found by scanning back from the suffix to the previous
//!   boundary, plus any names from a domain dictionary; district codes that some exports use
//!   instead of district names (B3区) become the area shown in front of the place;
//! - issue: jieba words of the title (counted twice, titles are where people state the issue)
//!   and the start of the body, minus place names and petition boilerplate, weighted by TF-IDF
//!   over the batch;
//! - near-duplicates: MinHash over character 3-grams.
//!
//! Two messages are linked when they are close in time and either near-duplicates, or share a
//! place with similar issues, or (when one names no place) have similar issues. Links are
//! applied strongest first; a link never joins two groups that name different places, so a
//! message without a place cannot chain two estates' noise complaints into one, and a link
//! between messages without a shared place only joins groups whose centroids are similar too.

use crate::normalize;
use aho_corasick::{AhoCorasick, MatchKind};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::LazyLock;

/// A message to cluster: a web message, a hotline work order or a petition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub id: String,
    /// Who wrote it (an account id or a keyed hash of the phone number). Empty when unknown:
    /// each such message then counts as a different person.
    pub user: String,
    pub title: String,
    pub body: String,
    pub time: DateTime<Utc>,
    /// Agreement from other citizens (点赞) where the channel has it, else 0.
    pub likes: u32,
}

/// A group of messages about one issue at one place, with its heat.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hotspot {
    pub heat: f64,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// The place most members name, with its district when one is known ("B3区翠湖苑");
    /// empty when the members name none.
    pub place: String,
    /// Distinct people.
    pub people: usize,
    /// Messages, counting a person's identical reposts once.
    pub messages: usize,
    pub likes: u64,
    /// Words that characterise the issue, most characteristic first.
    pub keywords: Vec<String>,
    /// Place and issue keywords in one line, for tables and alerts.
    pub summary: String,
    /// Member ids in time order.
    pub message_ids: Vec<String>,
}

/// Heat = `people`·P + `messages`·(N − P) + `likes`·ln(1 + L) + `span`·ln(1 + D), where P is
/// distinct people, N messages, L likes and D the span in days. People count most: many voices
/// make a hotspot, one person writing often does not. Likes are agreement without a message of
/// their own, so they count, but on a log scale because a single viral message collects
/// thousands. A longer span adds a little: an issue that persists is more than a burst.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeatWeights {
    pub people: f64,
    pub messages: f64,
    pub likes: f64,
    pub span: f64,
}

impl Default for HeatWeights {
    fn default() -> Self {
        HeatWeights {
            people: 1.0,
            messages: 0.3,
            likes: 1.5,
            span: 0.5,
        }
    }
}

#[derive(Debug, Clone)]
pub struct HotspotConfig {
    /// Two messages are linked only if posted at most this many days apart; a group can span
    /// longer through a chain of messages.
    pub window_days: i64,
    /// Groups with fewer distinct people are not reported.
    pub min_people: usize,
    /// Characters of the body read besides the title: the issue is stated early, and long
    /// bodies drift into history and pleasantries.
    pub body_chars: usize,
    /// Issue similarity (cosine) needed when two messages name the same estate or institution:
    /// neighbours describe one nuisance in very different words (噪音, 油烟, 深夜营业), so a
    /// little overlap is enough.
    pub same_site_similarity: f32,
    /// Issue similarity needed when two messages name the same road or village only: a road is
    /// long and has many unrelated problems.
    pub same_street_similarity: f32,
    /// Issue similarity needed between a message and a group when no shared place vouches for
    /// them (one names no place): measured against the group's centroid, so a message close
    /// to one member but not to the rest does not chain two issues together.
    pub unplaced_similarity: f32,
    /// Pairs less similar than this are not considered at all.
    pub candidate_similarity: f32,
    /// Estimated character 3-gram Jaccard at which two messages are near-duplicates, linked
    /// however little their words say, unless they name different places (a complaint copied
    /// to another estate is about that estate).
    pub duplicate_jaccard: f32,
    /// Known place names (estates, villages, roads) from the deployment's own directory; they
    /// are found whole even where the suffix rules would miss them.
    pub places: Vec<String>,
    pub weights: HeatWeights,
}

impl Default for HotspotConfig {
    fn default() -> Self {
        HotspotConfig {
            window_days: 30,
            min_people: 2,
            body_chars: 100,
            same_site_similarity: 0.05,
            same_street_similarity: 0.25,
            unplaced_similarity: 0.3,
            candidate_similarity: 0.1,
            duplicate_jaccard: 0.6,
            places: Vec::new(),
            weights: HeatWeights::default(),
        }
    }
}

/// Groups `messages` into hotspots and returns them hottest first. Messages outside any group
/// of at least `min_people` people are left out.
pub fn find_hotspots(messages: &[Message], config: &HotspotConfig) -> Vec<Hotspot> {
    if messages.is_empty() {
        return Vec::new();
    }
    let dict = PlaceDictionary::new(&config.places);
    let docs: Vec<Doc> = messages
        .iter()
        .map(|m| Doc::read(m, config.body_chars, &dict))
        .collect();
    let places = PlaceIndex::new(&docs);
    let terms = TermIndex::new(&docs);

    let links = links(messages, &docs, &places, &terms, config);
    let groups = cluster(messages.len(), &links, &docs, &places, &terms);

    let mut hotspots: Vec<Hotspot> = groups
        .into_iter()
        .filter_map(|members| describe(&members, messages, &docs, &terms, config))
        .collect();
    hotspots.sort_by(|a, b| {
        b.heat
            .total_cmp(&a.heat)
            .then(b.people.cmp(&a.people))
            .then(a.start.cmp(&b.start))
            .then(a.message_ids.cmp(&b.message_ids))
    });
    hotspots
}

// ------------------------------------------------------------------------------------------
// Reading places.

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Level {
    /// Estates and institutions: the place people share a problem at.
    Site,
    /// Roads, streets, villages and communities.
    Street,
}

/// Suffixes of sites, longest first within a shared ending so that 新城 is preferred to 城.
#[rustfmt::skip]
const SITE_SUFFIXES: &[&str] = &[
    "小区", "花园", "家园", "公寓", "广场", "大厦", "新城", "新村", "山庄", "庄园", "公馆", "名邸",
    "商城", "学院", "大学", "中学", "小学", "学校", "幼儿园", "医院", "市场", "公园", "车站",
    "工业园", "产业园", "苑", "园", "城", "府", "湾", "郡", "邸",
];
const STREET_SUFFIXES: &[&str] = &["大道", "大街", "路", "街", "巷", "村", "社区"];
/// Administrative levels above a street: boundaries of a place name, shown as its area.
const AREA_SUFFIXES: &[&str] = &["街道", "省", "市", "区", "县", "镇", "乡"];
/// Characters that end a name when scanning back from its suffix: grammar words that come
/// right before a place ("在翠湖苑", "到学院").
#[rustfmt::skip]
const STOP_CHARS: &[char] = &[
    '的', '在', '于', '对', '向', '到', '从', '把', '被', '给', '让', '是', '了', '为', '将', '近',
    '至', '由', '往', '我', '你', '他', '她', '它', '这', '那', '该', '此', '其', '个', '各', '和',
    '与', '及', '跟', '同', '而', '挨', '靠', '距', '离', '称', '住', '去', '或', '有', '等', '并',
    '且', '但', '就', '也', '都', '还', '又', '再', '才', '只', '很', '太', '更', '最', '已', '曾',
    '正',
];
/// Words a place name cannot start with; stripped ("投诉金桂园" → 金桂园).
#[rustfmt::skip]
const LEADING_WORDS: &[&str] = &[
    "投诉", "反映", "反应", "举报", "关于", "咨询", "请问", "建议", "希望", "要求", "请求", "恳请",
    "位于", "地处", "坐落", "座落", "住在", "家住", "我们", "本人", "强烈", "听说", "据说", "紧挨",
    "靠近", "毗邻", "临近", "引起", "周边", "附近", "备案名称", "名称", "整个", "所在", "对面",
    "旁边", "隔壁", "督促", "敦促", "催促", "恳求", "呼吁", "查处", "整治", "取缔", "关注", "解决",
    "处理", "沿", "本", "诉", "请", "问", "原",
];
/// Name parts that are words, not names ("安置小区", "农村").
#[rustfmt::skip]
const GENERIC_NAMES: &[&str] = &[
    "安置", "老旧", "周边", "附近", "整个", "住宅", "商品房", "新建", "所在", "居民", "物业",
    "开放式", "人民政", "农村", "高速公", "城乡", "该小", "美丽乡", "新农", "回迁", "拆迁安置",
    "农贸", "配套", "公办", "民办", "普惠", "普惠性", "私立", "公立", "附属", "民营", "区属",
    "市属", "省属", "商住",
];
const MAX_NAME: usize = 8;

#[derive(Debug, Clone)]
struct FoundPlace {
    level: Level,
    /// As written, suffix included.
    raw: String,
    /// Normalised, without a trailing 小区/社区 so that 翠湖苑小区 and 翠湖苑 meet.
    key: String,
    /// Character range in the scanned text.
    start: usize,
    end: usize,
    area: Option<String>,
}

struct PlaceDictionary {
    matcher: Option<AhoCorasick>,
}

impl PlaceDictionary {
    fn new(names: &[String]) -> Self {
        let names: Vec<&str> = names
            .iter()
            .map(|n| n.trim())
            .filter(|n| n.chars().count() >= 2)
            .collect();
        let matcher = if names.is_empty() {
            None
        } else {
            // Building fails only for automata too large for memory; the suffix rules still
            // find most places then, which beats failing the whole run.
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .build(&names)
                .ok()
        };
        PlaceDictionary { matcher }
    }
}

fn is_name_char(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c) || c.is_ascii_alphanumeric() || c == '·'
}

fn ends_with_at(chars: &[char], end: usize, word: &str) -> bool {
    let n = word.chars().count();
    end >= n && chars[end - n..end].iter().copied().eq(word.chars())
}

/// The suffix (from `list`) that ends at `end`, if any; lists are ordered so the first hit is
/// the longest.
fn suffix_at(chars: &[char], end: usize, list: &[&'static str]) -> Option<&'static str> {
    list.iter().copied().find(|s| ends_with_at(chars, end, s))
}

/// Whether scanning back for a name must stop before the character ending at `end`.
fn boundary_at(chars: &[char], end: usize, level: Level) -> bool {
    let c = chars[end - 1];
    // 和平路 is a name; 漓楚路和东六路 is two.
    if c == '和' && chars.get(end) == Some(&'平') {
        return false;
    }
    if !is_name_char(c) || STOP_CHARS.contains(&c) {
        return true;
    }
    if let Some(a) = suffix_at(chars, end, AREA_SUFFIXES) {
        // 城市花园, 都市花园: 市 inside a name.
        let inside = a == "市" && end >= 2 && matches!(chars[end - 2], '城' | '都');
        return !inside;
    }
    // A name of the other kind ends here: 望江路|翠湖苑, 翠湖苑|柳林路.
    let other = match level {
        Level::Site => STREET_SUFFIXES,
        Level::Street => SITE_SUFFIXES,
    };
    suffix_at(chars, end, other).is_some()
}

/// Words that end like a place but are not one: 道路 and 县城 are words, 城市 and 路灯 are
/// other words that start with the suffix.
fn not_a_name(last: char, suffix: &str, next: Option<char>) -> bool {
    #[rustfmt::skip]
    const WORDS: &[&str] = &[
        "道路", "马路", "公路", "铁路", "线路", "出路", "思路", "电路", "走路", "修路", "土路",
        "泥路", "小路", "大路", "山路", "水路", "网路", "套路", "后路", "活路", "退路", "一路",
        "上路", "开路", "让路", "带路", "问路", "沿路", "过路", "跑路", "绕路", "堵路", "拦路",
        "铺路", "迷路", "认路", "探路", "抄路", "赶路", "进城", "全城", "京城", "古城", "省城",
        "名城", "满城", "围城", "长城", "主城", "老城", "校园", "菜园", "果园", "田园", "乐园",
        "陵园", "墓园", "游园", "政府", "王府", "学府", "官府", "港湾", "海湾", "农村", "乡村",
        "山村", "街巷", "小巷",
    ];
    #[rustfmt::skip]
    const FOLLOWERS: &[(&str, &[char])] = &[
        ("城", &['市', '管', '区', '乡', '中', '际', '镇', '墙', '关', '建', '投']),
        ("园", &['区', '林', '艺', '长']),
        ("湾", &['区']),
        ("府", &['办', '门', '令']),
        ("路", &['灯', '线', '况', '费', '政', '网', '由', '径']),
        ("街", &['道']),
        ("大学", &['生']),
        ("中学", &['生']),
        ("小学", &['生']),
        ("村", &['级', '庄']),
    ];
    let pair: String = [last].into_iter().chain(suffix.chars().take(1)).collect();
    if suffix.chars().count() == 1 && WORDS.contains(&pair.as_str()) {
        return true;
    }
    match next {
        Some(n) => FOLLOWERS
            .iter()
            .any(|(s, f)| *s == suffix && f.contains(&n)),
        None => false,
    }
}

fn place_key(raw: &str) -> String {
    let mut key = normalize(raw);
    for generic in ["小区", "社区", "片区"] {
        if let Some(stem) = key.strip_suffix(generic)
            && stem.chars().count() >= 2
        {
            key = stem.to_string();
            break;
        }
    }
    key
}

fn strip_leading(mut name: &[char]) -> &[char] {
    loop {
        let Some(w) = LEADING_WORDS.iter().find(|w| {
            let n = w.chars().count();
            name.len() > n && name[..n].iter().copied().eq(w.chars())
        }) else {
            return name;
        };
        name = &name[w.chars().count()..];
    }
}

fn find_places(chars: &[char], dict: &PlaceDictionary) -> Vec<FoundPlace> {
    let mut found: Vec<FoundPlace> = Vec::new();
    if let Some(ac) = &dict.matcher {
        let text: String = chars.iter().collect();
        let starts: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        for m in ac.find_iter(&text) {
            let start = starts.partition_point(|&s| s < m.start());
            let end = starts.partition_point(|&s| s < m.end());
            let raw = text[m.start()..m.end()].to_string();
            found.push(FoundPlace {
                level: Level::Site,
                key: place_key(&raw),
                raw,
                start,
                end,
                area: area_before(chars, start),
            });
        }
    }
    for end in 1..=chars.len() {
        for (level, list) in [
            (Level::Site, SITE_SUFFIXES),
            (Level::Street, STREET_SUFFIXES),
        ] {
            let Some(suffix) = suffix_at(chars, end, list) else {
                continue;
            };
            let suffix_start = end - suffix.chars().count();
            let mut start = suffix_start;
            while start > 0 && !boundary_at(chars, start, level) {
                start -= 1;
                if suffix_start - start > MAX_NAME {
                    break;
                }
            }
            // No boundary in reach: a clause ending in 小区 ("噪音传进小区"), not a name.
            if suffix_start - start > MAX_NAME {
                continue;
            }
            let name = strip_leading(&chars[start..suffix_start]);
            let start = suffix_start - name.len();
            let name_str: String = name.iter().collect();
            if name.len() < 2
                || name.iter().all(|c| c.is_ascii_alphanumeric())
                || GENERIC_NAMES.contains(&name_str.as_str())
                || not_a_name(name[name.len() - 1], suffix, chars.get(end).copied())
            {
                continue;
            }
            let raw: String = chars[start..end].iter().collect();
            found.push(FoundPlace {
                level,
                key: place_key(&raw),
                raw,
                start,
                end,
                area: area_before(chars, start),
            });
            break;
        }
    }
    // Keep the longest of overlapping names (金桂园滨水苑 over 金桂园); the dictionary's names
    // came first and win ties.
    let mut kept: Vec<FoundPlace> = Vec::new();
    let mut order: Vec<usize> = (0..found.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(found[i].end - found[i].start));
    for i in order {
        let p = &found[i];
        if kept.iter().all(|k| p.end <= k.start || p.start >= k.end) {
            kept.push(p.clone());
        }
    }
    kept.sort_by_key(|p| p.start);
    kept
}

/// The district code right in front of a place ("B3区" in B3区翠湖苑): some exports replace
/// district names with such codes, and the code tells apart places with the same name.
fn area_before(chars: &[char], start: usize) -> Option<String> {
    // Only districts and counties: the city is the same for the whole batch.
    if start < 2 || !matches!(chars[start - 1], '区' | '县') {
        return None;
    }
    let mut s = start - 1;
    while s > 0 && start - 1 - s < 3 && chars[s - 1].is_ascii_alphanumeric() {
        s -= 1;
    }
    (s < start - 1 && chars[s].is_ascii_alphabetic()).then(|| chars[s..start].iter().collect())
}

// ------------------------------------------------------------------------------------------
// Reading the issue.

/// Petition boilerplate and function words: frequent in every kind of message, so they say
/// nothing about which issue a message raises.
#[rustfmt::skip]
const STOP_WORDS: &[&str] = &[
    "问题", "反映", "反应", "投诉", "举报", "咨询", "建议", "请问", "希望", "要求", "请求", "恳请",
    "领导", "政府", "部门", "相关", "有关", "解决", "处理", "情况", "我们", "你们", "他们", "自己",
    "市民", "居民", "群众", "严重", "影响", "现在", "目前", "已经", "一直", "没有", "什么", "怎么",
    "为什么", "如何", "是否", "能否", "可以", "不能", "能够", "还是", "但是", "因为", "所以",
    "如果", "这个", "那个", "这些", "那些", "这样", "进行", "存在", "出现", "导致", "造成", "关于",
    "对于", "以及", "并且", "而且", "非常", "特别", "十分", "多次", "尽快", "及时", "工作", "方面",
    "时候", "时间", "地方", "事情", "今年", "去年", "每天", "一个", "一些", "很多", "大家", "本人",
    "你好", "您好", "尊敬", "谢谢", "感谢", "您", "市长", "书记", "有限公司", "公司", "单位", "要",
    "了", "的", "是", "在", "和", "与", "及", "或", "等", "都", "也", "还", "就", "又", "再", "被",
    "把", "让", "给", "对", "向", "从", "到", "由", "为", "以", "而", "但", "并", "且", "之", "其",
    "此", "该", "各", "每", "某", "哪", "谁", "啊", "吗", "呢", "吧", "呀", "哦", "一下", "一样",
    "问问", "请教", "为啥", "还有", "只有", "可能", "应该", "需要", "必须", "不是", "就是", "但是",
    "不会", "怎样", "为何", "何时", "哪里", "那么", "这么", "其他", "其中", "之后", "之前", "以后",
    "以前", "以来", "期间", "同时", "另外", "然后", "最后", "根本", "完全", "真的", "实在", "确实",
    "一定", "肯定", "只能", "不要", "不断", "不少", "不到", "不了", "得到", "告知", "回复", "答复",
    "关注", "重视", "支持", "帮助", "谢谢您", "此事", "此类", "有人", "人员", "一位", "一名",
    "一次", "多年", "至今", "迟迟", "依然", "仍然", "仍", "情况下", "规定", "依法", "按照", "根据",
    "有关部门", "相关部门", "主管部门", "职能部门", "附近",
];

static STOP_SET: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| STOP_WORDS.iter().copied().collect());

fn keep_term(word: &str) -> bool {
    let n = word.chars().count();
    if n < 2 || STOP_SET.contains(word) {
        return false;
    }
    let cjk = word.chars().all(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    let latin = word.chars().all(|c| c.is_ascii_alphanumeric())
        && word.chars().filter(|c| c.is_ascii_alphabetic()).count() >= 2;
    cjk || latin
}

/// `chars` with place names and district codes blanked out, so that a place is not also an
/// issue.
fn without_places(chars: &[char], places: &[FoundPlace]) -> Vec<char> {
    let mut cleaned: Vec<char> = chars.to_vec();
    for p in places {
        for c in &mut cleaned[p.start..p.end] {
            *c = '，';
        }
    }
    // District codes are anonymisation artefacts in some exports and places in others; either
    // way they are not the issue.
    for i in 0..cleaned.len() {
        if matches!(cleaned[i], '区' | '县' | '市' | '省')
            && i > 0
            && cleaned[i - 1].is_ascii_alphanumeric()
        {
            let mut s = i;
            while s > 0 && cleaned[s - 1].is_ascii_alphanumeric() {
                s -= 1;
            }
            for c in &mut cleaned[s..=i] {
                *c = '，';
            }
        }
    }
    cleaned
}

fn issue_words(cleaned: &[char]) -> Vec<String> {
    let text: String = cleaned.iter().collect();
    crate::segment::default_jieba()
        .cut(&text, true)
        .into_iter()
        .map(|t| t.word.to_ascii_lowercase())
        .filter(|w| keep_term(w))
        .collect()
}

/// Character bigrams of a title: jieba cuts an unfamiliar name (a new platform, a company) one
/// way in one sentence and another way in the next, while the name's bigrams are in every one.
/// A bigram that is already one of the title's words would only count that word twice. Marked
/// with '#' so they are never mistaken for words in summaries.
fn title_grams(cleaned: &[char], words: &[String]) -> Vec<String> {
    cleaned
        .windows(2)
        .filter(|w| w.iter().all(|c| ('\u{4e00}'..='\u{9fff}').contains(c)))
        .map(|w| format!("{}{}", w[0], w[1]))
        .filter(|g| !words.contains(g))
        .map(|g| format!("#{g}"))
        .collect()
}

// ------------------------------------------------------------------------------------------
// Near-duplicates.

const MINHASH: usize = 64;
const BANDS: usize = 16;
const ROWS: usize = MINHASH / BANDS;

fn hash64<T: Hash>(t: T) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    t.hash(&mut h);
    h.finish()
}

/// SplitMix64: spreads one base hash into independent-looking hashes, one per MinHash row.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn minhash(text: &str) -> Vec<u64> {
    let chars: Vec<char> = text.chars().collect();
    let mut sig = vec![u64::MAX; MINHASH];
    if chars.len() < 3 {
        return sig;
    }
    for w in chars.windows(3) {
        let base = hash64(w);
        for (k, slot) in sig.iter_mut().enumerate() {
            let h = mix(base ^ (k as u64).wrapping_mul(0xA24B_AED4_963E_E407));
            if h < *slot {
                *slot = h;
            }
        }
    }
    sig
}

fn jaccard_estimate(a: &[u64], b: &[u64]) -> f32 {
    if a[0] == u64::MAX || b[0] == u64::MAX {
        return 0.0;
    }
    let same = a.iter().zip(b).filter(|(x, y)| x == y).count();
    same as f32 / MINHASH as f32
}

// ------------------------------------------------------------------------------------------
// Per-message features.

struct Doc {
    places: Vec<FoundPlace>,
    /// Whether each place was named in the title (titles name the place the issue is at;
    /// bodies also mention where people live or what they compare with).
    in_title: Vec<bool>,
    title_words: Vec<String>,
    title_grams: Vec<String>,
    body_words: Vec<String>,
    sig: Vec<u64>,
    /// Identifies a person's identical reposts.
    repost_key: u64,
}

impl Doc {
    fn read(m: &Message, body_chars: usize, dict: &PlaceDictionary) -> Doc {
        let title: Vec<char> = m.title.chars().collect();
        let body: Vec<char> = m.body.chars().take(body_chars).collect();
        let title_places = find_places(&title, dict);
        let body_places = find_places(&body, dict);
        let clean_title = without_places(&title, &title_places);
        let title_words = issue_words(&clean_title);
        let title_grams = title_grams(&clean_title, &title_words);
        let body_words = issue_words(&without_places(&body, &body_places));
        let head: String = title.iter().chain(body.iter()).collect();
        let sig = minhash(&normalize(&head));
        let repost_key = hash64((&m.user, normalize(&m.title), normalize(&m.body)));
        let mut places = title_places;
        let mut in_title = vec![true; places.len()];
        for p in body_places {
            if !places.iter().any(|q| q.key == p.key) {
                places.push(p);
                in_title.push(false);
            }
        }
        Doc {
            places,
            in_title,
            title_words,
            title_grams,
            body_words,
            sig,
            repost_key,
        }
    }
}

/// Interned place keys, and for each message the ids of the places it names at each level,
/// widened with every shorter known key contained in them (东方翠湖苑 also names 翠湖苑).
struct PlaceIndex {
    sites: Vec<Vec<u32>>,
    streets: Vec<Vec<u32>>,
}

impl PlaceIndex {
    fn new(docs: &[Doc]) -> PlaceIndex {
        let mut ids: HashMap<String, u32> = HashMap::new();
        let mut keys: Vec<String> = Vec::new();
        for d in docs {
            for p in &d.places {
                if !ids.contains_key(&p.key) {
                    ids.insert(p.key.clone(), keys.len() as u32);
                    keys.push(p.key.clone());
                }
            }
        }
        // A short key inside a longer one is the same place written shorter; two-character
        // keys only count at the start (翠湖 in 翠湖新城), elsewhere they are too often chance.
        // Names are short, so looking up each one's substrings is cheaper than comparing every
        // pair of names.
        let widened: Vec<Vec<u32>> = keys
            .iter()
            .map(|k| {
                let chars: Vec<char> = k.chars().collect();
                let mut w: Vec<u32> = Vec::new();
                for a in 0..chars.len() {
                    for b in a + 2..=chars.len() {
                        if b - a == 2 && a > 0 {
                            continue;
                        }
                        let sub: String = chars[a..b].iter().collect();
                        if let Some(&id) = ids.get(&sub) {
                            w.push(id);
                        }
                    }
                }
                w.sort_unstable();
                w.dedup();
                w
            })
            .collect();
        let mut sites = Vec::with_capacity(docs.len());
        let mut streets = Vec::with_capacity(docs.len());
        for d in docs {
            let mut s: Vec<u32> = Vec::new();
            let mut t: Vec<u32> = Vec::new();
            for p in &d.places {
                let w = &widened[ids[&p.key] as usize];
                match p.level {
                    Level::Site => s.extend(w),
                    Level::Street => t.extend(w),
                }
            }
            s.sort_unstable();
            s.dedup();
            t.sort_unstable();
            t.dedup();
            sites.push(s);
            streets.push(t);
        }
        PlaceIndex { sites, streets }
    }
}

fn intersects(a: &[u32], b: &[u32]) -> bool {
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => return true,
        }
    }
    false
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PlaceRelation {
    SameSite,
    SameStreet,
    Different,
    Unknown,
}

fn relation(places: &PlaceIndex, i: usize, j: usize) -> PlaceRelation {
    let (si, sj) = (&places.sites[i], &places.sites[j]);
    let (ti, tj) = (&places.streets[i], &places.streets[j]);
    if intersects(si, sj) {
        PlaceRelation::SameSite
    } else if !si.is_empty() && !sj.is_empty() {
        PlaceRelation::Different
    } else if intersects(ti, tj) {
        PlaceRelation::SameStreet
    } else if !ti.is_empty() && !tj.is_empty() && (si.is_empty() && sj.is_empty()) {
        PlaceRelation::Different
    } else {
        // One names an estate and the other only a road: the estate may well be on that road.
        PlaceRelation::Unknown
    }
}

/// TF-IDF vectors of the issue words.
struct TermIndex {
    words: Vec<String>,
    idf: Vec<f32>,
    /// Per message: (term id, weight), sorted by term id, unit length.
    vectors: Vec<Vec<(u32, f32)>>,
    /// Per message: term ids of the title and the body, for summaries.
    present: Vec<Vec<(u32, bool)>>,
}

impl TermIndex {
    fn new(docs: &[Doc]) -> TermIndex {
        let mut ids: HashMap<&str, u32> = HashMap::new();
        let mut words: Vec<String> = Vec::new();
        let mut df: Vec<u32> = Vec::new();
        let mut counts: Vec<HashMap<u32, (f32, bool)>> = Vec::with_capacity(docs.len());
        for d in docs {
            let mut c: HashMap<u32, (f32, bool)> = HashMap::new();
            for (list, weight, title) in [
                (&d.title_words, 2.0, true),
                (&d.title_grams, 1.0, true),
                (&d.body_words, 1.0, false),
            ] {
                for w in list {
                    let id = *ids.entry(w.as_str()).or_insert_with(|| {
                        words.push(w.clone());
                        df.push(0);
                        (words.len() - 1) as u32
                    });
                    let e = c.entry(id).or_insert((0.0, false));
                    e.0 += weight;
                    e.1 |= title;
                }
            }
            for id in c.keys() {
                df[*id as usize] += 1;
            }
            counts.push(c);
        }
        let n = docs.len() as f32;
        // Frequent words are left to the IDF rather than cut at a share of the batch: in a live
        // window one hotspot may fill a third of it, and its defining word must still count.
        let idf: Vec<f32> = df
            .iter()
            .map(|&d| (n / d.max(1) as f32).ln().max(0.0))
            .collect();
        let mut vectors = Vec::with_capacity(docs.len());
        let mut present = Vec::with_capacity(docs.len());
        for c in counts {
            let all: Vec<(u32, f32)> = c
                .iter()
                .map(|(&id, &(tf, _))| (id, (1.0 + tf.ln()) * idf[id as usize]))
                .filter(|&(_, w)| w > 0.0)
                .collect();
            // The norm counts every word, shared or not: a message that shares one word and says
            // ten others is not close to one that shares it and says nothing else.
            let norm = all.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
            let mut v: Vec<(u32, f32)> = all
                .into_iter()
                .filter(|&(id, _)| df[id as usize] >= 2)
                .collect();
            if norm > 0.0 {
                for e in &mut v {
                    e.1 /= norm;
                }
            }
            v.sort_unstable_by_key(|e| e.0);
            vectors.push(v);
            let mut p: Vec<(u32, bool)> = c
                .iter()
                .filter(|&(&id, _)| !words[id as usize].starts_with('#'))
                .map(|(&id, &(_, t))| (id, t))
                .collect();
            p.sort_unstable();
            present.push(p);
        }
        TermIndex {
            words,
            idf,
            vectors,
            present,
        }
    }
}

// ------------------------------------------------------------------------------------------
// Linking and clustering.

struct Link {
    strength: f32,
    /// Centroid similarity the two groups must reach to merge, when the pair alone does not
    /// settle it.
    needs: Option<f32>,
    a: usize,
    b: usize,
}

fn links(
    messages: &[Message],
    docs: &[Doc],
    places: &PlaceIndex,
    terms: &TermIndex,
    config: &HotspotConfig,
) -> Vec<Link> {
    let n = messages.len();
    let window = config.window_days.max(0) * 86_400;
    let close = |a: usize, b: usize| {
        (messages[a].time.timestamp() - messages[b].time.timestamp()).abs() <= window
    };

    // Candidate pairs: sharing an informative word (with the dot product accumulated on the
    // way), or falling in the same MinHash band.
    let mut postings: Vec<Vec<(u32, f32)>> = vec![Vec::new(); terms.words.len()];
    for (i, v) in terms.vectors.iter().enumerate() {
        for &(t, w) in v {
            postings[t as usize].push((i as u32, w));
        }
    }
    let mut out = Vec::new();
    // Per candidate: the dot product and how many terms it rests on.
    let mut dot: HashMap<u32, (f32, u32)> = HashMap::new();
    for i in 0..n {
        dot.clear();
        for &(t, w) in &terms.vectors[i] {
            for &(j, wj) in &postings[t as usize] {
                if (j as usize) > i {
                    let e = dot.entry(j).or_insert((0.0, 0));
                    e.0 += w * wj;
                    e.1 += 1;
                }
            }
        }
        for (&j, &(cos, shared)) in &dot {
            let j = j as usize;
            if close(i, j)
                && let Some((strength, needs)) =
                    link_strength(i, j, cos, shared, docs, places, config)
            {
                out.push(Link {
                    strength,
                    needs,
                    a: i,
                    b: j,
                });
            }
        }
    }
    let mut seen: HashSet<(usize, usize)> = out.iter().map(|l| (l.a, l.b)).collect();
    for band in 0..BANDS {
        let mut buckets: HashMap<u64, Vec<usize>> = HashMap::new();
        for (i, d) in docs.iter().enumerate() {
            if d.sig[0] == u64::MAX {
                continue;
            }
            buckets
                .entry(hash64(&d.sig[band * ROWS..(band + 1) * ROWS]))
                .or_default()
                .push(i);
        }
        for members in buckets.values() {
            for (x, &i) in members.iter().enumerate() {
                for &j in &members[x + 1..] {
                    if close(i, j)
                        && seen.insert((i, j))
                        && let Some((strength, needs)) =
                            link_strength(i, j, 0.0, 0, docs, places, config)
                    {
                        out.push(Link {
                            strength,
                            needs,
                            a: i,
                            b: j,
                        });
                    }
                }
            }
        }
    }
    out
}

/// How strongly two messages belong together and what their groups must still show to merge,
/// or `None` when they do not belong together. Near-duplicates rank above same-place matches,
/// which rank above matches on the issue alone.
fn link_strength(
    i: usize,
    j: usize,
    cos: f32,
    shared: u32,
    docs: &[Doc],
    places: &PlaceIndex,
    config: &HotspotConfig,
) -> Option<(f32, Option<f32>)> {
    let relation = relation(places, i, j);
    // A complaint copied word for word to another estate is about that other estate.
    if relation == PlaceRelation::Different {
        return None;
    }
    let jac = jaccard_estimate(&docs[i].sig, &docs[j].sig);
    if jac >= config.duplicate_jaccard {
        return Some((2.0 + jac, None));
    }
    // One shared word is a coincidence without a place to back it ("夜间" in a noise complaint
    // and in a bus timetable request); two begin to describe an issue.
    let weak = cos >= config.candidate_similarity && shared >= 2;
    match relation {
        PlaceRelation::SameSite if cos >= config.same_site_similarity => Some((1.0 + cos, None)),
        PlaceRelation::SameStreet if cos >= config.same_street_similarity => {
            Some((1.0 + cos, None))
        }
        PlaceRelation::SameStreet if weak => Some((cos, Some(config.same_street_similarity))),
        PlaceRelation::Unknown if weak => Some((cos, Some(config.unplaced_similarity))),
        _ => None,
    }
}

/// A group's sum of unit vectors, for its similarity to another group.
#[derive(Default)]
struct Centroid {
    sum: BTreeMap<u32, f32>,
    norm2: f32,
}

impl Centroid {
    fn of(v: &[(u32, f32)]) -> Centroid {
        Centroid {
            sum: v.iter().copied().collect(),
            norm2: v.iter().map(|(_, w)| w * w).sum(),
        }
    }

    fn dot(&self, other: &Centroid) -> f32 {
        let (small, large) = if self.sum.len() <= other.sum.len() {
            (self, other)
        } else {
            (other, self)
        };
        small
            .sum
            .iter()
            .filter_map(|(t, w)| large.sum.get(t).map(|x| w * x))
            .sum()
    }

    fn cos(&self, other: &Centroid) -> f32 {
        let n = (self.norm2 * other.norm2).sqrt();
        if n > 0.0 { self.dot(other) / n } else { 0.0 }
    }

    fn absorb(&mut self, mut other: Centroid) {
        let dot = self.dot(&other);
        if other.sum.len() > self.sum.len() {
            std::mem::swap(&mut self.sum, &mut other.sum);
        }
        for (t, w) in other.sum {
            *self.sum.entry(t).or_insert(0.0) += w;
        }
        self.norm2 += other.norm2 + 2.0 * dot;
    }
}

/// Single-link clustering over the links, strongest first, refusing any merge that would put
/// two different sites in one group (what the places say outranks a chain of similar words)
/// and any merge on a weak link whose groups are not similar as wholes.
fn cluster(
    n: usize,
    links: &[Link],
    docs: &[Doc],
    places: &PlaceIndex,
    terms: &TermIndex,
) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    // Sites named in titles define a group's place; a body's passing mention does not.
    let mut sites: Vec<Vec<u32>> = (0..n)
        .map(|i| {
            let titled = docs[i]
                .places
                .iter()
                .zip(&docs[i].in_title)
                .any(|(p, &t)| t && p.level == Level::Site);
            if titled {
                places.sites[i].clone()
            } else {
                Vec::new()
            }
        })
        .collect();
    let mut centroids: Vec<Centroid> = terms.vectors.iter().map(|v| Centroid::of(v)).collect();
    let mut order: Vec<&Link> = links.iter().collect();
    order.sort_by(|x, y| {
        y.strength
            .total_cmp(&x.strength)
            .then((x.a, x.b).cmp(&(y.a, y.b)))
    });
    // A weak link refused early may pass once its groups have grown around their common
    // words, so weak links get a second pass.
    let mut retry: Vec<&Link> = Vec::new();
    for pass in 0..2 {
        let todo = if pass == 0 {
            order.clone()
        } else {
            std::mem::take(&mut retry)
        };
        for l in todo {
            let (ra, rb) = (find(&mut parent, l.a), find(&mut parent, l.b));
            if ra == rb {
                continue;
            }
            let (sa, sb) = (&sites[ra], &sites[rb]);
            if !sa.is_empty() && !sb.is_empty() && !intersects(sa, sb) {
                continue;
            }
            if let Some(needs) = l.needs
                && centroids[ra].cos(&centroids[rb]) < needs
            {
                retry.push(l);
                continue;
            }
            let mut merged = std::mem::take(&mut sites[ra]);
            merged.extend(std::mem::take(&mut sites[rb]));
            merged.sort_unstable();
            merged.dedup();
            sites[ra] = merged;
            let absorbed = std::mem::take(&mut centroids[rb]);
            centroids[ra].absorb(absorbed);
            parent[rb] = ra;
        }
    }
    let mut groups: HashMap<usize, Vec<usize>> = HashMap::new();
    for i in 0..n {
        let r = find(&mut parent, i);
        groups.entry(r).or_default().push(i);
    }
    let mut groups: Vec<Vec<usize>> = groups.into_values().collect();
    groups.sort_by_key(|g| g[0]);
    groups
}

// ------------------------------------------------------------------------------------------
// Describing a group.

fn describe(
    members: &[usize],
    messages: &[Message],
    docs: &[Doc],
    terms: &TermIndex,
    config: &HotspotConfig,
) -> Option<Hotspot> {
    let mut people: HashSet<&str> = HashSet::new();
    let mut anonymous = 0usize;
    for &i in members {
        if messages[i].user.is_empty() {
            anonymous += 1;
        } else {
            people.insert(&messages[i].user);
        }
    }
    let people = people.len() + anonymous;
    if people < config.min_people.max(1) {
        return None;
    }
    let reposts: HashSet<u64> = members.iter().map(|&i| docs[i].repost_key).collect();
    let count = reposts.len();
    let likes: u64 = members.iter().map(|&i| u64::from(messages[i].likes)).sum();
    let mut ordered: Vec<usize> = members.to_vec();
    ordered.sort_by(|&a, &b| {
        messages[a]
            .time
            .cmp(&messages[b].time)
            .then(messages[a].id.cmp(&messages[b].id))
    });
    let start = messages[ordered[0]].time;
    let end = messages[ordered[ordered.len() - 1]].time;
    let days = (end - start).num_seconds().max(0) as f64 / 86_400.0;
    let w = &config.weights;
    let heat = w.people * people as f64
        + w.messages * count.saturating_sub(people) as f64
        + w.likes * (likes as f64).ln_1p()
        + w.span * days.ln_1p();

    let place = group_place(members, docs);
    let keywords = group_keywords(members, terms, &place);
    let summary = match (place.is_empty(), keywords.is_empty()) {
        (false, false) => format!("{place}：{}", keywords.join("、")),
        (false, true) => place.clone(),
        (true, _) => keywords.join("、"),
    };
    Some(Hotspot {
        heat: (heat * 100.0).round() / 100.0,
        start,
        end,
        place,
        people,
        messages: count,
        likes,
        keywords,
        summary,
        message_ids: ordered.iter().map(|&i| messages[i].id.clone()).collect(),
    })
}

/// The place most members name (sites before streets, titles before bodies), written the way
/// most of them write it, behind the district most of them give.
fn group_place(members: &[usize], docs: &[Doc]) -> String {
    let mut votes: HashMap<&str, f32> = HashMap::new();
    let mut spelled: HashMap<&str, HashMap<&str, u32>> = HashMap::new();
    let mut in_title: HashSet<&str> = HashSet::new();
    for &i in members {
        let mut voted: HashSet<&str> = HashSet::new();
        for (p, &title) in docs[i].places.iter().zip(&docs[i].in_title) {
            if !voted.insert(&p.key) {
                continue;
            }
            let weight = match (p.level, title) {
                (Level::Site, true) => 3.0,
                (Level::Site, false) => 1.0,
                (Level::Street, true) => 1.5,
                (Level::Street, false) => 0.5,
            };
            *votes.entry(&p.key).or_default() += weight;
            *spelled
                .entry(&p.key)
                .or_default()
                .entry(&p.raw)
                .or_default() += 1;
            if title {
                in_title.insert(&p.key);
            }
        }
    }
    // Names inside one another are one place written longer or shorter (金桂园, 滨水苑,
    // 金桂园滨水苑): they pool their votes, and on a tie the fullest name is shown.
    let mut keys: Vec<&str> = votes.keys().copied().collect();
    keys.sort_unstable();
    let mut support: Vec<(&str, f32)> = keys
        .iter()
        .map(|&k| {
            let pooled: f32 = keys
                .iter()
                .filter(|&&o| related(o, k))
                .map(|o| votes[o])
                .sum();
            (k, pooled)
        })
        .collect();
    support.sort_by(|a, b| {
        b.1.total_cmp(&a.1)
            .then(b.0.chars().count().cmp(&a.0.chars().count()))
            .then(a.0.cmp(b.0))
    });
    // A place one message mentions is not the place of a group about a city-wide policy, and
    // one body's passing mention is not the place of any group.
    let Some(&(key, _)) = support.first() else {
        return String::new();
    };
    let naming = members
        .iter()
        .filter(|&&i| docs[i].places.iter().any(|p| related(&p.key, key)))
        .count();
    let titled = in_title.iter().any(|k| related(k, key));
    if naming * 4 < members.len() || (naming < 2 && !titled) {
        return String::new();
    }
    let raw = spelled[key]
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(r, _)| r.to_string())
        .unwrap_or_else(|| key.to_string());
    let mut areas: HashMap<&str, u32> = HashMap::new();
    let mut mentions = 0;
    for &i in members {
        for p in docs[i].places.iter().filter(|p| related(&p.key, key)) {
            mentions += 1;
            if let Some(a) = &p.area {
                *areas.entry(a).or_default() += 1;
            }
        }
    }
    let area = areas
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
        .filter(|&(_, c)| c * 2 >= mentions);
    match area {
        Some((a, _)) => format!("{a}{raw}"),
        None => raw,
    }
}

fn related(a: &str, b: &str) -> bool {
    a.contains(b) || b.contains(a)
}

/// Words most typical of the group: frequent among its members, rare in the batch.
fn group_keywords(members: &[usize], terms: &TermIndex, place: &str) -> Vec<String> {
    let mut score: HashMap<u32, (f32, u32)> = HashMap::new();
    for &i in members {
        for &(t, in_title) in &terms.present[i] {
            let e = score.entry(t).or_insert((0.0, 0));
            e.0 += if in_title { 2.0 } else { 1.0 };
            e.1 += 1;
        }
    }
    let min_docs = if members.len() >= 2 { 2 } else { 1 };
    let mut ranked: Vec<(u32, f32)> = score
        .into_iter()
        .filter(|&(t, (_, docs))| {
            docs >= min_docs
                && terms.idf[t as usize] > 0.0
                && !place.contains(&terms.words[t as usize])
        })
        .map(|(t, (s, _))| (t, s * terms.idf[t as usize]))
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut out: Vec<String> = Vec::new();
    for (t, _) in ranked {
        let w = &terms.words[t as usize];
        // 搅拌站 and 搅拌 say the same thing twice.
        if out
            .iter()
            .any(|o| o.contains(w.as_str()) || w.contains(o.as_str()))
        {
            continue;
        }
        out.push(w.clone());
        if out.len() == 4 {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn at(day: i64, hour: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 3, 1, 8, 0, 0)
            .single()
            .expect("valid date")
            + Duration::days(day)
            + Duration::hours(hour)
    }

    fn msg(id: &str, user: &str, day: i64, title: &str, body: &str, likes: u32) -> Message {
        Message {
            id: id.to_string(),
            user: user.to_string(),
            title: title.to_string(),
            body: body.to_string(),
            time: at(day, id.len() as i64),
            likes,
        }
    }

    /// Three places with one issue each, plus what must stay out: another issue at the same
    /// estate, the same issue at another estate, the same issue three months later, and
    /// unrelated questions.
    fn stream() -> Vec<Message> {
        let elevator = [
            (
                "a1",
                "u1",
                0,
                "翠湖苑小区电梯又坏了",
                "翠湖苑小区3栋电梯又出故障，老人上下楼非常困难，物业迟迟不维修。",
            ),
            (
                "a2",
                "u2",
                1,
                "翠湖苑3栋电梯故障困人",
                "昨天电梯故障把人困在里面半小时，请督促物业尽快维修电梯。",
            ),
            (
                "a3",
                "u3",
                2,
                "投诉翠湖苑小区电梯长期故障",
                "电梯长期故障无人维修，业主多次找物业没有结果。",
            ),
            (
                "a4",
                "u4",
                4,
                "翠湖苑小区电梯停运一周",
                "电梯停运已经一周，物业说配件没到，维修遥遥无期。",
            ),
            (
                "a5",
                "u5",
                5,
                "翠湖苑电梯故障有安全隐患",
                "电梯运行时异响抖动，经常故障，存在安全隐患，希望尽快维修。",
            ),
            (
                "a6",
                "u6",
                7,
                "请求督促翠湖苑物业维修电梯",
                "小区电梯频繁故障，物业推诿不维修。",
            ),
            (
                "a7",
                "u7",
                9,
                "翠湖苑小区电梯故障何时修好",
                "电梯故障半个月了，住高层的业主苦不堪言。",
            ),
            (
                "a8",
                "u1",
                10,
                "翠湖苑小区电梯又坏了",
                "翠湖苑小区3栋电梯又出故障，老人上下楼非常困难，物业迟迟不维修。",
            ),
        ];
        let garbage = [
            (
                "b1",
                "v1",
                3,
                "东湖新村垃圾站臭味熏人",
                "东湖新村门口的垃圾站夏天臭味熏人，蚊蝇很多。",
            ),
            (
                "b2",
                "v2",
                4,
                "东湖新村垃圾站需要搬迁",
                "垃圾站离住宅太近，臭味影响休息，请求搬迁垃圾站。",
            ),
            (
                "b3",
                "v3",
                6,
                "投诉东湖新村垃圾清运不及时",
                "垃圾站的垃圾堆积几天不清运，臭味严重。",
            ),
            (
                "b4",
                "v4",
                8,
                "东湖新村垃圾站污水横流",
                "垃圾站污水流到路上，臭味很大。",
            ),
            (
                "b5",
                "v5",
                11,
                "东湖新村垃圾站扰民",
                "每天清晨垃圾站作业噪音大，臭味也大。",
            ),
        ];
        let noise = [
            (
                "c1",
                "w1",
                2,
                "滨江花园旁工地夜间施工噪音扰民",
                "滨江花园旁边工地每晚施工到凌晨，噪音很大。",
                4,
            ),
            (
                "c2",
                "w2",
                3,
                "滨江花园附近工地深夜施工",
                "工地深夜施工打桩，噪音让人无法入睡。",
                3,
            ),
            (
                "c3",
                "w3",
                5,
                "投诉滨江花园周边夜间施工",
                "夜间施工噪音严重，孩子无法休息。",
                3,
            ),
        ];
        let others = [
            (
                "x1",
                "z1",
                3,
                "翠湖苑小区停车费上涨",
                "物业擅自上调停车费，业主不认可。",
            ),
            (
                "x2",
                "z2",
                4,
                "东湖新村电梯故障",
                "东湖新村的电梯也经常故障，希望维修。",
            ),
            (
                "x3",
                "z3",
                100,
                "翠湖苑小区电梯又故障了",
                "电梯故障，物业不维修。",
            ),
            (
                "x4",
                "z4",
                1,
                "咨询社保卡补办流程",
                "社保卡丢失后在哪里补办，需要带什么材料？",
            ),
            (
                "x5",
                "z5",
                2,
                "建议增开夜间公交线路",
                "下晚班没有公交，建议增开夜间线路。",
            ),
            (
                "x6",
                "z6",
                3,
                "医保异地报销咨询",
                "在外地住院的费用如何办理医保报销？",
            ),
            (
                "x7",
                "z7",
                5,
                "随迁子女入学需要什么材料",
                "孩子随迁入学需要哪些证明？",
            ),
            (
                "x8",
                "z8",
                6,
                "金桂园物业服务差",
                "金桂园物业不作为，业主投诉无人理。",
            ),
            (
                "x9",
                "z9",
                7,
                "望江路路灯不亮",
                "望江路一段路灯坏了很久，夜间出行不安全。",
            ),
            (
                "x10",
                "z10",
                8,
                "柳林村自来水浑浊",
                "柳林村自来水发黄浑浊，村民不敢饮用。",
            ),
            (
                "x11",
                "z11",
                9,
                "银杏里物业乱收费",
                "银杏里物业乱收费，业主很不满。",
            ),
        ];
        let mut out = Vec::new();
        for (id, user, day, title, body) in elevator.into_iter().chain(garbage).chain(others) {
            out.push(msg(id, user, day, title, body, 0));
        }
        for (id, user, day, title, body, likes) in noise {
            out.push(msg(id, user, day, title, body, likes));
        }
        out
    }

    fn ids(h: &Hotspot) -> Vec<&str> {
        let mut v: Vec<&str> = h.message_ids.iter().map(String::as_str).collect();
        v.sort_unstable();
        v
    }

    #[test]
    fn synthetic_stream_groups_place_and_issue_and_ranks_by_heat() {
        let hs = find_hotspots(&stream(), &HotspotConfig::default());
        let got: Vec<Vec<&str>> = hs.iter().map(ids).collect();
        assert_eq!(
            got,
            [
                vec!["a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8"],
                vec!["c1", "c2", "c3"],
                vec!["b1", "b2", "b3", "b4", "b5"],
            ],
            "{hs:#?}"
        );
        let (a, c, b) = (&hs[0], &hs[1], &hs[2]);
        assert_eq!((a.people, a.messages), (7, 7), "the repost counts once");
        assert!(a.place.contains("翠湖苑"), "{}", a.place);
        assert!(a.keywords.iter().any(|k| k == "电梯"), "{:?}", a.keywords);
        assert!(a.summary.starts_with(&a.place));
        assert_eq!(a.message_ids.first().map(String::as_str), Some("a1"));
        assert_eq!(a.message_ids.last().map(String::as_str), Some("a8"));
        assert_eq!((a.start, a.end), (at(0, 2), at(10, 2)));
        assert!(b.place.contains("东湖新村") && b.keywords.iter().any(|k| k.contains("垃圾")));
        assert!(c.place.contains("滨江花园") && c.likes == 10);
        // Heat as documented: 5 people, 5 messages, no likes, a span of 8 days.
        let days = (b.end - b.start).num_seconds() as f64 / 86_400.0;
        let expected = 5.0 + 0.5 * days.ln_1p();
        assert!((b.heat - expected).abs() < 0.01, "{} vs {expected}", b.heat);
        assert!(a.heat > c.heat && c.heat > b.heat);
    }

    #[test]
    fn different_estates_stay_apart_even_with_the_same_words() {
        let text = "电梯故障，物业不维修，老人上下楼困难。";
        let mut m = Vec::new();
        for (k, place) in ["翠湖苑", "金桂园"].iter().enumerate() {
            for u in 0..3 {
                let id = format!("{k}{u}");
                m.push(msg(&id, &id, u, &format!("{place}电梯故障"), text, 0));
            }
        }
        let hs = find_hotspots(&m, &HotspotConfig::default());
        assert_eq!(hs.len(), 2, "{hs:#?}");
        assert!(hs.iter().all(|h| h.people == 3));
        assert_ne!(hs[0].place, hs[1].place);
    }

    #[test]
    fn near_duplicates_without_a_place_are_one_hotspot() {
        let body = "我们是小区业主，开发商承诺的学位至今没有兑现，孩子马上要开学了，请求教育部门协调解决。";
        let m: Vec<Message> = (0..4)
            .map(|u| {
                msg(
                    &format!("d{u}"),
                    &format!("p{u}"),
                    u,
                    "承诺的学位没有兑现",
                    body,
                    1,
                )
            })
            .chain([msg(
                "e1",
                "q1",
                1,
                "咨询公积金提取",
                "离职后公积金怎么提取？",
                0,
            )])
            .collect();
        let hs = find_hotspots(&m, &HotspotConfig::default());
        assert_eq!(hs.len(), 1, "{hs:#?}");
        assert_eq!(ids(&hs[0]), ["d0", "d1", "d2", "d3"]);
        assert_eq!(hs[0].place, "");
        assert_eq!(hs[0].likes, 4);
    }

    #[test]
    fn the_window_splits_distant_bursts() {
        let mut m = Vec::new();
        for (burst, start) in [(0, 0), (1, 90)] {
            for u in 0..3 {
                let id = format!("{burst}-{u}");
                m.push(msg(
                    &id,
                    &id,
                    start + u,
                    "翠湖苑小区电梯故障",
                    "电梯又坏了，请尽快维修。",
                    0,
                ));
            }
        }
        let config = HotspotConfig::default();
        assert_eq!(find_hotspots(&m, &config).len(), 2);
        let wide = HotspotConfig {
            window_days: 120,
            ..HotspotConfig::default()
        };
        assert_eq!(find_hotspots(&m, &wide).len(), 1);
    }

    #[test]
    fn people_not_messages_make_a_hotspot() {
        let one_person: Vec<Message> = (0..5)
            .map(|k| {
                msg(
                    &format!("r{k}"),
                    "same",
                    k,
                    "翠湖苑小区电梯故障",
                    "电梯又坏了，请尽快维修。",
                    0,
                )
            })
            .collect();
        assert!(find_hotspots(&one_person, &HotspotConfig::default()).is_empty());
        // Unknown authors count one each.
        let anonymous: Vec<Message> = (0..2)
            .map(|k| {
                msg(
                    &format!("n{k}"),
                    "",
                    k,
                    "翠湖苑小区电梯故障",
                    "电梯又坏了，请尽快维修。",
                    0,
                )
            })
            .collect();
        let hs = find_hotspots(&anonymous, &HotspotConfig::default());
        assert_eq!(hs.len(), 1);
        assert_eq!(hs[0].people, 2);
        assert!(find_hotspots(&[], &HotspotConfig::default()).is_empty());
    }

    #[test]
    fn domain_dictionary_names_places_the_suffix_rules_miss() {
        let mut m = Vec::new();
        for (k, place) in ["银杏里", "枫叶里"].iter().enumerate() {
            for u in 0..2 {
                let id = format!("{k}{u}");
                m.push(msg(
                    &id,
                    &id,
                    u,
                    &format!("{place}电梯故障"),
                    "电梯故障，请尽快维修。",
                    0,
                ));
            }
        }
        // Without the dictionary neither name is seen, and the four messages are one issue.
        assert_eq!(find_hotspots(&m, &HotspotConfig::default()).len(), 1);
        let config = HotspotConfig {
            places: vec!["银杏里".into(), "枫叶里".into()],
            ..HotspotConfig::default()
        };
        let hs = find_hotspots(&m, &config);
        assert_eq!(hs.len(), 2, "{hs:#?}");
        assert!(hs.iter().any(|h| h.place == "银杏里"));
    }

    fn place_names(text: &str) -> Vec<(String, Option<String>)> {
        let chars: Vec<char> = text.chars().collect();
        find_places(&chars, &PlaceDictionary::new(&[]))
            .into_iter()
            .map(|p| (p.raw, p.area))
            .collect()
    }

    #[test]
    fn place_names_are_found_whole_and_words_are_not_places() {
        let p = |s: &str| (s.to_string(), None::<String>);
        assert_eq!(
            place_names("B3区翠湖苑小区附近新建搅拌站"),
            [("翠湖苑小区".to_string(), Some("B3区".to_string()))]
        );
        assert_eq!(place_names("投诉金桂园滨水苑捆绑销售"), [p("金桂园滨水苑")]);
        assert_eq!(
            place_names("望江路和柳林路交汇处没有红绿灯"),
            [p("望江路"), p("柳林路")]
        );
        assert_eq!(
            place_names("东风大道与和平路口"),
            [p("东风大道"), p("和平路")]
        );
        assert_eq!(place_names("湖滨街道翠湖苑的电梯"), [p("翠湖苑")]);
        for text in [
            "创建文明城市",
            "道路破损严重",
            "住户反映施工噪音持续传入小区",
            "安置小区质量差",
            "县城的路灯不亮",
            "老板跑路了",
        ] {
            assert!(
                place_names(text).is_empty(),
                "{text}: {:?}",
                place_names(text)
            );
        }
        assert_eq!(place_key("翠湖苑小区"), "翠湖苑");
    }
}
