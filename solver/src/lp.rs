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
    /// The LP relaxation in microlp, every stage done by the deadline.
    Relaxation { deadline: std::time::Instant },
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
                Engine::Relaxation { .. } => vars.add(variable().min(0.0).max(1.0)),
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

/// How long the folded model's branch and bound may search when its LP's vertex is
/// fractional.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Budget {
    pub until: std::time::Instant,
    /// Branch-and-bound nodes at most (the root LP not counted).
    pub nodes: u64,
}

/// What the folded model ([`folded_optimum`]) found.
#[derive(Debug, PartialEq)]
pub(crate) enum Folded {
    /// The lexicographic optimum, proven.
    Optimum(Vec<usize>),
    /// Not proven within the budget; the best whole matching found, if any.
    Unproven(Option<Vec<usize>>),
    /// The objective is too large for doubles to keep exact, or the solver failed: the
    /// stages are solved one by one instead ([`certify`]).
    Declined,
}

impl Folded {
    /// The proven optimum, if it is one.
    pub(crate) fn optimum(self) -> Option<Vec<usize>> {
        match self {
            Folded::Optimum(edges) => Some(edges),
            Folded::Unproven(_) | Folded::Declined => None,
        }
    }
}

/// All stages in one model: each edge is worth `factor[tier] + weight`, where one more
/// match of a tier outweighs every difference the tiers below and the weights can make,
/// so its optimum is the lexicographic optimum. Its LP relaxation is solved first (on a
/// region round, 45 ms instead of 240 for one LP per stage); when the vertex is
/// fractional (the caps bind across groups, or an integral optimum ties with a fractional
/// vertex), microlp's branch and bound goes on from there within `budget` (region
/// rounds whose stage-wise LPs stayed fractional: proven in tens of milliseconds).
/// Not proven within the budget, it hands over the best whole matching its branching
/// found, for a search to go on from.
pub(crate) fn folded_optimum(
    n_left: usize,
    n_right: usize,
    edges: &[LpEdge],
    groups: &[LpGroup],
    n_tiers: usize,
    budget: Budget,
) -> Folded {
    let spread = spread(n_left, n_right, edges);
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
        let Some(next) = f.checked_mul(clients[t].len().min(n_right) as i128 + 1) else { return Folded::Declined };
        f = next;
    }
    if f as f64 > FOLDED_MAX {
        return Folded::Declined;
    }
    let (problem, x) = matching_model(n_left, n_right, edges, groups, |e| (factor[e.3] + i128::from(e.2)) as f64);
    // A node is pruned unless its bound beats the incumbent by more than
    // `prune_epsilon × |incumbent|` (default 1e-9: at a folded objective of 10^12 that is
    // a thousand units of weight, and a region round lost 36 to it). Here a quarter of
    // one unit: the objective is an integer, so whatever is better is better by one.
    solve_model(&problem, &x, budget, 0.25 / f as f64)
}

/// Two matchings over `edges` differ in weight by less than this: each side's node takes
/// at most its heaviest edge.
fn spread(n_left: usize, n_right: usize, edges: &[LpEdge]) -> i128 {
    let heaviest = |side: &dyn Fn(&LpEdge) -> usize, n: usize| -> i128 {
        let mut most = vec![0i128; n];
        for e in edges {
            most[side(e)] = most[side(e)].max(i128::from(e.2).abs());
        }
        most.iter().sum()
    };
    2 * heaviest(&|e| e.0, n_left).min(heaviest(&|e| e.1, n_right)) + 1
}

