//! Who hears about a stage: approvers when it waits for them ("needs your
//! action"), the city's writers when it is approved or returned, and
//! everyone writing the plan as a deadline nears. Written in the caller's
//! transaction; the returned events are published after commit.
use chrono::NaiveDate;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::{
    template::Approver,
    transitions::{StageContext, approver_of},
    workflow::StageAction,
};
use crate::{
    auth::CurrentUser,
    entities::{membership, stage},
    error::AppResult,
    mail::email::{DeadlineEmail, EmailContent, StageEmail},
    members::Role,
    notifications::{Notice, notify},
    realtime::Event,
};

/// Users holding any of `roles` in the city (city roles) or its network (network roles).
async fn holders(
    db: &impl ConnectionTrait,
    ctx: &StageContext,
    roles: &[Role],
) -> AppResult<Vec<Uuid>> {
    let mut users = Vec::new();
    for role in roles {
        let scope = if role.is_network_role() {
            ctx.network.id
        } else {
            ctx.city.id
        };
        users.extend(
            membership::Entity::find()
                .filter(membership::Column::ScopeId.eq(scope))
                .filter(membership::Column::Role.eq(role.as_str()))
                .all(db)
                .await?
                .into_iter()
                .map(|m| m.user_id),
        );
    }
    Ok(users)
}

fn workspace_path(ctx: &StageContext, key: &str) -> String {
    format!("/cities/{}#stage-{key}", ctx.city.id)
}

/// Notices for a transition that just happened (`updated` is the stage after it).
pub async fn for_transition(
    db: &impl ConnectionTrait,
    ctx: &StageContext,
    action: &StageAction,
    updated: &stage::Model,
    due_on: NaiveDate,
    by: &CurrentUser,
) -> AppResult<Vec<Event>> {
    let writers = holders(db, ctx, &[Role::CityCoordinator, Role::UlgMember]).await?;
    let next = ctx
        .stages
        .iter()
        .find(|s| s.position > updated.position)
        .map(|s| s.name.clone());
    let email = StageEmail {
        actor_name: by.user.name.clone(),
        city_name: ctx.city.name.clone(),
        stage_name: updated.name.clone(),
        due_on: Some(due_on),
        note: None,
        next_stage_name: None,
    };
    let (recipients, content, title, body, needs_action) = match action {
        StageAction::Submit => {
            let approvers = match approver_of(updated) {
                Approver::CityCoordinator => holders(db, ctx, &[Role::CityCoordinator]).await?,
                Approver::LeadPartner => {
                    holders(db, ctx, &[Role::LeadCoordinator, Role::Expert]).await?
                }
            };
            (
                approvers,
                EmailContent::StageSubmitted(email),
                format!(
                    "{} submitted “{}” of {} for your decision",
                    by.user.name, updated.name, ctx.city.name
                ),
                String::new(),
                true,
            )
        }
        StageAction::Approve => (
            writers,
            EmailContent::StageApproved(StageEmail {
                next_stage_name: next,
                ..email
            }),
            format!("“{}” of {} was approved", updated.name, ctx.city.name),
            String::new(),
            false,
        ),
        StageAction::Return { note } => (
            writers,
            EmailContent::StageReturned(StageEmail {
                note: Some(note.trim().to_owned()),
                ..email
            }),
            format!(
                "“{}” of {} was returned for more work",
                updated.name, ctx.city.name
            ),
            note.trim().to_owned(),
            false,
        ),
        // A reopened stage changes nothing for anyone's inbox: it is back in the writers' hands.
        StageAction::Reopen { .. } => return Ok(Vec::new()),
    };
    notify(
        db,
        Notice {
            recipients,
            actor_id: Some(by.id()),
            network_id: Some(ctx.network.id),
            city_id: Some(ctx.city.id),
            plan_id: Some(ctx.plan.id),
            section_id: None,
            subject_id: Some(updated.id),
            path: workspace_path(ctx, &updated.key),
            title,
            body,
            email: content,
            needs_action,
            dedupe_key: format!(
                "stage:{}:{}:{}",
                updated.id, updated.status, updated.row_version
            ),
            thread_key: Some(format!("stage:{}", updated.id)),
        },
    )
    .await
}

/// A deadline reminder queued by the clock, to the city's writers, with what is still missing.
pub async fn deadline(
    db: &impl ConnectionTrait,
    ctx: &StageContext,
    due_on: NaiveDate,
    days_left: i64,
    missing: Vec<String>,
    dedupe_key: &str,
) -> AppResult<Vec<Event>> {
    let recipients = holders(db, ctx, &[Role::CityCoordinator, Role::UlgMember]).await?;
    let title = format!(
        "“{}” of {} is due in {days_left} day{}",
        ctx.stage.name,
        ctx.city.name,
        if days_left == 1 { "" } else { "s" }
    );
    notify(
        db,
        Notice {
            recipients,
            actor_id: None,
            network_id: Some(ctx.network.id),
            city_id: Some(ctx.city.id),
            plan_id: Some(ctx.plan.id),
            section_id: None,
            subject_id: Some(ctx.stage.id),
            path: workspace_path(ctx, &ctx.stage.key),
            title,
            body: missing.join("\n"),
            email: EmailContent::DeadlineSoon(DeadlineEmail {
                city_name: ctx.city.name.clone(),
                stage_name: ctx.stage.name.clone(),
                due_on,
                days_left,
                missing,
            }),
            needs_action: true,
            dedupe_key: dedupe_key.to_owned(),
            thread_key: None,
        },
    )
    .await
}
