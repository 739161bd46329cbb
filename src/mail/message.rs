//! Turns a rendered email into a MIME message with the headers that make notification mail
//! behave: stable Message-IDs, comment threads that stay one thread, and one-click unsubscribe.

use std::error::Error as StdError;
use std::fmt;

use lettre::Message;
use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use uuid::Uuid;

use crate::mail::templates::RenderedEmail;

/// Namespace for Message-IDs derived from dedupe keys (a fixed random UUID: never change it, or
/// ids already sent stop matching).
const MESSAGE_ID_NAMESPACE: Uuid = Uuid::from_u128(0x6b1f_3c2a_9d4e_4f57_8a21_c3d0_5e7b_1f64);

/// A `Message-ID` such as `<2c6e…@iap.example.org>`.
///
/// Derived from a key, so retrying the same outbox row sends the same id (receivers can drop
/// the duplicate) and a thread's root id can be computed without storing it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MessageId(String);

impl MessageId {
    /// The id for `key` (an outbox dedupe key, or a thread key such as `comment-thread:{root_id}`).
    pub fn from_key(key: &str, domain: &str) -> Self {
        Self(format!(
            "<{}@{domain}>",
            Uuid::new_v5(&MESSAGE_ID_NAMESPACE, key.as_bytes())
        ))
    }

    /// With the angle brackets.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a message sits in a conversation (a comment thread).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Threading {
    pub in_reply_to: Option<MessageId>,
    /// Oldest first; usually just the thread root.
    pub references: Vec<MessageId>,
}

impl Threading {
    /// Every notification of one comment thread points at the same synthetic root, so mail
    /// clients show the thread as one conversation even when the root mail was never received.
    pub fn reply_to_root(root: MessageId) -> Self {
        Self {
            in_reply_to: Some(root.clone()),
            references: vec![root],
        }
    }
}

/// The sender and id domain, from `IAP_MAIL_FROM` (e.g. `iap-studio <noreply@iap.example.org>`).
#[derive(Debug, Clone)]
pub struct MessageFactory {
    from: Mailbox,
    id_domain: String,
}

#[derive(Debug, thiserror::Error)]
pub enum MessageError {
    #[error("IAP_MAIL_FROM is not a valid address: {0}")]
    InvalidFrom(String),
    #[error("recipient is not a valid address: {0}")]
    InvalidTo(String),
    #[error("cannot build the message: {0}")]
    Build(#[from] lettre::error::Error),
}

/// One message to build: who gets which rendered email, under which id.
#[derive(Debug, Clone)]
pub struct Outgoing<'a> {
    /// `Joana Costa <joana@example.org>` or a bare address.
    pub to: &'a str,
    pub email: &'a RenderedEmail,
    pub message_id: MessageId,
    pub threading: Threading,
}

impl MessageFactory {
    pub fn new(mail_from: &str) -> Result<Self, MessageError> {
        let from: Mailbox = mail_from
            .parse()
            .map_err(|e| MessageError::InvalidFrom(format!("{mail_from:?}: {e}")))?;
        let id_domain = from.email.domain().to_owned();
        Ok(Self { from, id_domain })
    }

    /// The domain Message-IDs are minted under (the sender's).
    pub fn id_domain(&self) -> &str {
        &self.id_domain
    }

    /// Shorthand for [`MessageId::from_key`] under this sender's domain.
    pub fn message_id(&self, key: &str) -> MessageId {
        MessageId::from_key(key, &self.id_domain)
    }

    pub fn build(&self, out: &Outgoing<'_>) -> Result<Message, MessageError> {
        let to: Mailbox = out
            .to
            .parse()
            .map_err(|e| MessageError::InvalidTo(format!("{:?}: {e}", out.to)))?;
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(out.email.subject.clone())
            .message_id(Some(out.message_id.0.clone()))
            .header(AutoSubmitted);
        if !out.email.unsubscribe_url.is_empty() {
            builder = builder
                .header(ListUnsubscribe(format!("<{}>", out.email.unsubscribe_url)))
                .header(ListUnsubscribePost);
        }
        if let Some(parent) = &out.threading.in_reply_to {
            builder = builder.in_reply_to(parent.0.clone());
        }
        if !out.threading.references.is_empty() {
            let refs: Vec<&str> = out
                .threading
                .references
                .iter()
                .map(MessageId::as_str)
                .collect();
            builder = builder.references(refs.join(" "));
        }
        let body =
            MultiPart::alternative_plain_html(out.email.text.clone(), out.email.html.clone());
        Ok(builder.multipart(body)?)
    }
}

