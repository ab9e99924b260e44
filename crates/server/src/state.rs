//! Shared application state.

use minsheng_core::calendar::Calendar;
use minsheng_core::policy::{Policy, PolicySet};
use minsheng_core::region::Directory;
use minsheng_store::Store;
use std::sync::{Arc, RwLock};

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub policy: Arc<Policy>,
    pub calendar: Arc<Calendar>,
    directory: Arc<RwLock<Arc<Directory>>>,
    pub auth: Arc<crate::auth::PasswordParams>,
    /// Search and related-case projections.
    pub text: Arc<crate::textindex::TextIndex>,
    /// The topic classifier trained on the cases so far (absent until trained).
    classifier: Arc<RwLock<Option<Arc<minsheng_text::classify::Classifier>>>>,
    /// Failed sign-ins per user name, for throttling password guessing.
    pub login_failures: Arc<crate::auth::LoginThrottle>,
    /// Alerts raised or changed, for the workbench's live stream.
    pub alerts: crate::alerts::AlertSender,
    /// Public-endpoint rate limits (per address, per phone).
    pub rate_limits: Arc<crate::abuse::RateLimits>,
    /// Served over HTTPS (directly or behind a proxy): every cookie gets `Secure`.
    pub secure_cookies: bool,
    /// Producers and deliverers of outside messages, and the delivery worker's settings.
    pub outbox: Arc<crate::outbox::Outbox>,
    /// Where site-visit photos are kept (`grid-photos/` beside the database).
    photo_dir: Arc<std::path::PathBuf>,
    /// The 12345 exchange's timestamp window and delivery timeout.
    pub exchange: Arc<crate::exchange::Settings>,
    /// The telephone system's token and the live channel of call pops.
    pub telephony: Arc<crate::telephony::Telephony>,
    /// The grids' shapes for placing new matters, cleared when a grid is saved.
    pub grid_shapes: Arc<crate::grids::shapes::GridShapes>,
}

/// The text projections [`AppState::rebuild_text`] rebuilds.
#[derive(Debug, Clone, Copy)]
pub struct Projections {
    /// The search index (on disk; kept between runs).
    pub search: bool,
    /// The related-case index (in memory: a serving instance needs it at every start, a
    /// one-off command never).
    pub related: bool,
}

impl AppState {
    pub fn new(
        store: Store,
        policy: Policy,
        calendar: Calendar,
        directory: Directory,
        auth: crate::auth::PasswordParams,
    ) -> Self {
        let text = crate::textindex::TextIndex::in_ram(&directory)
            .expect("an in-memory search index can always be created");
        AppState {
            text: Arc::new(text),
            classifier: Arc::new(RwLock::new(None)),
            login_failures: Arc::new(crate::auth::LoginThrottle::default()),
            alerts: crate::alerts::channel(),
            rate_limits: Arc::new(crate::abuse::RateLimits::new(
                crate::abuse::Limits::default(),
            )),
            secure_cookies: false,
            outbox: Arc::new(crate::outbox::Outbox::default()),
            photo_dir: Arc::new(std::env::temp_dir().join("minsheng-grid-photos")),
            exchange: Arc::new(crate::exchange::Settings::default()),
            telephony: Arc::new(crate::telephony::Telephony::default()),
            grid_shapes: Arc::default(),
            store,
            policy: Arc::new(policy),
            calendar: Arc::new(calendar),
            directory: Arc::new(RwLock::new(Arc::new(directory))),
            auth: Arc::new(auth),
        }
    }

    /// Replaces the public rate limits (`Limits::off()` for load tests).
    pub fn with_limits(mut self, limits: crate::abuse::Limits) -> Self {
        self.rate_limits = Arc::new(crate::abuse::RateLimits::new(limits));
        self
    }

    /// Replaces the outbox settings (tests shorten the back-off). Producers and deliverers
    /// registered before are dropped: call this first.
    pub fn with_outbox(mut self, outbox: crate::outbox::Outbox) -> Self {
        self.outbox = Arc::new(outbox);
        self
    }

