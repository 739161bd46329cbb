//! Where mail goes: an SMTP server (`SMTP_URL`) or, with none configured, `.eml` files in a folder
//! so development and demos never need a mail server.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use url::Url;

/// Sends messages; cheap to clone (the SMTP pool is shared).
#[derive(Clone)]
pub enum Mailer {
    Smtp(SmtpMailer),
    FileDrop(FileDrop),
}

#[derive(Clone)]
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    /// `SMTP_URL` with the password replaced, for logs and Debug.
    redacted_url: String,
}

/// Writes each message as `<dir>/<message-id>.eml`.
#[derive(Debug, Clone)]
pub struct FileDrop {
    dir: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum MailerConfigError {
    /// Never includes the URL itself: it may hold a password.
    #[error("SMTP_URL is not valid: {0}")]
    InvalidUrl(String),
}

/// Why a send failed, split the way the outbox worker needs it.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The server refused this message for good (5xx at MAIL/RCPT/DATA): retrying cannot help.
    #[error("mail server rejected the message ({code}): {message}")]
    Permanent { code: u16, message: String },
    /// Anything that may work later: 4xx, connection refused, timeouts, TLS, authentication
    /// (a wrong password is fixed by the admin, not by dropping the mail), disk errors.
    #[error("mail could not be sent now: {message}")]
    Transient { code: Option<u16>, message: String },
}

impl SendError {
    pub fn is_permanent(&self) -> bool {
        matches!(self, Self::Permanent { .. })
    }
}

impl Mailer {
    /// SMTP when `SMTP_URL` is set (and not empty), else a file drop in `drop_dir` (e.g. `data/mail`).
    pub fn from_config(
        smtp_url: Option<&str>,
        drop_dir: impl Into<PathBuf>,
    ) -> Result<Self, MailerConfigError> {
        match smtp_url.map(str::trim).filter(|u| !u.is_empty()) {
            Some(url) => Self::smtp(url),
            None => Ok(Self::file_drop(drop_dir)),
        }
    }

    /// `smtp://user:pass@host:port` uses STARTTLS when the server offers it (port 587 by default);
    /// `?tls=required` insists on it; `?tls=none` never tries (a local catcher such as Mailpit);
    /// `smtps://…` is TLS from the first byte (port 465 by default). User and password are
    /// percent-encoded in the URL.
    pub fn smtp(smtp_url: &str) -> Result<Self, MailerConfigError> {
        let url = normalize_smtp_url(smtp_url)?;
        let builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.as_str())
            .map_err(|e| MailerConfigError::InvalidUrl(e.to_string()))?;
        let transport = builder
            .timeout(Some(Duration::from_secs(30)))
            .pool_config(
                PoolConfig::new()
                    .max_size(4)
                    .idle_timeout(Duration::from_secs(60)),
            )
            .build();
        Ok(Self::Smtp(SmtpMailer {
            transport,
            redacted_url: redact(&url),
        }))
    }

    pub fn file_drop(dir: impl Into<PathBuf>) -> Self {
        Self::FileDrop(FileDrop { dir: dir.into() })
    }

    pub async fn send(&self, message: &Message) -> Result<(), SendError> {
        match self {
            Self::Smtp(smtp) => smtp.send(message).await,
            Self::FileDrop(drop) => drop.write(message).await.map(|_| ()),
        }
    }
}

impl SmtpMailer {
    async fn send(&self, message: &Message) -> Result<(), SendError> {
        self.transport
            .send_raw(message.envelope(), &message.formatted())
            .await
            .map(|_| ())
            .map_err(classify)
    }
}

impl FileDrop {
    /// Writes the message and returns its path. Written to a temporary name then renamed, so a
    /// reader never sees half a file; the same Message-ID overwrites, like a resend would.
    pub async fn write(&self, message: &Message) -> Result<PathBuf, SendError> {
        tokio::fs::create_dir_all(&self.dir)
            .await
            .map_err(io_error)?;
        let name = message
            .headers()
            .get_raw("Message-ID")
            .map(file_stem)
            .unwrap_or_else(|| chrono::Utc::now().format("%Y%m%dT%H%M%S%.6fZ").to_string());
        let path = self.dir.join(format!("{name}.eml"));
        let tmp = self.dir.join(format!(".{name}.eml.tmp"));
        tokio::fs::write(&tmp, message.formatted())
            .await
            .map_err(io_error)?;
        tokio::fs::rename(&tmp, &path).await.map_err(io_error)?;
        let to: Vec<String> = message
            .envelope()
            .to()
            .iter()
            .map(ToString::to_string)
            .collect();
        tracing::info!(
            path = %path.display(),
            to = ?to,
            subject = message.headers().get_raw("Subject").unwrap_or_default(),
            "no SMTP_URL configured: mail written to a file"
        );
        Ok(path)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl fmt::Debug for Mailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Smtp(smtp) => smtp.fmt(f),
            Self::FileDrop(drop) => drop.fmt(f),
        }
    }
}

