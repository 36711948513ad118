//! The stage-wise linear model, solved by a general solver: the LP relaxation (pure-Rust
//! microlp) as the certificate for small instances, and, with the `highs` feature, HiGHS
//! as a second backend (its MIP) and for comparison.
//!
//! Stage by stage: tier 0's count is maximised, then tier 1's with tier 0 at least the
//! floor of its value, and so on, then the weight. When the last stage's solution is
//! integral it is an optimal matching; in any case the floors bound every stage.

use good_lp::{constraint, variable, Constraint, Expression, ProblemVariables, Solution, SolverModel, Variable};

/// An edge as the LP sees it: (left, right, weight, tier).
pub(crate) type LpEdge = (usize, usize, i64, usize);
/// A group as the LP sees it: its edges' indices and its cap.
pub(crate) type LpGroup = (Vec<usize>, i64);

/// Which solver, and whether the variables are integer.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Engine {
    /// The LP relaxation in microlp.
    Relaxation,
    /// HiGHS' default MIP, every stage done by the deadline.
    #[cfg(feature = "highs")]
    HighsMip { deadline: std::time::Instant },
}

/// Bounds per stage (tier counts, then weight) and, when integral, the matching.
pub(crate) struct Certificate {
    pub tier_bounds: Vec<i64>,
    pub weight_bound: i64,
    pub integral: Option<Vec<usize>>,
    /// Per stage (tiers, then weight), the relative gap the solver proved: 0 when optimal,
    /// a MIP's gap limit when it stopped there, `None` when it ran out of time.
    #[cfg_attr(not(feature = "highs"), allow(dead_code))]
    pub gaps: Vec<Option<f64>>,
}

/// `edges`: (left, right, weight, tier); `groups`: (edge indices, cap). `None` when the
/// solver fails, which leaves the caller with its own bound.
pub(crate) fn certify(
    n_left: usize,
    n_right: usize,
    edges: &[LpEdge],
    groups: &[LpGroup],
    n_tiers: usize,
    tiered: bool,
    engine: Engine,
) -> Option<Certificate> {
    let mut tier_bounds: Vec<i64> = Vec::new();
    let mut gaps = Vec::new();
    let stages = if tiered { n_tiers } else { 0 };
    for stage in 0..=stages {
        // A tier's stage needs only its own edges and those of the tiers above it: an
        // edge of a lower tier can only take room, so leaving it out bounds the same.
        let used: Vec<usize> = (0..edges.len()).filter(|&k| stage == stages || edges[k].3 <= stage).collect();
        // No edges, nothing to solve (a solver refuses an empty model).
        if used.is_empty() {
            gaps.push(Some(0.0));
            if stage < stages {
                tier_bounds.push(0);
                continue;
            }
            return Some(Certificate { tier_bounds, weight_bound: 0, integral: Some(vec![]), gaps });
        }
        let mut vars = ProblemVariables::new();
        let x: Vec<Variable> = used
            .iter()
            .map(|_| match engine {
                Engine::Relaxation => vars.add(variable().min(0.0).max(1.0)),
                #[cfg(feature = "highs")]
                Engine::HighsMip { .. } => vars.add(variable().binary()),
            })
            .collect();
        let count = |t: usize| -> Expression { used.iter().zip(&x).filter(|(k, _)| edges[**k].3 == t).map(|(_, v)| *v).sum() };
        let objective: Expression =
            if stage < stages { count(stage) } else { used.iter().zip(&x).map(|(k, v)| edges[*k].2 as f64 * *v).sum() };
        let mut rows = matching_rows(n_left, n_right, edges, groups, &used, &x);
        // Integer counts: a tier reaches at most the floor of its value.
        for (t, b) in tier_bounds.iter().enumerate() {
            rows.push(constraint!(count(t) >= *b as f64 - 1e-7));
        }
        let (values, gap) = solve(vars, objective, rows, &x, engine)?;
        gaps.push(gap);
        let value: f64 = used
            .iter()
            .zip(&values)
            .map(|(k, v)| if stage < stages { f64::from(u8::from(edges[*k].3 == stage)) * v } else { edges[*k].2 as f64 * v })
            .sum();
        let bound = (value + 1e-6).floor() as i64;
        if stage < stages {
            tier_bounds.push(bound);
            continue;
        }
        let integral = values.iter().all(|v| (v - v.round()).abs() < 1e-6);
        return Some(Certificate {
            tier_bounds,
            weight_bound: bound,
            integral: integral.then(|| values.iter().enumerate().filter(|(_, v)| **v > 0.5).map(|(i, _)| used[i]).collect()),
            gaps,
        });
    }
    None
}

