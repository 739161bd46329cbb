//! Where "now" comes from: the system clock in production, a settable one in
//! tests, so phases and reminders can be checked on any date.
use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, Utc};

pub trait TimeSource: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
    fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }
}

pub struct SystemTime;

impl TimeSource for SystemTime {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that only moves when told to.
#[derive(Clone)]
pub struct FixedTime(Arc<Mutex<DateTime<Utc>>>);

impl FixedTime {
    pub fn at(now: DateTime<Utc>) -> Self {
        FixedTime(Arc::new(Mutex::new(now)))
    }

    pub fn set(&self, now: DateTime<Utc>) {
        if let Ok(mut guard) = self.0.lock() {
            *guard = now;
        }
    }
}

impl TimeSource for FixedTime {
    fn now(&self) -> DateTime<Utc> {
        self.0.lock().map(|g| *g).unwrap_or_else(|_| Utc::now())
    }
}
