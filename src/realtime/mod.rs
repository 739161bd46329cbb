//! Live collaboration: section documents co-edited over the y-websocket
//! protocol (`collab`, `room`, `protocol`), domain events fanned out to the
//! sockets of users allowed to see them (`hub`, `events`), and the relay
//! between instances (`relay`). DESIGN §4–§6.
pub mod collab;
pub mod events;
pub mod hub;
pub mod protocol;
pub mod relay;
pub mod room;
pub mod routes;

pub use hub::{Event, Hub};
pub use relay::start;
