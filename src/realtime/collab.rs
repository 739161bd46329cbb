//! Live section documents: one [`LiveRoom`] per open section, its sockets,
//! and the persister that makes every accepted update durable before anyone
//! sees it.
//!
//! The write path: a socket's frame is applied to the room's document under
//! the room's mutex (no `.await` inside a yrs transaction), and the resulting
//! update is queued for the persister in that same critical section. The
//! persister takes everything queued (group commit), merges updates of one
//! section into one row, writes them in one transaction, and only then fans
//! them out. Replies that carry document state (sync step 2) travel through
//! the same queue, so they too leave only after what they contain is stored.
use std::{
    collections::{BTreeMap, HashMap},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use axum::body::Bytes;
use tokio::sync::{mpsc, oneshot, watch};
use uuid::Uuid;
use yrs::Transact;

use super::{
    Event, protocol,
    room::{Peer, Room},
};
use crate::{
    app::AppState,
    database,
    error::{AppError, AppResult},
    sections::{document, store},
};

/// Frames queued for one collab socket before it counts as too slow.
pub const SEND_QUEUE: usize = 2048;
/// A room without sockets stays in memory this long.
pub const IDLE_ROOM: Duration = Duration::from_secs(60);
/// Rendering to Markdown/HTML waits this long after an edit, to batch edits.
const RENDER_DELAY: Duration = Duration::from_secs(1);
/// A contributor's `last_at` is refreshed at most this often: upserting every
/// writer of every batch cost more than storing the edits themselves.
const CONTRIBUTOR_REFRESH: Duration = Duration::from_secs(60);
/// Close codes: the client reconnects after these.
pub const CLOSE_TRY_AGAIN: u16 = 1013;
pub const CLOSE_SERVER_ERROR: u16 = 1011;

/// Where a section lives, for events.
#[derive(Clone, Copy, Debug)]
pub struct SectionMeta {
    pub section_id: Uuid,
    pub plan_id: Uuid,
    pub city_id: Uuid,
    pub network_id: Uuid,
}

pub const CLOSE_GOING_AWAY: u16 = 1001;

/// What a collab socket's writer sends.
pub enum Outgoing {
    Frame(Bytes),
    Ping,
}

/// One socket's lifeline: the order to close it (once, with a close code)
/// that both of its halves watch, and when its peer was last heard from.
#[derive(Clone)]
pub struct Lifeline(Arc<LifelineState>);

struct LifelineState {
    close: watch::Sender<Option<u16>>,
    /// Milliseconds since [`clock_start`]: an atomic, as every frame read touches it.
    heard_at: AtomicU64,
}

fn clock_start() -> Instant {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    *START.get_or_init(Instant::now)
}

fn millis_now() -> u64 {
    u64::try_from(clock_start().elapsed().as_millis()).unwrap_or(u64::MAX)
}

impl Lifeline {
    pub fn new() -> Self {
        Lifeline(Arc::new(LifelineState {
            close: watch::channel(None).0,
            heard_at: AtomicU64::new(millis_now()),
        }))
    }

    pub fn close(&self, code: u16) {
        self.0.close.send_if_modified(|current| {
            if current.is_none() {
                *current = Some(code);
                true
            } else {
                false
            }
        });
    }

    pub fn watch(&self) -> watch::Receiver<Option<u16>> {
        self.0.close.subscribe()
    }

    /// The peer sent something (a frame, a pong).
    pub fn heard(&self) {
        self.0.heard_at.store(millis_now(), Ordering::Relaxed);
    }

    pub fn silent_for(&self) -> Duration {
        Duration::from_millis(millis_now().saturating_sub(self.0.heard_at.load(Ordering::Relaxed)))
    }
}

impl Default for Lifeline {
    fn default() -> Self {
        Self::new()
    }
}

/// What the room keeps of one socket.
pub struct ConnHandle {
    pub user_id: Uuid,
    pub name: String,
    tx: mpsc::Sender<Outgoing>,
    lifeline: Lifeline,
}

impl ConnHandle {
    /// The handle and the socket's ends: what to send, and its lifeline.
    pub fn new(user_id: Uuid, name: String) -> (Self, mpsc::Receiver<Outgoing>, Lifeline) {
        let (tx, rx) = mpsc::channel(SEND_QUEUE);
        let lifeline = Lifeline::new();
        (
            ConnHandle {
                user_id,
                name,
                tx,
                lifeline: lifeline.clone(),
            },
            rx,
            lifeline,
        )
    }

    fn send(&self, frame: Bytes) {
        self.queue(Outgoing::Frame(frame));
    }

    /// Queues for the writer; a full queue closes the socket (too slow) instead of waiting.
    fn queue(&self, item: Outgoing) {
        if self.tx.try_send(item).is_err() {
            self.close(CLOSE_TRY_AGAIN);
        }
    }

    pub fn close(&self, code: u16) {
        self.lifeline.close(code);
    }
}

pub struct LiveRoom {
    pub meta: SectionMeta,
    /// `None` until loaded, and again after a failure (reloaded on next use).
    doc: tokio::sync::Mutex<Option<Room>>,
    conns: Mutex<HashMap<u64, ConnHandle>>,
    since_compaction: AtomicUsize,
    compacting: AtomicBool,
    render_scheduled: AtomicBool,
    last_writer: Mutex<Option<Uuid>>,
    /// Writers recorded as contributors, and when.
    contributors_recorded: Mutex<HashMap<Uuid, Instant>>,
    idle_since: Mutex<Option<Instant>>,
}

impl LiveRoom {
    fn new(meta: SectionMeta) -> Self {
        LiveRoom {
            meta,
            doc: tokio::sync::Mutex::new(None),
            conns: Mutex::new(HashMap::new()),
            since_compaction: AtomicUsize::new(0),
            compacting: AtomicBool::new(false),
            render_scheduled: AtomicBool::new(false),
            last_writer: Mutex::new(None),
            contributors_recorded: Mutex::new(HashMap::new()),
            idle_since: Mutex::new(Some(Instant::now())),
        }
    }

    /// Sends a frame to every socket of the room except `except`.
    pub fn fan_out(&self, frame: &Bytes, except: Option<u64>) {
        if let Ok(conns) = self.conns.lock() {
            for (id, conn) in conns.iter() {
                if Some(*id) != except {
                    conn.send(frame.clone());
                }
            }
        }
    }

    fn send_to(&self, conn: u64, frame: Bytes) {
        if let Ok(conns) = self.conns.lock()
            && let Some(c) = conns.get(&conn)
        {
            c.send(frame);
        }
    }

    fn close_all(&self, code: u16) {
        if let Ok(conns) = self.conns.lock() {
            for conn in conns.values() {
                conn.close(code);
            }
        }
    }

    /// Who is in the section, each person once.
    pub fn present(&self) -> Vec<(Uuid, String)> {
        let mut people: Vec<(Uuid, String)> = self
            .conns
            .lock()
            .map(|c| c.values().map(|c| (c.user_id, c.name.clone())).collect())
            .unwrap_or_default();
        people.sort();
        people.dedup_by_key(|p| p.0);
        people
    }

    /// Of these writers, the ones to record as contributors now.
    fn contributors_due(&self, writers: &[Uuid]) -> Vec<Uuid> {
        let Ok(recorded) = self.contributors_recorded.lock() else {
            return writers.to_vec();
        };
        let mut due: Vec<Uuid> = writers
            .iter()
            .filter(|u| {
                recorded
                    .get(u)
                    .is_none_or(|at| at.elapsed() >= CONTRIBUTOR_REFRESH)
            })
            .copied()
            .collect();
        due.sort_unstable();
        due.dedup();
        due
    }

    fn contributors_stored(&self, writers: &[Uuid]) {
        if let Ok(mut recorded) = self.contributors_recorded.lock() {
            let now = Instant::now();
            for user in writers {
                recorded.insert(*user, now);
            }
        }
    }

    pub fn connections(&self) -> usize {
        self.conns.lock().map(|c| c.len()).unwrap_or(0)
    }

    /// Locks the document, loading it from storage first if needed.
    pub async fn lock_loaded(
        &self,
        state: &AppState,
    ) -> AppResult<tokio::sync::MutexGuard<'_, Option<Room>>> {
        let mut guard = self.doc.lock().await;
        if guard.is_none() {
            let stored = store::load_or_seed(&state.db, self.meta.section_id).await?;
            let tail: Vec<Vec<u8>> = stored.tail.iter().map(|(_, d)| d.clone()).collect();
            let room = Room::load(stored.snapshot.as_deref(), &tail)
                .map_err(|e| AppError::Internal(anyhow::anyhow!("loading a section: {e}")))?;
            self.since_compaction
                .store(stored.tail.len(), Ordering::Relaxed);
            *guard = Some(room);
        }
        Ok(guard)
    }
}

