//! The stage-wise Lagrangian certificate, for instances too large for the LP.
//!
//! Each lexicographic stage is bounded on its own scale: tier `t`'s count (with the tiers
//! above it held at their bounds), then the weight (with every tier held). The group caps
//! and the held tier counts are relaxed with multipliers; what is left is an assignment
//! problem, solved exactly. For any multipliers `λ, μ ≥ 0`
//!
//! ```text
//! L(λ, μ) = max over matchings M of Σ_{e∈M} (obj_e + μ_tier(e) − λ_group(e)) + Σ λ_g cap_g − Σ μ_r b_r
//! ```
//!
//! bounds the stage from above. Multipliers are integers in units of `1/scale` and the
//! assignment is solved in exact integer arithmetic, so each bound is exact, not a
//! floating-point estimate; the stage's optimum is an integer, so the floor of the best
//! `L` bounds it. The volume algorithm moves the multipliers (see [`Search::stage`]); each
//! relaxed matching is repaired into a feasible one (trim over-full groups, fill greedily,
//! augmenting paths within the caps; when `L` improves, also closing over-full groups and
//! matching again), which is the incumbent when it is lexicographically best; at a stage's
//! start and end the incumbent is polished under its allocation of grouped right nodes
//! (`allocate.rs`). Part of each stage's time goes to the neighbourhood search
//! (`neighbourhood.rs`), which re-solves the incumbent exactly a few groups at a time.
//!
//! Why per stage: folded into one weight, a tier-0 match is worth more than all weights
//! together, and one set of multipliers cannot be right on both scales at once; per
//! stage every multiplier is in the units of the stage it prices.

use crate::assignment::{max_weight_matching, Sparse, Warm};
use crate::bundle::Bundle;
use crate::neighbourhood::{Done, Walk};
use std::cmp::Reverse;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Instant;

/// The problem in canonical form, as the optimiser holds it.
pub(crate) struct Problem<'a> {
    pub n_left: usize,
    pub n_right: usize,
    /// (left, right, weight) per edge.
    pub edges: &'a [(usize, usize, i64)],
    /// Per left node, its tier.
    pub tier: &'a [usize],
    pub group_of: &'a [Option<usize>],
    pub caps: &'a [i64],
    pub n_tiers: usize,
    /// Whether the tiers count (else only the weight stage).
    pub tiered: bool,
    /// The lexicographic objective folded into one weight per edge: the incumbent's measure.
    pub folded: &'a [i128],
    pub adj: &'a [Vec<(usize, usize)>],
    /// Per group, its edges.
    pub members: &'a [Vec<usize>],
}

impl<'a> Problem<'a> {
    /// An LP over the problem's edges with the tiers `held` and, per edge, its objective
    /// (`None` where it takes no part).
    fn lp<'h>(&self, held: &'h [i64], objective: Vec<Option<f64>>) -> crate::pdhg::StageLp<'h>
    where
        'a: 'h,
    {
        crate::pdhg::StageLp {
            n_left: self.n_left,
            n_right: self.n_right,
            edges: self.edges,
            group_of: self.group_of,
            caps: self.caps,
            tier: self.tier,
            held,
            objective,
        }
    }
}

/// Proven bounds per stage and the best feasible matching found.
pub(crate) struct Certificate {
    /// Per tier, an upper bound on its count given the tiers above at their bounds.
    pub tier_bounds: Vec<i64>,
    /// An upper bound on the weight given every tier at its bound.
    pub weight_bound: i64,
    /// The best feasible matching (edge indices), by the folded objective.
    pub best: Vec<usize>,
    /// Assignment problems solved.
    pub assignments: usize,
    /// How long the last step took: a search after this one that cannot do one such step
    /// in the time left is not worth starting.
    pub step: std::time::Duration,
}

/// A problem's adjacency and group members without some edges (see [`Search::restrict`]).
type Restricted = (Vec<Vec<(usize, usize)>>, Vec<Vec<usize>>);

/// `p`'s adjacency and group members without the edges `excluded`.
fn without(p: &Problem<'_>, excluded: &[bool]) -> Restricted {
    let adj = p.adj.iter().map(|a| a.iter().copied().filter(|&(_, e)| !excluded[e]).collect()).collect();
    let members = p.members.iter().map(|m| m.iter().copied().filter(|&e| !excluded[e]).collect()).collect();
    (adj, members)
}

/// The weight stage's bound from an assignment's prices `(u, v)` at its multipliers,
/// where `constant` is what the multipliers add besides the assignment (the caps priced
/// less the held tiers' bounds priced), with every `active` edge's reduced cost: the
/// prices are at least zero and cover every edge's `weight` (see `Warm::prices`), so a
/// matching that meets the caps and the held tiers is worth at most the bound less its
/// edges' reduced costs. Edges not active get none.
fn weight_prices(p: &Problem<'_>, (u, v): &(Vec<i128>, Vec<i128>), weight: &[i128], active: &[bool], constant: i128) -> WeightPrices {
    let bound = u.iter().sum::<i128>() + v.iter().sum::<i128>() + constant;
    let reduced = (0..p.edges.len())
        .map(|e| {
            let (l, r, _) = p.edges[e];
            if active[e] {
                u[l] + v[r] - weight[e]
            } else {
                0
            }
        })
        .collect();
    WeightPrices { bound, reduced }
}

impl WeightPrices {
    /// Marks in `excluded` every edge but the `kept` that no matching worth more than
    /// `weight` uses (of those that meet the caps and the held tiers): one whose reduced
    /// cost is more than the bound exceeds `weight` by. Returns how many it marked.
    fn exclude(&self, weight: i64, kept: &[bool], excluded: &mut [bool]) -> usize {
        let room = self.bound - WEIGHT_SCALE * i128::from(weight + 1);
        let mut marked = 0;
        for ((x, r), k) in excluded.iter_mut().zip(&self.reduced).zip(kept) {
            if *r > room && !*k && !*x {
                *x = true;
                marked += 1;
            }
        }
        marked
    }
}

/// Multipliers per group (`lam`) and per held tier (`mu`) as the assignment takes them:
/// integers, in units of `1/scale` of the stage's objective.
struct Priced {
    lam: Vec<i128>,
    mu: Vec<i128>,
}

impl Priced {
    fn at(lambda: &[f64], mu: &[f64], scale: i128) -> Self {
        let units = |v: &[f64]| v.iter().map(|x| (x * scale as f64).round() as i128).collect();
        Priced { lam: units(lambda), mu: units(mu) }
    }

    /// Edge `e`'s weight in the relaxed assignment, from its `objective` in the same
    /// units: its tier's multiplier added, its group's taken off.
    fn weight(&self, p: &Problem<'_>, e: usize, objective: i128) -> i128 {
        objective + self.mu.get(p.tier[p.edges[e].0]).copied().unwrap_or(0) - p.group_of[e].map_or(0, |g| self.lam[g])
    }

    /// What the multipliers add to `L` besides the assignment: the caps priced less the
    /// held tiers' counts priced.
    fn constant(&self, caps: &[i64], held: &[i64]) -> i128 {
        self.lam.iter().zip(caps).map(|(l, c)| l * i128::from(*c)).sum::<i128>()
            - self.mu.iter().zip(held).map(|(m, b)| m * i128::from(*b)).sum::<i128>()
    }
}

/// The weight stage's Lagrangian bound at multipliers per group and per held tier (as an
/// LP's duals propose them, see `colgen::BoundAt`), over the edges `lp` takes: one exact
/// assignment, at the multipliers in units of `1/WEIGHT_SCALE` (negative ones as zero), as
/// the stage's own steps take them; with the edges of the relaxed matching that reaches it.
fn weight_bound_at(p: &Problem<'_>, lp: &crate::pdhg::StageLp<'_>, lambda: &[f64], mu: &[f64]) -> (f64, Vec<usize>) {
    let clamped = |v: &[f64]| v.iter().map(|x| x.max(0.0)).collect::<Vec<_>>();
    let priced = Priced::at(&clamped(lambda), &clamped(mu), WEIGHT_SCALE);
    let (mut weight, mut allowed) = (vec![0i128; p.edges.len()], vec![false; p.edges.len()]);
    for e in (0..p.edges.len()).filter(|&e| lp.objective[e].is_some()) {
        weight[e] = priced.weight(p, e, WEIGHT_SCALE * i128::from(p.edges[e].2));
        allowed[e] = weight[e] > 0;
    }
    let graph = Sparse { n_right: p.n_right, adj: p.adj };
    let m = Warm::preferring_free(&graph).solve(&graph, &weight, &allowed);
    ((m.value + priced.constant(p.caps, lp.held)) as f64 / WEIGHT_SCALE as f64, m.edge_of_left.into_iter().flatten().collect())
}

/// Whether `matching` holds at least `bounds[t]` clients of each tier `t` up to the
/// bounds' length.
fn meets(p: &Problem<'_>, matching: &[usize], bounds: &[i64]) -> bool {
    let mut count = vec![0i64; bounds.len()];
    for &e in matching {
        if let Some(c) = count.get_mut(p.tier[p.edges[e].0]) {
            *c += 1;
        }
    }
    count.iter().zip(bounds).all(|(c, b)| c >= b)
}

/// Stage `stage`'s objective of a feasible matching `edges` (its tier's count, or on the
/// weight stage its weight), or None when it misses a `held` tier.
fn stage_value(p: &Problem<'_>, edges: &[usize], stage: usize, stages: usize, held: &[i64]) -> Option<i64> {
    if !meets(p, edges, held) {
        return None;
    }
    Some(if stage < stages {
        edges.iter().filter(|&&e| p.tier[p.edges[e].0] == stage).count() as i64
    } else {
        edges.iter().map(|&e| p.edges[e].2).sum()
    })
}

/// Multipliers per unit of the stage's objective: tier stages count in ones, so a fine
/// grid; the weight stage's weights are already integers of some size.
const TIER_SCALE: i128 = 1 << 12;
const WEIGHT_SCALE: i128 = 1 << 6;

/// The part of all the time tier 0's stage goes on for when its incumbent is more than
/// one short of its bound (see [`certify`]).
const TIER0_MORE: f64 = 0.2;

/// The part of a tier stage's search that walks (see [`Search::walk`]). With a fine
/// jitter, 0.5, 0.8 and 1.0 gave the city 101-102, 102-103 and 102 of tier 1, and
/// nationally 0.6, 0.8 and 1.0 tier 0 at 4,486, 4,486-4,487 and 4,486; with the final
/// jitter, 0.8 and 1.0 gave the city 105-107 and 104-106.
const WALK: f64 = 0.8;

/// The most of what a tier stage's search has left after its walk that goes to the
/// neighbourhoods around the LP's shortfalls (see [`Search::around`]): nationally one to
/// three solves of 70-140 ms placed tier 1's last (526 to 527) in 4 of 4 runs.
const AROUND: f64 = 0.3;

/// The most of a later stage's time the neighbourhoods around a tier above that is still
/// short take, at its start.
const AROUND_LATER: f64 = 0.1;

/// Per edge, its worth on tier stage `stage`'s counts alone: a match of tier `t` up to
/// the stage is worth more than all matches of the tiers below it together, in units
/// above a walk's random tie-breaks; lower tiers are worth nothing. `None` when that
/// does not fit comfortably in `i128`.
fn count_weights(p: &Problem<'_>, stage: usize) -> Option<Vec<i128>> {
    let per = i128::try_from(p.n_left + p.n_right + 2).ok()?;
    let unit = crate::neighbourhood::JITTER.checked_mul(per)?;
    let top = unit.checked_mul(per.checked_pow(u32::try_from(stage).ok()?)?)?;
    top.checked_mul(per.checked_mul(4)?)?;
    Some(
        (0..p.edges.len())
            .map(|e| match p.tier[p.edges[e].0] {
                t if t <= stage && p.folded[e] > 0 => unit * per.pow((stage - t) as u32),
                _ => 0,
            })
            .collect(),
    )
}

/// A walk's tie-breaks on stage `stage`'s counts (see [`Walk::jitter`]): 2 on the later
/// stages (city tier 1 at 108.6 on average against 107.4 with 4); tier 0's own walk keeps
/// 4, with which the national tier 0 reached its optimum in every run (with 2, in 2 of
/// 3).
fn walk_jitter(stage: usize) -> i128 {
    if stage == 0 {
        4
    } else {
        2
    }
}

/// The most of all the time tier 0 walks after its stage when two or more short (see
/// [`certify`]).
const TIER0_WALK: f64 = 0.1;

/// How long both cores walk before tier 0's own walk checks whether it has reached its
/// bound (see [`Search::walk_both`]).
const WALK_SLICE: std::time::Duration = std::time::Duration::from_millis(500);

/// How far the bundle method's first move goes, in multiplier units (a placement's worth
/// of a tier stage): with an earlier version of the method, 1 and 4 gave the national
/// tier-1 bound 547.0 and 547.5.
const BUNDLE_FIRST_STEP: f64 = 1.0;

/// The most of a stage's time its LP relaxation takes before its steps (the weight
/// stage's, when the search runs beside it: see [`PDHG_FIRST`] and [`LP_BESIDE`]).
const PDHG_SHARE: f64 = 0.3;

/// The part of the weight stage its LP runs before the search starts beside it: long
/// enough for duals that order the search's seeds (see `Search::order_by_shortfall`).
const PDHG_FIRST: f64 = 0.1;

