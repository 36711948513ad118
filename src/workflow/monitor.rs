//! The outflow monitor (uitstroommonitor) and the fairness figures: counted from the
//! register's facts by pure functions, so each figure can be checked by hand.

use super::access::Capability;
use super::{Caller, Error};
use crate::domain::{FollowUpOutcome, RegionPolicy, Role, Urgency};
use crate::store::monitor::FactRow;
use crate::store::{contingents, follow_ups, monitor as q, organisations, Conn};
use chrono::{Datelike, NaiveDate};
use solver::replay::Days;
use std::collections::BTreeMap;

/// Waiting bands of the monitor's histogram, in days since *uitstroomklaar*.
pub const BANDS: &[(i64, i64, &str)] = &[
    (0, 30, "tot 1 maand"),
    (31, 90, "1 tot 3 maanden"),
    (91, 180, "3 tot 6 maanden"),
    (181, 365, "6 tot 12 maanden"),
    (366, i64::MAX, "meer dan een jaar"),
];

/// The Dutch Housing First figures the region's retention is set against (Trimbos 2023).
pub const HOUSING_FIRST_SAME_DWELLING: f64 = 0.73;
pub const HOUSING_FIRST_NOT_HOMELESS: f64 = 0.83;

/// Groups smaller than this are shown but neither compared nor flagged: too few to say
/// anything, and too few to stay anonymous.
pub const MIN_GROUP: usize = 5;

/// Placements of one quarter.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Quarter {
    /// `2026 K3`.
    pub label: String,
    pub contingent: i64,
    pub omklap: i64,
    /// Days from ready to lease, median.
    pub median_days: i64,
}

/// Clients crossing a municipality's border.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Crossing {
    pub code: String,
    /// Bound to this municipality, housed elsewhere.
    pub housed_elsewhere: i64,
    /// Housed in this municipality, bound elsewhere.
    pub housed_here_from_elsewhere: i64,
}

/// Answers at one follow-up moment.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Retention {
    pub months: i32,
    pub answered: i64,
    pub same_dwelling: i64,
    pub housed: i64,
}

impl Retention {
    pub fn same_dwelling_share(&self) -> Option<f64> {
        (self.answered > 0).then(|| self.same_dwelling as f64 / self.answered as f64)
    }
    pub fn housed_share(&self) -> Option<f64> {
        (self.answered > 0).then(|| self.housed as f64 / self.answered as f64)
    }
}

/// Of the clients ready at least two years ago, how many left within two years.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TwoYears {
    pub cohort: i64,
    pub left: i64,
}

/// A contingent's agreement and use.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ContingentUse {
    pub municipality: String,
    pub corporation: String,
    pub agreed: i32,
    pub used: i32,
    pub left: i32,
}

/// What one more dwelling in a contingent would have brought, summed over the rounds of
/// the last twelve months in which it bound (the matcher's re-solve per round).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ContingentValue {
    pub municipality: String,
    pub corporation: String,
    /// Rounds in which the contingent was full and someone unmatched wanted it.
    pub rounds_binding: usize,
    /// People one more place would have placed over those rounds, per urgency level (0
    /// the highest): per level, since a place may place one of a higher level in the place
    /// of one below, and a sum would net the two.
    pub extra_per_tier: Vec<i64>,
    /// Score it would have added.
    pub extra_score: i64,
    /// Whether the figures are a lower bound: in some round the matcher had no time to
    /// re-solve the contingent and counted what the place admits at once (see
    /// `solver::model::Marginal::re_solved`; seen only in rounds larger than a region's).
    pub at_least: bool,
}

/// A contingent's what-ifs summed over rounds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Worth {
    pub rounds_binding: usize,
    pub extra_per_tier: Vec<i64>,
    pub extra_score: i64,
    /// Some round's figure was not re-solved: the sum is at least this.
    pub at_least: bool,
}

/// Sums the what-ifs of the rounds per contingent (by register id), binding ones only.
pub fn contingent_value(rounds: &[Vec<solver::model::ContingentUse>]) -> BTreeMap<i32, Worth> {
    let mut out: BTreeMap<i32, Worth> = BTreeMap::new();
    for k in rounds.iter().flatten().filter(|k| k.binding) {
        let Some(id) = crate::matching::parse_key(&k.id) else { continue };
        let e = out.entry(id).or_default();
        e.rounds_binding += 1;
        if let Some(m) = &k.one_more {
            if e.extra_per_tier.len() < m.extra_per_tier.len() {
                e.extra_per_tier.resize(m.extra_per_tier.len(), 0);
            }
            e.extra_per_tier.iter_mut().zip(&m.extra_per_tier).for_each(|(sum, d)| *sum += d);
            e.extra_score += m.extra_score;
            e.at_least |= !m.re_solved;
        }
    }
    out
}