/// Work for the persister, in arrival order.
enum Job {
    Update {
        room: Arc<LiveRoom>,
        data: Vec<u8>,
        user: Option<Uuid>,
        origin: Option<u64>,
        done: Option<oneshot::Sender<bool>>,
    },
    /// Frames for one socket that may only leave once earlier updates are stored.
    Reply {
        room: Arc<LiveRoom>,
        conn: u64,
        frames: Vec<Vec<u8>>,
    },
}

pub struct Collab {
    rooms: Mutex<HashMap<Uuid, Arc<LiveRoom>>>,
    jobs: mpsc::UnboundedSender<Job>,
    jobs_rx: Mutex<Option<mpsc::UnboundedReceiver<Job>>>,
    next_conn: AtomicU64,
    /// Background writes (debounced renderings, compactions) go one at a
    /// time, so a live edit's write waits behind one of them at most:
    /// sections edited together come due together, and 80 of them queued at
    /// once held every live edit up for 40–150 ms.
    background_writes: tokio::sync::Semaphore,
}

impl Default for Collab {
    fn default() -> Self {
        Self::new()
    }
}

impl Collab {
    pub fn new() -> Self {
        let (jobs, rx) = mpsc::unbounded_channel();
        Collab {
            rooms: Mutex::new(HashMap::new()),
            jobs,
            jobs_rx: Mutex::new(Some(rx)),
            next_conn: AtomicU64::new(1),
            background_writes: tokio::sync::Semaphore::new(1),
        }
    }

