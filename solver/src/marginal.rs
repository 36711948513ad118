//! What one more place in a binding contingent brings: each group re-solved with its cap
//! one higher, within a budget, from the round's own matching with the best pair the
//! place admits at once (so a re-solve brings at least that). Re-solved, not read from
//! the LP's duals: those are not exact once the relaxation is fractional, as it is where
//! caps bind, and the table wants placements, not a price.
//!
//! A re-solve's matching, less one edge of its group where it uses the place, is a
//! matching of the round itself. So where a round is not proven (larger rounds, searched
//! against the clock) a re-solve may show more than a place can bring: part of its gain
//! is a better matching the round missed (the national round of seed 1 in 2 s, 282
//! binding: a place more "brought" +2 / +1 / −1 over the tiers in 49 of them). The best
//! such matching becomes the round's own (re-solved from it in the round's time, so that
//! its bounds are as good as the round's were), and then no re-solve brings more than one
//! placement of the group, tier by tier; on a round proven optimal nothing changes.
//! Contingents that bind only under the better matching, or that the budget does not
//! reach, get what their place admits at once ([`at_once`]). Passes that re-solved the
//! former in turn, each followed by a better matching, left more unsolved, not fewer
//! (city, seed 1: 27 binding at the end and 12 of them not re-solved, against 18 and 6
//! in one pass), as each better matching moved where the caps bind.

use crate::optimize::{self, Graph, InputError, Limits, Objective, Pair, Solution, Status};
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};

/// The re-solves share this many times the round's own time, each with a tenth of it
/// (about half a second with the set-up at city size): the city round's binding
/// contingents mostly fit (`match` 13 s in all, 16–20 of 18–24 re-solved), the national
/// round's do not (3 minutes for its 282 without a budget; 17 s with it, 17 of 294
/// re-solved): those wanted by the most unmatched clients go first.
pub(crate) const BUDGET_ROUNDS: u32 = 5;

/// What one more contingent place would bring.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Marginal {
    /// Extra placements per tier.
    pub extra_per_tier: Vec<i64>,
    /// Extra total score.
    pub extra_score: i64,
    /// Both the round and its re-solve are proven optimal, so the figures are exact.
    /// Else the re-solve, begun from the round's matching, is at least as good as the
    /// round (tier by tier, then the score), and its figures are what it found in its
    /// time: part of them may be a better matching the round missed. Absent in results
    /// written before it existed, and read as not proven: the cautious reading.
    #[serde(default)]
    pub exact: bool,
    /// Re-solved; else (`at_once`) only the best pair the place admits at once with the
    /// round's matching as it is, where the re-solves had no time left: at least that.
    /// Absent in results written before it existed, all of which were re-solved.
    #[serde(default = "yes")]
    pub re_solved: bool,
}

fn yes() -> bool {
    true
}

/// The round's matching and what one more place brings per group re-solved.
#[derive(Debug)]
pub(crate) struct OneMore {
    /// The round's solution: the one given, or a better one that a re-solve showed.
    pub base: Solution,
    /// Whether `base` is not the one given.
    pub improved: bool,
    /// Per group re-solved within the budget (by id); the others were not reached.
    pub marginals: BTreeMap<String, Marginal>,
}

/// A matching's value: tier counts compared tier by tier, then the weight.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Value {
    counts: Vec<i64>,
    weight: i64,
}

impl Value {
    fn of(s: &Solution) -> Value {
        Value { counts: s.tier_counts.clone(), weight: s.total_weight }
    }
}

/// The graph's ids resolved, to value matchings built here.
struct Index<'a> {
    g: &'a Graph,
    tier: HashMap<&'a str, usize>,
    edge: HashMap<(&'a str, &'a str), usize>,
}

impl<'a> Index<'a> {
    fn new(g: &'a Graph) -> Self {
        let tier = g.left.iter().map(|l| (l.id.as_str(), l.tier as usize)).collect();
        let edge = g.edges.iter().enumerate().map(|(k, e)| ((e.left.as_str(), e.right.as_str()), k)).collect();
        Index { g, tier, edge }
    }

    /// `v` with the edge `k` added (`sign` 1) or taken out (−1).
    fn step(&self, v: &Value, k: usize, sign: i64) -> Value {
        let e = &self.g.edges[k];
        let mut counts = v.counts.clone();
        counts[self.tier[e.left.as_str()]] += sign;
        Value { counts, weight: v.weight + sign * e.weight }
    }

