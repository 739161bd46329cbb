//! May they? One small named rule per ability (DESIGN §1), used by HTTP and
//! WebSocket handlers alike. Visibility rules answer 404 when false (no
//! existence leaks); ability rules answer 403.
use uuid::Uuid;

use crate::{
    auth::CurrentUser,
    entities::city,
    error::{AppError, AppResult},
    members::Role,
};

impl CurrentUser {
    fn has_network_role(&self, network_id: Uuid, roles: &[Role]) -> bool {
        self.memberships.iter().any(|m| {
            m.network_id == network_id
                && m.city_id.is_none()
                && roles.iter().any(|r| r.as_str() == m.role)
        })
    }

    fn has_city_role(&self, city_id: Uuid, roles: &[Role]) -> bool {
        self.memberships
            .iter()
            .any(|m| m.city_id == Some(city_id) && roles.iter().any(|r| r.as_str() == m.role))
    }
}

/// Any member of a network (at network or city level) sees the network and its list of cities.
pub fn can_see_network(user: &CurrentUser, network_id: Uuid) -> bool {
    user.user.is_admin || user.memberships.iter().any(|m| m.network_id == network_id)
}

/// A city's workspace and plan: its own members, peer reviewers given to it,
/// and the network's lead coordinators and experts.
pub fn can_see_city(user: &CurrentUser, city: &city::Model) -> bool {
    user.user.is_admin
        || user.has_network_role(city.network_id, &[Role::LeadCoordinator, Role::Expert])
        || user.memberships.iter().any(|m| m.city_id == Some(city.id))
}

pub fn can_create_network(user: &CurrentUser) -> bool {
    user.user.is_admin
}

/// Edit the network, its cities and stage template, invite lead coordinators and experts.
pub fn can_manage_network(user: &CurrentUser, network_id: Uuid) -> bool {
    user.user.is_admin || user.has_network_role(network_id, &[Role::LeadCoordinator])
}

pub fn can_view_dashboard(user: &CurrentUser, network_id: Uuid) -> bool {
    user.user.is_admin || user.has_network_role(network_id, &[Role::LeadCoordinator, Role::Expert])
}

/// Invite to a city and change or end its memberships.
pub fn can_manage_city_members(user: &CurrentUser, city: &city::Model) -> bool {
    can_manage_network(user, city.network_id)
        || user.has_city_role(city.id, &[Role::CityCoordinator])
}

/// Write the plan: sections, actions, submissions.
pub fn can_edit_plan(user: &CurrentUser, city: &city::Model) -> bool {
    user.user.is_admin || user.has_city_role(city.id, &[Role::CityCoordinator, Role::UlgMember])
}

/// Approve or return city gates, reopen stages, record the political adoption.
pub fn is_city_coordinator(user: &CurrentUser, city: &city::Model) -> bool {
    user.user.is_admin || user.has_city_role(city.id, &[Role::CityCoordinator])
}

pub fn is_lead_coordinator(user: &CurrentUser, network_id: Uuid) -> bool {
    user.user.is_admin || user.has_network_role(network_id, &[Role::LeadCoordinator])
}

pub fn is_expert(user: &CurrentUser, network_id: Uuid) -> bool {
    user.has_network_role(network_id, &[Role::Expert])
}

/// Everyone who sees a city may comment on its plan, observers and peer reviewers included.
pub fn can_comment(user: &CurrentUser, city: &city::Model) -> bool {
    can_see_city(user, city)
}

/// 404 unless the city is visible: the shared first step of every city handler.
pub fn ensure_city_visible(user: &CurrentUser, city: &city::Model) -> AppResult<()> {
    if can_see_city(user, city) {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

pub fn ensure(allowed: bool, what: &str) -> AppResult<()> {
    if allowed {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!("You may not {what}.")))
    }
}
