//! Connecting, migrating, and opening write transactions that never see
//! "database is locked" on SQLite.
use std::{
    collections::HashMap,
    path::PathBuf,
    sync::{Arc, LazyLock, Mutex},
    time::Duration,
};

use anyhow::Context;
use migrations::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, ExecResult, QueryResult, Statement, TransactionOptions, TransactionTrait,
    sqlx::sqlite::{SqliteJournalMode, SqlitePool, SqliteSynchronous},
};

pub async fn connect(url: &str) -> anyhow::Result<DatabaseConnection> {
    if let Some(path) = sqlite_file_path(url)
        && let Some(parent) = std::path::Path::new(&path).parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating the database folder {}", parent.display()))?;
    }
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .sqlx_logging(false)
        .acquire_timeout(Duration::from_secs(10))
        // Pinging on every acquire added a round trip to every statement;
        // only a connection that sat idle a while is checked first.
        .test_before_acquire_if_idle_for(Duration::from_secs(30))
        .map_sqlx_sqlite_opts(|o| {
            // WAL lets readers run beside the single writer; the busy timeout
            // makes a second writer wait instead of failing.
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(15))
                .foreign_keys(true)
                // See `checkpoint_in_background`. Under steady writes the
                // log only starts over after a complete checkpoint, which
                // the passive ones in the background never quite reach: the
                // commit that takes the log past ~40 MB checkpoints it itself
                // (without this, the log grew by 1.4 GB in 25 s of load).
                .pragma("wal_autocheckpoint", "10000")
        });
    if url.starts_with("sqlite:") {
        options.max_connections(8).min_connections(1);
    } else {
        options.max_connections(20).min_connections(2);
    }
    let db = Database::connect(options)
        .await
        .context("connecting to the database")?;
    if db.get_database_backend() == DbBackend::Sqlite {
        checkpoint_in_background(db.get_sqlite_connection_pool().clone());
    }
    Ok(db)
}

/// How often the SQLite write-ahead log is folded back into the database.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

/// SQLite: checkpoints the write-ahead log from a task of its own. With the
/// default auto-checkpoint, whichever commit crossed the threshold ran the
/// checkpoint and its fsync itself — usually a live edit's, which everyone
/// then waited for. A passive checkpoint never blocks writers; it copies most
/// of the log into the database, so the commit that crosses the threshold
/// finds little left to copy.
fn checkpoint_in_background(pool: SqlitePool) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        while !pool.is_closed() {
            tick.tick().await;
            if let Err(e) = sea_orm::sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(&pool)
                .await
            {
                tracing::debug!(error = %e, "WAL checkpoint failed; retrying");
            }
        }
    });
}

pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None).await.context("running migrations")
}

/// True when every known migration has been applied.
pub async fn migrations_applied(db: &DatabaseConnection) -> Result<bool, DbErr> {
    Ok(Migrator::get_pending_migrations(db).await?.is_empty())
}

/// A write transaction (see [`begin_write`]). Use it like the transaction it
/// wraps: `&txn` for queries, then [`WriteTxn::commit`].
pub struct WriteTxn {
    txn: DatabaseTransaction,
    _turn: Option<WriteTurn>,
}

impl WriteTxn {
    pub async fn commit(self) -> Result<(), DbErr> {
        self.txn.commit().await
    }

    pub async fn rollback(self) -> Result<(), DbErr> {
        self.txn.rollback().await
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for WriteTxn {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.txn.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.txn.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.txn.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.txn.query_all_raw(stmt).await
    }

    fn support_returning(&self) -> bool {
        self.txn.support_returning()
    }
}

/// This process's turn to write to a SQLite database, held for a whole write
/// transaction (or one writing statement). SQLite has a single writer; when
/// writers meet inside SQLite, the one that waits sleeps in its busy handler
/// in growing steps (1, 2, 5 … 100 ms) and can lose the race again and again:
/// live edits waited up to a quarter of a second behind compactions. Queued
/// here, in order, a writer starts the moment the previous one is done.
pub type WriteTurn = tokio::sync::OwnedMutexGuard<()>;

/// Waits for this process's turn to write (SQLite; `None` on PostgreSQL,
/// whose row locks need no such thing). One queue per database file, as the
/// file has one write lock whatever the number of pools on it.
pub async fn write_turn(db: &DatabaseConnection) -> Option<WriteTurn> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return None;
    }
    static QUEUES: LazyLock<Mutex<HashMap<PathBuf, Arc<tokio::sync::Mutex<()>>>>> =
        LazyLock::new(Default::default);
    let file = db
        .get_sqlite_connection_pool()
        .connect_options()
        .get_filename()
        .to_path_buf();
    let queue = QUEUES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .entry(file)
        .or_default()
        .clone();
    Some(queue.lock_owned().await)
}

/// Begins a transaction that will write. On SQLite it first waits for this
/// process's [`write_turn`], then takes the write lock up front (`BEGIN
/// IMMEDIATE`) so a writer in another process waits on the busy timeout
/// instead of deadlocking on a lock upgrade; PostgreSQL ignores the mode.
pub async fn begin_write(db: &DatabaseConnection) -> Result<WriteTxn, DbErr> {
    let turn = write_turn(db).await;
    let txn = db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await?;
    Ok(WriteTxn { txn, _turn: turn })
}

pub fn is_postgres(db: &impl ConnectionTrait) -> bool {
    db.get_database_backend() == DbBackend::Postgres
}

fn sqlite_file_path(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| path.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_sqlite_file_path() {
        assert_eq!(
            sqlite_file_path("sqlite://data/iap-studio.db?mode=rwc").as_deref(),
            Some("data/iap-studio.db")
        );
        assert_eq!(sqlite_file_path("sqlite::memory:"), None);
        assert_eq!(sqlite_file_path("postgres://x/y"), None);
    }
}
