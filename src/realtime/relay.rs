//! Scale-out: how instances hear each other's document updates and events.
//!
//! With SQLite there is one instance and [`InProcess`] does nothing. With
//! PostgreSQL, [`Postgres`] sends `NOTIFY` with ids only (the update rows are
//! written in the transaction that notifies, events are stored in
//! `relayed_events`), and one dedicated `LISTEN` connection per instance loads
//! what the ids name. After that connection drops, it reconnects and
//! resynchronises every open room and the events it may have missed.
use std::{
    sync::{
        Arc,
        atomic::{AtomicI64, Ordering},
    },
    time::Duration,
};

use chrono::Utc;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Statement,
    sea_query::Query, sqlx::postgres::PgListener,
};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use uuid::Uuid;

use super::{Event, collab};
use crate::{app::AppState, database, entities::relayed_event, error::AppResult, sections::store};

pub const COLLAB_CHANNEL: &str = "iap_collab";
pub const EVENTS_CHANNEL: &str = "iap_events";
/// Stored events older than this are deleted (a relay outage longer than that refetches).
const KEEP_EVENTS: chrono::TimeDelta = chrono::TimeDelta::minutes(10);

/// The one interface the rest of the app uses, whatever the database.
pub trait Relay: Send + Sync {
    /// Hands an event to the other instances (this one delivers it itself).
    fn publish_event(&self, event: &Event);
    /// Where the live persister's statement sends its `NOTIFY` naming the
    /// update rows it wrote (payload: a [`CollabNotice`]); `None` when there
    /// is nobody to tell.
    fn collab_notify(&self) -> Option<store::Notify>;
}

/// One instance (SQLite): the hub's in-process fan-out is all there is.
pub struct InProcess;

impl Relay for InProcess {
    fn publish_event(&self, _event: &Event) {}
    fn collab_notify(&self) -> Option<store::Notify> {
        None
    }
}

/// The payload of a collab `NOTIFY`, as `store::LiveLog::append` builds it in SQL.
#[derive(Serialize, Deserialize)]
struct CollabNotice {
    /// The instance that wrote (it already broadcast to its own sockets).
    i: Uuid,
    /// (section, first id, last id) written in one transaction.
    u: Vec<(Uuid, i64, i64)>,
}

#[derive(Serialize, Deserialize)]
struct EventsNotice {
    i: Uuid,
    ids: Vec<i64>,
}

#[derive(Serialize, Deserialize)]
struct StoredEvent {
    instance: Uuid,
    event: Event,
}

pub struct Postgres {
    instance: Uuid,
    events: mpsc::UnboundedSender<Event>,
}

impl Relay for Postgres {
    fn publish_event(&self, event: &Event) {
        let _ = self.events.send(event.clone());
    }

    fn collab_notify(&self) -> Option<store::Notify> {
        Some(store::Notify {
            channel: COLLAB_CHANNEL,
            instance: self.instance,
        })
    }
}

/// Starts the live machinery: the persister, the collab sockets' heartbeat,
/// the relay for this database, and the sweeper of idle rooms.
pub fn start(state: &crate::AppState) {
    tokio::spawn(collab::run_persister(state.clone()));
    tokio::spawn(collab::run_heartbeat(state.clone()));
    if database::is_postgres(&state.db) {
        let (tx, rx) = mpsc::unbounded_channel();
        state.hub.set_relay(Arc::new(Postgres {
            instance: state.hub.instance(),
            events: tx,
        }));
        tokio::spawn(store_events(state.clone(), rx));
        tokio::spawn(listen(state.clone()));
    } else {
        state.hub.set_relay(Arc::new(InProcess));
    }
    tokio::spawn(sweep(state.clone()));
}

async fn sweep(state: AppState) {
    let mut tick = tokio::time::interval(Duration::from_secs(5));
    let mut rounds = 0u32;
    loop {
        tick.tick().await;
        state.hub.collab().sweep(collab::IDLE_ROOM);
        rounds = rounds.wrapping_add(1);
        if rounds.is_multiple_of(60) && database::is_postgres(&state.db) {
            let _ = relayed_event::Entity::delete_many()
                .filter(relayed_event::Column::CreatedAt.lt(Utc::now() - KEEP_EVENTS))
                .exec(&state.db)
                .await;
        }
    }
}

/// Stores published events and notifies their ids, in batches.
async fn store_events(state: AppState, mut rx: mpsc::UnboundedReceiver<Event>) {
    let mut batch = Vec::new();
    while rx.recv_many(&mut batch, 512).await > 0 {
        if let Err(e) = store_batch(&state, std::mem::take(&mut batch)).await {
            tracing::warn!(error = %e, "relaying events failed");
        }
    }
}