type BoxError = Box<dyn StdError + Send + Sync>;

/// `List-Unsubscribe: <https://…/unsubscribe/TOKEN>` (RFC 2369). Only the https link, no mailto:
/// RFC 8058 one-click needs an https URI, and we have no inbound mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListUnsubscribe(pub String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }
    fn parse(s: &str) -> Result<Self, BoxError> {
        Ok(Self(s.to_owned()))
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058): mailbox providers (Gmail,
/// Yahoo) show an unsubscribe button that POSTs to the List-Unsubscribe URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListUnsubscribePost;

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }
    fn parse(_: &str) -> Result<Self, BoxError> {
        Ok(Self)
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".to_owned())
    }
}

/// `Auto-Submitted: auto-generated` (RFC 3834): out-of-office replies should not answer us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }
    fn parse(_: &str) -> Result<Self, BoxError> {
        Ok(Self)
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::email::EmailKind;

    fn rendered() -> RenderedEmail {
        RenderedEmail {
            kind: EmailKind::Reply,
            lang: "en",
            subject: "Ana Silva replied on Vision and objectives (Óbidos)".into(),
            text: "Hi Joana,\n\nplain part".into(),
            html: "<p>Hi Joana,</p>".into(),
            action_url: "https://iap.example.org/plans/p1".into(),
            unsubscribe_url: "https://iap.example.org/unsubscribe/tok123".into(),
        }
    }

    #[test]
    fn message_ids_are_stable_per_key_and_differ_between_keys() {
        let a = MessageId::from_key("comment:1:user:2", "iap.example.org");
        assert_eq!(
            a,
            MessageId::from_key("comment:1:user:2", "iap.example.org")
        );
        assert_ne!(
            a,
            MessageId::from_key("comment:1:user:3", "iap.example.org")
        );
        assert!(a.as_str().starts_with('<') && a.as_str().ends_with("@iap.example.org>"));
    }

    #[test]
    fn builds_headers_for_threads_and_one_click_unsubscribe() {
        let factory = MessageFactory::new("iap-studio <noreply@iap.example.org>").unwrap();
        let email = rendered();
        let root = factory.message_id("comment-thread:c1");
        let msg = factory
            .build(&Outgoing {
                to: "Joana Costa <joana@example.org>",
                email: &email,
                message_id: factory.message_id("outbox:42"),
                threading: Threading::reply_to_root(root.clone()),
            })
            .unwrap();
        let raw = String::from_utf8(msg.formatted()).unwrap();
        assert!(
            raw.contains("List-Unsubscribe: <https://iap.example.org/unsubscribe/tok123>\r\n"),
            "{raw}"
        );
        assert!(raw.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"));
        assert!(raw.contains(&format!("In-Reply-To: {root}\r\n")));
        assert!(raw.contains(&format!("References: {root}\r\n")));
        assert!(raw.contains("Auto-Submitted: auto-generated\r\n"));
        assert!(raw.contains("multipart/alternative"));
    }

    #[test]
    fn refuses_a_bad_sender_or_recipient() {
        assert!(matches!(
            MessageFactory::new("not an address"),
            Err(MessageError::InvalidFrom(_))
        ));
        let factory = MessageFactory::new("noreply@iap.example.org").unwrap();
        let email = rendered();
        let out = Outgoing {
            to: "joana at example",
            email: &email,
            message_id: factory.message_id("x"),
            threading: Threading::default(),
        };
        assert!(matches!(
            factory.build(&out),
            Err(MessageError::InvalidTo(_))
        ));
    }
}