/// Each left and right node at most once, each group at most its cap, over the edges
/// `used` (whose variables are `x`, in that order).
fn matching_rows(n_left: usize, n_right: usize, edges: &[LpEdge], groups: &[LpGroup], used: &[usize], x: &[Variable]) -> Vec<Constraint> {
    let mut rows: Vec<Constraint> = Vec::new();
    let mut by_left: Vec<Option<Expression>> = vec![None; n_left];
    let mut by_right: Vec<Option<Expression>> = vec![None; n_right];
    for (k, v) in used.iter().zip(x) {
        *by_left[edges[*k].0].get_or_insert_with(Expression::default) += *v;
        *by_right[edges[*k].1].get_or_insert_with(Expression::default) += *v;
    }
    for e in by_left.into_iter().chain(by_right).flatten() {
        rows.push(constraint!(e <= 1.0));
    }
    let mut position = vec![usize::MAX; edges.len()];
    for (i, k) in used.iter().enumerate() {
        position[*k] = i;
    }
    for (members, cap) in groups {
        let inside: Vec<usize> = members.iter().map(|k| position[*k]).filter(|i| *i != usize::MAX).collect();
        if !inside.is_empty() {
            let e: Expression = inside.iter().map(|i| x[*i]).sum();
            rows.push(constraint!(e <= *cap as f64));
        }
    }
    rows
}

/// The largest folded objective the one-LP shortcut takes on: at 2^40 a double still
/// resolves 2^-12, so rounding stays far below the unit of weight that tells two
/// matchings apart.
const FOLDED_MAX: f64 = (1u64 << 40) as f64;

/// All stages in one LP: each edge is worth `factor[tier] + weight`, where one more match
/// of a tier outweighs every difference the tiers below and the weights can make. When
/// the optimum it returns is integral it is the lexicographic optimum, found with one
/// simplex run instead of one per stage (on a region round, 58 ms instead of 240).
/// `None` when the vertex the simplex ends on is fractional (an integral optimum may tie
/// with a fractional vertex), the objective too large for doubles to keep exact, or the
/// solver fails: then the stages are solved one by one ([`certify`]).
pub(crate) fn folded_optimum(n_left: usize, n_right: usize, edges: &[LpEdge], groups: &[LpGroup], n_tiers: usize) -> Option<Vec<usize>> {
    // Two matchings differ in weight by less than `spread`: each side's node takes at
    // most its heaviest edge.
    let heaviest = |side: &dyn Fn(&LpEdge) -> usize, n: usize| -> i128 {
        let mut most = vec![0i128; n];
        for e in edges {
            most[side(e)] = most[side(e)].max(i128::from(e.2).abs());
        }
        most.iter().sum()
    };
    let spread = 2 * heaviest(&|e| e.0, n_left).min(heaviest(&|e| e.1, n_right)) + 1;
    // factor[t] = spread × Π_{s>t} (most matches of tier s + 1): at most one per client
    // of the tier and one per right node.
    let mut clients = vec![std::collections::BTreeSet::new(); n_tiers];
    for e in edges {
        clients[e.3].insert(e.0);
    }
    let mut factor = vec![0i128; n_tiers];
    let mut f = spread;
    for t in (0..n_tiers).rev() {
        factor[t] = f;
        f = f.checked_mul(clients[t].len().min(n_right) as i128 + 1)?;
    }
    if f as f64 > FOLDED_MAX {
        return None;
    }
    let mut vars = ProblemVariables::new();
    let x: Vec<Variable> = edges.iter().map(|_| vars.add(variable().min(0.0).max(1.0))).collect();
    let objective: Expression = edges.iter().zip(&x).map(|(e, v)| (factor[e.3] + i128::from(e.2)) as f64 * *v).sum();
    let used: Vec<usize> = (0..edges.len()).collect();
    let rows = matching_rows(n_left, n_right, edges, groups, &used, &x);
    let (values, _) = solve(vars, objective, rows, &x, Engine::Relaxation)?;
    values.iter().all(|v| (v - v.round()).abs() < 1e-6).then(|| (0..edges.len()).filter(|&k| values[k] > 0.5).collect())
}

/// HiGHS' default relative gap for a MIP, set explicitly so the bound it proves is known.
#[cfg(feature = "highs")]
pub(crate) const HIGHS_MIP_REL_GAP: f64 = 1e-4;