    /// The room of a section, created (not yet loaded) if absent.
    pub fn room(&self, meta: SectionMeta) -> Arc<LiveRoom> {
        let Ok(mut rooms) = self.rooms.lock() else {
            return Arc::new(LiveRoom::new(meta));
        };
        rooms
            .entry(meta.section_id)
            .or_insert_with(|| Arc::new(LiveRoom::new(meta)))
            .clone()
    }

    /// Registers a socket in the section's room. Done under the registry lock
    /// so the sweeper can never drop a room a socket is joining.
    pub fn connect(&self, meta: SectionMeta, handle: ConnHandle) -> (Arc<LiveRoom>, u64) {
        let id = self.next_conn.fetch_add(1, Ordering::Relaxed);
        let mut rooms = match self.rooms.lock() {
            Ok(r) => r,
            Err(poisoned) => poisoned.into_inner(),
        };
        let room = rooms
            .entry(meta.section_id)
            .or_insert_with(|| Arc::new(LiveRoom::new(meta)))
            .clone();
        if let Ok(mut conns) = room.conns.lock() {
            conns.insert(id, handle);
        }
        if let Ok(mut idle) = room.idle_since.lock() {
            *idle = None;
        }
        (room, id)
    }

    /// A collab socket's right to write is decided when it connects. When a
    /// stage decision locks or unlocks a plan's sections, its open sockets
    /// are closed with 1013 (try again): the browser reconnects at once and
    /// gets its current right, read-only included, on every instance (relayed
    /// events arrive here too).
    pub fn reconnect_plan(&self, plan_id: Uuid) {
        for room in self.loaded_rooms() {
            if room.meta.plan_id == plan_id {
                room.close_all(CLOSE_TRY_AGAIN);
            }
        }
    }

