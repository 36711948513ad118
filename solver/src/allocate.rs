//! A feasible matching from an allocation of the grouped right nodes: each right node
//! with grouped edges is given to one group, and only that group's edges may use it.
//!
//! Why: once every right node belongs to one group, a cap is a cap on a set of right
//! nodes, and that is an assignment problem again, solved exactly: a group with `n`
//! right nodes and cap `c` gets `n − c` blocker rows that must each take one of its right
//! nodes, which leaves at most `c` to everyone else. The best matching under the right
//! allocation is the optimum. The search starts from the incumbent's allocation (which
//! it can only improve on) and moves one right node at a time.

use crate::assignment::{Sparse, Warm};

/// What the allocation needs of the problem.
pub(crate) struct Shape<'a> {
    pub n_right: usize,
    pub edges: &'a [(usize, usize, i64)],
    pub group_of: &'a [Option<usize>],
    pub caps: &'a [i64],
    /// The weights to maximise (the folded objective).
    pub weight: &'a [i128],
    /// Edges that may be used.
    pub usable: &'a [bool],
    pub adj: &'a [Vec<(usize, usize)>],
}

/// How many right nodes a group is given beyond its cap at the start (its clients'
/// choice among them): more would only be blocked, and cost a blocker row each.
const SPARE: i64 = 4;

/// A matching under an allocation of the grouped right nodes, improved one move at a
/// time: a move gives one right node to another group, and the assignment is solved
/// again from the last one (only the rows it concerns are searched again).
pub(crate) struct Allocator<'s, 'a> {
    s: &'s Shape<'a>,
    /// Client rows, then each group's blocker rows.
    adj: Vec<Vec<(usize, usize)>>,
    weight: Vec<i128>,
    allowed: Vec<bool>,
    allocation: Vec<Option<usize>>,
    /// Per group: the right nodes its edges reach, where its blocker edges start, and
    /// how many blocker rows it has.
    reach: Vec<Vec<usize>>,
    first_edge: Vec<usize>,
    first_row: Vec<usize>,
    rows: Vec<usize>,
    /// Rows whose edges changed since the last solve.
    dirty: Vec<usize>,
    /// Per group, the right nodes allocated to it.
    members: Vec<i64>,
    /// Per right node, the grouped usable edges into it.
    into_right: Vec<Vec<usize>>,
    warm: Warm,
    /// The current matching's edges per left node, and its value.
    edge_of_left: Vec<Option<usize>>,
    value: i128,
    blocker: i128,
}

