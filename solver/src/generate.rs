//! A seeded generator of realistic rounds, for benchmarks and for anyone to try the
//! matcher: clients bound to municipalities, dwellings of several corporations, about
//! half the clients with an approved wish for a neighbouring municipality, three urgency
//! tiers, and contingents per municipality × corporation at about half its dwellings.

use crate::model::{Client, Contingent, Dwelling, Kind, Point, Policy, Provider, Round, Support, Urgency, Zone};
use crate::replay::{ContingentCap, History};
use chrono::NaiveDate;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// How big a round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Size {
    /// 300 clients × 200 dwellings, 10 municipalities, 3 corporations serving all.
    Region,
    /// 3,000 × 2,000, 25 municipalities, 6 corporations serving all.
    City,
    /// 20,000 × 12,000, 342 municipalities, about 4–5 corporations each.
    National,
}

impl std::str::FromStr for Size {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "region" => Ok(Size::Region),
            "city" => Ok(Size::City),
            "national" => Ok(Size::National),
            other => Err(format!("size '{other}': use region, city or national")),
        }
    }
}

struct Shape {
    clients: usize,
    dwellings: usize,
    municipalities: usize,
    corporations: usize,
    per_municipality: usize,
    providers: usize,
}

fn shape(size: Size) -> Shape {
    match size {
        Size::Region => Shape { clients: 300, dwellings: 200, municipalities: 10, corporations: 3, per_municipality: 3, providers: 4 },
        Size::City => Shape { clients: 3000, dwellings: 2000, municipalities: 25, corporations: 6, per_municipality: 6, providers: 12 },
        Size::National => {
            Shape { clients: 20_000, dwellings: 12_000, municipalities: 342, corporations: 120, per_municipality: 4, providers: 80 }
        }
    }
}

