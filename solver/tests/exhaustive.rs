//! The core against exhaustive enumeration on small random instances, plus determinism
//! and the strict-tier rule.

use proptest::prelude::*;
use solver::optimize::{solve, solve_with, Edge, Graph, Group, Left, Limits, Objective, Right, Status};
use std::collections::HashMap;

/// A random instance: up to 7×7, tiers 0..3, weights -5..40, up to 3 groups.
fn instance() -> impl Strategy<Value = Graph> {
    (1usize..=7, 1usize..=7).prop_flat_map(|(nl, nr)| {
        let tiers = proptest::collection::vec(0u32..3, nl);
        let edges = proptest::collection::vec((0..nl, 0..nr, -5i64..40), 0..=(nl * nr).min(20));
        let groups = proptest::collection::vec((0usize..3, 0i64..3), 0..3);
        let assign = proptest::collection::vec(0usize..4, 49);
        (Just(nl), Just(nr), tiers, edges, groups, assign).prop_map(|(nl, nr, tiers, edges, groups, assign)| {
            let mut seen = std::collections::HashSet::new();
            let edges: Vec<Edge> = edges
                .into_iter()
                .filter(|(l, r, _)| seen.insert((*l, *r)))
                .map(|(l, r, w)| Edge { left: format!("c{l}"), right: format!("d{r}"), weight: w })
                .collect();
            let mut gs: Vec<Group> =
                groups.iter().enumerate().map(|(i, (_, cap))| Group { id: format!("g{i}"), cap: *cap, edges: vec![] }).collect();
            if !gs.is_empty() {
                for (k, a) in assign.iter().take(edges.len()).enumerate() {
                    if *a < gs.len() {
                        gs[*a].edges.push(k);
                    }
                }
            }
            Graph {
                left: (0..nl).map(|i| Left { id: format!("c{i}"), tier: tiers[i] }).collect(),
                right: (0..nr).map(|i| Right { id: format!("d{i}") }).collect(),
                edges,
                groups: gs,
            }
        })
    })
}

/// Exhaustive search state.
struct Brute<'a> {
    g: &'a Graph,
    group_of: HashMap<usize, usize>,
    used_right: std::collections::HashSet<String>,
    load: Vec<i64>,
    counts: Vec<i64>,
    objective: Objective,
    best: (Vec<i64>, i64),
}

impl Brute<'_> {
    fn rec(&mut self, i: usize, weight: i64) {
        let g = self.g;
        if i == g.left.len() {
            let better = match self.objective {
                Objective::Tiered => (self.counts.clone(), weight) > self.best,
                Objective::Weight => weight > self.best.1,
            };
            if better {
                self.best = (self.counts.clone(), weight);
            }
            return;
        }
        self.rec(i + 1, weight);
        let id = &g.left[i].id;
        for (k, e) in g.edges.iter().enumerate().filter(|(_, e)| &e.left == id) {
            let group = self.group_of.get(&k).copied();
            if self.used_right.contains(&e.right) || group.is_some_and(|gi| self.load[gi] >= g.groups[gi].cap) {
                continue;
            }
            if let Some(gi) = group {
                self.load[gi] += 1;
            }
            self.used_right.insert(e.right.clone());
            self.counts[g.left[i].tier as usize] += 1;
            self.rec(i + 1, weight + e.weight);
            self.counts[g.left[i].tier as usize] -= 1;
            self.used_right.remove(&e.right);
            if let Some(gi) = group {
                self.load[gi] -= 1;
            }
        }
    }
}

/// The best (tier counts, weight) over every feasible matching, lexicographically.
fn brute(g: &Graph, objective: Objective) -> (Vec<i64>, i64) {
    let n_tiers = g.left.iter().map(|l| l.tier as usize + 1).max().unwrap_or(1);
    let mut b = Brute {
        g,
        group_of: g.groups.iter().enumerate().flat_map(|(gi, grp)| grp.edges.iter().map(move |e| (*e, gi))).collect(),
        used_right: Default::default(),
        load: vec![0; g.groups.len()],
        counts: vec![0; n_tiers],
        objective,
        best: (vec![0; n_tiers], 0),
    };
    b.rec(0, 0);
    b.best
}

