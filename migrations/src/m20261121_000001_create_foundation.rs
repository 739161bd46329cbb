//! Accounts, sessions, networks, cities, memberships, invitations, and the
//! plan skeleton (plans, sections, stages, stage history) plus the audit log.
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
        manager
            .create_table(
                Table::create()
                    .table("users")
                    .col(uuid("id").primary_key())
                    .col(string_uniq("email"))
                    .col(string("name"))
                    .col(string("password_hash"))
                    .col(boolean("is_admin").default(false))
                    .col(string("language").default("en"))
                    .col(string("time_zone").default("Europe/Brussels"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("sessions")
                    .col(uuid("id").primary_key())
                    .col(uuid("user_id"))
                    .col(string_uniq("token_hash"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("last_seen_at"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .foreign_key(&mut fk("sessions", "user_id", "users"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("sessions", "idx_sessions_user", &["user_id"], false))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("login_failures")
                    .col(uuid("id").primary_key())
                    .col(string("account_key"))
                    .col(string("client_key"))
                    .col(timestamp_with_time_zone("at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "login_failures",
                "idx_login_failures_account",
                &["account_key", "at"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "login_failures",
                "idx_login_failures_client",
                &["client_key", "at"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("networks")
                    .col(uuid("id").primary_key())
                    .col(string("name"))
                    .col(text("description"))
                    .col(date("starts_on"))
                    .col(integer("duration_months"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("stage_template_rows")
                    .col(uuid("id").primary_key())
                    .col(uuid("network_id"))
                    .col(string("key"))
                    .col(string("name"))
                    .col(integer("position"))
                    .col(integer("start_month"))
                    .col(integer("due_month"))
                    .col(json("gate"))
                    .col(string("approver"))
                    .foreign_key(&mut fk("stage_template_rows", "network_id", "networks"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "stage_template_rows",
                "uq_stage_template_key",
                &["network_id", "key"],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("cities")
                    .col(uuid("id").primary_key())
                    .col(uuid("network_id"))
                    .col(string("name"))
                    .col(string_len("country", 2))
                    .col(boolean("is_lead_partner").default(false))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("cities", "network_id", "networks"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "cities",
                "uq_cities_name",
                &["network_id", "name"],
                true,
            ))
            .await?;

        // scope_id is the city for city roles and the network for network roles,
        // so one unique index stops a role being granted twice.
        manager
            .create_table(
                Table::create()
                    .table("memberships")
                    .col(uuid("id").primary_key())
                    .col(uuid("user_id"))
                    .col(uuid("network_id"))
                    .col(uuid_null("city_id"))
                    .col(uuid("scope_id"))
                    .col(string("role"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("memberships", "user_id", "users"))
                    .foreign_key(&mut fk("memberships", "network_id", "networks"))
                    .foreign_key(&mut fk("memberships", "city_id", "cities"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "memberships",
                "uq_memberships_role",
                &["user_id", "scope_id", "role"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "memberships",
                "idx_memberships_city",
                &["city_id"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "memberships",
                "idx_memberships_network",
                &["network_id"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("invitations")
                    .col(uuid("id").primary_key())
                    .col(string_uniq("token_hash"))
                    .col(string("email"))
                    .col(uuid("network_id"))
                    .col(uuid_null("city_id"))
                    .col(string("role"))
                    .col(uuid("invited_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .col(timestamp_with_time_zone_null("accepted_at"))
                    .col(uuid_null("accepted_by"))
                    .foreign_key(&mut fk("invitations", "network_id", "networks"))
                    .foreign_key(&mut fk("invitations", "city_id", "cities"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("plans")
                    .col(uuid("id").primary_key())
                    .col(uuid_uniq("city_id"))
                    .col(string("status").default("drafting"))
                    .col(string_null("adoption_body"))
                    .col(date_null("adoption_decision_date"))
                    .col(string_null("adoption_reference"))
                    .col(timestamp_with_time_zone_null("acknowledged_at"))
                    .col(uuid_null("acknowledged_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("plans", "city_id", "cities"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("sections")
                    .col(uuid("id").primary_key())
                    .col(uuid("plan_id"))
                    .col(string("key"))
                    .col(string("title"))
                    .col(integer("position"))
                    .col(text("guidance"))
                    .col(text("markdown").default(""))
                    .col(text("html").default(""))
                    .col(integer("revision").default(0))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(uuid_null("updated_by"))
                    .foreign_key(&mut fk("sections", "plan_id", "plans"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "sections",
                "uq_sections_key",
                &["plan_id", "key"],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("stages")
                    .col(uuid("id").primary_key())
                    .col(uuid("plan_id"))
                    .col(string("key"))
                    .col(string("name"))
                    .col(integer("position"))
                    .col(integer("start_month"))
                    .col(integer("due_month"))
                    .col(json("gate"))
                    .col(string("approver"))
                    .col(string("status").default("open"))
                    .col(string("phase").default("upcoming"))
                    .col(integer("row_version").default(0))
                    .col(uuid_null("submitted_by"))
                    .col(timestamp_with_time_zone_null("submitted_at"))
                    .col(uuid_null("decided_by"))
                    .col(timestamp_with_time_zone_null("decided_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("stages", "plan_id", "plans"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("stages", "uq_stages_key", &["plan_id", "key"], true))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("stage_transitions")
                    .col(uuid("id").primary_key())
                    .col(uuid("stage_id"))
                    .col(string("from_status"))
                    .col(string("to_status"))
                    .col(uuid("by_user"))
                    .col(timestamp_with_time_zone("at"))
                    .col(text_null("note"))
                    .foreign_key(&mut fk("stage_transitions", "stage_id", "stages"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "stage_transitions",
                "idx_stage_transitions_stage",
                &["stage_id", "at"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("audit_events")
                    .col(uuid("id").primary_key())
                    .col(uuid_null("network_id"))
                    .col(uuid_null("city_id"))
                    .col(uuid_null("actor_id"))
                    .col(string("action"))
                    .col(string("subject_type"))
                    .col(uuid_null("subject_id"))
                    .col(json("data"))
                    .col(timestamp_with_time_zone("at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "audit_events",
                "idx_audit_network",
                &["network_id", "at"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "audit_events",
                "idx_audit_city",
                &["city_id", "at"],
                false,
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "audit_events",
            "stage_transitions",
            "stages",
            "sections",
            "plans",
            "invitations",
            "memberships",
            "cities",
            "stage_template_rows",
            "networks",
            "login_failures",
            "sessions",
            "users",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
