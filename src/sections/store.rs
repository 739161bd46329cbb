//! Durable storage of section documents: an append-only log of Yjs updates
//! (ordered by its autoincrement id) and one compacted snapshot per section.
//!
//! What must hold: an update is in `section_updates` before any client sees
//! it; a snapshot plus the section's remaining log rows rebuild the document
//! (compaction deletes exactly the rows it folded, in the transaction that
//! stores the snapshot, under a lock on the section row, so two instances
//! never compact the same section at once).
use chrono::Utc;
use sea_orm::sqlx::{self, Postgres, pool::PoolConnection};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Statement,
    sea_query::{Expr, ExprTrait, OnConflict, Query},
};
use uuid::Uuid;
use yrs::{Doc, Transact};

use super::document;
use crate::{
    database,
    entities::{section, section_contributor, section_snapshot, section_update, user},
    error::{AppError, AppResult},
    realtime::room,
};

/// Compact a section once this many updates have been logged since the last snapshot.
pub const COMPACT_EVERY: usize = 500;

/// One update to append to the log.
pub struct NewUpdate {
    pub section_id: Uuid,
    pub data: Vec<u8>,
    pub user_id: Option<Uuid>,
}

/// A section's stored document: snapshot and the log rows after it.
pub struct Stored {
    pub snapshot: Option<Vec<u8>>,
    pub compacted_through: i64,
    pub tail: Vec<(i64, Vec<u8>)>,
}

impl Stored {
    pub fn is_empty(&self) -> bool {
        self.snapshot.is_none() && self.tail.is_empty()
    }

    pub fn last_id(&self) -> i64 {
        self.tail
            .last()
            .map_or(self.compacted_through, |(id, _)| *id)
    }

    pub fn doc(&self) -> AppResult<Doc> {
        let tail: Vec<Vec<u8>> = self.tail.iter().map(|(_, d)| d.clone()).collect();
        room::load(self.snapshot.as_deref(), &tail).map_err(internal)
    }
}

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("section document: {e}"))
}

pub async fn load(db: &impl ConnectionTrait, section_id: Uuid) -> AppResult<Stored> {
    let snapshot = section_snapshot::Entity::find_by_id(section_id)
        .one(db)
        .await?;
    let compacted_through = snapshot.as_ref().map_or(0, |s| s.compacted_through);
    let mut tail = section_update::Entity::find()
        .select_only()
        .column(section_update::Column::Id)
        .column(section_update::Column::Data)
        .filter(section_update::Column::SectionId.eq(section_id));
    if !database::is_postgres(db) {
        // SQLite commits ids in order, so rows up to `compacted_through` are
        // in the snapshot: folded rows that wait for `trim_folded_log`.
        // (PostgreSQL keeps them all: a lower id can commit late.)
        tail = tail.filter(section_update::Column::Id.gt(compacted_through));
    }
    let tail = tail
        .order_by_asc(section_update::Column::Id)
        .into_tuple::<(i64, Vec<u8>)>()
        .all(db)
        .await?;
    Ok(Stored {
        snapshot: snapshot.map(|s| s.data),
        compacted_through,
        tail,
    })
}

/// Log rows of one section with ids in `from..=to` (what a relay notification names).
pub async fn updates_between(
    db: &impl ConnectionTrait,
    section_id: Uuid,
    from: i64,
    to: i64,
) -> AppResult<Vec<(i64, Vec<u8>)>> {
    Ok(section_update::Entity::find()
        .select_only()
        .column(section_update::Column::Id)
        .column(section_update::Column::Data)
        .filter(section_update::Column::SectionId.eq(section_id))
        .filter(section_update::Column::Id.between(from, to))
        .order_by_asc(section_update::Column::Id)
        .into_tuple::<(i64, Vec<u8>)>()
        .all(db)
        .await?)
}

