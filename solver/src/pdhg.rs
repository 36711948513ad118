//! Multipliers for a stage from its LP relaxation, by the primal-dual hybrid gradient
//! method (Chambolle–Pock with diagonal preconditioning, restarted to averages as in
//! PDLP). The LP's optimal duals on the caps and held tiers are the Lagrangian dual's
//! optimal multipliers (the assignment polytope is integral), and the method reaches
//! them at a rate the subgradient and bundle methods on the nonsmooth dual do not.
//! Its duals are only proposed: the bound is still the exact assignment's at them.
//!
//! The stage LP: maximise c·x over 0 ≤ x ≤ 1 with each left and right node at most 1,
//! each group at most its cap, and each held tier at least its bound. With every variable
//! boxed, any y ≥ 0 bounds it: c·x ≤ b·y + Σ_e max(0, c_e − (Kᵀy)_e).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One stage's LP, on the edges taking part.
pub(crate) struct StageLp<'a> {
    pub n_left: usize,
    pub n_right: usize,
    /// (left, right, weight) per edge; what an edge is worth here is `objective`'s.
    pub edges: &'a [(usize, usize, i64)],
    pub group_of: &'a [Option<usize>],
    pub caps: &'a [i64],
    /// Per left node, its tier.
    pub tier: &'a [usize],
    /// Per tier above the stage, the least count it is held at.
    pub held: &'a [i64],
    /// Per edge, its objective; `None` where the edge takes no part.
    pub objective: Vec<Option<f64>>,
}

/// The duals found: per group and per held tier, in the objective's units.
#[derive(Clone)]
pub(crate) struct Duals {
    pub lambda: Vec<f64>,
    pub mu: Vec<f64>,
    /// The LP's bound at them (any duals bound it, every variable being boxed): read by
    /// the tests; the certificate's bound is the exact assignment's at them.
    #[cfg_attr(not(test), allow(dead_code))]
    pub bound: f64,
    /// Whether the LP was solved: no infeasibility and no gap left (relative to
    /// [`SOLVED`]), so no multipliers bound it better; or, on a count, settled (see
    /// [`Pdhg::settled`]): its floor is where the LP's is, as far as a primal point shows.
    pub solved: bool,
}

/// The KKT error, relative to the bound, below which the LP counts as solved.
const SOLVED: f64 = 1e-6;

/// How far below the bound's floor a primal point may show a count LP's optimum and it
/// still counts as settled (see [`Pdhg::settled`]).
const SETTLED: f64 = 0.05;

/// An edge taking part: its rows (left, right, group, held tier; [`NONE`] where it has
/// none) and its objective.
struct E {
    l: u32,
    r: u32,
    g: u32,
    h: u32,
    c: f64,
}

const NONE: u32 = u32::MAX;

impl E {
    /// (Kᵀy)_e: the edge's column of the constraints times the duals (a held tier's row
    /// is a ≥, kept as −count ≤ −bound).
    fn kty(&self, y: &[f64]) -> f64 {
        let mut s = y[self.l as usize] + y[self.r as usize];
        if self.g != NONE {
            s += y[self.g as usize];
        }
        if self.h != NONE {
            s -= y[self.h as usize];
        }
        s
    }

    /// Adds `v` of the edge to its rows' sums (Kx).
    fn add_to(&self, rows: &mut [f64], v: f64) {
        rows[self.l as usize] += v;
        rows[self.r as usize] += v;
        if self.g != NONE {
            rows[self.g as usize] += v;
        }
        if self.h != NONE {
            rows[self.h as usize] -= v;
        }
    }
}

/// Runs until `until` or until the LP is solved. `weight` is the primal weight: how far
/// x moves against y.
#[cfg(test)]
pub(crate) fn duals(lp: &StageLp, weight: f64, until: Instant) -> Duals {
    Pdhg::new(lp, weight).run(until)
}

