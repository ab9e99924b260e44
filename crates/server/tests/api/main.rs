//! Integration tests: the real server over real HTTP on an ephemeral port, on a real SQLite
//! file and on a real PostgreSQL database (a fresh one per test). Every test runs on both.

mod harness;

mod abuse;
mod accuser;
mod alerts;
mod browser;
mod cases;
mod citizen;
mod csrf;
mod dashboard;
mod exchange;
mod grids;
mod heldspam;
mod hotline;
mod knowledge;
mod kpi;
mod matrix;
mod merge;
mod notify;
mod open311;
mod outbox;
mod privacy;
mod referrals;
mod reveals;
mod rules;
mod suggestions;
mod telephony;
mod textsearch;
mod web;