/// The monitor for the region, or for one municipality (its bound clients).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Monitor {
    pub municipality: Option<String>,
    pub today: NaiveDate,
    pub waiting: Vec<(&'static str, i64)>,
    pub waiting_count: i64,
    pub placed_count: i64,
    pub to_placement: Days,
    pub quarters: Vec<Quarter>,
    pub contingents: Vec<ContingentUse>,
    pub crossings: Vec<Crossing>,
    pub two_years: TwoYears,
    pub retention: Vec<Retention>,
    /// Contingents whose one more place would have placed someone, most valuable first.
    pub values: Vec<ContingentValue>,
}

impl Monitor {
    /// The contingents summed per municipality: (code, agreed, used, left), by code.
    pub fn contingents_per_municipality(&self) -> Vec<(String, i32, i32, i32)> {
        let mut sums: BTreeMap<&str, (i32, i32, i32)> = BTreeMap::new();
        for k in &self.contingents {
            let e = sums.entry(k.municipality.as_str()).or_default();
            e.0 += k.agreed;
            e.1 += k.used;
            e.2 += k.left;
        }
        sums.into_iter().map(|(code, (a, u, l))| (code.to_string(), a, u, l)).collect()
    }
}

/// One client, as the monitor counts them.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Fact {
    pub provider: String,
    pub binding: String,
    pub household_size: i32,
    pub birth_year: i32,
    pub urgency: String,
    pub status: String,
    pub ready_since: Option<NaiveDate>,
    /// Lease signed on, in which municipality, which kind of dwelling.
    pub placed: Option<(NaiveDate, String, String)>,
}

impl From<FactRow> for Fact {
    fn from(r: FactRow) -> Self {
        let placed = match (r.signed_on, r.placed_in, r.placed_kind) {
            (Some(on), Some(m), Some(k)) => Some((on, m, k)),
            _ => None,
        };
        Fact {
            provider: r.provider,
            binding: r.binding,
            household_size: r.household_size,
            birth_year: r.birth_year,
            urgency: r.urgency,
            status: r.status,
            ready_since: r.ready_since,
            placed,
        }
    }
}

impl Fact {
    /// Days from ready to the lease.
    fn days_to_placement(&self) -> Option<i64> {
        Some((self.placed.as_ref()?.0 - self.ready_since?).num_days().max(0))
    }
    fn waiting_now(&self) -> bool {
        self.status == "ready" || self.status == "proposed"
    }
}

fn quarter_of(d: NaiveDate) -> (i32, u32) {
    (d.year(), d.month0() / 3 + 1)
}

