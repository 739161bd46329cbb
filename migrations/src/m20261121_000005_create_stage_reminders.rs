//! Deadline reminders queued by the stages clock: one row per dedupe key, so
//! each reminder is queued once even with several instances.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("stage_reminders")
                    .col(uuid("id").primary_key())
                    .col(uuid("stage_id"))
                    .col(string_uniq("dedupe_key"))
                    .col(integer("days_before"))
                    .col(date("due_on"))
                    .col(timestamp_with_time_zone("queued_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("stage_reminders", "stage_id")
                            .to("stages", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_stages_plan_position")
                    .table("stages")
                    .col("plan_id")
                    .col("position")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_stages_plan_position")
                    .table("stages")
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table("stage_reminders").to_owned())
            .await
    }
}
