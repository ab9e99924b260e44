//! People's suggestion pages: the public side (`public`), the office and unit workbench
//! (`office`) and the scoreboard (`board`).

pub mod board;
pub mod office;
pub mod public;

use crate::routes::{Routes, routes};

pub fn routes() -> Routes {
    routes![
        "/suggest" => get(public::home),
        "/suggest/campaigns/{id}" => get(public::campaign),
        "/suggest/new" => get(public::new_form).post(public::submit),
        "/suggest/invite/{token}" => get(public::invite),
        "/suggest/track" => get(public::track_form).post(public::track),
        "/suggest/handoff" => post(public::handoff),
        "/suggest/s/{id}" => get(public::published),
        "/suggest/s/{id}/{step}" => post(public::support_step),
        "/staff/suggest" => get(office::list),
        "/staff/suggest/board" => get(board::page),
        "/staff/suggest/experts" => get(office::experts).post(office::add_expert),
        "/staff/suggest/campaigns" => post(office::create_campaign),
        "/staff/suggest/campaigns/new" => get(office::new_campaign),
        "/staff/suggest/campaigns/{id}" => get(office::campaign),
        "/staff/suggest/campaigns/{id}/act" => post(office::campaign_act),
        "/staff/suggest/{id}" => get(office::suggestion),
        "/staff/suggest/{id}/act" => post(office::act),
    ]
}
