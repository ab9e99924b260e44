//! Static files compiled into the binary: nothing is fetched from elsewhere at run time.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

const FILES: &[(&str, &str, &[u8])] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../../static/app.css"),
    ),
    (
        "print.css",
        "text/css; charset=utf-8",
        include_bytes!("../../static/print.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/app.js"),
    ),
    (
        "vendor/htmx/htmx.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/vendor/htmx/htmx.min.js"),
    ),
    (
        "vendor/htmx/LICENSE",
        "text/plain; charset=utf-8",
        include_bytes!("../../static/vendor/htmx/LICENSE"),
    ),
    (
        "alerts.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/alerts.js"),
    ),
    (
        "calls.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/calls.js"),
    ),
    (
        "charts.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/charts.js"),
    ),
    (
        "vendor/echarts/echarts.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/vendor/echarts/echarts.min.js"),
    ),
    (
        "vendor/echarts/LICENSE",
        "text/plain; charset=utf-8",
        include_bytes!("../../static/vendor/echarts/LICENSE"),
    ),
    (
        "vendor/echarts/NOTICE",
        "text/plain; charset=utf-8",
        include_bytes!("../../static/vendor/echarts/NOTICE"),
    ),
];

pub async fn serve(Path(file): Path<String>) -> Response {
    match FILES.iter().find(|(name, _, _)| *name == file) {
        Some((_, mime, body)) => (
            [
                (header::CONTENT_TYPE, *mime),
                (header::CACHE_CONTROL, "public, max-age=3600"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            *body,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}