/// How long, in parts of the weight stage, its LP runs beside the search before its
/// solution so far induces the neighbourhood at the tier bounds (see
/// [`Search::held_neighbourhood`]), and the most that neighbourhood then takes (until
/// [`LP_BESIDE`] at least): where the incumbent is short of the tier bounds at the
/// stage's start (at them, the column generation starts at once: see `certify`). On the
/// city round at 10 s a quarter is ~0.7 s of PDHG, and with the first part ~1 s (after
/// 0.3 s the neighbourhood held no matching at the bounds, after 0.6-1 s it did, found
/// in 0.5-1.5 s).
const HELD_FROM: f64 = 0.25;
const HELD_FOR: f64 = 0.35;

/// How much more than its stage, in parts of it, a tier stage before the last gives the
/// model of its weight LP's neighbourhood (see [`Search::held_neighbourhood`]); the
/// stages after it take less. The city's tier 1 needed 1.3-2.1 s of the model and had
/// ~1.6-1.8 s at 10 s. With the model on one core, tier 1 was left short in 2 of 6 runs;
/// on both, in none of 8, but 3 of them ended above 1e-4 (weight 405,906-406,258); with
/// half a stage more, every tier proven and gap 3.5e-5-5.4e-5 in each of 16.
const HELD_MORE: f64 = 0.5;

/// Until where in the weight stage its LP runs beside the search, when it does; its
/// steps and the search after them take the rest. Nationally the steps' repairs at the
/// LP's duals then raised the incumbent by 55-840 in 1.4-1.9 s (at 0.8 of the stage, the
/// search after them had little time left: weight gap 1.0e-4-2.5e-4 over 3 runs against
/// 0.88e-4-1.44e-4 at 0.6; two rounds of the LP and steps, at 0.45 and 0.8, 1.5e-4-1.8e-4;
/// with the search after the steps on both cores, 0.4 gave 0.86e-4-1.70e-4 over 4 runs, 2
/// within 1e-4, against 5 of 9 at 0.6).
const LP_BESIDE: f64 = 0.6;

/// How long an LP beside a model runs before it looks whether the model is done.
const LP_SLICE: std::time::Duration = std::time::Duration::from_millis(50);

/// The LP's primal weights (see `pdhg.rs`), measured nationally: on the count stages
/// 0.03 solved tier 1's LP in ~1,500 iterations, 0.01 in ~3,300, 0.1 and 0.3 not in
/// 5,000 (at 527.6 and 527.9), 1 not in 9,000 (527.8); on the weight stage 0.1 came
/// closest in 6,000 (relative to the LP 4.4e-4; 0.03: 1.7e-3, 0.3: 6.1e-4, 3: 2.1e-3).
const PDHG_COUNT_WEIGHT: f64 = 0.03;
const PDHG_WEIGHT_WEIGHT: f64 = 0.1;

/// Steps' time without repairing for each repair's (see [`Search::stage`]).
const REPAIR_REST: u32 = 5;

/// The least part of a stage (after the first) kept for its steps when the neighbourhood
/// search goes first.
const MIN_STEPS: f64 = 0.2;

/// What edge `e` is worth on stage `stage`'s scale: one for a match of the stage's tier,
/// its weight on the weight stage.
fn stage_objective(p: &Problem<'_>, stage: usize, stages: usize, e: usize) -> i128 {
    if stage < stages {
        i128::from(p.tier[p.edges[e].0] == stage)
    } else {
        i128::from(p.edges[e].2)
    }
}

/// Whether edge `e` takes part in stage `stage`: a tier's stage leaves out the lower
/// tiers' edges, which can only take room.
fn takes_part(p: &Problem<'_>, stage: usize, stages: usize, e: usize) -> bool {
    stage == stages || p.tier[p.edges[e].0] <= stage
}