/// A run of the method on one stage LP, which can be taken up again where it stopped
/// (and on another thread: it owns what it needs).
pub(crate) struct Pdhg {
    es: Vec<E>,
    /// Per edge taking part (each of `es`), its index among all the edges; and how many
    /// edges there are in all.
    ids: Vec<usize>,
    all_edges: usize,
    /// Per edge, its step; per row, its step.
    tau: Vec<f64>,
    sigma: Vec<f64>,
    /// Per row, its right-hand side.
    b: Vec<f64>,
    /// The objective's scale: the edges' objectives are divided by it.
    scale: f64,
    weight: f64,
    n_groups: usize,
    group0: usize,
    held0: usize,
    x: Vec<f64>,
    y: Vec<f64>,
    sum_x: Vec<f64>,
    sum_y: Vec<f64>,
    in_average: usize,
    iterations: usize,
    /// The least box bound seen, and its duals.
    best: (f64, Vec<f64>),
    last_restart_error: f64,
    solved: bool,
    /// Whether every edge's objective is 0 or 1: the LP counts matches, and only its
    /// bound's integer floor matters.
    counts: bool,
}

impl Pdhg {
    /// The method at its start (x = 0, y = 0) on `lp`, with primal weight `weight`: how
    /// far x moves against y.
    pub(crate) fn new(lp: &StageLp, weight: f64) -> Self {
        // The rows: left nodes, then right nodes, groups, held tiers.
        let n_groups = lp.caps.len();
        let (right0, group0) = (lp.n_left, lp.n_left + lp.n_right);
        let held0 = group0 + n_groups;
        let n_rows = held0 + lp.held.len();
        let scale = lp.objective.iter().flatten().fold(0f64, |m, c| m.max(c.abs())).max(1e-12);
        let ids: Vec<usize> = (0..lp.edges.len()).filter(|&e| lp.objective[e].is_some()).collect();
        let es: Vec<E> = lp
            .edges
            .iter()
            .enumerate()
            .filter_map(|(e, &(l, r, _))| {
                lp.objective[e].map(|c| E {
                    l: l as u32,
                    r: (right0 + r) as u32,
                    g: lp.group_of[e].map_or(NONE, |g| (group0 + g) as u32),
                    h: if lp.tier[l] < lp.held.len() { (held0 + lp.tier[l]) as u32 } else { NONE },
                    c: c / scale,
                })
            })
            .collect();
        let mut b = vec![1f64; n_rows];
        for (g, c) in lp.caps.iter().enumerate() {
            b[group0 + g] = *c as f64;
        }
        for (r, h) in lp.held.iter().enumerate() {
            b[held0 + r] = -(*h as f64);
        }
        // Diagonal preconditioning (Pock–Chambolle, α = 1): τ_e = 1 / its rows, σ_i = 1 /
        // the row's length.
        let mut len = vec![0f64; n_rows];
        let tau: Vec<f64> = es
            .iter()
            .map(|e| {
                let mut n = 2.0;
                len[e.l as usize] += 1.0;
                len[e.r as usize] += 1.0;
                if e.g != NONE {
                    len[e.g as usize] += 1.0;
                    n += 1.0;
                }
                if e.h != NONE {
                    len[e.h as usize] += 1.0;
                    n += 1.0;
                }
                1.0 / n
            })
            .collect();
        let sigma: Vec<f64> = len.iter().map(|n| if *n > 0.0 { 1.0 / n } else { 0.0 }).collect();
        let n_edges = es.len();
        let counts = lp.objective.iter().flatten().all(|c| *c == 0.0 || *c == 1.0);
        Pdhg {
            es,
            ids,
            all_edges: lp.edges.len(),
            tau,
            sigma,
            b,
            scale,
            weight,
            n_groups,
            group0,
            held0,
            x: vec![0f64; n_edges],
            y: vec![0f64; n_rows],
            sum_x: vec![0f64; n_edges],
            sum_y: vec![0f64; n_rows],
            in_average: 0,
            iterations: 0,
            best: (f64::MAX, vec![0f64; n_rows]),
            last_restart_error: f64::MAX,
            solved: false,
            counts,
        }
    }

