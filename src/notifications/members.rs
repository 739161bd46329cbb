//! Notices about people: the invitation email, and "X joined" for the
//! coordinators once an invitation is accepted.
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::json;

use super::{DirectEmail, Notice, notify, send_email};
use crate::{
    entities::{city, invitation, membership, network, user},
    error::AppResult,
    mail::email::{EmailContent, InvitationEmail, MemberJoinedEmail},
    members::{Role, invitations::accept_path},
    realtime::Event,
};

/// "a ULG member", "an observer": how emails name a role.
pub fn role_with_article(role: &str) -> String {
    let label = Role::parse(role).map(Role::label).unwrap_or(role);
    let article = if label.starts_with(['a', 'e', 'i', 'o']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {label}")
}

/// Queues the invitation email (call in the transaction creating the invitation).
pub async fn invitation_created(
    db: &impl ConnectionTrait,
    inv: &invitation::Model,
    token: &str,
    network: &network::Model,
    city: Option<&city::Model>,
) -> AppResult<()> {
    let inviter = user::Entity::find_by_id(inv.invited_by).one(db).await?;
    let invitee = user::Entity::find()
        .filter(user::Column::Email.eq(&inv.email))
        .one(db)
        .await?;
    let place_name = match city {
        Some(c) => format!("the {} ULG", c.name),
        None => format!("the {} network", network.name),
    };
    send_email(
        db,
        DirectEmail {
            to_address: inv.email.clone(),
            to_name: invitee.as_ref().map(|u| u.name.clone()),
            user_id: invitee.as_ref().map(|u| u.id),
            lang: invitee
                .as_ref()
                .map(|u| u.language.clone())
                .unwrap_or_else(|| "en".into()),
            path: accept_path(token),
            content: EmailContent::Invitation(InvitationEmail {
                inviter_name: inviter
                    .map(|u| u.name)
                    .unwrap_or_else(|| "iap-studio".into()),
                place_name,
                role_label: role_with_article(&inv.role),
                expires_on: inv.expires_at.date_naive(),
            }),
            dedupe_key: format!("invitation:{}", inv.id),
        },
    )
    .await
}

/// Tells the city coordinators (or, for a network role, the lead
/// coordinators) that someone joined; returns the events to publish after
/// commit, `member.joined` included.
pub async fn member_joined(
    db: &impl ConnectionTrait,
    member: &user::Model,
    joined: &membership::Model,
) -> AppResult<Vec<Event>> {
    let (coordinator_role, scope_id) = match joined.city_id {
        Some(city_id) => (Role::CityCoordinator, city_id),
        None => (Role::LeadCoordinator, joined.network_id),
    };
    let recipients = membership::Entity::find()
        .filter(membership::Column::ScopeId.eq(scope_id))
        .filter(membership::Column::Role.eq(coordinator_role.as_str()))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect();
    let place = match joined.city_id {
        Some(id) => city::Entity::find_by_id(id).one(db).await?.map(|c| c.name),
        None => network::Entity::find_by_id(joined.network_id)
            .one(db)
            .await?
            .map(|n| n.name),
    }
    .unwrap_or_default();
    let path = match joined.city_id {
        Some(id) => format!("/cities/{id}/members"),
        None => format!("/networks/{}", joined.network_id),
    };
    let role_label = role_with_article(&joined.role);
    let mut events = notify(
        db,
        Notice {
            recipients,
            actor_id: Some(member.id),
            network_id: Some(joined.network_id),
            city_id: joined.city_id,
            plan_id: None,
            section_id: None,
            subject_id: Some(joined.id),
            path,
            title: format!("{} joined {place} as {role_label}", member.name),
            body: String::new(),
            email: EmailContent::MemberJoined(MemberJoinedEmail {
                member_name: member.name.clone(),
                city_name: place,
                role_label,
            }),
            needs_action: false,
            dedupe_key: format!("member_joined:{}", joined.id),
            thread_key: None,
        },
    )
    .await?;
    events.push(Event::new(
        "member.joined",
        Some(joined.network_id),
        joined.city_id,
        json!({ "membership_id": joined.id, "user_id": member.id, "name": member.name, "role": joined.role }),
    ));
    Ok(events)
}
