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
}

impl AppState {
    pub fn new(
        store: Store,
        policy: Policy,
        calendar: Calendar,
        directory: Directory,
        auth: crate::auth::PasswordParams,
    ) -> Self {
        AppState {
            store,
            policy: Arc::new(policy),
            calendar: Arc::new(calendar),
            directory: Arc::new(RwLock::new(Arc::new(directory))),
            auth: Arc::new(auth),
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
