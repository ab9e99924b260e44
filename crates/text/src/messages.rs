//! Message exports (CSV) read into hotspot [`Message`]s. The bytes come from outside (12345 and
//! message-board exports), so this is a pure function over a reader that the fuzz targets and
//! the `minsheng hotspots` command share.
//!
//! The header row needs at least `id,user,title,time,body,likes` (`dislikes` and any other
//! columns are ignored). Times without a zone are China Standard Time.

use crate::hotspot::Message;
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use minsheng_core::deadline::china;
use std::io::Read;

/// Why an export was refused; `line` is the file line (the header is line 1).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessagesError {
    #[error("cannot read the header row: {0}")]
    Header(String),
    #[error("no column {0:?} in the header (need id,user,title,time,body,likes)")]
    MissingColumn(&'static str),
    #[error("line {line}: {message}")]
    Row { line: u64, message: String },
}

/// Reads an export, refusing it with the line of the first row that cannot be read.
pub fn read_messages<R: Read>(reader: R) -> Result<Vec<Message>, MessagesError> {
    let mut reader = csv::ReaderBuilder::new().from_reader(reader);
    let headers = reader
        .headers()
        .map_err(|e| MessagesError::Header(e.to_string()))?
        .clone();
    let column = |name: &'static str| {
        headers
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}').trim() == name)
            .ok_or(MessagesError::MissingColumn(name))
    };
    let (id, user, title, time, body, likes) = (
        column("id")?,
        column("user")?,
        column("title")?,
        column("time")?,
        column("body")?,
        column("likes")?,
    );
    let mut messages = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| MessagesError::Row {
            line: e.position().map_or(0, |p| p.line()),
            message: e.to_string(),
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let field = |i: usize| record.get(i).unwrap_or("").trim();
        let at = |message: String| MessagesError::Row { line, message };
        if field(id).is_empty() {
            return Err(at("empty id".into()));
        }
        let likes = match field(likes) {
            "" => 0,
            v => v
                .parse::<u32>()
                .map_err(|_| at(format!("likes {v:?} is not a count")))?,
        };
        let time = parse_time(field(time)).ok_or_else(|| {
            at(format!(
                "time {:?} is not YYYY-MM-DD HH:MM[:SS]",
                field(time)
            ))
        })?;
        messages.push(Message {
            id: field(id).to_string(),
            user: field(user).to_string(),
            title: field(title).to_string(),
            body: field(body).to_string(),
            time,
            likes,
        });
    }
    Ok(messages)
}

/// RFC 3339, or a China-time `YYYY-MM-DD HH:MM[:SS]` (dashes or slashes).
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    let naive = [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y/%m/%d %H:%M:%S",
        "%Y/%m/%d %H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())?;
    china()
        .from_local_datetime(&naive)
        .single()
        .map(|t| t.with_timezone(&Utc))
}
