//! minsheng-core: the domain of minsheng (民声). Cases, the petition and hotline workflows as pure
//! deciders, policy and calendar as data, deadlines, regions and units, access rules, the event
//! hash chain. No IO, no async, no database.

pub mod access;
pub mod alert;
pub mod calendar;
pub mod case;
pub mod deadline;
pub mod error;
pub mod event;
pub mod grid;
pub mod ids;
pub mod knowledge;
pub mod kpi;
pub mod petitioner;
pub mod policy;
pub mod region;
pub mod retention;
pub mod rng;
pub mod suggestion;
pub mod supervision;
pub mod workflow;

pub use error::DomainError;
