//! Full-text search over cases: a tantivy index that is a projection of the case log.
//!
//! A case's text (title, request, facts, place, opinion) is indexed as overlapping character
//! bigrams and trigrams, so a query term matches a case exactly when it is a substring of the
//! text, whatever a word segmenter would have made of it: one or two characters through the
//! bigrams, three or more through the trigrams (a single term for three characters, a short
//! phrase of every third trigram beyond). Titles are also indexed as jieba words (with the
//! deployment's domain dictionary) and as bigrams, which only rank: a match in the title
//! scores higher. Terms are separated by whitespace or punctuation and all must match.
//!
//! The index holds no personal data: [`CaseDoc`] has no field for a name, phone or identity
//! number, and long digit runs in the free text (phone and identity numbers written into a
//! request) are masked before the text is indexed or stored. Names written into free text
//! cannot be recognised reliably; callers pass the text as the case's handlers may read it.
//!
//! Access: every search carries a [`Visibility`]; a handler only finds cases visible to one of
//! their units or inside one of their regions.
//!
//! ```no_run
//! use minsheng_text::search::{CaseDoc, SearchIndex, SearchQuery, Visibility};
//! use minsheng_text::segment::Segmenter;
//! # fn main() -> Result<(), minsheng_text::search::SearchError> {
//! let index = SearchIndex::open("data/search".as_ref(), Segmenter::new())?;
//! # let doc: CaseDoc = todo!();
//! index.upsert(&doc)?;
//! index.commit()?;
//! let found = index.search(&SearchQuery {
//!     text: "翠湖 电梯".into(),
//!     visibility: Visibility::Units(vec!["u-housing".into()]),
//!     ..SearchQuery::default()
//! })?;
//! # Ok(()) }
//! ```

mod highlight;
mod tokenize;

pub use highlight::escape_html;

use crate::segment::Segmenter;
use chrono::{DateTime, Utc};
use std::ops::Bound;
use std::path::Path;
use std::sync::RwLock;
use tantivy::collector::{Count, TopDocs};
use tantivy::directory::MmapDirectory;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, Occur, PhraseQuery, Query,
    RangeQuery, RegexQuery, TermQuery, TermSetQuery,
};
use tantivy::schema::{
    FAST, Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::tokenizer::{TextAnalyzer, TokenizerManager};
use tantivy::{
    DocAddress, Index, IndexReader, IndexWriter, Order, ReloadPolicy, TantivyDocument, Term,
};
use tokenize::{BIGRAM, BigramTokenizer, TRIGRAM, TrigramTokenizer, WORDS, WordsTokenizer};

/// One case as the index sees it. Build it from the case projection; the index keeps a copy of
/// the text fields for snippets.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CaseDoc {
    /// The case id (uuid or case number); the key `upsert` replaces by.
    pub id: String,
    pub title: String,
    /// 诉求: what the citizen asks for.
    pub request: String,
    /// 事实和理由.
    pub facts: String,
    /// The place the matter is about (not the petitioner's home address).
    pub address: String,
    /// 处理意见: the handling opinion, once there is one.
    pub opinion: String,
    /// Status code (`CaseStatus::as_str`).
    pub status: String,
    /// `CaseKind::as_str`.
    pub kind: String,
    /// `Channel::as_str`.
    pub channel: String,
    /// The unit currently handling the case, for the "unit" filter.
    pub handling_unit: Option<String>,
    /// Every unit whose staff may open the case (handling unit, the office that transferred
    /// it, supervisors…): the access filter [`Visibility::Units`] matches against this.
    pub visible_to: Vec<String>,
    /// The case's region and all its ancestors (community → township → county → city →
    /// province), so a subtree filter is one term.
    pub region_chain: Vec<String>,
    /// The topic and its ancestors ("030102", "0301", "03").
    pub topic_chain: Vec<String>,
    pub created: DateTime<Utc>,
}

/// Who is searching. The default finds nothing: a caller must say what may be seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visibility {
    /// Everything (administrators, the petition office of the top level).
    All,
    /// Cases visible to any of these units.
    Units(Vec<String>),
    /// Cases in any of these regions or below them (grid workers, township offices).
    Regions(Vec<String>),
    /// Cases visible to any of the units or in any of the regions.
    UnitsOrRegions {
        units: Vec<String>,
        regions: Vec<String>,
    },
}