    /// The primal iterate where the run stopped, per edge (0 where an edge takes no part):
    /// solved, a point of the LP's optimal face, mostly inside it (see `relaxation.rs`).
    pub(crate) fn primal(&self) -> Vec<f64> {
        let mut x = vec![0f64; self.all_edges];
        for (&e, v) in self.ids.iter().zip(&self.x) {
            x[e] = *v;
        }
        x
    }

    /// Per edge, its reduced cost at the best duals so far (its objective less what its
    /// rows' duals price it at, in the objective's units); `None` where it takes no part.
    pub(crate) fn reduced_costs(&self) -> Vec<Option<f64>> {
        let mut reduced = vec![None; self.all_edges];
        for (&e, edge) in self.ids.iter().zip(&self.es) {
            reduced[e] = Some((edge.c - edge.kty(&self.best.1)) * self.scale);
        }
        reduced
    }

    /// The box bound at y (in the scaled objective).
    fn bound_at(&self, y: &[f64]) -> f64 {
        let rows: f64 = self.b.iter().zip(y).map(|(b, y)| b * y).sum();
        rows + self.es.iter().map(|e| (e.c - e.kty(y)).max(0.0)).sum::<f64>()
    }

    /// The rows' sums at the primal point `x` (Kx) into `acc`; its worth (c·x).
    fn rows_at(&self, x: &[f64], acc: &mut [f64]) -> f64 {
        acc.iter_mut().for_each(|a| *a = 0.0);
        let mut worth = 0.0;
        for (e, v) in self.es.iter().zip(x) {
            e.add_to(acc, *v);
            worth += e.c * v;
        }
        worth
    }

    /// Whether a count LP's bound has come as low as its floor goes: the primal point
    /// `x`, less what it takes beyond its rows' right-hand sides, is worth at least the
    /// best bound's floor (within [`SETTLED`]), so the LP's optimum is there too, as far
    /// as a point a little outside the rows can show (taking its excess off is an
    /// estimate: a held tier's shortfall is not mended so). It only steers the search:
    /// the certificate's bound is still the exact assignment's at the duals. PDHG's tail
    /// is slow: the city's tier-1 LPs that were not solved in a stage's part had their
    /// bound at 103.02 (floor 103) and a point worth 103.0 after ~2,800 iterations, and
    /// were still unsolved (KKT error 0.3) at 3,300.
    fn settled(&self, x: &[f64], acc: &mut [f64]) -> bool {
        if !self.counts {
            return false;
        }
        let value = self.rows_at(x, acc);
        let beyond: f64 = acc.iter().zip(&self.b).map(|(a, b)| (a - b).max(0.0)).sum();
        let floor = (self.best.0 * self.scale + 1e-9).floor();
        (value - beyond) * self.scale >= floor - SETTLED
    }

    /// The KKT error of (x, y): primal infeasibility and the gap to the box bound; and
    /// that bound.
    fn error(&self, x: &[f64], y: &[f64], acc: &mut [f64]) -> (f64, f64) {
        let primal = self.rows_at(x, acc);
        let infeasible: f64 = acc.iter().zip(&self.b).map(|(a, b)| (a - b).max(0.0).powi(2)).sum();
        let bound = self.bound_at(y);
        ((infeasible + (bound - primal).powi(2)).sqrt(), bound)
    }

