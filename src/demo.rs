//! Demo data a coordinator recognises: the centrumgemeente Arnhem region with its ten
//! real municipalities, three corporations, three providers, some 60 clients and 40
//! dwellings at plausible addresses, contingents, and 18 months of past placements. Organisations are made up. The
//! same seed gives the same demo every time.

use crate::domain::{Coordinates, OrgKind, ReferenceCode, Role};
use crate::geo::MunicipalityIndex;
use crate::store::rows::{ClientNeedsRow, DwellingFieldsRow, NewContingentRow};
use crate::store::{clients, contingents, dwellings, municipalities, organisations, Conn};
use crate::workflow::auth::hash_password;
use chrono::{Datelike, Duration, NaiveDate};
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

pub const REGION_CODE: &str = "centrumregio-arnhem";
pub const PASSWORD: &str = "demo";

/// The demo logins: username, role, organisation.
pub const LOGINS: &[(&str, Role, &str)] = &[
    ("coordinator", Role::Coordinator, OFFICE),
    ("corporatie", Role::Corporation, CORPORATIONS[0]),
    ("zorgaanbieder", Role::Provider, PROVIDERS[0]),
    ("gemeente", Role::Municipality, "Gemeente Arnhem"),
    ("beheer", Role::Admin, OFFICE),
];

pub const OFFICE: &str = "Uitstroomtafel Centrumregio Arnhem";
pub const CORPORATIONS: [&str; 3] = ["Woonstichting Rijnstad", "Veluwezoom Wonen", "Betuwe Woondiensten"];
pub const PROVIDERS: [&str; 3] = ["Stichting Beschermd Thuis Gelderland", "Zorggroep Rijn en IJssel", "Opvang De Overkant"];

/// A demo municipality: CBS code, name, its range of postcode digits, some streets.
struct Place(&'static str, &'static str, (u16, u16), &'static [&'static str]);

const PLACES: &[Place] = &[
    Place(
        "GM0202",
        "Arnhem",
        (6811, 6846),
        &["Steenstraat", "Sonsbeeksingel", "Hommelseweg", "Kronenburgsingel", "Vredenburgweg", "Schuytgraaf", "Presikhaafweg"],
    ),
    Place("GM0221", "Doesburg", (6981, 6984), &["Kerkstraat", "Koepoortstraat", "Ooipoortstraat"]),
    Place("GM0226", "Duiven", (6921, 6923), &["Rijksweg", "Eltensestraat", "Horsterpark"]),
    Place("GM1705", "Lingewaard", (6851, 6852), &["Dorpsstraat", "Rijksstraatweg", "Julianastraat"]),
    Place("GM1734", "Overbetuwe", (6661, 6665), &["Stationsstraat", "Rijksweg-Noord", "Dorpsstraat"]),
    Place("GM0274", "Renkum", (6861, 6871), &["Utrechtseweg", "Dorpsstraat", "Bredelaan"]),
    Place("GM0275", "Rheden", (6881, 6991), &["Arnhemsestraatweg", "Dorpsstraat", "Velperweg"]),
    Place("GM0277", "Rozendaal", (6891, 6891), &["Beekhuizenseweg"]),
    Place("GM0293", "Westervoort", (6931, 6932), &["Dorpsstraat", "Hoofdstraat", "Emmastraat"]),
    Place("GM0299", "Zevenaar", (6901, 6911), &["Grietsestraat", "Kerkstraat", "Babberichseweg"]),
];

/// Beschermd-wonen clients per municipality in January 2021 (data/), as weights for
/// where demo clients are bound.
fn client_weights() -> Vec<(String, u32)> {
    let csv = include_str!("../data/bw_clients_arnhem_region.csv");
    let mut rdr = csv::Reader::from_reader(csv.as_bytes());
    rdr.records()
        .filter_map(|r| r.ok())
        .filter(|r| !r[1].is_empty())
        .map(|r| (r[1].to_string(), r[5].parse::<u32>().unwrap_or(0).max(1)))
        .collect()
}

fn pick_weighted<'a>(rng: &mut StdRng, items: &'a [(String, u32)]) -> &'a str {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut x = rng.random_range(0..total);
    for (k, w) in items {
        if x < *w {
            return k;
        }
        x -= w;
    }
    &items[0].0
}