/// Bounds every stage and searches for a matching that meets the bounds, until `deadline`.
/// `lp_duals_from`: the least time for a stage with which its LP relaxation proposes the
/// steps' multipliers first (see [`crate::optimize::Limits::lp_duals_min_stage_ms`]).
/// `start`: a matching within the caps (possibly empty) that the search begins from.
pub(crate) fn certify(p: &Problem<'_>, deadline: Instant, lp_duals_from: std::time::Duration, start: &[usize]) -> Certificate {
    // The weight stage's problem without the edges no matching at the tier bounds uses
    // (see `Search::restrict`): declared before the search, which borrows it.
    let restricted_parts = std::cell::OnceCell::new();
    let restricted = std::cell::OnceCell::new();
    // And without those the weight stage's prices exclude after its steps (`Search::cut`).
    let cut_parts = std::cell::OnceCell::new();
    let cut = std::cell::OnceCell::new();
    let mut s = Search::new(p);
    s.keep_if_better(start.to_vec());
    let stages = if p.tiered { p.n_tiers } else { 0 };
    let mut tier_bounds: Vec<i64> = Vec::new();
    // Carried from tier stage to tier stage: where the caps bind does not change much.
    let mut lambda = vec![0f64; p.caps.len()];
    // Without weights the weight stage is the empty sum: nothing to bound.
    let weightless = p.edges.iter().all(|e| e.2 == 0);
    let weight_stages = usize::from(!weightless);
    let mut steps_took = std::time::Duration::ZERO;
    // The weight LP a tier stage's neighbourhood ran with every tier held at its bound
    // (see `Search::held_neighbourhood`): the weight stage's own, which goes on from there.
    let mut weight_lp: Option<crate::pdhg::Pdhg> = None;
    // The next tier stage's LP, going on beside this stage's search from when this
    // stage's bound is known (see below).
    let mut ahead: Option<crate::pdhg::Beside> = None;
    for stage in 0..=stages {
        if stage == stages && weightless {
            return Certificate { tier_bounds, weight_bound: 0, best: s.best, assignments: s.assignments, step: s.costs.step };
        }
        let started = Instant::now();
        let left = deadline.saturating_duration_since(started);
        // Each stage gets an equal part of what the stages before it left.
        let share = left / (stages - stage + weight_stages).max(1) as u32;
        if stage == stages && stages > 0 {
            // Tier stages price a place in counts, the weight stage in weights.
            lambda.iter_mut().for_each(|l| *l = 0.0);
            if s.stage_value(&s.best, stage, stages, &tier_bounds).is_some() {
                s.restrict(&restricted_parts, &restricted);
            }
        }
        // The neighbourhood search is the primal side, exact over a few groups at a
        // time. Tier 0's stage leaves its time to its steps (and, once its LP is solved,
        // to the held models after them, below): a tier-0 bound is the
        // headline of an unproven round (with 30 % of it searching, the national tier-0
        // bound rose from 4,491 to 4,509, and searching before the steps changed the
        // incumbent the stage's repairs start from: the city's tier 0, proven in every
        // run otherwise, was left at 888 of 889 in 2 of 4). The later stages search
        // first, with all of their time but what the last stage's steps took (between a
        // fifth and half of it): their tiers above are where they are, and a stage's
        // steps cannot take less than a polish and one assignment (on the city round
        // ~200 ms, more than a fixed fifth of a stage). Only with tiers: the folded model
        // that solves the neighbourhoods counts the matches first.
        //
        // Except when the tiers above are one placement short of their bounds: then the
        // steps go first, holding those tiers at their bounds, and their repairs usually
        // place the last one (the city's tier 0 ended at 888 of 889 in 5 of 33 runs with
        // the search first, in none of 22 with the steps first); the search gets the
        // rest. Further short, the search places more (national tier 0: 4,485-4,486 with
        // the search first, 4,485 with the steps first). Two or more short, the gap is
        // the tiers above's and this stage's bound does not change it: its steps keep
        // only the least part (nationally, tier 0 ends its stage ~20 short; before the
        // walks, the search then placed 4,482-4,484 against 4,481-4,482 with up to half
        // of each later stage for its steps).
        let short: i64 = (0..stage).map(|t| (tier_bounds[t] - s.stage_value(&s.best, t, stages, &[]).unwrap_or(0)).max(0)).sum();
        let mut reserve = if short >= 2 { share.mul_f64(MIN_STEPS) } else { steps_took.min(share / 2).max(share.mul_f64(MIN_STEPS)) };
        // The weight stage's first step cannot be cut short and costs two to three times a
        // tier stage's (city: 100-130 ms against 50-60): with the tier stage's steps as
        // its measure, the round ended 40-100 ms past the certificate's deadline (up to
        // 2.03 s of 2 s); with twice a step kept, 30-60 ms, until the tier stages' steps
        // repaired less often and took less of their stage (then 45-90 ms past again).
        if stage == stages {
            reserve = reserve.max(s.costs.step * 3).min(share);
        }
        // A weight stage left no more than twice that reserve (the tier stages' held models
        // run past their shares) has its steps first, without what goes before them
        // otherwise, which does not stop mid-way (on the city round the tier above's
        // neighbourhoods 24-65 ms, the seeds' order by the LP's duals ~45 ms, the held
        // model's root 50-75 ms, the steps' start waiting 100-190 ms for them); the search
        // gets what they leave. The city round at 2 s, seeds 1-10, two passes: past 2 s in
        // 2 of 20 runs (at most 2.02 s) against 9 of 20 (up to 2.16 s); tier 1 and the
        // weight as before (99.10 against 99.05 and 396,287 against 394,512 on average).
        let steps_alone = p.tiered && stage > 0 && stage == stages && share <= reserve * 2;
        let search = p.tiered && stage > 0 && !steps_alone;
        // Not in the weight stage: there the held neighbourhood beside its LP places the
        // last one, and the column generation proves the weight from there (see below;
        // city at 10 s, seeds 1-10, two passes each: within 1e-4 in 8 and 7 of 10, against
        // 7 and 5 with the steps first, seed 4 among them).
        let steps_first = (search && short == 1 && stage < stages) || steps_alone;
        // The second core walks beside a tier stage, from where the stage starts, until the
        // stage ends (see `Search::helper`).
        let helper = s.helper(stage, stages, started + share);
        let stop = AtomicBool::new(false);
        let meeting = Meeting::new(p.n_tiers);
        let bound = std::thread::scope(|scope| {
            let helper = helper.map(|h| scope.spawn(|| h.run(&stop, &meeting)));
            // With seconds for the stage, its LP relaxation proposes the steps'
            // multipliers first (see `pdhg.rs`): its duals on the caps and held tiers are
            // the Lagrangian dual's optimum, which the steps approach slowly (nationally
            // the bundle left tier 1 at 545-550 after ~100 steps; the LP's duals give 527,
            // the optimum, in ~1,800 iterations, 1.5-1.7 s). When the LP is solved its bound
            // is the stage's in one step, and the search takes the rest of the stage
            // after it, as when the tiers above are one short. Tier 0's LP runs at any
            // size: its bound is the headline, and at city size, where the LP is mostly
            // solved in 70-170 ms of the stage's ~450, tier 0 was proven in 110 of 120 runs
            // on seeds 1-100 against 79 of 120 by the steps alone (their bound loose on
            // some, e.g. seed 7's 936 against the LP's 935; the search short of the bound
            // on others; tier 1 as before, 93.5 against 93.8 on seeds 41-100).
            let tier0_lp = stage == 0 && stages > 0;
            // An LP already under way goes on whatever the stage's share: the one run
            // ahead beside the stage before, or the weight LP of the last tier stage's
            // neighbourhood.
            let carried = ahead.take().map(crate::pdhg::Beside::take).or(weight_lp.take().filter(|_| stage == stages));
            let mut lp = carried.or_else(|| (share >= lp_duals_from || tier0_lp).then(|| s.stage_lp(stage, stages, &tier_bounds)));
            // The weight stage's LP goes on beside its search (below): here only long
            // enough to order the search's seeds; with its steps alone, to start them.
            let first = if stage == stages && (search || steps_alone) { PDHG_FIRST } else { PDHG_SHARE };
            let mut duals = lp.as_mut().map(|lp| lp.run(started + share.mul_f64(first)));
            let lp_solved = duals.as_ref().is_some_and(|d| d.solved);
            // A tier above still short of its LP's bound: the neighbourhoods around where
            // it falls short again first, from this stage's incumbent, for at most a tenth
            // of the stage (nationally tier 1 left at 526 by its stage, 527 in 81 ms).
            for (t, &bound) in tier_bounds.iter().enumerate().filter(|_| !steps_alone) {
                if s.stage_value(&s.best, t, stages, &[]).is_some_and(|v| v < bound) {
                    s.around(t, Instant::now() + share.mul_f64(AROUND_LATER));
                }
            }
            // The weight stage's large-neighbourhood search takes its seeds where the
            // incumbent falls short by the LP's (unsolved) duals first.
            if let (Some(d), true) = (&duals, stage == stages && !steps_alone) {
                s.order_by_shortfall(d);
            }
            let steps_first = steps_first || (p.tiered && lp_solved);
            if search && !steps_first {
                match lp.take().filter(|_| stage == stages) {
                    // The weight stage's second core is free (see `Search::helper`): its LP
                    // goes on there while the search runs here, and the steps start from
                    // where it got to; the search goes on after them (below). Column
                    // generation solves the LP (city: 0.5 s to 406,320.5, where PDHG had
                    // 406,358 after 9.6 s; national: 2.2-4.3 s to 2,187,838.5), the steps
                    // take its bound in one, and its solution induces the neighbourhood at
                    // the tier bounds (see `Search::held_neighbourhood`), where the optimum
                    // was found in 20-120 ms. It starts at once from an incumbent at the
                    // tier bounds: nationally at 20 s, proven optimal in 4 of 12 runs at
                    // 16.3-18.4 s, against 2 of 5 at 18.0 s after `HELD_FROM` of PDHG,
                    // whose solution then induced the neighbourhood first: no more often,
                    // but sooner. Short of the bounds, that neighbourhood goes first, as
                    // it usually places the rest.
                    Some(mut lp) => {
                        let until = started + share.mul_f64(LP_BESIDE);
                        let at_bounds = meets(p, &s.best, &tier_bounds);
                        // At the tier bounds the column generation starts at once (below),
                        // and its solution induces the held neighbourhood: no snapshot.
                        let snapshot = if at_bounds { Instant::now() } else { Instant::now() + share.mul_f64(HELD_FROM) };
                        let held_until = until.max(snapshot + share.mul_f64(HELD_FOR)).min(started + share.saturating_sub(reserve));
                        let (send, receive) = std::sync::mpsc::channel();
                        // Only from an incumbent at the tier bounds: from one short of them
                        // the masters took their shortfalls and grew slow (nationally,
                        // tier 1 two short, a master ran out of the 4.7 s left). Short of
                        // them here, the held neighbourhood (below) usually places the rest,
                        // and the column generation starts from there instead: nationally
                        // tier 1 was two short at the stage's start in 10 of 11 traced
                        // runs, at its bound after the neighbourhood in each of the 5 with
                        // this, and the LP then solved in 2.7-3.4 s. It may take until the
                        // steps' part of the stage (the search goes on meanwhile): until the
                        // neighbourhood's end, it was not solved in 2 of 3 such runs.
                        let columns_lp = s.stage_lp_of(stage, stages, &tier_bounds);
                        let incumbent = at_bounds.then(|| s.best.clone());
                        let (send_found, receive_found) = std::sync::mpsc::channel::<Option<Vec<usize>>>();
                        let columns_end = started + share.saturating_sub(reserve);
                        let beside = scope.spawn(move || {
                            lp.run(snapshot);
                            // The search waits for it unless it panicked.
                            let _ = send.send(lp.primal());
                            // Short of the bounds, PDHG goes on in slices until the search
                            // says what its held neighbourhood found (unless PDHG is solved
                            // first: then its duals are the LP's).
                            let incumbent = incumbent.or_else(|| loop {
                                match receive_found.try_recv() {
                                    Ok(found) => break found,
                                    Err(std::sync::mpsc::TryRecvError::Disconnected) => break None,
                                    Err(std::sync::mpsc::TryRecvError::Empty) if Instant::now() >= held_until => {
                                        break receive_found.recv().ok().flatten();
                                    }
                                    Err(std::sync::mpsc::TryRecvError::Empty) => {
                                        if lp.run((Instant::now() + LP_SLICE).min(held_until)).solved {
                                            break None;
                                        }
                                    }
                                }
                            });
                            // Then by column generation from where it got to (see
                            // `colgen.rs`); where that is not done in time, PDHG goes on.
                            let bound_at = |lambda: &[f64], mu: &[f64]| weight_bound_at(p, &columns_lp, lambda, mu);
                            let columns = incumbent.and_then(|incumbent| {
                                crate::colgen::solve(&columns_lp, &columns_from(&lp, &incumbent), columns_end, Some(&bound_at))
                            });
                            match columns {
                                Some(c) if c.duals.solved => (c.duals, c.x, true),
                                _ => (lp.run(until), lp.primal(), false),
                            }
                        });
                        s.neighbourhoods(snapshot, None, None);
                        if let (Ok(x), false) = (receive.recv(), at_bounds) {
                            s.held_neighbourhood_from(&x, &tier_bounds, None, held_until);
                        }
                        if !at_bounds {
                            let _ = send_found.send(meets(p, &s.best, &tier_bounds).then(|| s.best.clone()));
                        }
                        s.neighbourhoods(until, None, None);
                        // The search goes on while the column generation does.
                        while !beside.is_finished() && Instant::now() < columns_end {
                            s.neighbourhoods((Instant::now() + LP_SLICE).min(columns_end), None, None);
                        }
                        let (lp_duals, lp_x, solved) = beside.join().expect("the LP does not panic");
                        // The LP solved: the neighbourhood its solution induces at the tier
                        // bounds (city: 406,311 to 406,312, HiGHS' optimum, in 22 ms). Not
                        // solved, PDHG's, where none was searched before.
                        if solved || at_bounds {
                            s.held_neighbourhood_from(&lp_x, &tier_bounds, None, started + share.saturating_sub(reserve));
                        }
                        duals = Some(lp_duals);
                    }
                    None => s.neighbourhoods(started + share.saturating_sub(reserve), (stage < stages).then_some(stage), None),
                }
            }
            let steps_began = Instant::now();
            // Tier 0's bound is the headline of an unproven round. When its incumbent ends
            // the stage more than one short of it, the bound is likely loose too, and the
            // steps go on for a fifth more of the time (the city's tier 0 ends one short of
            // an exact bound and does not; nationally, 20-27 short, the bound came down
            // from 4,493 to 4,487, HiGHS' optimum). They go on where they are: started
            // again from the best multipliers, the first steps climbed back from 4,499, and
            // tier 0 was left unproven in 5 of 5 runs (in 1 of 2 going on, in none with
            // the closing below limited too).
            let more = (stage == 0 && stages > 0).then(|| (started + share + left.mul_f64(TIER0_MORE)).min(deadline));
            let weight_search = search && stage == stages;
            let last_duals = if weight_search { duals.clone() } else { None };
            let bound = s.stage(
                stage,
                stages,
                &tier_bounds,
                Start { lambda: &mut lambda, lp: duals },
                if steps_first { started + reserve } else { started + share },
                more,
            );
            steps_took = steps_began.elapsed();
            if stage < stages {
                meeting.ask(&tier_bounds.iter().copied().chain([bound]).collect::<Vec<_>>());
            }
            // The next tier stage's LP needs only the bounds so far: with this stage's LP
            // solved its bound is known now, and the next LP runs beside the rest of the
            // stage (its search, the helper's walk), until the next stage takes it up
            // (see `Pdhg::beside`). The city's tier LPs take ~45 ms, ~450 ms and ~1 s on
            // one core (tier 2's held at tier 1's bound), nationally ~0.2, 0.9 and 1.9 s.
            // City at 6 s, seeds 1-10, two passes: every tier proven in 13 of 20 runs, 7 of
            // 20 on the build before (at 10 s no difference: 27 of 30 either way).
            if stage + 1 < stages && lp_solved {
                let held: Vec<i64> = tier_bounds.iter().copied().chain([bound]).collect();
                ahead = Some(s.stage_lp(stage + 1, stages, &held).beside(deadline));
            }
            // The weight LP not beside the search (its steps went first): the
            // neighbourhood at the tier bounds from its solution after the steps, with the
            // stage but a tenth (at 20 s, the tiers above one short: from 403,587 with the
            // tier bounds unmet to 406,295 at them in 0.47 s).
            if let (Some(lp), true) = (&lp, weight_search) {
                let end = started + share;
                if Instant::now() + share / 10 < end {
                    s.held_neighbourhood_from(&lp.primal(), &tier_bounds, None, end - share / 10);
                }
            }
            // The search after the weight stage's steps goes on without the edges their
            // best prices exclude (see `Search::cut`): its neighbourhoods, sized by their
            // edges, then hold more groups. Nationally the weight ended at
            // 2,187,670-2,187,838 (the optimum in 17) in the 44 of 47 runs that ended
            // within 1e-4, every tier proven, against 2,187,529-2,187,813 in 14 without
            // (10 of them within 1e-4).
            if weight_search {
                s.cut(stages, &tier_bounds);
                s.restrict(&cut_parts, &cut);
            }
            // Still two or more short, tier 0 walks on its count alone (see `Search::walk`)
            // for up to a tenth of the time, after the helper's join and from the better
            // incumbent (see `Search::walk_both`). One short, as the city's, the next
            // stage's steps go first instead (see above). With one tier alone, what its
            // stage leaves goes to branch and bound, whose bound is the better one there
            // (the replay's hindsight, before the LP's duals: at most 1,209, 1,308 after a walk).
            let tier0_walk = stage == 0 && stages > 1 && s.stage_value(&s.best, 0, stages, &[]).is_some_and(|v| v + 1 < bound);
            // The weight stage searches on after its steps, which end when they stop
            // improving (nationally after ~1.5 s, with up to 40 % of the stage left), from
            // their better incumbent and seeded where it falls short by the later duals.
            if let Some(d) = &last_duals {
                s.order_by_shortfall(d);
            }
            // A tier stage whose LP was solved and whose steps left it, or a tier above,
            // short of the bound: the neighbourhoods the LP's solution induces, with what
            // is left of the stage (see `relaxation.rs`). First a weight LP's, with the
            // tiers so far held at their bounds; when that has nothing, the stage's own, on
            // the counts. On the city round at 10 s the first took tier 1 from 104 after
            // the steps to 113 (the weight ~406,354) where it found a matching in its
            // time, and the round ended at 889 / 113 / 10 in each of 16 runs; the second
            // alone placed 110-113, the tier 2 stage's repairing the rest in some.
            // Nationally the weight LP's solution takes more edges than a neighbourhood may
            // have (12,000-18,000 after its quarter of PDHG): the first keeps those it
            // takes most of (see `relaxation::improve_held`), and the second passes.
            // Tier 0's stage too, since stop 34 (before, its search went on alone after its
            // steps): nationally at 20 s it ended at 4,487, its bound, in 5 of 5 runs (4 of
            // 5 without), in ~4.5 s where without it it ran 5.5-6.9 s (traced); the
            // city at 2 s, seeds 1-10, two passes: tier 0 proven in 19 of 20 runs (16 of
            // 20), and tier 1 higher in 15, lower in 4 (2.3 more a run). At 60 s the
            // national round was proven in 49.8-56.7 s over 4 runs (50.4-57.6 s without):
            // within the spread.
            if let (Some(lp), true) = (&lp, stage < stages && lp_solved) {
                let end = started + share;
                let short = (0..=stage).any(|t| {
                    let bound = tier_bounds.get(t).copied().unwrap_or(bound);
                    s.stage_value(&s.best, t, stages, &[]).is_some_and(|v| v < bound)
                });
                // Not with less than a tenth of the stage left: the model's root LP alone
                // takes ~600 ms on the city's neighbourhoods.
                let x = lp.primal();
                if short && Instant::now() + share / 10 < end {
                    let held: Vec<i64> = tier_bounds.iter().copied().chain([bound]).collect();
                    // The second core's walk ends: the model runs there too (see
                    // `Search::held_neighbourhood`), or, at the last tier stage, the LP,
                    // the weight stage's own, goes on there. Before the last, the model
                    // may take half a stage more (see `HELD_MORE`).
                    let last = held.len() == stages;
                    stop.store(true, Ordering::Relaxed);
                    let held_end = if last { end } else { (end + share.mul_f64(HELD_MORE)).min(deadline) };
                    let (found, lp) = s.held_neighbourhood(stage, stages, &held, held_end, last);
                    weight_lp = last.then_some(lp);
                    if !found && Instant::now() + share / 10 < end {
                        s.relaxation_neighbourhood(stage, &x, end);
                    }
                }
            }
            if weight_search {
                s.neighbourhoods_on_both(started + share, &tier_bounds, bound);
            } else if steps_first {
                // A tier stage ends once its incumbent meets every tier's bound so far: its
                // search is then on the weights alone, which the weight stage's, seeded by
                // the weight LP's duals, does better (see `Search::neighbourhoods`). Or once
                // the helper's does, or the two merged (see `Meeting`).
                let bounds: Vec<i64> = tier_bounds.iter().copied().chain([bound]).collect();
                let tier_stage = (stage < stages).then_some(stage);
                let (seen, merged) = (std::cell::Cell::new(0), std::cell::RefCell::new(None));
                let done = |m: &[usize]| {
                    if meets(p, m, &bounds) || meeting.met.load(Ordering::Relaxed) || merged.borrow().is_some() {
                        return true;
                    }
                    *merged.borrow_mut() = meeting.merged_with_shown(p, m, &bounds, &seen);
                    merged.borrow().is_some()
                };
                s.neighbourhoods(started + share, tier_stage, tier_stage.map(|_| &done as _));
                if let Some(m) = merged.take() {
                    s.keep_if_better(m);
                }
            }
            // The stage may end early (its bound met, or its steps found no way down): the
            // helper ends with it, and the time left goes on.
            stop.store(true, Ordering::Relaxed);
            if let Some(h) = helper {
                s.absorb(h.join().expect("a helper walk does not panic"));
            }
            if tier0_walk {
                s.walk_both(0, bound, (Instant::now() + left.mul_f64(TIER0_WALK)).min(deadline));
            }
            bound
        });
        if stage < stages {
            tier_bounds.push(bound);
        } else {
            return Certificate { tier_bounds, weight_bound: bound, best: s.best, assignments: s.assignments, step: s.costs.step };
        }
    }
    unreachable!("the loop returns at the weight stage")
}

/// The edges column generation starts from (see `colgen.rs`): the incumbent's, and the
/// [`COLUMNS`] of the highest reduced cost at the LP's duals so far.
fn columns_from(lp: &crate::pdhg::Pdhg, incumbent: &[usize]) -> Vec<usize> {
    let reduced = lp.reduced_costs();
    let mut order: Vec<(f64, usize)> = reduced.iter().enumerate().filter_map(|(e, r)| r.map(|r| (r, e))).collect();
    order.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let columns = COLUMNS.max(order.len() / COLUMNS_PART);
    let mut start: Vec<usize> = order.iter().take(columns).map(|&(_, e)| e).chain(incumbent.iter().copied()).collect();
    start.sort_unstable();
    start.dedup();
    start
}

/// How many edges of the highest reduced cost column generation starts from: at least
/// [`COLUMNS`], at least a [`COLUMNS_PART`]th of the stage's. A twentieth since its
/// masters take the relaxed matching's edges (see `colgen.rs`), which grow them little:
/// nationally from a tenth, four masters of 22,702-23,184 edges, as slow as before; from
/// a fortieth, seven of 7,051-11,446 (2.9-3.5 s, but the city's eight took 1.41 s).
const COLUMNS: usize = 4_000;
const COLUMNS_PART: usize = 20;