/// Takes the section row's lock for the rest of the transaction. SQLite
/// needs nothing: `begin_write` already holds its only write lock.
/// `FOR NO KEY UPDATE`, not `FOR UPDATE`: appending to the log takes a key
/// share lock on the section row (the foreign key), and whoever holds this
/// lock must not hold up everyone's edits.
pub async fn lock_section(db: &impl ConnectionTrait, section_id: Uuid) -> AppResult<()> {
    if database::is_postgres(db) {
        db.query_one_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            "SELECT id FROM sections WHERE id = $1 FOR NO KEY UPDATE",
            [section_id.into()],
        ))
        .await?;
    }
    Ok(())
}

/// Loads a section's document; a section that has Markdown but no document
/// yet (written before documents existed) is seeded from its Markdown once,
/// under the section lock so two instances cannot both seed it.
pub async fn load_or_seed(db: &DatabaseConnection, section_id: Uuid) -> AppResult<Stored> {
    let stored = load(db, section_id).await?;
    if !stored.is_empty() {
        return Ok(stored);
    }
    let txn = database::begin_write(db).await?;
    lock_section(&txn, section_id).await?;
    let stored = load(&txn, section_id).await?;
    if stored.is_empty() {
        let row = section::Entity::find_by_id(section_id)
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound)?;
        if !row.markdown.trim().is_empty() {
            let doc = Doc::new();
            let data = document::replace_with_markdown(&doc, &row.markdown);
            append(
                &txn,
                &[NewUpdate {
                    section_id,
                    data,
                    user_id: None,
                }],
            )
            .await?;
        }
    }
    let stored = load(&txn, section_id).await?;
    txn.commit().await?;
    Ok(stored)
}

/// Appends updates in one statement and returns their ids, in order, and
/// records their writers as contributors (same transaction).
pub async fn append(db: &impl ConnectionTrait, rows: &[NewUpdate]) -> AppResult<Vec<i64>> {
    let ids = append_rows(db, rows).await?;
    record_contributors(
        db,
        rows.iter()
            .filter_map(|r| r.user_id.map(|u| (r.section_id, u)))
            .collect(),
    )
    .await?;
    Ok(ids)
}

/// Appends updates in one statement and returns their ids, in order; the
/// caller records contributors (the live persister does so once per writer
/// and minute, not on every keystroke).
pub async fn append_rows(db: &impl ConnectionTrait, rows: &[NewUpdate]) -> AppResult<Vec<i64>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let now = Utc::now();
    let mut insert = Query::insert();
    insert
        .into_table("section_updates")
        .columns(["section_id", "data", "user_id", "created_at"]);
    for row in rows {
        insert
            .values([
                row.section_id.into(),
                row.data.clone().into(),
                row.user_id.into(),
                now.into(),
            ])
            .map_err(internal)?;
    }
    insert.returning_col("id");
    let ids = db
        .query_all(&insert)
        .await?
        .iter()
        .map(|r| r.try_get::<i64>("", "id"))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ids)
}

/// Where the live persister's NOTIFY goes (PostgreSQL): the relay's channel
/// and this instance's id.
#[derive(Clone, Copy, Debug)]
pub struct Notify {
    pub channel: &'static str,
    pub instance: Uuid,
}

/// The live persister's way into the log. On PostgreSQL it keeps a
/// connection of its own: every live edit waits for its writes, and taking a
/// connection from the pool for each batch waited up to 100 ms whenever the
/// pool was busy opening one (measured at 8,000 edits/s).
pub struct LiveLog {
    db: DatabaseConnection,
    own: Option<PoolConnection<Postgres>>,
    last_used: std::time::Instant,
}

/// A connection of the persister's idle this long goes back to the pool,
/// which checks it before handing it out again (it may have been cut).
const LIVE_CONNECTION_IDLE: std::time::Duration = std::time::Duration::from_secs(30);

impl LiveLog {
    pub fn new(db: DatabaseConnection) -> Self {
        LiveLog {
            db,
            own: None,
            last_used: std::time::Instant::now(),
        }
    }

