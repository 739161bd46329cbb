//! iap-studio: co-writing URBACT Integrated Action Plans.
//!
//! One module per domain concept; `http` holds the shared HTTP plumbing and
//! each domain module its own routes.
pub mod actions;
pub mod app;
pub mod audit;
pub mod auth;
pub mod cities;
pub mod comments;
pub mod config;
pub mod database;
pub mod demo;
pub mod entities;
pub mod error;
pub mod export;
pub mod http;
pub mod mail;
pub mod members;
pub mod networks;
pub mod notifications;
pub mod plans;
pub mod policy;
pub mod realtime;
pub mod sections;
pub mod stages;
pub mod telemetry;
pub mod time_source;
pub mod versions;

pub use app::{AppState, Application};
pub use config::Config;
