//! The access matrix: every route of the server (JSON API, suggestion and alert APIs, the
//! alert stream, Open311, web pages and form posts) × every role, each cell an expected
//! outcome that the real server must give, on both backends.
//!
//! Roles (columns): anonymous; a citizen holding the query code of the fixture case and of the
//! fixture suggestion; intake (`intake.donghu`); coordinator (`coord.donghu`); the handler of
//! the unit that holds the fixture case (`handler.donghu.zjj`); a handler of another unit
//! (`handler.xicheng.zjj`); a handler of the unit the fixture accusation accuses
//! (`handler.donghu.rsj`); supervisor; analyst; admin; the grid worker of the fixture case's
//! grid (`grid.cuihu`).
//!
//! Outcomes: `200`, `201`, `202`, `303` are "allowed and done"; `v4xx` is "allowed": the role
//! passed the access check and the request was refused on its content (an empty or deliberately
//! incomplete form, a command the case's state does not take) — only rows whose handler checks
//! access before reading the content use it. Deny is `401`/`403`/`404` or `L` (a page that
//! sends the visitor to the sign-in page). Every denied request must change nothing: the test
//! compares the whole database (every row of every table but the session tokens) before and
//! after the denied requests of each row. JSON refusals carry a code and both messages.
//!
//! `route_table_covers_every_route` holds this table against the server's own route list
//! (`minsheng_server::routes()`, built by the code that builds the routers) and fails when a
//! route exists that this table does not list (or the table lists one that no longer exists).

use crate::harness::{Backend, TestApp, new_case, plain_client};
use crate::suggestions::{open_campaign, submit, suggestion_body};
use minsheng_server::demo;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

pub const ROLES: [&str; 11] = [
    "anonymous",
    "citizen",
    "intake.donghu",
    "coord.donghu",
    "handler.donghu.zjj",
    "handler.xicheng.zjj",
    "handler.donghu.rsj",
    "supervisor",
    "analyst",
    "admin",
    "grid.cuihu",
];

const PHONE: &str = "13912340001";
const SUGGESTER_PHONE: &str = "13712340002";

