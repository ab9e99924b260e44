//! The text projections of the cases: the full-text search index (tantivy) and the in-memory
//! related-case index. Both are fed after each commit; search updates go through a queue to one
//! worker thread that commits about once a second, so a slow index never holds up intake.

use minsheng_core::access::{Actor, Role};
use minsheng_core::case::CaseKind;
use minsheng_core::region::Directory;
use minsheng_core::workflow::CaseState;
use minsheng_text::related::{Draft, Related, RelatedCase, RelatedIndex, RelatedOptions};
use minsheng_text::search::{CaseDoc, SearchError, SearchIndex, Visibility, WriterOptions};
use minsheng_text::segment::Segmenter;
use std::sync::mpsc;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

/// How long an update may wait before it is committed and searchable.
const COMMIT_EVERY: Duration = Duration::from_millis(500);

enum Msg {
    Upsert(Box<CaseDoc>),
    Flush(mpsc::Sender<()>),
}

pub struct TextIndex {
    pub search: Arc<SearchIndex>,
    /// Knowledge-base articles, with the same tokenizers as the cases (kept in memory: small).
    pub kb: SearchIndex,
    related: RwLock<RelatedIndex>,
    queue: Mutex<mpsc::Sender<Msg>>,
}

impl std::fmt::Debug for TextIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextIndex").finish_non_exhaustive()
    }
}

impl TextIndex {
    /// In memory (tests, and servers that rebuild at start).
    pub fn in_ram(dir: &Directory) -> Result<Self, SearchError> {
        Ok(Self::with(SearchIndex::open_in_ram(
            Segmenter::from_directory(dir),
        )?))
    }

    /// On disk under `path` (the server's data directory).
    pub fn on_disk(path: &std::path::Path, dir: &Directory) -> Result<Self, SearchError> {
        Self::on_disk_with(path, dir, WriterOptions::default())
    }

    /// On disk, with the index writer's threads and heap chosen by the caller (a rebuild in a
    /// process of its own wants more than a serving instance).
    pub fn on_disk_with(
        path: &std::path::Path,
        dir: &Directory,
        writer: WriterOptions,
    ) -> Result<Self, SearchError> {
        Ok(Self::with(SearchIndex::open_with(
            path,
            Segmenter::from_directory(dir),
            writer,
        )?))
    }

    fn with(search: SearchIndex) -> Self {
        let kb = SearchIndex::open_in_ram(Segmenter::new())
            .expect("an in-memory search index can always be created");
        let search = Arc::new(search);
        let (tx, rx) = mpsc::channel::<Msg>();
        let worker = search.clone();
        std::thread::Builder::new()
            .name("search-index".into())
            .spawn(move || index_worker(&worker, &rx))
            .ok();
        TextIndex {
            search,
            kb,
            related: RwLock::new(RelatedIndex::new()),
            queue: Mutex::new(tx),
        }
    }

    fn send(&self, msg: Msg) {
        if let Ok(q) = self.queue.lock() {
            let _ = q.send(msg);
        }
    }

    /// Queues the case's current state for the search index.
    pub fn project(&self, case: &CaseState, dir: &Directory) {
        self.send(Msg::Upsert(Box::new(case_doc(case, dir))));
    }

    /// A new case: also enters the related-case index (its text, caller, place and topic do
    /// not change after registration).
    pub fn project_new(&self, case: &CaseState, caller_key: Option<String>, dir: &Directory) {
        self.related_insert(case, caller_key);
        self.project(case, dir);
    }

    pub fn related_insert(&self, case: &CaseState, caller_key: Option<String>) {
        let entry = RelatedCase {
            id: case.id.to_string(),
            text: case_text(case),
            caller_key,
            place_key: place_key(&case.location.address),
            topic: Some(topic_group(&case.topic)),
            created: case.registered_at,
            people: case.group_size.max(1),
        };
        if let Ok(mut r) = self.related.write() {
            r.insert(&entry);
        }
    }

    /// Waits until everything queued so far is committed and searchable.
    pub fn flush(&self) {
        let (tx, rx) = mpsc::channel();
        self.send(Msg::Flush(tx));
        let _ = rx.recv_timeout(Duration::from_secs(30));
    }

    pub fn find_related(&self, draft: &Draft) -> Vec<Related> {
        self.related
            .read()
            .map(|r| r.find_related(draft, &RelatedOptions::default()))
            .unwrap_or_default()
    }

    pub fn related_to(&self, id: &str) -> Vec<Related> {
        self.related
            .read()
            .map(|r| r.related_to(id, &RelatedOptions::default()))
            .unwrap_or_default()
    }

    pub fn related_len(&self) -> usize {
        self.related.read().map(|r| r.len()).unwrap_or(0)
    }
}

