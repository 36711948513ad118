//! Replaying a table over time, to compare matching policies on the same history.
//!
//! Clients become ready and dwellings become free on their dates; a round runs every
//! `interval_days`; each proposal is declined with a fixed probability (drawn per pair
//! from the seed, so every policy meets the same declines for the same pair); placed
//! people and let dwellings leave the pool; contingents count down over the period.
//! Each policy is set against the *hindsight optimum*: the whole period solved at once
//! with full knowledge of every arrival and every decline, which no policy can beat.

use crate::model::{self, Client, Dwelling, Policy, Provider, Round};
use crate::optimize::{self, Limits, Objective, Status};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// A contingent agreement of the period: its full cap.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ContingentCap {
    /// Unique id within the history.
    pub id: String,
    /// CBS code of its municipality.
    pub municipality: String,
    /// The corporation that lets it.
    pub corporation: String,
    /// Dwellings agreed for the period.
    pub cap: i64,
}

/// What happened at a table: who became ready when, which dwelling became free when.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct History {
    /// The first day replayed.
    pub start: NaiveDate,
    /// The last day replayed.
    pub end: NaiveDate,
    #[serde(default)]
    /// The region's rules.
    pub policy: Policy,
    /// Clients; `ready_since` is the day they became ready for outflow.
    pub clients: Vec<Client>,
    /// Dwellings; `available_from` is the day they became free.
    pub dwellings: Vec<Dwelling>,
    #[serde(default)]
    /// Contingents with their caps for the period.
    pub contingents: Vec<ContingentCap>,
    #[serde(default)]
    /// Providers' team bases.
    pub providers: Vec<Provider>,
}

/// How proposals are made each round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// The matcher with the region's rules (tiers, then total score).
    Optimiser,
    /// Dwellings hardest to fill first (fewest eligible clients), each to the
    /// highest-priority eligible client: tier, then longest waiting.
    Greedy,
    /// The longest waiting client first, each to their best-scoring eligible dwelling.
    Fifo,
}

impl Strategy {
    /// Every strategy, in the order the table prints them.
    pub const ALL: [Strategy; 3] = [Strategy::Optimiser, Strategy::Greedy, Strategy::Fifo];

    /// The name on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Optimiser => "optimiser",
            Strategy::Greedy => "greedy",
            Strategy::Fifo => "fifo",
        }
    }
}

impl std::str::FromStr for Strategy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Strategy::ALL.into_iter().find(|p| p.name() == s).ok_or_else(|| format!("policy '{s}': use optimiser, greedy, fifo or all"))
    }
}

/// How the replay runs.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Days between rounds.
    pub interval_days: i64,
    /// Chance that a proposal is declined, 0 to 1.
    pub decline_probability: f64,
    /// Seeds the declines.
    pub seed: u64,
    /// Limits for each round's solve.
    pub limits: Limits,
    /// Limits for the hindsight solve.
    pub hindsight_limits: Limits,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            interval_days: 7,
            decline_probability: 0.1,
            seed: 1,
            limits: Limits { time_limit_ms: 500, ..Limits::default() },
            hindsight_limits: Limits { time_limit_ms: 10_000, ..Limits::default() },
        }
    }
}

/// Why a replay is refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReplayError {
    /// The history or the options do not make sense.
    #[error("{0}")]
    Invalid(String),
    /// A round's input was refused by the matcher.
    #[error("round of {date}: {source}")]
    Round {
        /// The round's day.
        date: NaiveDate,
        /// What the matcher refused.
        source: optimize::InputError,
    },
}

/// A placement the replay made.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Placement {
    /// The client's id.
    pub client: String,
    /// The dwelling's id.
    pub dwelling: String,
    /// The round that proposed it (and in which it was accepted).
    pub date: NaiveDate,
    /// Days from ready to this round.
    pub waited_days: i64,
}

/// Mean, median and 90th percentile of a set of day counts.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Days {
    /// Arithmetic mean (0 when empty).
    pub mean: f64,
    /// Middle value (nearest rank).
    pub median: i64,
    /// 90th percentile (nearest rank).
    pub p90: i64,
}