/// Counts the monitor from the facts. `outcomes` are the answered follow-ups as
/// (binding municipality, months, outcome).
pub fn count(
    facts: &[Fact],
    outcomes: &[(String, i32, FollowUpOutcome)],
    contingents: Vec<ContingentUse>,
    municipality: Option<&str>,
    today: NaiveDate,
) -> Monitor {
    let mine = |f: &&Fact| municipality.is_none_or(|m| f.binding == m);
    let own: Vec<&Fact> = facts.iter().filter(mine).collect();

    let mut waiting: Vec<(&'static str, i64)> = BANDS.iter().map(|b| (b.2, 0)).collect();
    let mut waiting_count = 0;
    for f in own.iter().filter(|f| f.waiting_now()) {
        let Some(ready) = f.ready_since else { continue };
        let days = (today - ready).num_days().max(0);
        if let Some(i) = BANDS.iter().position(|(lo, hi, _)| (*lo..=*hi).contains(&days)) {
            waiting[i].1 += 1;
            waiting_count += 1;
        }
    }

    let placed: Vec<&&Fact> = own.iter().filter(|f| f.placed.is_some()).collect();
    let days: Vec<i64> = placed.iter().filter_map(|f| f.days_to_placement()).collect();
    let mut by_quarter: BTreeMap<(i32, u32), (i64, i64, Vec<i64>)> = BTreeMap::new();
    for f in &placed {
        let (on, _, kind) = f.placed.as_ref().expect("filtered on placed");
        let q = by_quarter.entry(quarter_of(*on)).or_default();
        if kind == "omklap" {
            q.1 += 1;
        } else {
            q.0 += 1;
        }
        q.2.extend(f.days_to_placement());
    }
    let quarters = by_quarter
        .into_iter()
        .map(|((y, q), (contingent, omklap, days))| Quarter {
            label: format!("{y} K{q}"),
            contingent,
            omklap,
            median_days: Days::of(&days).median,
        })
        .collect();

    let mut crossings: BTreeMap<String, Crossing> = BTreeMap::new();
    for f in facts {
        let Some((_, housed_in, _)) = &f.placed else { continue };
        if *housed_in == f.binding {
            continue;
        }
        let mut bump = |code: &str, out: bool| {
            let c = crossings.entry(code.to_string()).or_insert_with(|| Crossing {
                code: code.to_string(),
                housed_elsewhere: 0,
                housed_here_from_elsewhere: 0,
            });
            if out {
                c.housed_elsewhere += 1;
            } else {
                c.housed_here_from_elsewhere += 1;
            }
        };
        bump(&f.binding, true);
        bump(housed_in, false);
    }
    let crossings = crossings.into_values().filter(|c| municipality.is_none_or(|m| c.code == m)).collect();

    let cutoff = today - chrono::Duration::days(730);
    let cohort: Vec<&&Fact> = own.iter().filter(|f| f.status != "withdrawn" && f.ready_since.is_some_and(|r| r <= cutoff)).collect();
    let two_years = TwoYears {
        cohort: cohort.len() as i64,
        left: cohort.iter().filter(|f| f.days_to_placement().is_some_and(|d| d <= 730)).count() as i64,
    };

    let retention = crate::domain::follow_up::MOMENTS
        .iter()
        .map(|&m| {
            let answers: Vec<FollowUpOutcome> = outcomes
                .iter()
                .filter(|(b, months, _)| *months == m as i32 && municipality.is_none_or(|code| b == code))
                .map(|(_, _, o)| *o)
                .collect();
            Retention {
                months: m as i32,
                answered: answers.len() as i64,
                same_dwelling: answers.iter().filter(|o| o.same_dwelling()).count() as i64,
                housed: answers.iter().filter(|o| o.housed()).count() as i64,
            }
        })
        .collect();

    Monitor {
        municipality: municipality.map(str::to_string),
        today,
        waiting,
        waiting_count,
        placed_count: placed.len() as i64,
        to_placement: Days::of(&days),
        quarters,
        contingents: contingents.into_iter().filter(|k| municipality.is_none_or(|m| k.municipality == m)).collect(),
        crossings,
        two_years,
        retention,
        values: vec![],
    }
}

/// One group of one attribute on the fairness page.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Group {
    pub dimension: &'static str,
    pub group: String,
    pub clients: usize,
    pub placed: usize,
    pub placement_rate: f64,
    /// Days waited: to the lease for the placed, to today for the others.
    pub median_wait: i64,
    /// Too small to compare.
    pub too_small: bool,
    /// What differs beyond the threshold, in Dutch.
    pub flags: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Fairness {
    pub clients: usize,
    pub placed: usize,
    pub placement_rate: f64,
    pub median_wait: i64,
    pub threshold_pct: f64,
    pub groups: Vec<Group>,
}

/// The attributes fairness is measured on; nothing else is stored.
pub const DIMENSIONS: [&str; 5] = ["zorgaanbieder", "gemeente van binding", "urgentie", "huishouden", "leeftijd"];

fn household(size: i32) -> &'static str {
    match size {
        1 => "alleenstaand",
        2 => "twee personen",
        _ => "drie of meer personen",
    }
}

fn age_band(birth_year: i32, today: NaiveDate) -> &'static str {
    match today.year() - birth_year {
        ..=22 => "tot 23 jaar",
        23..=29 => "23 tot 30 jaar",
        30..=49 => "30 tot 50 jaar",
        _ => "50 jaar en ouder",
    }
}

