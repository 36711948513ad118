//! The LP certificate, stage by stage: the LP relaxation of the matching with group caps
//! bounds each tier's count (given the tiers before it at their bounds) and then the
//! weight. When the last stage's LP solution is integral it is an optimal matching; in
//! any case the bounds prove how far the best matching can be from optimal.

use good_lp::{constraint, default_solver, variable, Expression, ProblemVariables, Solution, SolverModel};

/// Bounds per stage (tier counts, then weight) and, when integral, the LP's matching.
pub(crate) struct Certificate {
    pub tier_bounds: Vec<i64>,
    pub weight_bound: i64,
    pub integral: Option<Vec<usize>>,
}

/// `edges`: (left, right, weight, tier); `groups`: (edge indices, cap). `None` when the
/// LP solver fails, which leaves the caller with its own bound.
pub(crate) fn certify(
    n_left: usize,
    n_right: usize,
    edges: &[(usize, usize, i64, usize)],
    groups: &[(Vec<usize>, i64)],
    n_tiers: usize,
    tiered: bool,
) -> Option<Certificate> {
    let mut tier_bounds: Vec<i64> = Vec::new();
    let stages = if tiered { n_tiers } else { 0 };
    for stage in 0..=stages {
        // A tier's stage needs only its own edges and those of the tiers above it: an
        // edge of a lower tier can only take room, so leaving it out bounds the same.
        let used: Vec<usize> = (0..edges.len()).filter(|&k| stage == stages || edges[k].3 <= stage).collect();
        let mut vars = ProblemVariables::new();
        let x: Vec<_> = used.iter().map(|_| vars.add(variable().min(0.0).max(1.0))).collect();
        let count = |t: usize| -> Expression { used.iter().zip(&x).filter(|(k, _)| edges[**k].3 == t).map(|(_, v)| *v).sum() };
        let objective: Expression =
            if stage < stages { count(stage) } else { used.iter().zip(&x).map(|(k, v)| edges[*k].2 as f64 * *v).sum() };
        let mut p = vars.maximise(objective.clone()).using(default_solver);
        let mut by_left: Vec<Option<Expression>> = vec![None; n_left];
        let mut by_right: Vec<Option<Expression>> = vec![None; n_right];
        for (k, v) in used.iter().zip(&x) {
            *by_left[edges[*k].0].get_or_insert_with(Expression::default) += *v;
            *by_right[edges[*k].1].get_or_insert_with(Expression::default) += *v;
        }
        for e in by_left.into_iter().chain(by_right).flatten() {
            p = p.with(constraint!(e <= 1.0));
        }
        let mut position = vec![usize::MAX; edges.len()];
        for (i, k) in used.iter().enumerate() {
            position[*k] = i;
        }
        for (members, cap) in groups {
            let inside: Vec<usize> = members.iter().map(|k| position[*k]).filter(|i| *i != usize::MAX).collect();
            if !inside.is_empty() {
                let e: Expression = inside.iter().map(|i| x[*i]).sum();
                p = p.with(constraint!(e <= *cap as f64));
            }
        }
        // Integer counts: a tier reaches at most the floor of its LP value.
        for (t, b) in tier_bounds.iter().enumerate() {
            p = p.with(constraint!(count(t) >= *b as f64 - 1e-7));
        }
        let sol = p.solve().ok()?;
        let value = sol.eval(&objective);
        let bound = (value + 1e-6).floor() as i64;
        if stage < stages {
            tier_bounds.push(bound);
            continue;
        }
        let values: Vec<f64> = x.iter().map(|v| sol.value(*v)).collect();
        let integral = values.iter().all(|v| (v - v.round()).abs() < 1e-6);
        return Some(Certificate {
            tier_bounds,
            weight_bound: bound,
            integral: integral.then(|| values.iter().enumerate().filter(|(_, v)| **v > 0.5).map(|(k, _)| k).collect()),
        });
    }
    None
}