/// A point in the municipality near its centroid: sampled until it lies inside.
fn point_in(rng: &mut StdRng, conn: &mut Conn, code: &str) -> QueryResult<(f64, f64)> {
    let m = municipalities::find(conn, code)?.ok_or(diesel::result::Error::NotFound)?;
    let idx = MunicipalityIndex::shipped();
    for _ in 0..200 {
        let lat = m.centroid_lat + rng.random_range(-0.02..0.02);
        let lon = m.centroid_lon + rng.random_range(-0.03..0.03);
        let c = Coordinates::parse("demo", lat, lon).expect("near a Dutch centroid");
        if idx.locate(c) == Some(code) {
            return Ok(((lat * 1e5).round() / 1e5, (lon * 1e5).round() / 1e5));
        }
    }
    Ok((m.centroid_lat, m.centroid_lon))
}

/// Loads the demo into an empty register, or leaves an existing demo as it is. Refuses
/// a register that holds other data.
pub fn load(conn: &mut Conn) -> Result<bool, String> {
    let err = |e: diesel::result::Error| e.to_string();
    if organisations::find_region_by_code(conn, REGION_CODE).map_err(err)?.is_some_and(|r| r.is_demo) {
        return Ok(false);
    }
    let regions: i64 = crate::store::schema::regions::table.count().get_result(conn).map_err(err)?;
    if regions > 0 {
        return Err("the database already holds a region that is not the demo; use an empty database for --demo".into());
    }
    crate::store::write_tx(conn, |conn| fill(conn, crate::workflow::today())).map_err(err)?;
    Ok(true)
}

