//! A stage's LP by column generation: the LP over a few thousand of its edges (the
//! master) by the interior point (`interior.rs`), its duals priced over every edge, the
//! edges the relaxed matching at its multipliers takes outside it added (or, where it
//! takes none, those that would gain), until none would gain, or what they would gain
//! could not lift the bound's floor. Then the master's optimum is the LP's (as far as its floor
//! goes), and its duals on the caps and held tiers the Lagrangian dual's optimum.
//!
//! Why: on the city's weight stage PDHG (`pdhg.rs`) left the LP's bound at 406,358 after
//! 9.6 s and 406,327 after 21 s (the LP: 406,320.5), while at the LP's optimal duals
//! only 1,186 of the 93,000 edges have a reduced cost above -0.01 and 5,181 above -5:
//! from duals near the optimum the master is small. Not for the count stages: at their
//! optimal duals tens of thousands of edges are tight (city tier 1: 32,000), and PDHG
//! solves those in a fraction of a second.
//!
//! The duals are only proposed, as PDHG's: the certificate's bound is still the exact
//! assignment's at them.

use crate::lp::{LpEdge, LpGroup};
use crate::pdhg::{Duals, StageLp};
use std::time::Instant;

/// A held tier's shortfall in the master costs this many times the heaviest objective a
/// match: more than any held tier's price at the optimum (city: 1,203 for tier 0, with
/// weights up to ~500), so that the master falls short only while its edges cannot meet
/// the counts.
const SHORT: f64 = 50.0;

/// A reduced cost above this part of the heaviest objective counts as a gain.
const GAIN: f64 = 1e-5;

/// How far below a whole number a value may fall and still count as it: the interior
/// point ends within about 1e-3 of the optimum at these sizes.
const FLOOR: f64 = 0.01;

/// What the master takes in at most per round: at least this many edges, or half of what
/// it holds.
const ADD: usize = 1_000;

/// An exact upper bound at multipliers per group and per held tier (see [`solve`]), with
/// the edges of the relaxed matching that reaches it.
pub(crate) type BoundAt<'b> = dyn Fn(&[f64], &[f64]) -> (f64, Vec<usize>) + Sync + 'b;

/// The LP solved by column generation.
pub(crate) struct Solved {
    /// The duals, `solved` when no edge would gain (or lift the bound's floor).
    pub duals: Duals,
    /// The master's solution, per edge of the stage LP (0 outside the master).
    pub x: Vec<f64>,
}