    pub fn loaded(&self, section_id: Uuid) -> Option<Arc<LiveRoom>> {
        self.rooms.lock().ok()?.get(&section_id).cloned()
    }

    pub fn loaded_rooms(&self) -> Vec<Arc<LiveRoom>> {
        self.rooms
            .lock()
            .map(|r| r.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Drops rooms that have had no socket for `idle`.
    pub fn sweep(&self, idle: Duration) -> usize {
        let Ok(mut rooms) = self.rooms.lock() else {
            return 0;
        };
        let before = rooms.len();
        rooms.retain(|_, room| {
            room.connections() > 0
                || room.render_scheduled.load(Ordering::Relaxed)
                || room
                    .idle_since
                    .lock()
                    .map(|t| t.is_none_or(|t| t.elapsed() < idle))
                    .unwrap_or(true)
        });
        before - rooms.len()
    }

    /// Pings every socket of every room, and closes those whose peer has
    /// been silent longer than `silent_limit` (gone without a close: a
    /// laptop shut, a network lost). Returns (pinged, closed).
    pub fn heartbeat(&self, silent_limit: Duration) -> (usize, usize) {
        let (mut pinged, mut closed) = (0, 0);
        for room in self.loaded_rooms() {
            let Ok(conns) = room.conns.lock() else {
                continue;
            };
            for conn in conns.values() {
                if conn.lifeline.silent_for() > silent_limit {
                    conn.close(CLOSE_GOING_AWAY);
                    closed += 1;
                } else {
                    conn.queue(Outgoing::Ping);
                    pinged += 1;
                }
            }
        }
        (pinged, closed)
    }

    fn enqueue(&self, job: Job) {
        // The receiver lives as long as the app; a send error means shutdown.
        let _ = self.jobs.send(job);
    }
}

/// What a socket's frame led to, for the socket loop.
pub enum FrameResult {
    Ok,
    /// Close the socket with this code (1003 bad data, 1009 too large, 1011 reload).
    Close(u16, String),
}

/// Sends the opening frames (our step 1 and current presence) to a new socket.
pub async fn open(state: &AppState, room: &Arc<LiveRoom>, conn: u64) -> AppResult<()> {
    let guard = room.lock_loaded(state).await?;
    let frames = guard.as_ref().map(Room::on_connect).unwrap_or_default();
    drop(guard);
    for frame in frames {
        room.send_to(conn, Bytes::from(frame));
    }
    publish_presence(state, room);
    Ok(())
}

/// Applies one client frame: persist-then-broadcast for updates, awareness
/// straight to everyone (the sender included, as the reference server does).
pub async fn handle_frame(
    state: &AppState,
    room: &Arc<LiveRoom>,
    conn: u64,
    peer: &mut Peer,
    user: Uuid,
    frame: &[u8],
) -> FrameResult {
    let mut guard = match room.lock_loaded(state).await {
        Ok(g) => g,
        Err(e) => return FrameResult::Close(CLOSE_SERVER_ERROR, e.to_string()),
    };
    let Some(doc) = guard.as_mut() else {
        return FrameResult::Close(CLOSE_SERVER_ERROR, "room unavailable".into());
    };
    let outcome = match doc.handle_client_frame(peer, frame) {
        Ok(outcome) => outcome,
        Err(e) => {
            if doc.is_poisoned() {
                // Storage never saw the bad update: reload from it, and let
                // every socket resynchronise against the reloaded document.
                *guard = None;
                drop(guard);
                room.close_all(CLOSE_SERVER_ERROR);
            }
            return FrameResult::Close(e.close_code(), e.to_string());
        }
    };
    if let Some(data) = outcome.update {
        state.hub.collab().enqueue(Job::Update {
            room: room.clone(),
            data,
            user: Some(user),
            origin: Some(conn),
            done: None,
        });
    }
    if !outcome.reply.is_empty() {
        state.hub.collab().enqueue(Job::Reply {
            room: room.clone(),
            conn,
            frames: outcome.reply,
        });
    }
    drop(guard);
    if let Some(frame) = outcome.awareness {
        room.fan_out(&Bytes::from(frame), None);
    }
    FrameResult::Ok
}

/// A socket left: forget its presence, and when it was the last one, render
/// and compact now rather than later.
pub async fn leave(state: &AppState, room: &Arc<LiveRoom>, conn: u64, peer: &mut Peer) {
    let remaining = {
        let mut conns = match room.conns.lock() {
            Ok(c) => c,
            Err(p) => p.into_inner(),
        };
        conns.remove(&conn);
        conns.len()
    };
    let frame = {
        let mut guard = room.doc.lock().await;
        guard.as_mut().and_then(|r| r.on_disconnect(peer))
    };
    if let Some(frame) = frame {
        room.fan_out(&Bytes::from(frame), None);
    }
    publish_presence(state, room);
    if remaining == 0 {
        if let Ok(mut idle) = room.idle_since.lock() {
            *idle = Some(Instant::now());
        }
        let (state, room) = (state.clone(), room.clone());
        tokio::spawn(async move {
            render_now(&state, &room).await;
            compact(&state, &room).await;
        });
    }
}

/// `PUT /sections/{id}/content`: the Markdown becomes one Yjs update through
/// the live room, stored before it is broadcast. Returns whether it changed anything.
pub async fn apply_markdown(
    state: &AppState,
    meta: SectionMeta,
    markdown: &str,
    user: Uuid,
) -> AppResult<bool> {
    let room = state.hub.collab().room(meta);
    let (done, stored) = oneshot::channel();
    {
        let mut guard = room.lock_loaded(state).await?;
        let Some(doc) = guard.as_mut() else {
            return Err(AppError::Internal(anyhow::anyhow!("room unavailable")));
        };
        let update = doc.apply_markdown(markdown).map_err(|e| match e {
            super::room::RoomError::TooLarge { .. } => AppError::field("markdown", e.to_string()),
            other => AppError::Internal(anyhow::anyhow!("{other}")),
        })?;
        let Some(data) = update else {
            return Ok(false);
        };
        state.hub.collab().enqueue(Job::Update {
            room: room.clone(),
            data,
            user: Some(user),
            origin: None,
            done: Some(done),
        });
    }
    if stored.await != Ok(true) {
        return Err(AppError::Internal(anyhow::anyhow!(
            "the section update could not be stored"
        )));
    }
    render_now(state, &room).await;
    Ok(true)
}

/// Applies updates another instance stored (ids `from..=to` of one section),
/// if the section is open here. Falls back to the whole stored document when
/// the rows were compacted away in the meantime.
pub async fn apply_relayed(state: &AppState, section_id: Uuid, from: i64, to: i64) {
    let Some(room) = state.hub.collab().loaded(section_id) else {
        return;
    };
    let rows = match store::updates_between(&state.db, section_id, from, to).await {
        Ok(rows) if !rows.is_empty() => rows,
        Ok(_) => match store::load(&state.db, section_id).await {
            Ok(stored) => {
                let mut all = Vec::new();
                all.extend(stored.snapshot.map(|s| (0, s)));
                all.extend(stored.tail);
                all
            }
            Err(e) => {
                tracing::warn!(error = %e, "relay: loading a section failed");
                return;
            }
        },
        Err(e) => {
            tracing::warn!(error = %e, "relay: loading updates failed");
            return;
        }
    };
    apply_stored(state, &room, rows.into_iter().map(|(_, d)| d)).await;
}

/// Catches an open room up with everything stored (after a relay outage).
pub async fn resync(state: &AppState, room: &Arc<LiveRoom>) {
    match store::load(&state.db, room.meta.section_id).await {
        Ok(stored) => {
            let all = stored
                .snapshot
                .into_iter()
                .chain(stored.tail.into_iter().map(|(_, d)| d));
            apply_stored(state, room, all).await;
        }
        Err(e) => tracing::warn!(error = %e, "relay: resync failed"),
    }
}

async fn apply_stored(
    state: &AppState,
    room: &Arc<LiveRoom>,
    updates: impl Iterator<Item = Vec<u8>>,
) {
    let mut frames = Vec::new();
    {
        let mut guard = room.doc.lock().await;
        let Some(doc) = guard.as_mut() else {
            return; // not loaded: it will load from storage anyway
        };
        for data in updates {
            match doc.apply_persisted_update(&data) {
                Ok(Some(frame)) => frames.push(frame),
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "relay: a stored update did not apply");
                    *guard = None;
                    drop(guard);
                    room.close_all(CLOSE_SERVER_ERROR);
                    return;
                }
            }
        }
    }
    for frame in frames {
        room.fan_out(&Bytes::from(frame), None);
    }
    schedule_render(state, room);
}

