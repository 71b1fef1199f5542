//! How the typed fields of the posting inputs are read, whatever the format: a JSON line, a
//! CSV cell or a row kept aside. Each field asks for any value and refuses what it cannot take
//! in the same words, so that JSON Lines and CSV accept the same values and refuse the rest
//! alike (a CSV cell offers `true`, `false` and numbers as such, and any other text as text:
//! see `file_import::csv_row`).

use std::fmt::Display;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, Visitor};

/// A kind of value a field takes: what it is called, and which of the values a format offers
/// (a boolean, a number, text) it accepts.
pub(crate) trait Kind: Sized {
    /// What a valid value is, after "is not" in a refusal ("true or false").
    const WHAT: &'static str;

    /// The value a boolean gives, if any.
    fn from_bool(_: bool) -> Option<Self> {
        None
    }

    /// The value a whole number gives, if any.
    fn from_i64(_: i64) -> Option<Self> {
        None
    }

    /// The value a positive whole number gives, if any.
    fn from_u64(value: u64) -> Option<Self> {
        i64::try_from(value).ok().and_then(Self::from_i64)
    }

    /// The value a number with a fraction or an exponent gives, if any.
    fn from_f64(_: f64) -> Option<Self> {
        None
    }

    /// The value text gives, if any.
    fn from_text(_: &str) -> Option<Self> {
        None
    }
}

impl Kind for bool {
    const WHAT: &'static str = "true or false";

    fn from_bool(value: bool) -> Option<Self> {
        Some(value)
    }
}

impl Kind for i64 {
    const WHAT: &'static str = "a whole number";

    fn from_i64(value: i64) -> Option<Self> {
        Some(value)
    }
}

impl Kind for f64 {
    const WHAT: &'static str = "a number";

    fn from_i64(value: i64) -> Option<Self> {
        Some(value as f64)
    }

    fn from_u64(value: u64) -> Option<Self> {
        Some(value as f64)
    }

    fn from_f64(value: f64) -> Option<Self> {
        Some(value)
    }
}

/// Reads a value of kind `T` from whatever the format offers.
struct Read<T>(PhantomData<T>);

fn refused<T: Kind, E: de::Error>(shown: impl Display) -> E {
    E::custom(format_args!("{shown} is not {}", T::WHAT))
}

impl<T: Kind> Visitor<'_> for Read<T> {
    type Value = T;

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str(T::WHAT)
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<T, E> {
        T::from_bool(value).ok_or_else(|| refused::<T, E>(value))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<T, E> {
        T::from_i64(value).ok_or_else(|| refused::<T, E>(value))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<T, E> {
        T::from_u64(value).ok_or_else(|| refused::<T, E>(value))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<T, E> {
        // `{:?}` keeps the fraction: 1e9 shows as 1000000000.0, not as a whole number.
        T::from_f64(value).ok_or_else(|| refused::<T, E>(format_args!("{value:?}")))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<T, E> {
        T::from_text(value).ok_or_else(|| refused::<T, E>(format_args!("\"{value}\"")))
    }
}

/// A value of kind `T` (for `#[serde(deserialize_with)]` and `Deserialize` impls).
pub(crate) fn read<'de, D: Deserializer<'de>, T: Kind>(deserializer: D) -> Result<T, D::Error> {
    deserializer.deserialize_any(Read(PhantomData))
}

/// Reads nothing (null, an empty CSV cell) as `None`, anything else as a value of kind `T`.
struct ReadOptional<T>(PhantomData<T>);

impl<'de, T: Kind> Visitor<'de> for ReadOptional<T> {
    type Value = Option<T>;

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str(T::WHAT)
    }

    fn visit_none<E: de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<T>, D::Error> {
        read(deserializer).map(Some)
    }
}

/// An optional value of kind `T` (for `#[serde(default, deserialize_with)]`).
pub(crate) fn read_optional<'de, D: Deserializer<'de>, T: Kind>(deserializer: D) -> Result<Option<T>, D::Error> {
    deserializer.deserialize_option(ReadOptional(PhantomData))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Row {
        #[serde(deserialize_with = "read")]
        flag: bool,
        #[serde(default, deserialize_with = "read_optional")]
        count: Option<i64>,
        #[serde(default, deserialize_with = "read_optional")]
        amount: Option<f64>,
    }

    fn refusal(json: &str) -> String {
        serde_json::from_value::<Row>(serde_json::from_str(json).expect("json")).expect_err("refused").to_string()
    }

    #[test]
    fn each_kind_takes_its_values_and_names_the_rest() {
        let row: Row = serde_json::from_str(r#"{"flag": true, "count": -3, "amount": 12}"#).expect("row");
        assert_eq!((row.flag, row.count, row.amount), (true, Some(-3), Some(12.0)));
        let row: Row = serde_json::from_str(r#"{"flag": false, "count": null}"#).expect("row");
        assert_eq!((row.count, row.amount), (None, None));
        assert_eq!(refusal(r#"{"flag": "yes"}"#), "\"yes\" is not true or false");
        assert_eq!(refusal(r#"{"flag": 1}"#), "1 is not true or false");
        assert_eq!(refusal(r#"{"flag": null}"#), "invalid type: null, expected true or false");
        assert_eq!(refusal(r#"{"flag": true, "count": 1.5}"#), "1.5 is not a whole number");
        assert_eq!(refusal(r#"{"flag": true, "count": 1e9}"#), "1000000000.0 is not a whole number");
        assert_eq!(refusal(r#"{"flag": true, "count": "12"}"#), "\"12\" is not a whole number");
        assert_eq!(
            refusal(r#"{"flag": true, "count": 18446744073709551615}"#),
            "18446744073709551615 is not a whole number"
        );
        assert_eq!(refusal(r#"{"flag": true, "amount": "lots"}"#), "\"lots\" is not a number");
    }
}