    /// Keeps site-visit photos in this directory (the server's data directory's `grid-photos/`).
    pub fn with_photo_dir(mut self, dir: std::path::PathBuf) -> Self {
        self.photo_dir = Arc::new(dir);
        self
    }

    pub fn photo_dir(&self) -> &std::path::Path {
        &self.photo_dir
    }

    /// Replaces the 12345 exchange's settings.
    pub fn with_exchange(mut self, settings: crate::exchange::Settings) -> Self {
        self.exchange = Arc::new(settings);
        self
    }

    /// Marks every cookie `Secure` (the deployment is reached over HTTPS only).
    pub fn with_secure_cookies(mut self, on: bool) -> Self {
        self.secure_cookies = on;
        self
    }

    /// Uses a search index kept on disk (the server's data directory) instead of memory.
    pub fn with_text(mut self, text: crate::textindex::TextIndex) -> Self {
        self.text = Arc::new(text);
        self
    }

    /// Rebuilds the chosen text projections from the store. Returns the number of cases read.
    pub async fn rebuild_text(
        &self,
        what: Projections,
        mut progress: impl FnMut(u64),
    ) -> Result<u64, crate::error::ApiError> {
        let Projections { search, related } = what;
        let dir = self.directory();
        // The search index is fed through a bounded channel while pages are read, so memory
        // holds a few thousand documents, not every case's text.
        let (docs, mut feed) = tokio::sync::mpsc::channel::<minsheng_text::search::CaseDoc>(4096);
        let indexer = search.then(|| {
            let index = self.text.search.clone();
            tokio::task::spawn_blocking(move || {
                index.rebuild(std::iter::from_fn(|| feed.blocking_recv()), |_| {})
            })
        });
        let mut after = None;
        let mut n = 0u64;
        loop {
            let page = self.store.cases_for_index(after, 2000).await?;
            let Some((last, _)) = page.last() else { break };
            after = Some(last.id);
            for (case, phone) in page {
                if related {
                    self.text.related_insert(&case, phone);
                }
                if search {
                    // Waits only while the indexer is 4096 documents behind.
                    docs.send(crate::textindex::case_doc(&case, &dir))
                        .await
                        .map_err(|_| {
                            crate::error::ApiError::Internal("the search indexer stopped".into())
                        })?;
                }
                n += 1;
            }
            progress(n);
        }
        drop(docs);
        for a in self.store.articles().await? {
            self.text.project_article(&a);
        }
        if let Some(indexer) = indexer {
            indexer
                .await
                .map_err(|e| crate::error::ApiError::Internal(e.to_string()))?
                .map_err(|e| crate::error::ApiError::Internal(e.to_string()))?;
        }
        Ok(n)
    }

    pub fn classifier(&self) -> Option<Arc<minsheng_text::classify::Classifier>> {
        self.classifier.read().ok().and_then(|c| c.clone())
    }

    /// Puts a trained topic classifier in service.
    pub fn set_classifier(&self, model: minsheng_text::classify::Classifier) {
        match self.classifier.write() {
            Ok(mut slot) => *slot = Some(Arc::new(model)),
            Err(poisoned) => *poisoned.into_inner() = Some(Arc::new(model)),
        }
    }

    /// A consistent snapshot of the directory for one request.
    pub fn directory(&self) -> Arc<Directory> {
        match self.directory.read() {
            Ok(d) => d.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub fn set_directory(&self, d: Directory) {
        match self.directory.write() {
            Ok(mut g) => *g = Arc::new(d),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(d),
        }
    }

    /// The policy in force where the matter is located (属地管理).
    pub fn policy_for_region(&self, region: &str) -> Arc<PolicySet> {
        let dir = self.directory();
        self.policy.for_chain(&dir.chain(region))
    }
}
