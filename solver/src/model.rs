//! The domain of an outflow round: clients, dwellings, contingents and the region's
//! policy go in; eligibility (each exclusion counted per rule), score parts, tiers and
//! contingent groups become an [`optimize::Graph`]; its solution comes back as proposals
//! that explain themselves and, for every unmatched client, the reason.

use crate::optimize::{self, Edge, Graph, Group, Left, Limits, Objective, Right, Solution};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};

/// A point, WGS84.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct Point {
    /// Latitude, WGS84.
    pub lat: f64,
    /// Longitude, WGS84.
    pub lon: f64,
}

impl Point {
    /// Great-circle distance in kilometres.
    pub fn km(&self, o: &Point) -> f64 {
        let (p1, p2) = (self.lat.to_radians(), o.lat.to_radians());
        let dp = p2 - p1;
        let dl = (o.lon - self.lon).to_radians();
        let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        6371.0 * 2.0 * a.sqrt().asin()
    }
}

/// Priority class from the urgentieregeling.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// Tier 0.
    Urgent,
    /// Tier 1.
    Priority,
    /// Tier 2.
    Regular,
}

impl Urgency {
    /// Priority tier, 0 the highest.
    pub fn tier(self) -> u32 {
        match self {
            Urgency::Urgent => 0,
            Urgency::Priority => 1,
            Urgency::Regular => 2,
        }
    }
}

/// Ambulant support after outflow.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Support {
    /// Light support.
    Light,
    /// Moderate support.
    Moderate,
    /// Intensive support, 24/7 call-out.
    Intensive,
}

/// How a dwelling is offered.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A regular social rental under a contingent.
    Contingent,
    /// Rented by a provider first; the lease flips to the client later.
    Omklap,
}

/// A circle the client must stay out of.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Zone {
    /// Where it is.
    pub at: Point,
    /// Radius in metres.
    pub radius_m: f64,
}

/// A client as the matcher sees them: pseudonymous.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Client {
    /// Unique id within the round.
    pub id: String,
    /// The pseudonymous reference, as shown to the table.
    pub reference: String,
    /// The provider whose client this is.
    pub provider: String,
    /// Year of birth.
    pub birth_year: i32,
    /// People in the household.
    pub household_size: i32,
    /// Full, and wanted by someone left unmatched.
    pub binding: String,
    /// An approved wish municipality.
    #[serde(default)]
    pub wish: Option<String>,
    /// Priority class.
    pub urgency: Urgency,
    /// Ambulant support after outflow.
    pub support: Support,
    /// Ready to live on their own since.
    pub ready_since: NaiveDate,
    /// Fewest rooms that fit.
    pub min_rooms: i32,
    /// Highest monthly rent the client can pay, in cents.
    pub max_rent_cents: i64,
    #[serde(default)]
    /// Needs a ground floor (or a lift).
    pub ground_floor: bool,
    #[serde(default)]
    /// Needs (or the dwelling has) a lift.
    pub lift: bool,
    #[serde(default)]
    /// Needs (or the dwelling is) wheelchair accessible.
    pub wheelchair: bool,
    #[serde(default)]
    /// Places the client must stay away from.
    pub exclusion_zones: Vec<Zone>,
    /// Network and treatment anchors.
    #[serde(default)]
    pub anchors: Vec<Point>,
}

/// A dwelling as the matcher sees it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Dwelling {
    /// Unique id within the round.
    pub id: String,
    /// The corporation that lets it.
    pub corporation: String,
    /// CBS code of its municipality.
    pub municipality: String,
    /// Contingent or omklap dwelling.
    pub kind: Kind,
    #[serde(default)]
    /// For an omklap dwelling: the provider that rents it.
    pub omklap_provider: Option<String>,
    /// Where it is.
    pub at: Point,
    /// Rooms, living room included.
    pub rooms: i32,
    /// Largest household it suits.
    pub max_household: i32,
    /// Monthly rent in cents.
    pub rent_cents: i64,
    /// Floor; 0 is the ground floor.
    pub floor: i32,
    #[serde(default)]
    /// Needs (or the dwelling has) a lift.
    pub lift: bool,
    #[serde(default)]
    /// Needs (or the dwelling is) wheelchair accessible.
    pub wheelchair: bool,
    /// First day it can be let.
    pub available_from: NaiveDate,
}

