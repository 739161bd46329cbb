//! HTTP handlers of exports.
use axum::{
    body::Body,
    extract::{Query, State},
    http::{HeaderValue, header},
    response::Response,
};
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::content_type;
use crate::{
    actions::find_visible_plan,
    app::AppState,
    auth::CurrentUser,
    error::{AppError, AppResult},
    http::ApiPath,
};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(export_plan))
        .routes(routes!(export_actions_csv))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
struct ExportQuery {
    /// `md`, `html` (print-ready, with a Gantt chart), `docx` or `json`.
    format: Option<String>,
}

/// A download with its filename (`IAP-Óbidos-2026-11-21.docx`, RFC 6266 / 8187 encoded).
fn download(bytes: Vec<u8>, kind: &'static str, city: &str, ext: &str) -> AppResult<Response> {
    let disposition = super::content_disposition(city, chrono::Utc::now().date_naive(), ext);
    let mut response = Response::new(Body::from(bytes));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).map_err(|e| AppError::Internal(e.into()))?,
    );
    Ok(response)
}

/// The whole plan: every section in template order, the action table, funding, indicators, risks.
#[utoipa::path(get, path = "/plans/{id}/export", tag = "exports",
    params(("id" = Uuid, Path, description = "plan id"), ExportQuery),
    responses((status = 200, description = "the file, as an attachment"),
              (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn export_plan(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(plan_id): ApiPath<Uuid>,
    Query(query): Query<ExportQuery>,
) -> AppResult<Response> {
    let (plan, city) = find_visible_plan(&state.db, &user, plan_id).await?;
    let format = query.format.as_deref().unwrap_or_default();
    if !matches!(format, "md" | "html" | "docx" | "json") {
        return Err(AppError::field("format", "must be md, html, docx or json"));
    }
    let doc = super::document_of(&state.db, &plan, &city).await?;
    let (bytes, kind) = match format {
        "md" => (
            super::to_markdown(&doc).into_bytes(),
            content_type::MARKDOWN,
        ),
        "html" => (super::to_html(&doc).into_bytes(), content_type::HTML),
        "docx" => (
            super::to_docx(&doc).map_err(|e| AppError::Internal(e.into()))?,
            content_type::DOCX,
        ),
        _ => (
            super::to_json(&doc)
                .map_err(|e| AppError::Internal(e.into()))?
                .into_bytes(),
            content_type::JSON,
        ),
    };
    download(bytes, kind, &city.name, format)
}

/// The action table as CSV (RFC 4180, UTF-8 with a byte-order mark so Excel reads accents).
#[utoipa::path(get, path = "/plans/{id}/actions.csv", tag = "exports",
    params(("id" = Uuid, Path, description = "plan id")),
    responses((status = 200, description = "text/csv attachment"), (status = 404, body = crate::error::Problem)))]
async fn export_actions_csv(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(plan_id): ApiPath<Uuid>,
) -> AppResult<Response> {
    let (plan, city) = find_visible_plan(&state.db, &user, plan_id).await?;
    let actions = crate::actions::list(&state.db, plan.id).await?;
    let bytes = super::to_csv(&actions).map_err(|e| AppError::Internal(e.into()))?;
    download(bytes, content_type::CSV, &city.name, "csv")
}
