// Test helpers outside #[test] functions may panic: a failed fixture is a failed test.
#![allow(clippy::unwrap_used)]
//! Integration tests: the real server on a random port, a fresh database per
//! test (SQLite file, or a fresh PostgreSQL database when TEST_DATABASE_URL is
//! set), driven over HTTP like a user would.
mod helpers;
mod smtp_sink;

mod accounts;
mod actions;
mod collab;
mod comments;
mod events;
mod exports;
mod mail;
mod mail_transport;
mod members;
mod networks_and_cities;
mod notifications;
mod operations;
mod plans;
mod stages;
mod versions;