    /// `s`, a matching with one place more in group `i`, within the group's own cap: as
    /// it is where it does not use the place, else less the group's edge cheapest to give
    /// up (the lowest tier's, then the lowest weight's).
    fn within_cap(&self, s: &Solution, i: usize) -> (Value, Vec<Pair>) {
        let members: HashSet<usize> = self.g.groups[i].edges.iter().copied().collect();
        let held: Vec<(&Pair, usize)> = s
            .matched
            .iter()
            .filter_map(|p| self.edge.get(&(p.left.as_str(), p.right.as_str())).map(|&k| (p, k)))
            .filter(|(_, k)| members.contains(k))
            .collect();
        let cheapest = held.iter().max_by_key(|(p, k)| (self.tier[p.left.as_str()], Reverse(self.g.edges[*k].weight), &p.left));
        match cheapest {
            Some(&(p, k)) if held.len() as i64 > self.g.groups[i].cap => {
                (self.step(&Value::of(s), k, -1), s.matched.iter().filter(|q| *q != p).cloned().collect())
            }
            _ => (Value::of(s), s.matched.clone()),
        }
    }

    /// The pair of group `i` whose client and dwelling `s` leaves free, the highest
    /// tier's, then the highest weight's: what a place more brings at least.
    fn free_pair(&self, s: &Used<'_>, i: usize) -> Option<usize> {
        self.g.groups[i]
            .edges
            .iter()
            .copied()
            .filter(|&k| !s.left.contains(self.g.edges[k].left.as_str()) && !s.right.contains(self.g.edges[k].right.as_str()))
            .max_by_key(|&k| (Reverse(self.tier[self.g.edges[k].left.as_str()]), self.g.edges[k].weight, Reverse(k)))
    }

    /// `s` with group `i`'s [`Index::free_pair`].
    fn plus_one(&self, s: &Solution, i: usize) -> Option<(Value, Vec<Pair>)> {
        let k = self.free_pair(&Used::of(s), i)?;
        let e = &self.g.edges[k];
        let mut pairs = s.matched.clone();
        pairs.push(Pair { left: e.left.clone(), right: e.right.clone() });
        Some((self.step(&Value::of(s), k, 1), pairs))
    }
}

/// The clients and dwellings a matching uses.
struct Used<'a> {
    left: HashSet<&'a str>,
    right: HashSet<&'a str>,
}

impl<'a> Used<'a> {
    fn of(s: &'a Solution) -> Self {
        Used { left: s.matched.iter().map(|p| p.left.as_str()).collect(), right: s.matched.iter().map(|p| p.right.as_str()).collect() }
    }
}

/// What a place more in each of `groups` admits at once under `base` (its best pair whose
/// client and dwelling `base` leaves free), without a re-solve: for the binding groups the
/// re-solves had no time for, a lower bound on what a re-solve from `base` brings. Ids
/// come from the round's own contingents: one not among `g`'s groups is passed over.
pub(crate) fn at_once(g: &Graph, base: &Solution, groups: &[String]) -> BTreeMap<String, Marginal> {
    let index = Index::new(g);
    let used = Used::of(base);
    let value = Value::of(base);
    groups
        .iter()
        .filter_map(|id| {
            let i = g.groups.iter().position(|x| &x.id == id)?;
            let more = index.step(&value, index.free_pair(&used, i)?, 1);
            let m = Marginal {
                extra_per_tier: more.counts.iter().zip(&value.counts).map(|(a, b)| a - b).collect(),
                extra_score: more.weight - value.weight,
                exact: false,
                re_solved: false,
            };
            Some((id.clone(), m))
        })
        .collect()
}

