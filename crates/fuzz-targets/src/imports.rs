//! Files people import: message exports for hotspots (`minsheng hotspots`), labelled rows for
//! the topic classifier (`minsheng train` / `eval-classifier`) and a trained model file.

use minsheng_text::classify::{Classifier, Text, read_labelled_csv};
use minsheng_text::hotspot::{HotspotConfig, find_hotspots};
use minsheng_text::messages::{MessagesError, read_messages};
use std::collections::HashSet;

pub fn hotspot_csv(data: &[u8]) {
    let messages = match read_messages(data) {
        Ok(m) => m,
        Err(e) => {
            if let MessagesError::Row { line, .. } = &e {
                // A row error names a line of the file (the header is line 1).
                assert!(*line >= 1 && *line as usize <= data.len() + 1, "{e}");
            }
            assert!(!e.to_string().is_empty());
            return;
        }
    };
    let ids: HashSet<&str> = messages.iter().map(|m| m.id.as_str()).collect();
    for m in &messages {
        assert!(!m.id.is_empty() && m.id.trim() == m.id);
    }
    // Clustering the messages keeps to them: every member is an input message, counted once.
    let config = HotspotConfig {
        min_people: 1,
        ..HotspotConfig::default()
    };
    for h in find_hotspots(&messages, &config) {
        assert!(h.messages <= h.message_ids.len() && h.people <= h.message_ids.len());
        assert!(h.start <= h.end && h.heat.is_finite());
        for id in &h.message_ids {
            assert!(
                ids.contains(id.as_str()),
                "hotspot member {id:?} is not an input"
            );
        }
    }
}

pub fn labelled_csv(data: &[u8]) {
    let rows = match read_labelled_csv(data) {
        Ok(r) => r,
        Err(e) => {
            assert!(!e.to_string().is_empty());
            return;
        }
    };
    // Line numbers count newlines, as the csv reader does: rows ended by a bare CR (old Mac
    // files) share a line number, so the order is non-decreasing, not strictly increasing.
    let mut last_line = 1;
    for r in &rows {
        assert!(!r.label.is_empty() && r.label.trim() == r.label);
        assert!(r.line >= last_line, "rows keep file order");
        last_line = r.line;
        match &r.text {
            Text::Raw { title, body } => {
                assert!(!(title.trim().is_empty() && body.trim().is_empty()))
            }
            Text::Tokens(t) => assert!(!t.is_empty() && t.iter().all(|w| !w.is_empty())),
        }
    }
}

/// Loading a model either refuses the file or yields a model that predicts a known label with
/// a probability.
pub fn topic_model(data: &[u8]) {
    let model = match Classifier::read_from(&mut &data[..]) {
        Ok(m) => m,
        Err(e) => {
            assert!(!e.to_string().is_empty());
            return;
        }
    };
    for (title, body) in [
        ("电梯停运", "翠湖苑3栋电梯坏了"),
        ("", ""),
        ("ＡＢＣ", "\u{0}"),
    ] {
        let (label, p) = model.predict(title, body);
        assert!(model.labels().contains(&label), "{label:?}");
        assert!((0.0..=1.0).contains(&p), "probability {p}");
    }
}