fn index_worker(search: &SearchIndex, rx: &mpsc::Receiver<Msg>) {
    let mut dirty_since: Option<Instant> = None;
    let mut waiting: Vec<mpsc::Sender<()>> = Vec::new();
    loop {
        let timeout = match dirty_since {
            Some(t) => COMMIT_EVERY.saturating_sub(t.elapsed()),
            None => Duration::from_secs(3600),
        };
        match rx.recv_timeout(timeout) {
            Ok(Msg::Upsert(doc)) => {
                if let Err(e) = search.upsert(&doc) {
                    tracing::error!(error = %e, "search index update failed");
                }
                dirty_since.get_or_insert_with(Instant::now);
                continue;
            }
            Ok(Msg::Flush(done)) => waiting.push(done),
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                if dirty_since.is_some() {
                    search.commit().ok();
                }
                return;
            }
        }
        if dirty_since.take().is_some()
            && let Err(e) = search.commit()
        {
            tracing::error!(error = %e, "search index commit failed");
        }
        for w in waiting.drain(..) {
            let _ = w.send(());
        }
    }
}

/// Puts an article (any state) into the knowledge-base index, searchable at once.
pub fn article_doc(a: &minsheng_core::knowledge::Article) -> CaseDoc {
    CaseDoc {
        id: a.id.to_string(),
        title: a.title.clone(),
        request: a.body.clone(),
        facts: String::new(),
        address: String::new(),
        opinion: String::new(),
        status: a.state.as_str().into(),
        kind: "article".into(),
        channel: String::new(),
        handling_unit: Some(a.owner_unit.clone()),
        visible_to: Vec::new(),
        region_chain: Vec::new(),
        topic_chain: Vec::new(),
        created: a.updated_at,
    }
}

impl TextIndex {
    pub fn project_article(&self, a: &minsheng_core::knowledge::Article) {
        if let Err(e) = self
            .kb
            .upsert(&article_doc(a))
            .and_then(|_| self.kb.commit())
        {
            tracing::error!(error = %e, "knowledge index update failed");
        }
    }
}

/// The text a person wrote about the matter.
pub fn case_text(case: &CaseState) -> String {
    format!("{}\n{}\n{}", case.title, case.request, case.facts_reasons)
}

/// The place as a key: the address without spaces and punctuation, so "翠湖苑 3栋" and
/// "翠湖苑3栋" meet. No address, no place match.
pub fn place_key(address: &str) -> Option<String> {
    let key: String = address
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect::<String>()
        .to_lowercase();
    (key.chars().count() >= 4).then_some(key)
}

/// Close topics group at the second level ("010101" → "0101").
pub fn topic_group(topic: &str) -> String {
    topic.chars().take(4).collect()
}

/// Every unit that may open the case, without the accused unit of an accusation (Art. 30).
fn visible_units(case: &CaseState) -> Vec<String> {
    case.units_involved
        .iter()
        .filter(|u| !(case.kind == CaseKind::Accusation && case.accused_unit.as_ref() == Some(u)))
        .cloned()
        .collect()
}

pub fn case_doc(case: &CaseState, dir: &Directory) -> CaseDoc {
    CaseDoc {
        id: case.id.to_string(),
        title: case.title.clone(),
        request: case.request.clone(),
        facts: case.facts_reasons.clone(),
        address: case.location.address.clone(),
        opinion: case
            .opinion
            .as_ref()
            .map(|o| o.opinion.clone())
            .or_else(|| case.reply.clone())
            .unwrap_or_default(),
        status: case.status.as_str().into(),
        kind: case.kind.as_str().into(),
        channel: case.channel.as_str().into(),
        handling_unit: Some(case.current_unit.clone()),
        visible_to: visible_units(case),
        region_chain: dir
            .chain(&case.location.region)
            .iter()
            .map(|s| s.to_string())
            .collect(),
        topic_chain: dir
            .topic_chain(&case.topic)
            .iter()
            .map(|s| s.to_string())
            .collect(),
        created: case.registered_at,
    }
}

/// What a staff member's searches may see; the case-level access rule is applied to the hits
/// as well.
pub fn visibility(actor: &Actor, dir: &Directory) -> Visibility {
    match actor.role {
        Role::Handler => Visibility::Units(actor.unit.iter().cloned().collect()),
        Role::Intake | Role::Coordinator => {
            let unit = actor.unit.clone().unwrap_or_default();
            let home = dir.unit(&unit).map(|u| u.region.clone()).ok();
            Visibility::UnitsOrRegions {
                units: vec![unit],
                regions: home.into_iter().collect(),
            }
        }
        Role::Supervisor | Role::Admin | Role::System => Visibility::All,
        Role::Citizen | Role::Analyst | Role::GridWorker => Visibility::Units(Vec::new()),
    }
}
