//! A national-size register for the load benchmark: all 342 municipalities in one table,
//! 20,000 clients, 12,000 dwellings and 1,500 contingents, made up but shaped like the
//! real thing (bound and built where people live), the same for the same seed. The demo
//! logins work on it, with password `demo`.

use crate::domain::{OrgKind, ReferenceCode};
use crate::store::rows::{ClientNeedsRow, DwellingFieldsRow, NewContingentRow};
use crate::store::{clients, contingents, dwellings, organisations, Conn};
use crate::workflow::auth::hash_password;
use chrono::{Datelike, Duration, NaiveDate};
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// How big a register to make.
#[derive(Debug, Clone, Copy)]
pub struct Size {
    pub clients: usize,
    pub dwellings: usize,
    pub contingents: usize,
    pub corporations: usize,
    pub providers: usize,
}

/// The national register.
pub const NATIONAL: Size = Size { clients: 20_000, dwellings: 12_000, contingents: 1_500, corporations: 60, providers: 100 };

pub const REGION_CODE: &str = "nederland";

/// Fills an empty register; refuses one that holds a region already.
pub fn load(conn: &mut Conn, size: Size, seed: u64) -> Result<(), String> {
    let err = |e: diesel::result::Error| e.to_string();
    let regions: i64 = crate::store::schema::regions::table.count().get_result(conn).map_err(err)?;
    if regions > 0 {
        return Err("the database already holds a region; seed an empty database".into());
    }
    crate::store::write_tx(conn, |conn| fill(conn, size, seed, crate::workflow::today())).map_err(err)
}

fn fill(conn: &mut Conn, size: Size, seed: u64, today: NaiveDate) -> QueryResult<()> {
    let mut rng = StdRng::seed_from_u64(seed);
    let places = crate::geo::shipped_records();
    let codes: Vec<String> = places.iter().map(|m| m.code.clone()).collect();
    let region = organisations::create_region(conn, REGION_CODE, "Landelijke uitstroomtafel (belasting)", "{}", true, &codes)?;
    let office = organisations::create_organisation(conn, region, OrgKind::RegionOffice.as_str(), "Landelijke uitstroomtafel", None)?;
    let corps: Vec<i32> = (1..=size.corporations)
        .map(|i| organisations::create_organisation(conn, region, OrgKind::Corporation.as_str(), &format!("Corporatie {i:02}"), None))
        .collect::<QueryResult<_>>()?;
    let providers: Vec<i32> = (1..=size.providers)
        .map(|i| organisations::create_organisation(conn, region, OrgKind::Provider.as_str(), &format!("Zorgaanbieder {i:03}"), None))
        .collect::<QueryResult<_>>()?;
    let mut amsterdam = None;
    for m in &places {
        let id = organisations::create_organisation(
            conn,
            region,
            OrgKind::Municipality.as_str(),
            &format!("Gemeente {}", m.name),
            Some(&m.code),
        )?;
        if m.code == "GM0363" {
            amsterdam = Some(id);
        }
    }
    let hash = hash_password(crate::demo::PASSWORD);
    for (user, role, org) in [
        ("coordinator", "coordinator", office),
        ("corporatie", "corporation", corps[0]),
        ("zorgaanbieder", "provider", providers[0]),
        ("gemeente", "municipality", amsterdam.unwrap_or(office)),
        ("beheer", "admin", office),
    ] {
        organisations::create_user(conn, org, user, &format!("{user}@belasting.uitstroomtafel.invalid"), &hash, role)?;
    }

    // Contingents: distinct municipality × corporation pairs, caps by population.
    let (start, end) = (
        NaiveDate::from_ymd_opt(today.year(), 1, 1).expect("valid date"),
        NaiveDate::from_ymd_opt(today.year() + 1, 1, 1).expect("valid date"),
    );
    for i in 0..size.contingents {
        let (m, round) = (i % places.len(), i / places.len());
        let corp = corps[(round * 12 + m) % corps.len()];
        let cap = (places[m].population / 20_000).clamp(2, 40);
        contingents::insert(
            conn,
            &NewContingentRow {
                region_id: region,
                municipality_code: places[m].code.clone(),
                corporation_id: corp,
                period_start: start,
                period_end: end,
                cap,
            },
        )?;
    }

    // Dwellings and clients where people live.
    let weights: Vec<u32> = places.iter().map(|m| (m.population / 1000).max(1) as u32).collect();
    let total: u32 = weights.iter().sum();
    let pick = |rng: &mut StdRng| {
        let mut x = rng.random_range(0..total);
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        0
    };
    for n in 0..size.dwellings {
        let m = &places[pick(&mut rng)];
        let rooms = [1, 2, 2, 3, 3, 4][rng.random_range(0..6)];
        let floor = rng.random_range(0..5);
        let row = DwellingFieldsRow {
            municipality_code: m.code.clone(),
            kind: "contingent".into(),
            external_ref: Some(format!("NL-{n:06}")),
            street: "Belastingstraat".into(),
            house_number: format!("{}", rng.random_range(1..400)),
            postcode: format!("{} AB", rng.random_range(1000..9999)),
            city: m.name.clone(),
            lat: m.centroid_lat + rng.random_range(-0.005..0.005),
            lon: m.centroid_lon + rng.random_range(-0.005..0.005),
            rooms,
            max_household: rooms.min(4),
            rent_cents: rng.random_range(52_000..88_000) / 100 * 100,
            floor,
            has_lift: floor > 1,
            wheelchair_accessible: false,
            available_from: today + Duration::days(rng.random_range(-14..60)),
            omklap_provider_id: None,
        };
        let status = if rng.random_bool(0.85) { "published" } else { "draft" };
        dwellings::insert(conn, corps[rng.random_range(0..corps.len())], &row, status)?;
    }
    for _ in 0..size.clients {
        let m = &places[pick(&mut rng)];
        let household = [1, 1, 1, 1, 1, 1, 1, 2, 2, 3][rng.random_range(0..10)];
        let row = ClientNeedsRow {
            birth_year: today.year() - rng.random_range(19..67),
            household_size: household,
            binding_municipality: m.code.clone(),
            wish_municipality: None,
            urgency: ["urgent", "priority", "regular", "regular"][rng.random_range(0..4)].into(),
            support_level: ["light", "moderate", "intensive"][rng.random_range(0..3)].into(),
            min_rooms: if household == 1 { 1 } else { 2 },
            max_rent_cents: rng.random_range(65_000..93_000) / 100 * 100,
            needs_ground_floor: false,
            needs_lift: false,
            needs_wheelchair: false,
        };
        let reference = ReferenceCode::generate(&mut rng);
        let c = clients::insert(conn, providers[rng.random_range(0..providers.len())], reference.as_str(), &row)?;
        if rng.random_bool(0.8) {
            let since = today - Duration::days(rng.random_range(1..500));
            clients::set_status(conn, c.id, "registered", "ready", Some(since), None)?;
        }
    }
    Ok(())
}
