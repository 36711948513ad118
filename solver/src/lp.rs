//! The stage-wise linear model, solved by a general solver: the LP relaxation (pure-Rust
//! microlp) as the certificate for small instances, and, with the `highs` feature, HiGHS
//! as a second backend (its MIP) and for comparison.
//!
//! Stage by stage: tier 0's count is maximised, then tier 1's with tier 0 at least the
//! floor of its value, and so on, then the weight. When the last stage's solution is
//! integral it is an optimal matching; in any case the floors bound every stage.

use good_lp::{constraint, variable, Constraint, Expression, ProblemVariables, Solution, SolverModel, Variable};

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
    edges: &[(usize, usize, i64, usize)],
    groups: &[(Vec<usize>, i64)],
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
        let mut rows: Vec<Constraint> = Vec::new();
        let mut by_left: Vec<Option<Expression>> = vec![None; n_left];
        let mut by_right: Vec<Option<Expression>> = vec![None; n_right];
        for (k, v) in used.iter().zip(&x) {
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