    /// Goes on until `until` or until the LP is solved; the best duals so far.
    pub(crate) fn run(&mut self, until: Instant) -> Duals {
        let n_rows = self.y.len();
        let weight = self.weight;
        let mut acc = vec![0f64; n_rows];
        while !self.solved && Instant::now() < until {
            for _ in 0..64 {
                acc.iter_mut().for_each(|a| *a = 0.0);
                let y = &self.y;
                for (((e, xe), t), sx) in self.es.iter().zip(self.x.iter_mut()).zip(&self.tau).zip(self.sum_x.iter_mut()) {
                    let next = (*xe - t * weight * (e.kty(y) - e.c)).clamp(0.0, 1.0);
                    e.add_to(&mut acc, 2.0 * next - *xe);
                    *xe = next;
                    *sx += next;
                }
                for ((((y, sy), s), a), b) in self.y.iter_mut().zip(self.sum_y.iter_mut()).zip(&self.sigma).zip(&acc).zip(&self.b) {
                    *y = (*y + s / weight * (a - b)).max(0.0);
                    *sy += *y;
                }
                self.in_average += 1;
                self.iterations += 1;
            }
            let n = self.in_average as f64;
            let avg_x: Vec<f64> = self.sum_x.iter().map(|s| s / n).collect();
            let avg_y: Vec<f64> = self.sum_y.iter().map(|s| s / n).collect();
            let (err_now, bound_now) = self.error(&self.x, &self.y, &mut acc);
            let (err_avg, bound_avg) = self.error(&avg_x, &avg_y, &mut acc);
            if bound_now < self.best.0 {
                self.best = (bound_now, self.y.clone());
            }
            if bound_avg < self.best.0 {
                self.best = (bound_avg, avg_y.clone());
            }
            // Restart to the better of the two once the error has fallen enough (PDLP's
            // sufficient decay), or when the average has grown old.
            let (err, restart_x, restart_y) =
                if err_avg < err_now { (err_avg, avg_x, avg_y) } else { (err_now, self.x.clone(), self.y.clone()) };
            // Solved: no infeasibility and no gap left; the duals cannot get better.
            if err < SOLVED * (1.0 + self.best.0.abs()) || self.settled(&restart_x, &mut acc) {
                self.solved = true;
                break;
            }
            if err <= 0.2 * self.last_restart_error || self.in_average >= self.iterations.max(64) * 36 / 100 + 64 {
                self.x = restart_x;
                self.y = restart_y;
                self.last_restart_error = err;
                self.sum_x.iter_mut().for_each(|s| *s = 0.0);
                self.sum_y.iter_mut().for_each(|s| *s = 0.0);
                self.in_average = 0;
            }
        }
        let y = &self.best.1;
        Duals {
            lambda: (0..self.n_groups).map(|g| y[self.group0 + g] * self.scale).collect(),
            mu: y[self.held0..].iter().map(|m| m * self.scale).collect(),
            bound: self.best.0 * self.scale,
            solved: self.solved,
        }
    }
}

/// How often a run beside (see [`Pdhg::beside`]) looks whether it is wanted back: a
/// slice ends at the first check of the clock past it, every 64 iterations (city: ~20 ms,
/// nationally ~50).
const BESIDE_SLICE: Duration = Duration::from_millis(20);

/// A run going on on a thread of its own (see [`Pdhg::beside`]); dropped, it stops.
pub(crate) struct Beside {
    stop: Arc<AtomicBool>,
    run: Option<std::thread::JoinHandle<Pdhg>>,
}

impl Pdhg {
    /// Goes on on a thread of its own until `until`, until solved, or until taken back
    /// (see [`Beside::take`]).
    pub(crate) fn beside(mut self, until: Instant) -> Beside {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let run = std::thread::spawn(move || {
            while !stopped.load(Ordering::Relaxed) && Instant::now() < until {
                if self.run((Instant::now() + BESIDE_SLICE).min(until)).solved {
                    break;
                }
            }
            self
        });
        Beside { stop, run: Some(run) }
    }
}

impl Beside {
    /// The run, stopped where it got to (within a slice), to be taken up again.
    pub(crate) fn take(mut self) -> Pdhg {
        self.stop.store(true, Ordering::Relaxed);
        self.run.take().expect("taken once").join().expect("the LP does not panic")
    }
}

impl Drop for Beside {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{random_round, Round};
    use rand::rngs::StdRng;
    use rand::SeedableRng;
    use std::time::Duration;

    /// Stage `stage` of `r` (3 tiers, then the weight) with the tiers above held at `held`.
    fn stage_duals(r: &Round, stage: usize, held: &[i64], weight: f64) -> Duals {
        duals(&stage_lp(r, stage, held), weight, Instant::now() + Duration::from_secs(2))
    }