#[derive(Clone, Copy)]
pub enum Body {
    None,
    /// JSON text; placeholders are replaced.
    Json(&'static str),
    /// A web form (urlencoded); placeholders are replaced; the CSRF token is added.
    Form(&'static str),
    /// An Open311 form post (not a web page form: no CSRF token).
    Open311(&'static str),
}

pub struct Row {
    method: &'static str,
    /// The route as written in the router.
    route: &'static str,
    /// A concrete path; `{…}` placeholders come from the fixtures.
    path: &'static str,
    body: Body,
    /// Each role gets a fresh fixture case (`{fresh}`, `{fresh_no}`) as the request may change it.
    fresh: bool,
    /// Eleven outcomes, in the order of `ROLES`, separated by spaces.
    expect: &'static str,
}

const fn row(
    method: &'static str,
    route: &'static str,
    path: &'static str,
    body: Body,
    expect: &'static str,
) -> Row {
    Row {
        method,
        route,
        path,
        body,
        fresh: false,
        expect,
    }
}

const fn fresh(
    method: &'static str,
    route: &'static str,
    path: &'static str,
    body: Body,
    expect: &'static str,
) -> Row {
    Row {
        method,
        route,
        path,
        body,
        fresh: true,
        expect,
    }
}

use Body::{Form, Json, None as NoBody, Open311};

//                                                          anon cit intake coord h.own h.other h.accused sup analyst admin grid
const PUBLIC_PAGE: &str = "200 200 200 200 200 200 200 200 200 200 200";
/// Staff pages a grid worker does not reach (their session opens the grid pages only).
const EVERY_STAFF: &str = "L L 200 200 200 200 200 200 200 200 403";
const API_EVERY_STAFF: &str = "401 401 200 200 200 200 200 200 200 200 200";
const API_STAFF_NOT_GRID: &str = "401 401 200 200 200 200 200 200 200 200 403";
const API_CASE_WORKERS: &str = "401 401 200 200 200 200 200 200 403 200 403";

pub fn rows() -> Vec<Row> {
    vec![
        // ---- health, docs ----
        row("GET", "/healthz", "/healthz", NoBody, PUBLIC_PAGE),
        row(
            "GET",
            "/api/v1/openapi.json",
            "/api/v1/openapi.json",
            NoBody,
            PUBLIC_PAGE,
        ),
        row("GET", "/api/v1/docs", "/api/v1/docs", NoBody, PUBLIC_PAGE),
        // ---- auth ----
        row(
            "POST",
            "/api/v1/auth/login",
            "/api/v1/auth/login",
            Json(r#"{"username":"nobody.{role}","password":"wrong-password-2026"}"#),
            "v401 v401 v401 v401 v401 v401 v401 v401 v401 v401 v401",
        ),
        row(
            "POST",
            "/api/v1/auth/logout",
            "/api/v1/auth/logout",
            Json("{}"),
            "401 401 204 204 204 204 204 204 204 204 204",
        ),
        row(
            "GET",
            "/api/v1/auth/me",
            "/api/v1/auth/me",
            NoBody,
            API_EVERY_STAFF,
        ),
        // ---- cases ----
        row(
            "POST",
            "/api/v1/cases",
            "/api/v1/cases",
            Json(NEW_CASE),
            "401 401 201 201 403 403 403 403 403 403 403",
        ),
        row(
            "GET",
            "/api/v1/cases",
            "/api/v1/cases",
            NoBody,
            API_CASE_WORKERS,
        ),
        row(
            "GET",
            "/api/v1/cases/{id}",
            "/api/v1/cases/{case}",
            NoBody,
            "401 401 200 200 200 404 404 200 403 200 403",
        ),
        row(
            "GET",
            "/api/v1/cases/{id}",
            "/api/v1/cases/{acc}",
            NoBody,
            "401 401 200 200 404 404 404 200 403 200 403",
        ),
        row(
            "GET",
            "/api/v1/cases/{id}/events",
            "/api/v1/cases/{case}/events",
            NoBody,
            "401 401 200 200 200 404 404 200 403 200 403",
        ),
        row(
            "GET",
            "/api/v1/cases/{id}/events",
            "/api/v1/cases/{acc}/events",
            NoBody,
            "401 401 200 200 404 404 404 200 403 200 403",
        ),
        fresh(
            "POST",
            "/api/v1/cases/{id}/commands",
            "/api/v1/cases/{fresh}/commands",
            Json(r#"{"command":"accept","notice":"本机关已依法受理。"}"#),
            "401 401 403 403 200 404 404 403 403 403 403",
        ),
        row(
            "POST",
            "/api/v1/cases/{id}/reveal",
            "/api/v1/cases/{case}/reveal",
            Json(r#"{"field":"phone","purpose":"回访联系"}"#),
            "401 401 200 200 200 404 404 403 403 403 403",
        ),
        row(
            "POST",
            "/api/v1/cases/{id}/reveal",
            "/api/v1/cases/{acc}/reveal",
            Json(r#"{"field":"phone","purpose":"回访联系"}"#),
            "401 401 200 200 404 404 404 403 403 403 403",
        ),
        row(
            "POST",
            "/api/v1/petitioners/lookup",
            "/api/v1/petitioners/lookup",
            Json(r#"{"phone":"13912340001"}"#),
            "401 401 200 200 403 403 403 200 403 403 403",
        ),
        // ---- citizen API ----
        row(
            "POST",
            "/api/v1/public/cases",
            "/api/v1/public/cases",
            Json(PUBLIC_CASE),
            "201 201 201 201 201 201 201 201 201 201 201",
        ),
        row(
            "POST",
            "/api/v1/public/track",
            "/api/v1/public/track",
            Json(r#"{"query_code":"{code_or_guess}","phone_last4":"0001"}"#),
            "404 200 404 404 404 404 404 404 404 404 404",
        ),
        row(
            "POST",
            "/api/v1/public/actions",
            "/api/v1/public/actions",
            Json(
                r#"{"query_code":"{code_or_guess}","phone_last4":"0001","action":"rate","rating":"satisfied"}"#,
            ),
            "404 v409 404 404 404 404 404 404 404 404 404",
        ),
        // ---- directory ----
        row(
            "GET",
            "/api/v1/regions",
            "/api/v1/regions",
            NoBody,
            PUBLIC_PAGE,
        ),
        row(
            "GET",
            "/api/v1/topics",
            "/api/v1/topics",
            NoBody,
            PUBLIC_PAGE,
        ),
        row(
            "GET",
            "/api/v1/units",
            "/api/v1/units",
            NoBody,
            API_EVERY_STAFF,
        ),
        row(
            "GET",
            "/api/v1/dispatch",
            "/api/v1/dispatch?region=990102001001&topic=010101",
            NoBody,
            API_EVERY_STAFF,
        ),
        row(
            "GET",
            "/api/v1/policy",
            "/api/v1/policy",
            NoBody,
            PUBLIC_PAGE,
        ),
        // ---- administration ----
        row(
            "GET",
            "/api/v1/admin/users",
            "/api/v1/admin/users",
            NoBody,
            "401 401 403 403 403 403 403 403 403 200 403",
        ),
        row(
            "POST",
            "/api/v1/admin/users",
            "/api/v1/admin/users",
            Json(
                r#"{"username":"new.{role}","display_name":"新用户","password":"a-long-password-2026","role":"analyst","unit":null}"#,
            ),
            "401 401 403 403 403 403 403 403 403 201 403",
        ),
        row(
            "GET",
            "/api/v1/admin/open311/clients",
            "/api/v1/admin/open311/clients",
            NoBody,
            "401 401 403 403 403 403 403 403 403 200 403",
        ),
        row(
            "POST",
            "/api/v1/admin/open311/clients",
            "/api/v1/admin/open311/clients",
            Json(r#"{"name":"客户端 {role}"}"#),
            "401 401 403 403 403 403 403 403 403 201 403",
        ),
        // ---- 12345 exchange: partner administration ----
        row(
            "GET",
            "/api/v1/admin/exchange/partners",
            "/api/v1/admin/exchange/partners",
            NoBody,
            "401 401 403 403 403 403 403 403 403 200 403",
        ),
        row(
            "POST",
            "/api/v1/admin/exchange/partners",
            "/api/v1/admin/exchange/partners",
            Json(
                r#"{"name":"12345平台 {role}","region":"990102","url":"http://127.0.0.1:9/status"}"#,
            ),
            "401 401 403 403 403 403 403 403 403 201 403",
        ),
        row(
            "POST",
            "/api/v1/admin/exchange/partners/{id}/active",
            "/api/v1/admin/exchange/partners/00000000-0000-7000-8000-000000000000/active",
            Json(r#"{"active":false}"#),
            "401 401 403 403 403 403 403 403 403 404 403",
        ),
        // ---- suggestions: staff API ----
        row(
            "POST",
            "/api/v1/suggestions",
            "/api/v1/suggestions",
            Json(STAFF_SUGGESTION),
            "401 401 201 201 403 403 403 403 403 403 403",
        ),
        row(
            "GET",
            "/api/v1/suggestions",
            "/api/v1/suggestions",
            NoBody,
            API_CASE_WORKERS,
        ),
        row(
            "GET",
            "/api/v1/suggestions/scoreboard",
            "/api/v1/suggestions/scoreboard",
            NoBody,
            API_STAFF_NOT_GRID,
        ),
        row(
            "GET",
            "/api/v1/suggestions/supports/review",
            "/api/v1/suggestions/supports/review",
            NoBody,
            "401 401 403 200 403 403 403 200 403 200 403",
        ),
        row(
            "GET",
            "/api/v1/suggestions/experts",
            "/api/v1/suggestions/experts",
            NoBody,
            "401 401 403 200 403 403 403 200 403 200 403",
        ),
        row(
            "POST",
            "/api/v1/suggestions/experts",
            "/api/v1/suggestions/experts",
            Json(r#"{"id":"expert-{role}","name":"专家","fields":["010101"]}"#),
            "401 401 403 201 403 403 403 403 403 201 403",
        ),
        row(
            "GET",
            "/api/v1/suggestions/{id}",
            "/api/v1/suggestions/{sugg}",
            NoBody,
            "401 401 200 200 404 404 404 200 403 200 403",
        ),
        row(
            "GET",
            "/api/v1/suggestions/{id}/events",
            "/api/v1/suggestions/{sugg}/events",
            NoBody,
            "401 401 200 200 404 404 404 200 403 200 403",
        ),
        row(
            "POST",
            "/api/v1/suggestions/{id}/commands",
            "/api/v1/suggestions/{sugg}/commands",
            Json(r#"{"command":"publish","summary":"建议建立加装电梯一站式审批机制"}"#),
            "401 401 v409 v409 404 404 404 v409 403 v409 403",
        ),
        row(
            "POST",
            "/api/v1/campaigns",
            "/api/v1/campaigns",
            Json(CAMPAIGN),
            "401 401 403 201 403 403 403 403 403 403 403",
        ),
        row(
            "GET",
            "/api/v1/campaigns/{id}",
            "/api/v1/campaigns/{campaign}",
            NoBody,
            API_CASE_WORKERS,
        ),
        row(
            "POST",
            "/api/v1/campaigns/{id}/commands",
            "/api/v1/campaigns/{campaign}/commands",
            Json(r#"{"command":"publish_answer","content":"感谢参与"}"#),
            "401 401 403 v409 403 403 403 403 403 403 403",
        ),
        // ---- suggestions: citizen API ----
        row(
            "GET",
            "/api/v1/public/campaigns",
            "/api/v1/public/campaigns",
            NoBody,
            PUBLIC_PAGE,
        ),
        row(
            "GET",
            "/api/v1/public/campaigns/{id}",
            "/api/v1/public/campaigns/{campaign}",
            NoBody,
            PUBLIC_PAGE,
        ),
        row(
            "POST",
            "/api/v1/public/suggestions",
            "/api/v1/public/suggestions",
            Json(PUBLIC_SUGGESTION),
            "201 201 201 201 201 201 201 201 201 201 201",
        ),
        row(
            "POST",
            "/api/v1/public/suggestions/track",
            "/api/v1/public/suggestions/track",
            Json(r#"{"query_code":"{scode_or_guess}","phone_last4":"0002"}"#),
            "404 200 404 404 404 404 404 404 404 404 404",
        ),
        row(
            "POST",
            "/api/v1/public/suggestions/handoff",
            "/api/v1/public/suggestions/handoff",
            Json(r#"{"query_code":"{scode_or_guess}","phone_last4":"0002"}"#),
            "404 v400 404 404 404 404 404 404 404 404 404",
        ),
        row(
            "POST",
            "/api/v1/public/suggestions/withdraw",
            "/api/v1/public/suggestions/withdraw",
            Json(r#"{"query_code":"{scode_or_guess}","phone_last4":"9999","reason":"不再需要"}"#),
            "404 404 404 404 404 404 404 404 404 404 404",
        ),
        row(
            "GET",
            "/api/v1/public/suggestions/{id}",
            "/api/v1/public/suggestions/{pub_sugg}",
            NoBody,
            PUBLIC_PAGE,
        ),
        row(
            "POST",
            "/api/v1/public/suggestions/{id}/code",
            "/api/v1/public/suggestions/{sugg_id}/code",
            Json(r#"{"phone":"13911110000"}"#),
            "404 404 404 404 404 404 404 404 404 404 404",
        ),
        row(
            "POST",
            "/api/v1/public/suggestions/{id}/supports",
            "/api/v1/public/suggestions/{sugg_id}/supports",
            Json(r#"{"phone":"13911110000","code":"000000"}"#),
            "404 404 404 404 404 404 404 404 404 404 404",
        ),
        // ---- alerts API and stream ----
        row(
            "GET",
            "/api/v1/alerts",
            "/api/v1/alerts",
            NoBody,
            API_STAFF_NOT_GRID,
        ),
        row(
            "GET",
            "/api/v1/alerts/{id}",
            "/api/v1/alerts/{alert}",
            NoBody,
            "401 401 200 200 404 404 404 200 200 200 403",
        ),
        row(
            "POST",
            "/api/v1/alerts/{id}/{command}",
            "/api/v1/alerts/{alert}/frobnicate",
            Json("{}"),
            "401 401 403 v400 404 404 404 v400 403 403 403",
        ),
        row(
            "GET",
            "/staff/alerts/stream",
            "/staff/alerts/stream",
            NoBody,
            API_STAFF_NOT_GRID,
        ),
        // ---- telephony ----
        row(
            "POST",
            "/api/v1/telephony/events",
            "/api/v1/telephony/events",
            Json(r#"{"call_id":"m-{role}","event":"missed","caller":"13912340010"}"#),
            "401 401 401 401 401 401 401 401 401 401 401",
        ),
        row(
            "GET",
            "/staff/intake/calls",
            "/staff/intake/calls",
            NoBody,
            "401 401 200 200 403 403 403 403 403 403 403",
        ),
        row(
            "GET",
            "/staff/callbacks",
            "/staff/callbacks",
            NoBody,
            "L L 200 200 403 403 403 403 403 403 403",
        ),
        row(
            "POST",
            "/staff/callbacks/{id}/done",
            "/staff/callbacks/{callback}/done",
            Form("outcome="),
            "L L v400 v400 403 403 403 403 403 403 403",
        ),
        // ---- Open311 ----
        row(
            "GET",
            "/open311/v2/{file}",
            "/open311/v2/discovery.json",
            NoBody,
            PUBLIC_PAGE,
        ),
        row(
            "GET",
            "/open311/v2/{file}",
            "/open311/v2/services.xml",
            NoBody,
            PUBLIC_PAGE,
        ),
        row(
            "GET",
            "/open311/v2/{file}",
            "/open311/v2/requests.json",
            NoBody,
            PUBLIC_PAGE,
        ),
        row(
            "POST",
            "/open311/v2/{file}",
            "/open311/v2/requests.json",
            Open311(
                "api_key={o311_key}&service_code=0102&address_id=990102001001&description=路灯不亮",
            ),
            "200 200 200 200 200 200 200 200 200 200 200",
        ),
        row(
            "GET",
            "/open311/v2/services/{file}",
            "/open311/v2/services/0102.json",
            NoBody,
            PUBLIC_PAGE,
        ),
        row(
            "GET",
            "/open311/v2/requests/{file}",
            "/open311/v2/requests/{o311}.json",
            NoBody,
            PUBLIC_PAGE,
        ),
        row(
            "GET",
            "/open311/v2/requests/{file}",
            "/open311/v2/requests/{case}.json",
            NoBody,
            "404 404 404 404 404 404 404 404 404 404 404",
        ),
        row(
            "GET",
            "/open311/v2/tokens/{file}",
            "/open311/v2/tokens/abc.json",
            NoBody,
            "404 404 404 404 404 404 404 404 404 404 404",
        ),
        // ---- 12345 exchange: partners sign their messages; no bearer token or cookie helps ----
        row(
            "POST",
            "/exchange/v1/orders",
            "/exchange/v1/orders",
            Json(r#"{"order_id":"m-{role}"}"#),
            "401 401 401 401 401 401 401 401 401 401 401",
        ),
        row(
            "GET",
            "/exchange/v1/schema/{file}",
            "/exchange/v1/schema/order.json",
            NoBody,
            PUBLIC_PAGE,
        ),
        // ---- citizen portal ----
        row("GET", "/", "/", NoBody, PUBLIC_PAGE),
        row("GET", "/submit", "/submit", NoBody, PUBLIC_PAGE),
        row(
            "POST",
            "/submit",
            "/submit",
            Form("kind=appeal"),
            "v422 v422 v422 v422 v422 v422 v422 v422 v422 v422 v422",
        ),
        row("GET", "/track", "/track", NoBody, PUBLIC_PAGE),
        row(
            "POST",
            "/track",
            "/track",
            Form("query_code={code_or_guess}&phone_last4=0001"),
            "404 200 404 404 404 404 404 404 404 404 404",
        ),
        row(
            "POST",
            "/track/act",
            "/track/act",
            Form("query_code={code_or_guess}&phone_last4=0001&action=rate&rating=satisfied"),
            "404 v422 404 404 404 404 404 404 404 404 404",
        ),
        row(
            "GET",
            "/lang/{lang}",
            "/lang/en?next=/open",
            NoBody,
            "303 303 303 303 303 303 303 303 303 303 303",
        ),
        row("GET", "/open", "/open", NoBody, PUBLIC_PAGE),
        row("GET", "/kb", "/kb", NoBody, PUBLIC_PAGE),
        row("GET", "/kb/{id}", "/kb/{kb}", NoBody, PUBLIC_PAGE),
        row(
            "GET",
            "/static/{*file}",
            "/static/vendor/htmx/htmx.min.js",
            NoBody,
            PUBLIC_PAGE,
        ),
        // ---- knowledge base (staff) ----
        row(
            "GET",
            "/staff/kb",
            "/staff/kb",
            NoBody,
            "L L 200 200 200 200 200 200 403 200 403",
        ),
        row(
            "GET",
            "/staff/kb/new",
            "/staff/kb/new",
            NoBody,
            "L L 200 200 200 200 200 200 403 200 403",
        ),
        row(
            "GET",
            "/staff/kb/{id}/edit",
            "/staff/kb/{kb}/edit",
            NoBody,
            "L L 403 403 200 403 403 200 403 200 403",
        ),
        row(
            "POST",
            "/staff/kb/save",
            "/staff/kb/save",
            Form(KB_EDIT),
            "L L 403 403 v409 403 403 v409 403 v409 403",
        ),
        // ---- people's suggestions (pages) ----
        row("GET", "/suggest", "/suggest", NoBody, PUBLIC_PAGE),
        row(
            "GET",
            "/suggest/campaigns/{id}",
            "/suggest/campaigns/{campaign}",
            NoBody,
            PUBLIC_PAGE,
        ),
        row("GET", "/suggest/new", "/suggest/new", NoBody, PUBLIC_PAGE),
        row(
            "POST",
            "/suggest/new",
            "/suggest/new",
            Form("title="),
            "v422 v422 v422 v422 v422 v422 v422 v422 v422 v422 v422",
        ),
        row(
            "GET",
            "/suggest/invite/{token}",
            "/suggest/invite/not-a-token",
            NoBody,
            "404 404 404 404 404 404 404 404 404 404 404",
        ),
        row(
            "GET",
            "/suggest/track",
            "/suggest/track",
            NoBody,
            PUBLIC_PAGE,
        ),
        row(
            "POST",
            "/suggest/track",
            "/suggest/track",
            Form("query_code={scode_or_guess}&phone_last4=0002"),
            "404 200 404 404 404 404 404 404 404 404 404",
        ),
        row(
            "POST",
            "/suggest/handoff",
            "/suggest/handoff",
            Form("query_code={scode_or_guess}&phone_last4=0002"),
            "404 v400 404 404 404 404 404 404 404 404 404",
        ),
        row(
            "GET",
            "/suggest/s/{id}",
            "/suggest/s/{pub_sugg}",
            NoBody,
            PUBLIC_PAGE,
        ),
        row(
            "POST",
            "/suggest/s/{id}/{step}",
            "/suggest/s/{pub_sugg}/code",
            Form("phone=12"),
            "v422 v422 v422 v422 v422 v422 v422 v422 v422 v422 v422",
        ),
        row(
            "GET",
            "/staff/suggest",
            "/staff/suggest",
            NoBody,
            "L L 200 200 200 200 200 200 403 200 403",
        ),
        row(
            "GET",
            "/staff/suggest/board",
            "/staff/suggest/board",
            NoBody,
            EVERY_STAFF,
        ),
        row(
            "GET",
            "/staff/suggest/experts",
            "/staff/suggest/experts",
            NoBody,
            "L L 403 200 403 403 403 200 403 200 403",
        ),
        row(
            "POST",
            "/staff/suggest/experts",
            "/staff/suggest/experts",
            Form("id="),
            "L L 403 v422 403 403 403 403 403 v422 403",
        ),
        row(
            "POST",
            "/staff/suggest/campaigns",
            "/staff/suggest/campaigns",
            Form("kind=themed"),
            "L L 403 v400 403 403 403 403 403 403 403",
        ),
        row(
            "GET",
            "/staff/suggest/campaigns/new",
            "/staff/suggest/campaigns/new",
            NoBody,
            "L L 403 200 403 403 403 403 403 403 403",
        ),
        row(
            "GET",
            "/staff/suggest/campaigns/{id}",
            "/staff/suggest/campaigns/{campaign}",
            NoBody,
            "L L 200 200 200 200 200 200 403 200 403",
        ),
        row(
            "POST",
            "/staff/suggest/campaigns/{id}/act",
            "/staff/suggest/campaigns/{campaign}/act",
            Form("command=publish_answer&content=感谢参与"),
            "L L 403 v409 403 403 403 403 403 403 403",
        ),
        row(
            "GET",
            "/staff/suggest/{id}",
            "/staff/suggest/{sugg}",
            NoBody,
            "L L 200 200 404 404 404 200 403 200 403",
        ),
        row(
            "POST",
            "/staff/suggest/{id}/act",
            "/staff/suggest/{sugg}/act",
            Form("command=nonsense"),
            "L L v400 v400 404 404 404 v400 403 v400 403",
        ),
        // ---- the workbench ----
        row("GET", "/staff/login", "/staff/login", NoBody, PUBLIC_PAGE),
        row(
            "POST",
            "/staff/login",
            "/staff/login",
            Form("username=web.nobody.{role}&password=wrong-password-2026&next=/staff"),
            "v401 v401 v401 v401 v401 v401 v401 v401 v401 v401 v401",
        ),
        // Signing out ends on the sign-in page, whoever asked.
        row(
            "POST",
            "/staff/logout",
            "/staff/logout",
            Form(""),
            "L L L L L L L L L L L",
        ),
        row(
            "GET",
            "/staff",
            "/staff",
            NoBody,
            "L L 200 200 200 200 200 200 303 200 303",
        ),
        row(
            "GET",
            "/staff/search",
            "/staff/search?q=电梯",
            NoBody,
            "L L 200 200 200 200 200 200 403 200 403",
        ),
        row(
            "GET",
            "/staff/cases/{id}",
            "/staff/cases/{case_no}",
            NoBody,
            "L L 200 200 200 404 404 200 403 200 403",
        ),
        row(
            "GET",
            "/staff/cases/{id}",
            "/staff/cases/{acc_no}",
            NoBody,
            "L L 200 200 404 404 404 200 403 200 403",
        ),
        row(
            "POST",
            "/staff/cases/{id}/act",
            "/staff/cases/{case_no}/act",
            Form("command=nonsense"),
            "L L v422 v422 v422 404 404 v422 403 v422 403",
        ),
        row(
            "POST",
            "/staff/cases/{id}/act",
            "/staff/cases/{acc_no}/act",
            Form("command=nonsense"),
            "L L v422 v422 404 404 404 v422 403 v422 403",
        ),
        row(
            "POST",
            "/staff/cases/{id}/reveal",
            "/staff/cases/{case_no}/reveal",
            Form("field=phone&purpose=回访联系"),
            "L L 200 200 200 404 404 403 403 403 403",
        ),
        row(
            "POST",
            "/staff/cases/{id}/reveal",
            "/staff/cases/{acc_no}/reveal",
            Form("field=phone&purpose=回访联系"),
            "L L 200 200 404 404 404 403 403 403 403",
        ),
        row(
            "GET",
            "/staff/cases/{id}/typical",
            "/staff/cases/{case_no}/typical",
            NoBody,
            "L L 403 200 403 403 403 200 403 200 403",
        ),
        row(
            "POST",
            "/staff/cases/{id}/typical",
            "/staff/cases/{case_no}/typical",
            Form("title="),
            "L L 403 v422 403 403 403 v422 403 v422 403",
        ),
        row(
            "POST",
            "/staff/cases/{id}/typical/withdraw",
            "/staff/cases/{case_no}/typical/withdraw",
            Form(""),
            "L L 403 v400 403 403 403 v400 403 v400 403",
        ),
        row(
            "GET",
            "/staff/cases/{id}/documents/{doc}",
            "/staff/cases/{case_no}/documents/acceptance",
            NoBody,
            "L L v404 v404 v404 404 404 v404 403 v404 403",
        ),
        row(
            "GET",
            "/staff/intake",
            "/staff/intake",
            NoBody,
            "L L 200 200 403 403 403 403 403 403 403",
        ),
        row(
            "POST",
            "/staff/intake",
            "/staff/intake",
            Form("channel=letter"),
            "L L v422 v422 403 403 403 403 403 403 403",
        ),
        row(
            "POST",
            "/staff/intake/history",
            "/staff/intake/history",
            Form("phone=13912340001"),
            "L L 200 200 403 403 403 403 403 403 403",
        ),
        row(
            "POST",
            "/staff/intake/preview",
            "/staff/intake/preview",
            Form("channel=letter"),
            "L L 200 200 403 403 403 403 403 403 403",
        ),
        row("GET", "/staff/alerts", "/staff/alerts", NoBody, EVERY_STAFF),
        row(
            "GET",
            "/staff/alerts/{id}",
            "/staff/alerts/{alert}",
            NoBody,
            "L L 200 200 404 404 404 200 200 200 403",
        ),
        row(
            "POST",
            "/staff/alerts/{id}/act",
            "/staff/alerts/{alert}/act",
            Form("command=nonsense"),
            "L L 403 v400 404 404 404 v400 403 403 403",
        ),
        row(
            "GET",
            "/staff/supervision",
            "/staff/supervision",
            NoBody,
            "L L 403 200 403 403 403 200 403 200 403",
        ),
        row(
            "POST",
            "/staff/supervision/act",
            "/staff/supervision/act",
            Form("command=nonsense"),
            "L L 403 v400 403 403 403 v400 403 v400 403",
        ),
        row(
            "GET",
            "/staff/dashboard",
            "/staff/dashboard",
            NoBody,
            "L L 403 200 200 200 200 200 200 200 403",
        ),
        row(
            "GET",
            "/staff/reports/annual",
            "/staff/reports/annual",
            NoBody,
            "L L 403 200 403 403 403 200 200 200 403",
        ),
        row(
            "GET",
            "/staff/held",
            "/staff/held",
            NoBody,
            "L L 200 200 403 403 403 200 403 200 403",
        ),
        // Intake comes first among those allowed and releases it; the others find it decided.
        row(
            "POST",
            "/staff/held/{id}/release",
            "/staff/held/{held}/release",
            Form(""),
            "L L 303 v400 403 403 403 v400 403 v400 403",
        ),
        row(
            "POST",
            "/staff/held/{id}/reject",
            "/staff/held/{held}/reject",
            Form(""),
            "L L v400 v400 403 403 403 v400 403 v400 403",
        ),
        row(
            "GET",
            "/staff/admin",
            "/staff/admin",
            NoBody,
            "L L 403 403 403 403 403 403 403 200 403",
        ),
        row(
            "POST",
            "/staff/admin/users",
            "/staff/admin/users",
            Form("username="),
            "L L 403 403 403 403 403 403 403 v400 403",
        ),
        row(
            "POST",
            "/staff/admin/users/active",
            "/staff/admin/users/active",
            Form("username="),
            "L L 403 403 403 403 403 403 403 v404 403",
        ),
        row(
            "POST",
            "/staff/admin/units",
            "/staff/admin/units",
            Form("id="),
            "L L 403 403 403 403 403 403 403 v422 403",
        ),
        row(
            "POST",
            "/staff/admin/dispatch",
            "/staff/admin/dispatch",
            Form("region="),
            "L L 403 403 403 403 403 403 403 v422 403",
        ),
        // ---- grids and grid workers ----
        row(
            "GET",
            "/api/v1/admin/grids",
            "/api/v1/admin/grids",
            NoBody,
            "401 401 403 403 403 403 403 403 403 200 403",
        ),
        row(
            "POST",
            "/api/v1/admin/grids",
            "/api/v1/admin/grids",
            Json(
                r#"{"id":"matrix-{role}","name":"矩阵网格","region":"990102002001","center":{"lat":31.2,"lng":114.0},"rings":0}"#,
            ),
            "401 401 403 403 403 403 403 403 403 200 403",
        ),
        row(
            "POST",
            "/api/v1/admin/grids/{id}/workers",
            "/api/v1/admin/grids/cuihu-01/workers",
            Json(r#"{"usernames":["grid.cuihu"]}"#),
            "401 401 403 403 403 403 403 403 403 204 403",
        ),
        row(
            "GET",
            "/api/v1/grids/rates",
            "/api/v1/grids/rates",
            NoBody,
            "401 401 403 200 200 200 200 200 200 200 200",
        ),
        row(
            "GET",
            "/staff/grid",
            "/staff/grid",
            NoBody,
            "L L 403 403 403 403 403 403 403 403 200",
        ),
        row(
            "GET",
            "/staff/grid/report",
            "/staff/grid/report",
            NoBody,
            "L L 403 200 200 200 200 200 200 200 200",
        ),
        row(
            "GET",
            "/staff/grid/cases/{id}",
            "/staff/grid/cases/{case_no}",
            NoBody,
            "L L 403 403 403 403 403 403 403 403 200",
        ),
        // An accusation in the grid is never the grid worker's.
        row(
            "GET",
            "/staff/grid/cases/{id}",
            "/staff/grid/cases/{acc_no}",
            NoBody,
            "L L 403 403 403 403 403 403 403 403 404",
        ),
        // Not a multipart upload: refused on its content.
        row(
            "POST",
            "/staff/grid/cases/{id}/visit",
            "/staff/grid/cases/{case_no}/visit",
            Form("notes="),
            "L L 403 403 403 403 403 403 403 403 v400",
        ),
        row(
            "POST",
            "/staff/grid/cases/{id}/resolve",
            "/staff/grid/cases/{case_no}/resolve",
            Form("note="),
            "L L 403 403 403 403 403 403 403 403 v409",
        ),
        row(
            "POST",
            "/staff/grid/cases/{id}/escalate",
            "/staff/grid/cases/{case_no}/escalate",
            Form("reason="),
            "L L 403 403 403 403 403 403 403 403 v409",
        ),
        row(
            "GET",
            "/staff/admin/grids",
            "/staff/admin/grids",
            NoBody,
            "L L 403 403 403 403 403 403 403 200 403",
        ),
        row(
            "POST",
            "/staff/admin/grids",
            "/staff/admin/grids",
            Form("id="),
            "L L 403 403 403 403 403 403 403 v400 403",
        ),
        row(
            "POST",
            "/staff/admin/grids/workers",
            "/staff/admin/grids/workers",
            Form("grid=cuihu-01&usernames=grid.cuihu"),
            "L L 403 403 403 403 403 403 403 303 403",
        ),
        row(
            "GET",
            "/staff/grid/photos/{id}",
            "/staff/grid/photos/0196f0d4-0000-7000-8000-000000000001",
            NoBody,
            "L L 404 404 404 404 404 404 403 404 404",
        ),
    ]
}

/// A complete edit of the fixture article with a stale version: editors get the conflict.
const KB_EDIT: &str = "id={kb}&version=0&title=电梯报修指南&body=住宅电梯停运时请先向物业报修，物业超过24小时未处理的可向住建局反映。&owner_unit=990102-zjj&valid_from=2026-01-01&state=published";

const NEW_CASE: &str = r#"{"channel":"letter","kind":"appeal","title":"小区电梯长期故障",
 "request":"请求责令物业公司尽快修复电梯","facts_reasons":"翠湖苑3栋电梯停运两个月，多次报修无果。",
 "topic":"010101","location":{"region":"990102001001","address":"翠湖社区翠湖苑3栋"},
 "petitioner":{"name":"矩阵测试","phone":"13912349999"}}"#;

const PUBLIC_CASE: &str = r#"{"channel":"online","kind":"appeal","title":"路灯不亮",
 "request":"请修复路灯","facts_reasons":"翠湖苑门口路灯坏了一个月。",
 "topic":"010101","location":{"region":"990102001001","address":"翠湖社区"},
 "petitioner":{"name":"矩阵测试","phone":"13912348888"}}"#;

const STAFF_SUGGESTION: &str = r#"{"title":"关于完善老旧小区加装电梯补贴政策的建议",
 "reason":"全区老旧小区居民老龄化程度高，加装电梯意愿强，但审批环节多、补贴标准不清。",
 "proposal":"建议建立加装电梯一站式审批机制，明确补贴标准，并公开办理进度。",
 "topic":"010101","region":"990102001001","channel":"letter","office_unit":"990102-xfj",
 "suggester":{"name":"王建言","phone":"13712347777","address":"临江市东湖区翠湖苑1栋"}}"#;

const PUBLIC_SUGGESTION: &str = r#"{"title":"关于增设社区公共自行车站点的建议",
 "reason":"翠湖社区周边没有公共自行车站点，居民短途出行不便，地铁站接驳困难。",
 "proposal":"建议在翠湖社区东门和地铁站之间增设两个公共自行车站点。",
 "topic":"010101","region":"990102001001",
 "suggester":{"name":"李建言","phone":"13712346666","address":"临江市东湖区翠湖苑2栋"}}"#;

const CAMPAIGN: &str = r#"{"kind":"themed","title":"社区养老服务意见征集",
 "explanation":"为完善社区养老服务，现向社会公开征集意见建议。","channels":["online"],
 "opens_on":"{today}","closes_on":"{in_30_days}","office_unit":"990102-xfj"}"#;

/// The records every row reaches, created through the real API before the table runs.
pub struct Fixtures {
    pub vars: BTreeMap<&'static str, String>,
}

/// A petition registered at the 东湖区 office and transferred to its housing department
/// (`handler.donghu.zjj`'s unit); returns (id, number, query code).
pub async fn owned_case(app: &TestApp, phone: &str) -> (String, String, String) {
    let (id, code, view) = app
        .register("intake.donghu", &new_case("appeal", "letter", phone))
        .await;
    let coord = app.login("coord.donghu").await;
    app.ok(
        &coord,
        &id,
        json!({"command": "transfer", "to_unit": "990102-zjj", "mode": "transfer"}),
    )
    .await;
    let number = view["number"].as_str().expect("number").to_string();
    (id, number, code)
}

async fn fixtures(app: &TestApp) -> Fixtures {
    let mut vars = BTreeMap::new();
    // The fixture cases lie in 翠湖社区's grid (their address names 翠湖苑), served by grid.cuihu.
    app.cuihu_grid().await;
    let (id, number, code) = owned_case(app, PHONE).await;
    vars.insert("case", id);
    vars.insert("case_no", number);
    vars.insert("code", code);

    // An accusation against the human resources bureau, handled by the district government.
    let mut acc = new_case("accusation", "letter", "13912340003");
    acc["accused_unit"] = json!("990102-rsj");
    acc["about_officials"] = json!(false);
    acc["title"] = json!("检举人社局违规发放补贴");
    let (acc_id, _, view) = app.register("intake.donghu", &acc).await;
    let coord = app.login("coord.donghu").await;
    app.ok(
        &coord,
        &acc_id,
        json!({"command": "transfer", "to_unit": "990102-gov", "mode": "transfer"}),
    )
    .await;
    vars.insert("acc", acc_id);
    vars.insert("acc_no", view["number"].as_str().expect("number").into());

    // A risk phrase raises an alert located in 翠湖社区.
    let mut risky = new_case("appeal", "phone", "13912340004");
    risky["facts_reasons"] = json!("补偿款拖了三年一直不给，再不解决我明天就去市政府楼顶跳楼。");
    app.register("intake.donghu", &risky).await;
    let sup = app.login("supervisor").await;
    let (_, alerts) = app.get("/api/v1/alerts", Some(&sup)).await;
    let alert = alerts
        .as_array()
        .and_then(|a| a.first())
        .and_then(|a| a["alert"]["id"].as_str())
        .unwrap_or_else(|| panic!("an alert was raised: {alerts}"))
        .to_string();
    vars.insert("alert", alert);

    // A held online submission (a gambling advert).
    let mut advert = new_case("appeal", "online", "13800000011");
    advert["title"] = json!("百家乐真人荷官 注册送彩金");
    advert["request"] = json!("官方网址 www.bjl777.vip 首存送100%，加微信 bjl777");
    let (s, b) = app.post("/api/v1/public/cases", None, &advert).await;
    assert_eq!(s, 202, "held: {b}");
    let held = app
        .state
        .store
        .held_submissions(minsheng_store::held::HeldStatus::Held, 10)
        .await
        .expect("held list");
    vars.insert("held", held.first().expect("one held").id.to_string());

    // A missed call waiting to be returned.
    let missed = app
        .state
        .store
        .record_missed_call(
            &minsheng_core::petitioner::Phone::parse("13912340009").expect("phone"),
            "matrix-1",
            None,
            chrono::Utc::now(),
        )
        .await
        .expect("missed call");
    vars.insert("callback", missed.id.to_string());

    // A suggestion (the citizen holds its code), a published one and a campaign.
    let campaign = open_campaign(app, "themed").await;
    let (sugg, scode, _) = submit(app, &suggestion_body(Some(&campaign), SUGGESTER_PHONE)).await;
    let (s, v) = app
        .get(&format!("/api/v1/suggestions/{sugg}"), Some(&coord))
        .await;
    assert_eq!(s, 200, "{v}");
    vars.insert(
        "sugg_id",
        v["suggestion"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{v}"))
            .into(),
    );
    vars.insert("sugg", sugg);
    vars.insert("scode", scode);
    vars.insert("campaign", campaign);
    let (published, _, _) = submit(app, &suggestion_body(None, "13712340005")).await;
    for c in [
        json!({"command": "accept"}),
        json!({"command": "publish", "summary": "建议建立加装电梯一站式审批机制"}),
    ] {
        let (s, b) = app
            .post(
                &format!("/api/v1/suggestions/{published}/commands"),
                Some(&coord),
                &c,
            )
            .await;
        assert_eq!(s, 200, "{b}");
    }
    let (_, v) = app
        .get(&format!("/api/v1/suggestions/{published}"), Some(&coord))
        .await;
    vars.insert(
        "pub_sugg",
        v["suggestion"]["id"].as_str().expect("id").into(),
    );

    // A published knowledge article of the housing department.
    let zjj = app.web_client(Some("handler.donghu.zjj")).await;
    let r = zjj
        .post(format!("{}/staff/kb/save", app.base))
        .form(&[
            ("title", "电梯报修指南"),
            (
                "body",
                "住宅电梯停运时请先向物业报修，物业超过24小时未处理的可向住建局反映。",
            ),
            ("owner_unit", "990102-zjj"),
            ("valid_from", "2026-01-01"),
            ("valid_until", ""),
            ("state", "published"),
        ])
        .send()
        .await
        .expect("kb save");
    assert_eq!(r.status(), 303, "kb saved");
    let loc = r.headers()["location"].to_str().expect("location");
    vars.insert("kb", loc.trim_start_matches("/staff/kb?saved=").to_string());

    // An Open311 client and a request it posted.
    let admin = app.login("admin").await;
    let (s, b) = app
        .post(
            "/api/v1/admin/open311/clients",
            Some(&admin),
            &json!({"name": "矩阵客户端"}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let key = b["api_key"].as_str().expect("key").to_string();
    let r = plain_client()
        .post(format!("{}/open311/v2/requests.json", app.base))
        .form(&[
            ("api_key", key.as_str()),
            ("service_code", "0102"),
            ("address_id", "990102001001"),
            ("description", "路灯不亮"),
        ])
        .send()
        .await
        .expect("open311 post");
    assert_eq!(r.status(), 200);
    let posted: Value = r.json().await.expect("json");
    vars.insert(
        "o311",
        posted[0]["service_request_id"].as_str().expect("id").into(),
    );
    vars.insert("o311_key", key);
    let today = crate::suggestions::today();
    vars.insert("today", today.to_string());
    vars.insert(
        "in_30_days",
        (today + chrono::Duration::days(30)).to_string(),
    );
    Fixtures { vars }
}

/// One role's way in: a cookie-keeping client (signed in on the web for staff) and, for staff,
/// a bearer token for the JSON API.
pub struct Session {
    pub client: reqwest::Client,
    pub token: Option<String>,
}

pub async fn session(app: &TestApp, who: &'static str) -> Session {
    let staff = !matches!(who, "anonymous" | "citizen");
    let client = app.web_client(staff.then_some(who)).await;
    let token = if staff {
        Some(app.login(who).await)
    } else {
        None
    };
    Session { client, token }
}

/// The response as the matrix sees it.
pub struct Reply {
    pub status: u16,
    pub location: String,
    pub body: String,
}

impl Reply {
    /// The outcome token (`L` for a redirect to the sign-in page).
    pub fn token(&self) -> String {
        if self.status == 303 && self.location.starts_with("/staff/login") {
            "L".into()
        } else {
            self.status.to_string()
        }
    }
}

/// Sends one request as `s`. Web forms carry the session's CSRF token (see
/// `TestApp::post_form_with_csrf`).
pub async fn send(app: &TestApp, s: &Session, method: &str, path: &str, body: &Body2) -> Reply {
    let stream = path.starts_with("/staff/alerts/stream") || path == "/staff/intake/calls";
    let resp = if let (Body2::Form(f), "POST") = (body, method) {
        app.post_form_with_csrf(&s.client, path, f).await
    } else {
        let url = format!("{}{path}", app.base);
        let mut req = match method {
            "GET" => s.client.get(&url),
            "POST" => s.client.post(&url),
            m => panic!("method {m}"),
        };
        if let (Some(t), false) = (&s.token, stream) {
            req = req.bearer_auth(t);
        }
        match body {
            Body2::None => {}
            Body2::Json(j) => {
                req = req
                    .header("content-type", "application/json")
                    .body(j.clone())
            }
            Body2::Open311(f) => {
                req = req
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(f.clone())
            }
            Body2::Form(_) => panic!("{method} {path}: web forms are posted"),
        }
        req.send().await.expect("request")
    };
    let status = resp.status().as_u16();
    let location = resp
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body = if stream && status == 200 {
        // A stream never ends: the status and headers are the answer.
        String::new()
    } else {
        resp.text().await.unwrap_or_default()
    };
    Reply {
        status,
        location,
        body,
    }
}

/// A body with its placeholders filled in.
pub enum Body2 {
    None,
    Json(String),
    Form(String),
    Open311(String),
}

fn fill(text: &str, vars: &BTreeMap<&'static str, String>, role: usize) -> String {
    let mut out = text.to_string();
    let citizen = ROLES[role] == "citizen";
    let guess = |v: &str| {
        if citizen {
            v.to_string()
        } else {
            "ABCDEFGHJK".to_string()
        }
    };
    out = out.replace("{code_or_guess}", &guess(&vars["code"]));
    out = out.replace("{scode_or_guess}", &guess(&vars["scode"]));
    out = out.replace("{role}", &ROLES[role].replace('.', "-"));
    for (k, v) in vars {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    assert!(
        !out.contains("{case") && !out.contains("{sugg") && !out.contains("{acc"),
        "unfilled placeholder in {out}"
    );
    out
}

/// A refusal in a line: the JSON code, or the page's title and first message.
fn brief(body: &str) -> String {
    if let Ok(v) = serde_json::from_str::<Value>(body) {
        return v
            .get("code")
            .map(Value::to_string)
            .unwrap_or_else(|| body.chars().take(80).collect());
    }
    let pick = |open: &str, close: &str| {
        body.split_once(open)
            .and_then(|(_, r)| r.split_once(close))
            .map(|(t, _)| t.trim().to_string())
            .unwrap_or_default()
    };
    let message = pick("<p class=\"error\">", "</p>");
    format!("[{}] {}", pick("<title>", "</title>"), message)
        .chars()
        .take(200)
        .collect()
}

fn is_deny(token: &str) -> bool {
    matches!(token, "401" | "403" | "404" | "L")
}

/// Every row of every table, as text, except the session tokens (signing in and out writes
/// them, and the sessions of the matrix itself are made between rows).
pub async fn snapshot(app: &TestApp) -> Vec<String> {
    let tables: Vec<String> = match app.backend {
        Backend::Sqlite => {
            app.query_text(
                "SELECT name FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%' ORDER BY name",
            )
            .await
        }
        Backend::Postgres => {
            app.query_text(
                "SELECT table_name::text FROM information_schema.tables \
                 WHERE table_schema = 'public' AND table_type = 'BASE TABLE' \
                 AND table_name NOT LIKE '_sqlx%' ORDER BY 1",
            )
            .await
        }
    };
    let mut parts = Vec::new();
    for t in tables.iter().filter(|t| *t != "auth_tokens") {
        match app.backend {
            Backend::Sqlite => {
                let cols = app
                    .query_text(&format!("SELECT name FROM pragma_table_info('{t}')"))
                    .await;
                let row = cols
                    .iter()
                    .map(|c| format!("quote(\"{c}\")"))
                    .collect::<Vec<_>>()
                    .join("||','||");
                parts.push(format!(
                    "SELECT '{t}:' || coalesce(group_concat(r, char(10)), '') FROM \
                     (SELECT {row} AS r FROM \"{t}\" ORDER BY 1)"
                ));
            }
            Backend::Postgres => parts.push(format!(
                "SELECT '{t}:' || coalesce(string_agg(x::text, E'\\n' ORDER BY x::text), '') \
                 FROM \"{t}\" x"
            )),
        }
    }
    app.query_text(&parts.join(" UNION ALL ")).await
}

fn diff(before: &[String], after: &[String]) -> String {
    before
        .iter()
        .zip(after)
        .filter(|(a, b)| a != b)
        .map(|(a, b)| {
            let name = a.split(':').next().unwrap_or("");
            let extra: Vec<&str> = b.lines().filter(|l| !a.contains(l)).take(3).collect();
            format!("table {name} changed: {extra:?}")
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn check_refusal(reply: &Reply, token: &str) -> Option<String> {
    if token == "L" {
        return None;
    }
    let json: Value = serde_json::from_str(&reply.body).ok()?;
    if json.get("code").is_some() {
        let ok = json["code"].as_str().is_some_and(|c| !c.is_empty())
            && json["message_zh"].as_str().is_some_and(|m| !m.is_empty())
            && json["message_en"].as_str().is_some_and(|m| !m.is_empty());
        return (!ok).then(|| format!("refusal without code and messages: {json}"));
    }
    None
}

async fn access_matrix(app: &TestApp) {
    let fx = fixtures(app).await;
    let mut sessions = Vec::new();
    for who in ROLES {
        sessions.push(session(app, who).await);
    }
    let mut wrong = Vec::new();
    let mut cells = 0;
    for r in rows() {
        let expect: Vec<&str> = r.expect.split_whitespace().collect();
        assert_eq!(expect.len(), ROLES.len(), "{} {}", r.method, r.path);
        // Fresh cases (and, for sign-out rows, fresh sessions) are made before the snapshot.
        let mut vars = Vec::new();
        for i in 0..ROLES.len() {
            let mut v = fx.vars.clone();
            if r.fresh {
                let (id, number, _) = owned_case(app, &format!("139123450{i:02}")).await;
                v.insert("fresh", id);
                v.insert("fresh_no", number);
            }
            vars.push(v);
        }
        let sign_out = r.route.ends_with("/logout");
        let mut own = Vec::new();
        for who in ROLES {
            own.push(if sign_out {
                Some(session(app, who).await)
            } else {
                None
            });
        }
        // Denied first, then the database must be as it was; then the allowed ones.
        let before = snapshot(app).await;
        let mut order: Vec<usize> = (0..ROLES.len()).filter(|&i| is_deny(expect[i])).collect();
        let denied = order.len();
        order.extend((0..ROLES.len()).filter(|&i| !is_deny(expect[i])));
        for (n, &i) in order.iter().enumerate() {
            if n == denied && denied > 0 {
                let after = snapshot(app).await;
                if after != before {
                    wrong.push(format!(
                        "{} {}: a denied request changed the database: {}",
                        r.method,
                        r.path,
                        diff(&before, &after)
                    ));
                }
            }
            let path = fill(r.path, &vars[i], i);
            let body = match r.body {
                Body::None => Body2::None,
                Body::Json(j) => Body2::Json(fill(j, &vars[i], i)),
                Body::Form(f) => Body2::Form(fill(f, &vars[i], i)),
                Body::Open311(f) => Body2::Open311(fill(f, &vars[i], i)),
            };
            let s = own[i].as_ref().unwrap_or(&sessions[i]);
            let reply = send(app, s, r.method, &path, &body).await;
            cells += 1;
            let got = reply.token();
            let want = expect[i].trim_start_matches('v');
            if got != want {
                wrong.push(format!(
                    "{:<20} {} {path}: expected {}, got {got} {}",
                    ROLES[i],
                    r.method,
                    expect[i],
                    brief(&reply.body)
                ));
            } else if is_deny(expect[i])
                && let Some(m) = check_refusal(&reply, expect[i])
            {
                wrong.push(format!("{} {} {path}: {m}", ROLES[i], r.method));
            }
            if reply.status >= 500 {
                wrong.push(format!("{} {} {path}: server error", ROLES[i], r.method));
            }
        }
        if denied == ROLES.len() {
            let after = snapshot(app).await;
            if after != before {
                wrong.push(format!(
                    "{} {}: a denied request changed the database: {}",
                    r.method,
                    r.path,
                    diff(&before, &after)
                ));
            }
        }
    }
    assert!(cells > 1000, "{cells} cells");

    // The snapshot sees a change when there is one (the deny check is not vacuous).
    let before = snapshot(app).await;
    owned_case(app, "13912346000").await;
    assert_ne!(
        before,
        snapshot(app).await,
        "a new case shows in the snapshot"
    );
    assert!(
        wrong.is_empty(),
        "{} wrong cells:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
crate::both!(access_matrix);

#[test]
fn route_table_covers_every_route() {
    let served: BTreeSet<(String, String)> = minsheng_server::routes()
        .into_iter()
        .map(|(m, p)| (m.to_string(), p))
        .collect();
    let in_table: BTreeSet<(String, String)> = rows()
        .iter()
        .map(|r| (r.method.to_string(), r.route.to_string()))
        .collect();
    let missing: Vec<_> = served.difference(&in_table).collect();
    let stale: Vec<_> = in_table.difference(&served).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "routes without a matrix row: {missing:?}\nmatrix rows without a route: {stale:?}"
    );
    assert!(served.len() > 90, "{} routes served", served.len());
    // Each row's concrete path matches its route pattern.
    for r in rows() {
        let pat: Vec<&str> = r.route.trim_matches('/').split('/').collect();
        let path = r.path.split('?').next().unwrap_or("");
        let got: Vec<&str> = path.trim_matches('/').split('/').collect();
        let wildcard = pat.last().is_some_and(|p| p.starts_with("{*"));
        assert!(
            got.len() == pat.len() || wildcard && got.len() >= pat.len(),
            "{} does not fit {}",
            r.path,
            r.route
        );
        for (p, g) in pat.iter().zip(&got) {
            assert!(
                p.starts_with('{') || p == g,
                "{} does not fit {}",
                r.path,
                r.route
            );
        }
    }
    let _ = demo::DEMO_PASSWORD;
}

/// The analyst: created by an administrator without a unit (with one it is refused), and its
/// navigation offers only pages it may open.
async fn analyst_account_and_navigation(app: &TestApp) {
    let admin = app.login("admin").await;
    let r = app
        .post(
            "/api/v1/admin/users",
            Some(&admin),
            &json!({"username": "analyst.unit", "display_name": "带单位的分析员",
                    "password": "a-long-password-2026", "role": "analyst", "unit": "990102-xfj"}),
        )
        .await;
    crate::harness::assert_error(&r, 400, "analyst_without_unit");
    let (s, users) = app.get("/api/v1/admin/users", Some(&admin)).await;
    assert_eq!(s, 200);
    assert!(
        !users.to_string().contains("analyst.unit"),
        "nothing stored"
    );
    let demo = users
        .as_array()
        .expect("users")
        .iter()
        .find(|u| u["username"] == "analyst")
        .cloned()
        .expect("the demo analyst");
    assert_eq!(demo["role"], "analyst");
    assert!(demo["unit"].is_null(), "{demo}");

    // The admin form offers the role.
    let c = app.web_client(Some("admin")).await;
    let (_, html) = app.page(&c, "/staff/admin").await;
    assert!(html.contains("value=\"analyst\""), "role offered");

    // Every link of the analyst's navigation opens; case pages are not offered.
    let c = app.web_client(Some("analyst")).await;
    let r = c
        .get(format!("{}/staff", app.base))
        .send()
        .await
        .expect("queue");
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/staff/dashboard");
    let (_, html) = app.page(&c, "/staff/dashboard").await;
    let nav = html
        .split_once("<nav")
        .and_then(|(_, r)| r.split_once("</nav>"))
        .map(|(n, _)| n.to_string())
        .expect("navigation");
    let hrefs: Vec<&str> = nav
        .split("href=\"")
        .skip(1)
        .filter_map(|h| h.split('"').next())
        .filter(|h| h.starts_with("/staff"))
        .collect();
    for want in [
        "/staff/dashboard",
        "/staff/reports/annual",
        "/staff/suggest/board",
        "/staff/alerts",
    ] {
        assert!(hrefs.contains(&want), "{want} in {hrefs:?}");
    }
    for never in [
        "/staff/search",
        "/staff/kb",
        "/staff/intake",
        "/staff/held",
        "/staff/supervision",
        "/staff/admin",
    ] {
        assert!(!hrefs.contains(&never), "{never} offered to the analyst");
    }
    for h in hrefs {
        let (s, _) = app.page(&c, h).await;
        assert!(s == 200 || h == "/staff", "{h}: {s}");
    }
}
crate::both!(analyst_account_and_navigation);
