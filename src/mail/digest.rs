//! The daily digest: what a user missed, grouped the way they think about it (by plan, then by
//! section), with what needs their action on top, sent at a set local hour.

use std::collections::BTreeMap;

use chrono::{DateTime, Days, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One pending notification for the digest, as loaded from the outbox.
#[derive(Debug, Clone)]
pub struct DigestItem {
    pub plan_id: Uuid,
    /// e.g. "Óbidos"; plans are listed by city.
    pub city_name: String,
    /// `None` for plan-level items (stages, members).
    pub section: Option<SectionRef>,
    /// True when the recipient is asked to do something (approve a stage, answer a mention).
    pub needs_action: bool,
    /// One line, already in the users' words: "Ana mentioned you: “can you add the 2023 figures?”".
    pub summary: String,
    /// App path to the exact place, e.g. `/plans/{id}/sections/{id}#comment-{id}`.
    pub path: String,
    pub at: DateTime<Utc>,
}

/// Where a section sits in its plan, so groups follow the plan's own order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionRef {
    pub position: i32,
    pub title: String,
}

/// The grouped digest handed to the `daily_digest` template.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Digest {
    pub needs_action: Vec<PlanGroup>,
    pub updates: Vec<PlanGroup>,
    pub needs_action_count: usize,
    pub total_count: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PlanGroup {
    pub plan_id: Uuid,
    pub city_name: String,
    pub sections: Vec<SectionGroup>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SectionGroup {
    /// `None` for plan-level items, which come before the sections.
    pub title: Option<String>,
    pub items: Vec<DigestLine>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DigestLine {
    pub summary: String,
    pub path: String,
    /// Local time in the recipient's zone, e.g. "Tue 3 Mar, 14:05".
    pub at_local: String,
}

impl Digest {
    /// Groups one user's items: "needs your action" first, then everything else; inside each,
    /// plans by city name, plan-level items before sections, sections in plan order, items oldest
    /// first.
    pub fn group(items: Vec<DigestItem>, tz: Tz) -> Self {
        let total_count = items.len();
        let (action, rest): (Vec<_>, Vec<_>) = items.into_iter().partition(|i| i.needs_action);
        let needs_action_count = action.len();
        Self {
            needs_action: group_by_plan(action, tz),
            updates: group_by_plan(rest, tz),
            needs_action_count,
            total_count,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.total_count == 0
    }
}

fn group_by_plan(items: Vec<DigestItem>, tz: Tz) -> Vec<PlanGroup> {
    // Keyed by (city, plan) so two plans of cities with the same name stay apart.
    type SectionKey = Option<(i32, String)>;
    let mut plans: BTreeMap<(String, Uuid), BTreeMap<SectionKey, Vec<DigestItem>>> =
        BTreeMap::new();
    for item in items {
        let section_key = item.section.as_ref().map(|s| (s.position, s.title.clone()));
        plans
            .entry((item.city_name.clone(), item.plan_id))
            .or_default()
            .entry(section_key)
            .or_default()
            .push(item);
    }
    plans
        .into_iter()
        .map(|((city_name, plan_id), sections)| PlanGroup {
            plan_id,
            city_name,
            sections: sections
                .into_iter()
                .map(|(key, mut items)| {
                    items.sort_by_key(|i| i.at);
                    SectionGroup {
                        title: key.map(|(_, title)| title),
                        items: items.iter().map(|i| line(i, tz)).collect(),
                    }
                })
                .collect(),
        })
        .collect()
}

fn line(item: &DigestItem, tz: Tz) -> DigestLine {
    DigestLine {
        summary: item.summary.clone(),
        path: item.path.clone(),
        at_local: item
            .at
            .with_timezone(&tz)
            .format("%a %-d %b, %H:%M")
            .to_string(),
    }
}

/// An hour of the day, 0..=23, in the recipient's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalHour(u32);

#[derive(Debug, thiserror::Error)]
#[error("digest hour must be between 0 and 23, got {0}")]
pub struct InvalidHour(pub u32);

impl LocalHour {
    pub fn new(hour: u32) -> Result<Self, InvalidHour> {
        if hour < 24 {
            Ok(Self(hour))
        } else {
            Err(InvalidHour(hour))
        }
    }
}

/// The first digest time strictly after `now`: `hour:00` local time in `tz`.
///
/// DST-safe: when the hour does not exist that day (clocks jump forward) the digest goes at the
/// end of the gap; when it happens twice (clocks fall back) only the first one counts, so a user
/// never gets two digests in one night nor skips a day.
pub fn next_digest_at(now: DateTime<Utc>, tz: Tz, hour: LocalHour) -> DateTime<Utc> {
    let today = now.with_timezone(&tz).date_naive();
    let mut day = today;
    // Two days always suffice; the bound only keeps the loop obviously finite.
    for _ in 0..3 {
        let at = local_instant(tz, day, hour);
        if at > now {
            return at;
        }
        day = day.checked_add_days(Days::new(1)).unwrap_or(day);
    }
    now + chrono::Duration::days(1)
}

fn local_instant(tz: Tz, day: NaiveDate, hour: LocalHour) -> DateTime<Utc> {
    let mut local = day.and_time(NaiveTime::MIN) + chrono::Duration::hours(i64::from(hour.0));
    // Step through a DST gap in quarter hours (gaps are 30 or 60 minutes in practice).
    for _ in 0..12 {
        match tz.from_local_datetime(&local) {
            LocalResult::Single(t) => return t.with_timezone(&Utc),
            LocalResult::Ambiguous(first, _) => return first.with_timezone(&Utc),
            LocalResult::None => local += chrono::Duration::minutes(15),
        }
    }
    Utc.from_utc_datetime(&local)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::{Helsinki, Lisbon, Rome};

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn item(
        city: &str,
        plan: u128,
        section: Option<(i32, &str)>,
        action: bool,
        at: &str,
    ) -> DigestItem {
        DigestItem {
            plan_id: Uuid::from_u128(plan),
            city_name: city.into(),
            section: section.map(|(position, title)| SectionRef {
                position,
                title: title.into(),
            }),
            needs_action: action,
            summary: format!("{city} {section:?} {at}"),
            path: "/x".into(),
            at: utc(at),
        }
    }

    #[test]
    fn needs_action_comes_first_then_plans_by_city_then_sections_in_plan_order() {
        let items = vec![
            item(
                "Óbidos",
                1,
                Some((5, "Vision and objectives")),
                false,
                "2026-03-03T10:00:00Z",
            ),
            item(
                "Mizil",
                2,
                Some((2, "Context and baseline")),
                false,
                "2026-03-03T09:00:00Z",
            ),
            item(
                "Óbidos",
                1,
                Some((1, "Executive summary")),
                false,
                "2026-03-03T11:00:00Z",
            ),
            item("Óbidos", 1, None, true, "2026-03-03T08:00:00Z"),
            item(
                "Óbidos",
                1,
                Some((5, "Vision and objectives")),
                false,
                "2026-03-03T07:00:00Z",
            ),
        ];

        let digest = Digest::group(items, Lisbon);

        assert_eq!(digest.needs_action_count, 1);
        assert_eq!(digest.total_count, 5);
        assert_eq!(digest.needs_action.len(), 1);
        assert_eq!(digest.needs_action[0].sections[0].title, None);
        let cities: Vec<_> = digest
            .updates
            .iter()
            .map(|p| p.city_name.as_str())
            .collect();
        assert_eq!(cities, ["Mizil", "Óbidos"]);
        let obidos: Vec<_> = digest.updates[1]
            .sections
            .iter()
            .map(|s| s.title.clone())
            .collect();
        assert_eq!(
            obidos,
            [
                Some("Executive summary".into()),
                Some("Vision and objectives".into())
            ]
        );
        let vision = &digest.updates[1].sections[1].items;
        assert!(
            vision[0].at_local.ends_with("07:00"),
            "oldest first, shown in Lisbon time (UTC+0 in March)"
        );
        assert!(vision[1].at_local.ends_with("10:00"));
    }

    #[test]
    fn times_are_shown_in_the_users_zone() {
        let digest = Digest::group(
            vec![item("Jyväskylä", 3, None, false, "2026-03-03T10:05:00Z")],
            Helsinki,
        );
        assert_eq!(
            digest.updates[0].sections[0].items[0].at_local,
            "Tue 3 Mar, 12:05"
        );
    }

    #[test]
    fn next_digest_is_later_today_or_tomorrow() {
        let eight = LocalHour::new(8).unwrap();
        // 06:00 in Rome (UTC+1 in winter) → today 08:00 local = 07:00 UTC.
        assert_eq!(
            next_digest_at(utc("2026-01-10T05:00:00Z"), Rome, eight),
            utc("2026-01-10T07:00:00Z")
        );
        // exactly 08:00 local → tomorrow, never twice in a day.
        assert_eq!(
            next_digest_at(utc("2026-01-10T07:00:00Z"), Rome, eight),
            utc("2026-01-11T07:00:00Z")
        );
    }

    #[test]
    fn next_digest_follows_summer_time() {
        let eight = LocalHour::new(8).unwrap();
        // Rome switches to UTC+2 on 2026-03-29: 08:00 local is 06:00 UTC that day.
        assert_eq!(
            next_digest_at(utc("2026-03-28T08:00:00Z"), Rome, eight),
            utc("2026-03-29T06:00:00Z")
        );
    }

    #[test]
    fn an_hour_skipped_by_dst_sends_at_the_end_of_the_gap() {
        // In Rome 02:00–03:00 does not exist on 2026-03-29; 03:00 CEST is 01:00 UTC.
        let two = LocalHour::new(2).unwrap();
        assert_eq!(
            next_digest_at(utc("2026-03-28T12:00:00Z"), Rome, two),
            utc("2026-03-29T01:00:00Z")
        );
    }

    #[test]
    fn an_hour_repeated_by_dst_sends_once() {
        // In Rome 02:00–03:00 happens twice on 2026-10-25: first at 00:00 UTC, again at 01:00 UTC.
        let two = LocalHour::new(2).unwrap();
        let first = next_digest_at(utc("2026-10-24T12:00:00Z"), Rome, two);
        assert_eq!(first, utc("2026-10-25T00:00:00Z"));
        let after_first = next_digest_at(first, Rome, two);
        assert_eq!(
            after_first,
            utc("2026-10-26T01:00:00Z"),
            "skips the repeated 02:00, next is tomorrow"
        );
    }

    #[test]
    fn refuses_hours_out_of_range() {
        assert!(LocalHour::new(24).is_err());
        assert!(LocalHour::new(23).is_ok());
    }
}
