//! `minsheng train-topics` and the server's use of it: the model is written to the data
//! directory, `minsheng serve` loads it at start and retrains in a child process, and the child
//! never outlives the process that started it.

use crate::{demo_dir, minsheng, temp_dir, text};
use minsheng_text::classify::Classifier;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn train_topics_writes_a_model_that_serve_loads_and_retrains() {
    // Nothing to learn from: no model, and no failure.
    let empty = temp_dir();
    let o = minsheng(&["train-topics", "--data", empty.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("no classifier trained"), "{}", text(&o));
    assert!(!empty.join("topics.model").exists());
    std::fs::remove_dir_all(&empty).ok();

    let dir = demo_dir("300");
    let data = dir.to_str().expect("utf-8 path");
    let o = minsheng(&["train-topics", "--data", data]);
    assert!(o.status.success(), "train-topics: {}", text(&o));
    let model = Classifier::load(&dir.join("topics.model")).expect("a readable model");
    assert_eq!(
        model.trained_on(),
        300,
        "every case of a small store trains"
    );
    assert!(model.labels().len() >= 2, "{:?}", model.labels());
    assert!(
        !dir.join("topics.model.partial").exists(),
        "the partial file was renamed"
    );

    // The server puts the file's model in service at once, then a fresh one from the child.
    let log = dir.join("serve.log");
    let mut server = Command::new(env!("CARGO_BIN_EXE_minsheng"))
        .args(["serve", "--bind", "127.0.0.1:0", "--data", data])
        .env("MINSHENG_LOG", "warn")
        .env_remove("MINSHENG_KEY")
        .env_remove("MINSHENG_DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log file"))
        .spawn()
        .expect("start minsheng serve");
    let deadline = Instant::now() + Duration::from_secs(300);
    let seen = loop {
        let s = std::fs::read_to_string(&log).unwrap_or_default();
        if s.contains("topic classifier trained") || s.contains("classifier training failed") {
            break s;
        }
        if let Ok(Some(status)) = server.try_wait() {
            panic!("serve exited: {status}\n{s}");
        }
        assert!(Instant::now() < deadline, "no training result:\n{s}");
        std::thread::sleep(Duration::from_millis(200));
    };
    server.kill().ok();
    server.wait().ok();
    let loaded = seen
        .find("topic classifier loaded (300 cases)")
        .unwrap_or_else(|| panic!("the file's model is loaded first:\n{seen}"));
    let trained = seen
        .find("topic classifier trained on 300 cases")
        .unwrap_or_else(|| panic!("the child's model is put in service:\n{seen}"));
    assert!(loaded < trained, "{seen}");
    std::fs::remove_dir_all(&dir).ok();
}

/// `serve` starts the child with a pipe for stdin; when that closes (the server ended, however
/// it ended) the child stops instead of training on for minutes.
#[test]
fn train_topics_stops_when_its_parent_goes() {
    let dir = demo_dir("300");
    let data = dir.to_str().expect("utf-8 path");
    let mut child = Command::new(env!("CARGO_BIN_EXE_minsheng"))
        .args(["train-topics", "--until-stdin-closes", "--data", data])
        .env("MINSHENG_LOG", "warn")
        .env_remove("MINSHENG_DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start train-topics");
    drop(child.stdin.take());
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        assert!(Instant::now() < deadline, "the child outlived its pipe");
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).ok();
    assert_eq!(status.code(), Some(2), "{err}");
    assert!(!dir.join("topics.model").exists(), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}