fn publish_presence(state: &AppState, room: &LiveRoom) {
    let users: Vec<serde_json::Value> = room
        .present()
        .into_iter()
        .map(|(id, name)| serde_json::json!({ "id": id, "name": name }))
        .collect();
    state.hub.publish(Event::new(
        "presence.changed",
        Some(room.meta.network_id),
        Some(room.meta.city_id),
        serde_json::json!({ "section_id": room.meta.section_id, "users": users }),
    ));
}

fn schedule_render(state: &AppState, room: &Arc<LiveRoom>) {
    if room.render_scheduled.swap(true, Ordering::AcqRel) {
        return;
    }
    let (state, room) = (state.clone(), room.clone());
    tokio::spawn(async move {
        tokio::time::sleep(RENDER_DELAY).await;
        let _permit = state.hub.collab().background_writes.acquire().await;
        render_now(&state, &room).await;
    });
}

/// Writes the document's Markdown and HTML into the section row (so gates,
/// diffs and exports read current text) and announces the change.
pub async fn render_now(state: &AppState, room: &Arc<LiveRoom>) {
    room.render_scheduled.store(false, Ordering::Release);
    // Only the walk of the document holds its lock; the sanitiser (an HTML
    // parse) runs after, so edits to the room are not held up behind it.
    let blocks = {
        let guard = room.doc.lock().await;
        guard
            .as_ref()
            .map(|r| document::read_blocks(&r.doc().transact()))
    };
    let Some(blocks) = blocks else {
        return;
    };
    let (markdown, html) = store::render_blocks(&blocks);
    let by = room.last_writer.lock().ok().and_then(|w| *w);
    let saved = {
        let _turn = database::write_turn(&state.db).await;
        store::save_rendering(&state.db, room.meta.section_id, &markdown, &html, by).await
    };
    match saved {
        Ok(Some(section)) => state.hub.publish(Event::new(
            "section.updated",
            Some(room.meta.network_id),
            Some(room.meta.city_id),
            serde_json::json!({
                "section_id": section.id,
                "plan_id": section.plan_id,
                "key": section.key,
                "etag": crate::sections::etag(&section),
            }),
        )),
        Ok(None) => {}
        Err(e) => {
            tracing::warn!(error = %e, section = %room.meta.section_id, "rendering a section failed")
        }
    }
}

