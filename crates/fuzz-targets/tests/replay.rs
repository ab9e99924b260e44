//! Every fuzz target on the stable toolchain, so none can rot while nobody runs cargo-fuzz:
//! the committed seeds (`fuzz/corpus/NAME/`), the inputs of crashes found and fixed
//! (`fuzz/regressions/NAME/`), and a few hundred generated inputs per target (random bytes and
//! mutations of the seeds), deterministic so a failure reproduces.

use minsheng_fuzz_targets::{TARGETS, target};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<(String, Vec<u8>)> = entries
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_file())
        .map(|p| {
            let bytes = std::fs::read(&p).expect("readable");
            (p.display().to_string(), bytes)
        })
        .collect();
    out.sort();
    out
}

/// Bytes that matter to the parsers, inserted by the mutations.
const TOKENS: &[&[u8]] = &[
    b"=",
    b"&",
    b"%",
    b"%ZZ",
    b"+",
    b"\"",
    b",",
    b"\n",
    b"\r\n",
    b"[",
    b"]",
    b"{",
    b"}",
    b":",
    b"-",
    b"1",
    b"0",
    b"13812345678",
    b"\xef\xbc\x91",
    b"\xe2\x80\xae",
    b"\xef\xbf\xbe",
    b"\x00",
    b"<",
    b"&amp;",
    b"wd",
    b"d",
    b"9999999999",
    b"-262143",
    b"+262142",
    b"null",
];

/// A seed with a few mutations: flip, insert a byte or a token, delete, duplicate a slice.
fn mutated(seeds: Vec<Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    let n = seeds.len();
    (0..n, vec((any::<usize>(), 0u8..5, any::<u8>()), 0..6)).prop_map(move |(i, ops)| {
        let mut s = seeds[i].clone();
        for (pos, op, byte) in ops {
            let at = if s.is_empty() { 0 } else { pos % (s.len() + 1) };
            match op {
                0 if at < s.len() => s[at] ^= byte | 1,
                1 => s.insert(at, byte),
                2 => s
                    .splice(
                        at..at,
                        TOKENS[usize::from(byte) % TOKENS.len()].iter().copied(),
                    )
                    .for_each(drop),
                3 if at < s.len() => {
                    s.remove(at);
                }
                _ => {
                    let end = (at + usize::from(byte)).min(s.len());
                    let chunk = s[at..end].to_vec();
                    s.splice(at..at, chunk).for_each(drop);
                }
            }
        }
        s
    })
}

fn replay(name: &str) {
    let t = target(name).expect("a target of that name");
    let corpus = files(&fuzz_dir().join("corpus").join(name));
    assert!(!corpus.is_empty(), "fuzz/corpus/{name}/ has no seeds");
    let binary = fuzz_dir().join("fuzz_targets").join(format!("{name}.rs"));
    assert!(
        binary.is_file(),
        "no cargo-fuzz binary {}",
        binary.display()
    );
    for (path, bytes) in corpus
        .iter()
        .chain(&files(&fuzz_dir().join("regressions").join(name)))
    {
        let r = std::panic::catch_unwind(|| (t.run)(bytes));
        assert!(r.is_ok(), "{name} failed on {path}");
    }
    let cases = std::env::var("MINSHENG_FUZZ_REPLAY_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let seeds: Vec<Vec<u8>> = corpus.into_iter().map(|(_, b)| b).collect();
    let strategy = prop_oneof![
        vec(any::<u8>(), 0..512),
        mutated(seeds.clone()),
        mutated(seeds)
    ];
    let mut runner = TestRunner::new_with_rng(
        Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    );
    if let Err(e) = runner.run(&strategy, |input| {
        (t.run)(&input);
        Ok(())
    }) {
        panic!("{name}: {e}");
    }
}

macro_rules! targets {
    ($($name:ident),* $(,)?) => {
        $( #[test] fn $name() { replay(stringify!($name)); } )*
        const REPLAYED: &[&str] = &[$(stringify!($name)),*];
    };
}

targets!(
    policy,
    calendar,
    topics,
    lexicon,
    hotspot_csv,
    labelled_csv,
    topic_model,
    open311_form,
    open311_xml,
    web_form,
    query_string,
    search_query,
    case_json,
    text_pipeline,
    identifiers,
    exchange_order,
);

#[test]
fn every_target_is_replayed_and_has_a_cargo_fuzz_binary() {
    let names: Vec<&str> = TARGETS.iter().map(|t| t.name).collect();
    assert_eq!(names, REPLAYED);
    let manifest = std::fs::read_to_string(fuzz_dir().join("Cargo.toml")).expect("fuzz/Cargo.toml");
    for name in names {
        assert!(
            manifest.contains(&format!("name = \"{name}\"")),
            "fuzz/Cargo.toml has no [[bin]] {name}"
        );
    }
}
