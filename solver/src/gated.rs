//! Maximum-weight matching where left nodes may sit behind a gate: a cap on how many of
//! the gate's left nodes are matched. That is a min-cost flow (source → gate → left →
//! right → sink), solved exactly by successive shortest paths with potentials
//! (Dijkstra), in integer arithmetic; after each Dijkstra, along every path of zero
//! reduced cost that a depth-first search finds (all are shortest), as in the
//! primal-dual method.
//!
//! Why: a neighbourhood in which every client reaches the free dwellings through one
//! group only (one corporation's contingents: a client reaches that corporation through
//! its own municipality's contingent) is this problem, and so, with the sides swapped,
//! is one in which every dwelling is reached through one group only. A flow solves
//! either exactly in milliseconds where the LP takes a second.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::ops::{Add, Neg, Sub};

/// The problem: edges (left, right) with their weights; per left node its gate, if any,
/// and per gate its cap.
pub(crate) struct Gated<'a> {
    pub n_left: usize,
    pub n_right: usize,
    pub edges: &'a [(usize, usize)],
    pub weight: &'a [i128],
    pub gate_of_left: &'a [Option<usize>],
    pub caps: &'a [i64],
}

/// The integer type of costs and distances: `i64` where every distance fits (the heap
/// then moves half the bytes), else `i128`.
trait Cost: Copy + Ord + Add<Output = Self> + Sub<Output = Self> + Neg<Output = Self> {
    const ZERO: Self;
    const MAX: Self;
    fn of(w: i128) -> Self;
}

impl Cost for i64 {
    const ZERO: Self = 0;
    const MAX: Self = i64::MAX;
    fn of(w: i128) -> Self {
        i64::try_from(w).expect("checked to fit")
    }
}

impl Cost for i128 {
    const ZERO: Self = 0;
    const MAX: Self = i128::MAX;
    fn of(w: i128) -> Self {
        w
    }
}

/// A residual network: arc `a` and its reverse `a ^ 1`; once built, each node's arcs
/// out in one array (`start[v]..start[v + 1]` of `out`), in the order they were added.
struct Network<C> {
    head: Vec<usize>,
    cap: Vec<i64>,
    cost: Vec<C>,
    start: Vec<usize>,
    out: Vec<usize>,
}

impl<C: Cost> Network<C> {
    fn arc(&mut self, from: usize, to: usize, cap: i64, cost: C) -> usize {
        let a = self.head.len();
        self.head.extend([to, from]);
        self.cap.extend([cap, 0]);
        self.cost.extend([cost, -cost]);
        a
    }

    /// Lists each node's arcs out, after the last arc is added.
    fn build(&mut self, n: usize) {
        self.start = vec![0; n + 1];
        for a in 0..self.head.len() {
            self.start[self.head[a ^ 1] + 1] += 1;
        }
        for v in 0..n {
            self.start[v + 1] += self.start[v];
        }
        let mut at = self.start.clone();
        self.out = vec![0; self.head.len()];
        // The tail of arc `a` is the head of its reverse.
        for a in 0..self.head.len() {
            let from = self.head[a ^ 1];
            self.out[at[from]] = a;
            at[from] += 1;
        }
    }

    fn out(&self, v: usize) -> &[usize] {
        &self.out[self.start[v]..self.start[v + 1]]
    }
}

/// The edges of a maximum-weight matching within the gates' caps, in index order. Edges
/// of weight zero or less are never chosen; ties break by index, so the result is
/// deterministic.
pub(crate) fn best(p: &Gated<'_>) -> Vec<usize> {
    // A distance is at most a path's cost plus a potential's (each a path's cost): a few
    // times the heaviest edge per node.
    let heaviest = p.weight.iter().map(|w| w.abs()).max().unwrap_or(0);
    let nodes = (2 + p.caps.len() + p.n_left + p.n_right) as i128;
    if heaviest.checked_mul(8 * nodes).is_some_and(|d| d < i128::from(i64::MAX)) {
        solve::<i64>(p)
    } else {
        solve::<i128>(p)
    }
}

