//! The HTTP surface: routes of every domain module under /api/v1, the
//! OpenAPI document, ops endpoints, the embedded web app and the middleware
//! shared by all of them.
pub mod assets;
pub mod json;
pub mod metrics;
pub mod ops;
pub mod path;

use std::time::Duration;

use axum::{
    Json, Router,
    extract::{DefaultBodyLimit, Request, State},
    http::{HeaderName, Method, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::get,
};
use tower_http::{
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    trace::TraceLayer,
};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::{app::AppState, error::AppError};

pub use json::ApiJson;
pub use path::ApiPath;

/// JSON bodies larger than this are refused with 413 (DESIGN §7).
pub const BODY_LIMIT: usize = 1024 * 1024;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

#[derive(OpenApi)]
#[openapi(
    info(
        title = "iap-studio",
        description = "Co-writing URBACT Integrated Action Plans: networks, cities, ULG workspaces, plans, stages.",
        version = env!("CARGO_PKG_VERSION")
    ),
    components(schemas(crate::error::Problem, crate::error::FieldError)),
    tags(
        (name = "auth", description = "Sign-in, sessions and the current user"),
        (name = "networks", description = "URBACT networks and their stage templates"),
        (name = "cities", description = "Partner cities and their ULG workspaces"),
        (name = "members", description = "Memberships and invitations"),
        (name = "plans", description = "Integrated Action Plans and their sections"),
        (name = "actions", description = "The action table of a plan"),
        (name = "versions", description = "Plan versions and diffs"),
        (name = "exports", description = "Markdown, HTML, DOCX, JSON and CSV exports"),
        (name = "stages", description = "Validation stages, the timeline and the lead partner's dashboard"),
        (name = "audit", description = "Who did what, when"),
        (name = "comments", description = "Comments on sections, actions and stages"),
        (name = "notifications", description = "In-app notifications, email settings and the outbox"),
    )
)]
struct ApiDoc;

/// Every API route with its OpenAPI description.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi()).nest(
        "/api/v1",
        OpenApiRouter::new()
            .merge(crate::auth::routes::routes())
            .merge(crate::networks::routes::routes())
            .merge(crate::cities::routes::routes())
            .merge(crate::members::routes::routes())
            .merge(crate::plans::routes::routes())
            .merge(crate::actions::routes::routes())
            .merge(crate::versions::routes::routes())
            .merge(crate::export::routes::routes())
            .merge(crate::stages::routes::routes())
            .merge(crate::audit::routes())
            .merge(crate::comments::routes::routes())
            .merge(crate::notifications::routes::routes())
            .merge(crate::auth::password_reset::routes())
            .merge(crate::realtime::routes::routes()),
    )
}

/// The OpenAPI 3.1 document, as served at /api/openapi.json.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api().into_openapi()
}

pub fn router(state: AppState) -> Router {
    let (api, openapi) = api().split_for_parts();
    let openapi_json = openapi.to_json().unwrap_or_else(|_| "{}".into());
    Router::new()
        .merge(api)
        .route(
            "/api/openapi.json",
            get(move || async move { ([(header::CONTENT_TYPE, "application/json")], openapi_json) }),
        )
        .route("/api/docs", get(assets::api_docs))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .fallback(fallback)
        .layer(middleware::from_fn(problem_for_plain_errors))
        .layer(middleware::from_fn_with_state(state.clone(), check_origin))
        .layer(middleware::from_fn_with_state(state.clone(), metrics::track))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let id = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(60),
        ))
        .with_state(state)
}

async fn fallback(method: Method, uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") || method != Method::GET {
        return AppError::NotFound.into_response();
    }
    assets::serve(uri).await
}

/// Unsafe methods carrying an `Origin` must come from our own public URL
/// (cross-site request forgery defence on top of SameSite=Lax cookies).
async fn check_origin(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    // One-click unsubscribe is POSTed by mail providers from anywhere (RFC
    // 8058); it carries no cookie and its token is the only credential.
    let exempt = req.uri().path().starts_with("/api/v1/unsubscribe/");
    if !safe
        && !exempt
        && let Some(origin) = req.headers().get(header::ORIGIN)
    {
        let expected = state.public_url.origin().ascii_serialization();
        if origin.to_str().ok().map(|o| o.trim_end_matches('/')) != Some(expected.as_str()) {
            return AppError::Forbidden("The request's Origin is not this site.".into())
                .into_response();
        }
    }
    next.run(req).await
}

/// axum's own rejections (wrong method, bad query string…) answer plain text;
/// every API error must be problem+json, so rewrap them here.
async fn problem_for_plain_errors(req: Request, next: Next) -> Response {
    let is_api = req.uri().path().starts_with("/api/");
    let response = next.run(req).await;
    let status = response.status();
    let is_plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.starts_with("text/plain"));
    if !is_api || !status.is_client_error() || !is_plain {
        return response;
    }
    let bytes = axum::body::to_bytes(response.into_body(), 64 * 1024)
        .await
        .unwrap_or_default();
    let detail = String::from_utf8_lossy(&bytes).into_owned();
    let error = match status {
        axum::http::StatusCode::NOT_FOUND => AppError::NotFound,
        axum::http::StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge,
        axum::http::StatusCode::METHOD_NOT_ALLOWED => AppError::status_error(
            status,
            "method_not_allowed",
            "This method is not allowed here.",
        ),
        axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE | axum::http::StatusCode::BAD_REQUEST => {
            AppError::BadRequest(detail)
        }
        _ => AppError::status_error(status, "client_error", detail),
    };
    error.into_response()
}

/// A plain JSON response helper for handlers returning lists and objects.
pub fn json<T: serde::Serialize>(value: T) -> Json<T> {
    Json(value)
}
