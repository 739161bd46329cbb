//! The event hub: rooms per user, city and network. Each events socket joins
//! the rooms its memberships allow; an event goes to the rooms it concerns,
//! serialised once, through bounded per-connection queues. A connection whose
//! queue is full is dropped (it reconnects and refetches), never waited for.
//!
//! The hub also owns the live section documents ([`Collab`]) and the relay to
//! other instances ([`super::relay`]), so that everything live hangs off the
//! one `state.hub` every handler already has.
use std::{
    collections::{HashMap, HashSet},
    sync::{
        Arc, Mutex, OnceLock,
        atomic::{AtomicU64, Ordering},
    },
};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::{broadcast, mpsc};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{collab::Collab, relay::Relay};

/// Events queued for one socket before it counts as too slow.
pub const EVENT_QUEUE: usize = 1024;

/// One live event as sent on `GET /api/v1/events`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Event {
    /// e.g. `stage.changed`, `section.updated`, `action.changed`, `comment.created`.
    #[serde(rename = "type")]
    pub kind: String,
    pub network_id: Option<Uuid>,
    pub city_id: Option<Uuid>,
    /// Set for events meant for one user only (notifications).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<Uuid>,
    pub data: Value,
    pub at: DateTime<Utc>,
}

impl Event {
    /// The plan whose sections may have been locked or unlocked by this event
    /// (a stage decision, or the plan becoming final). A stage's phase moving
    /// with the calendar (the clock's `stage.changed`, without `to`) locks
    /// nothing, so open editors are left alone.
    pub fn may_change_write_access(&self) -> Option<Uuid> {
        let relevant = (self.kind == "stage.changed" && self.data.get("to").is_some())
            || (self.kind == "plan.changed" && self.data.get("status").is_some());
        if !relevant {
            return None;
        }
        self.data
            .get("plan_id")
            .and_then(Value::as_str)
            .and_then(|id| Uuid::parse_str(id).ok())
    }

    pub fn new(kind: &str, network_id: Option<Uuid>, city_id: Option<Uuid>, data: Value) -> Self {
        Event {
            kind: kind.to_owned(),
            network_id,
            city_id,
            user_id: None,
            data,
            at: Utc::now(),
        }
    }

    /// The user a membership event is about (`data.user_id`), if any: that
    /// user's sockets must hear it to reload what they may see.
    pub fn member_user(&self) -> Option<Uuid> {
        if !self.kind.starts_with("member") {
            return None;
        }
        self.data
            .get("user_id")
            .and_then(Value::as_str)
            .and_then(|s| s.parse().ok())
    }

    /// The rooms this event goes to.
    pub fn rooms(&self) -> Vec<RoomKey> {
        if let Some(user) = self.user_id {
            return vec![RoomKey::User(user)];
        }
        let mut rooms = vec![RoomKey::Admin];
        match (self.city_id, self.network_id) {
            (Some(city), network) => {
                rooms.push(RoomKey::City(city));
                rooms.extend(network.map(RoomKey::NetworkStaff));
            }
            (None, Some(network)) => rooms.push(RoomKey::Network(network)),
            (None, None) => {}
        }
        rooms.extend(self.member_user().map(RoomKey::User));
        rooms
    }
}

/// A hub room. Who joins which is decided by `realtime::events::rooms_of`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RoomKey {
    /// Events for one person (notifications, their own membership changes).
    User(Uuid),
    /// Members of a city: its coordinators, ULG members, observers, peer reviewers.
    City(Uuid),
    /// Lead coordinators and experts: every city of the network.
    NetworkStaff(Uuid),
    /// Every member of the network (network-wide events).
    Network(Uuid),
    Admin,
}

struct Subscriber {
    rooms: Vec<RoomKey>,
    tx: mpsc::Sender<Arc<str>>,
}

#[derive(Default)]
struct Rooms {
    subscribers: HashMap<u64, Subscriber>,
    members: HashMap<RoomKey, HashSet<u64>>,
}

impl Rooms {
    fn leave(&mut self, id: u64) -> Option<Subscriber> {
        let sub = self.subscribers.remove(&id)?;
        for room in &sub.rooms {
            if let Some(set) = self.members.get_mut(room) {
                set.remove(&id);
                if set.is_empty() {
                    self.members.remove(room);
                }
            }
        }
        Some(sub)
    }

    fn join(&mut self, id: u64, sub: Subscriber) {
        for room in &sub.rooms {
            self.members.entry(*room).or_default().insert(id);
        }
        self.subscribers.insert(id, sub);
    }
}

struct Inner {
    instance: Uuid,
    next_id: AtomicU64,
    rooms: Mutex<Rooms>,
    /// For in-process listeners that want every event (tests, workers).
    sender: broadcast::Sender<Event>,
    relay: OnceLock<Arc<dyn Relay>>,
    collab: Collab,
}

#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

impl Default for Hub {
    fn default() -> Self {
        Self::new()
    }
}

impl Hub {
    pub fn new() -> Self {
        let (sender, _) = broadcast::channel(4096);
        Hub {
            inner: Arc::new(Inner {
                instance: Uuid::now_v7(),
                next_id: AtomicU64::new(1),
                rooms: Mutex::new(Rooms::default()),
                sender,
                relay: OnceLock::new(),
                collab: Collab::new(),
            }),
        }
    }

    /// This process's identity, so relayed messages from ourselves are skipped.
    pub fn instance(&self) -> Uuid {
        self.inner.instance
    }