impl<'s, 'a> Allocator<'s, 'a> {
    /// Starts from the allocation of `matching` (feasible within the caps): each right
    /// node it holds by a group stays with that group; every other grouped right node goes
    /// to its group with the most room, up to [`SPARE`] beyond its cap, so no group's room
    /// stays unused for want of right nodes. `None` when the weights are too large to add
    /// blockers exactly.
    pub(crate) fn new(s: &'s Shape<'a>, matching: &[usize]) -> Option<Self> {
        let n_left = s.adj.len();
        let mut into_right: Vec<Vec<usize>> = vec![Vec::new(); s.n_right];
        let mut reach: Vec<Vec<usize>> = vec![Vec::new(); s.caps.len()];
        for (e, &(_, r, _)) in s.edges.iter().enumerate() {
            if let (Some(g), true) = (s.group_of[e], s.usable[e]) {
                into_right[r].push(e);
                reach[g].push(r);
            }
        }
        reach.iter_mut().for_each(|v| {
            v.sort_unstable();
            v.dedup();
        });
        let mut allocation: Vec<Option<usize>> = vec![None; s.n_right];
        let mut members = vec![0i64; s.caps.len()];
        for &e in matching {
            if let Some(g) = s.group_of[e] {
                allocation[s.edges[e].1] = Some(g);
                members[g] += 1;
            }
        }
        // A blocker on a right node keeps every edge off it, ungrouped ones too; so a right
        // node with ungrouped edges as well is allocated only where the start holds it by
        // a group (or a move gives it one), which keeps the start feasible.
        let mut ungrouped = vec![false; s.n_right];
        for (e, &(_, r, _)) in s.edges.iter().enumerate() {
            ungrouped[r] |= s.usable[e] && s.group_of[e].is_none();
        }
        // The most valuable right nodes first: they are the ones worth the spare places.
        let mut order: Vec<(std::cmp::Reverse<i128>, usize)> = (0..s.n_right)
            .filter(|&r| allocation[r].is_none() && !into_right[r].is_empty() && !ungrouped[r])
            .map(|r| (std::cmp::Reverse(into_right[r].iter().map(|&e| s.weight[e]).max().unwrap_or(0)), r))
            .collect();
        order.sort_unstable();
        for (_, r) in order {
            let into = &into_right[r];
            let room = |g: usize| (s.caps[g] - members[g], std::cmp::Reverse(g));
            let g = into.iter().filter_map(|&e| s.group_of[e]).max_by_key(|&g| room(g)).expect("grouped");
            if members[g] < s.caps[g] + SPARE {
                allocation[r] = Some(g);
                members[g] += 1;
            }
        }
        // A blocker is worth more than any one edge: giving up a right node costs the
        // others at most one edge's weight, so every enabled blocker stays matched.
        let blocker = s.weight.iter().copied().max().unwrap_or(0).max(0).checked_add(1)?;
        // Enough blocker rows for the spare right nodes and a few moves more: a move that
        // would need more is refused (see `solve`), and the rows stay O(edges).
        let rows: Vec<usize> = reach.iter().zip(s.caps).map(|(r, c)| (r.len() as i64 - c).clamp(0, 2 * SPARE) as usize).collect();
        blocker.checked_mul(i128::try_from(rows.iter().sum::<usize>() + n_left).ok()?)?;
        let mut adj: Vec<Vec<(usize, usize)>> = s.adj.to_vec();
        let mut weight: Vec<i128> = s.weight.to_vec();
        let mut first_edge = Vec::with_capacity(s.caps.len());
        let mut first_row = Vec::with_capacity(s.caps.len());
        for (g, reached) in reach.iter().enumerate() {
            first_edge.push(weight.len());
            first_row.push(adj.len());
            for _ in 0..rows[g] {
                adj.push(reached.iter().enumerate().map(|(k, &r)| (r, weight.len() + k)).collect());
                weight.extend(std::iter::repeat_n(blocker, reached.len()));
            }
        }
        let allowed = vec![false; weight.len()];
        let warm = Warm::preferring_free(&Sparse { n_right: s.n_right, adj: &adj });
        let mut a = Allocator {
            s,
            adj,
            weight,
            allowed,
            allocation,
            reach,
            first_edge,
            first_row,
            rows,
            dirty: Vec::new(),
            members,
            into_right,
            warm,
            edge_of_left: vec![None; n_left],
            value: i128::MIN,
            blocker,
        };
        for e in 0..s.edges.len() {
            a.allowed[e] = s.usable[e] && s.group_of[e].is_none_or(|g| a.allocation[s.edges[e].1] == Some(g));
        }
        for g in 0..s.caps.len() {
            a.refresh_blockers(g);
        }
        a.value = a.solve()?;
        Some(a)
    }

    /// Enables the blocker rows group `g` needs, each on the right nodes allocated to it.
    fn refresh_blockers(&mut self, g: usize) {
        let need = (self.members[g] - self.s.caps[g]).max(0) as usize;
        let width = self.reach[g].len();
        for k in 0..self.rows[g] {
            self.dirty.push(self.first_row[g] + k);
            for (pos, &r) in self.reach[g].iter().enumerate() {
                self.allowed[self.first_edge[g] + k * width + pos] = k < need && self.allocation[r] == Some(g);
            }
        }
    }

    /// Allocates right node `r` to group `g` (none: to no group).
    fn give(&mut self, r: usize, g: Option<usize>) {
        let from = std::mem::replace(&mut self.allocation[r], g);
        for &e in &self.into_right[r] {
            self.allowed[e] = self.s.group_of[e] == g;
            self.dirty.push(self.s.edges[e].0);
        }
        for (k, change) in [(from, -1), (g, 1)] {
            if let Some(k) = k {
                self.members[k] += change;
                self.refresh_blockers(k);
            }
        }
    }