    /// Stage `stage`'s LP of `r` (3 tiers, then the weight), the tiers above held at `held`.
    fn stage_lp<'r>(r: &'r Round, stage: usize, held: &'r [i64]) -> StageLp<'r> {
        let objective = r
            .edges
            .iter()
            .map(|&(l, _, w)| match stage {
                3 => Some(w as f64),
                _ => (r.tier[l] <= stage).then_some(f64::from(u8::from(r.tier[l] == stage))),
            })
            .collect();
        StageLp {
            n_left: r.n_left,
            n_right: r.n_right,
            edges: &r.edges,
            group_of: &r.group_of,
            caps: &r.caps,
            tier: &r.tier,
            held,
            objective,
        }
    }

    /// The floors of `r`'s LP relaxation by microlp, stage by stage with the tiers above
    /// held at the floors of theirs.
    fn relaxation(r: &Round) -> crate::lp::Certificate {
        let lp_edges: Vec<crate::lp::LpEdge> = r.edges.iter().map(|&(l, d, w)| (l, d, w, r.tier[l])).collect();
        let groups: Vec<crate::lp::LpGroup> =
            (0..r.caps.len()).map(|g| ((0..r.edges.len()).filter(|&e| r.group_of[e] == Some(g)).collect(), r.caps[g])).collect();
        let deadline = crate::testing::unlimited().until;
        crate::lp::certify(r.n_left, r.n_right, &lp_edges, &groups, 3, true, crate::lp::Engine::Relaxation { deadline }).expect("solved")
    }

    /// Against the LP relaxation by microlp, stage by stage with the tiers above held at
    /// the floors of theirs: the bound is never below the LP, and solved it is the LP.
    #[test]
    fn bounds_each_stage_by_its_lp_and_solves_it() {
        let mut rng = StdRng::seed_from_u64(7);
        let (mut stages, mut solved) = (0, 0);
        for _ in 0..300 {
            let r = random_round(&mut rng);
            let lp = relaxation(&r);
            for stage in 0..=3 {
                let held = &lp.tier_bounds[..stage];
                let want = if stage < 3 { lp.tier_bounds[stage] } else { lp.weight_bound };
                let d = stage_duals(&r, stage, held, if stage < 3 { 0.03 } else { 0.1 });
                let floor = (d.bound + 1e-6).floor() as i64;
                assert!(floor >= want, "stage {stage}: bound {} below the LP's {want}", d.bound);
                assert!(d.lambda.iter().chain(&d.mu).all(|y| *y >= 0.0), "duals of ≤ rows are not negative");
                stages += 1;
                if d.solved {
                    solved += 1;
                    assert_eq!(floor, want, "stage {stage}: solved at {} where the LP is {want}", d.bound);
                }
            }
        }
        assert!(solved * 10 >= stages * 9, "solved {solved} of {stages} stage LPs");
    }

    /// A count LP settles (see `Pdhg::settled`) no later than it is solved, and at the
    /// LP's floor, against microlp's LP stage by stage; on many, well before (PDHG's slow
    /// tail). The weight's LP, whose floor is not all that matters, does not settle.
    #[test]
    fn a_count_lp_settles_at_its_floor_before_it_is_solved() {
        let mut rng = StdRng::seed_from_u64(13);
        let (mut earlier, mut counted) = (0, 0);
        for _ in 0..300 {
            let r = random_round(&mut rng);
            let lp = relaxation(&r);
            for stage in 0..3 {
                let stage_lp = stage_lp(&r, stage, &lp.tier_bounds[..stage]);
                let mut settling = Pdhg::new(&stage_lp, 0.03);
                let mut strict = Pdhg::new(&stage_lp, 0.03);
                strict.counts = false;
                let until = Instant::now() + Duration::from_secs(2);
                let (settled, solved) = (settling.run(until), strict.run(until));
                if !solved.solved {
                    continue;
                }
                counted += 1;
                assert!(settled.solved && settling.iterations <= strict.iterations, "stage {stage}: settles no later");
                assert_eq!((settled.bound + 1e-6).floor() as i64, lp.tier_bounds[stage], "stage {stage}: settled at {}", settled.bound);
                earlier += usize::from(settling.iterations < strict.iterations);
            }
            assert!(!Pdhg::new(&stage_lp(&r, 3, &lp.tier_bounds), 0.1).counts || r.edges.iter().all(|e| e.2 <= 1), "weights are no count");
        }
        assert!(counted >= 600 && earlier * 5 >= counted, "settled earlier in {earlier} of {counted} count LPs");
    }

