//! Exchange rates as admins set them: pay in another currency than USD is accepted only at
//! a rate set here.

use chrono::{DateTime, Utc};
use entity::exchange_rate;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::edit::EditError;

/// Checks an ISO 4217 code (three letters) and returns it upper case.
pub fn currency_code(currency: &str) -> Result<String, EditError> {
    let code = currency.trim().to_ascii_uppercase();
    if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(EditError::Invalid(format!("currency \"{currency}\" is not an ISO 4217 code such as EUR")));
    }
    Ok(code)
}

/// Sets the US dollars one unit of `currency` buys.
pub async fn upsert(
    db: &impl ConnectionTrait,
    currency: &str,
    usd_per_unit: f64,
    now: DateTime<Utc>,
) -> Result<exchange_rate::Model, EditError> {
    let code = currency_code(currency)?;
    if code == "USD" {
        return Err(EditError::Invalid("currency USD is the base: its rate is always 1".into()));
    }
    if !usd_per_unit.is_finite() || usd_per_unit <= 0.0 || usd_per_unit > 100_000.0 {
        return Err(EditError::Invalid(format!("usdPerUnit must be above 0 and at most 100000, got {usd_per_unit}")));
    }
    exchange_rate::Entity::insert(exchange_rate::ActiveModel {
        currency: Set(code.clone()),
        usd_per_unit: Set(usd_per_unit),
        updated_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(exchange_rate::Column::Currency)
            .update_columns([exchange_rate::Column::UsdPerUnit, exchange_rate::Column::UpdatedAt])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    exchange_rate::Entity::find()
        .filter(exchange_rate::Column::Currency.eq(code.clone()))
        .one(db)
        .await?
        .ok_or_else(|| EditError::NotFound(format!("no exchange rate for {code}")))
}

/// Removes a rate: pay in that currency is refused again.
pub async fn delete(db: &impl ConnectionTrait, currency: &str) -> Result<bool, EditError> {
    let code = currency_code(currency)?;
    let deleted =
        exchange_rate::Entity::delete_many().filter(exchange_rate::Column::Currency.eq(code.clone())).exec(db).await?;
    if deleted.rows_affected == 0 {
        return Err(EditError::NotFound(format!("no exchange rate is set for {code}")));
    }
    Ok(true)
}

/// Every rate, by currency.
pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<exchange_rate::Model>, EditError> {
    Ok(exchange_rate::Entity::find().order_by_asc(exchange_rate::Column::Currency).all(db).await?)
}
