//! Pagination shared by list queries: page/per_page (OFFSET) and keyset cursors for deep pages.
//!
//! A cursor is opaque to clients: base64url of `{"s": sort field, "v": last sort value, "i": last id}`.
//! Keyset pages stay fast at any depth because they seek an index instead of skipping rows.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use sqlx::{Postgres, QueryBuilder};

pub const MAX_PER_PAGE: u32 = 500;
pub const DEFAULT_PER_PAGE: u32 = 50;

/// A sortable column: its name in SQL and how a cursor value is cast back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortColumn {
    /// The public name (`name`, `first_seen`, …).
    pub field: &'static str,
    /// The SQL column it sorts by.
    pub column: &'static str,
    /// `text` or `timestamptz`.
    pub sql_type: &'static str,
}

/// A validated sort: one column, ascending or descending, the id breaking ties.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub column: SortColumn,
    pub descending: bool,
}

impl Sort {
    /// Parses `name` or `-name` against the allowed columns; `Err` names the allowed fields.
    pub fn parse(value: &str, allowed: &[SortColumn]) -> Result<Sort, String> {
        let (descending, field) = match value.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, value),
        };
        let column = allowed
            .iter()
            .find(|column| column.field == field)
            .ok_or_else(|| {
                let names: Vec<&str> = allowed.iter().map(|column| column.field).collect();
                format!(
                    "unknown sort field `{field}`; allowed: {}",
                    names.join(", ")
                )
            })?;
        Ok(Sort {
            column: *column,
            descending,
        })
    }
}

/// Position after the last row of a page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    #[serde(rename = "s")]
    pub sort_field: String,
    #[serde(rename = "v")]
    pub value: String,
    #[serde(rename = "i")]
    pub id: String,
}

impl Cursor {
    pub fn encode(&self) -> String {
        // Invariant: serializing a struct of three strings cannot fail.
        let json = serde_json::to_vec(self).unwrap_or_default();
        URL_SAFE_NO_PAD.encode(json)
    }

    pub fn decode(value: &str) -> Result<Cursor, String> {
        if value.len() > MAX_CURSOR_CHARS {
            return Err(format!(
                "cursor is longer than {MAX_CURSOR_CHARS} characters"
            ));
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(value)
            .map_err(|_| "cursor is not valid base64url".to_string())?;
        serde_json::from_slice(&bytes).map_err(|_| "cursor is malformed".to_string())
    }

    /// Checks a decoded cursor against the request's sort and the table's id type, and returns it
    /// with its value in the exact form PostgreSQL reads back.
    ///
    /// Cursors are opaque but clients can forge them: every value is cast in SQL, so anything
    /// PostgreSQL would refuse (NUL in text, year 0, a `+23:59` offset, a rank past `smallint`, a
    /// non-uuid id) must be a 400 here rather than a database error.
    pub fn validated(mut self, sort: &Sort, id_type: IdType) -> Result<Cursor, String> {
        if self.sort_field != sort.column.field {
            return Err(format!(
                "cursor was made for sort `{}` but this request sorts by `{}`",
                self.sort_field, sort.column.field
            ));
        }
        let malformed = |what: &str| format!("cursor is malformed: {what}");
        match sort.column.sql_type {
            "timestamptz" => {
                let parsed = chrono::DateTime::parse_from_rfc3339(&self.value)
                    .map_err(|_| malformed("the position is not an RFC 3339 timestamp"))?;
                // We write UTC (`Z`); PostgreSQL refuses offsets past ±15:59.
                if parsed.offset().local_minus_utc() != 0 {
                    return Err(malformed("the position's timestamp must be in UTC"));
                }
                let utc = parsed.with_timezone(&chrono::Utc);
                use chrono::Datelike;
                if !(1..=9999).contains(&utc.year()) {
                    return Err(malformed("the position's year must be from 1 to 9999"));
                }
                self.value = timestamp_cursor_value(&utc);
            }
            "smallint" => {
                let rank: i16 = self
                    .value
                    .parse()
                    .map_err(|_| malformed("the position is not a small whole number"))?;
                self.value = rank.to_string();
            }
            _ => {
                if self.value.contains('\0') || self.value.len() > MAX_CURSOR_PART_BYTES {
                    return Err(malformed("the position is not a valid text value"));
                }
            }
        }
        match id_type {
            IdType::Uuid => {
                let id = uuid::Uuid::parse_str(&self.id)
                    .map_err(|_| malformed("the id is not a uuid"))?;
                self.id = id.to_string();
            }
            IdType::Text => {
                if self.id.contains('\0') || self.id.len() > MAX_CURSOR_PART_BYTES {
                    return Err(malformed("the id is not a valid text value"));
                }
            }
        }
        Ok(self)
    }
}

/// Longest cursor accepted (base64url characters); ours are far shorter.
pub const MAX_CURSOR_CHARS: usize = 8 * 1024;
/// Longest sort value or id inside a cursor (bytes): node ids are at most 1,024 bytes.
const MAX_CURSOR_PART_BYTES: usize = 2 * 1024;

/// Which page a caller asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub page: u32,
    pub per_page: u32,
    pub cursor: Option<Cursor>,
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest {
            page: 1,
            per_page: DEFAULT_PER_PAGE,
            cursor: None,
        }
    }
}

/// One page of results with the total matching count and, when more rows follow, a cursor.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub next_cursor: Option<String>,
}

/// Adds `AND (column, id) > (value, id)` (or `<` when descending) for a cursor, on a table whose
/// `id` column is `text`.
pub fn push_keyset(builder: &mut QueryBuilder<Postgres>, sort: &Sort, cursor: &Cursor) {
    push_keyset_with_id_type(builder, sort, cursor, IdType::Text);
}

