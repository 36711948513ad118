//! The whole register as one JSON document, and back into an empty database of either
//! backend: how a region that outgrows SQLite moves to PostgreSQL (`export`, `import`).
//!
//! Rows travel as JSON objects keyed by column name, in a canonical form that is the same
//! whichever database wrote them: booleans as `true`/`false`, timestamps as
//! `YYYY-MM-DD HH:MM:SS.ffffff`, dates as `YYYY-MM-DD`. Not exported: the municipalities
//! (shipped with the binary and loaded by `migrate`), sessions and login attempts
//! (everyone logs in again after the move).

use super::Conn;
use diesel::prelude::*;
use diesel::sql_types::Text;
use serde_json::{Map, Value};

/// The tables in an order that respects every foreign key.
pub const TABLES: &[&str] = &[
    "regions",
    "region_municipalities",
    "organisations",
    "users",
    "api_tokens",
    "contingents",
    "dwellings",
    "clients",
    "client_exclusion_zones",
    "client_anchors",
    "match_rounds",
    "proposals",
    "leases",
    "follow_ups",
    "contingent_ledger",
    "lt_requests",
    "outbox",
    "notifications",
    "notification_preferences",
    "audit_log",
];

/// The document's format version, checked on import.
pub const FORMAT: &str = "uitstroomtafel-export/1";

#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
    #[error("{0}")]
    Refused(String),
}

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    kind: String,
}

#[derive(QueryableByName)]
struct Json {
    #[diesel(sql_type = Text)]
    j: String,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Bool,
    Timestamp,
    Other,
}

fn columns(conn: &mut Conn, table: &str) -> QueryResult<Vec<(String, Kind)>> {
    let cols: Vec<Column> = match conn {
        Conn::Pg(_) => diesel::sql_query(
            "SELECT column_name::text AS name, data_type::text AS kind FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
        )
        .bind::<Text, _>(table)
        .load(conn)?,
        Conn::Sqlite(_) => {
            diesel::sql_query("SELECT name, type AS kind FROM pragma_table_info(?) ORDER BY cid").bind::<Text, _>(table).load(conn)?
        }
    };
    Ok(cols
        .into_iter()
        .map(|c| {
            let k = c.kind.to_lowercase();
            let kind = if k.starts_with("bool") {
                Kind::Bool
            } else if k.starts_with("timestamp") {
                Kind::Timestamp
            } else {
                Kind::Other
            };
            (c.name, kind)
        })
        .collect())
}

/// A value as the canonical form writes it.
fn canonical(kind: Kind, v: Value) -> Value {
    match (kind, v) {
        (Kind::Bool, Value::Number(n)) => Value::Bool(n.as_i64() != Some(0)),
        (Kind::Timestamp, Value::String(s)) => {
            let t = s.replace('T', " ");
            match chrono::NaiveDateTime::parse_from_str(&t, "%Y-%m-%d %H:%M:%S%.f") {
                Ok(ts) => Value::String(ts.format("%Y-%m-%d %H:%M:%S%.6f").to_string()),
                Err(_) => Value::String(t),
            }
        }
        (_, v) => v,
    }
}

/// Every row of every table, in a stable order.
pub fn export(conn: &mut Conn) -> Result<Value, TransferError> {
    let mut tables = Map::new();
    for table in TABLES {
        let cols = columns(conn, table)?;
        let sql = match conn {
            Conn::Pg(_) => format!("SELECT row_to_json(t)::text AS j FROM {table} t ORDER BY 1, 2"),
            Conn::Sqlite(_) => {
                let pairs: Vec<String> = cols.iter().map(|(c, _)| format!("'{c}', {c}")).collect();
                format!("SELECT json_object({}) AS j FROM {table} ORDER BY 1, 2", pairs.join(", "))
            }
        };
        // Order by the first two columns: the key (id, or both halves of a composite key).
        let sql = sql.replace("ORDER BY 1, 2", &format!("ORDER BY {}, {}", cols[0].0, cols[1].0));
        let rows: Vec<Json> = diesel::sql_query(sql).load(conn)?;
        let rows: Vec<Value> = rows
            .into_iter()
            .map(|r| {
                let mut obj: Map<String, Value> = serde_json::from_str(&r.j).expect("the database writes JSON");
                for (c, kind) in &cols {
                    if let Some(v) = obj.remove(c) {
                        obj.insert(c.clone(), canonical(*kind, v));
                    }
                }
                Value::Object(obj)
            })
            .collect();
        tables.insert((*table).to_string(), Value::Array(rows));
    }
    Ok(serde_json::json!({"format": FORMAT, "tables": tables}))
}

/// Reads a document into an empty, migrated database, all of it or none of it.
pub fn import(conn: &mut Conn, doc: &Value) -> Result<usize, TransferError> {
    if doc.get("format").and_then(Value::as_str) != Some(FORMAT) {
        return Err(TransferError::Refused(format!("this is not a {FORMAT} document")));
    }
    let tables = doc.get("tables").and_then(Value::as_object).ok_or_else(|| TransferError::Refused("the document has no tables".into()))?;
    if let Some(extra) = tables.keys().find(|k| !TABLES.contains(&k.as_str())) {
        return Err(TransferError::Refused(format!("unknown table {extra}")));
    }
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let existing: Count = diesel::sql_query("SELECT COUNT(*) AS n FROM regions").get_result(conn)?;
    if existing.n > 0 {
        return Err(TransferError::Refused("the database is not empty: import only into a new database".into()));
    }
    super::write_tx(conn, |conn| {
        let mut n = 0;
        for table in TABLES {
            let Some(rows) = tables.get(*table).and_then(Value::as_array) else { continue };
            let cols = columns(conn, table)?;
            let sql = match conn {
                Conn::Pg(_) => format!("INSERT INTO {table} SELECT * FROM json_populate_record(NULL::{table}, $1::json)"),
                Conn::Sqlite(_) => {
                    let names: Vec<&str> = cols.iter().map(|(c, _)| c.as_str()).collect();
                    let values: Vec<String> = names.iter().map(|c| format!("json_extract(?1, '$.\"{c}\"')")).collect();
                    format!("INSERT INTO {table} ({}) VALUES ({})", names.join(", "), values.join(", "))
                }
            };
            for row in rows {
                let obj = row.as_object().ok_or_else(|| TransferError::Refused(format!("a row of {table} is not an object")))?;
                if let Some(c) = obj.keys().find(|k| !cols.iter().any(|(name, _)| name == *k)) {
                    return Err(TransferError::Refused(format!("{table} has no column {c}")));
                }
                diesel::sql_query(&sql).bind::<Text, _>(row.to_string()).execute(conn)?;
                n += 1;
            }
            // PostgreSQL hands out ids from a sequence; move it past the imported ones.
            if matches!(conn, Conn::Pg(_)) && cols.first().is_some_and(|(c, _)| c == "id") {
                diesel::sql_query(format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                ))
                .execute(conn)?;
            }
        }
        Ok(n)
    })
}
