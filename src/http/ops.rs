//! Health, readiness and metrics for operators and load balancers.
use axum::{
    extract::State,
    http::{StatusCode, header},
    response::IntoResponse,
};
use sea_orm::ConnectionTrait;

use crate::{app::AppState, database};

pub async fn healthz() -> impl IntoResponse {
    (StatusCode::OK, "ok")
}

/// Ready when the database answers and every migration is applied.
pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    if let Err(err) = state.db.execute_unprepared("SELECT 1").await {
        tracing::warn!(error = %err, "readiness: database unreachable");
        return (StatusCode::SERVICE_UNAVAILABLE, "database unreachable");
    }
    match database::migrations_applied(&state.db).await {
        Ok(true) => (StatusCode::OK, "ready"),
        Ok(false) => (StatusCode::SERVICE_UNAVAILABLE, "migrations pending"),
        Err(err) => {
            tracing::warn!(error = %err, "readiness: migrations unknown");
            (StatusCode::SERVICE_UNAVAILABLE, "migrations unknown")
        }
    }
}

pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
}