/// The matching model in microlp over `edges` and `groups`, each edge worth `worth`:
/// binary variables, each node at most once, each group at most its cap. Rows that
/// cannot bind are left out: a node with one edge, a group within its cap.
fn matching_model(
    n_left: usize,
    n_right: usize,
    edges: &[LpEdge],
    groups: &[LpGroup],
    worth: impl Fn(&LpEdge) -> f64,
) -> (microlp::Problem, Vec<microlp::Variable>) {
    use microlp::{ComparisonOp, OptimizationDirection, Problem};
    let mut problem = Problem::new(OptimizationDirection::Maximize);
    let x: Vec<microlp::Variable> = edges.iter().map(|e| problem.add_binary_var(worth(e))).collect();
    let mut by_left = vec![Vec::new(); n_left];
    let mut by_right = vec![Vec::new(); n_right];
    for (e, v) in edges.iter().zip(&x) {
        by_left[e.0].push((*v, 1.0));
        by_right[e.1].push((*v, 1.0));
    }
    for row in by_left.into_iter().chain(by_right).filter(|r| r.len() > 1) {
        problem.add_constraint(row, ComparisonOp::Le, 1.0);
    }
    for (members, cap) in groups {
        if members.len() as i64 > *cap {
            problem.add_constraint(members.iter().map(|k| (x[*k], 1.0)).collect::<Vec<_>>(), ComparisonOp::Le, *cap as f64);
        }
    }
    (problem, x)
}

/// Solves a [`matching_model`] by microlp's branch and bound within `budget`, pruning
/// nodes whose bound beats the incumbent by less than `prune_epsilon` of it.
fn solve_model(problem: &microlp::Problem, x: &[microlp::Variable], budget: Budget, prune_epsilon: f64) -> Folded {
    use microlp::{SolutionStatus, SolveOptions, SolveOutcome};
    let mut options = SolveOptions::default();
    options.time_limit = Some(budget.until.saturating_duration_since(std::time::Instant::now()));
    options.node_limit = Some(budget.nodes);
    options.tolerances.prune_epsilon = prune_epsilon;
    let solution = match problem.solve_with(options) {
        Ok(SolveOutcome::Solution(solution)) => solution,
        Ok(SolveOutcome::Interrupted(_)) => return Folded::Unproven(None),
        Err(_) => return Folded::Declined,
    };
    let values: Vec<f64> = x.iter().map(|v| solution.var_value(*v)).collect();
    let whole = values.iter().all(|v| (v - v.round()).abs() < 1e-6).then(|| (0..x.len()).filter(|&k| values[k] > 0.5).collect());
    match (solution.status(), whole) {
        (SolutionStatus::Optimal, Some(edges)) => Folded::Optimum(edges),
        (_, whole) => Folded::Unproven(whole),
    }
}

/// The heaviest matching with at least `held[t]` matches of each tier `t`, and with
/// `lead`, the most matches of that tier first: the tier counts held are rows instead of
/// factors of the objective, which stays within a double's exact range where the folded
/// model's does not (see `relaxation.rs`). `Declined` where no such matching exists.
///
/// From [`INTERIOR_FROM`] edges on, through the LP's optimal face first (see
/// [`Held::through_interior`]); where that finds nothing, by the simplex model on all
/// edges.
pub(crate) fn held_optimum(
    n_left: usize,
    n_right: usize,
    edges: &[LpEdge],
    groups: &[LpGroup],
    held: &[i64],
    lead: Option<usize>,
    budget: Budget,
) -> Folded {
    let model = Held { n_left, n_right, edges, groups, held, lead };
    if edges.len() >= INTERIOR_FROM {
        if let Some(found) = model.through_interior(budget) {
            return found;
        }
    }
    model.by_simplex(budget)
}

/// From this many edges on a held model goes through its LP's optimal face: on the city's
/// neighbourhoods (1,900-3,400 edges) in 50-90 ms against microlp's 0.1-1.2 s.
pub(crate) const INTERIOR_FROM: usize = 1_000;

/// An edge the interior point takes at least `1 - SURE` of is in every optimal solution
/// as far as it shows, one it takes at most `SURE` of in none.
const SURE: f64 = 0.01;

/// A held model (see [`held_optimum`]).
#[derive(Clone, Copy)]
struct Held<'m> {
    n_left: usize,
    n_right: usize,
    edges: &'m [LpEdge],
    groups: &'m [LpGroup],
    held: &'m [i64],
    lead: Option<usize>,
}

