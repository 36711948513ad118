use super::rows::{Contingent, NewContingentRow};
use super::schema::contingents;
use super::Conn;
use diesel::prelude::*;

#[derive(Debug, Clone)]
pub enum ContingentScope {
    Region(i32),
    Corporation(i32),
    Municipality { region_id: i32, code: String },
}

type Boxed<'a> = contingents::BoxedQuery<'a, super::MultiBackend>;

fn scoped<'a>(scope: &ContingentScope) -> Boxed<'a> {
    let q: Boxed<'a> = contingents::table.into_boxed();
    match scope {
        ContingentScope::Region(r) => q.filter(contingents::region_id.eq(*r)),
        ContingentScope::Corporation(c) => q.filter(contingents::corporation_id.eq(*c)),
        ContingentScope::Municipality { region_id, code } => {
            q.filter(contingents::region_id.eq(*region_id)).filter(contingents::municipality_code.eq(code.clone()))
        }
    }
}

pub fn list(conn: &mut Conn, scope: &ContingentScope, offset: i64, limit: i64) -> QueryResult<(Vec<Contingent>, i64)> {
    let total = scoped(scope).count().get_result(conn)?;
    let items = scoped(scope)
        .order((contingents::municipality_code.asc(), contingents::corporation_id.asc(), contingents::period_start.asc()))
        .offset(offset)
        .limit(limit)
        .select(Contingent::as_select())
        .load(conn)?;
    Ok((items, total))
}

pub fn find(conn: &mut Conn, scope: &ContingentScope, id: i32) -> QueryResult<Option<Contingent>> {
    scoped(scope).filter(contingents::id.eq(id)).select(Contingent::as_select()).first(conn).optional()
}

pub fn insert(conn: &mut Conn, row: &NewContingentRow) -> QueryResult<Contingent> {
    let id = diesel::insert_into(contingents::table).values(row).returning(contingents::id).get_result::<i32>(conn)?;
    by_id(conn, id)
}

pub fn set_cap(conn: &mut Conn, id: i32, cap: i32) -> QueryResult<Contingent> {
    diesel::update(contingents::table.find(id)).set(contingents::cap.eq(cap)).execute(conn)?;
    by_id(conn, id)
}

fn by_id(conn: &mut Conn, id: i32) -> QueryResult<Contingent> {
    contingents::table.find(id).select(Contingent::as_select()).first(conn)
}