    pub fn collab(&self) -> &Collab {
        &self.inner.collab
    }

    /// Installs the relay to other instances (once, at start).
    pub fn set_relay(&self, relay: Arc<dyn Relay>) {
        let _ = self.inner.relay.set(relay);
    }

    pub fn relay(&self) -> Option<&Arc<dyn Relay>> {
        self.inner.relay.get()
    }

    /// Publishes an event; call only after the change's transaction committed.
    pub fn publish(&self, event: Event) {
        if let Some(relay) = self.inner.relay.get() {
            relay.publish_event(&event);
        }
        self.deliver_local(event);
    }

    /// Delivers to this instance's sockets only (events relayed from others).
    pub fn deliver_local(&self, event: Event) {
        if let Some(plan) = event.may_change_write_access() {
            self.collab().reconnect_plan(plan);
        }
        let rooms = event.rooms();
        let Ok(json) = serde_json::to_string(&event) else {
            return;
        };
        let json: Arc<str> = json.into();
        let mut slow = Vec::new();
        {
            let Ok(mut state) = self.inner.rooms.lock() else {
                return;
            };
            let mut targets = HashSet::new();
            for room in &rooms {
                if let Some(set) = state.members.get(room) {
                    targets.extend(set.iter().copied());
                }
            }
            for id in targets {
                if let Some(sub) = state.subscribers.get(&id)
                    && sub.tx.try_send(json.clone()).is_err()
                {
                    slow.push(id);
                }
            }
            // Dropping the sender ends the socket's stream: it closes and the
            // browser reconnects and refetches.
            for id in slow {
                state.leave(id);
            }
        }
        // No receiver is fine: nobody is watching.
        let _ = self.inner.sender.send(event);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.inner.sender.subscribe()
    }

    /// Joins `rooms`; events arrive on the subscription until it is dropped
    /// or falls too far behind.
    pub fn join(&self, rooms: Vec<RoomKey>) -> Subscription {
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = mpsc::channel(EVENT_QUEUE);
        if let Ok(mut state) = self.inner.rooms.lock() {
            state.join(id, Subscriber { rooms, tx });
        }
        Subscription {
            id,
            rx,
            hub: self.clone(),
        }
    }

    /// Number of sockets in a room (for tests and metrics).
    pub fn room_size(&self, room: RoomKey) -> usize {
        self.inner
            .rooms
            .lock()
            .map(|s| s.members.get(&room).map_or(0, HashSet::len))
            .unwrap_or(0)
    }
}

/// One socket's place in the hub; leaves every room when dropped.
pub struct Subscription {
    id: u64,
    pub rx: mpsc::Receiver<Arc<str>>,
    hub: Hub,
}

impl Subscription {
    /// Moves to a new set of rooms (memberships changed). Returns false when
    /// the hub already dropped this subscription for being too slow.
    pub fn rejoin(&mut self, rooms: Vec<RoomKey>) -> bool {
        let Ok(mut state) = self.hub.inner.rooms.lock() else {
            return false;
        };
        match state.leave(self.id) {
            Some(sub) => {
                state.join(self.id, Subscriber { rooms, tx: sub.tx });
                true
            }
            None => false,
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        if let Ok(mut state) = self.hub.inner.rooms.lock() {
            state.leave(self.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn city_event(network: Uuid, city: Uuid) -> Event {
        Event::new("section.updated", Some(network), Some(city), Value::Null)
    }

    #[tokio::test]
    async fn events_reach_only_their_rooms() {
        let hub = Hub::new();
        let (network, city, other) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let mut member = hub.join(vec![RoomKey::City(city), RoomKey::Network(network)]);
        let mut staff = hub.join(vec![RoomKey::NetworkStaff(network)]);
        let mut outsider = hub.join(vec![RoomKey::City(other), RoomKey::Network(network)]);
        hub.publish(city_event(network, city));
        assert!(member.rx.try_recv().is_ok());
        assert!(staff.rx.try_recv().is_ok());
        assert!(outsider.rx.try_recv().is_err());
        hub.publish(Event::new(
            "network.changed",
            Some(network),
            None,
            Value::Null,
        ));
        assert!(outsider.rx.try_recv().is_ok());
        assert!(
            staff.rx.try_recv().is_err(),
            "staff joins Network too in practice"
        );
    }

    #[tokio::test]
    async fn a_slow_subscriber_is_dropped_and_others_keep_receiving() {
        let hub = Hub::new();
        let city = Uuid::now_v7();
        let mut slow = hub.join(vec![RoomKey::City(city)]);
        let mut fast = hub.join(vec![RoomKey::City(city)]);
        for _ in 0..=EVENT_QUEUE {
            hub.publish(city_event(Uuid::now_v7(), city));
            assert!(fast.rx.try_recv().is_ok());
        }
        assert_eq!(hub.room_size(RoomKey::City(city)), 1);
        let mut drained = 0;
        while slow.rx.recv().await.is_some() {
            drained += 1;
        }
        assert_eq!(drained, EVENT_QUEUE, "queued events, then the end");
    }

    #[test]
    fn membership_events_also_reach_the_member() {
        let user = Uuid::now_v7();
        let event = Event::new(
            "member.joined",
            Some(Uuid::now_v7()),
            Some(Uuid::now_v7()),
            serde_json::json!({ "user_id": user }),
        );
        assert!(event.rooms().contains(&RoomKey::User(user)));
    }
}