async fn compact(state: &AppState, room: &Arc<LiveRoom>) {
    let holding_back = compact_section(state, room.meta.section_id, Some(room)).await;
    // SQLite trims the log only up to the oldest unfolded row: a section
    // edited too rarely to come due would otherwise keep it growing.
    if let Some(section) = holding_back.filter(|s| *s != room.meta.section_id) {
        let other = state.hub.collab().loaded(section);
        compact_section(state, section, other.as_ref()).await;
    }
}

/// Compacts one section under the background-write permit (and, when its
/// room is open, not twice at once); returns the section holding the log's
/// trim back, if any.
async fn compact_section(
    state: &AppState,
    section_id: Uuid,
    room: Option<&Arc<LiveRoom>>,
) -> Option<Uuid> {
    if room.is_some_and(|r| r.compacting.swap(true, Ordering::AcqRel)) {
        return None;
    }
    let permit = state.hub.collab().background_writes.acquire().await;
    let compacted = store::compact(&state.db, section_id).await;
    drop(permit);
    if let Some(room) = room {
        if compacted.is_ok() {
            room.since_compaction.store(0, Ordering::Relaxed);
        }
        room.compacting.store(false, Ordering::Release);
    }
    match compacted {
        Ok(done) => done.holding_back,
        Err(e) => {
            tracing::warn!(error = %e, section = %section_id, "compaction failed");
            None
        }
    }
}