impl Default for Visibility {
    fn default() -> Self {
        Visibility::Units(Vec::new())
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SortBy {
    /// Best match first; newest first when the query has no text.
    #[default]
    Relevance,
    /// Newest first.
    Newest,
    /// Oldest first.
    Oldest,
}

/// A search. Empty filter lists mean "any".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    /// What the person typed. Empty lists every case the filters and visibility allow.
    pub text: String,
    /// Any of these statuses.
    pub statuses: Vec<String>,
    /// Handled by any of these units.
    pub units: Vec<String>,
    /// In this region or below it.
    pub region: Option<String>,
    /// On this topic or below it.
    pub topic: Option<String>,
    pub kinds: Vec<String>,
    pub channels: Vec<String>,
    /// Created at or after.
    pub created_from: Option<DateTime<Utc>>,
    /// Created before.
    pub created_until: Option<DateTime<Utc>>,
    pub visibility: Visibility,
    pub sort: SortBy,
    /// At most [`MAX_LIMIT`].
    pub limit: usize,
    /// At most [`MAX_OFFSET`].
    pub offset: usize,
}

impl Default for SearchQuery {
    fn default() -> Self {
        SearchQuery {
            text: String::new(),
            statuses: Vec::new(),
            units: Vec::new(),
            region: None,
            topic: None,
            kinds: Vec::new(),
            channels: Vec::new(),
            created_from: None,
            created_until: None,
            visibility: Visibility::default(),
            sort: SortBy::default(),
            limit: 20,
            offset: 0,
        }
    }
}

pub const MAX_LIMIT: usize = 500;
/// Deep pages cost a top-k of offset + limit per segment; nobody reads page 500.
pub const MAX_OFFSET: usize = 10_000;
/// Query text longer than this (in characters) is refused rather than silently cut.
pub const MAX_QUERY_CHARS: usize = 200;
pub const MAX_QUERY_TERMS: usize = 16;
/// Snippet length in characters.
pub const SNIPPET_CHARS: usize = 120;

#[derive(Debug, Clone, PartialEq)]
pub struct SearchResults {
    /// How many cases match in all (for paging).
    pub total: usize,
    pub hits: Vec<SearchHit>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    pub id: String,
    /// BM25 score; 0 when sorted by date.
    pub score: f32,
    pub created: DateTime<Utc>,
    /// The title, HTML-escaped, query terms in `<mark>`.
    pub title_html: String,
    /// About [`SNIPPET_CHARS`] characters of the request, facts, opinion or address around the
    /// first match, HTML-escaped, query terms in `<mark>`.
    pub snippet_html: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("search index directory: {0}")]
    Directory(String),
    #[error("search index I/O: {0}")]
    Io(#[from] std::io::Error),
    /// Bad input from the person searching; show the message and change nothing.
    #[error("invalid search: {en}")]
    InvalidQuery { zh: &'static str, en: &'static str },
}

/// Writer settings. The server wants one thread and a small heap (indexing happens a case at a
/// time as events commit); a rebuild of a million cases wants more.
#[derive(Debug, Clone, Copy)]
pub struct WriterOptions {
    pub threads: usize,
    /// Total indexing heap in bytes, split across threads (tantivy needs ≥ 15 MB per thread).
    pub memory_bytes: usize,
}

impl Default for WriterOptions {
    fn default() -> Self {
        WriterOptions {
            threads: 1,
            memory_bytes: 50_000_000,
        }
    }
}

impl WriterOptions {
    /// For rebuilding a whole index in a process of its own (`minsheng reindex`): a thread per
    /// core (at most 8) and 200 MB of heap each. One thread with the server's small heap left a
    /// million-case rebuild bound to one core and flushing small segments that then had to be
    /// merged.
    pub fn bulk() -> Self {
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, 8);
        WriterOptions {
            threads,
            memory_bytes: 200_000_000 * threads,
        }
    }
}

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    title: Field,
    title_ng: Field,
    /// Title and body as one value (so positions never overlap between fields).
    text_ng: Field,
    text_tg: Field,
    request: Field,
    facts: Field,
    address: Field,
    opinion: Field,
    status: Field,
    kind: Field,
    channel: Field,
    unit: Field,
    visible_to: Field,
    region: Field,
    topic: Field,
    created: Field,
}

