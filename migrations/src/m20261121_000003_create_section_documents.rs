//! Sections as Yjs documents: the append-only update log, one compacted
//! snapshot per section, who wrote to each section, and the stored events the
//! PostgreSQL relay hands between instances (NOTIFY carries ids only).
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn cascade(
    from_table: &'static str,
    from_col: &'static str,
    to_table: &'static str,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from_table, from_col)
        .to(to_table, "id")
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // The id orders the log; rows at or below a snapshot's `compacted_through`
        // are folded into it and deleted in the same transaction.
        manager
            .create_table(
                Table::create()
                    .table("section_updates")
                    .col(big_pk_auto("id"))
                    .col(uuid("section_id"))
                    .col(blob("data"))
                    .col(uuid_null("user_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut cascade("section_updates", "section_id", "sections"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_section_updates_section")
                    .table("section_updates")
                    .col("section_id")
                    .col("id")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("section_snapshots")
                    .col(uuid("section_id").primary_key())
                    .col(blob("data"))
                    .col(big_integer("compacted_through"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut cascade("section_snapshots", "section_id", "sections"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("section_contributors")
                    .col(uuid("section_id"))
                    .col(uuid("user_id"))
                    .col(timestamp_with_time_zone("first_at"))
                    .col(timestamp_with_time_zone("last_at"))
                    .primary_key(Index::create().col("section_id").col("user_id"))
                    .foreign_key(&mut cascade(
                        "section_contributors",
                        "section_id",
                        "sections",
                    ))
                    .foreign_key(&mut cascade("section_contributors", "user_id", "users"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("relayed_events")
                    .col(big_pk_auto("id"))
                    .col(json("body"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "relayed_events",
            "section_contributors",
            "section_snapshots",
            "section_updates",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
