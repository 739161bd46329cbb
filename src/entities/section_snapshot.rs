use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "section_snapshots")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub section_id: Uuid,
    pub data: Vec<u8>,
    pub compacted_through: i64,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
