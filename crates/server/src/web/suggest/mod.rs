//! People's suggestion pages: the public side (`public`), the office and unit workbench
//! (`office`) and the scoreboard (`board`).

pub mod board;
pub mod office;
pub mod public;

use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/suggest", get(public::home))
        .route("/suggest/campaigns/{id}", get(public::campaign))
        .route("/suggest/new", get(public::new_form).post(public::submit))
        .route("/suggest/invite/{token}", get(public::invite))
        .route(
            "/suggest/track",
            get(public::track_form).post(public::track),
        )
        .route("/suggest/handoff", post(public::handoff))
        .route("/suggest/s/{id}", get(public::published))
        .route("/suggest/s/{id}/{step}", post(public::support_step))
        .route("/staff/suggest", get(office::list))
        .route("/staff/suggest/board", get(board::page))
        .route(
            "/staff/suggest/experts",
            get(office::experts).post(office::add_expert),
        )
        .route("/staff/suggest/campaigns", post(office::create_campaign))
        .route("/staff/suggest/campaigns/new", get(office::new_campaign))
        .route("/staff/suggest/campaigns/{id}", get(office::campaign))
        .route(
            "/staff/suggest/campaigns/{id}/act",
            post(office::campaign_act),
        )
        .route("/staff/suggest/{id}", get(office::suggestion))
        .route("/staff/suggest/{id}/act", post(office::act))
}