const CREATED: &str = "created";

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let indexed = |tokenizer: &str| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
    };
    let stored = TextOptions::default().set_stored();
    let f = Fields {
        id: b.add_text_field("id", STRING | STORED | FAST),
        title: b.add_text_field("title", indexed(WORDS) | STORED),
        title_ng: b.add_text_field("title_ng", indexed(BIGRAM)),
        text_ng: b.add_text_field("text_ng", indexed(BIGRAM)),
        text_tg: b.add_text_field("text_tg", indexed(TRIGRAM)),
        request: b.add_text_field("request", stored.clone()),
        facts: b.add_text_field("facts", stored.clone()),
        address: b.add_text_field("address", stored.clone()),
        opinion: b.add_text_field("opinion", stored),
        status: b.add_text_field("status", STRING),
        kind: b.add_text_field("kind", STRING),
        channel: b.add_text_field("channel", STRING),
        unit: b.add_text_field("unit", STRING),
        visible_to: b.add_text_field("visible_to", STRING),
        region: b.add_text_field("region", STRING),
        topic: b.add_text_field("topic", STRING),
        created: b.add_i64_field(
            CREATED,
            tantivy::schema::INDEXED | tantivy::schema::FAST | STORED,
        ),
    };
    (b.build(), f)
}

/// The case search index. Share it behind an `Arc`: searches and upserts take `&self` and may
/// run concurrently; `commit` briefly blocks upserts.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: RwLock<IndexWriter>,
    fields: Fields,
    words: WordsTokenizer,
    fresh: bool,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("docs", &self.num_docs())
            .field("fresh", &self.fresh)
            .finish()
    }
}

impl SearchIndex {
    /// Opens the index in `dir`, creating it if absent. An index written by an older schema is
    /// wiped and recreated empty (it is a projection): check [`SearchIndex::needs_rebuild`].
    /// Use the same segmenter (domain dictionary) as at the last rebuild for best ranking;
    /// recall does not depend on it.
    pub fn open(dir: &Path, segmenter: Segmenter) -> Result<Self, SearchError> {
        Self::open_with(dir, segmenter, WriterOptions::default())
    }

    pub fn open_with(
        dir: &Path,
        segmenter: Segmenter,
        options: WriterOptions,
    ) -> Result<Self, SearchError> {
        std::fs::create_dir_all(dir)?;
        let (schema, fields) = schema();
        let tokenizers = tokenizers(&segmenter);
        let open = |dir: &Path| -> Result<Index, SearchError> {
            let mmap =
                MmapDirectory::open(dir).map_err(|e| SearchError::Directory(e.to_string()))?;
            Ok(Index::builder()
                .schema(schema.clone())
                .tokenizers(tokenizers.clone())
                .open_or_create(mmap)?)
        };
        let existed = dir.join("meta.json").exists();
        let (index, fresh) = match open(dir) {
            Ok(index) => (index, !existed),
            Err(SearchError::Index(tantivy::TantivyError::SchemaError(_))) => {
                // Only a directory that holds a tantivy index is wiped, never anything else
                // a misconfigured path might point at.
                if existed {
                    std::fs::remove_dir_all(dir)?;
                    std::fs::create_dir_all(dir)?;
                }
                (open(dir)?, true)
            }
            Err(e) => return Err(e),
        };
        Self::from_index(index, fields, segmenter, options, fresh)
    }

    /// An index in memory, for tests and small demos.
    pub fn open_in_ram(segmenter: Segmenter) -> Result<Self, SearchError> {
        let (schema, fields) = schema();
        let index = Index::builder()
            .schema(schema)
            .tokenizers(tokenizers(&segmenter))
            .create_in_ram()?;
        Self::from_index(index, fields, segmenter, WriterOptions::default(), true)
    }