/// Where a stage's multipliers start (see [`Search::stage`]): the caps' prices carried
/// from the stage before (left at this stage's best on return), or its LP relaxation's
/// duals where it ran.
struct Start<'l> {
    lambda: &'l mut [f64],
    lp: Option<crate::pdhg::Duals>,
}

/// A walk on the second core (see [`Search::helper`]).
struct Helper<'p, 'a> {
    search: Search<'p, 'a>,
    walk_stage: usize,
    until: Instant,
}

impl<'p, 'a> Helper<'p, 'a> {
    /// Walks until its time is up (a walk that gives up starts again from where it
    /// ended, with new random choices), or until its incumbent meets the bounds the stage
    /// asks for (`meeting`, which it then tells), and returns its search. Each matching
    /// its walks reach that beats the last it showed, it shows the stage.
    fn run(mut self, stop: &AtomicBool, meeting: &Meeting) -> Search<'p, 'a> {
        let s = &mut self.search;
        if s.best.is_empty() {
            s.repair(&[]);
        }
        let shape = s.shape();
        let p = s.p;
        let shown = std::cell::Cell::new(s.best_value);
        let met = |m: &[usize]| {
            let value: i128 = m.iter().map(|&e| p.folded[e]).sum();
            if value > shown.get() {
                shown.set(value);
                meeting.show(m);
            }
            meeting.is_met_by(p, m)
        };
        // A walk ends with a fill (on the city round 15-45 ms): it starts in time for the
        // last one to end with the stage, which would otherwise wait for it.
        while Instant::now() + s.costs.fill < self.until && !stop.load(Ordering::Relaxed) {
            if met(&s.best) {
                meeting.met.store(true, Ordering::Relaxed);
                break;
            }
            s.walk(&shape, self.walk_stage, self.until - s.costs.fill, Some(stop), Some(&met));
        }
        self.search
    }
}

/// What a tier stage and its helper share: the bounds the stage's steps found, whether
/// the helper's incumbent meets them, and the best its walks have shown. The stage ends
/// once its own incumbent, the helper's, or the two merged (see `merge.rs`) meet them;
/// the join takes the helper's in. Before, only the stage's own ended it, and only the
/// join merged the two: in two traced national runs at 60 s that merge placed tier 0's
/// last one at the end of a stage whose search had run on to it without it. Measured
/// nationally it fires seldom: the merge during the stage ended tier 2's stage in 1 of 6
/// traced runs at 20 s (that run proven optimal in 16.8 s), the helper alone met a
/// stage's bounds in none; so it is there for the runs where it does, not for a speed
/// seen on average.
struct Meeting {
    /// Per tier, the least count asked for: none can be met until the steps have their
    /// bound (`i64::MAX`); the tiers below the stage ask nothing.
    bounds: Vec<AtomicI64>,
    met: AtomicBool,
    /// The best matching the helper's walks have shown, and how many it has shown.
    shown: std::sync::Mutex<(u64, Vec<usize>)>,
}

impl Meeting {
    fn new(n_tiers: usize) -> Self {
        Meeting {
            bounds: (0..n_tiers).map(|_| AtomicI64::new(i64::MAX)).collect(),
            met: AtomicBool::new(false),
            shown: std::sync::Mutex::new((0, Vec::new())),
        }
    }

    /// Shows the stage a better matching of the helper's.
    fn show(&self, matching: &[usize]) {
        if let Ok(mut last) = self.shown.lock() {
            *last = (last.0 + 1, matching.to_vec());
        }
    }

    /// `matching` merged with what the helper has shown since the `seen`th (either way
    /// round), where that meets `bounds`; `seen` moves on to what it has shown.
    fn merged_with_shown(&self, p: &Problem<'_>, matching: &[usize], bounds: &[i64], seen: &std::cell::Cell<u64>) -> Option<Vec<usize>> {
        let shown = self.shown.lock().ok()?;
        if shown.0 == seen.get() {
            return None;
        }
        seen.set(shown.0);
        let shape = crate::merge::Shape { n_left: p.n_left, edges: p.edges, group_of: p.group_of, caps: p.caps };
        [crate::merge::merge(&shape, matching, &shown.1, p.folded), crate::merge::merge(&shape, &shown.1, matching, p.folded)]
            .into_iter()
            .find(|m| meets(p, m, bounds))
    }

    /// Asks for `bounds`, the stage's and those of the tiers above it.
    fn ask(&self, bounds: &[i64]) {
        for (t, b) in self.bounds.iter().enumerate() {
            b.store(bounds.get(t).copied().unwrap_or(i64::MIN), Ordering::Relaxed);
        }
    }

    /// Whether `matching` holds the counts asked for.
    fn is_met_by(&self, p: &Problem<'_>, matching: &[usize]) -> bool {
        meets(p, matching, &self.bounds.iter().map(|b| b.load(Ordering::Relaxed)).collect::<Vec<_>>())
    }
}

#[derive(Clone)]
struct Search<'p, 'a> {
    p: &'p Problem<'a>,
    /// All edges, best folded weight first: the greedy fill's order.
    order: Vec<usize>,
    best: Vec<usize>,
    best_value: i128,
    assignments: usize,
    /// Edges worth taking (positive folded weight).
    usable: Vec<bool>,
    /// The lowest tier the repair places more of: the stage's; none in the weight stage
    /// once the tiers are where they are held.
    max_tier: Option<usize>,
    /// The group the next neighbourhood search starts from.
    next_seed: usize,
    costs: Costs,
    /// Edges in no matching that meets the stage bounds (by their reduced costs, where a
    /// stage's LP was solved): the walks do not count them. A copy for the second core
    /// (`helper`) keeps those known when it was made.
    excluded: Vec<bool>,
    /// The solved LP's prices at its step (see `Search::stage`): per left node and per
    /// group, in the stage's units of `1/scale`.
    prices: Vec<Prices>,
    /// The order in which the large-neighbourhood search takes its seed groups, where
    /// not by index (see `Search::order_by_shortfall`).
    seed_order: Option<Vec<usize>>,
    /// The weight stage's bound at its best multipliers and every edge's reduced cost
    /// there (see [`Search::cut`]).
    weight_prices: Option<WeightPrices>,
}

/// A bound on the weight stage and, per edge, how much less any matching that uses the
/// edge can be worth (in the stage's units of `1/scale`; see [`Search::cut`]).
#[derive(Clone)]
struct WeightPrices {
    bound: i128,
    reduced: Vec<i128>,
}

/// A solved stage LP's prices at its step (see `Search::stage`), in its units of
/// `1/scale`, and the bound they give (see `Search::around`).
#[derive(Clone)]
struct Prices {
    stage: usize,
    bound: i64,
    /// Per left node.
    left: Vec<i128>,
    /// Per right node.
    right: Vec<i128>,
    /// Per group.
    group: Vec<i128>,
    /// Per held tier.
    held: Vec<i128>,
}

/// How long the stage's parts took the last time: a part that would end past its time
/// does not start (on the city round a polish or a step takes 50-100 ms, more than some
/// stages have left).
#[derive(Default, Clone)]
struct Costs {
    polish: std::time::Duration,
    step: std::time::Duration,
    close: std::time::Duration,
    /// Repairing a relaxed matching into a feasible one.
    repair: std::time::Duration,
    /// A walk's fill at its end.
    fill: std::time::Duration,
}

impl<'p, 'a> Search<'p, 'a> {
    fn new(p: &'p Problem<'a>) -> Self {
        let mut order: Vec<usize> = (0..p.edges.len()).filter(|&e| p.folded[e] > 0).collect();
        order.sort_by_key(|&e| (Reverse(p.folded[e]), e));
        let usable = p.folded.iter().map(|w| *w > 0).collect();
        Search {
            p,
            order,
            best: Vec::new(),
            best_value: 0,
            assignments: 0,
            usable,
            max_tier: Some(p.n_tiers),
            next_seed: 0,
            costs: Costs::default(),
            excluded: vec![false; p.edges.len()],
            prices: Vec::new(),
            seed_order: None,
            weight_prices: None,
        }
    }

    /// The stage's objective of a feasible matching, or None when it misses a held tier.
    fn stage_value(&self, edges: &[usize], stage: usize, stages: usize, held: &[i64]) -> Option<i64> {
        stage_value(self.p, edges, stage, stages, held)
    }

