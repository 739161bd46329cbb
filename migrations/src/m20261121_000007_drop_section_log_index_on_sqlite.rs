//! SQLite only: the section log loses its (section_id, id) index. Every
//! stored batch holds one row for each of up to 80 sections, so the index
//! wrote up to 80 scattered pages per batch (measured: ~100 MB/s of WAL at
//! 8,000 edits/s, which the checkpoints never caught up with). The log is
//! kept short by compaction's trim, and a section's rows are read only when
//! its document loads or compacts, where a scan of the short log is cheap.
//! PostgreSQL keeps the index: its WAL logs index entries, not whole pages,
//! and its relay reads rows by section and id range.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEX: &str = "ix_section_updates_section";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != sea_orm::DatabaseBackend::Sqlite {
            return Ok(());
        }
        manager
            .drop_index(
                Index::drop()
                    .name(INDEX)
                    .table("section_updates")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != sea_orm::DatabaseBackend::Sqlite {
            return Ok(());
        }
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table("section_updates")
                    .col("section_id")
                    .col("id")
                    .to_owned(),
            )
            .await
    }
}