    fn from_index(
        index: Index,
        fields: Fields,
        segmenter: Segmenter,
        options: WriterOptions,
        fresh: bool,
    ) -> Result<Self, SearchError> {
        let threads = options.threads.max(1);
        let writer = index
            .writer_with_num_threads(threads, options.memory_bytes.max(threads * 15_000_000))?;
        // Reloaded by `commit` itself, so a search right after a commit sees it.
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(SearchIndex {
            index,
            reader,
            writer: RwLock::new(writer),
            fields,
            words: WordsTokenizer { segmenter },
            fresh,
        })
    }

    /// True when this index was created (or recreated after a schema change) by this open:
    /// feed it every case with [`SearchIndex::rebuild`].
    pub fn needs_rebuild(&self) -> bool {
        self.fresh
    }

    /// Committed, searchable cases.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Adds the case or replaces the earlier version with the same id. Visible to searches
    /// after the next [`SearchIndex::commit`]; calling it for every event of a case and
    /// committing once per batch is the intended use.
    pub fn upsert(&self, doc: &CaseDoc) -> Result<(), SearchError> {
        let writer = self.writer.read().unwrap_or_else(|e| e.into_inner());
        writer.delete_term(Term::from_field_text(self.fields.id, &doc.id));
        writer.add_document(self.document(doc))?;
        Ok(())
    }

    /// Removes the case (after the next commit).
    pub fn delete(&self, id: &str) -> Result<(), SearchError> {
        let writer = self.writer.read().unwrap_or_else(|e| e.into_inner());
        writer.delete_term(Term::from_field_text(self.fields.id, id));
        Ok(())
    }

    /// Makes every upsert and delete so far durable and searchable.
    pub fn commit(&self) -> Result<(), SearchError> {
        let mut writer = self.writer.write().unwrap_or_else(|e| e.into_inner());
        writer.commit()?;
        drop(writer);
        self.reader.reload()?;
        Ok(())
    }

    /// Replaces the whole index with `docs` (each id once), calling `progress` with the number
    /// of cases added so far every 1,000 cases and at the end. Searches see the old contents
    /// until the final commit, so a rebuild can run while the server answers.
    pub fn rebuild<I, F>(&self, docs: I, mut progress: F) -> Result<u64, SearchError>
    where
        I: IntoIterator<Item = CaseDoc>,
        F: FnMut(u64),
    {
        let mut writer = self.writer.write().unwrap_or_else(|e| e.into_inner());
        writer.delete_all_documents()?;
        let mut n = 0u64;
        for doc in docs {
            writer.add_document(self.document(&doc))?;
            n += 1;
            if n.is_multiple_of(1000) {
                progress(n);
            }
        }
        writer.commit()?;
        drop(writer);
        self.reader.reload()?;
        progress(n);
        Ok(n)
    }

    fn document(&self, doc: &CaseDoc) -> TantivyDocument {
        let f = &self.fields;
        let mut d = TantivyDocument::new();
        d.add_text(f.id, &doc.id);
        let title = mask_digit_runs(&doc.title);
        d.add_text(f.title, &title);
        d.add_text(f.title_ng, &title);
        let mut all = title.clone();
        for (stored, text) in [
            (f.request, &doc.request),
            (f.facts, &doc.facts),
            (f.address, &doc.address),
            (f.opinion, &doc.opinion),
        ] {
            if text.is_empty() {
                continue;
            }
            let text = mask_digit_runs(text);
            d.add_text(stored, &text);
            // A line break between fields: both n-gram analyzers leave a position gap at it,
            // so a phrase never runs from the end of the request into the facts.
            all.push('\n');
            all.push_str(&text);
        }
        d.add_text(f.text_ng, &all);
        d.add_text(f.text_tg, &all);
        for (field, v) in [
            (f.status, &doc.status),
            (f.kind, &doc.kind),
            (f.channel, &doc.channel),
        ] {
            if !v.is_empty() {
                d.add_text(field, v);
            }
        }
        if let Some(u) = &doc.handling_unit {
            d.add_text(f.unit, u);
        }
        for (field, vs) in [
            (f.visible_to, &doc.visible_to),
            (f.region, &doc.region_chain),
            (f.topic, &doc.topic_chain),
        ] {
            for v in vs {
                d.add_text(field, v);
            }
        }
        d.add_i64(f.created, doc.created.timestamp());
        d
    }

