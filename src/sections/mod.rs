//! The plan's rich-text sections. Everything that reads a section's text
//! (gate checks, diffs, exports) goes through [`markdown_of`], so the storage
//! behind it can change without touching them.
pub mod document;
pub mod html;
pub mod markdown;
pub mod routes;
pub mod store;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    auth::CurrentUser,
    entities::{city, plan, section},
    error::{AppError, AppResult},
    policy,
    stages::written::is_written,
};

#[derive(Serialize, ToSchema)]
pub struct SectionSummary {
    pub id: Uuid,
    pub key: String,
    pub title: String,
    pub position: i32,
    pub guidance: String,
    /// Non-empty beyond headings.
    pub written: bool,
    pub updated_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct SectionView {
    pub id: Uuid,
    pub plan_id: Uuid,
    pub city_id: Uuid,
    pub key: String,
    pub title: String,
    pub position: i32,
    pub guidance: String,
    pub markdown: String,
    pub html: String,
    /// Also sent as the `ETag` header; give it back in `If-Match` when writing.
    pub etag: String,
    pub written: bool,
    pub updated_at: DateTime<Utc>,
    pub can_edit: bool,
    /// People who wrote to this section, first writer first.
    pub contributors: Vec<store::Contributor>,
}

pub fn summary(s: &section::Model) -> SectionSummary {
    SectionSummary {
        id: s.id,
        key: s.key.clone(),
        title: s.title.clone(),
        position: s.position,
        guidance: s.guidance.clone(),
        written: is_written(&markdown_of(s)),
        updated_at: s.updated_at,
    }
}

/// The section's current text as Markdown.
pub fn markdown_of(s: &section::Model) -> String {
    s.markdown.clone()
}

pub fn etag(s: &section::Model) -> String {
    format!("\"{}-{}\"", s.id.simple(), s.revision)
}

pub async fn of_plan(db: &impl ConnectionTrait, plan_id: Uuid) -> AppResult<Vec<section::Model>> {
    Ok(section::Entity::find()
        .filter(section::Column::PlanId.eq(plan_id))
        .order_by_asc(section::Column::Position)
        .all(db)
        .await?)
}

/// A section with its plan and city, if the user may see the city; else 404.
pub async fn find_visible(
    db: &impl ConnectionTrait,
    user: &CurrentUser,
    id: Uuid,
) -> AppResult<(section::Model, plan::Model, city::Model)> {
    let found = section::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let plan = plan::Entity::find_by_id(found.plan_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let city = city::Entity::find_by_id(plan.city_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    policy::ensure_city_visible(user, &city)?;
    Ok((found, plan, city))
}

/// Replaces a section's text by key (demo seeding) through its Yjs document:
/// the change is one logged update, so live editors and later loads see it.
pub async fn replace_markdown(
    db: &impl ConnectionTrait,
    plan_id: Uuid,
    key: &str,
    markdown: &str,
    by: Uuid,
) -> AppResult<section::Model> {
    let found = section::Entity::find()
        .filter(section::Column::PlanId.eq(plan_id))
        .filter(section::Column::Key.eq(key))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let stored = store::load(db, found.id).await?;
    let doc = stored.doc()?;
    let mut updates = Vec::new();
    if stored.is_empty() && !found.markdown.trim().is_empty() {
        updates.push(document::replace_with_markdown(&doc, &found.markdown));
    }
    updates.push(document::replace_with_markdown(&doc, markdown));
    let rows: Vec<store::NewUpdate> = updates
        .into_iter()
        .map(|data| store::NewUpdate {
            section_id: found.id,
            data,
            user_id: Some(by),
        })
        .collect();
    store::append(db, &rows).await?;
    let (md, html) = store::render(&doc);
    Ok(store::save_rendering(db, found.id, &md, &html, Some(by))
        .await?
        .unwrap_or(found))
}
