//! A rate an admin set for turning pay in another currency into US dollars.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "exchange_rate")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// ISO 4217 code, upper case.
    #[sea_orm(unique)]
    pub currency: String,
    /// US dollars one unit of the currency buys.
    pub usd_per_unit: f64,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
