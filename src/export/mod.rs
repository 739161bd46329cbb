//! Exports of a plan: Markdown, print-ready HTML, DOCX, JSON and the action table as CSV
//! (DESIGN §2). Each takes a [`PlanDocument`] and returns bytes or text; the handler sets the
//! content type and [`content_disposition`]. [`document_of`] loads the document from the database.
pub mod routes;

mod csv;
mod document;
mod docx;
mod docx_markdown;
mod filename;
mod format;
mod gantt;
mod html;
mod json;
mod markdown;

pub use csv::to_csv;
pub use document::{Adoption, PlanDocument, SECTION_ORDER, Section};
pub use docx::{DocxError, to_docx};
pub use filename::content_disposition;
pub use format::escape_html;
pub use gantt::gantt_svg;
pub use html::{markdown_to_safe_html, to_html};
pub use json::to_json;
pub use markdown::to_markdown;

/// Content types to answer with, one per format.
pub mod content_type {
    pub const MARKDOWN: &str = "text/markdown; charset=utf-8";
    pub const HTML: &str = "text/html; charset=utf-8";
    pub const DOCX: &str =
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
    pub const JSON: &str = "application/json";
    pub const CSV: &str = "text/csv; charset=utf-8; header=present";
}

use chrono::Utc;
use sea_orm::{ConnectionTrait, EntityTrait};

use crate::{
    actions,
    entities::{city, network, plan},
    error::{AppError, AppResult},
    sections,
};

/// Loads everything an export shows: sections through [`sections::markdown_of`] (so exports
/// need no change when the co-editing storage lands), actions, and the adoption once recorded.
pub async fn document_of(
    db: &impl ConnectionTrait,
    plan: &plan::Model,
    city: &city::Model,
) -> AppResult<PlanDocument> {
    let network = network::Entity::find_by_id(city.network_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let sections = sections::of_plan(db, plan.id)
        .await?
        .iter()
        .map(|s| Section {
            key: s.key.clone(),
            title: s.title.clone(),
            markdown: sections::markdown_of(s),
        })
        .collect();
    let adoption = match (
        &plan.adoption_body,
        plan.adoption_decision_date,
        &plan.adoption_reference,
    ) {
        (Some(body), Some(decided_on), Some(reference)) => Some(Adoption {
            body: body.clone(),
            decided_on,
            reference: reference.clone(),
        }),
        _ => None,
    };
    Ok(PlanDocument {
        network_name: network.name,
        city_name: city.name.clone(),
        country: city.country.clone(),
        status: plan.status.clone(),
        generated_on: Utc::now().date_naive(),
        sections,
        actions: actions::list(db, plan.id).await?,
        adoption,
    })
}