/// What is left of a contingent agreement in the round's period.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Contingent {
    /// Unique id within the round.
    pub id: String,
    /// CBS code of its municipality.
    pub municipality: String,
    /// The corporation that lets it.
    pub corporation: String,
    /// Cap minus placements and open offers of the period.
    pub remaining: i64,
}

/// A care provider.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Provider {
    /// Unique id within the round.
    pub id: String,
    /// Where the ambulant team starts from; intensive support must live near it.
    pub team_base: Point,
}

/// The region's rules for a round.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Policy {
    /// A client ready this many days moves up one tier.
    pub escalation_days: i64,
    /// Dwellings available within this many days of the round count.
    pub horizon_days: i64,
    /// Clients may be placed anywhere in the region, not only in their binding or wish
    /// municipality.
    pub region_wide: bool,
    /// Intensive support: at most this far from the provider's team base.
    pub intensive_support_max_km: f64,
    /// Highest rent per household size (index 0: one person); beyond the last, the last.
    pub rent_limit_cents: Vec<i64>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            escalation_days: 180,
            horizon_days: 60,
            region_wide: false,
            intensive_support_max_km: 15.0,
            rent_limit_cents: vec![72_000, 72_000, 90_000],
        }
    }
}

/// One round's input.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Round {
    /// The day of the round.
    pub round_date: NaiveDate,
    #[serde(default)]
    /// The region's rules.
    pub policy: Policy,
    /// Clients ready for outflow.
    pub clients: Vec<Client>,
    /// Published dwellings.
    pub dwellings: Vec<Dwelling>,
    #[serde(default)]
    /// Contingents of the period.
    pub contingents: Vec<Contingent>,
    #[serde(default)]
    /// Providers' team bases.
    pub providers: Vec<Provider>,
    /// Pairs rejected or declined before: never proposed again.
    #[serde(default)]
    pub rejected_pairs: Vec<(String, String)>,
}

/// A hard rule of eligibility.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// The dwelling is available within the horizon.
    Available,
    /// In the binding or approved wish municipality (or anywhere, by policy).
    Location,
    /// Outside every exclusion zone of the client.
    OutsideExclusionZones,
    /// Household size and rooms fit.
    Size,
    /// Within the client's limit and the policy's limit for the household.
    Rent,
    /// Ground floor, lift and wheelchair needs hold.
    Access,
    /// An omklap dwelling goes only to a client of the provider that rents it.
    Omklap,
    /// Intensive support lives within reach of the provider's team.
    SupportDistance,
    /// A contingent dwelling needs an agreement between the client's binding
    /// municipality and the corporation.
    ContingentAgreement,
    /// The pair was not rejected or declined before.
    NotRejectedBefore,
}

/// Every rule, in order.
pub const ALL_RULES: [Rule; 10] = [
    Rule::Available,
    Rule::Location,
    Rule::OutsideExclusionZones,
    Rule::Size,
    Rule::Rent,
    Rule::Access,
    Rule::Omklap,
    Rule::SupportDistance,
    Rule::ContingentAgreement,
    Rule::NotRejectedBefore,
];

