//! Columns that hold a JSON array, typed: a row decodes into its list or the read fails, so a
//! corrupt row is a decode error instead of an empty list.

/// Declares a list type stored as one JSON array column (`json_binary` in the migrations),
/// with `Deref` to a slice for reading and `From<Vec<_>>` for writing.
macro_rules! json_list {
    ($(#[$attr:meta])* $name:ident($item:ty)) => {
        $(#[$attr])*
        #[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize, sea_orm::FromJsonQueryResult)]
        #[serde(transparent)]
        pub struct $name(pub Vec<$item>);

        impl std::ops::Deref for $name {
            type Target = [$item];

            fn deref(&self) -> &[$item] {
                &self.0
            }
        }

        impl From<Vec<$item>> for $name {
            fn from(items: Vec<$item>) -> Self {
                Self(items)
            }
        }

        impl FromIterator<$item> for $name {
            fn from_iter<I: IntoIterator<Item = $item>>(items: I) -> Self {
                Self(items.into_iter().collect())
            }
        }

        impl From<$name> for Vec<$item> {
            fn from(list: $name) -> Self {
                list.0
            }
        }

        impl IntoIterator for $name {
            type Item = $item;
            type IntoIter = std::vec::IntoIter<$item>;

            fn into_iter(self) -> Self::IntoIter {
                self.0.into_iter()
            }
        }
    };
}

pub(crate) use json_list;

#[cfg(test)]
mod tests {
    use sea_orm::Value;
    use sea_orm::sea_query::ValueType;

    json_list!(
        /// Names, for the tests.
        Names(String)
    );

    #[test]
    fn a_list_is_stored_as_a_bare_json_array() {
        let stored = Value::from(Names(vec!["a".into(), "b".into()]));
        assert_eq!(stored, Value::Json(Some(Box::new(serde_json::json!(["a", "b"])))));
    }

    #[test]
    fn a_stored_array_reads_back_and_anything_else_is_refused() {
        let array = Value::Json(Some(Box::new(serde_json::json!(["a"]))));
        assert_eq!(<Names as ValueType>::try_from(array).ok(), Some(Names(vec!["a".into()])));
        let object = Value::Json(Some(Box::new(serde_json::json!({"a": 1}))));
        assert!(<Names as ValueType>::try_from(object).is_err(), "not an empty list");
    }
}
