//! Which hub rooms a person's events socket joins, from their memberships
//! (the same rules as `policy::can_see_city` / `can_see_network`).
use super::hub::RoomKey;
use crate::{auth::CurrentUser, members::Role};

pub fn rooms_of(user: &CurrentUser) -> Vec<RoomKey> {
    let mut rooms = vec![RoomKey::User(user.id())];
    if user.user.is_admin {
        rooms.push(RoomKey::Admin);
    }
    for m in &user.memberships {
        rooms.push(RoomKey::Network(m.network_id));
        match m.city_id {
            Some(city) => rooms.push(RoomKey::City(city)),
            None if m.role == Role::LeadCoordinator.as_str() || m.role == Role::Expert.as_str() => {
                rooms.push(RoomKey::NetworkStaff(m.network_id));
            }
            None => {}
        }
    }
    rooms.sort_by_key(|r| format!("{r:?}"));
    rooms.dedup();
    rooms
}
