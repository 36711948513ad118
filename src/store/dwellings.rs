use super::rows::{Dwelling, DwellingFieldsRow};
use super::schema::{dwellings, organisations};
use super::Conn;
use diesel::prelude::*;

/// Which dwellings a caller may see; decided by the workflow from the caller's role.
#[derive(Debug, Clone)]
pub enum DwellingScope {
    /// One corporation's own dwellings.
    Corporation(i32),
    /// Every dwelling of the region's corporations.
    Region(i32),
    /// The dwellings in one municipality of the region.
    Municipality { region_id: i32, code: String },
}

/// The order of a dwelling list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DwellingSort {
    #[default]
    Registered,
    AvailableFrom,
    Rent,
    Municipality,
}

#[derive(Debug, Clone, Default)]
pub struct DwellingFilter {
    pub sort: DwellingSort,
    pub status: Option<String>,
    pub kind: Option<String>,
    pub municipality: Option<String>,
    pub corporation_id: Option<i32>,
}

type Boxed<'a> = dwellings::BoxedQuery<'a, super::MultiBackend>;

fn scoped<'a>(scope: &DwellingScope, f: &DwellingFilter) -> Boxed<'a> {
    scoped_for(scope, f, false)
}

/// The scope's rows; `in_id_order` when the caller pages through them by id.
fn scoped_for<'a>(scope: &DwellingScope, f: &DwellingFilter, in_id_order: bool) -> Boxed<'a> {
    let region_orgs = |region_id: i32| organisations::table.filter(organisations::region_id.eq(region_id)).select(organisations::id);
    let mut q: Boxed<'a> = dwellings::table.into_boxed();
    q = match scope {
        DwellingScope::Corporation(id) => q.filter(dwellings::corporation_id.eq(*id)),
        // For a page in id order the unary plus keeps SQLite from reading through the
        // corporation index and then sorting every row: in id order the page is found by
        // counting, which at a national register is 16 times faster. A count keeps the
        // index, which covers it. (PostgreSQL plans both alike.)
        DwellingScope::Region(r) if in_id_order => q.filter(diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
            "(+dwellings.corporation_id) IN (SELECT id FROM organisations WHERE region_id = {r})"
        ))),
        DwellingScope::Region(r) => q.filter(dwellings::corporation_id.eq_any(region_orgs(*r))),
        DwellingScope::Municipality { region_id, code } => {
            q.filter(dwellings::corporation_id.eq_any(region_orgs(*region_id))).filter(dwellings::municipality_code.eq(code.clone()))
        }
    };
    if let Some(s) = &f.status {
        q = q.filter(dwellings::status.eq(s.clone()));
    }
    if let Some(k) = &f.kind {
        q = q.filter(dwellings::kind.eq(k.clone()));
    }
    if let Some(m) = &f.municipality {
        q = q.filter(dwellings::municipality_code.eq(m.clone()));
    }
    if let Some(c) = f.corporation_id {
        q = q.filter(dwellings::corporation_id.eq(c));
    }
    q
}

/// A list's total, kept for `TOTAL_TTL` per database, scope and filter: counting every
/// row of a national register for every page costs more than the page itself. This
/// process's own writes clear it; another instance's writes show in the total within the
/// TTL.
const TOTAL_TTL: std::time::Duration = std::time::Duration::from_secs(2);

type Totals = std::sync::Mutex<std::collections::HashMap<String, (std::time::Instant, i64)>>;

fn totals() -> &'static Totals {
    static TOTALS: std::sync::OnceLock<Totals> = std::sync::OnceLock::new();
    TOTALS.get_or_init(Default::default)
}

/// Counts this process's writes to dwellings, so a cache of what was read can tell it
/// is out of date.
static GENERATION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How many writes to dwellings this process has made.
pub fn generation() -> u64 {
    GENERATION.load(std::sync::atomic::Ordering::Acquire)
}

/// Forgets the kept totals; every write to dwellings calls it.
fn forget_totals() {
    GENERATION.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    totals().lock().unwrap_or_else(|e| e.into_inner()).clear();
}

fn total(conn: &mut Conn, scope: &DwellingScope, f: &DwellingFilter) -> QueryResult<i64> {
    let key = format!("{}|{scope:?}|{:?}|{:?}|{:?}|{:?}", super::current_db(), f.status, f.kind, f.municipality, f.corporation_id);
    {
        let mut kept = totals().lock().unwrap_or_else(|e| e.into_inner());
        if let Some((at, n)) = kept.get_mut(&key) {
            if at.elapsed() < TOTAL_TTL {
                return Ok(*n);
            }
            // Expired: this request counts again; the others meanwhile keep the old total
            // instead of all counting at once.
            *at = std::time::Instant::now();
        }
    }
    let n = scoped(scope, f).count().get_result(conn)?;
    totals().lock().unwrap_or_else(|e| e.into_inner()).insert(key, (std::time::Instant::now(), n));
    Ok(n)
}