fn solve<C: Cost>(p: &Gated<'_>) -> Vec<usize> {
    const SOURCE: usize = 0;
    const SINK: usize = 1;
    let gate = |g: usize| 2 + g;
    let left = |l: usize| 2 + p.caps.len() + l;
    let right = |r: usize| 2 + p.caps.len() + p.n_left + r;
    let n = 2 + p.caps.len() + p.n_left + p.n_right;
    let mut net = Network::<C> { head: Vec::new(), cap: Vec::new(), cost: Vec::new(), start: Vec::new(), out: Vec::new() };
    for (g, &c) in p.caps.iter().enumerate() {
        net.arc(SOURCE, gate(g), c.max(0), C::ZERO);
    }
    let kept = worth_keeping(p);
    let mut has_edges = vec![false; p.n_left];
    kept.iter().for_each(|&e| has_edges[p.edges[e].0] = true);
    for (l, g) in p.gate_of_left.iter().enumerate() {
        if has_edges[l] {
            net.arc(g.map_or(SOURCE, gate), left(l), 1, C::ZERO);
        }
    }
    let mut arc_of_edge = vec![usize::MAX; p.edges.len()];
    // Potentials that make every arc's reduced cost non-negative: only the edges cost
    // anything (their negated weight), so a right node's potential is its cheapest
    // edge's cost and the sink's the cheapest of those.
    let mut potential = vec![C::ZERO; n];
    for e in kept {
        let (l, r) = p.edges[e];
        let cost = -C::of(p.weight[e]);
        arc_of_edge[e] = net.arc(left(l), right(r), 1, cost);
        potential[right(r)] = potential[right(r)].min(cost);
    }
    for r in 0..p.n_right {
        net.arc(right(r), SINK, 1, C::ZERO);
        potential[SINK] = potential[SINK].min(potential[right(r)]);
    }
    net.build(n);
    let mut dist = vec![C::MAX; n];
    // The depth-first searches' marks, cleared for each.
    let (mut next_arc, mut dead, mut on_path) = (vec![0usize; n], vec![false; n], vec![false; n]);
    let mut pred = vec![usize::MAX; n];
    let mut heap = BinaryHeap::new();
    loop {
        dist.fill(C::MAX);
        dist[SOURCE] = C::ZERO;
        heap.push(Reverse((C::ZERO, SOURCE)));
        while let Some(Reverse((d, v))) = heap.pop() {
            if d > dist[v] {
                continue;
            }
            if v == SINK {
                break;
            }
            for &a in net.out(v) {
                let w = net.head[a];
                if net.cap[a] <= 0 {
                    continue;
                }
                let nd = d + net.cost[a] + potential[v] - potential[w];
                if nd < dist[w] {
                    dist[w] = nd;
                    pred[w] = a;
                    heap.push(Reverse((nd, w)));
                }
            }
        }
        heap.clear();
        let to_sink = dist[SINK];
        // The path's true cost; a path that costs nothing or more adds no weight (and
        // later ones cost at least as much: successive shortest paths are convex).
        if to_sink == C::MAX || to_sink + potential[SINK] - potential[SOURCE] >= C::ZERO {
            break;
        }
        for (pi, d) in potential.iter_mut().zip(&dist) {
            *pi = *pi + (*d).min(to_sink);
        }
        // Every path of zero reduced cost is a shortest one now: augment along as many
        // as a depth-first search finds before the next Dijkstra (on a stage's counts
        // most paths tie, and one search serves dozens of them).
        next_arc.fill(0);
        dead.fill(false);
        on_path.fill(false);
        on_path[SOURCE] = true;
        let mut path: Vec<usize> = Vec::new();
        loop {
            let v = path.last().map_or(SOURCE, |&a| net.head[a]);
            if v == SINK {
                for &a in &path {
                    net.cap[a] -= 1;
                    net.cap[a ^ 1] += 1;
                    on_path[net.head[a]] = false;
                }
                path.clear();
                continue;
            }
            let admissible = |a: usize| {
                let w = net.head[a];
                net.cap[a] > 0 && !dead[w] && !on_path[w] && net.cost[a] + potential[v] - potential[w] == C::ZERO
            };
            let out = net.out(v);
            while next_arc[v] < out.len() && !admissible(out[next_arc[v]]) {
                next_arc[v] += 1;
            }
            match out.get(next_arc[v]) {
                Some(&a) => {
                    on_path[net.head[a]] = true;
                    path.push(a);
                }
                None if v == SOURCE => break,
                None => {
                    dead[v] = true;
                    on_path[v] = false;
                    path.pop();
                }
            }
        }
    }
    (0..p.edges.len()).filter(|&e| arc_of_edge[e] != usize::MAX && net.cap[arc_of_edge[e]] == 0).collect()
}