    /// One batch of updates as ONE autocommitted statement, because every
    /// live edit waits for it before anyone sees it and each extra round
    /// trip (BEGIN, NOTIFY, COMMIT) showed up in the latency. With `notify`
    /// (PostgreSQL), the same statement sends the relay's NOTIFY naming the
    /// rows, as `{"i": instance, "u": [[section, id, id], ...]}`; keep
    /// batches within [`LIVE_BATCH_SECTIONS`] rows so it stays under
    /// NOTIFY's 8000 bytes.
    pub async fn append(&mut self, rows: &[NewUpdate], notify: Option<Notify>) -> AppResult<()> {
        if rows.is_empty() {
            return Ok(());
        }
        if !database::is_postgres(&self.db) {
            let _turn = database::write_turn(&self.db).await;
            append_rows(&self.db, rows).await?;
            return Ok(());
        }
        // Arrays keep the statement text constant, so it is prepared once.
        let sections: Vec<Uuid> = rows.iter().map(|r| r.section_id).collect();
        let data: Vec<&[u8]> = rows.iter().map(|r| r.data.as_slice()).collect();
        let users: Vec<Option<Uuid>> = rows.iter().map(|r| r.user_id).collect();
        let query = match notify {
            Some(_) => APPEND_LIVE_NOTIFYING,
            None => APPEND_LIVE,
        };
        let mut statement = sqlx::query(query)
            .bind(sections)
            .bind(data)
            .bind(users)
            .bind(Utc::now());
        if let Some(n) = notify {
            statement = statement.bind(n.channel).bind(n.instance);
        }
        let conn = self.connection().await?;
        if let Err(e) = statement.execute(&mut **conn).await {
            // The connection may be broken: close it, and take another for
            // the next batch.
            if let Some(conn) = self.own.take() {
                let _ = conn.close().await;
            }
            return Err(internal(format!("storing section updates: {e}")));
        }
        Ok(())
    }

    async fn connection(&mut self) -> AppResult<&mut PoolConnection<Postgres>> {
        let kept = self
            .own
            .take()
            .filter(|_| self.last_used.elapsed() <= LIVE_CONNECTION_IDLE);
        self.last_used = std::time::Instant::now();
        let conn = match kept {
            Some(conn) => conn,
            None => self
                .db
                .get_postgres_connection_pool()
                .acquire()
                .await
                .map_err(|e| internal(format!("connecting the persister: {e}")))?,
        };
        Ok(self.own.insert(conn))
    }
}

macro_rules! insert_live {
    () => {
        "INSERT INTO section_updates (section_id, data, user_id, created_at) \
         SELECT s, d, u, $4 FROM UNNEST($1::uuid[], $2::bytea[], $3::uuid[]) AS t(s, d, u) \
         RETURNING id, section_id"
    };
}
const APPEND_LIVE: &str = concat!(
    "WITH ins AS (",
    insert_live!(),
    ") SELECT section_id, id FROM ins"
);
const APPEND_LIVE_NOTIFYING: &str = concat!(
    "WITH ins AS (",
    insert_live!(),
    "), note AS (SELECT pg_notify($5, json_build_object('i', $6::uuid, \
     'u', json_agg(json_build_array(section_id, id, id)))::text) FROM ins) \
     SELECT ins.section_id, ins.id FROM ins, note"
);

/// Rows per [`LiveLog::append`] call: one per section, and the NOTIFY naming them
/// (about 60 bytes each) must stay under PostgreSQL's 8000-byte payload limit.
pub const LIVE_BATCH_SECTIONS: usize = 80;

/// Remembers who wrote to which section (`GET /sections/{id}` contributors).
pub async fn record_contributors(
    db: &impl ConnectionTrait,
    mut writers: Vec<(Uuid, Uuid)>,
) -> AppResult<()> {
    let now = Utc::now();
    writers.sort_unstable();
    writers.dedup();
    if !writers.is_empty() {
        let mut upsert = Query::insert();
        upsert.into_table("section_contributors").columns([
            "section_id",
            "user_id",
            "first_at",
            "last_at",
        ]);
        for (section_id, user_id) in writers {
            upsert
                .values([section_id.into(), user_id.into(), now.into(), now.into()])
                .map_err(internal)?;
        }
        upsert.on_conflict(
            OnConflict::columns(["section_id", "user_id"])
                .update_column("last_at")
                .to_owned(),
        );
        db.execute(&upsert).await?;
    }
    Ok(())
}