    /// Bounds one stage; returns the floor of the best `L`. With `more`, the steps go on
    /// until then when at `until` the incumbent is two or more short of the bound.
    fn stage(&mut self, stage: usize, stages: usize, held: &[i64], start: Start<'_>, mut until: Instant, mut more: Option<Instant>) -> i64 {
        let Start { lambda, lp } = start;
        let p = self.p;
        let scale = if stage < stages { TIER_SCALE } else { WEIGHT_SCALE };
        self.max_tier =
            if stage < stages { Some(stage) } else { self.stage_value(&self.best, stage, stages, held).is_none().then_some(p.n_tiers) };
        let objective = |e: usize| stage_objective(p, stage, stages, e);
        // The best matching so far meets the stages above: place more of this one's
        // tier in it first, around everyone it holds.
        self.repair(&self.best.clone());
        // A part of the stage's time polishes the incumbent first, and a part is kept to
        // polish what the steps found at the end. Small: the steps make the bound (15 %
        // each left the national tier-0 bound at 4,496 instead of 4,489).
        let polish = 0.05;
        let share = until.saturating_duration_since(Instant::now());
        // The steps leave the end its polish: at least what a polish takes.
        let end_polish = |until: Instant, polish_took| until.checked_sub(share.mul_f64(polish).max(polish_took)).unwrap_or(until);
        let mut steps_until = end_polish(until, self.costs.polish);
        // The first step is not skipped (without it there is no bound): the first polish
        // leaves it its time (the city's weight stage had ended 45-80 ms late).
        let first_step = steps_until.checked_sub(self.costs.step).unwrap_or(steps_until);
        self.polish_within((Instant::now() + share.mul_f64(polish)).min(first_step));
        // A tier's stage leaves out the lower tiers' edges: they can only take room.
        // Nor do the edges an earlier stage excluded: this one holds its tier at its bound.
        let active: Vec<bool> = (0..p.edges.len()).map(|e| takes_part(p, stage, stages, e) && !self.excluded[e]).collect();
        // The volume algorithm (Barahona and Anbil): the direction is the average of the
        // relaxed matchings' loads, not the last one's, which at a degenerate point (many
        // equally good matchings, as counts have) swings from one to another; steps from
        // the best point so far, which moves only when L improves.
        // A held tier's match starts out worth what a match of this stage is worth at
        // most: the held tiers' edges take part from the first matching on.
        let most = if stage < stages { 1.0 } else { p.edges.iter().map(|e| e.2).max().unwrap_or(0).max(1) as f64 };
        let mut mu = vec![most; held.len()];
        // Multipliers from the stage's LP relaxation, where it ran (see `certify`): when
        // it was solved no multipliers do better, and one step takes its bound.
        let mut lp_solved = false;
        if let Some(d) = lp {
            lambda.copy_from_slice(&d.lambda);
            mu = d.mu;
            lp_solved = d.solved;
        }
        let mut best_l = i128::MAX;
        let mut best_point = (lambda.to_vec(), mu.clone());
        let mut avg_load = vec![0f64; p.caps.len()];
        let mut avg_count = vec![0f64; p.n_tiers];
        // Each step changes the weights a little: the assignment starts from the last.
        let mut warm = Warm::preferring_free(&Sparse { n_right: p.n_right, adj: p.adj });
        let mut factor = 0.1f64;
        // The later tier stages' multipliers move by a proximal bundle method first (see
        // `bundle.rs`), and by the volume algorithm from its best point once it stalls.
        // Nationally the volume algorithm alone left tier 1's bound at 615, at 583-595 with
        // nearly all of the stage for its steps (HiGHS' LP and optimum: 527), the bundle at
        // 545-550; tier 2's at 156-162 and 137-148. On tier 0 the bundle is faster at first
        // (4,488.7 after 100 steps, against 4,513) but stalls at 4,487.82, where the volume
        // algorithm reaches 4,487.05: its proof would hang on a margin of 0.18.
        let mut bundle = (stage > 0 && stage < stages).then(Bundle::new);
        let mut first_l = i128::MAX;
        let mut misses = 0;
        let mut last_close = Instant::now();
        let mut last_repair = Instant::now();
        let mut weight = vec![0i128; p.edges.len()];
        let mut allowed = vec![false; p.edges.len()];
        // Ties between equal stage values break towards the heavier edge.
        let tie = 2 * p.edges.iter().map(|e| i128::from(e.2).abs()).max().unwrap_or(0) + 1;
        for iteration in 0.. {
            // A step is not interrupted: none starts that would end past the stage's
            // steps, judged by the last one.
            if iteration > 0 && Instant::now() + self.costs.step >= steps_until {
                let short = self.stage_value(&self.best, stage, stages, held).is_none_or(|v| v + 1 < best_l.div_euclid(scale) as i64);
                match more.take() {
                    // Going on, not starting again: the volume algorithm's averages and
                    // step size are where a new start would take many steps to return to.
                    Some(later) if short => {
                        until = later;
                        steps_until = end_polish(until, self.costs.polish);
                        continue;
                    }
                    _ => break,
                }
            }
            let step_began = Instant::now();
            let priced = Priced::at(lambda, &mu, scale);
            for e in 0..p.edges.len() {
                weight[e] = priced.weight(p, e, scale * objective(e));
                allowed[e] = active[e] && weight[e] > 0;
            }
            self.assignments += 1;
            let m = warm.solve(&Sparse { n_right: p.n_right, adj: p.adj }, &weight, &allowed);
            let chosen: Vec<usize> = m.edge_of_left.iter().flatten().copied().collect();
            let l = m.value + priced.constant(p.caps, held);
            if lp_solved && iteration == 0 && stage < stages {
                // A matching that uses an edge is worth at most L less the edge's reduced
                // cost (see `Warm::reduced_costs`), so an edge whose reduced cost is more
                // than L exceeds the bound by is in no matching that reaches the bound.
                // Only where the LP is solved: its bound is then the LP's, the optimum
                // where the LP is tight (nationally on every tier); where it is not, the
                // walks are led towards a bound no matching reaches, and only they: the
                // bounds and the incumbent's measure are untouched. Nationally 50,000 of
                // tier 1's ~99,000 edges and 7,400 of tier 0's.
                let slack = l - l.div_euclid(scale) * scale;
                let rc = warm.reduced_costs(&Sparse { n_right: p.n_right, adj: p.adj }, &weight, &allowed);
                for e in (0..p.edges.len()).filter(|&e| allowed[e] && rc[e] > slack) {
                    self.excluded[e] = true;
                }
                // Each client's price: the least that covers its edges at the dwellings'
                // prices. With the LP's duals, a priced client is matched and a priced
                // group full in every matching that reaches an LP bound the optimum
                // meets (complementary slackness): where the incumbent is not, it falls
                // short (see `Search::around`).
                let (left, right) = warm.prices(&Sparse { n_right: p.n_right, adj: p.adj }, &weight, &allowed);
                self.prices.push(Prices {
                    stage,
                    bound: l.div_euclid(scale) as i64,
                    left,
                    right,
                    group: priced.lam.clone(),
                    held: priced.mu.clone(),
                });
            }
            let mut load = vec![0f64; p.caps.len()];
            let mut count = vec![0f64; p.n_tiers];
            for &e in &chosen {
                if let Some(g) = p.group_of[e] {
                    load[g] += 1.0;
                }
                count[p.tier[p.edges[e].0]] += 1.0;
            }
            let alpha = if iteration == 0 { 1.0 } else { 0.1 };
            for (a, x) in avg_load.iter_mut().zip(&load).chain(avg_count.iter_mut().zip(&count)) {
                *a = alpha * x + (1.0 - alpha) * *a;
            }
            let improved = l < best_l;
            // The weight stage's best prices exclude edges for the search after it (see
            // `Search::cut`).
            if improved && stage == stages {
                let prices = warm.prices(&Sparse { n_right: p.n_right, adj: p.adj }, &weight, &allowed);
                self.weight_prices = Some(weight_prices(p, &prices, &weight, &active, l - m.value));
            }
            if iteration == 0 {
                first_l = l;
            }
            // Thirty steps and never below where it started: the averaged directions do
            // not find the way down here (it happens when the first stage's unpriced
            // matching is far from what the caps allow); the time is left to the search.
            if iteration >= 30 && best_l == first_l {
                break;
            }
            if improved {
                best_l = l;
                best_point = (lambda.to_vec(), mu.clone());
                misses = 0;
                factor = (factor * 1.1).min(2.0);
            } else {
                misses += 1;
                if misses >= 10 {
                    factor *= 0.66;
                    misses = 0;
                }
            }
            let assigned = step_began.elapsed();
            // Repairing takes at most a sixth of the steps' time: nationally it cost
            // three times the assignment (~45 ms against ~15) on every step. Limited,
            // tier 0's steps reach 4,487.07 instead of 4,487.72 (630 steps against 300:
            // its proof no longer hangs on this machine's speed of the day) and tier 1's
            // bound 667-674 instead of 722-733; the incumbents the walks start from are
            // as good (national tier 1 at 523-525, city 108.1 against 108.3 over 10 runs).
            if iteration == 0 || last_repair.elapsed() >= self.costs.repair * REPAIR_REST {
                let began = Instant::now();
                self.repair(&chosen);
                self.costs.repair = began.elapsed();
                last_repair = Instant::now();
            }
            // A step's measure is the one that repairs.
            self.costs.step = assigned + self.costs.repair;
            // Closing takes at most half the steps' time: it costs 3-4 steps (nationally
            // ~200 ms against ~55) and ran on most improving steps, which left tier 0's
            // bound at 4,488; with this it reaches 4,487 (2 of 2 runs, with the steps
            // going on above), and the city's tier 1 is as good (108.6 against 108.2
            // over 10 runs each).
            let rested = last_close.elapsed() >= self.costs.close;
            if improved && rested && Instant::now() + self.costs.close < steps_until {
                let began = Instant::now();
                self.close_and_resolve(&weight, tie, &allowed);
                self.costs.close = began.elapsed();
                last_close = Instant::now();
            }
            let bound = best_l.div_euclid(scale) as i64;
            let reached = self.stage_value(&self.best, stage, stages, held);
            if reached.is_some_and(|v| v >= bound) || factor < 1e-5 || lp_solved {
                break;
            }
            if let Some(b) = bundle.as_mut() {
                // The point as evaluated (on the multipliers' grid), and its subgradient:
                // each cap less its load, each held tier's count less its bound.
                let y: Vec<f64> = priced.lam.iter().chain(&priced.mu).map(|x| *x as f64 / scale as f64).collect();
                let slope: Vec<f64> = p
                    .caps
                    .iter()
                    .zip(&load)
                    .map(|(c, l)| *c as f64 - l)
                    .chain(held.iter().enumerate().map(|(r, b)| count[r] - *b as f64))
                    .collect();
                if let Some(next) = b.next(&y, l as f64 / scale as f64, &slope, BUNDLE_FIRST_STEP) {
                    lambda.copy_from_slice(&next[..lambda.len()]);
                    mu.copy_from_slice(&next[lambda.len()..]);
                    continue;
                }
                // Stalled: the volume algorithm goes on from the best point, its average
                // and step size from here.
                bundle = None;
                avg_load.copy_from_slice(&load);
                avg_count.copy_from_slice(&count);
                factor = 0.1;
                misses = 0;
            }
            // A group over its cap on average raises its price, a held tier short of its
            // bound on average raises its reward.
            let d_lambda: Vec<f64> = avg_load.iter().zip(p.caps).map(|(l, c)| l - *c as f64).collect();
            let d_mu: Vec<f64> = held.iter().enumerate().map(|(r, b)| *b as f64 - avg_count[r]).collect();
            // Only what can move: a price at zero is not lowered.
            let (bl, bm) = &best_point;
            let norm: f64 =
                d_lambda.iter().zip(bl).chain(d_mu.iter().zip(bm)).filter(|(d, x)| **d > 0.0 || **x > 0.0).map(|(d, _)| d * d).sum();
            if norm < 1e-12 {
                break;
            }
            let l_best = best_l as f64 / scale as f64;
            // Aim at the best matching's stage value, even when it misses a held tier.
            let found = self.stage_value(&self.best, stage, stages, &[]).unwrap_or(0) as f64;
            // A target far below (the matching found is poor) would step far past the
            // minimum: aim at most 5 % down.
            let target = found.max(l_best - l_best.abs() * 0.05).min(l_best - 1.0 / scale as f64 - l_best.abs() * 1e-3);
            let step = factor * (l_best - target) / norm;
            for ((x, d), b) in lambda.iter_mut().zip(&d_lambda).zip(bl) {
                *x = (b + step * d).max(0.0);
            }
            for ((x, d), b) in mu.iter_mut().zip(&d_mu).zip(bm) {
                *x = (b + step * d).max(0.0);
            }
        }
        lambda.copy_from_slice(&best_point.0);
        let bound = best_l.div_euclid(scale) as i64;
        if self.stage_value(&self.best, stage, stages, held).is_none_or(|v| v < bound) {
            self.polish_within(until);
        }
        bound
    }

    /// The stage's LP relaxation, for its duals on the caps and held tiers (see `pdhg.rs`).
    fn stage_lp(&self, stage: usize, stages: usize, held: &[i64]) -> crate::pdhg::Pdhg {
        let lp = self.stage_lp_of(stage, stages, held);
        let weight = if stage < stages { PDHG_COUNT_WEIGHT } else { PDHG_WEIGHT_WEIGHT };
        crate::pdhg::Pdhg::new(&lp, weight)
    }

