use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub kind: String,
    pub dedupe_key: String,
    pub actor_id: Option<Uuid>,
    pub network_id: Option<Uuid>,
    pub city_id: Option<Uuid>,
    pub plan_id: Option<Uuid>,
    pub subject_id: Option<Uuid>,
    pub path: String,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub context: Json,
    pub needs_action: bool,
    pub email_state: String,
    pub read_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
