//! What the unit tests of the matching parts share: small instances' edges as (left,
//! right, weight, group), a brute-force optimum, a greedy start, a feasibility check, a
//! small random round.

use proptest::prelude::*;
use rand::Rng;

/// A branch-and-bound budget that lets the folded model prove its optimum.
pub(crate) fn unlimited() -> crate::lp::Budget {
    crate::lp::Budget { until: std::time::Instant::now() + std::time::Duration::from_secs(600), nodes: u64::MAX }
}

/// An edge of a test instance: (left, right, weight, group).
pub(crate) type TestEdge = (usize, usize, i64, Option<usize>);

/// The best total of `value` over the matchings within the caps, by enumeration.
pub(crate) fn brute(n_left: usize, n_right: usize, edges: &[TestEdge], caps: &[i64], value: &dyn Fn(usize) -> i128) -> i128 {
    brute_matching(n_left, n_right, edges, caps, value).0
}

/// As [`brute`], with a matching that reaches it (its edges).
pub(crate) fn brute_matching(
    n_left: usize,
    n_right: usize,
    edges: &[TestEdge],
    caps: &[i64],
    value: &dyn Fn(usize) -> i128,
) -> (i128, Vec<usize>) {
    struct Walk<'a> {
        n_left: usize,
        edges: &'a [TestEdge],
        caps: &'a [i64],
        value: &'a dyn Fn(usize) -> i128,
        used: Vec<bool>,
        load: Vec<i64>,
    }
    impl Walk<'_> {
        fn best_from(&mut self, left: usize) -> (i128, Vec<usize>) {
            if left == self.n_left {
                return (0, Vec::new());
            }
            let mut best = self.best_from(left + 1);
            for k in 0..self.edges.len() {
                let (l, r, _, g) = self.edges[k];
                if l != left || self.used[r] || g.is_some_and(|g| self.load[g] >= self.caps[g]) {
                    continue;
                }
                self.used[r] = true;
                if let Some(g) = g {
                    self.load[g] += 1;
                }
                let (rest, mut chosen) = self.best_from(left + 1);
                if (self.value)(k) + rest > best.0 {
                    chosen.push(k);
                    best = ((self.value)(k) + rest, chosen);
                }
                self.used[r] = false;
                if let Some(g) = g {
                    self.load[g] -= 1;
                }
            }
            best
        }
    }
    Walk { n_left, edges, caps, value, used: vec![false; n_right], load: vec![0; caps.len()] }.best_from(0)
}

/// A matching within the caps: the edges in `order`, each taken where both its nodes are
/// free and its group has room.
pub(crate) fn greedy(
    n_left: usize,
    n_right: usize,
    edges: &[TestEdge],
    caps: &[i64],
    order: impl IntoIterator<Item = usize>,
) -> Vec<usize> {
    let (mut left, mut right, mut load) = (vec![false; n_left], vec![false; n_right], vec![0i64; caps.len()]);
    let mut out = Vec::new();
    for k in order {
        let (l, r, _, g) = edges[k];
        if left[l] || right[r] || g.is_some_and(|g| load[g] >= caps[g]) {
            continue;
        }
        left[l] = true;
        right[r] = true;
        if let Some(g) = g {
            load[g] += 1;
        }
        out.push(k);
    }
    out
}

/// Fails unless `matching` uses each node at most once and keeps every cap.
pub(crate) fn within_caps(
    n_left: usize,
    n_right: usize,
    edges: &[TestEdge],
    caps: &[i64],
    matching: &[usize],
) -> Result<(), TestCaseError> {
    let (mut left, mut right, mut load) = (vec![false; n_left], vec![false; n_right], vec![0i64; caps.len()]);
    for &k in matching {
        let (l, r, _, g) = edges[k];
        prop_assert!(!left[l] && !right[r], "a node matched twice");
        left[l] = true;
        right[r] = true;
        if let Some(g) = g {
            load[g] += 1;
        }
    }
    prop_assert!(load.iter().zip(caps).all(|(l, c)| l <= c), "over a cap: {:?} > {:?}", load, caps);
    Ok(())
}

/// A small random round (up to 7 × 6, 3 groups, 3 tiers): (n_left, n_right, edges
/// (left, right, weight), group per edge, caps, tier per left node).
pub(crate) struct Round {
    pub n_left: usize,
    pub n_right: usize,
    pub edges: Vec<(usize, usize, i64)>,
    pub group_of: Vec<Option<usize>>,
    pub caps: Vec<i64>,
    pub tier: Vec<usize>,
}

/// Per left node its (right node, edge) pairs, and per group its edges.
pub(crate) type Adjacency = (Vec<Vec<(usize, usize)>>, Vec<Vec<usize>>);

impl Round {
    /// The round's adjacency and group members.
    pub(crate) fn adjacency(&self) -> Adjacency {
        let mut adj = vec![Vec::new(); self.n_left];
        let mut members = vec![Vec::new(); self.caps.len()];
        for (k, &(l, r, _)) in self.edges.iter().enumerate() {
            adj[l].push((r, k));
            if let Some(g) = self.group_of[k] {
                members[g].push(k);
            }
        }
        (adj, members)
    }
}