/// The rules a pair breaks (empty: a candidate).
pub fn broken_rules(r: &Round, c: &Client, d: &Dwelling, provider_base: Option<&Point>, rejected: &HashSet<(&str, &str)>) -> Vec<Rule> {
    let mut broken = Vec::new();
    if d.available_from > r.round_date + chrono::Duration::days(r.policy.horizon_days) {
        broken.push(Rule::Available);
    }
    let in_place = d.municipality == c.binding || c.wish.as_deref() == Some(d.municipality.as_str());
    if !in_place && !r.policy.region_wide {
        broken.push(Rule::Location);
    }
    if c.exclusion_zones.iter().any(|z| z.at.km(&d.at) * 1000.0 <= z.radius_m) {
        broken.push(Rule::OutsideExclusionZones);
    }
    if c.household_size > d.max_household || d.rooms < c.min_rooms {
        broken.push(Rule::Size);
    }
    let limits = &r.policy.rent_limit_cents;
    let policy_limit = limits.get((c.household_size.max(1) - 1) as usize).or(limits.last()).copied().unwrap_or(i64::MAX);
    if d.rent_cents > c.max_rent_cents || d.rent_cents > policy_limit {
        broken.push(Rule::Rent);
    }
    if (c.ground_floor && d.floor != 0 && !d.lift) || (c.lift && d.floor > 0 && !d.lift) || (c.wheelchair && !d.wheelchair) {
        broken.push(Rule::Access);
    }
    if d.kind == Kind::Omklap && d.omklap_provider.as_deref() != Some(c.provider.as_str()) {
        broken.push(Rule::Omklap);
    }
    if c.support == Support::Intensive {
        let near = provider_base.is_some_and(|b| b.km(&d.at) <= r.policy.intensive_support_max_km);
        if !near {
            broken.push(Rule::SupportDistance);
        }
    }
    if d.kind == Kind::Contingent && !r.contingents.iter().any(|k| k.municipality == c.binding && k.corporation == d.corporation) {
        broken.push(Rule::ContingentAgreement);
    }
    if rejected.contains(&(c.id.as_str(), d.id.as_str())) {
        broken.push(Rule::NotRejectedBefore);
    }
    broken
}

/// The soft score of a candidate pair, part by part (points).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Score {
    /// One point per day waited since ready, at most 730.
    pub waiting: i64,
    /// Up to 100 for living near the network and treatment anchors.
    pub network: i64,
    /// 50 in the approved wish municipality.
    pub preferred_place: i64,
    /// Minus 40 per room more than the household needs.
    pub size_fit: i64,
    /// Up to 30 for rent well within the client's limit.
    pub rent_headroom: i64,
}

impl Score {
    /// The sum of the parts.
    pub fn total(&self) -> i64 {
        self.waiting + self.network + self.preferred_place + self.size_fit + self.rent_headroom
    }
}

/// The pair's score.
pub fn score(r: &Round, c: &Client, d: &Dwelling) -> Score {
    let waited = (r.round_date - c.ready_since).num_days().clamp(0, 730);
    let network = c
        .anchors
        .iter()
        .map(|a| a.km(&d.at))
        .fold(None, |m: Option<f64>, k| Some(m.map_or(k, |m| m.min(k))))
        .map_or(0, |km| (100.0 - 5.0 * km).round().max(0.0) as i64);
    let needed_rooms = c.min_rooms.max(c.household_size);
    Score {
        waiting: waited,
        network,
        preferred_place: if c.wish.as_deref() == Some(d.municipality.as_str()) { 50 } else { 0 },
        size_fit: -40 * i64::from((d.rooms - needed_rooms).max(0)),
        rent_headroom: ((c.max_rent_cents - d.rent_cents) / 1000).clamp(0, 30),
    }
}

/// The client's tier at the round: urgency, one up when waiting past the escalation age.
pub fn tier(r: &Round, c: &Client) -> (u32, bool) {
    let base = c.urgency.tier();
    let escalated = (r.round_date - c.ready_since).num_days() >= r.policy.escalation_days && base > 0;
    (if escalated { base - 1 } else { base }, escalated)
}