impl Days {
    /// Summarises day counts.
    pub fn of(values: &[i64]) -> Days {
        if values.is_empty() {
            return Days::default();
        }
        let mut v = values.to_vec();
        v.sort_unstable();
        let rank = |p: f64| v[((p * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1];
        Days { mean: v.iter().sum::<i64>() as f64 / v.len() as f64, median: rank(0.5), p90: rank(0.9) }
    }
}

/// One policy's replay.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PolicyReport {
    /// optimiser, greedy or fifo.
    pub policy: String,
    /// Rounds run.
    pub rounds: usize,
    /// Clients who became ready by the end.
    pub clients: usize,
    /// People placed.
    pub placed: usize,
    /// Placed per urgency (tier at readiness: urgent, priority, regular).
    pub placed_per_urgency: [usize; 3],
    /// Days from ready to placement, of the people placed.
    pub waiting_days: Days,
    /// Days waited by the end, of the people not placed.
    pub still_waiting_days: Days,
    /// Share of the placed who live in their binding or wish municipality.
    pub in_own_place_share: f64,
    /// Contingent places used.
    pub contingent_used: i64,
    /// Contingent places agreed.
    pub contingent_cap: i64,
    /// Proposals declined.
    pub declines: usize,
    /// Placed divided by the hindsight optimum's placed (best found).
    pub hindsight_ratio: f64,
    /// Placed divided by the hindsight optimum's proven bound: the ratio is at least this.
    pub hindsight_ratio_at_least: f64,
    /// Every placement, by date then client.
    pub placements: Vec<Placement>,
}

/// The best any policy could have done.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Hindsight {
    /// People placed in the best matching found.
    pub placed: usize,
    /// No matching places more than this (proven); equal to `placed` when optimal.
    pub bound: usize,
    /// Proven optimal, or feasible with `gap`.
    pub status: Status,
    /// Proven relative gap.
    pub gap: f64,
}

/// The comparison.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Report {
    /// Days between rounds.
    pub interval_days: i64,
    /// Chance of a decline.
    pub decline_probability: f64,
    /// The seed of the declines.
    pub seed: u64,
    /// The whole period solved at once.
    pub hindsight: Hindsight,
    /// One per policy asked for.
    pub policies: Vec<PolicyReport>,
}

/// Whether this pair's proposal is declined: a pure function of seed and pair, so every
/// policy and the hindsight optimum meet the same declines.
pub fn declines(seed: u64, probability: f64, client: &str, dwelling: &str) -> bool {
    if probability <= 0.0 {
        return false;
    }
    // FNV-1a over the pair, then a splitmix64 finaliser: cheap, stable across platforms.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for b in client.bytes().chain([0xff]).chain(dwelling.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^= h >> 31;
    ((h >> 11) as f64 / (1u64 << 53) as f64) < probability
}

fn check(h: &History, o: &Options) -> Result<(), ReplayError> {
    let bad = |m: String| Err(ReplayError::Invalid(m));
    if h.end < h.start {
        return bad(format!("end {} lies before start {}", h.end, h.start));
    }
    if o.interval_days < 1 {
        return bad(format!("interval {} days: at least 1", o.interval_days));
    }
    if !(0.0..=1.0).contains(&o.decline_probability) {
        return bad(format!("decline probability {}: between 0 and 1", o.decline_probability));
    }
    let mut seen = HashSet::new();
    for k in &h.contingents {
        if k.cap < 0 {
            return bad(format!("contingent '{}': negative cap {}", k.id, k.cap));
        }
        if !seen.insert(k.id.as_str()) {
            return bad(format!("duplicate contingent id '{}'", k.id));
        }
    }
    Ok(())
}