    /// Solves the assignment from the last one; the clients' value, or `None` when a
    /// blocker went unmatched (then a cap could be exceeded).
    fn solve(&mut self) -> Option<i128> {
        let n_left = self.s.adj.len();
        let dirty = std::mem::take(&mut self.dirty);
        let m = self.warm.solve_changed(&Sparse { n_right: self.s.n_right, adj: &self.adj }, &self.weight, &self.allowed, dirty);
        let blockers = m.edge_of_left[n_left..].iter().flatten().count() as i128;
        let need: i128 = (0..self.s.caps.len()).map(|g| (self.members[g] - self.s.caps[g]).max(0) as i128).sum();
        if blockers != need {
            return None;
        }
        self.edge_of_left.copy_from_slice(&m.edge_of_left[..n_left]);
        Some(m.value - blockers * self.blocker)
    }

    /// Tries moves until `deadline`: a right node goes to a group with room whose
    /// unmatched left node of tier at most `max_tier` has an edge to it; a move stays when
    /// the matching gets better. Returns the matching.
    pub(crate) fn improve(&mut self, tier: &[usize], max_tier: usize, deadline: std::time::Instant) -> Vec<usize> {
        let s = self.s;
        loop {
            let mut load = vec![0i64; s.caps.len()];
            for e in self.edge_of_left.iter().flatten() {
                if let Some(g) = s.group_of[*e] {
                    load[g] += 1;
                }
            }
            let mut moves: Vec<(usize, std::cmp::Reverse<i128>, usize, usize)> = Vec::new();
            for (l, edges) in s.adj.iter().enumerate() {
                if self.edge_of_left[l].is_some() || tier[l] > max_tier {
                    continue;
                }
                for &(r, e) in edges {
                    match s.group_of[e] {
                        Some(g) if s.usable[e] && self.allocation[r] != Some(g) && load[g] < s.caps[g] => {
                            moves.push((tier[l], std::cmp::Reverse(s.weight[e]), r, g))
                        }
                        _ => {}
                    }
                }
            }
            moves.sort_unstable();
            let mut improved = false;
            for (_, _, r, g) in moves {
                if std::time::Instant::now() >= deadline {
                    return self.matching();
                }
                let from = self.allocation[r];
                if from == Some(g) {
                    continue;
                }
                let saved = (self.warm.snapshot(), self.edge_of_left.clone());
                self.give(r, Some(g));
                match self.solve() {
                    Some(v) if v > self.value => {
                        self.value = v;
                        improved = true;
                    }
                    _ => {
                        self.give(r, from);
                        // Back to the state before the move: nothing to search again.
                        self.dirty.clear();
                        self.warm.restore(saved.0);
                        self.edge_of_left = saved.1;
                    }
                }
            }
            if !improved {
                return self.matching();
            }
        }
    }

