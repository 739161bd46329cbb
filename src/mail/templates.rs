//! Email templates, one folder per kind and language (`templates/<lang>/<kind>/{subject,text,html}.jinja`),
//! embedded in the binary so a deployed server can never miss a file.
//!
//! To add a language: copy `templates/en` to `templates/<lang>`, translate, and add the language
//! to [`LANGUAGES`] and to the `embed!` list below. Unknown languages fall back to English.

use crate::mail::email::{Email, EmailKind};
use crate::mail::links::PublicUrl;
use chrono::NaiveDate;
use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value, context, escape_formatter};

/// Languages with a full set of templates; the first one is the fallback.
pub const LANGUAGES: &[&str] = &["en"];

/// A rendered email, before it becomes a MIME message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedEmail {
    pub kind: EmailKind,
    /// The language actually used (after fallback).
    pub lang: &'static str,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub action_url: String,
    pub unsubscribe_url: String,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot render email template {template}: {source:#}")]
pub struct TemplateError {
    template: String,
    #[source]
    source: minijinja::Error,
}

/// The compiled templates; build once at start-up (it fails fast on a broken template) and
/// share it (e.g. in an `Arc` inside the app state).
#[derive(Debug)]
pub struct Templates {
    env: Environment<'static>,
    public_url: PublicUrl,
}

macro_rules! embed {
    ($lang:literal: $($kind:literal),+ $(,)?) => {
        [
            (concat!($lang, "/_layout/text.jinja"), include_str!(concat!("templates/", $lang, "/_layout/text.jinja"))),
            (concat!($lang, "/_layout/html.jinja"), include_str!(concat!("templates/", $lang, "/_layout/html.jinja"))),
            $(
                (concat!($lang, "/", $kind, "/subject.jinja"), include_str!(concat!("templates/", $lang, "/", $kind, "/subject.jinja"))),
                (concat!($lang, "/", $kind, "/text.jinja"), include_str!(concat!("templates/", $lang, "/", $kind, "/text.jinja"))),
                (concat!($lang, "/", $kind, "/html.jinja"), include_str!(concat!("templates/", $lang, "/", $kind, "/html.jinja"))),
            )+
        ]
    };
}

const EN: [(&str, &str); 32] = embed!("en":
    "mention", "reply", "stage_submitted", "stage_approved", "stage_returned",
    "deadline_soon", "member_joined", "invitation", "password_reset", "daily_digest",
);

impl Templates {
    pub fn new(public_url: PublicUrl) -> Result<Self, TemplateError> {
        let mut env = Environment::new();
        // Only the HTML part is escaped; subjects and plain text are not HTML.
        env.set_auto_escape_callback(|name| {
            if name.ends_with("/html.jinja") {
                AutoEscape::Html
            } else {
                AutoEscape::None
            }
        });
        // A typo in a template fails in tests instead of printing nothing.
        env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
        // The default HTML escaper also escapes `/`, which mangles every URL in the HTML part
        // (`https:&#x2f;&#x2f;…`); escaping & < > " ' is what HTML needs.
        env.set_formatter(|out, state, value| match value.as_str() {
            Some(s) if matches!(state.auto_escape(), AutoEscape::Html) && !value.is_safe() => {
                escape_formatter(out, state, &Value::from_safe_string(escape_html(s)))
            }
            _ => escape_formatter(out, state, value),
        });
        env.add_filter("long_date", long_date);
        let base = public_url.clone();
        env.add_function("link", move |path: &str| base.join(path));
        for (name, source) in EN {
            env.add_template(name, source)
                .map_err(|source| TemplateError {
                    template: name.to_owned(),
                    source,
                })?;
        }
        Ok(Self { env, public_url })
    }

    pub fn render(&self, email: &Email) -> Result<RenderedEmail, TemplateError> {
        let lang = resolve_lang(&email.lang);
        let kind = email.content.kind();
        let action_url = self.public_url.join(&email.path);
        // No token (an invitation to someone without an account): nothing to unsubscribe from.
        let unsubscribe_url = if email.unsubscribe_token.is_empty() {
            String::new()
        } else {
            self.public_url.unsubscribe(&email.unsubscribe_token)
        };
        let base = context! {
            lang,
            recipient_name => email.recipient_name.as_deref(),
            action_url => &action_url,
            unsubscribe_url => &unsubscribe_url,
            layout_text => format!("{lang}/_layout/text.jinja"),
            layout_html => format!("{lang}/_layout/html.jinja"),
            ..email.content.to_value()
        };
        let subject = one_line(&self.render_part(lang, kind, "subject", base.clone())?);
        let ctx = context! { subject => &subject, ..base };
        Ok(RenderedEmail {
            kind,
            lang,
            text: self.render_part(lang, kind, "text", ctx.clone())?,
            html: self.render_part(lang, kind, "html", ctx)?,
            subject,
            action_url,
            unsubscribe_url,
        })
    }

    fn render_part(
        &self,
        lang: &str,
        kind: EmailKind,
        part: &str,
        ctx: Value,
    ) -> Result<String, TemplateError> {
        let name = format!("{lang}/{}/{part}.jinja", kind.as_str());
        self.env
            .get_template(&name)
            .and_then(|t| t.render(ctx))
            .map_err(|source| TemplateError {
                template: name,
                source,
            })
    }
}

fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `pt-PT` → `pt` → (not translated yet) → `en`.
fn resolve_lang(requested: &str) -> &'static str {
    let primary = requested
        .split(['-', '_'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    LANGUAGES
        .iter()
        .find(|l| **l == primary)
        .or(LANGUAGES.first())
        .copied()
        .unwrap_or("en")
}

/// Subjects are one line: a newline from user input must not reach the header.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `2026-03-13` → `Friday 13 March 2026` (English; other languages would add their own filter).
fn long_date(value: String) -> String {
    NaiveDate::parse_from_str(&value, "%Y-%m-%d")
        .map(|d| d.format("%A %-d %B %Y").to_string())
        .unwrap_or(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::digest::{Digest, DigestItem, SectionRef};
    use crate::mail::email::*;
    use chrono::{TimeZone, Utc};
    use uuid::Uuid;

    fn templates() -> Templates {
        Templates::new(PublicUrl::parse("https://iap.example.org").unwrap()).unwrap()
    }

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn comment() -> CommentEmail {
        CommentEmail {
            actor_name: "Ana Silva".into(),
            city_name: "Óbidos".into(),
            target_title: "Vision and objectives".into(),
            excerpt: "Can you add the 2023 visitor figures? <b>thanks</b>".into(),
            quote: Some("creative economy".into()),
        }
    }

    fn stage(note: Option<&str>) -> StageEmail {
        StageEmail {
            actor_name: "Marco Rossi".into(),
            city_name: "Reggio Emilia".into(),
            stage_name: "Activation: vision and objectives".into(),
            due_on: Some(date("2026-03-13")),
            note: note.map(Into::into),
            next_stage_name: Some("Planning actions".into()),
        }
    }

    pub(crate) fn sample(content: EmailContent) -> Email {
        Email {
            lang: "en".into(),
            recipient_name: Some("Joana".into()),
            path: "/plans/p1/sections/s1#comment-c1".into(),
            unsubscribe_token: "tok123".into(),
            content,
        }
    }

    fn all_samples() -> Vec<EmailContent> {
        let digest = Digest::group(
            vec![DigestItem {
                plan_id: Uuid::from_u128(1),
                city_name: "Óbidos".into(),
                section: Some(SectionRef {
                    position: 5,
                    title: "Vision and objectives".into(),
                }),
                needs_action: true,
                summary: "Ana mentioned you".into(),
                path: "/plans/p1/sections/s5#comment-c9".into(),
                at: Utc.with_ymd_and_hms(2026, 3, 3, 10, 0, 0).unwrap(),
            }],
            chrono_tz::Europe::Lisbon,
        );
        vec![
            EmailContent::Mention(comment()),
            EmailContent::Reply(comment()),
            EmailContent::StageSubmitted(stage(None)),
            EmailContent::StageApproved(stage(None)),
            EmailContent::StageReturned(stage(Some("Please add measurable targets."))),
            EmailContent::DeadlineSoon(DeadlineEmail {
                city_name: "Mizil".into(),
                stage_name: "Planning actions".into(),
                due_on: date("2026-06-30"),
                days_left: 7,
                missing: vec!["Section “Actions” is empty".into()],
            }),
            EmailContent::MemberJoined(MemberJoinedEmail {
                member_name: "Eszter Nagy".into(),
                city_name: "Hódmezővásárhely".into(),
                role_label: "a ULG member".into(),
            }),
            EmailContent::Invitation(InvitationEmail {
                inviter_name: "Ana Silva".into(),
                place_name: "the Óbidos ULG".into(),
                role_label: "a ULG member".into(),
                expires_on: date("2026-03-20"),
            }),
            EmailContent::PasswordReset(PasswordResetEmail { valid_minutes: 30 }),
            EmailContent::DailyDigest(DigestEmail { digest }),
        ]
    }

    #[test]
    fn every_kind_renders_subject_text_and_html_with_both_links() {
        let templates = templates();
        let samples = all_samples();
        assert_eq!(samples.len(), EmailKind::ALL.len());
        for content in samples {
            let kind = content.kind();
            let out = templates.render(&sample(content)).unwrap();
            assert_eq!(out.kind, kind);
            assert!(
                !out.subject.is_empty() && !out.subject.contains('\n'),
                "{kind:?}"
            );
            for part in [&out.text, &out.html] {
                assert!(
                    part.contains("https://iap.example.org/plans/p1/sections/s1#comment-c1"),
                    "{kind:?}: {part}"
                );
                assert!(
                    part.contains("https://iap.example.org/api/v1/unsubscribe/tok123"),
                    "{kind:?}"
                );
                assert!(part.contains("Joana"), "{kind:?}");
            }
            assert!(out.html.starts_with("<!doctype html>"), "{kind:?}");
        }
    }

    #[test]
    fn stage_submitted_says_it_needs_your_action() {
        let out = templates()
            .render(&sample(EmailContent::StageSubmitted(stage(None))))
            .unwrap();
        assert_eq!(
            out.subject,
            "Needs your action: Reggio Emilia submitted \"Activation: vision and objectives\""
        );
        assert!(out.text.contains("due on Friday 13 March 2026"));
    }

    #[test]
    fn returned_stage_carries_the_note() {
        let out = templates()
            .render(&sample(EmailContent::StageReturned(stage(Some(
                "Please add measurable targets.",
            )))))
            .unwrap();
        assert!(out.text.contains("Please add measurable targets."));
        assert!(out.html.contains("Please add measurable targets."));
    }

    #[test]
    fn html_part_escapes_user_text_but_text_part_keeps_it() {
        let out = templates()
            .render(&sample(EmailContent::Mention(comment())))
            .unwrap();
        assert!(out.html.contains("&lt;b&gt;thanks&lt;/b&gt;"));
        assert!(!out.html.contains("<b>thanks"));
        assert!(out.text.contains("<b>thanks</b>"));
    }

    #[test]
    fn unknown_language_falls_back_to_english() {
        let mut email = sample(EmailContent::Mention(comment()));
        email.lang = "pt-PT".into();
        let out = templates().render(&email).unwrap();
        assert_eq!(out.lang, "en");
        assert_eq!(
            out.subject,
            "Ana Silva mentioned you in Vision and objectives (Óbidos)"
        );
    }

    #[test]
    fn a_newline_in_a_name_never_reaches_the_subject() {
        let mut c = comment();
        c.actor_name = "Ana\r\nBcc: evil@example.org".into();
        let out = templates()
            .render(&sample(EmailContent::Mention(c)))
            .unwrap();
        assert!(!out.subject.contains('\n') && !out.subject.contains('\r'));
    }

    #[test]
    fn digest_lists_needs_your_action_with_absolute_links() {
        let content = all_samples().pop().unwrap();
        let out = templates().render(&sample(content)).unwrap();
        assert_eq!(
            out.subject,
            "Your iap-studio digest: 1 update, 1 needs your action"
        );
        assert!(out.text.contains("NEEDS YOUR ACTION"));
        assert!(
            out.text
                .contains("https://iap.example.org/plans/p1/sections/s5#comment-c9")
        );
        assert!(out.html.contains("Needs your action"));
    }

    #[test]
    #[ignore = "prints every email for reading"]
    fn preview() {
        for content in all_samples() {
            let out = templates().render(&sample(content)).unwrap();
            println!("=== {}\n{}\n---\n{}", out.subject, out.text, out.html);
        }
    }

    #[test]
    fn no_name_greets_with_hello() {
        let mut email = sample(EmailContent::PasswordReset(PasswordResetEmail {
            valid_minutes: 30,
        }));
        email.recipient_name = None;
        let out = templates().render(&email).unwrap();
        assert!(out.text.starts_with("Hello,"));
    }
}