pub fn list(conn: &mut Conn, scope: &DwellingScope, f: &DwellingFilter, offset: i64, limit: i64) -> QueryResult<(Vec<Dwelling>, i64)> {
    let total = total(conn, scope, f)?;
    let q = scoped_for(scope, f, f.sort == DwellingSort::Registered);
    let q = match f.sort {
        DwellingSort::Registered => q.order(dwellings::id.asc()),
        DwellingSort::AvailableFrom => q.order((dwellings::available_from.asc(), dwellings::id.asc())),
        DwellingSort::Rent => q.order((dwellings::rent_cents.asc(), dwellings::id.asc())),
        DwellingSort::Municipality => q.order((dwellings::municipality_code.asc(), dwellings::id.asc())),
    };
    let items = q.offset(offset).limit(limit).select(Dwelling::as_select()).load(conn)?;
    Ok((items, total))
}

/// One dwelling, only when it lies within the scope.
pub fn find(conn: &mut Conn, scope: &DwellingScope, id: i32) -> QueryResult<Option<Dwelling>> {
    scoped(scope, &DwellingFilter::default()).filter(dwellings::id.eq(id)).select(Dwelling::as_select()).first(conn).optional()
}

pub fn insert(conn: &mut Conn, corporation_id: i32, row: &DwellingFieldsRow, status: &str) -> QueryResult<Dwelling> {
    forget_totals();
    let now = super::now();
    diesel::insert_into(dwellings::table)
        .values((
            row,
            dwellings::corporation_id.eq(corporation_id),
            dwellings::status.eq(status),
            dwellings::version.eq(1),
            dwellings::created_at.eq(now),
            dwellings::updated_at.eq(now),
        ))
        .returning(dwellings::id)
        .get_result::<i32>(conn)
        .and_then(|id| by_id(conn, id))
}

/// Updates the fields when the row still has `version`; `None` when someone else
/// changed it first (optimistic concurrency).
pub fn update(conn: &mut Conn, id: i32, version: i32, row: &DwellingFieldsRow) -> QueryResult<Option<Dwelling>> {
    forget_totals();
    let n = diesel::update(dwellings::table.filter(dwellings::id.eq(id)).filter(dwellings::version.eq(version)))
        .set((row, dwellings::version.eq(version + 1), dwellings::updated_at.eq(super::now())))
        .execute(conn)?;
    if n == 0 {
        return Ok(None);
    }
    by_id(conn, id).map(Some)
}

/// Moves the status from `from` to `to`; `None` when the row was not in `from` any more.
pub fn set_status(conn: &mut Conn, id: i32, from: &str, to: &str) -> QueryResult<Option<Dwelling>> {
    forget_totals();
    let n = diesel::update(dwellings::table.filter(dwellings::id.eq(id)).filter(dwellings::status.eq(from)))
        .set((dwellings::status.eq(to), dwellings::version.eq(dwellings::version + 1), dwellings::updated_at.eq(super::now())))
        .execute(conn)?;
    if n == 0 {
        return Ok(None);
    }
    by_id(conn, id).map(Some)
}

/// A dwelling by id, whoever asks: for system steps (the worker), not for callers.
pub fn by_id(conn: &mut Conn, id: i32) -> QueryResult<Dwelling> {
    dwellings::table.find(id).select(Dwelling::as_select()).first(conn)
}

/// How many dwellings in the scope are in each status.
pub fn count_by_status(conn: &mut Conn, scope: &DwellingScope) -> QueryResult<Vec<(String, i64)>> {
    // Boxed queries cannot GROUP BY in diesel; the register is small enough to count here.
    let statuses: Vec<String> = scoped(scope, &DwellingFilter::default()).select(dwellings::status).load(conn)?;
    let mut counts: std::collections::BTreeMap<String, i64> = Default::default();
    for s in statuses {
        *counts.entry(s).or_default() += 1;
    }
    Ok(counts.into_iter().collect())
}

/// How many dwellings in the scope are published.
pub fn published_count(conn: &mut Conn, scope: &DwellingScope) -> QueryResult<i64> {
    let f = DwellingFilter { status: Some("published".into()), ..Default::default() };
    scoped(scope, &f).count().get_result(conn)
}

/// Published dwellings per municipality of a region, for the map.
pub fn published_by_municipality(conn: &mut Conn, region_id: i32) -> QueryResult<Vec<(String, i64)>> {
    dwellings::table
        .filter(
            dwellings::corporation_id.eq_any(organisations::table.filter(organisations::region_id.eq(region_id)).select(organisations::id)),
        )
        .filter(dwellings::status.eq("published"))
        .group_by(dwellings::municipality_code)
        .select((dwellings::municipality_code, diesel::dsl::count_star()))
        .load(conn)
}

/// Whether the dwelling is still published (a round checks before it proposes it).
pub fn is_published(conn: &mut Conn, id: i32) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(dwellings::table.filter(dwellings::id.eq(id)).filter(dwellings::status.eq("published"))))
        .get_result(conn)
}

/// After the flip the dwelling is the client's own rental: it leaves the omklap pool.
pub fn leave_omklap_pool(conn: &mut Conn, id: i32) -> QueryResult<usize> {
    forget_totals();
    diesel::update(dwellings::table.filter(dwellings::id.eq(id)).filter(dwellings::kind.eq("omklap")))
        .set((
            dwellings::kind.eq("contingent"),
            dwellings::omklap_provider_id.eq(None::<i32>),
            dwellings::version.eq(dwellings::version + 1),
            dwellings::updated_at.eq(super::now()),
        ))
        .execute(conn)
}