/// The matching problem of a round, with what explains it.
pub struct Built {
    /// The matching problem.
    pub graph: Graph,
    /// Per edge: the pair's score.
    pub scores: Vec<Score>,
    /// Per client: how many dwellings each rule excluded.
    pub excluded: HashMap<String, BTreeMap<Rule, usize>>,
    /// Per client: tier and whether escalated.
    pub tiers: HashMap<String, (u32, bool)>,
    /// Per edge: its contingent group id.
    pub group_of_edge: Vec<Option<String>>,
}

/// Builds the matching problem: candidate pairs, weights, tiers and contingent groups.
pub fn build(r: &Round) -> Built {
    let bases: HashMap<&str, &Point> = r.providers.iter().map(|p| (p.id.as_str(), &p.team_base)).collect();
    let rejected: HashSet<(&str, &str)> = r.rejected_pairs.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let groups_by_key: HashMap<(&str, &str), usize> =
        r.contingents.iter().enumerate().map(|(i, k)| ((k.municipality.as_str(), k.corporation.as_str()), i)).collect();
    // Only dwellings where a client could live are compared: by place, unless region-wide.
    let mut by_municipality: HashMap<&str, Vec<&Dwelling>> = HashMap::new();
    for d in &r.dwellings {
        by_municipality.entry(d.municipality.as_str()).or_default().push(d);
    }
    let mut graph = Graph::default();
    let mut scores = Vec::new();
    let mut group_of_edge = Vec::new();
    let mut groups: Vec<Group> = r.contingents.iter().map(|k| Group { id: k.id.clone(), cap: k.remaining.max(0), edges: vec![] }).collect();
    let mut excluded = HashMap::new();
    let mut tiers = HashMap::new();
    for c in &r.clients {
        let (t, escalated) = tier(r, c);
        tiers.insert(c.id.clone(), (t, escalated));
        graph.left.push(Left { id: c.id.clone(), tier: t });
        let mut counts: BTreeMap<Rule, usize> = BTreeMap::new();
        let mut considered = 0usize;
        let mut consider = |d: &Dwelling, graph: &mut Graph| {
            considered += 1;
            let broken = broken_rules(r, c, d, bases.get(c.provider.as_str()).copied(), &rejected);
            if broken.is_empty() {
                let s = score(r, c, d);
                let k = graph.edges.len();
                graph.edges.push(Edge { left: c.id.clone(), right: d.id.clone(), weight: s.total() });
                scores.push(s);
                let g = (d.kind == Kind::Contingent).then(|| groups_by_key[&(c.binding.as_str(), d.corporation.as_str())]);
                if let Some(g) = g {
                    groups[g].edges.push(k);
                }
                group_of_edge.push(g.map(|g| r.contingents[g].id.clone()));
            } else {
                for rule in broken {
                    *counts.entry(rule).or_default() += 1;
                }
            }
        };
        if r.policy.region_wide {
            for d in &r.dwellings {
                consider(d, &mut graph);
            }
        } else {
            let mut places = vec![c.binding.as_str()];
            places.extend(c.wish.as_deref());
            for p in places {
                for d in by_municipality.get(p).into_iter().flatten() {
                    consider(d, &mut graph);
                }
            }
            // Dwellings elsewhere fail the location rule without being compared.
            let elsewhere = r.dwellings.len() - considered;
            if elsewhere > 0 {
                *counts.entry(Rule::Location).or_default() += elsewhere;
            }
        }
        excluded.insert(c.id.clone(), counts);
    }
    graph.right = r.dwellings.iter().map(|d| Right { id: d.id.clone() }).collect();
    graph.groups = groups;
    Built { graph, scores, excluded, tiers, group_of_edge }
}

/// The next best option for a client or a dwelling.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Alternative {
    /// The other dwelling (for a client) or the other client's reference (for a dwelling).
    pub with: String,
    /// The pair's score.
    pub score: i64,
    /// Whether it was taken in this round, and by whom (reference or dwelling id).
    pub taken_by: Option<String>,
}

