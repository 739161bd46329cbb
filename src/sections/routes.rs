//! HTTP handlers of sections.
use axum::{
    Json,
    extract::State,
    http::{HeaderMap, HeaderValue, header},
};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{SectionView, store};
use crate::{
    app::AppState,
    audit,
    auth::CurrentUser,
    entities::{city, plan, section},
    error::{AppError, AppResult},
    http::{ApiJson, ApiPath},
    policy,
    realtime::collab::{self, SectionMeta},
    stages::{locks, written::is_written},
};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_section))
        .routes(routes!(put_content))
}

/// One section with its Markdown, sanitised HTML and ETag.
#[utoipa::path(get, path = "/sections/{id}", tag = "plans", params(("id" = Uuid, Path)),
    responses((status = 200, body = SectionView), (status = 404, body = crate::error::Problem)))]
async fn get_section(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<(HeaderMap, Json<SectionView>)> {
    let (section, plan, city) = super::find_visible(&state.db, &user, id).await?;
    view(&state, &user, section, &plan, &city).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContentInput {
    /// The whole section as Markdown; it becomes one Yjs update, merged with live edits.
    pub markdown: String,
}

/// Replaces a section's content with Markdown (one Yjs transaction, so live
/// editors and API writers converge). `If-Match` with the ETag guards against
/// overwriting a newer text.
#[utoipa::path(put, path = "/sections/{id}/content", tag = "plans", params(("id" = Uuid, Path)),
    request_body = ContentInput,
    responses((status = 200, body = SectionView), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 412, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem), (status = 423, body = crate::error::Problem)))]
async fn put_content(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<ContentInput>,
) -> AppResult<(HeaderMap, Json<SectionView>)> {
    let (section, plan, city) = super::find_visible(&state.db, &user, id).await?;
    policy::ensure(policy::can_edit_plan(&user, &city), "edit this plan")?;
    locks::ensure_section_writable(&state.db, &plan, &section.key).await?;
    if let Some(expected) = headers.get(header::IF_MATCH) {
        let current = super::etag(&section);
        let any = expected.to_str().map(str::trim).ok() == Some("*");
        if !any && expected.as_bytes() != current.as_bytes() {
            return Err(AppError::PreconditionFailed);
        }
    }
    let meta = SectionMeta {
        section_id: section.id,
        plan_id: plan.id,
        city_id: city.id,
        network_id: city.network_id,
    };
    let changed = collab::apply_markdown(&state, meta, &input.markdown, user.id()).await?;
    if changed {
        audit::record(
            &state.db,
            audit::Entry {
                network_id: Some(city.network_id),
                city_id: Some(city.id),
                actor_id: Some(user.id()),
                action: "section.content_replaced",
                subject_type: "section",
                subject_id: Some(section.id),
                data: serde_json::json!({ "key": section.key }),
            },
        )
        .await?;
    }
    let (section, plan, city) = super::find_visible(&state.db, &user, id).await?;
    view(&state, &user, section, &plan, &city).await
}

async fn view(
    state: &AppState,
    user: &CurrentUser,
    section: section::Model,
    plan: &plan::Model,
    city: &city::Model,
) -> AppResult<(HeaderMap, Json<SectionView>)> {
    let markdown = super::markdown_of(&section);
    let etag = super::etag(&section);
    let contributors = store::contributors(&state.db, section.id).await?;
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    Ok((
        headers,
        Json(SectionView {
            id: section.id,
            plan_id: plan.id,
            city_id: city.id,
            written: is_written(&markdown),
            key: section.key,
            title: section.title,
            position: section.position,
            guidance: section.guidance,
            html: section.html,
            markdown,
            etag,
            updated_at: section.updated_at,
            can_edit: policy::can_edit_plan(user, city),
            contributors,
        }),
    ))
}
