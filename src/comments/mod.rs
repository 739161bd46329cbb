//! Comments on a section (optionally anchored to a text range), an action or
//! a stage: replies one level deep, @mentions, resolve and reopen, edit and
//! soft delete. Creating one notifies the people mentioned and the thread's
//! participants through `notifications::notify` in the same transaction.
pub mod routes;

use std::collections::BTreeSet;

use base64::{Engine, engine::general_purpose::STANDARD};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    audit,
    auth::CurrentUser,
    entities::{city, comment, membership, plan, section, user},
    error::{AppError, AppResult, FieldErrors},
    mail::email::{CommentEmail, EmailContent},
    notifications::{self, Notice},
    policy,
    realtime::Event,
    sections, stages,
};

pub const MAX_BODY: usize = 10_000;
pub const MAX_QUOTE: usize = 2_000;
pub const MAX_MENTIONS: usize = 50;
/// Shown in place of a removed comment's text.
pub const REMOVED: &str = "comment removed";
const EXCERPT: usize = 300;

/// What a comment is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TargetType {
    Section,
    Action,
    Stage,
}

impl TargetType {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetType::Section => "section",
            TargetType::Action => "action",
            TargetType::Stage => "stage",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [TargetType::Section, TargetType::Action, TargetType::Stage]
            .into_iter()
            .find(|t| t.as_str() == s)
    }
}

/// The commented thing with everything a comment needs to know about it.
pub struct Target {
    pub kind: TargetType,
    pub id: Uuid,
    pub plan: plan::Model,
    pub city: city::Model,
    /// The section, for section comments (digest grouping).
    pub section_id: Option<Uuid>,
    /// In the users' words: "Vision and objectives", "Stage: Planning actions".
    pub title: String,
    /// App path of the thing; a comment adds `#comment-{id}`.
    pub path: String,
}

/// A section the user may see, as a comment target; else 404.
pub async fn section_target(
    db: &impl ConnectionTrait,
    user: &CurrentUser,
    id: Uuid,
) -> AppResult<Target> {
    let (s, plan, city) = sections::find_visible(db, user, id).await?;
    Ok(section_as_target(s, plan, city))
}

fn section_as_target(s: section::Model, plan: plan::Model, city: city::Model) -> Target {
    Target {
        kind: TargetType::Section,
        id: s.id,
        path: format!("/plans/{}/sections/{}", plan.id, s.id),
        section_id: Some(s.id),
        title: s.title,
        plan,
        city,
    }
}

/// An action the user may see, as a comment target; else 404.
pub async fn action_target(
    db: &impl ConnectionTrait,
    user: &CurrentUser,
    id: Uuid,
) -> AppResult<Target> {
    let (a, plan, city) = crate::actions::find_visible(db, user, id).await?;
    Ok(Target {
        kind: TargetType::Action,
        id: a.id,
        path: format!("/cities/{}/actions#action-{}", city.id, a.id),
        section_id: None,
        title: format!("Action {}: {}", a.code, a.title),
        plan,
        city,
    })
}

