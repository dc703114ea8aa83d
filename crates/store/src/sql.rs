//! Small helpers for SQL that runs unchanged on SQLite and PostgreSQL through sqlx's Any driver.
//!
//! Placeholders are written by hand (`$1, $2 …`, or `?` in big SQLite batches): sqlx's QueryBuilder emits `?` under Any, which
//! PostgreSQL rejects.

use crate::Backend;

/// A boolean column: BOOLEAN on PostgreSQL, INTEGER 0/1 on SQLite (sqlx's Any driver cannot decode
/// SQLite's BOOLEAN affinity).
pub fn get_bool<I: sqlx::ColumnIndex<sqlx::any::AnyRow> + Copy>(
    row: &sqlx::any::AnyRow,
    column: I,
) -> Result<bool, sqlx::Error> {
    use sqlx::Row;
    match row.try_get::<bool, _>(column) {
        Ok(b) => Ok(b),
        Err(_) => row.try_get::<i64, _>(column).map(|v| v != 0),
    }
}

/// `($1,$2,$3),($4,$5,$6)…` for `rows` rows of `columns` values on PostgreSQL; `(?,?,?),(?,?,?)…` on
/// SQLite, whose lookup of numbered parameters is linear per parameter (quadratic for a big batch).
pub fn values_placeholders(backend: Backend, rows: usize, columns: usize) -> String {
    let mut s = String::with_capacity(rows * columns * 5);
    let mut n = 1;
    for r in 0..rows {
        if r > 0 {
            s.push(',');
        }
        s.push('(');
        for c in 0..columns {
            if c > 0 {
                s.push(',');
            }
            match backend {
                Backend::Postgres => {
                    s.push('$');
                    s.push_str(&n.to_string());
                }
                Backend::Sqlite => s.push('?'),
            }
            n += 1;
        }
        s.push(')');
    }
    s
}

pub(crate) type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// Insert `items` into `into` (e.g. `"staff (id, name)"`) with multi-row statements; `bind` binds
/// one item's `columns` values in order.
pub(crate) async fn insert_batches<T>(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    into: &str,
    columns: usize,
    items: &[T],
    bind: for<'q> fn(AnyQuery<'q>, &'q T) -> AnyQuery<'q>,
) -> Result<(), sqlx::Error> {
    for chunk in items.chunks(batch_rows(columns)) {
        let sql = format!(
            "INSERT INTO {into} VALUES {}",
            values_placeholders(backend, chunk.len(), columns)
        );
        let mut q = sqlx::query(&sql);
        for item in chunk {
            q = bind(q, item);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Rows per multi-row statement: keeps bound values under SQLite's 32,766 limit (and PostgreSQL's 65,535).
pub fn batch_rows(columns: usize) -> usize {
    (30_000 / columns.max(1)).clamp(1, 1000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Backend;

    #[test]
    fn placeholders_number_across_rows() {
        assert_eq!(
            values_placeholders(Backend::Postgres, 2, 3),
            "($1,$2,$3),($4,$5,$6)"
        );
        assert_eq!(values_placeholders(Backend::Sqlite, 2, 2), "(?,?),(?,?)");
        assert_eq!(values_placeholders(Backend::Postgres, 1, 1), "($1)");
        assert_eq!(batch_rows(26), 1000);
        assert_eq!(batch_rows(100), 300);
    }
}