    /// Runs a search. Bad input (too long, too many terms, limit or offset out of range) is an
    /// [`SearchError::InvalidQuery`] with a message for the person.
    pub fn search(&self, q: &SearchQuery) -> Result<SearchResults, SearchError> {
        if q.limit == 0 || q.limit > MAX_LIMIT || q.offset > MAX_OFFSET {
            return Err(SearchError::InvalidQuery {
                zh: "分页参数超出范围",
                en: "page size or offset out of range",
            });
        }
        let Prepared {
            query,
            matching,
            count_apart,
            terms,
        } = self.prepare(q)?;
        let searcher = self.reader.searcher();
        let sort = match q.sort {
            SortBy::Relevance if terms.is_empty() => SortBy::Newest,
            s => s,
        };
        let top = TopDocs::with_limit(q.limit).and_offset(q.offset);
        let (total, addrs): (usize, Vec<(f32, DocAddress)>) = match sort {
            // A one-term match is counted from its postings alone (no scoring), and ranking can
            // then skip blocks that cannot reach the top.
            SortBy::Relevance if count_apart => (
                searcher.search(&matching, &Count)?,
                searcher.search(&query, &top.order_by_score())?,
            ),
            SortBy::Relevance => searcher.search(&query, &(Count, top.order_by_score()))?,
            SortBy::Newest | SortBy::Oldest => {
                let order = if sort == SortBy::Newest {
                    Order::Desc
                } else {
                    Order::Asc
                };
                let (n, docs) = searcher.search(
                    &matching,
                    &(Count, top.order_by_fast_field::<i64>(CREATED, order)),
                )?;
                (n, docs.into_iter().map(|(_, a)| (0.0, a)).collect())
            }
        };
        let marks: Vec<Vec<char>> = terms.iter().map(|t| t.chars().collect()).collect();
        let mut hits = Vec::with_capacity(addrs.len());
        for (score, addr) in addrs {
            let doc: TantivyDocument = searcher.doc(addr)?;
            hits.push(self.hit(&doc, score, &marks));
        }
        Ok(SearchResults { total, hits })
    }

    /// The ids of every case matching `q` (text, filters, visibility; sort, limit and offset
    /// are ignored), in index order. For exports and for measuring recall.
    pub fn matching_ids(&self, q: &SearchQuery) -> Result<Vec<String>, SearchError> {
        let query = self.prepare(q)?.matching;
        let searcher = self.reader.searcher();
        let mut docs: Vec<DocAddress> = searcher
            .search(&query, &tantivy::collector::DocSetCollector)?
            .into_iter()
            .collect();
        docs.sort();
        let mut out = Vec::with_capacity(docs.len());
        let mut column = None;
        let mut segment = u32::MAX;
        let mut buf = String::new();
        for d in docs {
            if d.segment_ord != segment {
                segment = d.segment_ord;
                column = searcher.segment_reader(segment).fast_fields().str("id")?;
            }
            if let Some(col) = &column
                && let Some(ord) = col.term_ords(d.doc_id).next()
            {
                buf.clear();
                col.ord_to_str(ord, &mut buf)?;
                out.push(buf.clone());
            }
        }
        Ok(out)
    }

    fn prepare(&self, q: &SearchQuery) -> Result<Prepared, SearchError> {
        if q.text.chars().count() > MAX_QUERY_CHARS {
            return Err(SearchError::InvalidQuery {
                zh: "搜索内容过长",
                en: "search text is too long",
            });
        }
        let terms = query_terms(&q.text);
        if terms.len() > MAX_QUERY_TERMS {
            return Err(SearchError::InvalidQuery {
                zh: "搜索词过多",
                en: "too many search terms",
            });
        }
        self.build_query(q, terms)
    }