/// Replays the history under each strategy and against the hindsight optimum.
pub fn replay(h: &History, strategies: &[Strategy], o: &Options) -> Result<Report, ReplayError> {
    check(h, o)?;
    let hindsight = hindsight(h, o)?;
    let mut policies = Vec::new();
    for &s in strategies {
        let mut r = simulate(h, s, o)?;
        // Nothing could be placed, so nothing was missed.
        let ratio = |of: usize| if of == 0 { 1.0 } else { r.placed as f64 / of as f64 };
        r.hindsight_ratio = ratio(hindsight.placed);
        r.hindsight_ratio_at_least = ratio(hindsight.bound);
        policies.push(r);
    }
    Ok(Report { interval_days: o.interval_days, decline_probability: o.decline_probability, seed: o.seed, hindsight, policies })
}

/// The whole period at once: every client ready by the end, every dwelling free by the
/// end, the full caps, declined pairs left out; the most people placed.
pub fn hindsight(h: &History, o: &Options) -> Result<Hindsight, ReplayError> {
    let mut policy = h.policy.clone();
    policy.horizon_days = 0;
    let round = Round {
        round_date: h.end,
        policy,
        clients: h.clients.iter().filter(|c| c.ready_since <= h.end).cloned().collect(),
        dwellings: h.dwellings.iter().filter(|d| d.available_from <= h.end).cloned().collect(),
        contingents: remaining(h, &HashMap::new()),
        providers: h.providers.clone(),
        rejected_pairs: vec![],
    };
    let mut b = model::build(&round);
    // The most people placed: everyone in one tier, every pair of equal weight.
    for l in &mut b.graph.left {
        l.tier = 0;
    }
    for e in &mut b.graph.edges {
        e.weight = if declines(o.seed, o.decline_probability, &e.left, &e.right) { i64::MIN } else { 0 };
    }
    drop_declined(&mut b.graph);
    let sol = optimize::solve_with(&b.graph, Objective::Tiered, o.hindsight_limits)
        .map_err(|source| ReplayError::Round { date: h.end, source })?;
    let placed = sol.matched.len();
    // With one tier and no weights the gap is (bound − placed) / bound.
    let bound = if sol.status == Status::Optimal { placed } else { (placed as f64 / (1.0 - sol.gap) + 1e-6).floor() as usize };
    Ok(Hindsight { placed, bound: bound.max(placed), status: sol.status, gap: sol.gap })
}

/// The contingents as a round sees them: each cap less what `used` says was used.
fn remaining(h: &History, used: &HashMap<String, i64>) -> Vec<model::Contingent> {
    h.contingents
        .iter()
        .map(|k| model::Contingent {
            id: k.id.clone(),
            municipality: k.municipality.clone(),
            corporation: k.corporation.clone(),
            remaining: k.cap - used.get(&k.id).copied().unwrap_or(0),
        })
        .collect()
}

/// Removes the edges marked `i64::MIN`, keeping group indices right.
fn drop_declined(g: &mut optimize::Graph) {
    let mut new_index = vec![None; g.edges.len()];
    let mut kept = Vec::with_capacity(g.edges.len());
    for (k, e) in g.edges.drain(..).enumerate() {
        if e.weight != i64::MIN {
            new_index[k] = Some(kept.len());
            kept.push(e);
        }
    }
    g.edges = kept;
    for group in &mut g.groups {
        group.edges = group.edges.iter().filter_map(|&k| new_index[k]).collect();
    }
}

/// A pair a strategy proposes in a round, with the contingent it uses.
struct Proposed {
    client: String,
    dwelling: String,
    contingent: Option<String>,
}

