//! Building blocks of email: templates per kind and language, MIME messages
//! with threading and one-click unsubscribe headers, the SMTP or file-drop
//! transport, the retry schedule and daily digests. What to send and when
//! lives in `notifications`; this module only knows how.
pub mod backoff;
pub mod digest;
pub mod email;
pub mod links;
pub mod message;
pub mod templates;
pub mod transport;