    /// A run taken up again goes on where it stopped: cut after its first iterations
    /// and resumed, it solves the LP in the same iterations as one run; solved, it stays
    /// where it is. So does a run beside (see `Pdhg::beside`), taken back not started
    /// (its time already up), at once, or once it has solved on its own.
    #[test]
    fn a_run_taken_up_again_goes_on_where_it_stopped() {
        let mut rng = StdRng::seed_from_u64(11);
        let mut cut_short = 0;
        for _ in 0..50 {
            let r = random_round(&mut rng);
            // The weight's stage, with nothing held.
            let lp = stage_lp(&r, 3, &[]);
            let mut one = Pdhg::new(&lp, 0.1);
            let whole = one.run(Instant::now() + Duration::from_secs(2));
            let mut run = Pdhg::new(&lp, 0.1);
            let cut = run.run(Instant::now() + Duration::from_micros(1));
            let first = run.iterations;
            let resumed = run.run(Instant::now() + Duration::from_secs(2));
            cut_short += usize::from(!cut.solved);
            assert!(cut.solved || run.iterations > first, "the second part iterates on");
            assert_eq!(resumed.solved, whole.solved);
            if whole.solved {
                // The same iterations, in two parts.
                assert_eq!((run.iterations, resumed.bound), (one.iterations, whole.bound));
                let at = run.iterations;
                let again = run.run(Instant::now() + Duration::from_secs(2));
                assert_eq!((run.iterations, again.bound), (at, resumed.bound), "solved, it does not move");
                let far = || Instant::now() + Duration::from_secs(2);
                let not_started = Pdhg::new(&lp, 0.1).beside(Instant::now()).take();
                assert_eq!(not_started.iterations, 0, "its time was up");
                let at_once = Pdhg::new(&lp, 0.1).beside(far()).take();
                let on_its_own = Pdhg::new(&lp, 0.1).beside(far());
                while !on_its_own.run.as_ref().expect("running").is_finished() {
                    std::thread::sleep(Duration::from_millis(1));
                }
                let solved = on_its_own.take();
                assert!(solved.solved && solved.iterations == one.iterations, "left, it solved as one run does");
                for mut back in [not_started, at_once, solved] {
                    let resumed = back.run(far());
                    assert_eq!((back.iterations, resumed.bound, resumed.solved), (one.iterations, whole.bound, true));
                }
            }
        }
        assert!(cut_short >= 10, "only {cut_short} runs were cut before they solved");
    }

    /// Three clients want two dwellings through one contingent of one: the LP places one,
    /// and its dual prices the contingent at a placement.
    #[test]
    fn prices_a_binding_cap() {
        let r = Round {
            n_left: 3,
            n_right: 2,
            edges: vec![(0, 0, 1), (0, 1, 1), (1, 0, 1), (1, 1, 1), (2, 0, 1)],
            group_of: vec![Some(0); 5],
            caps: vec![1],
            tier: vec![0; 3],
        };
        let d = stage_duals(&r, 0, &[], 0.03);
        assert!(d.solved);
        assert!((d.bound - 1.0).abs() < 1e-4, "bound {}", d.bound);
        assert!((d.lambda[0] - 1.0).abs() < 1e-3, "the cap's price {}", d.lambda[0]);
    }

    /// A held tier that takes the only dwelling leaves the next tier nothing, and its
    /// dual is at least what that tier would gain.
    #[test]
    fn prices_a_held_tier() {
        let r = Round { n_left: 2, n_right: 1, edges: vec![(0, 0, 5), (1, 0, 9)], group_of: vec![None; 2], caps: vec![], tier: vec![0, 1] };
        let d = stage_duals(&r, 1, &[1], 0.03);
        assert!(d.solved);
        assert!(d.bound.abs() < 1e-4, "bound {}", d.bound);
        assert!(d.mu[0] >= 1.0 - 1e-3, "the held tier's price {}", d.mu[0]);
    }
}