/// Re-solves `g` with each of `groups` (ids, most wanted first) one place larger, from
/// `base` with the best pair the place admits at once, within [`BUDGET_ROUNDS`] times
/// `limits`' time (an id not among `g`'s groups is passed over, as in [`at_once`]); see
/// the module's doc.
pub(crate) fn one_more(g: &Graph, base: Solution, groups: &[String], limits: Limits) -> Result<OneMore, InputError> {
    let deadline = Instant::now() + Duration::from_millis(limits.time_limit_ms) * BUDGET_ROUNDS;
    let tenth = (limits.time_limit_ms / 10).max(50);
    let index = Index::new(g);
    let mut resolved: Vec<(String, usize, Solution)> = Vec::new();
    // The best matching of the round itself that a re-solve holds: (value, pairs).
    let mut better: Option<(Value, Vec<Pair>)> = None;
    for id in groups {
        let Some(i) = g.groups.iter().position(|x| &x.id == id) else { continue };
        let left = deadline.saturating_duration_since(Instant::now()).as_millis() as u64;
        if left < 50 {
            break;
        }
        let mut g2 = g.clone();
        g2.groups[i].cap += 1;
        let start = index.plus_one(&base, i).map_or_else(|| base.matched.clone(), |(_, pairs)| pairs);
        let quick = Limits { max_nodes: limits.max_nodes.min(50), time_limit_ms: tenth.min(left), ..limits };
        let s2 = optimize::solve_from(&g2, Objective::Tiered, quick, &start)?;
        let (value, pairs) = index.within_cap(&s2, i);
        if value > better.as_ref().map_or_else(|| Value::of(&base), |b| b.0.clone()) {
            better = Some((value, pairs));
        }
        resolved.push((id.clone(), i, s2));
    }
    // The round again, from the better matching, with the round's own time: its bounds
    // are then as good as the round's were.
    let improved = better.is_some();
    let base = match better {
        Some((_, start)) => optimize::solve_from(g, Objective::Tiered, limits, &start)?,
        None => base,
    };
    let base_value = Value::of(&base);
    let marginals = resolved
        .into_iter()
        .map(|(id, i, s2)| {
            // A base made better since keeps the larger cap too, and may admit a pair of
            // the group at once where the re-solve, from the old one, found less.
            let best = [Some(Value::of(&s2)), index.plus_one(&base, i).map(|(v, _)| v)].into_iter().flatten().max();
            let extra = best.filter(|v| *v > base_value).unwrap_or_else(|| base_value.clone());
            let m = Marginal {
                extra_per_tier: extra.counts.iter().zip(&base_value.counts).map(|(a, b)| a - b).collect(),
                extra_score: extra.weight - base_value.weight,
                exact: base.status == Status::Optimal && s2.status == Status::Optimal,
                re_solved: true,
            };
            (id, m)
        })
        .collect();
    Ok(OneMore { base, improved, marginals })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optimize::{solve_with, Group};
    use crate::testing::{brute, graph, random_round, Round, TestEdge};
    use rand::{rngs::StdRng, SeedableRng};

    /// Tier counts above any weight sum of these rounds (7 edges of at most 40).
    const FACTOR: i128 = 10_000;

    fn folded(v: &Value) -> i128 {
        v.counts.iter().enumerate().map(|(t, n)| i128::from(*n) * FACTOR.pow(3 - t as u32)).sum::<i128>() + i128::from(v.weight)
    }

    /// The optimum of `r` with group `more`'s cap one higher, by enumeration.
    fn optimum(r: &Round, more: Option<usize>) -> i128 {
        let edges: Vec<TestEdge> = r.edges.iter().zip(&r.group_of).map(|(&(l, d, w), g)| (l, d, w, *g)).collect();
        let caps: Vec<i64> = r.caps.iter().enumerate().map(|(i, c)| c + i64::from(more == Some(i))).collect();
        brute(r.n_left, r.n_right, &edges, &caps, &|k| FACTOR.pow(3 - r.tier[edges[k].0] as u32) + i128::from(edges[k].2))
    }

    /// The groups a place more would at once add a pair to, where full: the binding ones.
    fn binding(g: &Graph, s: &Solution) -> Vec<String> {
        let index = Index::new(g);
        (0..g.groups.len())
            .filter(|&i| index.plus_one(s, i).is_some())
            .filter(|&i| {
                let load = s
                    .matched
                    .iter()
                    .filter(|p| g.groups[i].edges.iter().any(|&k| g.edges[k].left == p.left && g.edges[k].right == p.right));
                load.count() as i64 >= g.groups[i].cap
            })
            .map(|i| g.groups[i].id.clone())
            .collect()
    }

    /// From a round short of its optimum (solved without some of its edges, and not
    /// proven): the round comes back no worse; a place more brings at least the pair it
    /// admits at once, and no more than one placement of the group (the most any edge of
    /// it is worth) — where the round is not made better, a re-solve that reaches the
    /// larger cap's optimum shows more than that on some of these rounds.
    #[test]
    fn a_place_more_brings_one_placement_at_most_over_the_round_at_its_best() {
        let mut rng = StdRng::seed_from_u64(17);
        let (mut checked, mut improved) = (0, 0);
        for case in 0..400u64 {
            let r = random_round(&mut rng);
            let g = graph(&r);
            let mut base = solve_with(&restrict(&g, case), Objective::Tiered, Limits::default()).unwrap();
            base.status = Status::Feasible;
            let groups = binding(&g, &base);
            let more = one_more(&g, base.clone(), &groups, Limits::default()).unwrap();
            assert!(Value::of(&more.base) >= Value::of(&base), "the round came back worse");
            assert!(folded(&Value::of(&more.base)) <= optimum(&r, None));
            improved += usize::from(more.improved);
            let index = Index::new(&g);
            for (id, m) in &more.marginals {
                let i = g.groups.iter().position(|x| &x.id == id).unwrap();
                let extra = folded(&Value { counts: m.extra_per_tier.clone(), weight: m.extra_score });
                let at_once = index.plus_one(&more.base, i).map_or(0, |(v, _)| folded(&v) - folded(&Value::of(&more.base)));
                let most = g.groups[i]
                    .edges
                    .iter()
                    .map(|&k| FACTOR.pow(3 - r.tier[r.edges[k].0] as u32) + i128::from(r.edges[k].2))
                    .max()
                    .unwrap();
                assert!(extra >= at_once.max(0), "{id}: {m:?} less than the pair it admits at once");
                assert!(extra <= most, "{id}: {m:?} more than one placement");
                assert!(folded(&Value::of(&more.base)) + extra <= optimum(&r, Some(i)), "{id}: {m:?} beyond the larger cap's optimum");
                checked += 1;
            }
        }
        assert!(checked > 100 && improved > 10, "{checked} marginals, {improved} rounds made better");
    }

    /// `g` without the edges that `case`'s bits drop (the k-th edge where bit k % 8 is set).
    fn restrict(g: &Graph, case: u64) -> Graph {
        let keep: Vec<usize> = (0..g.edges.len()).filter(|k| (case >> (k % 8)) & 1 == 0).collect();
        let new_index = |k: usize| keep.iter().position(|&x| x == k);
        Graph {
            left: g.left.clone(),
            right: g.right.clone(),
            edges: keep.iter().map(|&k| g.edges[k].clone()).collect(),
            groups: g.groups.iter().map(|x| Group { edges: x.edges.iter().filter_map(|&k| new_index(k)).collect(), ..x.clone() }).collect(),
        }
    }

    /// A figure written before `exact` and `re_solved` existed reads as re-solved (all
    /// were) and not proven (the cautious reading).
    #[test]
    fn a_figure_from_before_reads_as_re_solved_and_not_proven() {
        let m: Marginal = serde_json::from_str(r#"{"extra_per_tier": [0, 1], "extra_score": 80}"#).unwrap();
        assert_eq!(m, Marginal { extra_per_tier: vec![0, 1], extra_score: 80, exact: false, re_solved: true });
    }

    /// From a round proven optimal, every figure is exact: the larger cap's optimum less
    /// the round's, by enumeration, and the round stays as it is.
    #[test]
    fn from_a_proven_round_a_place_more_is_exact() {
        let mut rng = StdRng::seed_from_u64(19);
        let mut checked = 0;
        for _ in 0..300 {
            let r = random_round(&mut rng);
            let g = graph(&r);
            let base = solve_with(&g, Objective::Tiered, Limits::default()).unwrap();
            assert_eq!(base.status, Status::Optimal);
            let more = one_more(&g, base.clone(), &binding(&g, &base), Limits::default()).unwrap();
            assert!(!more.improved);
            assert_eq!(more.base.matched, base.matched);
            let groups = binding(&g, &base);
            let at_once = at_once(&g, &base, &groups);
            assert_eq!(at_once.len(), groups.len(), "a binding group admits a pair at once");
            for (id, m) in &more.marginals {
                let i = g.groups.iter().position(|x| &x.id == id).unwrap();
                assert!(m.exact && m.re_solved);
                let extra = folded(&Value { counts: m.extra_per_tier.clone(), weight: m.extra_score });
                assert_eq!(extra, optimum(&r, Some(i)) - optimum(&r, None), "{id}: {m:?}");
                // Without a re-solve: the best single pair, at most the re-solve's figure.
                let a = &at_once[id];
                assert!(!a.exact && !a.re_solved);
                let a = folded(&Value { counts: a.extra_per_tier.clone(), weight: a.extra_score });
                assert!(0 < a && a <= extra, "{id}: at once {a}, re-solved {extra}");
                let used = |k: usize| base.matched.iter().any(|p| p.left == g.edges[k].left || p.right == g.edges[k].right);
                let pair = |k: usize| FACTOR.pow(3 - r.tier[r.edges[k].0] as u32) + i128::from(r.edges[k].2);
                assert_eq!(
                    Some(a),
                    g.groups[i].edges.iter().filter(|&&k| !used(k)).map(|&k| pair(k)).max(),
                    "{id}: not the best free pair"
                );
                checked += 1;
            }
        }
        assert!(checked > 50, "{checked} marginals");
    }
}