fn fill(conn: &mut Conn, today: NaiveDate) -> QueryResult<()> {
    let mut rng = StdRng::seed_from_u64(2026);
    let codes: Vec<String> = PLACES.iter().map(|p| p.0.to_string()).collect();
    let policy =
        serde_json::json!({"escalation_days": 180, "offer_deadline_working_days": 10, "stall_days": 7, "intensive_support_max_km": 15})
            .to_string();
    let region = organisations::create_region(conn, REGION_CODE, "Centrumregio Arnhem", &policy, true, &codes)?;

    let office = organisations::create_organisation(conn, region, OrgKind::RegionOffice.as_str(), OFFICE, None)?;
    let corps: Vec<i32> = CORPORATIONS
        .iter()
        .map(|n| organisations::create_organisation(conn, region, OrgKind::Corporation.as_str(), n, None))
        .collect::<QueryResult<_>>()?;
    let providers: Vec<i32> = PROVIDERS
        .iter()
        .map(|n| organisations::create_organisation(conn, region, OrgKind::Provider.as_str(), n, None))
        .collect::<QueryResult<_>>()?;
    for Place(code, name, ..) in PLACES {
        organisations::create_organisation(conn, region, OrgKind::Municipality.as_str(), &format!("Gemeente {name}"), Some(code))?;
    }
    let _ = office;
    // The providers' ambulant teams start from Arnhem, Rheden and Zevenaar.
    for (provider, base) in providers.iter().zip(["GM0202", "GM0275", "GM0299"]) {
        let m = municipalities::find(conn, base)?.ok_or(diesel::result::Error::NotFound)?;
        crate::store::rounds::set_base(conn, *provider, m.centroid_lat, m.centroid_lon)?;
    }

    // One hash for all demo logins: argon2 is slow on purpose, the demo need not wait.
    let hash = hash_password(PASSWORD);
    for (username, role, org) in LOGINS {
        let org = organisations::find_organisation_by_name(conn, org)?.ok_or(diesel::result::Error::NotFound)?;
        organisations::create_user(conn, org.id, username, &format!("{username}@demo.uitstroomtafel.invalid"), &hash, role.as_str())?;
    }

    // Corporations each serve a part of the region; Arnhem is served by all three.
    let serves = |corp: usize, code: &str| -> bool {
        let i = PLACES.iter().position(|p| p.0 == code).unwrap_or(0);
        code == "GM0202" || i % 3 == corp
    };

    // Contingents for the calendar year, by population.
    let year_start = NaiveDate::from_ymd_opt(today.year(), 1, 1).expect("valid date");
    let year_end = NaiveDate::from_ymd_opt(today.year() + 1, 1, 1).expect("valid date");
    for Place(code, ..) in PLACES {
        let pop = municipalities::find(conn, code)?.map(|m| m.population).unwrap_or(10_000);
        for (ci, corp) in corps.iter().enumerate() {
            if serves(ci, code) {
                let cap = (pop / 40_000).clamp(1, 6) + if *code == "GM0202" { 2 } else { 0 };
                contingents::insert(
                    conn,
                    &NewContingentRow {
                        region_id: region,
                        municipality_code: code.to_string(),
                        corporation_id: *corp,
                        period_start: year_start,
                        period_end: year_end,
                        cap,
                    },
                )?;
            }
        }
    }

    // 40 dwellings, where people live.
    let populations: Vec<(String, u32)> = PLACES
        .iter()
        .map(|p| (p.0.to_string(), municipalities::find(conn, p.0).ok().flatten().map(|m| m.population as u32 / 1000).unwrap_or(1).max(1)))
        .collect();
    for n in 0..40 {
        let code = pick_weighted(&mut rng, &populations).to_string();
        let place = PLACES.iter().find(|p| p.0 == code).expect("picked from PLACES");
        let serving: Vec<i32> = corps.iter().enumerate().filter(|(ci, _)| serves(*ci, &code)).map(|(_, c)| *c).collect();
        let corp = serving[rng.random_range(0..serving.len())];
        let omklap = rng.random_bool(0.25);
        let rooms = [1, 2, 2, 3, 3, 4][rng.random_range(0..6)];
        let floor = rng.random_range(0..5);
        let (lat, lon) = point_in(&mut rng, conn, &code)?;
        let letters = ["AB", "BC", "CD", "EG", "HJ", "KL", "MN", "PR", "TV", "XZ"][rng.random_range(0..10)];
        let row = DwellingFieldsRow {
            municipality_code: code.clone(),
            kind: if omklap { "omklap" } else { "contingent" }.into(),
            external_ref: Some(format!("VHE-{:05}", 10_000 + n * 37)),
            street: place.3[rng.random_range(0..place.3.len())].into(),
            house_number: format!("{}{}", rng.random_range(1..180), if rng.random_bool(0.2) { "a" } else { "" }),
            postcode: format!("{} {letters}", rng.random_range(place.2 .0..=place.2 .1)),
            city: place.1.into(),
            lat,
            lon,
            rooms,
            max_household: rooms.min(4),
            rent_cents: rng.random_range(52_000..88_000) / 100 * 100,
            floor,
            has_lift: floor > 1 && rng.random_bool(0.6),
            wheelchair_accessible: floor == 0 && rng.random_bool(0.3),
            available_from: today + Duration::days(rng.random_range(-14..60)),
            omklap_provider_id: omklap.then(|| providers[rng.random_range(0..providers.len())]),
        };
        let status = if rng.random_bool(0.8) { "published" } else { "draft" };
        dwellings::insert(conn, corp, &row, status)?;
    }

    // 60 clients, bound where beschermd wonen clients live.
    let weights = client_weights();
    for _ in 0..60 {
        let binding = pick_weighted(&mut rng, &weights).to_string();
        let household = [1, 1, 1, 1, 1, 1, 1, 2, 2, 3][rng.random_range(0..10)];
        let urgency = ["urgent", "priority", "priority", "regular", "regular", "regular"][rng.random_range(0..6)];
        let support = ["light", "light", "moderate", "moderate", "intensive"][rng.random_range(0..5)];
        let wish = rng.random_bool(0.15).then(|| codes[rng.random_range(0..codes.len())].clone()).filter(|w| *w != binding);
        let row = ClientNeedsRow {
            birth_year: today.year() - rng.random_range(19..67),
            household_size: household,
            binding_municipality: binding.clone(),
            wish_municipality: wish,
            urgency: urgency.into(),
            support_level: support.into(),
            min_rooms: (household + 1).min(4).max(if household == 1 { 1 } else { 2 }),
            max_rent_cents: rng.random_range(65_000..93_000) / 100 * 100,
            needs_ground_floor: rng.random_bool(0.1),
            needs_lift: rng.random_bool(0.1),
            needs_wheelchair: rng.random_bool(0.05),
        };
        let provider = providers[rng.random_range(0..providers.len())];
        let reference = ReferenceCode::generate(&mut rng);
        let client = clients::insert(conn, provider, reference.as_str(), &row)?;
        let mut anchors = Vec::new();
        if rng.random_bool(0.5) {
            let (lat, lon) = point_in(&mut rng, conn, &binding)?;
            anchors.push(("network", lat, lon));
        }
        let zones = if rng.random_bool(0.1) {
            let (lat, lon) = point_in(&mut rng, conn, &binding)?;
            vec![(lat, lon, 1500)]
        } else {
            vec![]
        };
        clients::replace_places(conn, client.id, &zones, &anchors)?;
        let roll = rng.random_range(0..10);
        if roll < 7 {
            let since = today - Duration::days(rng.random_range(3..420));
            clients::set_status(conn, client.id, "registered", "ready", Some(since), None)?;
        } else if roll == 7 {
            let until = today + Duration::days(rng.random_range(14..90));
            clients::set_status(conn, client.id, "registered", "paused", None, Some(until))?;
        }
    }
    history(conn, region, &corps, &providers, &serves, today)
}

