//! Comments on sections, actions and stages; in-app notifications; each
//! user's notification settings; the email outbox; password reset tokens.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn fk(
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

fn index(
    table: &'static str,
    name: &'static str,
    cols: &[&'static str],
    unique: bool,
) -> IndexCreateStatement {
    let mut idx = Index::create();
    idx.name(name).table(table);
    for col in cols {
        idx.col(*col);
    }
    if unique {
        idx.unique();
    }
    idx.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // target_type + target_id: a section, an action or a stage (no foreign
        // key, so one table serves all three).
        manager
            .create_table(
                Table::create()
                    .table("comments")
                    .col(uuid("id").primary_key())
                    .col(uuid("network_id"))
                    .col(uuid("city_id"))
                    .col(uuid("plan_id"))
                    .col(string("target_type"))
                    .col(uuid("target_id"))
                    .col(uuid_null("parent_id"))
                    .col(uuid("author_id"))
                    .col(text("body"))
                    .col(json_null("anchor"))
                    .col(json("mentions"))
                    .col(timestamp_with_time_zone_null("resolved_at"))
                    .col(uuid_null("resolved_by"))
                    .col(timestamp_with_time_zone_null("edited_at"))
                    .col(timestamp_with_time_zone_null("deleted_at"))
                    .col(uuid_null("deleted_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("comments", "plan_id", "plans"))
                    .foreign_key(&mut fk("comments", "author_id", "users"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "comments",
                "idx_comments_target",
                &["target_type", "target_id", "created_at"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("notifications")
                    .col(uuid("id").primary_key())
                    .col(uuid("user_id"))
                    .col(string("kind"))
                    .col(string_uniq("dedupe_key"))
                    .col(uuid_null("actor_id"))
                    .col(uuid_null("network_id"))
                    .col(uuid_null("city_id"))
                    .col(uuid_null("plan_id"))
                    .col(uuid_null("subject_id"))
                    .col(string("path"))
                    .col(string("title"))
                    .col(text("body"))
                    .col(json("context"))
                    .col(boolean("needs_action").default(false))
                    // none | queued | digest | digested
                    .col(string("email_state"))
                    .col(timestamp_with_time_zone_null("read_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("notifications", "user_id", "users"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "notifications",
                "idx_notifications_user",
                &["user_id", "read_at", "created_at"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "notifications",
                "idx_notifications_subject",
                &["subject_id"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("notification_settings")
                    .col(uuid("user_id").primary_key())
                    .col(string("email"))
                    .col(integer("digest_hour"))
                    .col(string("time_zone"))
                    .col(json("overrides"))
                    .col(string_uniq("unsubscribe_token"))
                    .col(timestamp_with_time_zone_null("next_digest_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("notification_settings", "user_id", "users"))
                    .to_owned(),
            )
            .await?;

        // The durable outbox: written in the transaction of the change that
        // causes the email, claimed and sent by the worker.
        manager
            .create_table(
                Table::create()
                    .table("email_outbox")
                    .col(uuid("id").primary_key())
                    .col(string_uniq("dedupe_key"))
                    .col(string("kind"))
                    .col(uuid_null("user_id"))
                    .col(string("to_address"))
                    .col(string_null("to_name"))
                    .col(string("lang"))
                    .col(string("path"))
                    .col(string("unsubscribe_token"))
                    .col(json("content"))
                    .col(string_null("thread_key"))
                    .col(uuid_null("subject_id"))
                    // Held back by the grace delay (undoable changes), or not.
                    .col(boolean("graced"))
                    // pending | sending | sent | failed | cancelled
                    .col(string("status"))
                    .col(integer("attempts").default(0))
                    .col(timestamp_with_time_zone("available_at"))
                    .col(timestamp_with_time_zone_null("locked_until"))
                    .col(text_null("last_error"))
                    .col(timestamp_with_time_zone_null("sent_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "email_outbox",
                "idx_email_outbox_due",
                &["status", "available_at"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "email_outbox",
                "idx_email_outbox_subject",
                &["subject_id"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("password_resets")
                    .col(uuid("id").primary_key())
                    .col(uuid("user_id"))
                    .col(string_uniq("token_hash"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .col(timestamp_with_time_zone_null("used_at"))
                    .foreign_key(&mut fk("password_resets", "user_id", "users"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "password_resets",
                "idx_password_resets_user",
                &["user_id", "created_at"],
                false,
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "password_resets",
            "email_outbox",
            "notification_settings",
            "notifications",
            "comments",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