/// Folds a section's log into its snapshot. The new snapshot is computed
/// without any lock (re-encoding a loaded document: merging thousands of raw
/// updates is superlinear). Then one short transaction:
/// 1. store the snapshot only if nobody compacted meanwhile (the upsert's
///    condition on `compacted_through`; of two instances, one wins and the
///    other rolls back, with no lock taken beforehand);
/// 2. remove folded rows from the log: on PostgreSQL exactly the rows folded
///    (a row with a lower id can commit after we read, and must stay); on
///    SQLite the log's folded prefix, see [`trim_folded_log`].
pub async fn compact(db: &DatabaseConnection, section_id: Uuid) -> AppResult<Compaction> {
    let stored = load(db, section_id).await?;
    if stored.tail.is_empty() {
        return Ok(Compaction::default());
    }
    let through = std::cmp::Ord::max(stored.last_id(), stored.compacted_through);
    let folded: Vec<i64> = stored.tail.iter().map(|(id, _)| *id).collect();
    let compacted_through = stored.compacted_through;
    // Replaying hundreds of updates takes milliseconds: keep it off the
    // async workers that carry everyone's edits.
    let data = tokio::task::spawn_blocking(move || stored.doc().map(|d| room::encode_state(&d)))
        .await
        .map_err(internal)??;
    let mut upsert = Query::insert();
    upsert
        .into_table(section_snapshot::Entity)
        .columns([
            section_snapshot::Column::SectionId,
            section_snapshot::Column::Data,
            section_snapshot::Column::CompactedThrough,
            section_snapshot::Column::UpdatedAt,
        ])
        .values([
            section_id.into(),
            data.into(),
            through.into(),
            Utc::now().into(),
        ])
        .map_err(internal)?
        .on_conflict(
            OnConflict::column(section_snapshot::Column::SectionId)
                .update_columns([
                    section_snapshot::Column::Data,
                    section_snapshot::Column::CompactedThrough,
                    section_snapshot::Column::UpdatedAt,
                ])
                .action_and_where(
                    Expr::col((
                        section_snapshot::Entity,
                        section_snapshot::Column::CompactedThrough,
                    ))
                    .eq(compacted_through),
                )
                .to_owned(),
        );
    let txn = database::begin_write(db).await?;
    if txn.execute(&upsert).await?.rows_affected() != 1 {
        // Another instance compacted first; its snapshot stands.
        txn.rollback().await?;
        return Ok(Compaction::default());
    }
    let mut holding_back = None;
    if database::is_postgres(db) {
        // One array parameter keeps the statement text constant (prepared
        // once), where an IN list of ~500 ids was planned afresh every time.
        txn.execute_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            "DELETE FROM section_updates WHERE id = ANY($1)",
            [folded.into()],
        ))
        .await?;
    } else {
        holding_back = trim_folded_log(&txn).await?;
    }
    txn.commit().await?;
    Ok(Compaction {
        stored: true,
        holding_back,
    })
}

/// What a compaction did.
#[derive(Debug, Default)]
pub struct Compaction {
    /// Whether it stored a snapshot (false: nothing to fold, or another
    /// instance compacted first).
    pub stored: bool,
    /// SQLite: a section whose oldest unfolded row keeps more than
    /// [`TRIM_LAG`] ids of the log from being trimmed; compact it too.
    pub holding_back: Option<Uuid>,
}

/// How far (in log ids) the oldest unfolded row may trail the newest before
/// its section is compacted for the sake of trimming the log.
pub const TRIM_LAG: i64 = 100_000;

/// At most this many log ids are trimmed per compaction, so that no trim
/// holds the write lock long. Compactions come at least once per
/// [`COMPACT_EVERY`] rows written, so trimming keeps up four times over.
const TRIM_STEP: i64 = 4 * COMPACT_EVERY as i64;

