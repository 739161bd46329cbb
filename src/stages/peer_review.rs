//! Peer review: during the `review` stage the lead partner may let people
//! from another partner city read and comment on a plan.
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::transitions::status_of;
use crate::{
    entities::{city, membership, stage},
    error::{AppError, AppResult},
    members::{Role, grant},
    stages::workflow::StageStatus,
};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPeerReviewer {
    pub user_id: Uuid,
}

/// True while the plan's position on the timeline is its `review` stage.
pub fn in_review(stages: &[stage::Model]) -> bool {
    stages
        .iter()
        .find(|s| status_of(s) != StageStatus::Approved)
        .is_some_and(|s| s.key == "review")
}

pub async fn add(
    db: &impl ConnectionTrait,
    c: &city::Model,
    stages: &[stage::Model],
    user_id: Uuid,
    by: Uuid,
) -> AppResult<membership::Model> {
    if !in_review(stages) {
        return Err(AppError::conflict(
            "not_in_review",
            "Peer reviewers can be added while the plan is in its review stage.",
        ));
    }
    let elsewhere = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user_id))
        .filter(membership::Column::NetworkId.eq(c.network_id))
        .filter(membership::Column::CityId.is_not_null())
        .filter(membership::Column::CityId.ne(c.id))
        .one(db)
        .await?;
    if elsewhere.is_none() {
        return Err(AppError::field(
            "user_id",
            "must be a member of another partner city of this network",
        ));
    }
    grant(
        db,
        user_id,
        c.network_id,
        Some(c.id),
        Role::PeerReviewer,
        Some(by),
    )
    .await
}