/// The SQL type of a table's `id` column, which the cursor's id is cast to: comparing a `uuid`
/// column with a `text` parameter is an error in PostgreSQL (`operator does not exist: uuid >
/// text`), so tables keyed by uuid must say so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdType {
    Text,
    Uuid,
}

/// Like `push_keyset`, for a table whose `id` column has type `id_type`.
pub fn push_keyset_with_id_type(
    builder: &mut QueryBuilder<Postgres>,
    sort: &Sort,
    cursor: &Cursor,
    id_type: IdType,
) {
    let comparison = if sort.descending { "<" } else { ">" };
    builder.push(format!(" AND ({}, id) {comparison} (", sort.column.column));
    builder.push_bind(cursor.value.clone());
    builder.push(format!("::{}, ", sort.column.sql_type));
    builder.push_bind(cursor.id.clone());
    match id_type {
        IdType::Text => builder.push("::text)"),
        IdType::Uuid => builder.push("::uuid)"),
    };
}

/// Adds ORDER BY, LIMIT (one extra row to know whether more follow) and OFFSET when no cursor.
pub fn push_order_and_limit(
    builder: &mut QueryBuilder<Postgres>,
    sort: &Sort,
    request: &PageRequest,
) {
    let direction = if sort.descending { "DESC" } else { "ASC" };
    builder.push(format!(
        " ORDER BY {} {direction}, id {direction} LIMIT ",
        sort.column.column
    ));
    builder.push_bind(i64::from(request.per_page) + 1);
    if request.cursor.is_none() {
        builder.push(" OFFSET ");
        builder.push_bind(i64::from(request.page.saturating_sub(1)) * i64::from(request.per_page));
    }
}

/// Trims the extra row and builds the next cursor from the last row kept.
pub fn finish_page<T>(
    mut rows: Vec<T>,
    total: i64,
    sort: &Sort,
    request: &PageRequest,
    key_of: impl Fn(&T) -> (String, String),
) -> Page<T> {
    let has_more = rows.len() > request.per_page as usize;
    rows.truncate(request.per_page as usize);
    let next_cursor = if has_more {
        rows.last().map(|last| {
            let (value, id) = key_of(last);
            Cursor {
                sort_field: sort.column.field.to_string(),
                value,
                id,
            }
            .encode()
        })
    } else {
        None
    };
    Page {
        items: rows,
        total,
        next_cursor,
    }
}

/// Formats a timestamp as a cursor value Postgres reads back exactly (microseconds).
pub fn timestamp_cursor_value(value: &chrono::DateTime<chrono::Utc>) -> String {
    value.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLUMNS: &[SortColumn] = &[
        SortColumn {
            field: "name",
            column: "name",
            sql_type: "text",
        },
        SortColumn {
            field: "created_at",
            column: "created_at",
            sql_type: "timestamptz",
        },
    ];

    #[test]
    fn parses_sort_direction_and_rejects_unknown_fields() {
        let sort = Sort::parse("-created_at", COLUMNS).unwrap();
        assert!(sort.descending);
        assert_eq!(sort.column.field, "created_at");
        assert!(!Sort::parse("name", COLUMNS).unwrap().descending);
        let error = Sort::parse("colour", COLUMNS).unwrap_err();
        assert!(
            error.contains("colour") && error.contains("name, created_at"),
            "{error}"
        );
    }

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        let cursor = Cursor {
            sort_field: "name".into(),
            value: "web-01".into(),
            id: "aws:us-east-1:aws.ec2.instance:i-1".into(),
        };
        assert_eq!(Cursor::decode(&cursor.encode()).unwrap(), cursor);
        assert!(Cursor::decode("!!!").is_err());
        assert!(Cursor::decode(&URL_SAFE_NO_PAD.encode(b"[1,2]")).is_err());
    }

    fn cursor(field: &str, value: &str, id: &str) -> Cursor {
        Cursor {
            sort_field: field.into(),
            value: value.into(),
            id: id.into(),
        }
    }

    #[test]
    fn validation_refuses_what_postgres_would_refuse() {
        let by_created = Sort::parse("created_at", COLUMNS).unwrap();
        let by_name = Sort::parse("name", COLUMNS).unwrap();
        let uuid = "5f0c2b8e-8d0a-4f7e-9b7e-3c1d2e4f5a6b";
        for value in [
            "0000-01-01T00:00:00Z",
            "2026-01-01T00:00:00+23:59",
            "2026-01-01T00:00:00-23:59",
            "yesterday",
        ] {
            let error = cursor("created_at", value, uuid)
                .validated(&by_created, IdType::Uuid)
                .unwrap_err();
            assert!(error.starts_with("cursor is malformed"), "{value}: {error}");
        }
        assert!(
            cursor("name", "a\0b", "x")
                .validated(&by_name, IdType::Text)
                .is_err()
        );
        assert!(
            cursor("name", "a", "x\0")
                .validated(&by_name, IdType::Text)
                .is_err()
        );
        assert!(
            cursor("created_at", "2026-01-01T00:00:00Z", "not-a-uuid")
                .validated(&by_created, IdType::Uuid)
                .is_err()
        );
        assert!(
            cursor("name", "a", "x")
                .validated(&by_created, IdType::Text)
                .unwrap_err()
                .contains("made for sort `name`")
        );
        let normalised = cursor("created_at", "2026-01-01T01:00:00.5+00:00", uuid)
            .validated(&by_created, IdType::Uuid)
            .unwrap();
        assert_eq!(normalised.value, "2026-01-01T01:00:00.500000Z");
    }
}