    fn hit(&self, doc: &TantivyDocument, score: f32, marks: &[Vec<char>]) -> SearchHit {
        let f = &self.fields;
        let text = |field| doc.get_first(field).and_then(|v| v.as_str()).unwrap_or("");
        let created = doc
            .get_first(f.created)
            .and_then(|v| v.as_i64())
            .and_then(|s| DateTime::from_timestamp(s, 0))
            .unwrap_or_default();
        let bodies = [f.request, f.facts, f.opinion, f.address].map(text);
        let snippet = bodies
            .iter()
            .find_map(|t| {
                let m = highlight::find_matches(t, marks);
                (!m.is_empty()).then(|| highlight::fragment(t, &m, SNIPPET_CHARS))
            })
            .unwrap_or_else(|| {
                let first = bodies.iter().find(|t| !t.is_empty()).copied().unwrap_or("");
                highlight::fragment(first, &[], SNIPPET_CHARS)
            });
        SearchHit {
            id: text(f.id).to_string(),
            score,
            created,
            title_html: highlight::mark_all(text(f.title), marks),
            snippet_html: snippet,
        }
    }

    fn build_query(&self, q: &SearchQuery, terms: Vec<String>) -> Result<Prepared, SearchError> {
        let f = &self.fields;
        let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut rank: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut single_terms = !terms.is_empty();
        for term in &terms {
            let t = self.term_query(term)?;
            must.push((Occur::Must, t.must));
            rank.push((Occur::Should, t.rank));
            single_terms &= t.single_term;
        }
        let mut filter = |query: Box<dyn Query>| {
            must.push((Occur::Must, Box::new(ConstScoreQuery::new(query, 0.0))));
        };
        let any_of = |field: Field, values: &[String]| -> Box<dyn Query> {
            if values.is_empty() {
                return Box::new(EmptyQuery);
            }
            Box::new(TermSetQuery::new(
                values.iter().map(|v| Term::from_field_text(field, v)),
            ))
        };
        for (field, values) in [
            (f.status, &q.statuses),
            (f.unit, &q.units),
            (f.kind, &q.kinds),
            (f.channel, &q.channels),
        ] {
            if !values.is_empty() {
                filter(any_of(field, values));
            }
        }
        if let Some(r) = &q.region {
            filter(any_of(f.region, std::slice::from_ref(r)));
        }
        if let Some(t) = &q.topic {
            filter(any_of(f.topic, std::slice::from_ref(t)));
        }
        if q.created_from.is_some() || q.created_until.is_some() {
            let bound = |t: Option<DateTime<Utc>>, inclusive: bool| match t {
                None => Bound::Unbounded,
                Some(t) if inclusive => {
                    Bound::Included(Term::from_field_i64(f.created, t.timestamp()))
                }
                Some(t) => Bound::Excluded(Term::from_field_i64(f.created, t.timestamp())),
            };
            filter(Box::new(RangeQuery::new(
                bound(q.created_from, true),
                bound(q.created_until, false),
            )));
        }
        match &q.visibility {
            Visibility::All => {}
            Visibility::Units(units) => filter(any_of(f.visible_to, units)),
            Visibility::Regions(regions) => filter(any_of(f.region, regions)),
            Visibility::UnitsOrRegions { units, regions } => {
                filter(Box::new(BooleanQuery::union(vec![
                    any_of(f.visible_to, units),
                    any_of(f.region, regions),
                ])))
            }
        }
        if terms.is_empty() {
            must.push((
                Occur::Must,
                Box::new(ConstScoreQuery::new(Box::new(AllQuery), 0.0)),
            ));
        }
        let matching: Box<dyn Query> = Box::new(BooleanQuery::new(
            must.iter().map(|(o, q)| (*o, q.box_clone())).collect(),
        ));
        must.extend(rank);
        Ok(Prepared {
            query: Box::new(BooleanQuery::new(must)),
            matching,
            // Phrases are checked position by position: counting them apart from ranking
            // would check every match twice.
            count_apart: single_terms,
            terms,
        })
    }