async fn store_batch(state: &AppState, events: Vec<Event>) -> AppResult<()> {
    let instance = state.hub.instance();
    let now = Utc::now();
    let mut insert = Query::insert();
    insert
        .into_table("relayed_events")
        .columns(["body", "created_at"]);
    for event in events {
        let body = serde_json::to_value(StoredEvent { instance, event })
            .map_err(|e| anyhow::anyhow!(e))?;
        insert
            .values([body.into(), now.into()])
            .map_err(|e| anyhow::anyhow!(e))?;
    }
    insert.returning_col("id");
    let txn = database::begin_write(&state.db).await?;
    let ids = txn
        .query_all(&insert)
        .await?
        .iter()
        .map(|r| r.try_get::<i64>("", "id"))
        .collect::<Result<Vec<_>, _>>()?;
    for chunk in ids.chunks(500) {
        let payload = serde_json::to_string(&EventsNotice {
            i: instance,
            ids: chunk.to_vec(),
        })
        .map_err(|e| anyhow::anyhow!(e))?;
        txn.execute_raw(Statement::from_sql_and_values(
            txn.get_database_backend(),
            "SELECT pg_notify($1, $2)",
            [EVENTS_CHANNEL.into(), payload.into()],
        ))
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// The dedicated LISTEN connection: reconnects after a drop and then
/// resynchronises open rooms and missed events. It also catches up after the
/// first LISTEN: events stored between this instance's start and its LISTEN
/// taking effect would otherwise be missed.
async fn listen(state: AppState) {
    let last_event = AtomicI64::new(latest_event_id(&state).await);
    loop {
        let pool = state.db.get_postgres_connection_pool();
        let mut listener = match PgListener::connect_with(pool).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "relay: cannot connect to LISTEN; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if let Err(e) = listener.listen_all([COLLAB_CHANNEL, EVENTS_CHANNEL]).await {
            tracing::warn!(error = %e, "relay: LISTEN failed; retrying");
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        resync(&state, &last_event).await;
        // `Ok(None)` or an error: the connection dropped; the next round
        // reconnects and resyncs.
        while let Ok(Some(n)) = listener.try_recv().await {
            match n.channel() {
                COLLAB_CHANNEL => on_collab(&state, n.payload()).await,
                EVENTS_CHANNEL => on_events(&state, n.payload(), &last_event).await,
                _ => {}
            }
        }
        tracing::warn!("relay: LISTEN connection lost; reconnecting");
    }
}

async fn on_collab(state: &AppState, payload: &str) {
    let Ok(notice) = serde_json::from_str::<CollabNotice>(payload) else {
        return;
    };
    if notice.i == state.hub.instance() {
        return;
    }
    for (section, from, to) in notice.u {
        collab::apply_relayed(state, section, from, to).await;
    }
}

async fn on_events(state: &AppState, payload: &str, last: &AtomicI64) {
    let Ok(notice) = serde_json::from_str::<EventsNotice>(payload) else {
        return;
    };
    if let Some(max) = notice.ids.iter().max() {
        last.fetch_max(*max, Ordering::Relaxed);
    }
    if notice.i == state.hub.instance() {
        return;
    }
    match relayed_event::Entity::find()
        .filter(relayed_event::Column::Id.is_in(notice.ids))
        .order_by_asc(relayed_event::Column::Id)
        .all(&state.db)
        .await
    {
        Ok(rows) => deliver(state, rows),
        Err(e) => tracing::warn!(error = %e, "relay: loading events failed"),
    }
}

fn deliver(state: &AppState, rows: Vec<relayed_event::Model>) {
    for row in rows {
        if let Ok(stored) = serde_json::from_value::<StoredEvent>(row.body)
            && stored.instance != state.hub.instance()
        {
            state.hub.deliver_local(stored.event);
        }
    }
}

async fn latest_event_id(state: &AppState) -> i64 {
    relayed_event::Entity::find()
        .order_by_desc(relayed_event::Column::Id)
        .one(&state.db)
        .await
        .ok()
        .flatten()
        .map_or(0, |e| e.id)
}

async fn resync(state: &AppState, last_event: &AtomicI64) {
    for room in state.hub.collab().loaded_rooms() {
        collab::resync(state, &room).await;
    }
    let since = last_event.load(Ordering::Relaxed);
    match relayed_event::Entity::find()
        .filter(relayed_event::Column::Id.gt(since))
        .order_by_asc(relayed_event::Column::Id)
        .all(&state.db)
        .await
    {
        Ok(rows) => {
            if let Some(max) = rows.iter().map(|r| r.id).max() {
                last_event.fetch_max(max, Ordering::Relaxed);
            }
            deliver(state, rows);
        }
        Err(e) => tracing::warn!(error = %e, "relay: event resync failed"),
    }
}
