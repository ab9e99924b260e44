//! The topic classifier learnt from the cases on file: the first-level topic an officer
//! confirmed is the label, the title and the start of the request the text.
//!
//! Training reads a uniform sample of the cases and holds their features in memory (about
//! 10 KB a case), then frees it all. `minsheng serve` therefore runs it in a child process
//! (`minsheng train-topics`), so the server's own memory stays at what serving needs and the
//! training's peak goes back to the system when the child exits; tests call [`train`] in
//! process and put the model in service with `AppState::set_classifier`.

use crate::error::ApiError;
use minsheng_store::Store;
use minsheng_text::classify::{Classifier, Example, Text, TrainConfig};

/// The most cases the topic classifier is trained on (a uniform sample when there are more).
/// On the TipDM messages accuracy still rose by about a point for each doubling up to the
/// 8,000 rows there are (bench/classifier.md), so the sample is not cut to save memory.
pub const MAX_TRAINING: usize = 50_000;

/// Fewer rows than this, or a single topic, and there is nothing worth learning.
const MIN_TRAINING: usize = 50;

/// A uniform sample (reservoir) of at most [`MAX_TRAINING`] registered cases, in a fixed
/// pseudo-random order, so memory and training time stay flat however many cases are on file.
pub async fn sample(store: &Store) -> Result<Vec<Example>, ApiError> {
    let mut examples: Vec<Example> = Vec::new();
    let mut after = None;
    let mut rng = minsheng_core::rng::SplitMix64::new(0x6d73_636c_6173);
    let mut seen = 0u64;
    let read_chars = match TrainConfig::default().features.max_chars {
        0 => usize::MAX,
        n => n as usize,
    };
    loop {
        let page = store.cases_for_index(after, 2000).await?;
        let Some((last, _)) = page.last() else { break };
        after = Some(last.id);
        for (case, _) in page {
            seen += 1;
            let slot = if examples.len() < MAX_TRAINING {
                None
            } else {
                match rng.below(seen) as usize {
                    i if i < MAX_TRAINING => Some(i),
                    _ => continue,
                }
            };
            // The features read only the first characters of title and body together.
            let body = format!("{}{}", case.request, case.facts_reasons)
                .chars()
                .take(read_chars)
                .collect();
            let example = Example {
                id: case.number.clone(),
                label: case.topic.chars().take(2).collect(),
                time: String::new(),
                text: Text::Raw {
                    title: case.title.clone(),
                    body,
                },
                line: 0,
            };
            match slot {
                Some(i) => examples[i] = example,
                None => examples.push(example),
            }
        }
    }
    Ok(examples)
}

/// Trains on [`sample`]; `None` when there are too few cases or topics. Runs the training on a
/// blocking thread.
pub async fn train(store: &Store) -> Result<Option<Classifier>, ApiError> {
    let examples = sample(store).await?;
    let labels: std::collections::HashSet<&str> =
        examples.iter().map(|e| e.label.as_str()).collect();
    if examples.len() < MIN_TRAINING || labels.len() < 2 {
        return Ok(None);
    }
    let model = tokio::task::spawn_blocking(move || {
        let refs: Vec<&Example> = examples.iter().collect();
        let cfg = TrainConfig {
            threads: 1,
            ..TrainConfig::default()
        };
        Classifier::train(&refs, &cfg)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(Some(model))
}