/// How many placements the demo's past holds.
pub const PAST_PLACEMENTS: usize = 36;

/// The table's past 18 months, so the monitor, the fairness page and the follow-ups
/// have something to show: placements with their leases, one finished round per
/// quarter, contingents of last year, and the follow-ups the providers answered. This
/// year's contingents grow by what the past used, so what is left today is unchanged.
fn history(
    conn: &mut Conn,
    region: i32,
    corps: &[i32],
    providers: &[i32],
    serves: &dyn Fn(usize, &str) -> bool,
    today: NaiveDate,
) -> QueryResult<()> {
    use crate::domain::{follow_up, FollowUpOutcome};
    use crate::store::{follow_ups, proposals, rounds};
    let mut rng = StdRng::seed_from_u64(2025);
    let coordinator = organisations::find_user_by_name(conn, "coordinator")?.ok_or(diesel::result::Error::NotFound)?;
    let this_year = NaiveDate::from_ymd_opt(today.year(), 1, 1).expect("valid date");
    let last_year = NaiveDate::from_ymd_opt(today.year() - 1, 1, 1).expect("valid date");
    let scope = contingents::ContingentScope::Region(region);
    let (current, _) = contingents::list(conn, &scope, 0, 1000)?;
    let mut last: Vec<crate::store::rows::Contingent> = Vec::new();
    for k in &current {
        last.push(contingents::insert(
            conn,
            &NewContingentRow {
                region_id: region,
                municipality_code: k.municipality_code.clone(),
                corporation_id: k.corporation_id,
                period_start: last_year,
                period_end: this_year,
                cap: k.cap,
            },
        )?);
    }
    let weights = client_weights();
    let mut placements: Vec<(NaiveDate, String, usize)> = (0..PAST_PLACEMENTS)
        .map(|_| (today - Duration::days(rng.random_range(20..540)), pick_weighted(&mut rng, &weights).to_string(), rng.random_range(0..3)))
        .collect();
    placements.sort();
    // One finished round a quarter, dated a month before its first lease.
    let finish = |conn: &mut Conn, id: i32, proposed: usize| {
        let summary = crate::workflow::rounds::Summary {
            clients_considered: proposed,
            dwellings_considered: proposed,
            proposed,
            skipped: 0,
            unmatched: vec![],
            contingents: vec![],
            solver: crate::workflow::rounds::SolverStats {
                status: solver::optimize::Status::Optimal,
                gap: 0.0,
                stages: vec![],
                nodes: 0,
                millis: 0,
            },
        };
        rounds::finish(conn, id, "done", &serde_json::to_string(&summary).expect("a summary serialises"))
    };
    let mut round: Option<(i32, (i32, u32), usize)> = None;
    for (n, (signed, binding, provider)) in placements.into_iter().enumerate() {
        let quarter = (signed.year(), signed.month0() / 3);
        if round.is_none_or(|r| r.1 != quarter) {
            if let Some((id, _, proposed)) = round {
                finish(conn, id, proposed)?;
            }
            round = Some((rounds::start(conn, region, coordinator.id, signed - Duration::days(30))?, quarter, 0));
        }
        let round_id = round.as_ref().expect("just set").0;
        if let Some(r) = round.as_mut() {
            r.2 += 1;
        }
        let ready = signed - Duration::days(rng.random_range(25..400));
        // Most live where they are bound; some moved to Arnhem, their approved wish,
        // which every corporation serves. Each placement keeps the region's rules.
        let code = if rng.random_bool(0.85) { binding.clone() } else { "GM0202".to_string() };
        let household = [1, 1, 1, 1, 2, 3][rng.random_range(0..6)];
        let row = ClientNeedsRow {
            birth_year: today.year() - rng.random_range(19..67),
            household_size: household,
            binding_municipality: binding.clone(),
            wish_municipality: (code != binding).then(|| code.clone()),
            urgency: ["urgent", "priority", "regular", "regular"][rng.random_range(0..4)].into(),
            support_level: ["light", "moderate"][rng.random_range(0..2)].into(),
            min_rooms: if household == 1 { 1 } else { 2 },
            max_rent_cents: 85_000,
            needs_ground_floor: false,
            needs_lift: false,
            needs_wheelchair: false,
        };
        let client = clients::insert(conn, providers[provider], ReferenceCode::generate(&mut rng).as_str(), &row)?;
        clients::set_status(conn, client.id, "registered", "placed", Some(ready), None)?;
        let place = PLACES.iter().find(|p| p.0 == code).expect("a demo place");
        let serving: Vec<usize> = (0..corps.len()).filter(|ci| serves(*ci, &code)).collect();
        let ci = serving[rng.random_range(0..serving.len())];
        let period = if signed < this_year { &last } else { &current };
        let contingent = period.iter().find(|k| k.municipality_code == binding && k.corporation_id == corps[ci]).map(|k| k.id);
        let omklap = contingent.is_none() || rng.random_bool(0.25);
        let (lat, lon) = point_in(&mut rng, conn, &code)?;
        let dwelling = dwellings::insert(
            conn,
            corps[ci],
            &DwellingFieldsRow {
                municipality_code: code.clone(),
                kind: if omklap { "omklap" } else { "contingent" }.into(),
                external_ref: Some(format!("VHE-{:05}", 20_000 + n * 41)),
                street: place.3[rng.random_range(0..place.3.len())].into(),
                house_number: rng.random_range(1..180).to_string(),
                postcode: format!("{} AA", place.2 .0),
                city: place.1.into(),
                lat,
                lon,
                rooms: household.max(1) + 1,
                max_household: 4,
                rent_cents: rng.random_range(55_000..71_000) / 100 * 100,
                floor: rng.random_range(0..4),
                has_lift: false,
                wheelchair_accessible: false,
                available_from: signed - Duration::days(rng.random_range(7..40)),
                omklap_provider_id: omklap.then_some(providers[provider]),
            },
            "let",
        )?;
        let k = (!omklap).then_some(contingent).flatten();
        let proposal = rounds::insert_proposal(conn, round_id, client.id, dwelling.id, 2, 0, "{}", k)?;
        proposals::set_status(conn, proposal, "proposed", "placed", None, None)?;
        proposals::insert_lease(conn, dwelling.id, client.id, proposal, signed)?;
        if let Some(k) = k {
            // This year's agreement grows by what the past used, so what is left today
            // stays as it was; when last year's ran out, the placement was an extra one.
            let c = contingents::find(conn, &scope, k)?.ok_or(diesel::result::Error::NotFound)?;
            if signed >= this_year || c.used >= c.cap {
                contingents::set_cap(conn, k, c.cap + 1)?;
            }
            proposals::book(conn, k, Some(proposal), 1, "plaatsing", Some(coordinator.id))?;
        }
        let moments: Vec<(i32, NaiveDate)> = follow_up::MOMENTS.iter().map(|&m| (m as i32, follow_up::due_on(signed, m))).collect();
        follow_ups::create_for(conn, proposal, &moments)?;
        // Answered for most that fell due; a few are still open for the provider.
        let mut stayed = true;
        for (months, due) in moments {
            if due > today || !stayed || rng.random_bool(0.12) {
                break;
            }
            let outcome = match rng.random_range(0..100) {
                0..=79 => FollowUpOutcome::StillHoused,
                80..=87 => FollowUpOutcome::MovedOn,
                88..=93 => FollowUpOutcome::Eviction,
                94..=96 => FollowUpOutcome::Admission,
                _ => FollowUpOutcome::Other,
            };
            stayed = outcome.same_dwelling();
            let answered = (due + Duration::days(rng.random_range(0..14))).min(today);
            // Answered before the service kept track of who answered.
            follow_ups::record(conn, proposal, months, outcome.as_str(), answered, None)?;
        }
    }
    if let Some((id, _, proposed)) = round {
        finish(conn, id, proposed)?;
    }
    Ok(())
}
