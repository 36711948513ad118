//! Between the register and the matcher: a snapshot of the register becomes a
//! `solver::model::Round`, and the round's outcome refers back to register ids.

use crate::domain::RegionPolicy;
use crate::store::rounds::Snapshot;
use chrono::NaiveDate;
use solver::model::{self, Point};
use std::collections::HashMap;

/// The matcher's ids for register rows.
pub fn client_key(id: i32) -> String {
    format!("c{id}")
}
pub fn dwelling_key(id: i32) -> String {
    format!("d{id}")
}
pub fn contingent_key(id: i32) -> String {
    format!("k{id}")
}

/// Reads a matcher id back.
pub fn parse_key(key: &str) -> Option<i32> {
    key.get(1..)?.parse().ok()
}

fn urgency(s: &str) -> model::Urgency {
    match s {
        "urgent" => model::Urgency::Urgent,
        "priority" => model::Urgency::Priority,
        _ => model::Urgency::Regular,
    }
}

fn support(s: &str) -> model::Support {
    match s {
        "intensive" => model::Support::Intensive,
        "moderate" => model::Support::Moderate,
        _ => model::Support::Light,
    }
}

/// The round the matcher sees. A recorded wish municipality counts as approved until
/// the landelijke-toegang decisions of the review workflow exist.
pub fn round(s: &Snapshot, policy: &RegionPolicy, date: NaiveDate) -> model::Round {
    let mut zones: HashMap<i32, Vec<model::Zone>> = HashMap::new();
    for z in &s.zones {
        zones.entry(z.client_id).or_default().push(model::Zone { at: Point { lat: z.lat, lon: z.lon }, radius_m: f64::from(z.radius_m) });
    }
    let mut anchors: HashMap<i32, Vec<Point>> = HashMap::new();
    for a in &s.anchors {
        anchors.entry(a.client_id).or_default().push(Point { lat: a.lat, lon: a.lon });
    }
    let clients = s
        .clients
        .iter()
        .filter_map(|c| {
            Some(model::Client {
                id: client_key(c.id),
                reference: c.reference.clone(),
                provider: c.provider_id.to_string(),
                birth_year: c.birth_year,
                household_size: c.household_size,
                binding: c.binding_municipality.clone(),
                wish: c.wish_municipality.clone(),
                urgency: urgency(&c.urgency),
                support: support(&c.support_level),
                ready_since: c.ready_since?,
                min_rooms: c.min_rooms,
                max_rent_cents: i64::from(c.max_rent_cents),
                ground_floor: c.needs_ground_floor,
                lift: c.needs_lift,
                wheelchair: c.needs_wheelchair,
                exclusion_zones: zones.remove(&c.id).unwrap_or_default(),
                anchors: anchors.remove(&c.id).unwrap_or_default(),
            })
        })
        .collect();
    let dwellings = s
        .dwellings
        .iter()
        .map(|d| model::Dwelling {
            id: dwelling_key(d.id),
            corporation: d.corporation_id.to_string(),
            municipality: d.municipality_code.clone(),
            kind: if d.kind == "omklap" { model::Kind::Omklap } else { model::Kind::Contingent },
            omklap_provider: d.omklap_provider_id.map(|p| p.to_string()),
            at: Point { lat: d.lat, lon: d.lon },
            rooms: d.rooms,
            max_household: d.max_household,
            rent_cents: i64::from(d.rent_cents),
            floor: d.floor,
            lift: d.has_lift,
            wheelchair: d.wheelchair_accessible,
            available_from: d.available_from,
        })
        .collect();
    let open: HashMap<i32, i64> = s.open_per_contingent.iter().copied().collect();
    let contingents = s
        .contingents
        .iter()
        .map(|k| model::Contingent {
            id: contingent_key(k.id),
            municipality: k.municipality_code.clone(),
            corporation: k.corporation_id.to_string(),
            remaining: (i64::from(k.cap - k.used) - open.get(&k.id).copied().unwrap_or(0)).max(0),
        })
        .collect();
    model::Round {
        round_date: date,
        policy: model::Policy {
            escalation_days: policy.escalation_days,
            intensive_support_max_km: policy.intensive_support_max_km,
            ..model::Policy::default()
        },
        clients,
        dwellings,
        contingents,
        providers: s
            .bases
            .iter()
            .map(|(id, lat, lon)| model::Provider { id: id.to_string(), team_base: Point { lat: *lat, lon: *lon } })
            .collect(),
        rejected_pairs: s.rejected.iter().map(|(c, d)| (client_key(*c), dwelling_key(*d))).collect(),
    }
}

/// The table's own past as a history for the replay: who became ready when, which
/// dwelling became free when, and each contingent's places in the window (its cap
/// prorated to the days it overlaps, summed per municipality and corporation).
pub fn history(s: &Snapshot, policy: &RegionPolicy, from: NaiveDate, to: NaiveDate) -> solver::replay::History {
    let r = round(s, policy, to);
    let mut caps: std::collections::BTreeMap<(String, i32), f64> = std::collections::BTreeMap::new();
    for k in &s.contingents {
        let period = (k.period_end - k.period_start).num_days().max(1) as f64;
        let overlap = ((k.period_end.min(to + chrono::Duration::days(1))) - k.period_start.max(from)).num_days().max(0) as f64;
        *caps.entry((k.municipality_code.clone(), k.corporation_id)).or_default() += f64::from(k.cap) * overlap / period;
    }
    solver::replay::History {
        start: from,
        end: to,
        policy: r.policy,
        clients: r.clients,
        dwellings: r.dwellings,
        contingents: caps
            .into_iter()
            .map(|((m, corp), cap)| solver::replay::ContingentCap {
                id: format!("{m}/{corp}"),
                municipality: m,
                corporation: corp.to_string(),
                cap: cap.round() as i64,
            })
            .collect(),
        providers: r.providers,
    }
}