impl fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpMailer")
            .field("url", &self.redacted_url)
            .finish_non_exhaustive()
    }
}

fn normalize_smtp_url(raw: &str) -> Result<Url, MailerConfigError> {
    let mut url = Url::parse(raw).map_err(|e| MailerConfigError::InvalidUrl(e.to_string()))?;
    if url.host_str().is_none_or(str::is_empty) {
        return Err(MailerConfigError::InvalidUrl("no host".into()));
    }
    match url.scheme() {
        "smtps" => {}
        "smtp" => {
            let tls = url
                .query_pairs()
                .find(|(k, _)| k == "tls")
                .map(|(_, v)| v.into_owned());
            let others: Vec<(String, String)> = url
                .query_pairs()
                .filter(|(k, _)| k != "tls")
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            let tls = match tls.as_deref() {
                // lettre's `smtp://` alone means plain text; we want STARTTLS whenever offered.
                None | Some("opportunistic") => Some("opportunistic"),
                Some("required") => Some("required"),
                Some("none") => None,
                Some(other) => {
                    return Err(MailerConfigError::InvalidUrl(format!(
                        "tls={other} (use opportunistic, required or none)"
                    )));
                }
            };
            url.set_query(None);
            if tls.is_some() || !others.is_empty() {
                let mut pairs = url.query_pairs_mut();
                for (k, v) in &others {
                    pairs.append_pair(k, v);
                }
                if let Some(tls) = tls {
                    pairs.append_pair("tls", tls);
                }
            }
        }
        other => {
            return Err(MailerConfigError::InvalidUrl(format!(
                "scheme {other}: (use smtp:// or smtps://)"
            )));
        }
    }
    Ok(url)
}

fn redact(url: &Url) -> String {
    let mut shown = url.clone();
    if shown.password().is_some() {
        // Cannot fail: the URL already has a host, which is what set_password needs.
        let _ = shown.set_password(Some("***"));
    }
    shown.to_string()
}

fn classify(err: lettre::transport::smtp::Error) -> SendError {
    let code = err.status().map(u16::from);
    let message = err.to_string();
    match code {
        // 530/534/535/538: authentication problems are the server's config, not this message.
        Some(code) if err.is_permanent() && !matches!(code, 530 | 534 | 535 | 538) => {
            SendError::Permanent { code, message }
        }
        _ => SendError::Transient { code, message },
    }
}

fn io_error(err: std::io::Error) -> SendError {
    SendError::Transient {
        code: None,
        message: format!("cannot write mail file: {err}"),
    }
}

/// `<2c6e…@iap.example.org>` → `2c6e…@iap.example.org`, keeping only file-name-safe characters.
fn file_stem(message_id: &str) -> String {
    message_id
        .trim_matches(['<', '>', ' '])
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '@' | '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_smtp_url_gets_opportunistic_starttls() {
        let url = normalize_smtp_url("smtp://mail.example.org").unwrap();
        assert_eq!(url.as_str(), "smtp://mail.example.org?tls=opportunistic");
        let url = normalize_smtp_url("smtp://localhost:1025?tls=none").unwrap();
        assert_eq!(url.as_str(), "smtp://localhost:1025");
        let url = normalize_smtp_url("smtp://mail.example.org:587?tls=required").unwrap();
        assert_eq!(url.query(), Some("tls=required"));
        let url = normalize_smtp_url("smtps://mail.example.org").unwrap();
        assert_eq!(url.as_str(), "smtps://mail.example.org");
    }

    #[test]
    fn refuses_other_schemes_and_tls_modes() {
        assert!(normalize_smtp_url("http://mail.example.org").is_err());
        assert!(normalize_smtp_url("smtp://mail.example.org?tls=maybe").is_err());
        assert!(normalize_smtp_url("not a url").is_err());
    }

    #[tokio::test]
    async fn debug_never_shows_the_smtp_password() {
        let mailer =
            Mailer::smtp("smtps://iap%40example.org:s3cr%2Fet@mail.example.org:465").unwrap();
        let shown = format!("{mailer:?}");
        assert!(!shown.contains("s3cr"), "{shown}");
        assert!(
            shown.contains("***") && shown.contains("mail.example.org"),
            "{shown}"
        );
    }

    #[test]
    fn no_smtp_url_means_file_drop() {
        let mailer = Mailer::from_config(Some("  "), "data/mail").unwrap();
        assert!(matches!(mailer, Mailer::FileDrop(ref d) if d.dir() == Path::new("data/mail")));
        assert!(matches!(
            Mailer::from_config(None, "data/mail").unwrap(),
            Mailer::FileDrop(_)
        ));
    }

    #[test]
    fn invalid_url_error_does_not_echo_the_url() {
        let err = Mailer::smtp("ftp://user:hunter2@mail.example.org").unwrap_err();
        assert!(!err.to_string().contains("hunter2"));
    }
}
