//! The fuzz targets of minsheng, as plain functions over bytes. Every parser that takes bytes
//! from outside has one here, with the properties it must keep beyond "does not panic" (masks
//! leave no phone digits, forms round-trip, errors are 4xx with both languages…).
//!
//! Two callers share these functions, so target logic lives in one place: the cargo-fuzz crate
//! in `fuzz/` (one binary per target, `fuzz/fuzz_targets/NAME.rs`) and the replay test in
//! `tests/replay.rs`, which runs every target over its committed seeds in `fuzz/corpus/NAME/`
//! and a few thousand generated inputs on the stable toolchain.
//!
//! A failed property panics (that is how libFuzzer and the test notice it).
//!
//! The 12345 exchange's work-order parser has the `exchange_order` target.

mod cases;
mod config;
mod exchange;
mod fixtures;
mod imports;
mod open311;
pub mod seeds;
mod text;
mod web;

/// A target: its name (the fuzz binary and corpus directory) and its body.
pub struct Target {
    pub name: &'static str,
    pub run: fn(&[u8]),
}

/// Every target, in the order the scripts run them.
pub const TARGETS: &[Target] = &[
    Target {
        name: "policy",
        run: config::policy,
    },
    Target {
        name: "calendar",
        run: config::calendar,
    },
    Target {
        name: "topics",
        run: config::topics,
    },
    Target {
        name: "lexicon",
        run: config::lexicon,
    },
    Target {
        name: "hotspot_csv",
        run: imports::hotspot_csv,
    },
    Target {
        name: "labelled_csv",
        run: imports::labelled_csv,
    },
    Target {
        name: "topic_model",
        run: imports::topic_model,
    },
    Target {
        name: "open311_form",
        run: open311::form,
    },
    Target {
        name: "open311_xml",
        run: open311::xml,
    },
    Target {
        name: "web_form",
        run: web::form,
    },
    Target {
        name: "query_string",
        run: web::query_string,
    },
    Target {
        name: "search_query",
        run: web::search,
    },
    Target {
        name: "case_json",
        run: cases::case_json,
    },
    Target {
        name: "text_pipeline",
        run: text::pipeline,
    },
    Target {
        name: "identifiers",
        run: text::identifiers,
    },
    Target {
        name: "exchange_order",
        run: exchange::order,
    },
];

/// The target called `name`.
pub fn target(name: &str) -> Option<&'static Target> {
    TARGETS.iter().find(|t| t.name == name)
}

/// The checks every error shown to a client must pass: a 4xx, a code, a Chinese and an English
/// message.
pub(crate) fn assert_client_error(e: &minsheng_server::error::ApiError) {
    let (status, body) = e.parts();
    assert!(
        status.is_client_error(),
        "outside input caused {status}: {e:?}"
    );
    assert!(!body.code.is_empty(), "error without a code: {e:?}");
    assert!(
        !body.message_zh.trim().is_empty(),
        "no Chinese message: {e:?}"
    );
    assert!(
        !body.message_en.trim().is_empty(),
        "no English message: {e:?}"
    );
}

/// Domain errors reach clients through the same edge.
pub(crate) fn assert_domain_error(e: minsheng_core::DomainError) {
    assert_client_error(&minsheng_server::error::ApiError::from(e));
}

/// Runs the target called `name` on `data` (the cargo-fuzz binaries call this).
pub fn run(name: &str, data: &[u8]) {
    match target(name) {
        Some(t) => (t.run)(data),
        None => panic!("no fuzz target {name}"),
    }
}
