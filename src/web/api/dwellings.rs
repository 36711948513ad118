//! `/api/v1/dwellings`: a corporation's dwellings.

use super::{etag, PageOf, PageQuery};
use crate::domain::{DwellingFields, NewDwelling};
use crate::store::rows::Dwelling;
use crate::web::error::{ApiError, Problem};
use crate::web::extract::{if_match, ApiJson, Auth};
use crate::web::AppState;
use crate::workflow::dwellings as wf;
use actix_web::{get, http::header, post, put, web, HttpRequest, HttpResponse};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A dwelling as the corporation describes it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DwellingInput {
    /// `contingent` or `omklap`.
    #[schema(example = "contingent")]
    pub kind: String,
    /// The corporation's own id for the dwelling (unique per corporation).
    pub external_ref: Option<String>,
    pub street: String,
    #[schema(example = "12a")]
    pub house_number: String,
    #[schema(example = "6811 AB")]
    pub postcode: String,
    pub city: String,
    /// WGS84 latitude.
    pub lat: f64,
    /// WGS84 longitude.
    pub lon: f64,
    /// CBS code; when left out, the coordinates decide.
    #[schema(example = "GM0202")]
    pub municipality: Option<String>,
    pub rooms: i64,
    /// Largest household the dwelling suits.
    pub max_household: i64,
    /// Monthly rent in euro cents.
    pub rent_cents: i64,
    /// Floor: 0 is the ground floor, -1 a basement.
    #[serde(default)]
    pub floor: i64,
    #[serde(default)]
    pub has_lift: bool,
    #[serde(default)]
    pub wheelchair_accessible: bool,
    pub available_from: NaiveDate,
    /// For an omklap dwelling: the provider that rents it first.
    pub omklap_provider_id: Option<i32>,
}

impl TryFrom<&DwellingInput> for NewDwelling {
    type Error = Vec<crate::domain::FieldError>;

    fn try_from(i: &DwellingInput) -> Result<Self, Self::Error> {
        NewDwelling::parse(DwellingFields {
            kind: &i.kind,
            external_ref: i.external_ref.as_deref(),
            street: &i.street,
            house_number: &i.house_number,
            postcode: &i.postcode,
            city: &i.city,
            lat: i.lat,
            lon: i.lon,
            municipality: i.municipality.as_deref(),
            rooms: i.rooms,
            max_household: i.max_household,
            rent_cents: i.rent_cents,
            floor: i.floor,
            has_lift: i.has_lift,
            wheelchair_accessible: i.wheelchair_accessible,
            available_from: i.available_from,
            omklap_provider_id: i.omklap_provider_id,
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DwellingView {
    pub id: i32,
    pub corporation_id: i32,
    pub municipality: String,
    pub kind: String,
    /// draft, published, reserved, let or withdrawn.
    pub status: String,
    pub external_ref: Option<String>,
    pub street: String,
    pub house_number: String,
    pub postcode: String,
    pub city: String,
    pub lat: f64,
    pub lon: f64,
    pub rooms: i32,
    pub max_household: i32,
    pub rent_cents: i32,
    pub floor: i32,
    pub has_lift: bool,
    pub wheelchair_accessible: bool,
    pub available_from: NaiveDate,
    pub omklap_provider_id: Option<i32>,
    /// Send it back in `If-Match` to change the dwelling.
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl From<Dwelling> for DwellingView {
    fn from(d: Dwelling) -> Self {
        DwellingView {
            id: d.id,
            corporation_id: d.corporation_id,
            municipality: d.municipality_code,
            kind: d.kind,
            status: d.status,
            external_ref: d.external_ref,
            street: d.street,
            house_number: d.house_number,
            postcode: d.postcode,
            city: d.city,
            lat: d.lat,
            lon: d.lon,
            rooms: d.rooms,
            max_household: d.max_household,
            rent_cents: d.rent_cents,
            floor: d.floor,
            has_lift: d.has_lift,
            wheelchair_accessible: d.wheelchair_accessible,
            available_from: d.available_from,
            omklap_provider_id: d.omklap_provider_id,
            version: d.version,
            created_at: d.created_at,
            updated_at: d.updated_at,
        }
    }
}

fn one(d: Dwelling, status: actix_web::http::StatusCode) -> HttpResponse {
    let mut r = HttpResponse::build(status);
    r.insert_header(etag(d.version));
    if status == actix_web::http::StatusCode::CREATED {
        r.insert_header((header::LOCATION, format!("/api/v1/dwellings/{}", d.id)));
    }
    r.json(DwellingView::from(d))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct DwellingListQuery {
    /// draft, published, reserved, let or withdrawn.
    pub status: Option<String>,
    /// contingent or omklap.
    pub kind: Option<String>,
    /// CBS code.
    pub municipality: Option<String>,
    pub corporation_id: Option<String>,
    /// `beschikbaar` (available from), `huur` (rent) or `gemeente`; else registration order.
    pub sort: Option<String>,
}

/// The dwellings the caller may see: a corporation its own, a municipality those in
/// it, a coordinator the region's.
#[utoipa::path(tag = "dwellings", params(DwellingListQuery, PageQuery),
    responses((status = 200, body = PageOf<DwellingView>), (status = 422, body = Problem)))]
#[get("/dwellings")]
pub async fn list(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    Auth(caller): Auth,
    f: web::Query<DwellingListQuery>,
    p: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = p.page()?;
    let f = f.into_inner();
    // The same page for the same scope, asked again within moments: served as it was.
    let key = format!("{:?}?{}", caller.dwelling_scope()?, req.query_string());
    let generation = crate::store::dwellings::generation();
    if let Some(body) = state.dwelling_pages.get(&key, generation) {
        return Ok(HttpResponse::Ok().content_type(mime::APPLICATION_JSON).body(body));
    }
    let paged = state
        .db
        .run(move |c| {
            let q = wf::ListQuery {
                sort: f.sort.as_deref(),
                status: f.status.as_deref(),
                kind: f.kind.as_deref(),
                municipality: f.municipality.as_deref(),
                corporation_id: f.corporation_id.as_deref(),
            };
            wf::list(c, &caller, q, page)
        })
        .await?;
    let body = web::Bytes::from(serde_json::to_vec(&PageOf::from(paged, DwellingView::from)).expect("a page serialises"));
    state.dwelling_pages.put(key, generation, body.clone());
    Ok(HttpResponse::Ok().content_type(mime::APPLICATION_JSON).body(body))
}

/// Registers a dwelling as a draft (corporations only).
#[utoipa::path(tag = "dwellings", request_body = DwellingInput,
    responses((status = 201, body = DwellingView), (status = 422, body = Problem), (status = 403, body = Problem)))]
#[post("/dwellings")]
pub async fn create(state: web::Data<AppState>, Auth(caller): Auth, body: ApiJson<DwellingInput>) -> Result<HttpResponse, ApiError> {
    let d = NewDwelling::try_from(&body.0)?;
    let created = state.db.run(move |c| wf::create(c, &caller, &d)).await?;
    Ok(one(created, actix_web::http::StatusCode::CREATED))
}

/// Registers several dwellings in one go: all, or none when any row fails. Errors name
/// the row, e.g. `[2].postcode`.
#[utoipa::path(tag = "dwellings", request_body = Vec<DwellingInput>,
    responses((status = 201, body = Vec<DwellingView>), (status = 422, body = Problem)))]
