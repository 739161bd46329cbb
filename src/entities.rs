//! sea-orm entities, one per table, generated-style and free of behaviour:
//! rules live in the domain modules that use them.
pub mod action;
pub mod audit_event;
pub mod city;
pub mod comment;
pub mod email_outbox;
pub mod invitation;
pub mod login_failure;
pub mod membership;
pub mod network;
pub mod notification;
pub mod notification_setting;
pub mod password_reset;
pub mod plan;
pub mod relayed_event;
pub mod section;
pub mod section_contributor;
pub mod section_snapshot;
pub mod section_update;
pub mod session;
pub mod stage;
pub mod stage_reminder;
pub mod stage_template_row;
pub mod stage_transition;
pub mod user;
pub mod version;
