//! Baseline (b) of the intake benchmark: the HTTP ceiling. A trivial axum endpoint on the same
//! path that parses the same JSON body into `serde_json::Value` and answers 201 with a body of
//! the size minsheng sends, and nothing else: no validation, no storage.

use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};

#[derive(clap::Args)]
pub struct Args {
    #[arg(long, default_value = "127.0.0.1:0")]
    pub bind: String,
}

async fn submit(
    axum::Json(v): axum::Json<serde_json::Value>,
) -> (StatusCode, axum::Json<serde_json::Value>) {
    let title_chars = v["title"].as_str().map_or(0, |t| t.chars().count());
    (
        StatusCode::CREATED,
        axum::Json(serde_json::json!({
            "number": format!("2026-1127-{title_chars:06}"),
            "query_code": "ABCD-EFGH-JKLM",
            "status_zh": "已登记",
            "status_en": "Registered",
            "declined_reason": null,
            "held": false,
        })),
    )
}

pub fn run(a: Args) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let app = Router::new()
            .route("/healthz", get(|| async { "ok" }))
            .route("/api/v1/public/cases", post(submit));
        let listener = tokio::net::TcpListener::bind(&a.bind).await?;
        axum::serve(listener, app).await?;
        anyhow::Ok(())
    })
}