impl Held<'_> {
    /// What an edge is worth: one more match of the lead tier outweighs every difference
    /// of weight.
    fn worth(&self) -> impl Fn(&LpEdge) -> f64 {
        let factor = self.lead.map_or(0, |_| spread(self.n_left, self.n_right, self.edges));
        let lead = self.lead;
        move |e: &LpEdge| (i128::from(Some(e.3) == lead) * factor + i128::from(e.2)) as f64
    }

    /// Through the LP's optimal face: the interior point (`interior.rs`) ends inside it,
    /// where an edge at one is in every optimal LP solution and an edge at zero in none.
    /// Where the LP is integral (microlp's root vertex was whole on each of the city's
    /// neighbourhoods traced) its integral optimum is among those: the edges at one are
    /// fixed, those at zero dropped, and what is left between, with the nodes, caps and
    /// held counts the fixed edges leave, goes to the simplex model (on the city's
    /// neighbourhoods 190-750 edges, 1-30 ms). Where that holds no matching (the LP was
    /// not integral, and the fixing took what no matching at the held counts can),
    /// nothing is fixed and the simplex model takes every edge the LP uses. An optimum
    /// when the result is worth what the LP is (within half a unit: the objective is an
    /// integer); `None` when the interior point was not solved in time or neither holds a
    /// matching: the simplex model on all edges decides.
    fn through_interior(&self, budget: Budget) -> Option<Folded> {
        let worth = self.worth();
        let x = crate::interior::solve(self.n_left, self.n_right, self.edges, self.groups, self.held, &worth, None, budget.until)?.x;
        let lp_value: f64 = self.edges.iter().zip(&x).map(|(e, v)| worth(e) * v).sum();
        let (sure, used) = settled(&x);
        for fixed in [&sure[..], &[]] {
            let Some((chosen, proven)) = self.on_face(fixed, &used, budget) else { continue };
            let value: f64 = chosen.iter().map(|&k| worth(&self.edges[k])).sum();
            return Some(if proven && value >= lp_value - 0.5 { Folded::Optimum(chosen) } else { Folded::Unproven(Some(chosen)) });
        }
        None
    }

    /// With the edges `fixed` taken and the others of `used` free (see
    /// [`Held::through_interior`]): the matching (edge indices) and whether the simplex
    /// model proved it best given the fixing; `None` when the fixed edges break a node, a
    /// cap, or leave no matching at the held counts.
    fn on_face(&self, fixed: &[usize], used: &[bool], budget: Budget) -> Option<(Vec<usize>, bool)> {
        let edges = self.edges;
        let (mut left_used, mut right_used) = (vec![false; self.n_left], vec![false; self.n_right]);
        let mut taken = vec![false; edges.len()];
        let mut still_held = self.held.to_vec();
        for &k in fixed {
            let (l, r, _, t) = edges[k];
            if left_used[l] || right_used[r] {
                return None;
            }
            (left_used[l], right_used[r], taken[k]) = (true, true, true);
            if let Some(h) = still_held.get_mut(t) {
                *h -= 1;
            }
        }
        let rest: Vec<usize> =
            (0..edges.len()).filter(|&k| used[k] && !taken[k] && !left_used[edges[k].0] && !right_used[edges[k].1]).collect();
        let mut index = vec![None; edges.len()];
        for (i, &k) in rest.iter().enumerate() {
            index[k] = Some(i);
        }
        let mut sub_groups = Vec::with_capacity(self.groups.len());
        for (members, cap) in self.groups {
            let room = cap - members.iter().filter(|&&k| taken[k]).count() as i64;
            if room < 0 {
                return None;
            }
            sub_groups.push((members.iter().filter_map(|&k| index[k]).collect(), room));
        }
        let sub_edges: Vec<LpEdge> = rest.iter().map(|&k| edges[k]).collect();
        let still_held: Vec<i64> = still_held.iter().map(|h| (*h).max(0)).collect();
        let sub = Held { edges: &sub_edges, groups: &sub_groups, held: &still_held, ..*self };
        let (chosen, proven) = match sub.by_simplex(budget) {
            Folded::Optimum(chosen) => (chosen, true),
            Folded::Unproven(Some(chosen)) => (chosen, false),
            Folded::Unproven(None) | Folded::Declined => return None,
        };
        let mut all: Vec<usize> = fixed.iter().copied().chain(chosen.into_iter().map(|i| rest[i])).collect();
        all.sort_unstable();
        Some((all, proven))
    }

    /// By microlp's simplex and branch and bound.
    fn by_simplex(&self, budget: Budget) -> Folded {
        let worth = self.worth();
        let total: f64 = self.edges.iter().map(|e| worth(e).abs()).sum();
        if total > FOLDED_MAX {
            return Folded::Declined;
        }
        let (mut problem, x) = matching_model(self.n_left, self.n_right, self.edges, self.groups, worth);
        for (t, &h) in self.held.iter().enumerate().filter(|(_, h)| **h > 0) {
            let row: Vec<_> = self.edges.iter().zip(&x).filter(|(e, _)| e.3 == t).map(|(_, v)| (*v, 1.0)).collect();
            problem.add_constraint(row, microlp::ComparisonOp::Ge, h as f64);
        }
        // As the folded model's: a quarter of one unit of weight.
        solve_model(&problem, &x, budget, 0.25 / total.max(1.0))
    }
}