/// One proposed placement, with its explanation.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Proposal {
    /// The client's id.
    pub client: String,
    /// The pseudonymous reference, as shown to the table.
    pub reference: String,
    /// The dwelling's id.
    pub dwelling: String,
    /// Priority tier, 0 the highest.
    pub tier: u32,
    /// Moved up a tier for waiting long.
    pub escalated: bool,
    /// The pair's score.
    pub score: i64,
    /// The score, part by part.
    pub score_parts: Score,
    /// The hard rules the pair meets.
    pub rules_met: Vec<Rule>,
    /// The contingent it uses, if any.
    pub contingent: Option<String>,
    /// The client's best other candidate.
    pub next_best_for_client: Option<Alternative>,
    /// The dwelling's best other candidate.
    pub next_best_for_dwelling: Option<Alternative>,
}

/// Why a client is left unmatched.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// No dwelling passes the hard rules.
    NoCandidate,
    /// Every candidate is a contingent dwelling whose contingent is used up.
    ContingentExhausted,
    /// Every candidate went to someone of a higher tier, or to a placement that scored
    /// higher in total.
    Outranked,
}

/// A client left unmatched, and why.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Unmatched {
    /// The client's id.
    pub client: String,
    /// The pseudonymous reference, as shown to the table.
    pub reference: String,
    /// Priority tier, 0 the highest.
    pub tier: u32,
    /// Which of the three reasons.
    pub reason: Reason,
    /// In Dutch, for the table.
    pub explanation: String,
    /// For no candidate: dwellings excluded per rule.
    pub excluded_by: BTreeMap<Rule, usize>,
    /// For an exhausted contingent: which.
    pub contingents: Vec<String>,
    /// For outranked: who took the candidate dwellings (dwelling, reference, tier).
    pub taken_by: Vec<(String, String, u32)>,
}

/// A contingent at the end of the round.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ContingentUse {
    /// Unique id within the round.
    pub id: String,
    /// Places left before the round.
    pub remaining_before: i64,
    /// Places this round proposes.
    pub proposed: i64,
    /// Every remaining dwelling of it is proposed and someone else wanted one.
    pub binding: bool,
    /// With one more dwelling in it, by re-solving: extra placements per tier and score.
    pub one_more: Option<Marginal>,
}

pub use crate::marginal::Marginal;

/// A round's result.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Outcome {
    /// The proposed placements.
    pub proposals: Vec<Proposal>,
    /// Every client left unmatched, with the reason.
    pub unmatched: Vec<Unmatched>,
    /// Contingents of the period.
    pub contingents: Vec<ContingentUse>,
    /// The optimisation's own figures.
    pub solver: Solution,
}

/// Runs a round: build, solve, explain.
pub fn run(r: &Round) -> Result<Outcome, optimize::InputError> {
    run_with(r, Limits::default())
}

/// Runs a round within limits.
pub fn run_with(r: &Round, limits: Limits) -> Result<Outcome, optimize::InputError> {
    let b = build(r);
    let first = optimize::solve_with(&b.graph, Objective::Tiered, limits)?;
    let before = explain(r, &b, &first);
    let more = crate::marginal::one_more(&b.graph, first, &binding(r, &before.unmatched, &before.load), limits)?;
    let sol = more.base;
    let Explained { proposals, unmatched, load } = if more.improved { explain(r, &b, &sol) } else { before };
    let mut marginals = more.marginals;
    let bound = binding(r, &unmatched, &load);
    let missing: Vec<String> = bound.iter().filter(|id| !marginals.contains_key(*id)).cloned().collect();
    marginals.extend(crate::marginal::at_once(&b.graph, &sol, &missing));
    let contingents = r
        .contingents
        .iter()
        .map(|k| {
            let binding = bound.contains(&k.id);
            ContingentUse {
                id: k.id.clone(),
                remaining_before: k.remaining,
                proposed: load.get(&k.id).copied().unwrap_or(0),
                binding,
                one_more: if binding { marginals.remove(&k.id) } else { None },
            }
        })
        .collect();
    Ok(Outcome { proposals, unmatched, contingents, solver: sol })
}

