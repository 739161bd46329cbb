//! What an email says, per kind: the typed context each template gets, and the one-recipient
//! [`Email`] that the outbox worker renders. Kept apart from rendering so callers build emails
//! without touching the template engine.

use chrono::NaiveDate;
use minijinja::Value;
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};

use crate::mail::digest::Digest;

/// Every kind of email the app sends; the folder name is [`EmailKind::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailKind {
    Mention,
    Reply,
    StageSubmitted,
    StageApproved,
    StageReturned,
    DeadlineSoon,
    MemberJoined,
    Invitation,
    PasswordReset,
    DailyDigest,
}

impl EmailKind {
    pub const ALL: [EmailKind; 10] = [
        Self::Mention,
        Self::Reply,
        Self::StageSubmitted,
        Self::StageApproved,
        Self::StageReturned,
        Self::DeadlineSoon,
        Self::MemberJoined,
        Self::Invitation,
        Self::PasswordReset,
        Self::DailyDigest,
    ];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mention => "mention",
            Self::Reply => "reply",
            Self::StageSubmitted => "stage_submitted",
            Self::StageApproved => "stage_approved",
            Self::StageReturned => "stage_returned",
            Self::DeadlineSoon => "deadline_soon",
            Self::MemberJoined => "member_joined",
            Self::Invitation => "invitation",
            Self::PasswordReset => "password_reset",
            Self::DailyDigest => "daily_digest",
        }
    }
}

/// A comment that mentions the recipient, or a reply in a thread they take part in.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CommentEmail {
    pub actor_name: String,
    pub city_name: String,
    /// The section or action the comment is on, e.g. "Vision and objectives" or "A1.2 Maker space".
    pub target_title: String,
    /// The comment, plain text, cut to a few hundred characters by the caller.
    pub excerpt: String,
    /// The anchored text, when the comment is on a range.
    pub quote: Option<String>,
}

/// A stage transition: submitted (needs the recipient's approval), approved, or returned.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StageEmail {
    /// Who submitted, approved or returned it.
    pub actor_name: String,
    pub city_name: String,
    pub stage_name: String,
    /// Due date of this stage (or of the next one, for an approval).
    pub due_on: Option<NaiveDate>,
    /// Required for a return; optional otherwise.
    pub note: Option<String>,
    /// For an approval: the stage that opens now.
    pub next_stage_name: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeadlineEmail {
    pub city_name: String,
    pub stage_name: String,
    pub due_on: NaiveDate,
    pub days_left: i64,
    /// Messages of the gate checks that fail today; empty when it is ready to submit.
    pub missing: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MemberJoinedEmail {
    pub member_name: String,
    pub city_name: String,
    /// As the UI says it: "a ULG member", "the city coordinator", "an observer".
    pub role_label: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InvitationEmail {
    pub inviter_name: String,
    /// "the Óbidos ULG" or "the Creative Clusters network".
    pub place_name: String,
    pub role_label: String,
    pub expires_on: NaiveDate,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PasswordResetEmail {
    pub valid_minutes: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DigestEmail {
    pub digest: Digest,
}

/// What the email says; the variant picks the template. Stored as JSON in the
/// outbox (`{"kind": "mention", "context": {…}}`) and rendered when sent.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", content = "context", rename_all = "snake_case")]
pub enum EmailContent {
    Mention(CommentEmail),
    Reply(CommentEmail),
    StageSubmitted(StageEmail),
    StageApproved(StageEmail),
    StageReturned(StageEmail),
    DeadlineSoon(DeadlineEmail),
    MemberJoined(MemberJoinedEmail),
    Invitation(InvitationEmail),
    PasswordReset(PasswordResetEmail),
    DailyDigest(DigestEmail),
}

impl EmailContent {
    pub fn kind(&self) -> EmailKind {
        match self {
            Self::Mention(_) => EmailKind::Mention,
            Self::Reply(_) => EmailKind::Reply,
            Self::StageSubmitted(_) => EmailKind::StageSubmitted,
            Self::StageApproved(_) => EmailKind::StageApproved,
            Self::StageReturned(_) => EmailKind::StageReturned,
            Self::DeadlineSoon(_) => EmailKind::DeadlineSoon,
            Self::MemberJoined(_) => EmailKind::MemberJoined,
            Self::Invitation(_) => EmailKind::Invitation,
            Self::PasswordReset(_) => EmailKind::PasswordReset,
            Self::DailyDigest(_) => EmailKind::DailyDigest,
        }
    }

    pub(crate) fn to_value(&self) -> Value {
        match self {
            Self::Mention(c) | Self::Reply(c) => Value::from(Serde(c)),
            Self::StageSubmitted(c) | Self::StageApproved(c) | Self::StageReturned(c) => {
                Value::from(Serde(c))
            }
            Self::DeadlineSoon(c) => Value::from(Serde(c)),
            Self::MemberJoined(c) => Value::from(Serde(c)),
            Self::Invitation(c) => Value::from(Serde(c)),
            Self::PasswordReset(c) => Value::from(Serde(c)),
            Self::DailyDigest(c) => Value::from(Serde(c)),
        }
    }
}

/// One email for one recipient, ready to render.
#[derive(Debug, Clone)]
pub struct Email {
    /// The recipient's preferred language (`en`, `pt-PT`, …); unknown ones fall back to English.
    pub lang: String,
    /// `None` when we do not know the name yet (an invitation): the greeting says "Hello,".
    pub recipient_name: Option<String>,
    /// App path of the exact place the email is about, e.g. `/stages/{id}`.
    pub path: String,
    /// The recipient's unsubscribe token (URL-safe), for the footer and `List-Unsubscribe`.
    pub unsubscribe_token: String,
    pub content: EmailContent,
}