/// Waiting times and placement rates per group of every attribute, for everyone who was
/// ever ready and did not withdraw; groups differing beyond the threshold are flagged.
pub fn fairness(facts: &[Fact], names: &BTreeMap<String, String>, threshold_pct: f64, today: NaiveDate) -> Fairness {
    let people: Vec<(&Fact, i64)> = facts
        .iter()
        .filter(|f| f.status != "withdrawn")
        .filter_map(|f| {
            let ready = f.ready_since?;
            let until = f.placed.as_ref().map_or(today, |p| p.0);
            Some((f, (until - ready).num_days().max(0)))
        })
        .collect();
    let summary = |ps: &[&(&Fact, i64)]| {
        let placed = ps.iter().filter(|(f, _)| f.placed.is_some()).count();
        let waits: Vec<i64> = ps.iter().map(|(_, d)| *d).collect();
        let rate = if ps.is_empty() { 0.0 } else { placed as f64 / ps.len() as f64 };
        (ps.len(), placed, rate, Days::of(&waits).median)
    };
    let all: Vec<&(&Fact, i64)> = people.iter().collect();
    let (clients, placed, placement_rate, median_wait) = summary(&all);
    let mut groups = Vec::new();
    for dimension in DIMENSIONS {
        let mut by: BTreeMap<String, Vec<&(&Fact, i64)>> = BTreeMap::new();
        for p in &people {
            let f = p.0;
            let key = match dimension {
                "zorgaanbieder" => f.provider.clone(),
                "gemeente van binding" => names.get(&f.binding).cloned().unwrap_or_else(|| f.binding.clone()),
                "urgentie" => Urgency::parse("urgency", &f.urgency).map_or_else(|_| f.urgency.clone(), |u| u.label().to_string()),
                "huishouden" => household(f.household_size).to_string(),
                _ => age_band(f.birth_year, today).to_string(),
            };
            by.entry(key).or_default().push(p);
        }
        for (group, ps) in by {
            let (n, g_placed, rate, median) = summary(&ps);
            let too_small = n < MIN_GROUP;
            let mut flags = Vec::new();
            if !too_small {
                let points = (rate - placement_rate) * 100.0;
                if points.abs() > threshold_pct {
                    flags.push(format!("plaatsingskans {:+.0} procentpunt", points));
                }
                if median_wait > 0 {
                    let pct = (median - median_wait) as f64 / median_wait as f64 * 100.0;
                    if pct.abs() > threshold_pct {
                        flags.push(format!("wachttijd {:+.0} %", pct));
                    }
                }
            }
            groups.push(Group {
                dimension,
                group,
                clients: n,
                placed: g_placed,
                placement_rate: rate,
                median_wait: median,
                too_small,
                flags,
            });
        }
    }
    Fairness { clients, placed, placement_rate, median_wait, threshold_pct, groups }
}

fn region_facts(conn: &mut Conn, region_id: i32) -> Result<Vec<Fact>, Error> {
    Ok(q::facts(conn, region_id)?.into_iter().map(Fact::from).collect())
}

/// The monitor as the caller may see it: the coordinator the region or one of its
/// municipalities, a municipality only its own.
pub fn monitor(conn: &mut Conn, caller: &Caller, municipality: Option<&str>, today: NaiveDate) -> Result<Monitor, Error> {
    caller.allow(Capability::ReadMonitor)?;
    let municipality = match caller.role {
        Role::Municipality => {
            Some(caller.municipality.clone().ok_or_else(|| Error::Forbidden("deze gebruiker hoort bij geen gemeente".into()))?)
        }
        _ => municipality.map(str::to_string),
    };
    if let Some(m) = &municipality {
        if !super::table::municipality_names(conn, caller)?.contains_key(m) {
            return Err(Error::invalid("gemeente", "in_region", format!("{m} hoort niet bij deze regio")));
        }
    }
    let facts = region_facts(conn, caller.region_id)?;
    let outcomes: Vec<(String, i32, FollowUpOutcome)> = follow_ups::outcomes(conn, caller.region_id)?
        .into_iter()
        .filter_map(|(b, m, o)| Some((b, m, FollowUpOutcome::parse("outcome", &o).ok()?)))
        .collect();
    let corporations: std::collections::HashMap<i32, String> =
        super::register::organisations(conn, caller, Some("corporation"))?.into_iter().map(|o| (o.id, o.name)).collect();
    let scope = contingents::ContingentScope::Region(caller.region_id);
    let (ks, _) = contingents::list(conn, &scope, 0, i64::MAX)?;
    let rounds: Vec<Vec<solver::model::ContingentUse>> =
        crate::store::rounds::summaries_since(conn, caller.region_id, today - chrono::Duration::days(365))?
            .into_iter()
            .filter_map(|(_, s)| serde_json::from_str::<super::rounds::Summary>(&s).ok().map(|s| s.contingents))
            .collect();
    let worth = contingent_value(&rounds);
    let mut values: Vec<ContingentValue> = ks
        .iter()
        .filter(|k| municipality.as_deref().is_none_or(|m| k.municipality_code == m))
        .filter_map(|k| {
            let w = worth.get(&k.id)?;
            Some(ContingentValue {
                municipality: k.municipality_code.clone(),
                corporation: corporations.get(&k.corporation_id).cloned().unwrap_or_default(),
                rounds_binding: w.rounds_binding,
                extra_per_tier: w.extra_per_tier.clone(),
                extra_score: w.extra_score,
                at_least: w.at_least,
            })
        })
        .collect();
    // The most urgent level first, as the matcher ranks.
    values.sort_by(|a, b| (&b.extra_per_tier, b.extra_score).cmp(&(&a.extra_per_tier, a.extra_score)));
    // The agreements of the period running today.
    let ks = ks
        .into_iter()
        .filter(|k| k.period_start <= today && today <= k.period_end)
        .map(|k| ContingentUse {
            municipality: k.municipality_code,
            corporation: corporations.get(&k.corporation_id).cloned().unwrap_or_default(),
            agreed: k.cap,
            used: k.used,
            left: (k.cap - k.used).max(0),
        })
        .collect();
    Ok(Monitor { values, ..count(&facts, &outcomes, ks, municipality.as_deref(), today) })
}

