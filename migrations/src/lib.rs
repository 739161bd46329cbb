//! Database schema, one migration per change. Tables are named literally and
//! no entity is imported, so old migrations keep compiling as the app evolves.
pub use sea_orm_migration::prelude::*;

mod m20261121_000001_create_foundation;
mod m20261121_000003_create_section_documents;
mod m20261121_000004_create_actions_and_versions;
mod m20261121_000005_create_stage_reminders;
mod m20261121_000006_create_comments_and_notifications;
mod m20261121_000007_drop_section_log_index_on_sqlite;
mod m20261121_000008_section_log_without_foreign_key_on_postgres;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261121_000001_create_foundation::Migration),
            Box::new(m20261121_000003_create_section_documents::Migration),
            Box::new(m20261121_000004_create_actions_and_versions::Migration),
            Box::new(m20261121_000005_create_stage_reminders::Migration),
            Box::new(m20261121_000006_create_comments_and_notifications::Migration),
            Box::new(m20261121_000007_drop_section_log_index_on_sqlite::Migration),
            Box::new(m20261121_000008_section_log_without_foreign_key_on_postgres::Migration),
        ]
    }
}