fn simulate(h: &History, strategy: Strategy, o: &Options) -> Result<PolicyReport, ReplayError> {
    let caps: HashMap<&str, i64> = h.contingents.iter().map(|k| (k.id.as_str(), k.cap)).collect();
    let mut used: HashMap<String, i64> = HashMap::new();
    let mut placed: HashMap<&str, Placement> = HashMap::new();
    let mut let_out: HashSet<&str> = HashSet::new();
    let mut rejected: Vec<(String, String)> = Vec::new();
    let mut declined = 0usize;
    let mut rounds = 0usize;
    let mut date = h.start;
    while date <= h.end {
        rounds += 1;
        let round = Round {
            round_date: date,
            policy: h.policy.clone(),
            clients: h.clients.iter().filter(|c| c.ready_since <= date && !placed.contains_key(c.id.as_str())).cloned().collect(),
            dwellings: h.dwellings.iter().filter(|d| d.available_from <= date && !let_out.contains(d.id.as_str())).cloned().collect(),
            contingents: remaining(h, &used),
            providers: h.providers.clone(),
            rejected_pairs: rejected.clone(),
        };
        if !round.clients.is_empty() && !round.dwellings.is_empty() {
            let proposed = propose(&round, strategy, o.limits).map_err(|source| ReplayError::Round { date, source })?;
            for p in proposed {
                if declines(o.seed, o.decline_probability, &p.client, &p.dwelling) {
                    declined += 1;
                    rejected.push((p.client, p.dwelling));
                    continue;
                }
                let c = h.clients.iter().find(|c| c.id == p.client).expect("proposed client is in the history");
                let d = h.dwellings.iter().find(|d| d.id == p.dwelling).expect("proposed dwelling is in the history");
                if let Some(k) = p.contingent {
                    *used.entry(k).or_default() += 1;
                }
                let_out.insert(d.id.as_str());
                placed.insert(
                    c.id.as_str(),
                    Placement { client: c.id.clone(), dwelling: d.id.clone(), date, waited_days: (date - c.ready_since).num_days() },
                );
            }
        }
        date += chrono::Duration::days(o.interval_days);
    }
    let ready: Vec<&Client> = h.clients.iter().filter(|c| c.ready_since <= h.end).collect();
    let mut placements: Vec<Placement> = placed.into_values().collect();
    placements.sort_by(|a, b| (a.date, &a.client).cmp(&(b.date, &b.client)));
    let placed_ids: HashSet<&str> = placements.iter().map(|p| p.client.as_str()).collect();
    let clients: HashMap<&str, &Client> = h.clients.iter().map(|c| (c.id.as_str(), c)).collect();
    let dwellings: HashMap<&str, &Dwelling> = h.dwellings.iter().map(|d| (d.id.as_str(), d)).collect();
    let mut per_urgency = [0usize; 3];
    let mut own_place = 0usize;
    for p in &placements {
        let (c, d) = (clients[p.client.as_str()], dwellings[p.dwelling.as_str()]);
        per_urgency[c.urgency.tier() as usize] += 1;
        if d.municipality == c.binding || c.wish.as_deref() == Some(d.municipality.as_str()) {
            own_place += 1;
        }
    }
    let waited: Vec<i64> = placements.iter().map(|p| p.waited_days).collect();
    let still: Vec<i64> =
        ready.iter().filter(|c| !placed_ids.contains(c.id.as_str())).map(|c| (h.end - c.ready_since).num_days()).collect();
    Ok(PolicyReport {
        policy: strategy.name().to_string(),
        rounds,
        clients: ready.len(),
        placed: placements.len(),
        placed_per_urgency: per_urgency,
        waiting_days: Days::of(&waited),
        still_waiting_days: Days::of(&still),
        in_own_place_share: if placements.is_empty() { 0.0 } else { own_place as f64 / placements.len() as f64 },
        contingent_used: used.values().sum(),
        contingent_cap: caps.values().sum(),
        declines: declined,
        hindsight_ratio: 0.0,
        hindsight_ratio_at_least: 0.0,
        placements,
    })
}