/// A round of the given size; the same seed gives the same round.
pub fn generate(size: Size, seed: u64) -> Round {
    let s = shape(size);
    let mut rng = StdRng::seed_from_u64(seed);
    let round_date = NaiveDate::from_ymd_opt(2026, 11, 24).expect("valid date");
    // Municipalities on a grid over the Netherlands' latitude and longitude range.
    let side = (s.municipalities as f64).sqrt().ceil() as usize;
    let centre = |m: usize| Point { lat: 51.3 + 2.0 * (m / side) as f64 / side as f64, lon: 4.0 + 3.0 * (m % side) as f64 / side as f64 };
    let code = |m: usize| format!("GM{:04}", m + 1);
    let neighbours = |m: usize| -> Vec<usize> {
        let (r, c) = ((m / side) as i64, (m % side) as i64);
        let mut v = Vec::new();
        for (dr, dc) in [(-1, 0), (1, 0), (0, -1), (0, 1)] {
            let (nr, nc) = (r + dr, c + dc);
            if nr >= 0 && nc >= 0 && (nc as usize) < side {
                let n = nr as usize * side + nc as usize;
                if n < s.municipalities {
                    v.push(n);
                }
            }
        }
        v
    };
    // Which corporations serve a municipality.
    let serving: Vec<Vec<usize>> = (0..s.municipalities)
        .map(|m| {
            if s.per_municipality >= s.corporations {
                (0..s.corporations).collect()
            } else {
                let first = (m * 7) % s.corporations;
                (0..s.per_municipality).map(|i| (first + i * 13) % s.corporations).collect()
            }
        })
        .collect();
    let weight: Vec<f64> = (0..s.municipalities).map(|_| rng.random_range(0.3..3.0)).collect();
    let total: f64 = weight.iter().sum();
    let pick = |rng: &mut StdRng| -> usize {
        let mut x = rng.random_range(0.0..total);
        for (m, w) in weight.iter().enumerate() {
            if x < *w {
                return m;
            }
            x -= w;
        }
        s.municipalities - 1
    };
    let near = |rng: &mut StdRng, p: Point, spread: f64| Point {
        lat: p.lat + rng.random_range(-spread..spread),
        lon: p.lon + rng.random_range(-spread..spread) * 1.6,
    };

    let providers: Vec<Provider> =
        (0..s.providers).map(|i| Provider { id: format!("p{i}"), team_base: centre((i * 31) % s.municipalities) }).collect();

    let mut dwellings = Vec::with_capacity(s.dwellings);
    for i in 0..s.dwellings {
        let m = pick(&mut rng);
        let corp = serving[m][rng.random_range(0..serving[m].len())];
        let omklap = rng.random_bool(0.2);
        let rooms = [1, 2, 2, 3, 3, 4][rng.random_range(0..6)];
        let floor = rng.random_range(0..5);
        dwellings.push(Dwelling {
            id: format!("d{i:05}"),
            corporation: format!("k{corp}"),
            municipality: code(m),
            kind: if omklap { Kind::Omklap } else { Kind::Contingent },
            omklap_provider: omklap.then(|| format!("p{}", rng.random_range(0..s.providers))),
            at: near(&mut rng, centre(m), 0.03),
            rooms,
            max_household: rooms.min(5),
            rent_cents: rng.random_range(50_000..92_000),
            floor,
            lift: floor > 1 && rng.random_bool(0.6),
            wheelchair: floor == 0 && rng.random_bool(0.3),
            available_from: round_date + chrono::Duration::days(rng.random_range(-30..90)),
        });
    }
    // Contingents at about half the contingent dwellings of each municipality × corporation.
    let mut contingents = Vec::new();
    for (m, corps) in serving.iter().enumerate() {
        for &k in corps {
            let n = dwellings
                .iter()
                .filter(|d| d.kind == Kind::Contingent && d.municipality == code(m) && d.corporation == format!("k{k}"))
                .count() as i64;
            contingents.push(Contingent {
                id: format!("{}/k{k}/2026", code(m)),
                municipality: code(m),
                corporation: format!("k{k}"),
                remaining: (n + 1) / 2,
            });
        }
    }
    let mut clients = Vec::with_capacity(s.clients);
    for i in 0..s.clients {
        let m = pick(&mut rng);
        let household = [1, 1, 1, 1, 1, 1, 2, 2, 3, 4][rng.random_range(0..10)];
        let ns = neighbours(m);
        let wish = (!ns.is_empty() && rng.random_bool(0.5)).then(|| code(ns[rng.random_range(0..ns.len())]));
        let provider = rng.random_range(0..s.providers);
        clients.push(Client {
            id: format!("c{i:05}"),
            reference: format!("UT-{i:06}"),
            provider: format!("p{provider}"),
            birth_year: rng.random_range(1955..2006),
            household_size: household,
            binding: code(m),
            wish,
            urgency: [Urgency::Urgent, Urgency::Priority, Urgency::Priority, Urgency::Regular, Urgency::Regular, Urgency::Regular]
                [rng.random_range(0..6)],
            support: [Support::Light, Support::Light, Support::Moderate, Support::Moderate, Support::Intensive][rng.random_range(0..5)],
            ready_since: round_date - chrono::Duration::days(rng.random_range(0..500)),
            min_rooms: if household == 1 { 1 } else { household.min(4) },
            max_rent_cents: rng.random_range(62_000..95_000),
            ground_floor: rng.random_bool(0.1),
            lift: rng.random_bool(0.1),
            wheelchair: rng.random_bool(0.03),
            exclusion_zones: if rng.random_bool(0.05) {
                vec![Zone { at: near(&mut rng, centre(m), 0.02), radius_m: 1500.0 }]
            } else {
                vec![]
            },
            anchors: vec![near(&mut rng, centre(m), 0.03)],
        });
    }
    let policy = Policy { intensive_support_max_km: 400.0, ..Policy::default() };
    Round { round_date, policy, clients, dwellings, contingents, providers, rejected_pairs: vec![] }
}

/// A seeded history of `months` months for the replay: the round generator's people
/// and dwellings of the given size, spread over the period. A fifth of the clients were
/// already waiting at the start (up to half a year); the others become ready, and every
/// dwelling becomes free, on a uniformly drawn day of the period. Each contingent's cap
/// for the period is about half its contingent dwellings, as in a round.
pub fn history(size: Size, seed: u64, months: u32) -> History {
    let round = generate(size, seed);
    let mut rng = StdRng::seed_from_u64(seed ^ 0x05ee_d0f7_ab1e);
    let end = round.round_date;
    let start = end.checked_sub_months(chrono::Months::new(months)).expect("a date in range") + chrono::Duration::days(1);
    let days = (end - start).num_days().max(1);
    let clients = round
        .clients
        .into_iter()
        .map(|mut c| {
            c.ready_since = if rng.random_bool(0.2) {
                start - chrono::Duration::days(rng.random_range(1..183))
            } else {
                start + chrono::Duration::days(rng.random_range(0..days))
            };
            c
        })
        .collect();
    let dwellings = round
        .dwellings
        .into_iter()
        .map(|mut d| {
            d.available_from = start + chrono::Duration::days(rng.random_range(0..days));
            d
        })
        .collect();
    let contingents = round
        .contingents
        .into_iter()
        .map(|k| ContingentCap { id: k.id, municipality: k.municipality, corporation: k.corporation, cap: k.remaining })
        .collect();
    History { start, end, policy: round.policy, clients, dwellings, contingents, providers: round.providers }
}
