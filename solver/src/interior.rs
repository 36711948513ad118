//! A matching model's LP relaxation by an interior-point method (Clarabel, pure Rust): a
//! point inside the LP's optimal face, which the crossover in `lp.rs` turns into a
//! vertex, and the duals of its rows, which column generation (`colgen.rs`) prices the
//! edges outside its master with.
//!
//! Why: the held models (`relaxation.rs`) are microlp's root LP, which is integral there,
//! and its simplex took 7,800 pivots and ~1 s on the city's 3,400-edge neighbourhoods
//! (2,900 edges: 0.7 s). The interior point solves the same LP in 25–90 ms. It ends inside
//! the optimal face, not at a vertex: an edge at one there is in every optimal solution,
//! an edge at zero in none, and what is left between (190–750 of 1,900–3,400 edges on the
//! city's) is small enough for microlp in 1–30 ms.

use crate::lp::{LpEdge, LpGroup};
use clarabel::algebra::CscMatrix;
use clarabel::solver::{DefaultSettingsBuilder, DefaultSolver, IPSolver, NonnegativeConeT, SolverStatus};
use std::time::Instant;

/// An LP solved: the primal point and the duals of its rows, in the objective's units
/// (zero for a row left out: a node without edges, a group within its cap).
pub(crate) struct Solved {
    pub x: Vec<f64>,
    pub left: Vec<f64>,
    pub right: Vec<f64>,
    pub group: Vec<f64>,
    pub held: Vec<f64>,
    /// Its optimum.
    pub value: f64,
}

