//! The `CurrentUser` extractor: the signed-in user and their memberships.
use axum::{extract::FromRequestParts, http::request::Parts};
use axum_extra::extract::CookieJar;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::sessions;
use crate::{
    app::AppState,
    entities::{membership, user},
    error::AppError,
};

#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub user: user::Model,
    pub memberships: Vec<membership::Model>,
}

impl CurrentUser {
    pub fn id(&self) -> uuid::Uuid {
        self.user.id
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        let token = jar.get(sessions::COOKIE_NAME).map(|c| c.value().to_owned());
        let Some(token) = token.filter(|t| !t.is_empty()) else {
            return Err(AppError::Unauthenticated);
        };
        load(state, &token).await?.ok_or(AppError::Unauthenticated)
    }
}

/// Resolves a session token into the user behind it, if the session is live.
pub async fn load(state: &AppState, token: &str) -> Result<Option<CurrentUser>, AppError> {
    let Some(session) = sessions::find_live(&state.db, token).await? else {
        return Ok(None);
    };
    let Some(user) = user::Entity::find_by_id(session.user_id)
        .one(&state.db)
        .await?
    else {
        return Ok(None);
    };
    let memberships = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user.id))
        .all(&state.db)
        .await?;
    Ok(Some(CurrentUser { user, memberships }))
}
