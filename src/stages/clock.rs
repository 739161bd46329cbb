//! The clock (DESIGN §3): a background task that moves every stage's phase
//! (upcoming / current / overdue / done) with the calendar and queues deadline
//! reminders 7 days and 1 day before a due date, once each. With several
//! instances on PostgreSQL only one ticks at a time (advisory lock).
use std::{collections::HashMap, time::Duration};

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Set,
    Statement,
};
use serde_json::json;
use uuid::Uuid;

use super::{timeline, transitions, views::phase_of};
use crate::{
    app::AppState,
    database,
    entities::{city, network, plan, stage, stage_reminder},
    error::AppResult,
    realtime::Event,
};

/// Arbitrary but fixed: the advisory lock that makes one instance the ticker.
const CLOCK_LOCK: i64 = 0x1a9_5747_0001;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct TickReport {
    pub phases_changed: usize,
    pub reminders_queued: usize,
}

/// One run of the clock at `state.time`'s today.
pub async fn tick(state: &AppState) -> AppResult<TickReport> {
    let today = state.time.today();
    let txn = database::begin_write(&state.db).await?;
    if database::is_postgres(&txn) {
        let row = txn
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                format!("SELECT pg_try_advisory_xact_lock({CLOCK_LOCK}) AS locked"),
            ))
            .await?;
        let locked = row
            .map(|r| r.try_get::<bool>("", "locked"))
            .transpose()?
            .unwrap_or(false);
        if !locked {
            return Ok(TickReport::default());
        }
    }
    let stages = stage::Entity::find().all(&txn).await?;
    let plans: HashMap<Uuid, plan::Model> = plan::Entity::find()
        .all(&txn)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let cities: HashMap<Uuid, city::Model> = city::Entity::find()
        .all(&txn)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let networks: HashMap<Uuid, network::Model> = network::Entity::find()
        .all(&txn)
        .await?
        .into_iter()
        .map(|n| (n.id, n))
        .collect();
    let mut report = TickReport::default();
    let mut events = Vec::new();
    for s in &stages {
        let Some(c) = plans.get(&s.plan_id).and_then(|p| cities.get(&p.city_id)) else {
            continue;
        };
        let Some(n) = networks.get(&c.network_id) else {
            continue;
        };
        let phase = phase_of(s, n.starts_on, today);
        if phase.as_str() != s.phase {
            let mut active: stage::ActiveModel = s.clone().into();
            active.phase = Set(phase.as_str().to_owned());
            active.update(&txn).await?;
            report.phases_changed += 1;
            events.push(Event::new(
                "stage.changed",
                Some(n.id),
                Some(c.id),
                json!({ "plan_id": s.plan_id, "stage_id": s.id, "key": s.key,
                        "phase": phase.as_str(), "previous_phase": s.phase }),
            ));
        }
        let (_, due_on) = transitions::dates(s, n.starts_on);
        if let Some(reminder) =
            timeline::reminder_due(s.id, transitions::status_of(s), today, due_on)
        {
            let queued = stage_reminder::Entity::find()
                .filter(stage_reminder::Column::DedupeKey.eq(&reminder.dedupe_key))
                .one(&txn)
                .await?
                .is_some();
            if !queued {
                stage_reminder::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    stage_id: Set(s.id),
                    dedupe_key: Set(reminder.dedupe_key.clone()),
                    days_before: Set(reminder.days_before as i32),
                    due_on: Set(due_on),
                    queued_at: Set(Utc::now()),
                }
                .insert(&txn)
                .await?;
                report.reminders_queued += 1;
                if let Some(p) = plans.get(&s.plan_id) {
                    let ctx = transitions::StageContext {
                        stage: s.clone(),
                        plan: p.clone(),
                        city: c.clone(),
                        network: n.clone(),
                        stages: Vec::new(),
                    };
                    let missing = transitions::checks(&txn, p, s)
                        .await?
                        .into_iter()
                        .filter(|check| !check.ok)
                        .map(|check| check.message)
                        .collect();
                    let days_left = (due_on - today).num_days();
                    events.extend(
                        super::notices::deadline(
                            &txn,
                            &ctx,
                            due_on,
                            days_left,
                            missing,
                            &reminder.dedupe_key,
                        )
                        .await?,
                    );
                }
            }
        }
    }
    txn.commit().await?;
    for event in events {
        state.hub.publish(event);
    }
    Ok(report)
}

/// Stops the clock task when dropped, so the clock never outlives its server.
pub struct ClockGuard(tokio::task::JoinHandle<()>);

impl Drop for ClockGuard {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs the clock every `every` (first after one interval) while the guard lives.
pub fn spawn(state: AppState, every: Duration) -> ClockGuard {
    ClockGuard(tokio::spawn(async move {
        let mut interval = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            if let Err(err) = tick(&state).await {
                tracing::warn!(error = %err, "stage clock tick failed");
            }
        }
    }))
}
