use super::rows::{AnchorRow, Client, ClientNeedsRow, ExclusionZoneRow};
use super::schema::{client_anchors, client_exclusion_zones, clients, organisations};
use super::Conn;
use chrono::NaiveDate;
use diesel::prelude::*;

/// Which clients a caller may see; decided by the workflow from the caller's role.
#[derive(Debug, Clone)]
pub enum ClientScope {
    /// One provider's own clients.
    Provider(i32),
    /// Every client of the region's providers.
    Region(i32),
    /// The region's clients bound to one municipality.
    Binding { region_id: i32, code: String },
}

#[derive(Debug, Clone, Default)]
pub struct ClientFilter {
    pub status: Option<String>,
    pub urgency: Option<String>,
    pub binding_municipality: Option<String>,
}

type Boxed<'a> = clients::BoxedQuery<'a, super::MultiBackend>;

fn scoped<'a>(scope: &ClientScope, f: &ClientFilter) -> Boxed<'a> {
    let region_orgs = |region_id: i32| organisations::table.filter(organisations::region_id.eq(region_id)).select(organisations::id);
    let mut q: Boxed<'a> = clients::table.into_boxed();
    q = match scope {
        ClientScope::Provider(id) => q.filter(clients::provider_id.eq(*id)),
        ClientScope::Region(r) => q.filter(clients::provider_id.eq_any(region_orgs(*r))),
        ClientScope::Binding { region_id, code } => {
            q.filter(clients::provider_id.eq_any(region_orgs(*region_id))).filter(clients::binding_municipality.eq(code.clone()))
        }
    };
    if let Some(s) = &f.status {
        q = q.filter(clients::status.eq(s.clone()));
    }
    if let Some(u) = &f.urgency {
        q = q.filter(clients::urgency.eq(u.clone()));
    }
    if let Some(m) = &f.binding_municipality {
        q = q.filter(clients::binding_municipality.eq(m.clone()));
    }
    q
}

pub fn list(conn: &mut Conn, scope: &ClientScope, f: &ClientFilter, offset: i64, limit: i64) -> QueryResult<(Vec<Client>, i64)> {
    let total = scoped(scope, f).count().get_result(conn)?;
    let items = scoped(scope, f).order(clients::id.asc()).offset(offset).limit(limit).select(Client::as_select()).load(conn)?;
    Ok((items, total))
}

pub fn find(conn: &mut Conn, scope: &ClientScope, id: i32) -> QueryResult<Option<Client>> {
    scoped(scope, &ClientFilter::default()).filter(clients::id.eq(id)).select(Client::as_select()).first(conn).optional()
}

pub fn insert(conn: &mut Conn, provider_id: i32, reference: &str, row: &ClientNeedsRow) -> QueryResult<Client> {
    let now = super::now();
    diesel::insert_into(clients::table)
        .values((
            row,
            clients::provider_id.eq(provider_id),
            clients::reference.eq(reference),
            clients::status.eq("registered"),
            clients::version.eq(1),
            clients::created_at.eq(now),
            clients::updated_at.eq(now),
        ))
        .returning(clients::id)
        .get_result::<i32>(conn)
        .and_then(|id| by_id(conn, id))
}

pub fn update_needs(conn: &mut Conn, id: i32, version: i32, row: &ClientNeedsRow) -> QueryResult<Option<Client>> {
    let n = diesel::update(clients::table.filter(clients::id.eq(id)).filter(clients::version.eq(version)))
        .set((row, clients::version.eq(version + 1), clients::updated_at.eq(super::now())))
        .execute(conn)?;
    if n == 0 {
        return Ok(None);
    }
    by_id(conn, id).map(Some)
}

/// Moves the status from `from` to `to` with its dates; `None` when the row was not in
/// `from` any more.
pub fn set_status(
    conn: &mut Conn,
    id: i32,
    from: &str,
    to: &str,
    ready_since: Option<NaiveDate>,
    paused_until: Option<NaiveDate>,
) -> QueryResult<Option<Client>> {
    let n = diesel::update(clients::table.filter(clients::id.eq(id)).filter(clients::status.eq(from)))
        .set((
            clients::status.eq(to),
            clients::ready_since.eq(ready_since),
            clients::paused_until.eq(paused_until),
            clients::version.eq(clients::version + 1),
            clients::updated_at.eq(super::now()),
        ))
        .execute(conn)?;
    if n == 0 {
        return Ok(None);
    }
    by_id(conn, id).map(Some)
}

pub fn zones(conn: &mut Conn, client_id: i32) -> QueryResult<Vec<ExclusionZoneRow>> {
    client_exclusion_zones::table
        .filter(client_exclusion_zones::client_id.eq(client_id))
        .order(client_exclusion_zones::id.asc())
        .select(ExclusionZoneRow::as_select())
        .load(conn)
}

pub fn anchors(conn: &mut Conn, client_id: i32) -> QueryResult<Vec<AnchorRow>> {
    client_anchors::table
        .filter(client_anchors::client_id.eq(client_id))
        .order(client_anchors::id.asc())
        .select(AnchorRow::as_select())
        .load(conn)
}