/// A stage the user may see, as a comment target; else 404.
pub async fn stage_target(
    db: &impl ConnectionTrait,
    user: &CurrentUser,
    id: Uuid,
) -> AppResult<Target> {
    let ctx = stages::transitions::load_visible(db, user, id).await?;
    Ok(Target {
        kind: TargetType::Stage,
        id: ctx.stage.id,
        path: format!("/plans/{}/stages/{}", ctx.plan.id, ctx.stage.id),
        section_id: None,
        title: format!("Stage: {}", ctx.stage.name),
        plan: ctx.plan,
        city: ctx.city,
    })
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Anchor {
    /// The quoted text, kept even when the range later disappears.
    pub quote: String,
    /// Yjs relative position of the start, base64.
    pub from: Option<String>,
    /// Yjs relative position of the end, base64.
    pub to: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewComment {
    /// Markdown, at most 10,000 characters.
    pub body: String,
    /// Reply to this comment (one level deep).
    pub parent_id: Option<Uuid>,
    /// A text range of a section (top-level comments only).
    pub anchor: Option<Anchor>,
    /// Users mentioned; each must be able to see the plan.
    #[serde(default)]
    pub mentions: Vec<Uuid>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentEdit {
    pub body: String,
}

#[derive(Serialize, ToSchema)]
pub struct CommentView {
    pub id: Uuid,
    pub target_type: TargetType,
    pub target_id: Uuid,
    pub plan_id: Uuid,
    pub parent_id: Option<Uuid>,
    pub author_id: Uuid,
    pub author_name: String,
    /// "comment removed" once deleted.
    pub body: String,
    pub removed: bool,
    pub anchor: Option<Anchor>,
    pub mentions: Vec<Uuid>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolved_by: Option<Uuid>,
    pub edited_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

pub fn view(c: &comment::Model, author_name: &str) -> CommentView {
    let removed = c.deleted_at.is_some();
    CommentView {
        id: c.id,
        target_type: TargetType::parse(&c.target_type).unwrap_or(TargetType::Section),
        target_id: c.target_id,
        plan_id: c.plan_id,
        parent_id: c.parent_id,
        author_id: c.author_id,
        author_name: author_name.to_owned(),
        body: if removed {
            REMOVED.to_owned()
        } else {
            c.body.clone()
        },
        removed,
        anchor: if removed {
            None
        } else {
            c.anchor
                .clone()
                .and_then(|a| serde_json::from_value(a).ok())
        },
        mentions: if removed {
            vec![]
        } else {
            serde_json::from_value(c.mentions.clone()).unwrap_or_default()
        },
        resolved_at: c.resolved_at,
        resolved_by: c.resolved_by,
        edited_at: c.edited_at,
        created_at: c.created_at,
    }
}

/// Views with their authors' names.
pub async fn views(
    db: &impl ConnectionTrait,
    comments: &[comment::Model],
) -> AppResult<Vec<CommentView>> {
    let ids: BTreeSet<Uuid> = comments.iter().map(|c| c.author_id).collect();
    let authors = user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(db)
        .await?;
    Ok(comments
        .iter()
        .map(|c| {
            let name = authors
                .iter()
                .find(|u| u.id == c.author_id)
                .map(|u| u.name.as_str())
                .unwrap_or_default();
            view(c, name)
        })
        .collect())
}

/// Every comment on a target, oldest first (replies carry their `parent_id`).
pub async fn of_target(db: &impl ConnectionTrait, target: &Target) -> AppResult<Vec<CommentView>> {
    let rows = comment::Entity::find()
        .filter(comment::Column::TargetType.eq(target.kind.as_str()))
        .filter(comment::Column::TargetId.eq(target.id))
        .order_by_asc(comment::Column::CreatedAt)
        .order_by_asc(comment::Column::Id)
        .all(db)
        .await?;
    views(db, &rows).await
}

fn check_body(errors: &mut FieldErrors, body: &str) {
    if body.trim().is_empty() {
        errors.add("body", "must not be empty");
    } else if body.chars().count() > MAX_BODY {
        errors.add("body", format!("must be at most {MAX_BODY} characters"));
    }
}

fn check_anchor(errors: &mut FieldErrors, anchor: &Anchor) {
    if anchor.quote.trim().is_empty() {
        errors.add("anchor.quote", "must not be empty");
    } else if anchor.quote.chars().count() > MAX_QUOTE {
        errors.add(
            "anchor.quote",
            format!("must be at most {MAX_QUOTE} characters"),
        );
    }
    for (field, value) in [("anchor.from", &anchor.from), ("anchor.to", &anchor.to)] {
        if let Some(v) = value
            && (v.is_empty() || v.len() > 4096 || STANDARD.decode(v).is_err())
        {
            errors.add(field, "must be a Yjs relative position in base64");
        }
    }
}

/// Whether `user_id` may see the city (mentions must reach people who can read the plan).
async fn can_user_see_city(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    city: &city::Model,
) -> AppResult<bool> {
    let Some(found) = user::Entity::find_by_id(user_id).one(db).await? else {
        return Ok(false);
    };
    let memberships = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user_id))
        .all(db)
        .await?;
    Ok(policy::can_see_city(
        &CurrentUser {
            user: found,
            memberships,
        },
        city,
    ))
}

/// Adds a comment and notifies; returns it with the events to publish after commit.
pub async fn create(
    db: &impl ConnectionTrait,
    author: &CurrentUser,
    target: &Target,
    input: NewComment,
) -> AppResult<(CommentView, Vec<Event>)> {
    let mut errors = FieldErrors::default();
    check_body(&mut errors, &input.body);
    if let Some(anchor) = &input.anchor {
        if target.kind != TargetType::Section {
            errors.add("anchor", "only comments on a section can be anchored");
        } else if input.parent_id.is_some() {
            errors.add("anchor", "a reply cannot be anchored");
        } else {
            check_anchor(&mut errors, anchor);
        }
    }
    let mentions: Vec<Uuid> = {
        let mut seen = BTreeSet::new();
        input
            .mentions
            .iter()
            .copied()
            .filter(|id| seen.insert(*id))
            .collect()
    };
    if mentions.len() > MAX_MENTIONS {
        errors.add(
            "mentions",
            format!("may name at most {MAX_MENTIONS} people"),
        );
    } else {
        for id in &mentions {
            if !can_user_see_city(db, *id, &target.city).await? {
                errors.add("mentions", format!("{id} cannot see this plan"));
            }
        }
    }
    let parent = match input.parent_id {
        Some(parent_id) => {
            let found = comment::Entity::find_by_id(parent_id)
                .one(db)
                .await?
                .filter(|p| p.target_type == target.kind.as_str() && p.target_id == target.id);
            match found {
                None => {
                    errors.add("parent_id", "is not a comment on the same item");
                    None
                }
                Some(p) if p.parent_id.is_some() => {
                    errors.add("parent_id", "replies go one level deep: answer the thread");
                    None
                }
                Some(p) if p.deleted_at.is_some() => {
                    errors.add("parent_id", "this comment was removed");
                    None
                }
                Some(p) => Some(p),
            }
        }
        None => None,
    };
    errors.finish()?;

    let created = comment::ActiveModel {
        id: Set(Uuid::now_v7()),
        network_id: Set(target.city.network_id),
        city_id: Set(target.city.id),
        plan_id: Set(target.plan.id),
        target_type: Set(target.kind.as_str().to_owned()),
        target_id: Set(target.id),
        parent_id: Set(parent.as_ref().map(|p| p.id)),
        author_id: Set(author.id()),
        body: Set(input.body),
        anchor: Set(input
            .anchor
            .map(|a| serde_json::to_value(a).unwrap_or(Value::Null))),
        mentions: Set(json!(mentions)),
        resolved_at: Set(None),
        resolved_by: Set(None),
        edited_at: Set(None),
        deleted_at: Set(None),
        deleted_by: Set(None),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?;
    audit::record(
        db,
        audit::Entry {
            network_id: Some(created.network_id),
            city_id: Some(created.city_id),
            actor_id: Some(author.id()),
            action: "comment.created",
            subject_type: "comment",
            subject_id: Some(created.id),
            data: json!({ "target_type": created.target_type, "target_id": created.target_id }),
        },
    )
    .await?;

    let mut events =
        notify_thread(db, author, target, &created, parent.as_ref(), &mentions).await?;
    let shown = view(&created, &author.user.name);
    events.insert(
        0,
        Event::new(
            "comment.created",
            Some(created.network_id),
            Some(created.city_id),
            json!(shown),
        ),
    );
    Ok((shown, events))
}

/// Mentions get `mention`; the thread's other participants get `reply`.
async fn notify_thread(
    db: &impl ConnectionTrait,
    author: &CurrentUser,
    target: &Target,
    created: &comment::Model,
    parent: Option<&comment::Model>,
    mentions: &[Uuid],
) -> AppResult<Vec<Event>> {
    let root_id = parent.map(|p| p.id).unwrap_or(created.id);
    let excerpt: String = created.body.chars().take(EXCERPT).collect();
    let quote = target_quote(parent.unwrap_or(created));
    let email = CommentEmail {
        actor_name: author.user.name.clone(),
        city_name: target.city.name.clone(),
        target_title: target.title.clone(),
        excerpt: excerpt.clone(),
        quote,
    };
    let notice = |recipients: Vec<Uuid>, kind: &str, title: String, content: EmailContent| Notice {
        recipients,
        actor_id: Some(author.id()),
        network_id: Some(target.city.network_id),
        city_id: Some(target.city.id),
        plan_id: Some(target.plan.id),
        section_id: target.section_id,
        subject_id: Some(created.id),
        path: format!("{}#comment-{}", target.path, created.id),
        title,
        body: excerpt.clone(),
        email: content,
        needs_action: kind == "mention",
        dedupe_key: format!("comment:{}:{kind}", created.id),
        thread_key: Some(format!("comment-thread:{root_id}")),
    };
    let mut events = notifications::notify(
        db,
        notice(
            mentions.to_vec(),
            "mention",
            format!("{} mentioned you in {}", author.user.name, target.title),
            EmailContent::Mention(email.clone()),
        ),
    )
    .await?;
    if let Some(root) = parent {
        let replies = comment::Entity::find()
            .filter(comment::Column::ParentId.eq(root.id))
            .filter(comment::Column::DeletedAt.is_null())
            .all(db)
            .await?;
        let participants: Vec<Uuid> = std::iter::once(root.author_id)
            .chain(replies.iter().map(|r| r.author_id))
            .filter(|id| !mentions.contains(id))
            .collect();
        events.extend(
            notifications::notify(
                db,
                notice(
                    participants,
                    "reply",
                    format!("{} replied on {}", author.user.name, target.title),
                    EmailContent::Reply(email),
                ),
            )
            .await?,
        );
    }
    Ok(events)
}

fn target_quote(c: &comment::Model) -> Option<String> {
    c.anchor
        .clone()
        .and_then(|a| serde_json::from_value::<Anchor>(a).ok())
        .map(|a| a.quote)
}

/// A comment with its city, if the user may see it; else 404.
pub async fn find_visible(
    db: &impl ConnectionTrait,
    user: &CurrentUser,
    id: Uuid,
) -> AppResult<(comment::Model, city::Model)> {
    let found = comment::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let city = city::Entity::find_by_id(found.city_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    policy::ensure_city_visible(user, &city)?;
    Ok((found, city))
}

fn ensure_not_removed(c: &comment::Model) -> AppResult<()> {
    if c.deleted_at.is_some() {
        return Err(AppError::conflict(
            "comment_removed",
            "This comment was removed.",
        ));
    }
    Ok(())
}

/// The author changes the text (mentions are not sent again).
pub async fn edit(
    db: &impl ConnectionTrait,
    c: comment::Model,
    input: CommentEdit,
    by: Uuid,
) -> AppResult<comment::Model> {
    ensure_not_removed(&c)?;
    let mut errors = FieldErrors::default();
    check_body(&mut errors, &input.body);
    errors.finish()?;
    let mut active: comment::ActiveModel = c.into();
    active.body = Set(input.body);
    active.edited_at = Set(Some(Utc::now()));
    let updated = active.update(db).await?;
    record(db, &updated, by, "comment.edited").await?;
    Ok(updated)
}

/// Soft delete: the text is replaced by "comment removed" for everyone, and
/// notifications about it that have not gone out are withdrawn.
pub async fn remove(
    db: &impl ConnectionTrait,
    c: comment::Model,
    by: Uuid,
) -> AppResult<comment::Model> {
    ensure_not_removed(&c)?;
    notifications::cancel_for_subject(db, c.id).await?;
    let mut active: comment::ActiveModel = c.into();
    active.body = Set(String::new());
    active.anchor = Set(None);
    active.mentions = Set(json!([]));
    active.deleted_at = Set(Some(Utc::now()));
    active.deleted_by = Set(Some(by));
    let updated = active.update(db).await?;
    record(db, &updated, by, "comment.deleted").await?;
    Ok(updated)
}

/// Resolves (`true`) or reopens a thread; only top-level comments carry the state.
pub async fn set_resolved(
    db: &impl ConnectionTrait,
    c: comment::Model,
    resolved: bool,
    by: Uuid,
) -> AppResult<comment::Model> {
    ensure_not_removed(&c)?;
    if c.parent_id.is_some() {
        return Err(AppError::conflict(
            "not_a_thread",
            "Resolve or reopen the thread's first comment.",
        ));
    }
    if c.resolved_at.is_some() == resolved {
        return Err(AppError::conflict(
            if resolved {
                "already_resolved"
            } else {
                "not_resolved"
            },
            if resolved {
                "This thread is already resolved."
            } else {
                "This thread is not resolved."
            },
        ));
    }
    let mut active: comment::ActiveModel = c.into();
    active.resolved_at = Set(resolved.then(Utc::now));
    active.resolved_by = Set(resolved.then_some(by));
    let updated = active.update(db).await?;
    let action = if resolved {
        "comment.resolved"
    } else {
        "comment.reopened"
    };
    record(db, &updated, by, action).await?;
    Ok(updated)
}

async fn record(
    db: &impl ConnectionTrait,
    c: &comment::Model,
    by: Uuid,
    action: &str,
) -> AppResult<()> {
    audit::record(
        db,
        audit::Entry {
            network_id: Some(c.network_id),
            city_id: Some(c.city_id),
            actor_id: Some(by),
            action,
            subject_type: "comment",
            subject_id: Some(c.id),
            data: json!({ "target_type": c.target_type, "target_id": c.target_id }),
        },
    )
    .await
}

/// Resolve and reopen: the thread's author, anyone who writes the plan, and
/// the network's lead coordinators and experts (who review it).
pub fn can_resolve(user: &CurrentUser, c: &comment::Model, city: &city::Model) -> bool {
    c.author_id == user.id()
        || policy::can_edit_plan(user, city)
        || policy::can_view_dashboard(user, city.network_id)
}

/// The event that tells open pages a comment changed.
pub fn event(kind: &str, c: &comment::Model, author_name: &str) -> Event {
    Event::new(
        kind,
        Some(c.network_id),
        Some(c.city_id),
        json!(view(c, author_name)),
    )
}
