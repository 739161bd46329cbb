//! The outbox worker: every tick it queues the daily digests that are due,
//! claims due emails, renders them in the recipient's language and sends
//! them over SMTP (or to .eml files), retrying with backoff. Started from
//! `Application::run_until`; several instances may run on one PostgreSQL
//! database (see [`super::outbox`]).
use std::time::Duration;

use anyhow::Context;
use chrono::Utc;
use lettre::message::Mailbox;
use rand::Rng;

use super::{digest, outbox};
use crate::{
    app::AppState,
    entities::email_outbox,
    mail::{
        backoff::{Retry, RetryPolicy},
        email::{Email, EmailContent},
        links::PublicUrl,
        message::{MessageFactory, Outgoing, Threading},
        templates::Templates,
        transport::Mailer,
    },
};

/// How often the worker looks for due emails (a cheap read when idle).
pub const POLL: Duration = Duration::from_millis(250);

pub struct Worker {
    state: AppState,
    templates: Templates,
    factory: MessageFactory,
    mailer: Mailer,
    policy: RetryPolicy,
}

impl Worker {
    /// Fails fast on a bad `SMTP_URL`, `IAP_MAIL_FROM` or template.
    pub fn new(state: AppState) -> anyhow::Result<Self> {
        let public_url = PublicUrl::parse(state.public_url.as_str())?;
        let templates = Templates::new(public_url)?;
        let factory = MessageFactory::new(&state.config.mail_from)?;
        let mailer = Mailer::from_config(
            state.config.smtp_url.as_ref().map(|s| s.expose()),
            state.config.data_dir.join("mail"),
        )?;
        let policy = RetryPolicy {
            base: Duration::from_millis(state.config.mail_retry_base_ms.max(1)),
            ..RetryPolicy::default()
        };
        tracing::info!(mailer = ?mailer, "mail worker ready");
        Ok(Worker {
            state,
            templates,
            factory,
            mailer,
            policy,
        })
    }

    /// Runs until dropped (the server's shutdown drops it).
    pub async fn run(self) {
        let mut tick = tokio::time::interval(POLL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(err) = self.round().await {
                tracing::warn!(error = ?err, "mail worker round failed");
            }
        }
    }

    /// One round: queue due digests, then send every due email.
    pub async fn round(&self) -> anyhow::Result<()> {
        digest::run_due(&self.state.db, Utc::now())
            .await
            .context("queueing digests")?;
        loop {
            let claimed = outbox::claim(&self.state.db, self.state.config.mail_delay(), Utc::now())
                .await
                .context("claiming emails")?;
            if claimed.is_empty() {
                return Ok(());
            }
            for row in claimed {
                self.deliver(row).await?;
            }
        }
    }

    async fn deliver(&self, row: email_outbox::Model) -> anyhow::Result<()> {
        let db = &self.state.db;
        let message = match self.build(&row) {
            Ok(message) => message,
            Err(err) => {
                // A broken row never gets better by retrying.
                tracing::error!(id = %row.id, error = ?err, "cannot build an email");
                outbox::mark_failed(db, &row, &format!("{err:#}"), None).await?;
                return Ok(());
            }
        };
        match self.mailer.send(&message).await {
            Ok(()) => {
                tracing::info!(id = %row.id, kind = %row.kind, "email sent");
                outbox::mark_sent(db, &row).await?;
            }
            Err(err) => {
                let failures = u32::try_from(row.attempts).unwrap_or(u32::MAX);
                let retry = if err.is_permanent() {
                    Retry::GiveUp
                } else {
                    self.policy
                        .after_failure(failures, rand::rng().random::<f64>())
                };
                let retry_at = match retry {
                    Retry::After(delay) => {
                        Some(Utc::now() + chrono::Duration::from_std(delay).unwrap_or_default())
                    }
                    Retry::GiveUp => None,
                };
                tracing::warn!(id = %row.id, attempts = row.attempts, retry_at = ?retry_at, error = %err, "email not sent");
                outbox::mark_failed(db, &row, &err.to_string(), retry_at).await?;
            }
        }
        Ok(())
    }

    fn build(&self, row: &email_outbox::Model) -> anyhow::Result<lettre::Message> {
        let content: EmailContent =
            serde_json::from_value(row.content.clone()).context("reading the stored email")?;
        let rendered = self.templates.render(&Email {
            lang: row.lang.clone(),
            recipient_name: row.to_name.clone(),
            path: row.path.clone(),
            unsubscribe_token: row.unsubscribe_token.clone(),
            content,
        })?;
        let to = Mailbox::new(row.to_name.clone(), row.to_address.parse()?).to_string();
        let threading = row
            .thread_key
            .as_deref()
            .map(|key| Threading::reply_to_root(self.factory.message_id(key)))
            .unwrap_or_default();
        Ok(self.factory.build(&Outgoing {
            to: &to,
            email: &rendered,
            message_id: self.factory.message_id(&row.dedupe_key),
            threading,
        })?)
    }
}
