use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "actions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub plan_id: Uuid,
    pub code: String,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    #[sea_orm(column_type = "Text")]
    pub objective: String,
    pub action_type: String,
    pub lead_organisation: String,
    pub lead_person: String,
    pub partners: Json,
    pub start_date: Option<Date>,
    pub end_date: Option<Date>,
    /// Exact decimal text with two decimals, e.g. `1234.50`.
    pub estimated_cost_eur: Option<String>,
    pub funding: Json,
    pub indicators: Json,
    pub risks: Json,
    pub status: String,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub updated_by: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