/// The collab sockets' heartbeat (see [`Collab::heartbeat`]): one task pings
/// every socket, instead of a timer per socket.
pub async fn run_heartbeat(state: AppState) {
    let mut tick = tokio::time::interval(state.config.heartbeat());
    tick.tick().await;
    loop {
        tick.tick().await;
        state.hub.collab().heartbeat(state.config.silent_limit());
    }
}

/// The persister: group commit of everything queued, then fan-out.
pub async fn run_persister(state: AppState) {
    let Some(mut rx) = state
        .hub
        .collab()
        .jobs_rx
        .lock()
        .ok()
        .and_then(|mut r| r.take())
    else {
        return;
    };
    let mut log = store::LiveLog::new(state.db.clone());
    let mut jobs = Vec::new();
    while rx.recv_many(&mut jobs, 4096).await > 0 {
        persist_batch(&state, &mut log, std::mem::take(&mut jobs)).await;
    }
}

struct SectionBatch {
    room: Arc<LiveRoom>,
    updates: Vec<Vec<u8>>,
    users: Vec<Uuid>,
    origins: Vec<Option<u64>>,
    done: Vec<oneshot::Sender<bool>>,
    /// Writers to record as contributors with this batch.
    new_contributors: Vec<Uuid>,
}

async fn persist_batch(state: &AppState, log: &mut store::LiveLog, jobs: Vec<Job>) {
    let mut sections: BTreeMap<Uuid, SectionBatch> = BTreeMap::new();
    let mut replies = Vec::new();
    for job in jobs {
        match job {
            Job::Update {
                room,
                data,
                user,
                origin,
                done,
            } => {
                let entry = sections
                    .entry(room.meta.section_id)
                    .or_insert_with(|| SectionBatch {
                        room: room.clone(),
                        updates: Vec::new(),
                        users: Vec::new(),
                        origins: Vec::new(),
                        done: Vec::new(),
                        new_contributors: Vec::new(),
                    });
                entry.updates.push(data);
                entry.users.extend(user);
                entry.origins.push(origin);
                entry.done.extend(done);
            }
            Job::Reply { room, conn, frames } => replies.push((room, conn, frames)),
        }
    }
    let mut batches: Vec<(SectionBatch, Vec<u8>)> = sections
        .into_values()
        .map(|mut batch| {
            batch.new_contributors = batch.room.contributors_due(&batch.users);
            // Updates that arrived together become one row and one frame per section.
            let data = merge(std::mem::take(&mut batch.updates));
            (batch, data)
        })
        .collect();
    while !batches.is_empty() {
        let rest = batches.split_off(batches.len().min(store::LIVE_BATCH_SECTIONS));
        let mut chunk = std::mem::replace(&mut batches, rest);
        let ok = match write_chunk(state, log, &mut chunk).await {
            Ok(()) => true,
            Err(e) => {
                tracing::error!(error = %e, "storing section updates failed");
                false
            }
        };
        for (batch, data) in chunk {
            after_write(state, batch, &data, ok).await;
        }
    }
    // Replies (sync step 2) leave only now: what they carry is stored.
    for (room, conn, frames) in replies {
        for frame in frames {
            room.send_to(conn, Bytes::from(frame));
        }
    }
}