/// The LP relaxation of: maximise Σ worth(e) x_e over 0 ≤ x ≤ 1 with each left and right
/// node at most once, each group at most its cap and at least `held[t]` edges of each
/// tier `t`, solved with its duals by `until`. With `short`, a held tier may fall short
/// of its count at that cost a match (so that an LP over a few edges is never
/// infeasible). `None` when it is not solved in time, infeasible, or numerically lost.
#[allow(clippy::too_many_arguments)]
pub(crate) fn solve(
    n_left: usize,
    n_right: usize,
    edges: &[LpEdge],
    groups: &[LpGroup],
    held: &[i64],
    worth: &dyn Fn(&LpEdge) -> f64,
    short: Option<f64>,
    until: Instant,
) -> Option<Solved> {
    let n = edges.len();
    // Rows as Ax ≤ b (every cone nonnegative: b − Ax ≥ 0), in triplets; the columns past
    // the edges are the held tiers' shortfalls.
    let (mut rows, mut cols, mut values, mut b) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut row = |members: &mut dyn Iterator<Item = (usize, f64)>, rhs: f64| {
        let r = b.len();
        for (k, v) in members {
            rows.push(r);
            cols.push(k);
            values.push(v);
        }
        b.push(rhs);
        r
    };
    let mut by_left = vec![Vec::new(); n_left];
    let mut by_right = vec![Vec::new(); n_right];
    for (k, e) in edges.iter().enumerate() {
        by_left[e.0].push(k);
        by_right[e.1].push(k);
    }
    // Every node with an edge has its row, which bounds its edges by one as well: no edge
    // has a row of its own for that, so that an edge's price is all in its nodes' duals
    // (column generation prices the edges outside its master by them; with a bound row
    // per edge and none for a node with one edge, the national weight LP's first master
    // priced 8,927 edges outside it as gains, against 4,880 this way, and the masters
    // took 6.1-6.6 s in all against 5.1-5.2). A group within its cap cannot bind.
    let mut node_row = |members: &Vec<usize>| (!members.is_empty()).then(|| row(&mut members.iter().map(|&k| (k, 1.0)), 1.0));
    let left_rows: Vec<Option<usize>> = by_left.iter().map(&mut node_row).collect();
    let right_rows: Vec<Option<usize>> = by_right.iter().map(&mut node_row).collect();
    let group_rows: Vec<Option<usize>> = groups
        .iter()
        .map(|(members, cap)| (members.len() as i64 > *cap).then(|| row(&mut members.iter().map(|&k| (k, 1.0)), *cap as f64)))
        .collect();
    let mut columns = n;
    let mut held_rows = Vec::with_capacity(held.len());
    for (t, &h) in held.iter().enumerate() {
        if h <= 0 {
            held_rows.push(None);
            continue;
        }
        let shortfall = short.map(|_| {
            columns += 1;
            (columns - 1, -1.0)
        });
        held_rows.push(Some(row(&mut (0..n).filter(|&k| edges[k].3 == t).map(|k| (k, -1.0)).chain(shortfall), -(h as f64))));
    }
    for k in 0..columns {
        row(&mut std::iter::once((k, -1.0)), 0.0);
    }
    let m = b.len();
    if columns == 0 {
        // Nothing to choose (Clarabel does not take an empty problem).
        return Some(Solved {
            x: vec![],
            left: vec![0.0; n_left],
            right: vec![0.0; n_right],
            group: vec![0.0; groups.len()],
            held: vec![0.0; held.len()],
            value: 0.0,
        })
        .filter(|_| held.iter().all(|h| *h <= 0));
    }
    let a = CscMatrix::new_from_triplets(m, columns, rows, cols, values);
    let p = CscMatrix::<f64>::zeros((columns, columns));
    // Minimised, and scaled to at most one: the tolerances are relative.
    let scale = edges.iter().map(|e| worth(e).abs()).fold(1.0, f64::max);
    let mut q: Vec<f64> = edges.iter().map(|e| -worth(e) / scale).collect();
    q.resize(columns, short.unwrap_or(0.0) / scale);
    let time_limit = until.saturating_duration_since(Instant::now()).as_secs_f64();
    if time_limit <= 0.0 {
        return None;
    }
    let settings = DefaultSettingsBuilder::default().verbose(false).time_limit(time_limit).build().ok()?;
    let mut solver = DefaultSolver::new(&p, &q, &a, &b, &[NonnegativeConeT(m)], settings).ok()?;
    // A fault inside the solver is a model not solved, never a panic of the round's.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| solver.solve())).ok()?;
    // Reduced accuracy is accuracy enough here: the crossover's simplex model and the
    // certificate's exact assignment check what comes of it.
    if !matches!(solver.solution.status, SolverStatus::Solved | SolverStatus::AlmostSolved) {
        return None;
    }
    let z = &solver.solution.z;
    let duals = |rows: &[Option<usize>]| rows.iter().map(|r| r.map_or(0.0, |r| z[r] * scale)).collect();
    Some(Solved {
        x: solver.solution.x[..n].to_vec(),
        left: duals(&left_rows),
        right: duals(&right_rows),
        group: duals(&group_rows),
        held: duals(&held_rows),
        value: -solver.solution.obj_val * scale,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lp_parts, lp_value, random_round};
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    /// On small random rounds, with random held counts (some out of reach): where
    /// microlp's simplex finds the LP feasible the interior point is a solution of it,
    /// within every row and bound, worth the simplex's optimum; where it is infeasible,
    /// nothing.
    #[test]
    fn the_interior_point_solves_the_lp_the_simplex_solves() {
        let mut rng = StdRng::seed_from_u64(21);
        let (mut solved, mut infeasible) = (0, 0);
        for _ in 0..400 {
            let r = random_round(&mut rng);
            let (edges, groups) = lp_parts(&r);
            let held: Vec<i64> = (0..rng.random_range(0..3)).map(|_| rng.random_range(0..3)).collect();
            let lead = rng.random_bool(0.5).then(|| rng.random_range(0..3));
            let worth = |e: &LpEdge| f64::from(u8::from(Some(e.3) == lead)) * 100.0 + e.2 as f64;
            let until = Instant::now() + std::time::Duration::from_secs(10);
            let face = solve(r.n_left, r.n_right, &edges, &groups, &held, &worth, None, until).map(|s| s.x);
            let Some(optimum) = lp_value(r.n_left, r.n_right, &edges, &groups, &held, &worth) else {
                assert!(face.is_none(), "an infeasible LP solved: {face:?}");
                infeasible += 1;
                continue;
            };
            let x = face.expect("a feasible LP is solved");
            crate::testing::assert_within_rows(&r, &x, &held, 1e-6);
            let value: f64 = edges.iter().zip(&x).map(|(e, v)| worth(e) * v).sum();
            assert!((value - optimum).abs() <= 1e-6 * (1.0 + optimum.abs()), "worth {value}, the simplex's optimum {optimum}");
            solved += 1;
        }
        assert!(solved > 100 && infeasible > 10, "{solved} solved, {infeasible} infeasible");
    }

    /// The duals are the LP's own: on small random rounds, with random held counts, each
    /// edge priced by its nodes', group's and tier's duals at no gain (no other row holds
    /// an edge but its lower bound), every dual nonnegative, and the duals' objective the
    /// LP's optimum. Column generation prices the edges outside its master by them.
    #[test]
    fn its_duals_price_every_edge_at_no_gain_and_bound_the_optimum() {
        let mut rng = StdRng::seed_from_u64(22);
        let mut solved = 0;
        for _ in 0..400 {
            let r = random_round(&mut rng);
            let (edges, groups) = lp_parts(&r);
            let held: Vec<i64> = (0..rng.random_range(0..3)).map(|_| rng.random_range(0..3)).collect();
            let worth = |e: &LpEdge| e.2 as f64;
            let until = Instant::now() + std::time::Duration::from_secs(10);
            let Some(m) = solve(r.n_left, r.n_right, &edges, &groups, &held, &worth, None, until) else {
                continue;
            };
            let tolerance = 1e-5 * (1.0 + m.value.abs());
            for (k, e) in edges.iter().enumerate() {
                let group = r.group_of[k].map_or(0.0, |g| m.group[g]);
                let reduced = worth(e) - m.left[e.0] - m.right[e.1] - group + m.held.get(e.3).copied().unwrap_or(0.0);
                assert!(reduced <= tolerance, "edge {k} priced at a gain of {reduced}");
            }
            assert!(m.left.iter().chain(&m.right).chain(&m.group).chain(&m.held).all(|d| *d >= -tolerance), "a negative dual");
            let dual: f64 = m.left.iter().sum::<f64>()
                + m.right.iter().sum::<f64>()
                + m.group.iter().zip(&groups).map(|(d, (_, cap))| d * *cap as f64).sum::<f64>()
                - m.held.iter().zip(&held).map(|(d, h)| d * *h as f64).sum::<f64>();
            assert!((dual - m.value).abs() <= tolerance, "the duals' objective {dual}, the optimum {}", m.value);
            solved += 1;
        }
        assert!(solved > 100, "{solved} solved");
    }
}
