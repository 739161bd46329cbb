//! Partner cities of a network. Each city has one ULG workspace and one plan,
//! created with it.
pub mod routes;

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    audit,
    auth::CurrentUser,
    entities::{city, network, plan},
    error::{AppError, AppResult, FieldErrors},
    networks, plans, policy,
};

pub const MAX_NAME: usize = 100;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCity {
    pub name: String,
    /// ISO 3166-1 alpha-2, e.g. `PT`.
    pub country: String,
    #[serde(default)]
    pub is_lead_partner: bool,
}

#[derive(Serialize, ToSchema, Clone)]
pub struct CityView {
    pub id: Uuid,
    pub network_id: Uuid,
    pub name: String,
    pub country: String,
    pub country_name: String,
    pub is_lead_partner: bool,
    pub plan_id: Option<Uuid>,
}

/// The English short name of an ISO 3166-1 alpha-2 code, if it is one.
pub fn country_name(code: &str) -> Option<String> {
    if code.len() != 2 || !code.chars().all(|c| c.is_ascii_uppercase()) {
        return None;
    }
    celes::Country::from_alpha2(code)
        .ok()
        .map(|c| c.long_name.to_string())
}

pub fn view(c: &city::Model, plan_id: Option<Uuid>) -> CityView {
    CityView {
        id: c.id,
        network_id: c.network_id,
        name: c.name.clone(),
        country: c.country.clone(),
        country_name: country_name(&c.country).unwrap_or_default(),
        is_lead_partner: c.is_lead_partner,
        plan_id,
    }
}

/// Views of several cities with their plan ids, in one query.
pub async fn views(
    db: &impl ConnectionTrait,
    cities: Vec<city::Model>,
) -> AppResult<Vec<CityView>> {
    let ids: Vec<Uuid> = cities.iter().map(|c| c.id).collect();
    let plans = plan::Entity::find()
        .filter(plan::Column::CityId.is_in(ids))
        .all(db)
        .await?;
    Ok(cities
        .iter()
        .map(|c| view(c, plans.iter().find(|p| p.city_id == c.id).map(|p| p.id)))
        .collect())
}

/// Adds a partner city with its plan, sections and stages.
pub async fn create(
    db: &impl ConnectionTrait,
    network: &network::Model,
    input: NewCity,
    by: &CurrentUser,
) -> AppResult<(city::Model, plan::Model)> {
    let name = input.name.trim().to_owned();
    let country = input.country.trim().to_uppercase();
    let mut errors = FieldErrors::default();
    if name.is_empty() {
        errors.add("name", "must not be empty");
    } else if name.chars().count() > MAX_NAME {
        errors.add("name", format!("must be at most {MAX_NAME} characters"));
    }
    if country_name(&country).is_none() {
        errors.add(
            "country",
            "must be an ISO 3166-1 alpha-2 country code, such as PT or IT",
        );
    }
    errors.finish()?;
    let existing = networks::cities(db, network.id).await?;
    if existing
        .iter()
        .any(|c| c.name.to_lowercase() == name.to_lowercase())
    {
        return Err(AppError::conflict_on(
            "name",
            format!("{name} is already a partner of this network"),
        ));
    }
    if input.is_lead_partner
        && let Some(lead) = existing.iter().find(|c| c.is_lead_partner)
    {
        return Err(AppError::conflict_on(
            "is_lead_partner",
            format!("{} is already the lead partner of this network", lead.name),
        ));
    }
    let created = city::ActiveModel {
        id: Set(Uuid::now_v7()),
        network_id: Set(network.id),
        name: Set(name),
        country: Set(country),
        is_lead_partner: Set(input.is_lead_partner),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?;
    let template = networks::template(db, network.id).await?;
    let plan = plans::create_for_city(db, &created, &template).await?;
    audit::record(
        db,
        audit::Entry {
            network_id: Some(network.id),
            city_id: Some(created.id),
            actor_id: Some(by.id()),
            action: "city.created",
            subject_type: "city",
            subject_id: Some(created.id),
            data: json!({ "name": created.name, "country": created.country,
                          "is_lead_partner": created.is_lead_partner }),
        },
    )
    .await?;
    Ok((created, plan))
}

/// The city if the user may see it, else 404.
pub async fn find_visible(
    db: &impl ConnectionTrait,
    user: &CurrentUser,
    id: Uuid,
) -> AppResult<city::Model> {
    let found = city::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    policy::ensure_city_visible(user, &found)?;
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn country_codes_come_from_iso_3166() {
        assert_eq!(country_name("PT").as_deref(), Some("Portugal"));
        assert!(country_name("GB").is_some());
        assert!(country_name("HU").is_some());
        assert_eq!(country_name("XX"), None);
        assert_eq!(country_name("pt"), None);
        assert_eq!(country_name("PRT"), None);
    }
}