/// Solves one stage: the variables' values and the relative gap the solver proved (0 for
/// the LP; `None` when a MIP ran out of time).
fn solve(
    vars: ProblemVariables,
    objective: Expression,
    rows: Vec<Constraint>,
    x: &[Variable],
    engine: Engine,
) -> Option<(Vec<f64>, Option<f64>)> {
    match engine {
        Engine::Relaxation => {
            let sol = vars.maximise(objective).using(good_lp::solvers::microlp::microlp).with_all(rows).solve().ok()?;
            Some((x.iter().map(|v| sol.value(*v)).collect(), Some(0.0)))
        }
        #[cfg(feature = "highs")]
        Engine::HighsMip { deadline } => {
            use good_lp::solvers::highs::HighsPresolveType;
            use good_lp::solvers::SolutionStatus;
            let attempt = |presolve: HighsPresolveType| {
                let time_limit_s = deadline.saturating_duration_since(std::time::Instant::now()).as_secs_f64().max(0.001);
                vars.clone()
                    .maximise(objective.clone())
                    .using(good_lp::solvers::highs::highs)
                    .set_presolve(presolve)
                    .set_time_limit(time_limit_s)
                    .set_mip_rel_gap(HIGHS_MIP_REL_GAP as f32)
                    .ok()?
                    .with_all(rows.clone())
                    .solve()
                    .ok()
            };
            // HiGHS' presolve has been seen to reduce a small stage to nothing and then
            // fail on its own solution's violation ("Solve error"): once more without it.
            let sol = attempt(HighsPresolveType::Choose).or_else(|| attempt(HighsPresolveType::Off))?;
            let gap = match sol.status() {
                SolutionStatus::Optimal => Some(0.0),
                // Stopped at its relative gap: that much is proven.
                SolutionStatus::GapLimit => Some(HIGHS_MIP_REL_GAP),
                SolutionStatus::TimeLimit => None,
            };
            Some((x.iter().map(|v| sol.value(*v)).collect(), gap))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two clients of tier 0, two dwellings, all four pairs; the "straight" pairs form one
    /// group and the "crossed" pairs another, each with cap 1.
    fn crossed(weight: i64) -> (Vec<LpEdge>, Vec<LpGroup>) {
        let edges = vec![(0, 0, weight, 0), (1, 1, weight, 0), (0, 1, weight, 0), (1, 0, weight, 0)];
        (edges, vec![(vec![0, 1], 1), (vec![2, 3], 1)])
    }

    #[test]
    fn folded_lp_gives_the_lexicographic_optimum_when_integral() {
        // Tier 1's client b prefers d0 by weight, but tier 0's a can only take d0: one more
        // tier-0 match outweighs any weight.
        let edges = vec![(0, 0, 1, 0), (1, 0, 100, 1), (1, 1, 1, 1)];
        let chosen = folded_optimum(2, 2, &edges, &[], 2).expect("an assignment polytope is integral");
        assert_eq!(chosen, vec![0, 2]);
        // A group of a's pair and b's favourite (cap 1): a is matched, so b takes the
        // pair worth 1, not the one worth 500.
        let edges = vec![(0, 0, 1, 0), (1, 1, 500, 1), (1, 2, 1, 1)];
        let chosen = folded_optimum(2, 3, &edges, &[(vec![0, 1], 1)], 2).expect("integral");
        assert_eq!(chosen, vec![0, 2]);
    }

    #[test]
    fn folded_lp_declines_a_fractional_optimum() {
        // Every whole matching of two breaks a cap; halves on all four pairs do not.
        let (edges, groups) = crossed(10);
        assert_eq!(folded_optimum(2, 2, &edges, &groups, 1), None);
        // The stages say the same: the LP bounds the count by 2, not integral.
        let cert = certify(2, 2, &edges, &groups, 1, true, Engine::Relaxation).expect("solved");
        assert_eq!(cert.tier_bounds, vec![2]);
        assert!(cert.integral.is_none());
    }

    #[test]
    fn folded_lp_declines_what_doubles_cannot_keep_exact() {
        // One group, no fraction: the LP would be integral, but weights of 2^40 make the
        // folded objective too large to trust.
        let edges = vec![(0, 0, 1 << 40, 0), (1, 1, 1 << 40, 1)];
        assert_eq!(folded_optimum(2, 2, &edges, &[(vec![0, 1], 2)], 2), None);
        let edges = vec![(0, 0, 1 << 20, 0), (1, 1, 1 << 20, 1)];
        assert_eq!(folded_optimum(2, 2, &edges, &[(vec![0, 1], 2)], 2), Some(vec![0, 1]));
    }
}
