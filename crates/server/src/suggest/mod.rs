//! People's suggestions (人民建议征集) on the server: the command path (`service`), public
//! support with verified phones (`support`) and the scoreboard (`board`). The JSON API is in
//! `api/suggestions.rs`, the pages in `web/suggest/`.

pub mod api;
pub mod board;
pub mod demo;
pub mod service;
pub mod support;
pub mod views;