#[post("/dwellings/batch")]
pub async fn create_batch(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    body: ApiJson<Vec<DwellingInput>>,
) -> Result<HttpResponse, ApiError> {
    let mut errs = Vec::new();
    let mut ds = Vec::new();
    for (i, input) in body.0.iter().enumerate() {
        match NewDwelling::try_from(input) {
            Ok(d) => ds.push(d),
            Err(es) => errs.extend(es.into_iter().map(|e| {
                let f = format!("[{i}].{}", e.field);
                e.at(f)
            })),
        }
    }
    if !errs.is_empty() {
        return Err(errs.into());
    }
    let created = state.db.run(move |c| wf::create_many(c, &caller, &ds)).await?;
    Ok(HttpResponse::Created().json(created.into_iter().map(DwellingView::from).collect::<Vec<_>>()))
}

#[utoipa::path(tag = "dwellings", responses((status = 200, body = DwellingView), (status = 404, body = Problem)))]
#[get("/dwellings/{id}")]
pub async fn get(state: web::Data<AppState>, Auth(caller): Auth, id: web::Path<i32>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let d = state.db.run(move |c| wf::get(c, &caller, id)).await?;
    Ok(one(d, actix_web::http::StatusCode::OK))
}

/// Replaces a dwelling's details while it is a draft or published. Send the ETag of
/// your last GET in `If-Match`.
#[utoipa::path(tag = "dwellings", request_body = DwellingInput,
    params(("If-Match" = String, Header, description = "the version being changed, e.g. \"3\"")),
    responses((status = 200, body = DwellingView), (status = 409, body = Problem), (status = 428, body = Problem)))]
#[put("/dwellings/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    req: HttpRequest,
    id: web::Path<i32>,
    body: ApiJson<DwellingInput>,
) -> Result<HttpResponse, ApiError> {
    let version = if_match(&req)?;
    let d = NewDwelling::try_from(&body.0)?;
    let id = id.into_inner();
    let updated = state.db.run(move |c| wf::update(c, &caller, id, version, &d)).await?;
    Ok(one(updated, actix_web::http::StatusCode::OK))
}

/// Publishes a draft: from now on the matcher may propose it.
#[utoipa::path(tag = "dwellings", responses((status = 200, body = DwellingView), (status = 409, body = Problem)))]
#[post("/dwellings/{id}/publish")]
pub async fn publish(state: web::Data<AppState>, Auth(caller): Auth, id: web::Path<i32>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let d = state.db.run(move |c| wf::publish(c, &caller, id)).await?;
    Ok(one(d, actix_web::http::StatusCode::OK))
}

/// Withdraws a draft or published dwelling.
#[utoipa::path(tag = "dwellings", responses((status = 200, body = DwellingView), (status = 409, body = Problem)))]
#[post("/dwellings/{id}/withdraw")]
pub async fn withdraw(state: web::Data<AppState>, Auth(caller): Auth, id: web::Path<i32>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let d = state.db.run(move |c| wf::withdraw(c, &caller, id)).await?;
    Ok(one(d, actix_web::http::StatusCode::OK))
}