/// SQLite: deletes the log's prefix of folded rows, up to the oldest row not
/// yet in its section's snapshot and at most [`TRIM_STEP`] ids. Rows of all
/// sections are interleaved, so deleting one section's rows wrote nearly
/// every page of the log (~500 pages per compaction) while every live edit
/// waited behind it for the single write lock; a prefix is a few contiguous
/// pages. Folded rows left further on are skipped by [`load`] and go with a
/// later trim. Returns the section holding the trim back, when its oldest
/// unfolded row trails the newest by more than [`TRIM_LAG`] ids.
async fn trim_folded_log(txn: &impl ConnectionTrait) -> AppResult<Option<Uuid>> {
    let backend = txn.get_database_backend();
    // One aggregate per SELECT: SQLite answers a lone MIN or MAX from the
    // ends of the rowid tree, anything more by scanning the whole log.
    let Some(bounds) = txn
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT (SELECT MIN(id) FROM section_updates) AS first, \
             (SELECT MAX(id) FROM section_updates) AS newest",
        ))
        .await?
    else {
        return Ok(None);
    };
    let first: Option<i64> = bounds.try_get("", "first")?;
    let newest: Option<i64> = bounds.try_get("", "newest")?;
    let (Some(first), Some(newest)) = (first, newest) else {
        return Ok(None); // the log is empty
    };
    let window_end = first.saturating_add(TRIM_STEP);
    let oldest_unfolded = txn
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            "SELECT u.id, u.section_id FROM section_updates u \
             LEFT JOIN section_snapshots s ON s.section_id = u.section_id \
             WHERE u.id < $1 AND u.id > COALESCE(s.compacted_through, 0) \
             ORDER BY u.id LIMIT 1",
            [window_end.into()],
        ))
        .await?;
    let (trim_to, holding_back) = match oldest_unfolded {
        Some(row) => {
            let oldest: i64 = row.try_get("", "id")?;
            let section: Uuid = row.try_get("", "section_id")?;
            (oldest, (newest - oldest > TRIM_LAG).then_some(section))
        }
        None => (window_end, None),
    };
    txn.execute_raw(Statement::from_sql_and_values(
        backend,
        "DELETE FROM section_updates WHERE id < $1",
        [trim_to.into()],
    ))
    .await?;
    Ok(holding_back)
}

/// Markdown and sanitised HTML of a document.
pub fn render(doc: &Doc) -> (String, String) {
    render_blocks(&document::read_blocks(&doc.transact()))
}

/// Markdown and sanitised HTML of a document read as blocks: a live room
/// reads its blocks under the document's lock and renders them after.
pub fn render_blocks(blocks: &[document::Block]) -> (String, String) {
    (super::markdown::render(blocks), super::html::render(blocks))
}

/// Writes the rendering into the section row when it changed (a new
/// revision, hence a new ETag). Returns the updated row, `None` if unchanged.
/// One statement, so on SQLite the write lock is held only while it runs:
/// live edits queue behind every other writer.
pub async fn save_rendering(
    db: &impl ConnectionTrait,
    section_id: Uuid,
    markdown: &str,
    html: &str,
    by: Option<Uuid>,
) -> AppResult<Option<section::Model>> {
    let mut updated = section::Entity::update_many()
        .col_expr(section::Column::Markdown, Expr::value(markdown))
        .col_expr(section::Column::Html, Expr::value(html))
        .col_expr(
            section::Column::Revision,
            Expr::col(section::Column::Revision).add(1),
        )
        .col_expr(section::Column::UpdatedAt, Expr::value(Utc::now()))
        .col_expr(section::Column::UpdatedBy, Expr::value(by))
        .filter(section::Column::Id.eq(section_id))
        .filter(section::Column::Markdown.ne(markdown))
        .exec_with_returning(db)
        .await?;
    Ok(updated.pop())
}

#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Contributor {
    pub id: Uuid,
    pub name: String,
}

/// Everyone who wrote to the section, first writer first.
pub async fn contributors(
    db: &impl ConnectionTrait,
    section_id: Uuid,
) -> AppResult<Vec<Contributor>> {
    let rows = section_contributor::Entity::find()
        .filter(section_contributor::Column::SectionId.eq(section_id))
        .order_by_asc(section_contributor::Column::FirstAt)
        .all(db)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.user_id).collect();
    let users = user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(db)
        .await?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            users
                .iter()
                .find(|u| u.id == r.user_id)
                .map(|u| Contributor {
                    id: u.id,
                    name: u.name.clone(),
                })
        })
        .collect())
}
