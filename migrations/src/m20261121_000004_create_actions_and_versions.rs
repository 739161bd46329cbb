//! The action table and plan versions (DESIGN §2). An action's lists (partners, funding lines,
//! indicators, risks) are owned by the action and always read and written with it, so they are
//! JSON columns rather than tables. Money is stored as exact decimal text ("1234.50"): SQLite has
//! no exact decimal type and a float column would drift.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("actions")
                    .col(uuid("id").primary_key())
                    .col(uuid("plan_id"))
                    .col(string("code"))
                    .col(string("title"))
                    .col(text("description").default(""))
                    .col(text("objective").default(""))
                    .col(string("action_type").default(""))
                    .col(string("lead_organisation").default(""))
                    .col(string("lead_person").default(""))
                    .col(json("partners"))
                    .col(date_null("start_date"))
                    .col(date_null("end_date"))
                    .col(string_null("estimated_cost_eur"))
                    .col(json("funding"))
                    .col(json("indicators"))
                    .col(json("risks"))
                    .col(string("status").default("idea"))
                    .col(integer("version").default(1))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(uuid_null("updated_by"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("actions", "plan_id")
                            .to("plans", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Codes are normalised to upper case before writing, so this index is case-insensitive
        // in effect and backs the friendly 409 under concurrent writers.
        manager
            .create_index(
                Index::create()
                    .name("uq_actions_code")
                    .table("actions")
                    .col("plan_id")
                    .col("code")
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("versions")
                    .col(uuid("id").primary_key())
                    .col(uuid("plan_id"))
                    .col(integer("number"))
                    .col(string("label"))
                    .col(string("kind"))
                    .col(uuid_null("stage_id"))
                    .col(uuid("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(json("snapshot"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("versions", "plan_id")
                            .to("plans", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_versions_number")
                    .table("versions")
                    .col("plan_id")
                    .col("number")
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["versions", "actions"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