/// The fairness figures of the caller's region, with the policy's threshold.
pub fn fairness_of_region(conn: &mut Conn, caller: &Caller, today: NaiveDate) -> Result<Fairness, Error> {
    caller.allow(Capability::ReadFairness)?;
    let region = organisations::find_region(conn, caller.region_id)?;
    let threshold = RegionPolicy::from_json(&region.policy).fairness_threshold_pct;
    let names = super::table::municipality_names(conn, caller)?;
    Ok(fairness(&region_facts(conn, caller.region_id)?, &names, threshold, today))
}

/// The monitor as CSV for a spreadsheet with Dutch settings: semicolons, decimal comma,
/// a byte-order mark so the accents survive. Long format: part; municipality; what; value.
pub fn csv(m: &Monitor, names: &BTreeMap<String, String>) -> String {
    let scope = m.municipality.as_deref().map_or("regio".to_string(), |c| names.get(c).cloned().unwrap_or_else(|| c.to_string()));
    let name = |c: &str| names.get(c).cloned().unwrap_or_else(|| c.to_string());
    let share = |x: Option<f64>| x.map_or(String::new(), |x| format!("{:.3}", x).replace('.', ","));
    let mut rows: Vec<[String; 4]> = Vec::new();
    let mut push = |part: &str, place: &str, what: String, value: String| rows.push([part.into(), place.into(), what, value]);
    for (band, n) in &m.waiting {
        push("wachtend", &scope, format!("wacht {band}"), n.to_string());
    }
    push("tijd tot plaatsing", &scope, "geplaatst".into(), m.placed_count.to_string());
    push("tijd tot plaatsing", &scope, "gemiddeld (dagen)".into(), format!("{:.1}", m.to_placement.mean).replace('.', ","));
    push("tijd tot plaatsing", &scope, "mediaan (dagen)".into(), m.to_placement.median.to_string());
    push("tijd tot plaatsing", &scope, "90e percentiel (dagen)".into(), m.to_placement.p90.to_string());
    for q in &m.quarters {
        push("plaatsingen", &scope, format!("{} contingentwoning", q.label), q.contingent.to_string());
        push("plaatsingen", &scope, format!("{} omklapwoning", q.label), q.omklap.to_string());
        push("plaatsingen", &scope, format!("{} mediaan dagen tot plaatsing", q.label), q.median_days.to_string());
    }
    for k in &m.contingents {
        let what = k.corporation.clone();
        push("contingent", &name(&k.municipality), format!("{what} afgesproken"), k.agreed.to_string());
        push("contingent", &name(&k.municipality), format!("{what} gebruikt"), k.used.to_string());
        push("contingent", &name(&k.municipality), format!("{what} over"), k.left.to_string());
    }
    for c in &m.crossings {
        push("over de grens", &name(&c.code), "gebonden hier, gehuisvest elders".into(), c.housed_elsewhere.to_string());
        push("over de grens", &name(&c.code), "gehuisvest hier, gebonden elders".into(), c.housed_here_from_elsewhere.to_string());
    }
    push("binnen twee jaar uitgestroomd", &scope, "cohort (twee jaar of langer uitstroomklaar)".into(), m.two_years.cohort.to_string());
    push("binnen twee jaar uitgestroomd", &scope, "binnen twee jaar geplaatst".into(), m.two_years.left.to_string());
    for v in &m.values {
        for (t, n) in v.extra_per_tier.iter().enumerate() {
            let at_least = if v.at_least { " (ten minste)" } else { "" };
            let what = format!(
                "{}: één plaats meer had geplaatst op urgentieniveau {t} (over {} rondes){at_least}",
                v.corporation, v.rounds_binding
            );
            push("contingentwaarde", &name(&v.municipality), what, n.to_string());
        }
    }
    for r in &m.retention {
        push("woonbehoud", &scope, format!("{} maanden beantwoord", r.months), r.answered.to_string());
        push("woonbehoud", &scope, format!("{} maanden zelfde woning (aandeel)", r.months), share(r.same_dwelling_share()));
        push("woonbehoud", &scope, format!("{} maanden niet dakloos (aandeel)", r.months), share(r.housed_share()));
    }
    let cell = |s: &str| if s.contains([';', '"', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() };
    let mut out = String::from("\u{feff}onderdeel;gemeente;omschrijving;waarde\r\n");
    for r in rows {
        out.push_str(&r.iter().map(|c| cell(c)).collect::<Vec<_>>().join(";"));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn fact(binding: &str, status: &str, ready: &str, placed: Option<(&str, &str, &str)>) -> Fact {
        Fact {
            provider: "P1".into(),
            binding: binding.into(),
            household_size: 1,
            birth_year: 1990,
            urgency: "regular".into(),
            status: status.into(),
            ready_since: Some(d(ready)),
            placed: placed.map(|(on, m, k)| (d(on), m.into(), k.into())),
        }
    }

    const A: &str = "GM0001";
    const B: &str = "GM0002";

    /// A register small enough to count by hand; the comments give each client's days.
    fn register() -> Vec<Fact> {
        vec![
            fact(A, "ready", "2026-11-04", None),                                   // waits 20
            fact(A, "ready", "2026-08-26", None),                                   // waits 90
            fact(A, "proposed", "2025-11-24", None),                                // waits 365
            fact(B, "paused", "2025-01-01", None),                                  // not waiting
            fact(A, "placed", "2026-01-10", Some(("2026-03-01", A, "contingent"))), // 50 days
            fact(A, "placed", "2026-02-01", Some(("2026-04-02", B, "omklap"))),     // 60, crosses A → B
            fact(B, "placed", "2024-01-01", Some(("2025-06-01", B, "contingent"))), // 517, cohort
            fact(B, "ready", "2024-06-01", None),                                   // waits 906, cohort
            fact(A, "withdrawn", "2023-01-01", None),                               // left the table
        ]
    }

    fn outcomes() -> Vec<(String, i32, FollowUpOutcome)> {
        use FollowUpOutcome::*;
        vec![(A.into(), 6, StillHoused), (A.into(), 6, MovedOn), (B.into(), 6, Eviction), (B.into(), 12, StillHoused)]
    }

    fn contingents() -> Vec<ContingentUse> {
        vec![
            ContingentUse { municipality: A.into(), corporation: "Woonstad".into(), agreed: 4, used: 1, left: 3 },
            ContingentUse { municipality: B.into(), corporation: "Woonstad".into(), agreed: 2, used: 2, left: 0 },
        ]
    }

    #[test]
    fn the_region_counted_by_hand() {
        let m = count(&register(), &outcomes(), contingents(), None, d("2026-11-24"));
        assert_eq!(m.waiting.iter().map(|w| w.1).collect::<Vec<_>>(), vec![1, 1, 0, 1, 1]);
        assert_eq!(m.waiting_count, 4);
        assert_eq!(m.placed_count, 3);
        assert_eq!(m.to_placement, Days { mean: 209.0, median: 60, p90: 517 });
        assert_eq!(
            m.quarters,
            vec![
                Quarter { label: "2025 K2".into(), contingent: 1, omklap: 0, median_days: 517 },
                Quarter { label: "2026 K1".into(), contingent: 1, omklap: 0, median_days: 50 },
                Quarter { label: "2026 K2".into(), contingent: 0, omklap: 1, median_days: 60 },
            ]
        );
        assert_eq!(
            m.crossings,
            vec![
                Crossing { code: A.into(), housed_elsewhere: 1, housed_here_from_elsewhere: 0 },
                Crossing { code: B.into(), housed_elsewhere: 0, housed_here_from_elsewhere: 1 },
            ]
        );
        assert_eq!(m.two_years, TwoYears { cohort: 2, left: 1 }, "the withdrawn client is not in the cohort");
        assert_eq!(
            m.retention,
            vec![
                Retention { months: 6, answered: 3, same_dwelling: 1, housed: 2 },
                Retention { months: 12, answered: 1, same_dwelling: 1, housed: 1 }
            ]
        );
        assert_eq!(m.contingents.len(), 2);
        let mut more = contingents();
        more.push(ContingentUse { municipality: A.into(), corporation: "Anders".into(), agreed: 2, used: 2, left: 0 });
        let m = count(&register(), &outcomes(), more, None, d("2026-11-24"));
        assert_eq!(m.contingents_per_municipality(), vec![(A.to_string(), 6, 3, 3), (B.to_string(), 2, 2, 0)]);
    }

    #[test]
    fn one_municipality_counts_its_bound_clients() {
        let m = count(&register(), &outcomes(), contingents(), Some(A), d("2026-11-24"));
        assert_eq!(m.waiting.iter().map(|w| w.1).collect::<Vec<_>>(), vec![1, 1, 0, 1, 0]);
        assert_eq!((m.waiting_count, m.placed_count), (3, 2));
        assert_eq!(m.to_placement, Days { mean: 55.0, median: 50, p90: 60 });
        assert_eq!(m.crossings, vec![Crossing { code: A.into(), housed_elsewhere: 1, housed_here_from_elsewhere: 0 }]);
        assert_eq!(m.two_years, TwoYears { cohort: 0, left: 0 });
        assert_eq!(m.retention[0], Retention { months: 6, answered: 2, same_dwelling: 1, housed: 2 });
        assert_eq!(m.retention[1].answered, 0);
        assert_eq!(m.retention[1].same_dwelling_share(), None);
        assert_eq!(m.contingents.iter().map(|k| k.municipality.as_str()).collect::<Vec<_>>(), vec![A]);
    }

    #[test]
    fn the_csv_has_every_part_with_dutch_numbers() {
        let mut m = count(&register(), &outcomes(), contingents(), None, d("2026-11-24"));
        let value = |corporation: &str, at_least| ContingentValue {
            municipality: A.into(),
            corporation: corporation.into(),
            rounds_binding: 2,
            extra_per_tier: vec![0, 3],
            extra_score: 90,
            at_least,
        };
        m.values = vec![value("Woonstad", false), value("Thuis", true)];
        let names: BTreeMap<String, String> = [(A.to_string(), "Aastad".to_string()), (B.to_string(), "Bedorp; Oost".to_string())].into();
        let csv = csv(&m, &names);
        assert!(csv.starts_with("\u{feff}onderdeel;gemeente;omschrijving;waarde\r\n"));
        for line in [
            "wachtend;regio;wacht meer dan een jaar;1",
            "tijd tot plaatsing;regio;gemiddeld (dagen);209,0",
            "plaatsingen;regio;2026 K2 omklapwoning;1",
            "contingent;Aastad;Woonstad over;3",
            "over de grens;\"Bedorp; Oost\";gehuisvest hier, gebonden elders;1",
            "binnen twee jaar uitgestroomd;regio;binnen twee jaar geplaatst;1",
            "woonbehoud;regio;6 maanden zelfde woning (aandeel);0,333",
            "woonbehoud;regio;6 maanden niet dakloos (aandeel);0,667",
            "contingentwaarde;Aastad;Woonstad: één plaats meer had geplaatst op urgentieniveau 1 (over 2 rondes);3",
            "contingentwaarde;Aastad;Thuis: één plaats meer had geplaatst op urgentieniveau 1 (over 2 rondes) (ten minste);3",
        ] {
            assert!(csv.contains(&format!("{line}\r\n")), "missing {line} in\n{csv}");
        }
    }

    #[test]
    fn contingent_value_sums_the_binding_rounds() {
        use solver::model::{ContingentUse as Use, Marginal};
        let used = |id: &str, binding: bool, extra: Option<(Vec<i64>, i64)>, re_solved: bool| Use {
            id: id.into(),
            remaining_before: 1,
            proposed: 1,
            binding,
            one_more: extra.map(|(extra_per_tier, extra_score)| Marginal { extra_per_tier, extra_score, exact: re_solved, re_solved }),
        };
        let rounds = vec![
            vec![used("k1", true, Some((vec![0, 2, -1], 240)), true), used("k2", false, None, true)],
            vec![used("k1", true, Some((vec![1, -1, 1], 300)), true), used("k2", true, Some((vec![0, 0, 0], 0)), true)],
            vec![used("k1", false, None, true), used("not-a-key", true, Some((vec![5], 5)), true)],
            vec![used("k3", true, Some((vec![0, 1], 80)), true)],
            vec![used("k3", true, Some((vec![0, 0, 1], 20)), false), used("k3", false, Some((vec![9], 9)), false)],
        ];
        let v = contingent_value(&rounds);
        let worth = |rounds_binding, extra_per_tier: Vec<i64>, extra_score, at_least| Worth {
            rounds_binding,
            extra_per_tier,
            extra_score,
            at_least,
        };
        assert_eq!(v.get(&1), Some(&worth(2, vec![1, 1, 0], 540, false)), "per level, not netted");
        assert_eq!(v.get(&2), Some(&worth(1, vec![0, 0, 0], 0, false)), "binding, but one more place would have placed no one");
        assert_eq!(v.get(&3), Some(&worth(2, vec![0, 1, 1], 100, true)), "one round's figure only what the place admits at once");
        assert_eq!(v.len(), 3);
    }

    fn person(provider: &str, placed: bool) -> Fact {
        let mut f = fact(A, if placed { "placed" } else { "ready" }, "2026-01-01", placed.then_some(("2026-03-01", A, "contingent")));
        f.provider = provider.into();
        f
    }

    #[test]
    fn fairness_flags_groups_beyond_the_threshold_and_not_small_ones() {
        let mut facts = Vec::new();
        facts.extend((0..10).map(|i| person("P1", i < 8)));
        facts.extend((0..10).map(|i| person("P2", i < 2)));
        facts.extend((0..3).map(|_| person("P3", true)));
        let mut gone = person("P2", false);
        gone.status = "withdrawn".into();
        facts.push(gone);
        let f = fairness(&facts, &BTreeMap::new(), 20.0, d("2026-11-24"));
        assert_eq!((f.clients, f.placed, f.median_wait), (23, 13, 59));
        let group = |dim: &str, name: &str| f.groups.iter().find(|g| g.dimension == dim && g.group == name).unwrap().clone();
        let p1 = group("zorgaanbieder", "P1");
        assert_eq!((p1.clients, p1.placed, p1.median_wait), (10, 8, 59));
        assert_eq!(p1.flags, vec!["plaatsingskans +23 procentpunt"]);
        let p2 = group("zorgaanbieder", "P2");
        assert_eq!((p2.clients, p2.median_wait), (10, 327));
        assert_eq!(p2.flags, vec!["plaatsingskans -37 procentpunt", "wachttijd +454 %"]);
        let p3 = group("zorgaanbieder", "P3");
        assert!(p3.too_small && p3.flags.is_empty(), "3 clients: shown, not compared");
        let everyone = group("huishouden", "alleenstaand");
        assert_eq!((everyone.clients, everyone.flags.len()), (23, 0));
        assert_eq!(group("leeftijd", "30 tot 50 jaar").clients, 23);
        assert_eq!(group("urgentie", "regulier").clients, 23);
        // A wider threshold flags nothing.
        let lenient = fairness(&facts, &BTreeMap::new(), 500.0, d("2026-11-24"));
        assert!(lenient.groups.iter().all(|g| g.flags.is_empty()));
    }

    #[test]
    fn age_bands_and_households() {
        let today = d("2026-11-24");
        assert_eq!(age_band(2004, today), "tot 23 jaar");
        assert_eq!(age_band(2003, today), "23 tot 30 jaar");
        assert_eq!(age_band(1997, today), "23 tot 30 jaar");
        assert_eq!(age_band(1996, today), "30 tot 50 jaar");
        assert_eq!(age_band(1976, today), "50 jaar en ouder");
        assert_eq!((household(1), household(2), household(5)), ("alleenstaand", "twee personen", "drie of meer personen"));
    }
}