fn feasible(g: &Graph, s: &solver::optimize::Solution) {
    let mut lefts = std::collections::HashSet::new();
    let mut rights = std::collections::HashSet::new();
    let mut load = vec![0i64; g.groups.len()];
    for p in &s.matched {
        assert!(lefts.insert(&p.left) && rights.insert(&p.right), "each node at most once");
        let k = g.edges.iter().position(|e| e.left == p.left && e.right == p.right).expect("a candidate edge");
        for (gi, grp) in g.groups.iter().enumerate() {
            if grp.edges.contains(&k) {
                load[gi] += 1;
            }
        }
    }
    for (gi, grp) in g.groups.iter().enumerate() {
        assert!(load[gi] <= grp.cap, "group {} over its cap", grp.id);
    }
}

/// The tiered solve within `limits` is feasible, proven optimal and equal to brute force.
fn proven_optimum(g: &Graph, limits: Limits) -> Result<(), TestCaseError> {
    let s = solve_with(g, Objective::Tiered, limits).unwrap();
    feasible(g, &s);
    let (counts, weight) = brute(g, Objective::Tiered);
    prop_assert_eq!(s.status, Status::Optimal);
    prop_assert_eq!(&s.tier_counts, &counts);
    prop_assert_eq!(s.total_weight, weight);
    prop_assert_eq!(s.gap, 0.0);
    Ok(())
}