pub(crate) fn random_round(rng: &mut rand::rngs::StdRng) -> Round {
    let (n_left, n_right, n_groups) = (rng.random_range(1..8), rng.random_range(1..7), rng.random_range(1..4));
    let mut edges: Vec<(usize, usize, i64)> = (0..rng.random_range(1..25))
        .map(|_| (rng.random_range(0..n_left), rng.random_range(0..n_right), rng.random_range(-5..40)))
        .collect();
    edges.sort_by_key(|e| (e.0, e.1));
    edges.dedup_by_key(|e| (e.0, e.1));
    let group_of = edges.iter().map(|_| rng.random_bool(0.7).then(|| rng.random_range(0..n_groups))).collect();
    let caps = (0..n_groups).map(|_| rng.random_range(0..3)).collect();
    let tier = (0..n_left).map(|_| rng.random_range(0..3)).collect();
    Round { n_left, n_right, edges, group_of, caps, tier }
}

/// A small random round as the public graph: clients `c{i}`, dwellings `d{j}`, groups `g{n}`.
pub(crate) fn graph(r: &Round) -> crate::optimize::Graph {
    use crate::optimize::{Edge, Graph, Group, Left, Right};
    let mut groups: Vec<Group> = r.caps.iter().enumerate().map(|(i, &cap)| Group { id: format!("g{i}"), cap, edges: vec![] }).collect();
    for (k, g) in r.group_of.iter().enumerate() {
        if let Some(g) = g {
            groups[*g].edges.push(k);
        }
    }
    Graph {
        left: r.tier.iter().enumerate().map(|(i, &t)| Left { id: format!("c{i}"), tier: t as u32 }).collect(),
        right: (0..r.n_right).map(|i| Right { id: format!("d{i}") }).collect(),
        edges: r.edges.iter().map(|&(l, rr, w)| Edge { left: format!("c{l}"), right: format!("d{rr}"), weight: w }).collect(),
        groups,
    }
}

/// A round's edges and groups as the LP models take them: (left, right, weight, tier)
/// and (members, cap).
pub(crate) fn lp_parts(r: &Round) -> (Vec<crate::lp::LpEdge>, Vec<crate::lp::LpGroup>) {
    let edges = r.edges.iter().map(|&(l, d, w)| (l, d, w, r.tier[l])).collect();
    let mut groups: Vec<crate::lp::LpGroup> = r.caps.iter().map(|&cap| (Vec::new(), cap)).collect();
    for (k, g) in r.group_of.iter().enumerate() {
        if let Some(g) = g {
            groups[*g].0.push(k);
        }
    }
    (edges, groups)
}

/// The LP relaxation's optimum by microlp's simplex (continuous variables): maximise
/// Σ worth(e) x_e over 0 ≤ x ≤ 1, each node at most once, each group at most its cap,
/// each tier `t` at least `held[t]`; `None` where infeasible.
pub(crate) fn lp_value(
    n_left: usize,
    n_right: usize,
    edges: &[crate::lp::LpEdge],
    groups: &[crate::lp::LpGroup],
    held: &[i64],
    worth: &dyn Fn(&crate::lp::LpEdge) -> f64,
) -> Option<f64> {
    use microlp::{ComparisonOp, OptimizationDirection, Problem};
    let mut p = Problem::new(OptimizationDirection::Maximize);
    let x: Vec<_> = edges.iter().map(|e| p.add_var(worth(e), (0.0, 1.0))).collect();
    let mut rows: Vec<Vec<(microlp::Variable, f64)>> = vec![Vec::new(); n_left + n_right];
    for (e, v) in edges.iter().zip(&x) {
        rows[e.0].push((*v, 1.0));
        rows[n_left + e.1].push((*v, 1.0));
    }
    for row in rows.into_iter().filter(|r| !r.is_empty()) {
        p.add_constraint(row, ComparisonOp::Le, 1.0);
    }
    for (members, cap) in groups.iter().filter(|(m, _)| !m.is_empty()) {
        p.add_constraint(members.iter().map(|&k| (x[k], 1.0)).collect::<Vec<_>>(), ComparisonOp::Le, *cap as f64);
    }
    for (t, &h) in held.iter().enumerate() {
        let row: Vec<_> = edges.iter().zip(&x).filter(|(e, _)| e.3 == t).map(|(_, v)| (*v, 1.0)).collect();
        p.add_constraint(row, ComparisonOp::Ge, h as f64);
    }
    match p.solve() {
        Ok(microlp::SolveOutcome::Solution(s)) => Some(s.objective()),
        _ => None,
    }
}

/// Panics unless the LP point `x` (per edge of `r`) keeps, within `tolerance`, its box,
/// each node at most one, each cap, and each held tier `t` at least `held[t]`.
pub(crate) fn assert_within_rows(r: &Round, x: &[f64], held: &[i64], tolerance: f64) {
    assert!(x.iter().all(|v| (-tolerance..=1.0 + tolerance).contains(v)), "out of its box: {x:?}");
    let (mut left, mut right) = (vec![0.0; r.n_left], vec![0.0; r.n_right]);
    let (mut load, mut tiers) = (vec![0.0; r.caps.len()], vec![0.0; held.len()]);
    for (k, v) in x.iter().enumerate() {
        let (l, d, _) = r.edges[k];
        left[l] += v;
        right[d] += v;
        if let Some(g) = r.group_of[k] {
            load[g] += v;
        }
        if let Some(t) = tiers.get_mut(r.tier[l]) {
            *t += v;
        }
    }
    assert!(left.iter().chain(&right).all(|s| *s <= 1.0 + tolerance), "a node over one: {x:?}");
    assert!(load.iter().zip(&r.caps).all(|(l, c)| *l <= *c as f64 + tolerance), "a cap broken: {x:?}");
    assert!(tiers.iter().zip(held).all(|(t, h)| *t >= *h as f64 - tolerance), "a held tier short: {x:?}");
}
