//! Throttling of failed sign-ins, per account and per client address.
//!
//! Failures are rows in the database rather than counters in memory, so the
//! limit holds across restarts and across instances behind a load balancer.
use chrono::{Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

use crate::{entities::login_failure, error::AppError, error::AppResult};

pub const WINDOW: Duration = Duration::minutes(15);
pub const MAX_PER_ACCOUNT: u64 = 5;
pub const MAX_PER_CLIENT: u64 = 20;

/// 429 with the seconds until an attempt is allowed again, when either key is over its limit.
pub async fn check(db: &impl ConnectionTrait, account: &str, client: &str) -> AppResult<()> {
    let since = Utc::now() - WINDOW;
    for (column, key, limit) in [
        (login_failure::Column::AccountKey, account, MAX_PER_ACCOUNT),
        (login_failure::Column::ClientKey, client, MAX_PER_CLIENT),
    ] {
        let recent: Vec<login_failure::Model> = login_failure::Entity::find()
            .filter(column.eq(key))
            .filter(login_failure::Column::At.gt(since))
            .order_by_desc(login_failure::Column::At)
            .limit(limit)
            .all(db)
            .await?;
        if recent.len() as u64 >= limit {
            // The oldest of the last `limit` failures must leave the window.
            let oldest = recent.last().map(|f| f.at).unwrap_or_else(Utc::now);
            let wait = (oldest + WINDOW - Utc::now()).num_seconds().max(1);
            return Err(AppError::TooManyRequests {
                retry_after_secs: wait as u64,
            });
        }
    }
    Ok(())
}

pub async fn record_failure(
    db: &impl ConnectionTrait,
    account: &str,
    client: &str,
) -> AppResult<()> {
    login_failure::ActiveModel {
        id: Set(Uuid::now_v7()),
        account_key: Set(account.to_owned()),
        client_key: Set(client.to_owned()),
        at: Set(Utc::now()),
    }
    .insert(db)
    .await?;
    // Old rows are useless; prune them as we go.
    login_failure::Entity::delete_many()
        .filter(login_failure::Column::At.lt(Utc::now() - WINDOW * 2))
        .exec(db)
        .await?;
    Ok(())
}

/// A successful sign-in clears the account's failures (not the address's).
pub async fn clear_account(db: &impl ConnectionTrait, account: &str) -> AppResult<()> {
    login_failure::Entity::delete_many()
        .filter(login_failure::Column::AccountKey.eq(account))
        .exec(db)
        .await?;
    Ok(())
}