/// One round's proposals under a strategy.
fn propose(round: &Round, strategy: Strategy, limits: Limits) -> Result<Vec<Proposed>, optimize::InputError> {
    let b = model::build(round);
    let g = &b.graph;
    if strategy == Strategy::Optimiser {
        let sol = optimize::solve_with(g, Objective::Tiered, limits)?;
        let index: HashMap<(&str, &str), usize> =
            g.edges.iter().enumerate().map(|(k, e)| ((e.left.as_str(), e.right.as_str()), k)).collect();
        return Ok(sol
            .matched
            .into_iter()
            .map(|p| {
                let contingent = b.group_of_edge[index[&(p.left.as_str(), p.right.as_str())]].clone();
                Proposed { client: p.left, dwelling: p.right, contingent }
            })
            .collect());
    }
    let clients: HashMap<&str, &Client> = round.clients.iter().map(|c| (c.id.as_str(), c)).collect();
    let mut remaining: HashMap<&str, i64> = round.contingents.iter().map(|k| (k.id.as_str(), k.remaining)).collect();
    let mut client_taken: HashSet<&str> = HashSet::new();
    let mut dwelling_taken: HashSet<&str> = HashSet::new();
    let mut out = Vec::new();
    // Every candidate edge, in the order the strategy looks at them.
    let mut order: Vec<usize> = (0..g.edges.len()).collect();
    match strategy {
        Strategy::Fifo => order.sort_by(|&a, &b| {
            let (ea, eb) = (&g.edges[a], &g.edges[b]);
            let key = |e: &optimize::Edge| (clients[e.left.as_str()].ready_since, e.left.clone());
            key(ea).cmp(&key(eb)).then(eb.weight.cmp(&ea.weight)).then(ea.right.cmp(&eb.right))
        }),
        Strategy::Greedy => {
            let mut candidates: HashMap<&str, usize> = HashMap::new();
            for e in &g.edges {
                *candidates.entry(e.right.as_str()).or_default() += 1;
            }
            let priority = |e: &optimize::Edge| {
                let c = clients[e.left.as_str()];
                (b.tiers[&c.id].0, c.ready_since, c.id.clone())
            };
            order.sort_by(|&a, &b| {
                let (ea, eb) = (&g.edges[a], &g.edges[b]);
                (candidates[ea.right.as_str()], &ea.right)
                    .cmp(&(candidates[eb.right.as_str()], &eb.right))
                    .then_with(|| priority(ea).cmp(&priority(eb)))
            });
        }
        Strategy::Optimiser => unreachable!("handled above"),
    }
    for k in order {
        let e = &g.edges[k];
        if client_taken.contains(e.left.as_str()) || dwelling_taken.contains(e.right.as_str()) {
            continue;
        }
        let group = b.group_of_edge[k].as_deref();
        if let Some(id) = group {
            let left = remaining.get_mut(id).expect("an edge's group is a contingent of the round");
            if *left <= 0 {
                continue;
            }
            *left -= 1;
        }
        client_taken.insert(e.left.as_str());
        dwelling_taken.insert(e.right.as_str());
        out.push(Proposed { client: e.left.clone(), dwelling: e.right.clone(), contingent: group.map(str::to_string) });
    }
    Ok(out)
}

/// The comparison as a plain-text table.
pub fn table(r: &Report) -> String {
    let mut s = format!(
        "hindsight optimum: {} placed, proven at most {} ({:?}, gap {:.1e}); rounds every {} days, decline chance {:.0} %, seed {}\n",
        r.hindsight.placed,
        r.hindsight.bound,
        r.hindsight.status,
        r.hindsight.gap,
        r.interval_days,
        r.decline_probability * 100.0,
        r.seed
    );
    s.push_str("| policy | placed | of ready | urgent/priority/regular | wait mean | median | p90 | still waiting (mean d) | own place | contingent used/cap | declines | vs hindsight (at least) |\n");
    s.push_str("| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for p in &r.policies {
        s.push_str(&format!(
            "| {} | {} | {} | {}/{}/{} | {:.1} | {} | {} | {} ({:.0}) | {:.1} % | {}/{} | {} | {:.1} % ({:.1} %) |\n",
            p.policy,
            p.placed,
            p.clients,
            p.placed_per_urgency[0],
            p.placed_per_urgency[1],
            p.placed_per_urgency[2],
            p.waiting_days.mean,
            p.waiting_days.median,
            p.waiting_days.p90,
            p.clients - p.placed,
            p.still_waiting_days.mean,
            p.in_own_place_share * 100.0,
            p.contingent_used,
            p.contingent_cap,
            p.declines,
            p.hindsight_ratio * 100.0,
            p.hindsight_ratio_at_least * 100.0
        ));
    }
    s
}