fn merge(mut updates: Vec<Vec<u8>>) -> Vec<u8> {
    if updates.len() == 1 {
        return updates.pop().unwrap_or_default();
    }
    match yrs::merge_updates_v1(&updates) {
        Ok(merged) => merged,
        Err(e) => {
            // Each of them applied to the room; merging them cannot fail in
            // practice, and storing them one after the other is equivalent.
            tracing::error!(error = %e, "merging updates failed");
            updates.concat()
        }
    }
}

/// Fans a stored section update out (or, when storing failed, reloads the
/// room: its in-memory document holds what storage refused).
async fn after_write(state: &AppState, batch: SectionBatch, data: &[u8], ok: bool) {
    if ok {
        let frame = Bytes::from(protocol::encode_update(data));
        // A lone sender already has its change; others get the merged frame.
        let mut origins = batch.origins.clone();
        origins.dedup();
        let except = match origins.as_slice() {
            [Some(one)] => Some(*one),
            _ => None,
        };
        batch.room.fan_out(&frame, except);
        if let (Some(user), Ok(mut last)) = (batch.users.last(), batch.room.last_writer.lock()) {
            *last = Some(*user);
        }
        batch.room.contributors_stored(&batch.new_contributors);
        let pending = batch.room.since_compaction.fetch_add(1, Ordering::Relaxed) + 1;
        if pending >= store::COMPACT_EVERY {
            let (state, room) = (state.clone(), batch.room.clone());
            tokio::spawn(async move { compact(&state, &room).await });
        }
        schedule_render(state, &batch.room);
    } else {
        *batch.room.doc.lock().await = None;
        batch.room.close_all(CLOSE_SERVER_ERROR);
    }
    for done in batch.done {
        let _ = done.send(ok);
    }
}

/// Stores one chunk of section updates: one statement (which also notifies
/// the other instances), plus the contributors seen for the first time in a
/// while, which are bookkeeping and may lag the edit.
async fn write_chunk(
    state: &AppState,
    log: &mut store::LiveLog,
    chunk: &mut [(SectionBatch, Vec<u8>)],
) -> AppResult<()> {
    let rows: Vec<store::NewUpdate> = chunk
        .iter()
        .map(|(batch, data)| store::NewUpdate {
            section_id: batch.room.meta.section_id,
            data: data.clone(),
            user_id: batch.users.last().copied(),
        })
        .collect();
    let notify = state.hub.relay().and_then(|r| r.collab_notify());
    log.append(&rows, notify).await?;
    // Everyone in the batch wrote, not only the last writer of each section.
    let writers: Vec<(Uuid, Uuid)> = chunk
        .iter()
        .flat_map(|(b, _)| {
            let section = b.room.meta.section_id;
            b.new_contributors.iter().map(move |u| (section, *u))
        })
        .collect();
    if writers.is_empty() {
        return Ok(());
    }
    let recorded = {
        let _turn = database::write_turn(&state.db).await;
        store::record_contributors(&state.db, writers).await
    };
    if let Err(e) = recorded {
        tracing::warn!(error = %e, "recording section contributors failed; retrying with the next edit");
        for (batch, _) in chunk.iter_mut() {
            batch.new_contributors.clear();
        }
    }
    Ok(())
}