/// Replaces the client's exclusion zones and anchors.
pub fn replace_places(conn: &mut Conn, client_id: i32, zones: &[(f64, f64, i32)], anchors: &[(&str, f64, f64)]) -> QueryResult<()> {
    diesel::delete(client_exclusion_zones::table.filter(client_exclusion_zones::client_id.eq(client_id))).execute(conn)?;
    diesel::delete(client_anchors::table.filter(client_anchors::client_id.eq(client_id))).execute(conn)?;
    for (lat, lon, r) in zones {
        diesel::insert_into(client_exclusion_zones::table)
            .values((
                client_exclusion_zones::client_id.eq(client_id),
                client_exclusion_zones::lat.eq(lat),
                client_exclusion_zones::lon.eq(lon),
                client_exclusion_zones::radius_m.eq(r),
            ))
            .execute(conn)?;
    }
    for (kind, lat, lon) in anchors {
        diesel::insert_into(client_anchors::table)
            .values((
                client_anchors::client_id.eq(client_id),
                client_anchors::kind.eq(kind),
                client_anchors::lat.eq(lat),
                client_anchors::lon.eq(lon),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// A client by id, whoever asks: for system steps (the worker), not for callers.
pub fn by_id(conn: &mut Conn, id: i32) -> QueryResult<Client> {
    clients::table.find(id).select(Client::as_select()).first(conn)
}

/// How many clients in the scope are in each status.
pub fn count_by_status(conn: &mut Conn, scope: &ClientScope) -> QueryResult<Vec<(String, i64)>> {
    // Boxed queries cannot GROUP BY in diesel; the register is small enough to count here.
    let statuses: Vec<String> = scoped(scope, &ClientFilter::default()).select(clients::status).load(conn)?;
    let mut counts: std::collections::BTreeMap<String, i64> = Default::default();
    for s in statuses {
        *counts.entry(s).or_default() += 1;
    }
    Ok(counts.into_iter().collect())
}

/// The days the scope's ready clients became ready, and the `longest` who wait longest.
pub fn waiting(conn: &mut Conn, scope: &ClientScope, longest: i64) -> QueryResult<(Vec<Option<NaiveDate>>, Vec<Client>)> {
    let f = ClientFilter { status: Some("ready".into()), ..Default::default() };
    let days = scoped(scope, &f).select(clients::ready_since).load(conn)?;
    let first =
        scoped(scope, &f).order((clients::ready_since.asc(), clients::id.asc())).limit(longest).select(Client::as_select()).load(conn)?;
    Ok((days, first))
}

/// Ready clients per binding municipality of a region, for the map.
pub fn ready_by_binding(conn: &mut Conn, region_id: i32) -> QueryResult<Vec<(String, i64)>> {
    clients::table
        .filter(clients::provider_id.eq_any(organisations::table.filter(organisations::region_id.eq(region_id)).select(organisations::id)))
        .filter(clients::status.eq("ready"))
        .group_by(clients::binding_municipality)
        .select((clients::binding_municipality, diesel::dsl::count_star()))
        .load(conn)
}

/// A region's clients in one of `statuses`, unchanged since `before` and not yet anonymised.
pub fn due_for_anonymising(conn: &mut Conn, region_id: i32, statuses: &[&str], before: chrono::NaiveDateTime) -> QueryResult<Vec<Client>> {
    scoped(&ClientScope::Region(region_id), &ClientFilter::default())
        .filter(clients::status.eq_any(statuses.to_vec()))
        .filter(clients::updated_at.lt(before))
        .filter(clients::anonymised_at.is_null())
        .select(Client::as_select())
        .load(conn)
}

/// Removes what could identify the person: the places (exclusion zones, anchors), the
/// wish municipality, and the exact birth year (replaced by `birth_decade`).
pub fn anonymise(conn: &mut Conn, id: i32, birth_decade: i32, at: chrono::NaiveDateTime) -> QueryResult<()> {
    diesel::delete(client_exclusion_zones::table.filter(client_exclusion_zones::client_id.eq(id))).execute(conn)?;
    diesel::delete(client_anchors::table.filter(client_anchors::client_id.eq(id))).execute(conn)?;
    diesel::update(clients::table.find(id))
        .set((clients::wish_municipality.eq(None::<String>), clients::birth_year.eq(birth_decade), clients::anonymised_at.eq(Some(at))))
        .execute(conn)
        .map(|_| ())
}

/// The pseudonymous references of the given clients.
pub fn references(conn: &mut Conn, ids: &[i32]) -> QueryResult<Vec<(i32, String)>> {
    clients::table.filter(clients::id.eq_any(ids)).select((clients::id, clients::reference)).load(conn)
}

pub fn set_urgency(conn: &mut Conn, id: i32, urgency: &str) -> QueryResult<usize> {
    diesel::update(clients::table.find(id))
        .set((clients::urgency.eq(urgency), clients::version.eq(clients::version + 1), clients::updated_at.eq(super::now())))
        .execute(conn)
}