    fn matching(&self) -> Vec<usize> {
        self.edge_of_left.iter().flatten().copied().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// (n_left, n_right, edges (left, right, weight, group), caps)
    type Instance = (usize, usize, Vec<crate::testing::TestEdge>, Vec<i64>);

    fn instance(max_groups: usize) -> impl Strategy<Value = Instance> {
        (1usize..6, 1usize..6, 1..=max_groups).prop_flat_map(|(n_left, n_right, n_groups)| {
            let edges = proptest::collection::vec((0..n_left, 0..n_right, -5i64..40, proptest::option::of(0..n_groups)), 0..20);
            let caps = proptest::collection::vec(0i64..3, n_groups);
            (Just(n_left), Just(n_right), edges, caps).prop_map(|(l, r, mut edges, caps)| {
                edges.sort_by_key(|e| (e.0, e.1));
                edges.dedup_by_key(|e| (e.0, e.1));
                (l, r, edges, caps)
            })
        })
    }

    /// The best value of a matching within the caps, by enumeration.
    fn brute(inst: &Instance) -> i64 {
        let (n_left, n_right, edges, caps) = inst;
        let best = crate::testing::brute(*n_left, *n_right, edges, caps, &|k| i128::from(edges[k].2));
        i64::try_from(best).expect("small weights")
    }

    /// Runs the allocator from `start` with every move tried; checks the result is a
    /// matching within the caps and returns its value.
    fn allocate(inst: &Instance, start: &[usize]) -> Result<i64, TestCaseError> {
        let (n_left, n_right, edges, caps) = inst;
        let plain: Vec<(usize, usize, i64)> = edges.iter().map(|e| (e.0, e.1, e.2)).collect();
        let group_of: Vec<Option<usize>> = edges.iter().map(|e| e.3).collect();
        let weight: Vec<i128> = edges.iter().map(|e| i128::from(e.2)).collect();
        let usable: Vec<bool> = edges.iter().map(|e| e.2 > 0).collect();
        let mut adj = vec![Vec::new(); *n_left];
        for (k, e) in edges.iter().enumerate() {
            adj[e.0].push((e.1, k));
        }
        let shape = Shape { n_right: *n_right, edges: &plain, group_of: &group_of, caps, weight: &weight, usable: &usable, adj: &adj };
        let far = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let m = Allocator::new(&shape, start).expect("small weights").improve(&vec![0; *n_left], 0, far);
        crate::testing::within_caps(*n_left, *n_right, edges, caps, &m)?;
        Ok(m.iter().map(|&e| edges[e].2).sum())
    }

    /// As [`instance`], with the group a property of the right node (as contingent
    /// dwellings are): each right node's edges are all in its group or all ungrouped.
    fn by_right_node(max_groups: usize) -> impl Strategy<Value = Instance> {
        (instance(max_groups), proptest::collection::vec(proptest::option::of(0..max_groups), 6)).prop_map(
            |((l, r, mut edges, caps), group)| {
                for e in &mut edges {
                    e.3 = group[e.1].filter(|g| *g < caps.len());
                }
                (l, r, edges, caps)
            },
        )
    }

    /// A group that reaches many right nodes under a small cap costs a few blocker rows,
    /// not one per right node beyond the cap (which would be quadratic), and keeps its cap.
    #[test]
    fn a_wide_group_costs_few_blocker_rows() {
        let n = 200;
        let edges: Vec<(usize, usize, i64)> = (0..n).map(|k| (k, k, 10 + k as i64)).collect();
        let group_of = vec![Some(0); n];
        let weight: Vec<i128> = edges.iter().map(|e| i128::from(e.2)).collect();
        let usable = vec![true; n];
        let adj: Vec<Vec<(usize, usize)>> = (0..n).map(|k| vec![(k, k)]).collect();
        let caps = [3];
        let shape = Shape { n_right: n, edges: &edges, group_of: &group_of, caps: &caps, weight: &weight, usable: &usable, adj: &adj };
        let mut a = Allocator::new(&shape, &[]).expect("small weights");
        assert!(a.adj.len() - n <= 2 * SPARE as usize, "{} blocker rows", a.adj.len() - n);
        let far = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let m = a.improve(&vec![0; n], 0, far);
        let mut chosen: Vec<usize> = m.iter().map(|&e| edges[e].1).collect();
        chosen.sort_unstable();
        assert_eq!(chosen, vec![n - 3, n - 2, n - 1], "the cap's worth of the best, no more");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        /// One group: every grouped right node goes to it (these instances never reach
        /// more than `SPARE` beyond the cap), so the allocation restricts nothing and the
        /// blockers alone must keep the cap: the optimum.
        #[test]
        fn with_one_group_it_is_the_optimum(inst in by_right_node(1)) {
            let value = allocate(&inst, &[])?;
            prop_assert_eq!(value, brute(&inst));
        }

        /// Many groups: within the caps, and never worse than the matching it starts
        /// from (which is feasible under its own allocation).
        #[test]
        fn keeps_the_caps_and_never_loses(inst in instance(3)) {
            // A start: greedy, heaviest first, within the caps.
            let (n_left, n_right, edges, caps) = &inst;
            let mut order: Vec<usize> = (0..edges.len()).filter(|&k| edges[k].2 > 0).collect();
            order.sort_by_key(|&k| (std::cmp::Reverse(edges[k].2), k));
            let start = crate::testing::greedy(*n_left, *n_right, edges, caps, order);
            let value = allocate(&inst, &start)?;
            prop_assert!(value >= start.iter().map(|&k| edges[k].2).sum::<i64>());
            prop_assert!(value <= brute(&inst));
        }
    }
}