/// Solves `lp` by column generation from the edges `start`, by `until`: `None` when a
/// master was not solved in time. `bound_at`, where given, bounds the LP from above at
/// multipliers per group and per held tier (the Lagrangian's, by an exact assignment):
/// where its floor is the master's, the LP is solved as far as it matters.
pub(crate) fn solve(lp: &StageLp<'_>, start: &[usize], until: Instant, bound_at: Option<&BoundAt<'_>>) -> Option<Solved> {
    let n = lp.edges.len();
    let heaviest = lp.objective.iter().flatten().fold(0f64, |m, c| m.max(c.abs())).max(1e-12);
    let mut inside = vec![false; n];
    for &e in start.iter().filter(|&&e| lp.objective[e].is_some()) {
        inside[e] = true;
    }
    loop {
        let master: Vec<usize> = (0..n).filter(|&e| inside[e]).collect();
        // Each edge worth its objective (a stage's objectives are whole: counts or weights).
        let edges: Vec<LpEdge> =
            master.iter().map(|&e| (lp.edges[e].0, lp.edges[e].1, lp.objective[e].unwrap_or(0.0) as i64, lp.tier[lp.edges[e].0])).collect();
        let mut groups: Vec<LpGroup> = lp.caps.iter().map(|&cap| (Vec::new(), cap)).collect();
        for (i, &e) in master.iter().enumerate() {
            if let Some(g) = lp.group_of[e] {
                groups[g].0.push(i);
            }
        }
        let worth = |e: &LpEdge| e.2 as f64;
        let m = crate::interior::solve(lp.n_left, lp.n_right, &edges, &groups, lp.held, &worth, Some(SHORT * heaviest), until)?;
        let mut gains: Vec<(f64, usize)> = (0..n)
            .filter(|&e| !inside[e])
            .filter_map(|e| {
                let c = lp.objective[e]?;
                let (l, r, _) = lp.edges[e];
                let t = lp.tier[l];
                let reduced =
                    c - m.left[l] - m.right[r] - lp.group_of[e].map_or(0.0, |g| m.group[g]) + m.held.get(t).copied().unwrap_or(0.0);
                (reduced > GAIN * heaviest).then_some((reduced, e))
            })
            .collect();
        // Each edge is at most one: the LP is worth at most the master and every gain.
        // A stage's objective is whole, so only the bound's floor counts: where the gains
        // cannot lift it past the master's floor, the LP is solved as far as it matters
        // (nationally the first master was worth the optimum, 2,187,838.5, and three more
        // rounds took 2.2 s to add 6,700 edges for nothing).
        let mut bound = m.value + gains.iter().map(|(g, _)| g).sum::<f64>();
        let mut whole = (bound + FLOOR).floor() == (m.value + FLOOR).floor();
        // The exact bound at the master's duals may show it where the gains' sum does not:
        // nationally the masters' duals price thousands of edges a little above zero, and
        // the sum stayed above the floor after masters worth the LP (~1 s each); the exact
        // bound (one assignment, ~30 ms) ended 4 of the 7 traced runs that were solved.
        // It is exact, so its own floor counts, without the master's margin.
        let mut relaxed_outside = Vec::new();
        if let (false, Some(bound_at)) = (whole, bound_at) {
            let (exact, relaxed) = bound_at(&m.group, &m.held);
            bound = bound.min(exact);
            whole = bound.floor() <= (m.value + FLOOR).floor();
            relaxed_outside = relaxed.into_iter().filter(|&e| !inside[e] && lp.objective[e].is_some()).collect();
        }
        if gains.is_empty() || whole || Instant::now() >= until {
            let mut x = vec![0.0; n];
            for (i, &e) in master.iter().enumerate() {
                x[e] = m.x[i];
            }
            let solved = gains.is_empty() || whole;
            return Some(Solved { duals: Duals { lambda: m.group, mu: m.held, bound, solved }, x });
        }
        // The next master takes the edges the relaxed matching at its multipliers takes
        // outside it, where there are any: they are what lifts the exact bound above the
        // master's value (the Lagrangian's own pricing). The gains by the node duals, which
        // the interior point leaves in the middle of a degenerate face, grew the master by
        // thousands of edges a round for the same number of rounds: nationally, from the
        // optimum's matching and 1.5 s of PDHG, six masters of 11,751-14,016 edges from a
        // twentieth of the edges took 3.7-4.8 s against four of 22,702-27,994 by the gains
        // from a tenth, 6.6-7.1 s (city: five of 4,678-4,971, 1.04 s, against three of
        // 9,335-10,352, 1.14 s). Where it takes none outside, the gains.
        if !relaxed_outside.is_empty() {
            for e in relaxed_outside {
                inside[e] = true;
            }
            continue;
        }
        gains.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        for &(_, e) in gains.iter().take(ADD.max(master.len() / 2)) {
            inside[e] = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lp_parts, lp_value, random_round};
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    /// On small random rounds, the weight stage's LP with random held counts (some out of
    /// reach), from random starting edges: where microlp's simplex finds the LP feasible,
    /// column generation ends solved at its optimum as far as the floor goes (the box
    /// bound at its duals above the optimum, its solution's worth below it, both with the
    /// optimum's floor), its solution within every row, its prices nonnegative, with or
    /// without an exact bound to end it; on some rounds the optimum needed edges the start
    /// did not hold.
    #[test]
    fn column_generation_ends_at_the_lps_optimum_from_any_start() {
        let mut rng = StdRng::seed_from_u64(23);
        let (mut solved, mut grew) = (0, 0);
        for _ in 0..400 {
            let r = random_round(&mut rng);
            let (edges, groups) = lp_parts(&r);
            let held: Vec<i64> = (0..rng.random_range(0..4)).map(|_| rng.random_range(0..3)).collect();
            let objective: Vec<Option<f64>> = r.edges.iter().map(|e| rng.random_bool(0.9).then_some(e.2 as f64)).collect();
            let lp = StageLp {
                n_left: r.n_left,
                n_right: r.n_right,
                edges: &r.edges,
                group_of: &r.group_of,
                caps: &r.caps,
                tier: &r.tier,
                held: &held,
                objective: objective.clone(),
            };
            let start: Vec<usize> = (0..r.edges.len()).filter(|_| rng.random_bool(0.3)).collect();
            let until = Instant::now() + std::time::Duration::from_secs(10);
            // Every other round also ended by an exact bound at the master's duals: the
            // Lagrangian's, by enumeration without the caps, each edge's worth rounded up.
            let test_edges: Vec<crate::testing::TestEdge> = r.edges.iter().zip(&r.group_of).map(|(&(l, d, w), g)| (l, d, w, *g)).collect();
            let uncapped = vec![i64::from(u8::MAX); r.caps.len()];
            let exact_at = |lambda: &[f64], mu: &[f64]| {
                const S: f64 = 65_536.0;
                let held_price = |t: usize| mu.get(t).map_or(0.0, |m| m.max(0.0));
                let (relaxed, chosen) = crate::testing::brute_matching(r.n_left, r.n_right, &test_edges, &uncapped, &|e| {
                    let worth = objective[e]
                        .map_or(0.0, |c| c + held_price(r.tier[r.edges[e].0]) - r.group_of[e].map_or(0.0, |g| lambda[g].max(0.0)));
                    (worth.max(0.0) * S).ceil() as i128
                });
                let bound = relaxed as f64 / S + lambda.iter().zip(&r.caps).map(|(l, c)| l.max(0.0) * *c as f64).sum::<f64>()
                    - held.iter().enumerate().map(|(t, b)| held_price(t) * *b as f64).sum::<f64>();
                (bound, chosen)
            };
            let bound_at: Option<&BoundAt<'_>> = rng.random_bool(0.5).then_some(&exact_at);
            let found = solve(&lp, &start, until, bound_at).expect("every master is solved in time");
            // The LP over the edges taking part, by the simplex.
            let part: Vec<usize> = (0..edges.len()).filter(|&k| objective[k].is_some()).collect();
            let part_edges: Vec<LpEdge> = part.iter().map(|&k| edges[k]).collect();
            let part_groups: Vec<LpGroup> =
                groups.iter().map(|(m, cap)| (m.iter().filter_map(|k| part.iter().position(|p| p == k)).collect(), *cap)).collect();
            let worth = |e: &LpEdge| e.2 as f64;
            let Some(optimum) = lp_value(r.n_left, r.n_right, &part_edges, &part_groups, &held, &worth) else {
                continue;
            };
            assert!(found.duals.solved, "a feasible LP not solved");
            // Solved as far as a whole objective's floor goes: the bound at the duals and
            // the solution's worth on either side of the optimum, the bound below the next
            // whole number (it may be the exact one, whose own floor counts: 79.99999997
            // where the LP's optimum is 79.5; this test's exact bound is in floating point).
            let tolerance = 1e-5 * (1.0 + optimum.abs());
            let floor = |v: f64| (v + FLOOR).floor();
            let (bound, value) = (found.duals.bound, found.x.iter().zip(&objective).map(|(x, c)| x * c.unwrap_or(0.0)).sum::<f64>());
            assert!(
                bound >= optimum - tolerance && bound < floor(optimum) + 1.0 + tolerance,
                "bound {bound} against the optimum {optimum}"
            );
            assert!(value <= optimum + tolerance && floor(value) == floor(optimum), "its solution is worth {value}, the optimum {optimum}");
            assert!(found.x.iter().zip(&objective).all(|(x, c)| c.is_some() || *x == 0.0), "an edge taking no part used");
            crate::testing::assert_within_rows(&r, &found.x, &held, 1e-6);
            // The caps' and held tiers' prices, as the steps take them: never negative.
            assert!(found.duals.lambda.iter().chain(&found.duals.mu).all(|d| *d >= -1e-9), "a negative price");
            solved += 1;
            grew += usize::from(found.x.iter().enumerate().any(|(k, x)| *x > 1e-6 && !start.contains(&k)));
        }
        // Rounds where the optimum needed edges the start did not hold.
        assert!(solved > 100 && grew > 50, "{solved} solved, {grew} grew");
    }
}