    /// One query term: what a case must contain (the term as a substring, through the n-gram
    /// fields), and what ranks it higher (the term in the title).
    fn term_query(&self, term: &str) -> Result<TermQueries, SearchError> {
        let f = &self.fields;
        let grams = BigramTokenizer::query_grams(term);
        let single_char = grams.len() == 1 && grams[0].chars().count() == 1;
        let trigrams = TrigramTokenizer::query_grams(term);
        let (must, single_term): (Box<dyn Query>, bool) = if single_char {
            // Every character starts a bigram token (or is the unigram closing a run), so a
            // one-character term is a prefix of some token exactly where it occurs.
            // Alphanumeric characters need no regex escaping.
            let pattern = format!("{}.*", grams[0]);
            (
                Box::new(RegexQuery::from_pattern(&pattern, f.text_ng)?),
                false,
            )
        } else if trigrams.is_empty() {
            (phrase(f.text_ng, &grams), grams.len() == 1)
        } else {
            let one = trigrams.len() == 1;
            (phrase_at(f.text_tg, &trigrams), one)
        };
        let mut rank: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let title_ng: Box<dyn Query> = if single_char {
            Box::new(RegexQuery::from_pattern(
                &format!("{}.*", grams[0]),
                f.title_ng,
            )?)
        } else {
            phrase(f.title_ng, &grams)
        };
        rank.push((Occur::Should, Box::new(BoostQuery::new(title_ng, 2.0))));
        let words = self.words.query_words(term);
        if !words.is_empty() && !single_char {
            rank.push((
                Occur::Should,
                Box::new(BoostQuery::new(phrase(f.title, &words), 2.0)),
            ));
        }
        Ok(TermQueries {
            must,
            rank: Box::new(BooleanQuery::new(rank)),
            single_term,
        })
    }

    /// The tantivy index, for benchmarks and diagnostics.
    pub fn tantivy(&self) -> &Index {
        &self.index
    }
}

/// A term's queries (see [`SearchIndex::term_query`]).
struct TermQueries {
    must: Box<dyn Query>,
    rank: Box<dyn Query>,
    /// `must` is one term: counting its matches costs no position checks.
    single_term: bool,
}

/// What a search evaluates: the full query (matching and ranking), the part that decides
/// which cases match, and whether counting that part alone is cheaper than counting while
/// ranking.
struct Prepared {
    query: Box<dyn Query>,
    matching: Box<dyn Query>,
    count_apart: bool,
    terms: Vec<String>,
}

fn phrase_at(field: Field, tokens: &[(usize, String)]) -> Box<dyn Query> {
    if let [(_, only)] = tokens {
        return Box::new(TermQuery::new(
            Term::from_field_text(field, only),
            IndexRecordOption::WithFreqs,
        ));
    }
    Box::new(PhraseQuery::new_with_offset(
        tokens
            .iter()
            .map(|(o, t)| (*o, Term::from_field_text(field, t)))
            .collect(),
    ))
}

fn phrase(field: Field, tokens: &[String]) -> Box<dyn Query> {
    let terms: Vec<Term> = tokens
        .iter()
        .map(|t| Term::from_field_text(field, t))
        .collect();
    if terms.len() == 1 {
        Box::new(TermQuery::new(
            terms.into_iter().next().expect("one term"),
            IndexRecordOption::WithFreqs,
        ))
    } else {
        Box::new(PhraseQuery::new(terms))
    }
}

fn tokenizers(segmenter: &Segmenter) -> TokenizerManager {
    let m = TokenizerManager::default();
    m.register(
        WORDS,
        TextAnalyzer::from(WordsTokenizer {
            segmenter: segmenter.clone(),
        }),
    );
    m.register(BIGRAM, TextAnalyzer::from(BigramTokenizer));
    m.register(TRIGRAM, TextAnalyzer::from(TrigramTokenizer));
    m
}

/// The terms of a query: runs of letters and digits, folded (full-width to half-width,
/// lowercase). Anything else separates terms.
fn query_terms(text: &str) -> Vec<String> {
    tokenize::fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// Masks personal numbers (phone, identity, card; see [`crate::numbers`]) so they are neither
/// searchable nor shown in snippets.
pub fn mask_digit_runs(text: &str) -> String {
    crate::numbers::mask_all(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digit_runs_are_masked() {
        assert_eq!(
            mask_digit_runs("电话13812345678，身份证11010519491231002X，3栋2单元"),
            "电话***********，身份证******************，3栋2单元"
        );
        assert_eq!(mask_digit_runs("2026-1126-000123"), "2026-1126-000123");
    }

    #[test]
    fn query_terms_split_on_punctuation_and_fold() {
        assert_eq!(
            query_terms(" 翠湖苑，３栋　ABC "),
            vec!["翠湖苑", "3栋", "abc"]
        );
        assert!(query_terms("，。！").is_empty());
    }
}
