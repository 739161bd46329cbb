//! Validation stages along the 12–14 month timeline (DESIGN §3): the
//! template, gate checks and what "written" means. Pure rules here; the
//! database work sits beside them.
pub mod adoption;
pub mod clock;
pub mod dashboard;
pub mod gates;
pub mod locks;
pub mod notices;
pub mod peer_review;
pub mod routes;
pub mod section_template;
pub mod template;
pub mod template_change;
pub mod timeline;
pub mod transitions;
pub mod views;
pub mod workflow;
pub mod written;
