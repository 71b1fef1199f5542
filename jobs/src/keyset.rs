//! Keyset pages: rows in id order after a given id, one more than asked so that the caller
//! knows whether a next page exists.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select};

/// A keyset page: `first` items after the item with id `after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PageRequest {
    /// Items wanted.
    pub first: u64,
    /// Items after this id.
    pub after: Option<i32>,
}

impl PageRequest {
    /// `select` narrowed to this page in `id` order: up to `first + 1` rows.
    pub fn select<E: EntityTrait>(self, select: Select<E>, id: E::Column) -> Select<E> {
        self.select_without_limit(select, id).limit(self.first + 1)
    }

    /// [`PageRequest::select`] without its `LIMIT`, for a caller that writes the limit itself.
    pub fn select_without_limit<E: EntityTrait>(self, select: Select<E>, id: E::Column) -> Select<E> {
        let select = select.order_by_asc(id);
        match self.after {
            Some(after) => select.filter(id.gt(after)),
            None => select,
        }
    }
}

#[cfg(test)]
mod tests {
    use entity::role;
    use sea_orm::{DbBackend, QueryTrait};

    use super::*;

    #[test]
    fn a_page_reads_one_more_row_after_the_cursor_in_id_order() {
        let page = PageRequest { first: 20, after: Some(7) };
        let built = page.select(role::Entity::find(), role::Column::Id).build(DbBackend::Postgres);
        assert!(built.sql.ends_with(r#"WHERE "role"."id" > $1 ORDER BY "role"."id" ASC LIMIT $2"#), "{}", built.sql);
        assert_eq!(built.values.map(|v| v.0), Some(vec![7.into(), 21u64.into()]));
    }
}