/// The solve within `limits` (the Lagrangian certificate alone) claims proven only what
/// is optimal, and its gap covers the distance to the optimum.
fn certificate_claims_nothing_untrue(g: &Graph, limits: Limits) -> Result<(), TestCaseError> {
    let s = solve_with(g, Objective::Tiered, limits).unwrap();
    feasible(g, &s);
    let (counts, weight) = brute(g, Objective::Tiered);
    for (t, stage) in s.stages.iter().enumerate().take(counts.len()) {
        if stage.proven && s.stages[..t].iter().all(|st| st.proven) {
            prop_assert_eq!(stage.value, counts[t], "tier {} claimed proven", t);
        }
    }
    if s.status == Status::Optimal {
        prop_assert_eq!(&s.tier_counts, &counts);
        prop_assert_eq!(s.total_weight, weight);
    }
    if s.tier_counts == counts {
        let claimed = s.gap * s.total_weight.unsigned_abs().max(1) as f64;
        prop_assert!(claimed + 1e-9 >= (weight - s.total_weight) as f64, "gap {} hides {} weight", s.gap, weight - s.total_weight);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    #[test]
    fn tiered_optimum_equals_brute_force(g in instance()) {
        proven_optimum(&g, Limits::default())?;
    }

    /// The same without the LP certificate: branch and bound alone proves the optimum.
    #[test]
    fn branch_and_bound_alone_equals_brute_force(g in instance()) {
        let limits = Limits { lp_certificate_max_edges: 0, ..Limits::default() };
        let s = solve_with(&g, Objective::Tiered, limits).unwrap();
        feasible(&g, &s);
        let (counts, weight) = brute(&g, Objective::Tiered);
        prop_assert_eq!(s.status, Status::Optimal);
        prop_assert_eq!(&s.tier_counts, &counts);
        prop_assert_eq!(s.total_weight, weight);
    }

    /// The stage-wise Lagrangian certificate (used above the LP's size) on its own, no
    /// search after it: whatever it claims proven is the optimum, and its gap covers the
    /// distance to the optimum.
    #[test]
    fn lagrangian_certificate_claims_nothing_untrue(g in instance()) {
        certificate_claims_nothing_untrue(&g, Limits { lp_certificate_max_edges: 0, max_nodes: 0, time_limit_ms: 200, ..Limits::default() })?;
    }

    /// The same with every stage's multipliers first from its LP relaxation's duals (as
    /// nationally, where a stage has seconds).
    #[test]
    fn lagrangian_certificate_from_lp_duals_claims_nothing_untrue(g in instance()) {
        let limits = Limits { lp_certificate_max_edges: 0, max_nodes: 0, time_limit_ms: 200, lp_duals_min_stage_ms: 0, ..Limits::default() };
        certificate_claims_nothing_untrue(&g, limits)?;
    }

    #[test]
    fn weight_optimum_equals_brute_force(g in instance()) {
        let s = solve(&g, Objective::Weight).unwrap();
        feasible(&g, &s);
        prop_assert_eq!(s.total_weight, brute(&g, Objective::Weight).1);
    }

    /// Strict tiers: no feasible matching has more clients of the highest tier where
    /// ours leaves one unmatched (brute force over all matchings, first stage alone).
    #[test]
    fn no_higher_tier_client_loses_to_a_lower_one(g in instance()) {
        let s = solve(&g, Objective::Tiered).unwrap();
        let mut only_top = g.clone();
        for l in &mut only_top.left {
            l.tier = if l.tier == 0 { 0 } else { 1 };
        }
        let (counts, _) = brute(&only_top, Objective::Tiered);
        prop_assert_eq!(s.tier_counts[0], counts[0]);
    }

    #[test]
    fn any_order_gives_the_same_answer(g in instance(), seed in 0u64..1000) {
        let a = solve(&g, Objective::Tiered).unwrap();
        let mut h = g.clone();
        // Reverse and rotate the nodes and edges, keeping the groups pointing right.
        let n = h.edges.len();
        let shift = if n == 0 { 0 } else { (seed as usize) % n };
        let order: Vec<usize> = (0..n).map(|i| (i + shift) % n).rev().collect();
        let new_pos: HashMap<usize, usize> = order.iter().enumerate().map(|(new, old)| (*old, new)).collect();
        h.edges = order.iter().map(|&k| g.edges[k].clone()).collect();
        for grp in &mut h.groups {
            grp.edges = grp.edges.iter().map(|k| new_pos[k]).collect();
        }
        h.left.reverse();
        let rot = (seed as usize) % h.right.len().max(1);
        h.right.rotate_left(rot);
        h.groups.reverse();
        let b = solve(&h, Objective::Tiered).unwrap();
        prop_assert_eq!(a.matched, b.matched);
        prop_assert_eq!(a.tier_counts, b.tier_counts);
    }
}

/// The HiGHS backend (feature `highs`) against the same brute force. Determinism under
/// reordering is ours alone: HiGHS may pick another of several equal optima.
#[cfg(feature = "highs")]
mod highs {
    use super::*;
    use solver::optimize::Backend;

    fn highs() -> Limits {
        Limits { backend: Backend::Highs, time_limit_ms: 60_000, ..Limits::default() }
    }

    /// HiGHS' presolve reduced this one's weight stage to nothing and then failed on its
    /// own solution; the stage is solved again without presolve.
    #[test]
    fn a_stage_highs_presolve_fails_on_is_solved_without_it() {
        let g: Graph = serde_json::from_str(
            r#"{"left": [{"id": "c0", "tier": 0}, {"id": "c1", "tier": 1}, {"id": "c2", "tier": 0}, {"id": "c3", "tier": 2}],
                "right": [{"id": "d0"}, {"id": "d1"}, {"id": "d2"}],
                "edges": [{"left": "c0", "right": "d2", "weight": 0}, {"left": "c3", "right": "d1", "weight": 4},
                          {"left": "c1", "right": "d1", "weight": 15}, {"left": "c1", "right": "d0", "weight": 12},
                          {"left": "c0", "right": "d1", "weight": 0}, {"left": "c3", "right": "d0", "weight": 1},
                          {"left": "c2", "right": "d2", "weight": 0}, {"left": "c2", "right": "d1", "weight": 0}]}"#,
        )
        .unwrap();
        proven_optimum(&g, highs()).unwrap();
        let s = solve_with(&g, Objective::Tiered, highs()).unwrap();
        assert_eq!((s.tier_counts, s.total_weight), (vec![2, 1, 0], 12));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        #[test]
        fn tiered_optimum_equals_brute_force(g in instance()) {
            proven_optimum(&g, highs())?;
        }

        #[test]
        fn weight_optimum_equals_brute_force(g in instance()) {
            let s = solve_with(&g, Objective::Weight, highs()).unwrap();
            feasible(&g, &s);
            prop_assert_eq!(s.total_weight, brute(&g, Objective::Weight).1);
        }

        /// Both backends agree on every stage of the same instance.
        #[test]
        fn agrees_with_ours(g in instance()) {
            let ours = solve(&g, Objective::Tiered).unwrap();
            let theirs = solve_with(&g, Objective::Tiered, highs()).unwrap();
            prop_assert_eq!(ours.tier_counts, theirs.tier_counts);
            prop_assert_eq!(ours.total_weight, theirs.total_weight);
        }
    }
}
