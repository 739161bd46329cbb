//! Settings from the environment and matching flags (DESIGN §8).
use std::{fmt, net::SocketAddr, ops::RangeInclusive, path::PathBuf, str::FromStr};

use clap::Args;
use url::Url;

/// A value that must never reach logs: Debug and Display print a placeholder.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Secret(s.to_owned()))
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret(s.to_owned())
    }
}

/// The allowed planning period in months, e.g. `12..=14` or `12-14`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanningMonths(pub RangeInclusive<i32>);

impl FromStr for PlanningMonths {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (lo, hi) = s
            .split_once("..=")
            .or_else(|| s.split_once('-'))
            .unwrap_or((s, s));
        let lo: i32 = lo
            .trim()
            .parse()
            .map_err(|_| format!("bad planning period {s:?}"))?;
        let hi: i32 = hi
            .trim()
            .parse()
            .map_err(|_| format!("bad planning period {s:?}"))?;
        if lo < 1 || hi < lo || hi > 60 {
            return Err(format!(
                "planning period {s:?} must be between 1 and 60 months"
            ));
        }
        Ok(PlanningMonths(lo..=hi))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Clone, Debug, Args)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "IAP_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Database URL: sqlite://… or postgres://…
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://data/iap-studio.db?mode=rwc"
    )]
    pub database_url: Secret,
    /// The URL people reach the service at; used for links in emails and the Origin check.
    #[arg(long, env = "IAP_PUBLIC_URL")]
    pub public_url: Option<Url>,
    /// SMTP server, e.g. smtp://user:pass@host:587 or smtps://host:465. Unset: mail goes to .eml files.
    #[arg(long, env = "SMTP_URL")]
    pub smtp_url: Option<Secret>,
    /// Sender address of notification emails.
    #[arg(
        long,
        env = "IAP_MAIL_FROM",
        default_value = "iap-studio <no-reply@iap-studio.localhost>"
    )]
    pub mail_from: String,
    /// Log filter (tracing EnvFilter syntax).
    #[arg(long, env = "IAP_LOG", default_value = "info")]
    pub log: String,
    #[arg(long, env = "IAP_LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,
    /// Allowed planning period of a network in months.
    #[arg(long, env = "IAP_PLANNING_MONTHS", default_value = "12..=14")]
    pub planning_months: PlanningMonths,
    /// Seconds between runs of the stage clock (phases and deadline reminders).
    #[arg(long, env = "IAP_CLOCK_SECS", default_value_t = 60)]
    pub clock_secs: u64,
    /// Folder for local files (SQLite database, mail drops).
    #[arg(long, env = "IAP_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// Grace delay before an email leaves, so an undone change (a deleted comment) sends nothing.
    #[arg(long, env = "IAP_MAIL_DELAY_SECS", default_value = "60")]
    pub mail_delay_secs: f64,
    /// First retry delay of a failed email, in milliseconds; doubles up to 10 minutes.
    #[arg(long, env = "IAP_MAIL_RETRY_BASE_MS", default_value = "5000")]
    pub mail_retry_base_ms: u64,
    /// Milliseconds between pings on live sockets; a peer heard nothing from for three of them
    /// is taken for gone and closed.
    #[arg(long, env = "IAP_HEARTBEAT_MS", default_value_t = 15_000)]
    pub heartbeat_ms: u64,
}

impl Config {
    /// Settings for tests and tools: defaults everywhere but the database.
    pub fn for_database(database_url: &str) -> Self {
        Config {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            database_url: Secret::from(database_url),
            public_url: None,
            smtp_url: None,
            mail_from: "iap-studio <no-reply@iap-studio.localhost>".into(),
            log: "info".into(),
            log_format: LogFormat::Text,
            planning_months: PlanningMonths(12..=14),
            clock_secs: 60,
            data_dir: PathBuf::from("data"),
            mail_delay_secs: 60.0,
            mail_retry_base_ms: 5000,
            heartbeat_ms: 15_000,
        }
    }

    pub fn mail_delay(&self) -> std::time::Duration {
        std::time::Duration::try_from_secs_f64(self.mail_delay_secs).unwrap_or_default()
    }

    /// How often live sockets are pinged.
    pub fn heartbeat(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.heartbeat_ms.max(1))
    }

    /// How long a live socket may stay silent before it is closed: three missed pings.
    pub fn silent_limit(&self) -> std::time::Duration {
        3 * self.heartbeat()
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.expose().starts_with("sqlite:")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn planning_months_parse_both_spellings() {
        assert_eq!("12..=14".parse::<PlanningMonths>().unwrap().0, 12..=14);
        assert_eq!("6-8".parse::<PlanningMonths>().unwrap().0, 6..=8);
        assert_eq!("13".parse::<PlanningMonths>().unwrap().0, 13..=13);
        assert!("14..=12".parse::<PlanningMonths>().is_err());
    }

    #[test]
    fn secrets_never_print() {
        let config = Config::for_database("postgres://iap:hunter2@db/iap");
        assert!(!format!("{config:?}").contains("hunter2"));
    }
}