    /// The stage's LP relaxation: its edges taking part, not excluded, at their objective.
    fn stage_lp_of<'h>(&self, stage: usize, stages: usize, held: &'h [i64]) -> crate::pdhg::StageLp<'h>
    where
        'a: 'h,
    {
        let p = self.p;
        p.lp(
            held,
            (0..p.edges.len())
                .map(|e| (takes_part(p, stage, stages, e) && !self.excluded[e]).then(|| stage_objective(p, stage, stages, e) as f64))
                .collect(),
        )
    }

    /// Polishes (see [`Search::polish`]) when the last polish would end by `until`.
    fn polish_within(&mut self, until: Instant) {
        let began = Instant::now();
        if began + self.costs.polish < until {
            self.costs.polish = self.polish(until);
        }
    }

    /// The best matching under the incumbent's allocation of grouped right nodes (see
    /// `allocate.rs`), improved by moving right nodes between groups until `until`, then
    /// filled and augmented; again while that improves it. Returns what its first round
    /// took besides moving right nodes: a polish moves them while that improves, until
    /// its time is up, so how long one took says how much it found, not what the next
    /// needs (nationally, after tier 0's stage, one went on for 4-6 s, and every later
    /// stage kept that much for its last polish, ending its steps seconds early).
    fn polish(&mut self, until: Instant) -> std::time::Duration {
        let p = self.p;
        let usable = self.usable.clone();
        let shape = crate::allocate::Shape {
            n_right: p.n_right,
            edges: p.edges,
            group_of: p.group_of,
            caps: p.caps,
            weight: p.folded,
            usable: &usable,
            adj: p.adj,
        };
        let max_tier = self.max_tier.unwrap_or(p.n_tiers);
        let mut first: Option<std::time::Duration> = None;
        while Instant::now() < until {
            let before = self.best_value;
            let began = Instant::now();
            let Some(mut allocator) = crate::allocate::Allocator::new(&shape, &self.best) else { break };
            let set_up = began.elapsed();
            let matching = allocator.improve(p.tier, max_tier, until);
            let filling = Instant::now();
            let mut load = vec![0i64; p.caps.len()];
            for &e in &matching {
                if let Some(g) = p.group_of[e] {
                    load[g] += 1;
                }
            }
            self.fill_and_keep(matching, load);
            first.get_or_insert(set_up + filling.elapsed());
            if self.best_value <= before {
                break;
            }
        }
        first.unwrap_or_default()
    }

    /// Re-solves the incumbent a few groups at a time (`neighbourhood.rs`) until `until`,
    /// or until it is `done` (in a tier stage, only up to the end of its walk; see
    /// `certify`).
    fn neighbourhoods(&mut self, until: Instant, tier_stage: Option<usize>, done: Option<&Done<'_>>) {
        let met = |s: &Self| done.is_some_and(|d| d(&s.best));
        if met(self) {
            return;
        }
        let shape = self.shape();
        // The flow-shaped neighbourhoods (a corporation's or a municipality's contingents
        // at once, solved by a flow in milliseconds): in a tier stage first a walk on its
        // counts, for most of the time; then on the folded weights until none gains.
        // Last the smaller neighbourhoods that cross both kinds, by the LP.
        if let Some(stage) = tier_stage {
            let now = Instant::now();
            self.walk(&shape, stage, now + until.saturating_duration_since(now).mul_f64(WALK), None, done);
            if met(self) {
                return;
            }
            let now = Instant::now();
            self.around(stage, now + until.saturating_duration_since(now).mul_f64(AROUND));
        }
        // Past its walk a tier stage searches its weights until `until`: ended also where
        // the search around its shortfall met its bounds, nationally the weight's gap was
        // far out in two of four runs (see the solver's README, stop 23).
        let done = done.filter(|_| tier_stage.is_none());
        self.keep_if_better(crate::neighbourhood::improve_gated(&shape, &self.best, until, None));
        if done.is_some_and(|d| d(&self.best)) {
            return;
        }
        let (matching, solved) = crate::neighbourhood::improve(&shape, &self.best, self.next_seed, self.seed_order.as_deref(), until, done);
        self.next_seed += solved;
        self.keep_if_better(matching);
    }

    /// The weight stage's search after its steps, on both cores (the LP beside it is done):
    /// the other core takes every other seed of the order first, and what gains of its
    /// incumbent is merged into this one's (see [`Search::keep_merged`]): both start from
    /// the same matching, so their gains mostly add up. Nationally the weight's gap was
    /// 0.12e-4-1.43e-4 over 14 runs (10 within 1e-4) against 0.39e-4-1.52e-4 over 6 (2) on
    /// one core.
    ///
    /// Both end once either's incumbent meets `held`, every tier's bound, and reaches
    /// `bound` on the weight: it is then optimal.
    fn neighbourhoods_on_both(&mut self, until: Instant, held: &[i64], bound: i64) {
        let p = self.p;
        let proven = AtomicBool::new(false);
        let done = |m: &[usize]| {
            proven.load(Ordering::Relaxed) || {
                let optimal = stage_value(p, m, held.len(), held.len(), held).is_some_and(|w| w >= bound);
                proven.fetch_or(optimal, Ordering::Relaxed);
                optimal
            }
        };
        let mut twin = self.clone();
        match self.seed_order.take() {
            Some(order) => {
                let (even, odd) = (order.iter().step_by(2), order.iter().skip(1).step_by(2));
                self.seed_order = Some(even.clone().chain(odd.clone()).copied().collect());
                twin.seed_order = Some(odd.chain(even).copied().collect());
            }
            // By index: the other core starts half-way round.
            None => twin.next_seed += self.p.caps.len() / 2,
        }
        let twin = std::thread::scope(|scope| {
            let other = scope.spawn(|| {
                twin.neighbourhoods(until, None, Some(&done));
                twin
            });
            self.neighbourhoods(until, None, Some(&done));
            other.join().expect("a search does not panic")
        });
        self.absorb(twin);
    }

    /// Where the incumbent falls short of the solved LP's bound on stage `stage`, by the
    /// LP's prices (see `Prices`): the groups of the priced clients it leaves unmatched,
    /// of the priced groups it leaves room in and of its matches of positive reduced cost.
    /// Those seed a neighbourhood (without the excluded edges), solved exactly on the
    /// counts by the folded model, twice the last in size until one places more, then
    /// again around what is left, until the bound or `until`. Nationally the walks end
    /// tier 1's stage one short (526) in most runs; one to three such solves (18-69
    /// groups, 70-270 ms) usually place the last (see the solver's README).
    fn around(&mut self, stage: usize, until: Instant) {
        let p = self.p;
        let Some(Prices { bound, left, right, group, held, .. }) = self.prices.iter().find(|x| x.stage == stage).cloned() else { return };
        let (adj, members) = without(p, &self.excluded);
        // On the counts alone: a neighbourhood's folded model with the weights declines
        // past ~35 groups nationally (its objective would pass 2^40); without, one of 69
        // groups is solved in ~270 ms. Only a solve that places more is kept.
        let counts_only: Vec<(usize, usize, i64)> = p.edges.iter().map(|&(l, r, _)| (l, r, 0)).collect();
        let shape = crate::neighbourhood::Shape { adj: &adj, members: &members, edges: &counts_only, ..self.shape() };
        let stages = p.n_tiers;
        let mut size = crate::neighbourhood::FIRST_SIZE as usize;
        let mut last_groups = 0;
        let mut longest = std::time::Duration::ZERO;
        while Instant::now() + longest * 2 < until {
            let before = self.stage_value(&self.best, stage, stages, &[]).unwrap_or(0);
            if before >= bound {
                break;
            }
            let mut matched = vec![false; p.n_left];
            let mut load = vec![0i64; p.caps.len()];
            for &e in &self.best {
                matched[p.edges[e].0] = true;
                if let Some(g) = p.group_of[e] {
                    load[g] += 1;
                }
            }
            let mut seeds: Vec<usize> = (0..p.caps.len()).filter(|&g| group[g] > 0 && load[g] < p.caps[g]).collect();
            for i in (0..p.n_left).filter(|&i| !matched[i] && left[i] > 0 && p.tier[i] <= stage) {
                seeds.extend(p.adj[i].iter().filter(|(_, e)| !self.excluded[*e]).filter_map(|&(_, e)| p.group_of[e]));
            }
            // And the groups of its matches that cost (a positive reduced cost).
            for &e in self.best.iter().filter(|&&e| p.tier[p.edges[e].0] <= stage) {
                let (l, r, _) = p.edges[e];
                let t = p.tier[l];
                let worth = TIER_SCALE * i128::from(t == stage) + held.get(t).copied().unwrap_or(0) - p.group_of[e].map_or(0, |g| group[g]);
                if left[l] + right[r] > worth + TIER_SCALE / 256 {
                    seeds.extend(p.group_of[e]);
                }
            }
            seeds.sort_unstable();
            seeds.dedup();
            if seeds.is_empty() {
                break;
            }
            let began = Instant::now();
            let (better, groups) = crate::neighbourhood::improve_around(&shape, &self.best, &seeds, size, until);
            longest = longest.max(began.elapsed());
            if let Some(better) = better {
                self.keep_if_better(better);
            }
            if self.stage_value(&self.best, stage, stages, &[]).unwrap_or(0) > before {
                size = crate::neighbourhood::FIRST_SIZE as usize;
                last_groups = 0;
            } else if groups == last_groups {
                break;
            } else {
                last_groups = groups;
                size *= 2;
            }
        }
    }

    /// The best matching within the edges the stage LP's solution `x` uses and the
    /// incumbent's, on the stage's counts (see [`crate::relaxation::improve`]), filled
    /// and kept when better.
    fn relaxation_neighbourhood(&mut self, stage: usize, x: &[f64], until: Instant) {
        if let Some(found) = crate::relaxation::improve(&self.shape(), &self.best, x, stage, &self.usable_edges(), until) {
            self.fill_and_keep_found(found);
        }
    }

    /// On tier stage `stage`, with `held` the bounds of the tiers up to it: the matching
    /// with the most of the stage's tier, then the heaviest, with the tiers above at their
    /// bounds, within the edges a weight LP's solution uses and the incumbent's (see
    /// [`crate::relaxation::improve_held`]). The LP (the weight's, every tier in `held`
    /// held) runs for a quarter of the time to `until`, the model in its neighbourhood for
    /// the rest (on the city round at 10 s ~0.6 s and 0.9-2.1 s; after 0.3 s of PDHG the
    /// neighbourhood held no matching at the bounds). The stage's tier is led, not held:
    /// its LP's bound may be above what any matching reaches. On the second core, the
    /// same model with the stage's tier held at its bound: another path through the
    /// branching, where either alone was left without a matching in about a third of the
    /// city's runs. With `beside` (the last tier stage, whose LP is the weight stage's,
    /// which goes on with it) the LP goes on there instead, beside the model until
    /// `until` or the model is done (see `Pdhg::beside`). Filled and kept when better;
    /// whether a model found one, and the LP where it got to.
    fn held_neighbourhood(&mut self, stage: usize, stages: usize, held: &[i64], until: Instant, beside: bool) -> (bool, crate::pdhg::Pdhg) {
        let mut lp = self.stage_lp(stages, stages, held);
        lp.run(Instant::now() + until.saturating_duration_since(Instant::now()) / 4);
        let x = lp.primal();
        if !beside {
            let (shape, incumbent, usable) = (self.shape(), self.best.clone(), self.usable_edges());
            return std::thread::scope(|scope| {
                let other = scope.spawn(|| crate::relaxation::improve_held(&shape, &incumbent, &x, held, None, &usable, until));
                let led = self.held_neighbourhood_from(&x, &held[..stage], Some(stage), until);
                let held_too = other.join().expect("the model does not panic").map(|found| self.fill_and_keep_found(found)).is_some();
                (led || held_too, lp)
            });
        }
        // Beside the model, to end with it: the weight stage takes the LP on, and the
        // time it would wait here (city, seed 1: ~1.1 s of 3).
        let running = lp.beside(until);
        let found = self.held_neighbourhood_from(&x, &held[..stage], Some(stage), until);
        (found, running.take())
    }

    /// The heaviest matching with the tiers held at `held` (and the most of tier `lead`
    /// first) within the edges the weight LP's solution `x` uses and the incumbent's (see
    /// [`crate::relaxation::improve_held`], which passes when `x` takes more edges than a
    /// neighbourhood may have), filled and kept when better; whether it found one.
    fn held_neighbourhood_from(&mut self, x: &[f64], held: &[i64], lead: Option<usize>, until: Instant) -> bool {
        let found = crate::relaxation::improve_held(&self.shape(), &self.best, x, held, lead, &self.usable_edges(), until);
        found.map(|found| self.fill_and_keep_found(found)).is_some()
    }

    /// The edges the search may use: those not excluded.
    fn usable_edges(&self) -> Vec<bool> {
        self.excluded.iter().map(|x| !x).collect()
    }

    /// Fills and keeps (see [`Search::fill_and_keep`]) a matching within the caps.
    fn fill_and_keep_found(&mut self, found: Vec<usize>) {
        let p = self.p;
        let mut load = vec![0i64; p.caps.len()];
        for g in found.iter().filter_map(|&e| p.group_of[e]) {
            load[g] += 1;
        }
        self.fill_and_keep(found, load);
    }

    /// Orders the groups for the weight stage's large-neighbourhood search by how much of
    /// the bound at the multipliers `duals` the incumbent leaves there (by the prices of
    /// an assignment at them, see `Warm::prices`): a group's room at its price, its
    /// matched edges' reduced costs, and the prices of the clients with an edge in it left
    /// unmatched. Nationally at the LP's unsolved duals ~7,500 of weight, 85 % of it in 100
    /// of the 1,368 groups; the search then starts there (its weight gap 1.4e-4-4.2e-4
    /// over 16 runs against 3.0e-4-1.36e-3 over 11 by the groups' index: a sweep of all
    /// the groups takes longer than the stage).
    fn order_by_shortfall(&mut self, duals: &crate::pdhg::Duals) {
        let p = self.p;
        let scale = WEIGHT_SCALE;
        let lam: Vec<i128> = duals.lambda.iter().map(|l| (l * scale as f64).round() as i128).collect();
        let mu: Vec<i128> = duals.mu.iter().map(|m| (m * scale as f64).round() as i128).collect();
        let weight: Vec<i128> = (0..p.edges.len())
            .map(|e| {
                scale * i128::from(p.edges[e].2) + mu.get(p.tier[p.edges[e].0]).copied().unwrap_or(0) - p.group_of[e].map_or(0, |g| lam[g])
            })
            .collect();
        let allowed: Vec<bool> = (0..p.edges.len()).map(|e| !self.excluded[e] && weight[e] > 0).collect();
        let g = Sparse { n_right: p.n_right, adj: p.adj };
        let mut warm = Warm::new(&g);
        warm.solve(&g, &weight, &allowed);
        self.assignments += 1;
        let (u, v) = warm.prices(&g, &weight, &allowed);
        let mut matched = vec![false; p.n_left];
        let mut short = vec![0i128; p.caps.len()];
        let mut load = vec![0i64; p.caps.len()];
        for &e in &self.best {
            let (l, r, _) = p.edges[e];
            matched[l] = true;
            if let Some(g) = p.group_of[e] {
                load[g] += 1;
                short[g] += (u[l] + v[r] - weight[e]).max(0);
            }
        }
        for (g, s) in short.iter_mut().enumerate() {
            *s += lam[g] * i128::from(p.caps[g] - load[g]);
        }
        for l in (0..p.n_left).filter(|&l| !matched[l] && u[l] > 0) {
            for g in p.adj[l].iter().filter(|(_, e)| allowed[*e]).filter_map(|&(_, e)| p.group_of[e]) {
                short[g] += u[l];
            }
        }
        let mut order: Vec<usize> = (0..p.caps.len()).collect();
        order.sort_by_key(|&g| (Reverse(short[g]), g));
        self.seed_order = Some(order);
        // From the top of the order.
        self.next_seed = 0;
    }

    /// The problem as the neighbourhood searches see it.
    fn shape(&self) -> crate::neighbourhood::Shape<'a> {
        let p = self.p;
        crate::neighbourhood::Shape {
            n_left: p.n_left,
            n_right: p.n_right,
            edges: p.edges,
            tier: p.tier,
            n_tiers: p.n_tiers,
            group_of: p.group_of,
            caps: p.caps,
            folded: p.folded,
            adj: p.adj,
            members: p.members,
        }
    }

    /// A random walk over the flow-shaped neighbourhoods on tier stage `stage`'s counts
    /// alone (see [`crate::neighbourhood::improve_gated`]), until `until`; its end is
    /// filled and kept when better. On the counts, many matchings are equally good, and
    /// the walk crosses them to where an exchange places one more; with the folded
    /// weights every solve that does not gain is a dead end (city, 2 s: tier 1 at 99-101
    /// without the walk, 104-106 with it, 110 in 10 s; nationally tier 0 at 4,481-4,484
    /// without, 4,486-4,487 with, 4,487 with tier 0's own walk).
    ///
    /// The walk ends where its matching is `done` (in a tier stage, where it meets every
    /// tier's bound so far: no matching does better on its counts).
    fn walk(
        &mut self,
        shape: &crate::neighbourhood::Shape<'_>,
        stage: usize,
        until: Instant,
        stop: Option<&AtomicBool>,
        done: Option<&Done<'_>>,
    ) {
        let p = self.p;
        let Some(mut counts) = count_weights(p, stage) else { return };
        // Edges in no matching that meets the bounds count nothing (see `excluded`): the
        // walk moves off them towards the LP's optimal face. Nationally tier 1 ended its
        // stage at 526 in 3 of 3 traced runs (523-525 in 3 without) and the round at 527,
        // every tier proven, in 5 of 9 (1 of 5 without).
        for (c, x) in counts.iter_mut().zip(&self.excluded) {
            if *x {
                *c = 0;
            }
        }
        let walk_shape = crate::neighbourhood::Shape { folded: &counts, ..*shape };
        // Tier 0's own walk prefers, among equally good solves, to keep the lower tiers'
        // matches (see `Walk::soft`): nationally it starts from the helper's ~530 of tier 1
        // and ended at ~420 without; tier 1 then ended at 524-527 (6 runs, mean 525.3)
        // against 523-525 (5 runs, mean 524). On the later stages' walks, lower tiers kept
        // so, the city's tier 1 was as good (108.8 against 108.6 over 10 runs each).
        let soft: Option<Vec<i128>> =
            (stage == 0).then(|| (0..p.edges.len()).map(|e| i128::from(counts[e] == 0 && p.folded[e] > 0)).collect());
        let end = crate::neighbourhood::improve_gated(
            &walk_shape,
            &self.best,
            until,
            Some(Walk { seed: self.next_seed as u64, jitter: walk_jitter(stage), stop, soft: soft.as_deref(), done }),
        );
        self.next_seed += 1;
        let mut load = vec![0i64; p.caps.len()];
        for g in end.iter().filter_map(|&e| p.group_of[e]) {
            load[g] += 1;
        }
        let began = Instant::now();
        self.fill_and_keep(end, load);
        self.costs.fill = began.elapsed();
    }

    /// A copy of the search that walks on the second core while tier stage `stage` runs
    /// here: on the stage's counts (tier 0's stage on tier 1's, when there is one, so it
    /// moves where tier 0 alone would not), from the incumbent, until `until` or until
    /// stopped when the stage ends sooner. On the city round, tier 1 ends at 106-109 of
    /// its bound 113 in 2 s (103-106 without; 107-110 with the later jitter and cheaper
    /// solves); at the end of tier 0's stage the copy holds ~103 of tier 1 where the
    /// stage's own incumbent holds ~80.
    ///
    /// `None` without tiers (a walk needs counts) and in the weight stage: a walk there
    /// that places one more of a tier wins over the weights the stage found, and on the
    /// city round cost 12 % of the weight for one more of tier 2; run only beside the
    /// stage's steps, with its weights searched after, it gained nothing (tier 1 106.75
    /// against 106.94 on average over 16 runs each). The weight stage's second core runs
    /// its LP instead (see `certify`).
    fn helper(&self, stage: usize, stages: usize, until: Instant) -> Option<Helper<'p, 'a>> {
        if !self.p.tiered || stage >= stages {
            return None;
        }
        let walk_stage = stage.max(1).min(stages - 1);
        let mut search = self.clone();
        search.max_tier = Some(walk_stage);
        // Its own random choices: the seeds of this side's walks are small numbers.
        search.next_seed += 1 << 32;
        Some(Helper { search, walk_stage, until })
    }

    /// Walks on stage `stage`'s counts on both cores, in slices of [`WALK_SLICE`], until
    /// `until` or until the stage's tier reaches `bound`.
    ///
    /// Tier 0's walk after its stage: nationally the stage's own incumbent ends ~20 short
    /// of the bound and the helper's (on tier 1's counts too) one or two short; from the
    /// better, on both cores, tier 0 reached 4,487 in 0.5-1 s in 11 of 11 runs and the rest
    /// of the tenth went to the later stages (one walk from the stage's own incumbent
    /// took the whole tenth, 6 s, and ended at 4,486 in 3 of 12 runs).
    fn walk_both(&mut self, stage: usize, bound: i64, until: Instant) {
        let shape = self.shape();
        let stages = self.p.n_tiers;
        while Instant::now() + self.costs.fill < until && self.stage_value(&self.best, stage, stages, &[]).is_some_and(|v| v < bound) {
            let slice = (Instant::now() + WALK_SLICE).min(until);
            let mut twin = self.clone();
            twin.next_seed += 1 << 33;
            let twin = std::thread::scope(|scope| {
                let other = scope.spawn(|| {
                    twin.walk(&shape, stage, slice, None, None);
                    twin
                });
                self.walk(&shape, stage, slice, None, None);
                other.join().expect("a walk does not panic")
            });
            self.absorb(twin);
        }
    }

    /// Goes on with the problem without its excluded edges (see `excluded`), built into
    /// `parts` and `problem`, when there are any: once the incumbent meets every tier's
    /// bound, the weight stage keeps those counts, and no matching that does uses them.
    fn restrict(&mut self, parts: &'a std::cell::OnceCell<Restricted>, problem: &'p std::cell::OnceCell<Problem<'a>>) {
        let p = self.p;
        if !self.excluded.iter().any(|x| *x) {
            return;
        }
        let (adj, members) = parts.get_or_init(|| without(p, &self.excluded));
        self.p = problem.get_or_init(|| Problem { adj, members, ..*p });
    }

    /// Excludes the edges that no matching better than the incumbent uses, by the weight
    /// stage's prices (see [`WeightPrices`]): those whose reduced cost is more than the
    /// bound exceeds the incumbent's weight by. Only where the incumbent meets the tier
    /// bounds `held`, whose matchings the bound is for; its own edges stay. Nationally
    /// 68,000-80,000 of the weight stage's ~150,000 edges at its steps' best prices, about
    /// 4,800 of them among those the assignment there may take (positive weight).
    fn cut(&mut self, stages: usize, held: &[i64]) {
        let Some(prices) = self.weight_prices.take() else { return };
        let Some(weight) = self.stage_value(&self.best, stages, stages, held) else { return };
        let mut kept = vec![false; self.p.edges.len()];
        for &e in &self.best {
            kept[e] = true;
        }
        prices.exclude(weight, &kept, &mut self.excluded);
    }

    /// Takes a helper's incumbent when it is better.
    fn absorb(&mut self, helper: Search<'p, 'a>) {
        self.keep_merged(helper.best);
    }

    /// Keeps the better of the incumbent with what gains of `matching` (feasible) merged
    /// in and `matching` with what gains of the incumbent (see `merge.rs`), when it beats
    /// the incumbent. Nationally, with the repairs' and the walks' ends merged so, the
    /// weight's gap was 0.39e-4-1.52e-4 over 6 runs (2 within 1e-4) against
    /// 1.21e-4-2.49e-4 and one 7.7e-4 over 6 without; the city's tier 1 108.0 on average
    /// against 108.5 over 6 runs each (within its spread), its weight ~0.2 % higher.
    fn keep_merged(&mut self, matching: Vec<usize>) {
        let p = self.p;
        if self.best.is_empty() {
            self.keep_if_better(matching);
            return;
        }
        let shape = crate::merge::Shape { n_left: p.n_left, edges: p.edges, group_of: p.group_of, caps: p.caps };
        let into_best = crate::merge::merge(&shape, &self.best, &matching, p.folded);
        let into_other = crate::merge::merge(&shape, &matching, &self.best, p.folded);
        self.keep_if_better(into_best);
        self.keep_if_better(into_other);
    }

    /// Keeps `matching` (feasible) when its folded value beats the incumbent's.
    fn keep_if_better(&mut self, matching: Vec<usize>) {
        let value: i128 = matching.iter().map(|&e| self.p.folded[e]).sum();
        if value > self.best_value {
            self.best_value = value;
            self.best = matching;
        }
    }

    /// Makes a relaxed matching feasible and keeps it when it is the best so far: the
    /// best edges of each group up to its cap stay, then free pairs are filled greedily.
    fn repair(&mut self, chosen: &[usize]) {
        let p = self.p;
        let mut keep = chosen.to_vec();
        keep.sort_by_key(|&e| (Reverse(p.folded[e]), e));
        let mut load = vec![0i64; p.caps.len()];
        keep.retain(|&e| match p.group_of[e] {
            Some(g) if load[g] >= p.caps[g] => false,
            Some(g) => {
                load[g] += 1;
                true
            }
            None => true,
        });
        self.fill_and_keep(keep, load);
    }

    /// A stronger repair: match exactly by `weight` (ties to the heavier edge); each group
    /// that comes out over its cap keeps its best edges and admits no others; match
    /// again, until none is over. Unlike fixing what stayed, the next match may still
    /// move the kept edges around.
    fn close_and_resolve(&mut self, weight: &[i128], tie: i128, active: &[bool]) {
        let p = self.p;
        let w: Vec<i128> = (0..p.edges.len()).map(|e| weight[e] * tie + i128::from(p.edges[e].2)).collect();
        let mut allowed = active.to_vec();
        let mut closed = vec![false; p.caps.len()];
        loop {
            self.assignments += 1;
            let m = max_weight_matching(&Sparse { n_right: p.n_right, adj: p.adj }, &w, &allowed);
            let mut chosen: Vec<usize> = m.edge_of_left.iter().flatten().copied().collect();
            chosen.sort_by_key(|&e| (Reverse(w[e]), e));
            let mut load = vec![0i64; p.caps.len()];
            let mut over = Vec::new();
            chosen.retain(|&e| match p.group_of[e] {
                Some(g) if load[g] >= p.caps[g] => {
                    over.push(g);
                    false
                }
                Some(g) => {
                    load[g] += 1;
                    true
                }
                None => true,
            });
            if over.is_empty() {
                self.fill_and_keep(chosen, load);
                return;
            }
            let kept: std::collections::HashSet<usize> = chosen.iter().copied().collect();
            for g in over {
                closed[g] = true;
            }
            for (e, ok) in allowed.iter_mut().enumerate() {
                if p.group_of[e].is_some_and(|g| closed[g]) && !kept.contains(&e) {
                    *ok = false;
                }
            }
        }
    }

    /// Fills free pairs greedily (best folded weight first, where groups have room) and
    /// keeps the matching, merged with the incumbent (see [`Search::keep_merged`]), when
    /// it is the best so far.
    fn fill_and_keep(&mut self, mut keep: Vec<usize>, mut load: Vec<i64>) {
        let p = self.p;
        let mut left_used = vec![false; p.n_left];
        let mut right_used = vec![false; p.n_right];
        for &e in &keep {
            left_used[p.edges[e].0] = true;
            right_used[p.edges[e].1] = true;
        }
        for &e in &self.order {
            let (l, r, _) = p.edges[e];
            if left_used[l] || right_used[r] {
                continue;
            }
            if let Some(g) = p.group_of[e] {
                if load[g] >= p.caps[g] {
                    continue;
                }
                load[g] += 1;
            }
            left_used[l] = true;
            right_used[r] = true;
            keep.push(e);
        }
        let shape =
            crate::augment::Shape { edges: p.edges, tier: p.tier, group_of: p.group_of, caps: p.caps, adj: p.adj, usable: &self.usable };
        let mut keep = match self.max_tier {
            Some(t) => crate::augment::augment(&shape, &keep, t),
            None => keep,
        };
        if !self.best.is_empty() {
            self.keep_merged(keep);
            return;
        }
        let value: i128 = keep.iter().map(|&e| p.folded[e]).sum();
        if value >= self.best_value {
            keep.sort_unstable();
            self.best_value = value;
            self.best = keep;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::Rng;
    use rand::SeedableRng;

    /// A tier match's worth in the test's folding: far above any weight sum of 7 edges.
    const B: i128 = 1 << 16;

    /// The lexicographic optimum (tier counts, then weight) of a folded total.
    fn unfold(total: i128) -> (Vec<i64>, i64) {
        let weight = (total + B / 2).rem_euclid(B) - B / 2;
        let mut rest = (total - weight) / B;
        let mut counts = vec![0i64; 3];
        for c in counts.iter_mut().rev() {
            *c = (rest % B) as i64;
            rest /= B;
        }
        (counts, weight as i64)
    }

    /// What a tier stage asks of its helper (see [`Meeting`]): before the steps have
    /// their bound nothing meets it, not even the optimum; after, a matching meets it
    /// exactly when its counts reach every tier asked for (the tiers below the stage ask
    /// nothing). The helper's walks end once its incumbent meets them, and it says so;
    /// asked for one more than the optimum of its stage's tier, it never does.
    #[test]
    fn a_helper_ends_once_its_incumbent_meets_what_its_stage_asks() {
        let (mut met, mut missed, mut unmet) = (0, 0, 0);
        for_optimum_rounds(31, 40, |p, counts, _, rng| {
            let count = |m: &[usize], t: usize| m.iter().filter(|&&e| p.tier[p.edges[e].0] == t).count() as i64;
            let meeting = Meeting::new(p.n_tiers);
            assert!(!meeting.is_met_by(p, &[]), "met before anything is asked");
            // The stage's tier and those above it, at the optimum or one more.
            let stage = rng.random_range(0..2);
            let more = rng.random_bool(0.5);
            let mut asked: Vec<i64> = counts[..=stage].to_vec();
            asked[stage] += i64::from(more);
            meeting.ask(&asked);
            for _ in 0..20 {
                let m: Vec<usize> = (0..p.edges.len()).filter(|_| rng.random_bool(0.3)).collect();
                let reaches = (0..=stage).all(|t| count(&m, t) >= asked[t]);
                assert_eq!(meeting.is_met_by(p, &m), reaches, "{m:?} asked {asked:?}");
            }
            // Where it can meet them it has far more time than a walk on a small round
            // takes: it ends by meeting them, not by the clock.
            let until = Instant::now() + std::time::Duration::from_millis(if more { 30 } else { 5_000 });
            let stop = AtomicBool::new(false);
            let best = Search::new(p).helper(stage, 3, until).expect("a tier stage has a helper").run(&stop, &meeting).best;
            let said = meeting.met.load(Ordering::Relaxed);
            assert_eq!(said, meeting.is_met_by(p, &best), "asked {asked:?}, optimum {counts:?}, ended at {best:?}");
            if more {
                assert!(!said, "met more than the optimum");
                unmet += 1;
            } else if said {
                assert!(Instant::now() < until, "went on after meeting them");
                met += 1;
            } else {
                missed += 1;
            }
        });
        // The walks find a small round's optimum counts nearly always.
        assert!(met > 10 && unmet > 10 && missed * 10 <= met, "met {met}, missed {missed}, unmet {unmet}");
    }

    /// What the stage's search merges with what the helper showed (see
    /// [`Meeting::merged_with_shown`]): nothing until it shows something new; a shown
    /// matching that meets the bounds comes back within the caps and meeting them; asked
    /// for more than the optimum, nothing.
    #[test]
    fn the_stage_merges_what_its_helper_shows() {
        for_optimum_rounds(37, 200, |p, counts, _, rng| {
            let meeting = Meeting::new(p.n_tiers);
            let seen = std::cell::Cell::new(0);
            let mut s = Search::new(p);
            s.repair(&[]);
            let shown = s.best.clone();
            let reached: Vec<i64> = (0..2).map(|t| shown.iter().filter(|&&e| p.tier[p.edges[e].0] == t).count() as i64).collect();
            assert_eq!(meeting.merged_with_shown(p, &[], &reached, &seen), None, "nothing shown yet");
            meeting.show(&shown);
            let found = meeting.merged_with_shown(p, &[], &reached, &seen).expect("what it showed meets its own counts");
            assert!(
                meets(p, &found, &reached) && crate::testing::within_caps(p.n_left, p.n_right, &test_edges(p), p.caps, &found).is_ok(),
                "{found:?}"
            );
            assert_eq!(meeting.merged_with_shown(p, &[], &reached, &seen), None, "nothing new shown");
            meeting.show(&shown);
            let beyond = vec![counts[0] + 1 + rng.random_range(0..2)];
            assert_eq!(meeting.merged_with_shown(p, &shown, &beyond, &seen), None, "above the optimum");
        });
    }

    /// Round `round`'s problem with its edges folded by [`B`], for `f`.
    fn with_problem<T>(round: &crate::testing::Round, f: impl FnOnce(&Problem<'_>) -> T) -> T {
        let crate::testing::Round { n_left, n_right, edges, group_of, caps, tier } = round;
        let folded: Vec<i128> = edges.iter().map(|&(l, _, w)| B.pow(3 - tier[l] as u32) + i128::from(w)).collect();
        let (adj, members) = round.adjacency();
        f(&Problem {
            n_left: *n_left,
            n_right: *n_right,
            edges,
            tier,
            group_of,
            caps,
            n_tiers: 3,
            tiered: true,
            folded: &folded,
            adj: &adj,
            members: &members,
        })
    }

    /// Per small random round of `rounds` from `seed`: the problem, its lexicographic
    /// optimum by enumeration (the tier counts, the weight), and the generator for what
    /// else the test draws.
    fn for_optimum_rounds(seed: u64, rounds: usize, mut f: impl FnMut(&Problem<'_>, Vec<i64>, i64, &mut StdRng)) {
        let mut rng = StdRng::seed_from_u64(seed);
        for _ in 0..rounds {
            let round = crate::testing::random_round(&mut rng);
            with_problem(&round, |p| {
                let (counts, weight) = unfold(brute(p, &|k| p.folded[k]));
                f(p, counts, weight, &mut rng)
            });
        }
    }

    /// The best total of `value` over the matchings of `p` within its caps.
    fn brute(p: &Problem<'_>, value: &dyn Fn(usize) -> i128) -> i128 {
        crate::testing::brute(p.n_left, p.n_right, &test_edges(p), p.caps, value)
    }

    /// `p`'s edges as the test helpers take them: (left, right, weight, group).
    fn test_edges(p: &Problem<'_>) -> Vec<crate::testing::TestEdge> {
        p.edges.iter().zip(p.group_of).map(|(&(l, r, w), &g)| (l, r, w, g)).collect()
    }

    /// Every bound the certificate gives holds where the bounds above it are the optima
    /// (each is conditional on the tiers above being held at their bounds), with every
    /// stage's multipliers from its LP first, as nationally, and with tier 0's alone, as
    /// at city size. The LP's exclusions drop edges from the later stages and the weight
    /// stage's problem: one excluded edge too many and a bound falls below the optimum.
    #[test]
    fn certificate_bounds_hold_with_the_lps_exclusions() {
        for lp_duals_from in [std::time::Duration::ZERO, std::time::Duration::MAX] {
            bounds_hold(lp_duals_from, std::time::Duration::from_millis(100), 300);
        }
    }

    /// With its deadline already past, every stage still takes its first step (the weight
    /// stage with its steps first, see `certify`): the bounds hold as with time. Its tier
    /// bounds are tight on fewer rounds (261 of the 400), so fewer reach the weight's check.
    #[test]
    fn certificate_bounds_hold_with_no_time_left() {
        bounds_hold(std::time::Duration::MAX, std::time::Duration::ZERO, 200);
    }

    /// Checks the bounds of each round's certificate, given `time`; the weight's is checked
    /// where the tier bounds are the optima, on more than `weights_checked` of the rounds.
    fn bounds_hold(lp_duals_from: std::time::Duration, time: std::time::Duration, weights_checked: usize) {
        let mut checked_weight = 0;
        for_optimum_rounds(7, 400, |p, counts, weight, _rng| {
            let cert = certify(p, Instant::now() + time, lp_duals_from, &[]);
            for t in 0..3 {
                if cert.tier_bounds[..t] == counts[..t] {
                    assert!(cert.tier_bounds[t] >= counts[t], "tier {t}: bound {:?} below the optima {counts:?}", cert.tier_bounds);
                }
            }
            if cert.tier_bounds == counts {
                checked_weight += 1;
                assert!(cert.weight_bound >= weight, "weight bound {} below the optimum {weight}", cert.weight_bound);
            }
        });
        // Most rounds reach the weight stage's check: the tier bounds are tight here.
        assert!(checked_weight > weights_checked, "the weight bound was checked in {checked_weight} rounds");
    }

    /// The search begins from the matching it is given (a re-solve from a round's own
    /// matching, see `optimize::solve_from`): with no time it ends no worse than that,
    /// where from nothing it falls short on some rounds.
    #[test]
    fn the_search_begins_from_the_matching_it_is_given() {
        let mut rng = StdRng::seed_from_u64(13);
        let mut short_from_nothing = 0;
        for _ in 0..300 {
            with_problem(&crate::testing::random_round(&mut rng), |p| {
                let value = |m: &[usize]| m.iter().map(|&e| p.folded[e]).sum::<i128>();
                let start = certify(p, Instant::now() + std::time::Duration::from_millis(100), std::time::Duration::MAX, &[]).best;
                let from = certify(p, Instant::now(), std::time::Duration::MAX, &start);
                assert!(value(&from.best) >= value(&start), "{:?} worse than its start {start:?}", from.best);
                let cold = certify(p, Instant::now(), std::time::Duration::MAX, &[]);
                short_from_nothing += usize::from(value(&cold.best) < value(&start));
            });
        }
        assert!(short_from_nothing > 0, "no round where the start made a difference");
    }

    /// The held models of a tier stage, tier 0's too (see `Search::held_neighbourhood`),
    /// from nothing, with the tiers up to the stage held at their optima: what they keep
    /// is a matching within the caps that meets the tiers above and places no more of the
    /// stage's tier than its optimum, and it reaches that optimum on most rounds; with the
    /// LP beside (the last tier stage), the LP handed on has run and bounds the optimum's
    /// weight.
    #[test]
    fn the_held_models_keep_the_tiers_above_and_place_the_stages_optimum() {
        let (mut runs, mut found, mut optimal, mut solved) = (0, 0, 0, 0);
        for_optimum_rounds(17, 150, |p, counts, weight, _rng| {
            let test_edges = test_edges(p);
            for (stage, beside) in [(0, false), (1, false), (2, true)] {
                let mut s = Search::new(p);
                let until = Instant::now() + std::time::Duration::from_millis(200);
                let (kept, mut lp) = s.held_neighbourhood(stage, 3, &counts[..=stage], until, beside);
                runs += 1;
                if beside {
                    let d = lp.run(Instant::now());
                    solved += usize::from(d.solved);
                    assert!(d.bound >= weight as f64 - 1e-6, "the LP's bound {} below the optimum's weight {weight}", d.bound);
                }
                if !kept {
                    continue;
                }
                found += 1;
                crate::testing::within_caps(p.n_left, p.n_right, &test_edges, p.caps, &s.best).expect("a matching within the caps");
                let count = |t: usize| s.best.iter().filter(|&&e| p.tier[p.edges[e].0] == t).count() as i64;
                assert!((0..stage).all(|t| count(t) >= counts[t]), "a tier above under its optimum {counts:?}");
                assert!(count(stage) <= counts[stage], "more of tier {stage} than its optimum {counts:?}");
                optimal += usize::from(count(stage) == counts[stage]);
            }
        });
        assert!(
            found * 10 >= runs * 9 && optimal * 10 >= found * 9,
            "kept a matching in {found} of {runs}, the stage's optimum in {optimal}"
        );
        assert!(solved * 10 >= 150 * 9, "the LP handed on solved in {solved} of 150");
    }

    /// On small random rounds, with the tiers held at the lexicographic optimum's counts:
    /// the bound at random multipliers (multiples of 1/64, some negative: taken as zero)
    /// over the edges the LP takes is the Lagrangian's, by enumeration without the caps,
    /// and never below the optimum's weight when every edge takes part; the relaxed
    /// matching it returns is one of edges taking part, worth that much.
    #[test]
    fn the_weight_bound_at_multipliers_is_the_lagrangians() {
        let mut above = 0;
        for_optimum_rounds(14, 400, |p, held, optimum, rng| {
            let mut multiplier = || f64::from(rng.random_range(-40..400)) / 64.0;
            let lambda: Vec<f64> = p.caps.iter().map(|_| multiplier()).collect();
            let mu: Vec<f64> = held.iter().map(|_| multiplier()).collect();
            let taking_part: Vec<bool> = (0..p.edges.len()).map(|_| rng.random_bool(0.8)).collect();
            for every in [true, false] {
                let part = |e: usize| every || taking_part[e];
                let lp = p.lp(&held, (0..p.edges.len()).map(|e| part(e).then_some(p.edges[e].2 as f64)).collect());
                let (bound, chosen) = weight_bound_at(p, &lp, &lambda, &mu);
                let units = |v: f64| (v.max(0.0) * 64.0) as i128;
                let uncapped = vec![i64::from(u8::MAX); p.caps.len()];
                let worth = |e: usize| {
                    let (l, _, w) = p.edges[e];
                    let worth = 64 * i128::from(w) + units(mu[p.tier[l]]) - p.group_of[e].map_or(0, |g| units(lambda[g]));
                    if part(e) {
                        worth.max(0)
                    } else {
                        0
                    }
                };
                let relaxed = crate::testing::brute(p.n_left, p.n_right, &test_edges(p), &uncapped, &worth);
                assert!(chosen.iter().all(|&e| part(e)), "an edge taking no part chosen");
                let ends = |end: fn(&(usize, usize, i64)) -> usize| {
                    chosen.iter().map(|&e| end(&p.edges[e])).collect::<std::collections::HashSet<_>>()
                };
                assert!(ends(|e| e.0).len() == chosen.len() && ends(|e| e.1).len() == chosen.len(), "not a matching: {chosen:?}");
                assert_eq!(chosen.iter().map(|&e| worth(e)).sum::<i128>(), relaxed, "the relaxed matching's worth");
                let constant = lambda.iter().zip(p.caps).map(|(l, c)| units(*l) * i128::from(*c)).sum::<i128>()
                    - mu.iter().zip(&held).map(|(m, b)| units(*m) * i128::from(*b)).sum::<i128>();
                assert_eq!(bound, (relaxed + constant) as f64 / 64.0, "every edge: {every}");
                if every {
                    assert!(bound >= optimum as f64, "bound {bound} below the optimum {optimum}");
                    above += usize::from(bound > optimum as f64);
                }
            }
        });
        assert!(above > 100, "a bound above the optimum in only {above}");
    }

    /// The weight stage's prices, at any multipliers, bound the optimum, and exclude no
    /// edge of a matching that meets the caps and every tier's optimum and is worth more
    /// than the weight they are given (the incumbent's, in `Search::cut`).
    #[test]
    fn weight_prices_exclude_no_edge_of_a_better_matching() {
        let mut marked = 0;
        for_optimum_rounds(11, 400, |p, held, optimum, rng| {
            let lambda: Vec<i128> = p.caps.iter().map(|_| rng.random_range(0..3) * WEIGHT_SCALE * 10).collect();
            let mu: Vec<i128> = held.iter().map(|_| rng.random_range(0..3) * WEIGHT_SCALE * 10).collect();
            let weight: Vec<i128> = (0..p.edges.len())
                .map(|e| WEIGHT_SCALE * i128::from(p.edges[e].2) + mu[p.tier[p.edges[e].0]] - p.group_of[e].map_or(0, |g| lambda[g]))
                .collect();
            let constant = lambda.iter().zip(p.caps).map(|(l, c)| l * i128::from(*c)).sum::<i128>()
                - mu.iter().zip(&held).map(|(m, b)| m * i128::from(*b)).sum::<i128>();
            let allowed: Vec<bool> = weight.iter().map(|w| *w > 0).collect();
            let g = Sparse { n_right: p.n_right, adj: p.adj };
            let mut warm = Warm::new(&g);
            warm.solve(&g, &weight, &allowed);
            let every = vec![true; p.edges.len()];
            let prices = weight_prices(p, &warm.prices(&g, &weight, &allowed), &weight, &every, constant);
            assert!(prices.bound >= WEIGHT_SCALE * i128::from(optimum), "bound {} below the optimum {optimum}", prices.bound);
            let given = optimum - rng.random_range(0..15);
            let mut excluded = vec![false; p.edges.len()];
            marked += prices.exclude(given, &vec![false; p.edges.len()], &mut excluded);
            // The best matching through each excluded edge: a match of it outweighs
            // every folded total.
            let through = B.pow(4);
            for e in (0..p.edges.len()).filter(|&e| excluded[e]) {
                let best = brute(p, &|k| p.folded[k] + if k == e { through } else { 0 });
                if best >= through {
                    let (counts, weight) = unfold(best - through);
                    assert!(counts != held || weight <= given, "edge {e} excluded from a matching worth {weight} > {given}");
                }
            }
        });
        assert!(marked > 200, "only {marked} edges excluded");
    }
}