/// The edges some optimum uses, at most: of a right node's edges from one gate's left
/// nodes, only the gate's cap best (by weight, then index) — were a worse one used, one
/// of the better left nodes would be unmatched (no more than the cap are matched) and
/// could take its place within the same gate; of its edges from ungated left nodes, only
/// as many as there are right nodes. Nationally a corporation's free dwellings are
/// wanted by thousands of unmatched clients behind gates with room for a few each.
fn worth_keeping(p: &Gated<'_>) -> Vec<usize> {
    // Per right node its edges (a counting sort: the walk solves thousands of these),
    // each right node's few sorted by gate, then best first.
    let mut start = vec![0usize; p.n_right + 1];
    p.edges.iter().zip(p.weight).filter(|(_, w)| **w > 0).for_each(|(&(_, r), _)| start[r + 1] += 1);
    for r in 0..p.n_right {
        start[r + 1] += start[r];
    }
    let mut at = start.clone();
    let mut order = vec![0usize; start[p.n_right]];
    for (e, &(_, r)) in p.edges.iter().enumerate().filter(|&(e, _)| p.weight[e] > 0) {
        order[at[r]] = e;
        at[r] += 1;
    }
    let gate = |e: usize| p.gate_of_left[p.edges[e].0];
    let mut keep = vec![false; p.edges.len()];
    for r in 0..p.n_right {
        let edges = &mut order[start[r]..start[r + 1]];
        edges.sort_unstable_by_key(|&e| (gate(e), Reverse(p.weight[e]), e));
        let mut taken = 0;
        for k in 0..edges.len() {
            taken = if k > 0 && gate(edges[k - 1]) == gate(edges[k]) { taken + 1 } else { 0 };
            let limit = gate(edges[k]).map_or(p.n_right as i64, |g| p.caps[g].min(p.n_right as i64));
            keep[edges[k]] = (taken as i64) < limit;
        }
    }
    (0..p.edges.len()).filter(|&e| keep[e]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// (n_left, n_right, edges (left, right, weight), gate per left, caps)
    type Instance = (usize, usize, Vec<(usize, usize, i64)>, Vec<Option<usize>>, Vec<i64>);

    fn instance() -> impl Strategy<Value = Instance> {
        (1usize..7, 1usize..7, 1usize..4).prop_flat_map(|(n_left, n_right, n_gates)| {
            let edges = proptest::collection::vec((0..n_left, 0..n_right, -5i64..40), 0..24);
            let gates = proptest::collection::vec(proptest::option::weighted(0.7, 0..n_gates), n_left);
            let caps = proptest::collection::vec(0i64..3, n_gates);
            (Just(n_left), Just(n_right), edges, gates, caps).prop_map(|(l, r, mut edges, gates, caps)| {
                edges.sort_by_key(|e| (e.0, e.1));
                edges.dedup_by_key(|e| (e.0, e.1));
                (l, r, edges, gates, caps)
            })
        })
    }

    fn solve(inst: &Instance) -> Vec<usize> {
        let (n_left, n_right, edges, gates, caps) = inst;
        let pairs: Vec<(usize, usize)> = edges.iter().map(|e| (e.0, e.1)).collect();
        let weight: Vec<i128> = edges.iter().map(|e| i128::from(e.2)).collect();
        best(&Gated { n_left: *n_left, n_right: *n_right, edges: &pairs, weight: &weight, gate_of_left: gates, caps })
    }

    /// Fails unless the flow's matching keeps every cap and equals the brute-force optimum.
    fn is_the_optimum(inst: &Instance) -> Result<(), TestCaseError> {
        let (n_left, n_right, edges, gates, caps) = inst;
        let grouped: Vec<crate::testing::TestEdge> = edges.iter().map(|e| (e.0, e.1, e.2, gates[e.0])).collect();
        let chosen = solve(inst);
        crate::testing::within_caps(*n_left, *n_right, &grouped, caps, &chosen)?;
        let value: i64 = chosen.iter().map(|&e| edges[e].2).sum();
        let best = crate::testing::brute(*n_left, *n_right, &grouped, caps, &|k| i128::from(edges[k].2));
        prop_assert_eq!(i128::from(value), best);
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        /// A gate is a group whose edges are all its left nodes' edges: the flow's
        /// matching keeps every cap and equals the brute-force optimum.
        #[test]
        fn is_the_optimum_within_the_gates(inst in instance()) {
            is_the_optimum(&inst)?;
        }

        /// The same with weights of one to three: most shortest paths tie, and each
        /// Dijkstra is followed by many augmentations.
        #[test]
        fn is_the_optimum_where_weights_tie(inst in instance()) {
            let (n_left, n_right, edges, gates, caps) = inst;
            let tied = edges.iter().map(|e| (e.0, e.1, 1 + e.2.rem_euclid(3))).collect();
            is_the_optimum(&(n_left, n_right, tied, gates, caps))?;
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// The same with weights beyond `i64`'s distances (the `i128` network).
        #[test]
        fn is_the_optimum_with_weights_beyond_i64(inst in instance()) {
            let scale = 1i128 << 70;
            let (n_left, n_right, edges, gates, caps) = &inst;
            let pairs: Vec<(usize, usize)> = edges.iter().map(|e| (e.0, e.1)).collect();
            let weight: Vec<i128> = edges.iter().map(|e| (scale + 1) * i128::from(e.2)).collect();
            let chosen = best(&Gated { n_left: *n_left, n_right: *n_right, edges: &pairs, weight: &weight, gate_of_left: gates, caps });
            let grouped: Vec<crate::testing::TestEdge> = edges.iter().map(|e| (e.0, e.1, e.2, gates[e.0])).collect();
            crate::testing::within_caps(*n_left, *n_right, &grouped, caps, &chosen)?;
            let value: i128 = chosen.iter().map(|&e| weight[e]).sum();
            let best = crate::testing::brute(*n_left, *n_right, &grouped, caps, &|k| weight[k]);
            prop_assert_eq!(value, best);
        }
    }

    /// Three left nodes behind a gate of cap 1 and one free left node: the gate lets the
    /// best of its three through, and the free one takes the dwelling the gate leaves.
    #[test]
    fn a_gate_lets_only_its_cap_through() {
        let edges = [(0, 0), (1, 1), (2, 2), (3, 0), (3, 1)];
        let weight = [10, 30, 20, 9, 8];
        let chosen = best(&Gated {
            n_left: 4,
            n_right: 3,
            edges: &edges,
            weight: &weight,
            gate_of_left: &[Some(0), Some(0), Some(0), None],
            caps: &[1],
        });
        assert_eq!(chosen, vec![1, 3]);
    }
}