/// What an interior point `x` inside the optimal face settles: the edges at one (in every
/// optimal solution) and, per edge, whether it is above zero (in some).
fn settled(x: &[f64]) -> (Vec<usize>, Vec<bool>) {
    ((0..x.len()).filter(|&k| x[k] >= 1.0 - SURE).collect(), x.iter().map(|v| *v > SURE).collect())
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
        Engine::Relaxation { deadline } => {
            use good_lp::solvers::WithTimeLimit;
            let seconds = deadline.saturating_duration_since(std::time::Instant::now()).as_secs_f64();
            let sol =
                vars.maximise(objective).using(good_lp::solvers::microlp::microlp).with_time_limit(seconds).with_all(rows).solve().ok()?;
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
    use crate::testing::unlimited;

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
        let chosen = folded_optimum(2, 2, &edges, &[], 2, unlimited()).optimum().expect("an assignment polytope is integral");
        assert_eq!(chosen, vec![0, 2]);
        // A group of a's pair and b's favourite (cap 1): a is matched, so b takes the
        // pair worth 1, not the one worth 500.
        let edges = vec![(0, 0, 1, 0), (1, 1, 500, 1), (1, 2, 1, 1)];
        let chosen = folded_optimum(2, 3, &edges, &[(vec![0, 1], 1)], 2, unlimited()).optimum().expect("integral");
        assert_eq!(chosen, vec![0, 2]);
    }

    #[test]
    fn folded_model_branches_where_the_lp_is_fractional() {
        // Every whole matching of two breaks a cap; halves on all four pairs do not: the
        // LP's root is fractional, and without nodes to branch on it declines.
        let (mut edges, groups) = crossed(10);
        let root_only = Budget { nodes: 0, ..unlimited() };
        assert_eq!(folded_optimum(2, 2, &edges, &groups, 1, root_only), Folded::Unproven(None));
        // The stages say the same: the LP bounds the count by 2, not integral.
        let cert = certify(2, 2, &edges, &groups, 1, true, Engine::Relaxation { deadline: unlimited().until }).expect("solved");
        assert_eq!(cert.tier_bounds, vec![2]);
        assert!(cert.integral.is_none());
        // Branching finds that one match is all there is, and takes the heaviest.
        edges[2].2 = 30;
        edges[3].2 = 5;
        assert_eq!(folded_optimum(2, 2, &edges, &groups, 1, unlimited()), Folded::Optimum(vec![2]));
    }

    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Weights near 10^8 that differ by a few units, tight caps: the folded objective
        /// is near 10^11, where microlp's default pruning (10^-9 of it) would lose units of
        /// weight. Whatever the model proves is the brute-force optimum.
        #[test]
        fn folded_model_is_exact_where_weights_differ_by_one_in_a_hundred_million(
            (n_left, n_right, edges, caps, tiers) in (1usize..7, 1usize..7, 1usize..4).prop_flat_map(|(l, r, g)| (
                Just(l),
                Just(r),
                proptest::collection::vec((0..l, 0..r, 100_000_000i64..100_000_004, proptest::option::weighted(0.9, 0..g)), 0..30),
                proptest::collection::vec(0i64..3, g),
                proptest::collection::vec(0usize..3, l),
            ))
        ) {
            let mut edges = edges;
            edges.sort_by_key(|e| (e.0, e.1));
            edges.dedup_by_key(|e| (e.0, e.1));
            let lp_edges: Vec<LpEdge> = edges.iter().map(|e| (e.0, e.1, e.2, tiers[e.0])).collect();
            let mut groups: Vec<LpGroup> = caps.iter().map(|c| (Vec::new(), *c)).collect();
            for (k, e) in edges.iter().enumerate() {
                if let Some(g) = e.3 {
                    groups[g].0.push(k);
                }
            }
            // Exact lexicographic measure: a tier-t match outweighs all below it.
            let spread = 2 * 7 * 100_000_004i128 + 1;
            let value = |k: usize| spread * 8i128.pow(2 - tiers[edges[k].0] as u32) + i128::from(edges[k].2);
            let optimum = crate::testing::brute(n_left, n_right, &edges, &caps, &value);
            let chosen = folded_optimum(n_left, n_right, &lp_edges, &groups, 3, unlimited()).optimum().expect("proven with time to spare");
            crate::testing::within_caps(n_left, n_right, &edges, &caps, &chosen)?;
            prop_assert_eq!(chosen.iter().map(|&k| value(k)).sum::<i128>(), optimum);
        }
    }

    #[test]
    fn folded_lp_declines_what_doubles_cannot_keep_exact() {
        // One group, no fraction: the LP would be integral, but weights of 2^40 make the
        // folded objective too large to trust.
        let edges = vec![(0, 0, 1 << 40, 0), (1, 1, 1 << 40, 1)];
        assert_eq!(folded_optimum(2, 2, &edges, &[(vec![0, 1], 2)], 2, unlimited()), Folded::Declined);
        let edges = vec![(0, 0, 1 << 20, 0), (1, 1, 1 << 20, 1)];
        assert_eq!(folded_optimum(2, 2, &edges, &[(vec![0, 1], 2)], 2, unlimited()), Folded::Optimum(vec![0, 1]));
    }

    /// The held model declines weights past 2^40 as the folded one does, and a count it
    /// cannot reach; below both, the heaviest matching at the counts (here the lighter
    /// tier-0 pair, held, over the heavier tier-1 one the group would rather take).
    #[test]
    fn held_model_declines_what_doubles_cannot_keep_exact_and_counts_out_of_reach() {
        let group = [(vec![0, 1], 1)];
        let edges = vec![(0, 0, 1 << 40, 0), (1, 1, 1 << 40, 1)];
        assert_eq!(held_optimum(2, 2, &edges, &group, &[1], None, unlimited()), Folded::Declined);
        let edges = vec![(0, 0, 5, 0), (1, 1, 9, 1)];
        assert_eq!(held_optimum(2, 2, &edges, &group, &[2], None, unlimited()), Folded::Declined);
        assert_eq!(held_optimum(2, 2, &edges, &group, &[1], None, unlimited()), Folded::Optimum(vec![0]));
        assert_eq!(held_optimum(2, 2, &edges, &group, &[0], None, unlimited()), Folded::Optimum(vec![1]));
        // Tier 0 led instead of held: the same as held at one.
        assert_eq!(held_optimum(2, 2, &edges, &group, &[], Some(0), unlimited()), Folded::Optimum(vec![0]));
    }

    /// On small random rounds, with the first `h` tiers held at their lexicographic
    /// optimum (by enumeration), and so with tier `h - 1` led instead: through the LP's
    /// optimal face the held model gives a matching within the caps at the held counts,
    /// never worth more than the optimum (the led tier's count, then the weight) and worth
    /// it where called optimal; where the LP's optimum is the integral one (by microlp's
    /// simplex) it always finds that, and where it is not it finds nothing or what it
    /// finds is not called optimal unless it is. Held one above what any matching
    /// reaches: nothing.
    #[test]
    fn the_optimal_face_holds_the_held_models_optimum_where_the_lp_is_integral() {
        use crate::testing::{brute_matching, lp_parts, lp_value, random_round, within_caps};
        use rand::SeedableRng;
        const B: i128 = 1 << 12;
        let mut rng = rand::rngs::StdRng::seed_from_u64(22);
        let (mut integral, mut fractional, mut fixed_edges) = (0, 0, 0);
        for _ in 0..300 {
            let r = random_round(&mut rng);
            let (edges, groups) = lp_parts(&r);
            let test_edges: Vec<_> = r.edges.iter().zip(&r.group_of).map(|(&(l, d, w), g)| (l, d, w, *g)).collect();
            let count = |m: &[usize], t: usize| m.iter().filter(|&&k| edges[k].3 == t).count() as i64;
            for h in 1..=3usize {
                let value = |k: usize| (if edges[k].3 < h { B.pow((h - edges[k].3) as u32) } else { 0 }) + i128::from(edges[k].2);
                let (_, best) = brute_matching(r.n_left, r.n_right, &test_edges, &r.caps, &value);
                let counts: Vec<i64> = (0..h).map(|t| count(&best, t)).collect();
                for (held, lead) in [(&counts[..], None), (&counts[..h - 1], Some(h - 1))] {
                    let model = Held { n_left: r.n_left, n_right: r.n_right, edges: &edges, groups: &groups, held, lead };
                    let worth = model.worth();
                    let measure = |m: &[usize]| m.iter().map(|&k| worth(&edges[k])).sum::<f64>();
                    let optimum = measure(&best);
                    let lp = lp_value(r.n_left, r.n_right, &edges, &groups, held, &worth).expect("the optimum is feasible");
                    let found = model.through_interior(unlimited());
                    let whole = lp <= optimum + 1e-6 * (1.0 + optimum.abs());
                    integral += usize::from(whole);
                    fractional += usize::from(!whole);
                    if whole {
                        // The first try alone, with the edges at one fixed, holds it.
                        let until = unlimited().until;
                        let x = crate::interior::solve(r.n_left, r.n_right, &edges, &groups, held, &worth, None, until).expect("solved").x;
                        let (sure, used) = settled(&x);
                        let fixed = model.on_face(&sure, &used, unlimited());
                        let (m, proven) = fixed.expect("the fixing keeps the integral optimum");
                        assert!(proven && measure(&m) == optimum, "h {h}, lead {lead:?}: fixed {sure:?}, found {m:?}");
                        fixed_edges += sure.len();
                    }
                    let (matching, called_optimal) = match found {
                        Some(Folded::Optimum(m)) => (m, true),
                        Some(Folded::Unproven(Some(m))) => (m, false),
                        Some(Folded::Unproven(None) | Folded::Declined) | None => {
                            assert!(!whole, "h {h}, lead {lead:?}: the LP is integral at {lp}, and nothing found");
                            continue;
                        }
                    };
                    within_caps(r.n_left, r.n_right, &test_edges, &r.caps, &matching).unwrap();
                    assert!(held.iter().enumerate().all(|(t, &c)| count(&matching, t) >= c), "held {held:?} not met by {matching:?}");
                    assert!(measure(&matching) <= optimum, "better than the optimum: {matching:?}");
                    assert!(!whole || called_optimal, "h {h}, lead {lead:?}: the LP is integral, not called optimal");
                    if called_optimal {
                        assert_eq!(measure(&matching), optimum, "h {h}, lead {lead:?}: called optimal, {matching:?} is not");
                    }
                }
                let mut beyond = counts.clone();
                beyond[0] += 1;
                let model = Held { n_left: r.n_left, n_right: r.n_right, edges: &edges, groups: &groups, held: &beyond, lead: None };
                assert!(model.through_interior(unlimited()).is_none(), "beyond reach");
            }
        }
        assert!(integral > 1000 && fractional > 0 && fixed_edges > 1000, "{integral} integral, {fractional} not, {fixed_edges} fixed");
    }
}