/// A round's matching explained: proposals, unmatched clients, and the load per contingent.
struct Explained {
    proposals: Vec<Proposal>,
    unmatched: Vec<Unmatched>,
    load: HashMap<String, i64>,
}

/// The contingents that bind: full at `load`, and wanted by someone `unmatched`; those
/// wanted by the most first (the re-solves' order), then by id.
fn binding(r: &Round, unmatched: &[Unmatched], load: &HashMap<String, i64>) -> Vec<String> {
    let mut wanted: HashMap<&str, usize> = HashMap::new();
    for g in unmatched.iter().flat_map(|u| &u.contingents) {
        *wanted.entry(g.as_str()).or_default() += 1;
    }
    let mut out: Vec<(usize, &str)> = r
        .contingents
        .iter()
        .filter(|k| load.get(&k.id).copied().unwrap_or(0) >= k.remaining.max(0))
        .filter_map(|k| wanted.get(k.id.as_str()).map(|n| (*n, k.id.as_str())))
        .collect();
    out.sort_by_key(|&(n, id)| (std::cmp::Reverse(n), id));
    out.into_iter().map(|(_, id)| id.to_string()).collect()
}

/// Explains the matching `sol` of the round `r` built as `b`.
fn explain(r: &Round, b: &Built, sol: &Solution) -> Explained {
    let clients: HashMap<&str, &Client> = r.clients.iter().map(|c| (c.id.as_str(), c)).collect();
    let taken_dwelling: HashMap<&str, &str> = sol.matched.iter().map(|p| (p.right.as_str(), p.left.as_str())).collect();
    let taken_client: HashMap<&str, &str> = sol.matched.iter().map(|p| (p.left.as_str(), p.right.as_str())).collect();
    let edge_index: HashMap<(&str, &str), usize> =
        b.graph.edges.iter().enumerate().map(|(k, e)| ((e.left.as_str(), e.right.as_str()), k)).collect();
    let mut by_left: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut by_right: HashMap<&str, Vec<usize>> = HashMap::new();
    for (k, e) in b.graph.edges.iter().enumerate() {
        by_left.entry(e.left.as_str()).or_default().push(k);
        by_right.entry(e.right.as_str()).or_default().push(k);
    }
    let mut load: HashMap<&str, i64> = HashMap::new();
    for p in &sol.matched {
        if let Some(g) = &b.group_of_edge[edge_index[&(p.left.as_str(), p.right.as_str())]] {
            *load.entry(g.as_str()).or_default() += 1;
        }
    }
    let best_other = |edges: Option<&Vec<usize>>, skip: usize, other: &dyn Fn(usize) -> (String, Option<String>)| -> Option<Alternative> {
        edges?.iter().filter(|&&k| k != skip).max_by_key(|&&k| (b.graph.edges[k].weight, std::cmp::Reverse(k))).map(|&k| {
            let (with, taken_by) = other(k);
            Alternative { with, score: b.graph.edges[k].weight, taken_by }
        })
    };
    let mut proposals = Vec::new();
    for p in &sol.matched {
        let k = edge_index[&(p.left.as_str(), p.right.as_str())];
        let c = clients[p.left.as_str()];
        let (t, escalated) = b.tiers[&c.id];
        let for_client = best_other(by_left.get(p.left.as_str()), k, &|k| {
            let d = b.graph.edges[k].right.as_str();
            (d.to_string(), taken_dwelling.get(d).map(|cl| clients[cl].reference.clone()))
        });
        let for_dwelling = best_other(by_right.get(p.right.as_str()), k, &|k| {
            let cl = clients[b.graph.edges[k].left.as_str()];
            (cl.reference.clone(), taken_client.get(cl.id.as_str()).map(|d| d.to_string()))
        });
        proposals.push(Proposal {
            client: c.id.clone(),
            reference: c.reference.clone(),
            dwelling: p.right.clone(),
            tier: t,
            escalated,
            score: b.graph.edges[k].weight,
            score_parts: b.scores[k].clone(),
            rules_met: ALL_RULES.to_vec(),
            contingent: b.group_of_edge[k].clone(),
            next_best_for_client: for_client,
            next_best_for_dwelling: for_dwelling,
        });
    }
    let caps: HashMap<&str, i64> = b.graph.groups.iter().map(|g| (g.id.as_str(), g.cap)).collect();
    let mut unmatched = Vec::new();
    for c in &r.clients {
        if taken_client.contains_key(c.id.as_str()) {
            continue;
        }
        let (t, _) = b.tiers[&c.id];
        let candidates = by_left.get(c.id.as_str()).cloned().unwrap_or_default();
        let u = if candidates.is_empty() {
            let excluded_by = b.excluded[&c.id].clone();
            let top = excluded_by.iter().max_by_key(|(_, n)| **n).map(|(r, n)| format!("{r:?}: {n} woningen")).unwrap_or_default();
            Unmatched {
                client: c.id.clone(),
                reference: c.reference.clone(),
                tier: t,
                reason: Reason::NoCandidate,
                explanation: format!("geen woning voldoet aan alle harde eisen (meest uitgesloten door {top})"),
                excluded_by,
                contingents: vec![],
                taken_by: vec![],
            }
        } else {
            // Candidates whose dwelling is free but whose contingent is full.
            let blocked: Vec<String> = candidates
                .iter()
                .filter(|&&k| !taken_dwelling.contains_key(b.graph.edges[k].right.as_str()))
                .filter_map(|&k| b.group_of_edge[k].clone())
                .filter(|g| load.get(g.as_str()).copied().unwrap_or(0) >= caps[g.as_str()])
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            let free_unblocked = candidates.iter().any(|&k| {
                !taken_dwelling.contains_key(b.graph.edges[k].right.as_str())
                    && b.group_of_edge[k].as_ref().is_none_or(|g| load.get(g.as_str()).copied().unwrap_or(0) < caps[g.as_str()])
            });
            let taken_by: Vec<(String, String, u32)> = candidates
                .iter()
                .filter_map(|&k| {
                    let d = b.graph.edges[k].right.as_str();
                    taken_dwelling.get(d).map(|cl| (d.to_string(), clients[cl].reference.clone(), b.tiers[*cl].0))
                })
                .collect();
            if !blocked.is_empty() && !free_unblocked {
                Unmatched {
                    client: c.id.clone(),
                    reference: c.reference.clone(),
                    tier: t,
                    reason: Reason::ContingentExhausted,
                    explanation: format!("de passende woningen vallen onder een contingent dat op is: {}", blocked.join(", ")),
                    excluded_by: BTreeMap::new(),
                    contingents: blocked,
                    taken_by,
                }
            } else {
                let higher = taken_by.iter().filter(|(_, _, tt)| *tt < t).count();
                let explanation = if higher > 0 {
                    format!("{higher} passende woning(en) gingen naar cliënten met een hogere urgentie")
                } else {
                    "de passende woningen gingen naar cliënten van dezelfde of lagere urgentie omdat de totale score zo hoger was"
                        .to_string()
                };
                Unmatched {
                    client: c.id.clone(),
                    reference: c.reference.clone(),
                    tier: t,
                    reason: Reason::Outranked,
                    explanation,
                    excluded_by: BTreeMap::new(),
                    contingents: vec![],
                    taken_by,
                }
            }
        };
        unmatched.push(u);
    }
    Explained { proposals, unmatched, load: load.into_iter().map(|(g, n)| (g.to_string(), n)).collect() }
}
