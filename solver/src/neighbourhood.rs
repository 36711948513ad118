//! Large-neighbourhood search: the incumbent is re-optimised exactly, a few groups at a
//! time. A neighbourhood is a handful of groups that share right nodes or clients, with
//! every client and dwelling their edges reach; the incumbent's matches outside it stay
//! as they are and leave each group the room they do not take. What is left is a small
//! matching, and the folded model ([`crate::lp::folded_optimum`]) solves that exactly in
//! about ten milliseconds when its LP is integral, and with a few branch-and-bound nodes
//! when it is not. The incumbent's own matches inside the neighbourhood are one of its
//! solutions, so a neighbourhood never makes it worse.
//!
//! Why: the Lagrangian's repairs move one path or one dwelling at a time; what they miss
//! at city size are exchanges over several full groups at once (room made in one group
//! so a client of another can move), which an exact solve over those groups finds.
//!
//! Two kinds of neighbourhood are flows, and solved as such (`gated.rs`) in milliseconds
//! however large: one corporation's contingents (each client reaches them through its
//! own municipality's only) and one municipality's (each dwelling is reached through one
//! of them only by its clients) — see [`improve_gated`], which also walks at random over
//! equally good matchings.

use crate::lp::{folded_optimum, Budget, LpEdge, LpGroup};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use std::collections::VecDeque;
use std::time::Instant;

/// What the search needs of the problem.
pub(crate) struct Shape<'a> {
    pub n_left: usize,
    pub n_right: usize,
    /// (left, right, weight) per edge.
    pub edges: &'a [(usize, usize, i64)],
    pub tier: &'a [usize],
    pub n_tiers: usize,
    pub group_of: &'a [Option<usize>],
    pub caps: &'a [i64],
    /// The lexicographic objective folded into one weight per edge.
    pub folded: &'a [i128],
    pub adj: &'a [Vec<(usize, usize)>],
    /// Per group, its edges.
    pub members: &'a [Vec<usize>],
}

/// The sub-problem's size a neighbourhood aims at, in edges: the folded LP solves it in
/// about 10 ms. Measured over 1,000-4,500: at 1,000 the national round ends at
/// 4,485-4,486 of tier 0 (4,480 at 600, 4,477 at 2,500), the city round at 90-91 of tier
/// 1 (90-92 at 1,500).
const TARGET: f64 = 1_000.0;

/// A neighbourhood's size in its groups' edges at first. How many of those make it into
/// the sub-problem depends on how many of their clients are matched elsewhere (about two
/// in three on the city round, five in six nationally), so the size then follows the
/// sub-problems' sizes towards [`TARGET`].
pub(crate) const FIRST_SIZE: f64 = 2_500.0;

/// Branch-and-bound nodes per neighbourhood when its LP's vertex is fractional.
const NODES: u64 = 20;

/// A neighbourhood's model ends this much before the search does: microlp looks at its
/// deadline every thousand pivots (~130 ms on the city's), and the weight stage's search
/// on both cores ended 50-230 ms past the stage (a city round at 10 s in 10.08 s) once
/// column generation left it most of the stage.
const OVERSHOOT: std::time::Duration = std::time::Duration::from_millis(150);

/// Improves `matching` (feasible) neighbourhood by neighbourhood until `until`; each
/// group seeds one in turn, from group `start` on, in the order `order` when given (else
/// by index). Returns the matching and the number of neighbourhoods solved.
///
/// Ends sooner once its matching is `done`.
pub(crate) fn improve(
    s: &Shape<'_>,
    matching: &[usize],
    start: usize,
    order: Option<&[usize]>,
    until: Instant,
    done: Option<&Done<'_>>,
) -> (Vec<usize>, usize) {
    let n_groups = s.caps.len();
    let mut current = matching.to_vec();
    if n_groups == 0 {
        return (current, 0);
    }
    let groups_of_right = groups_of_right(s);
    // Sweeps over the seeds until one whole sweep finds nothing: the incumbent is then
    // optimal within every neighbourhood. A solve is not interrupted, so none starts
    // that the longest so far would not finish in time.
    let mut solved = 0;
    let mut since_gain = 0;
    let mut longest = std::time::Duration::ZERO;
    let mut size = FIRST_SIZE;
    while since_gain < n_groups && Instant::now() + longest < until && !done.is_some_and(|d| d(&current)) {
        let k = (start + solved) % n_groups;
        let seed = order.map_or(k, |o| o[k]);
        let chosen = neighbourhood(s, seed, &groups_of_right, size as usize);
        let began = Instant::now();
        let (better, edges) = resolve(s, &current, &chosen, Budget { until: until.checked_sub(OVERSHOOT).unwrap_or(until), nodes: NODES });
        // Half-way towards the size that would have given the target (sizes vary from
        // seed to seed).
        size = (size * (TARGET / edges.max(1) as f64).sqrt()).clamp(TARGET / 10.0, 100.0 * FIRST_SIZE);
        longest = longest.max(began.elapsed());
        solved += 1;
        since_gain += 1;
        if let Some(better) = better {
            current = better;
            since_gain = 0;
        }
    }
    current.sort_unstable();
    (current, solved)
}

/// The neighbourhood grown from the groups `seeds` (where the LP's duals say the
/// incumbent falls short) to about `size` edges, solved exactly: the better matching, if
/// any, and how many groups it held.
pub(crate) fn improve_around(
    s: &Shape<'_>,
    matching: &[usize],
    seeds: &[usize],
    size: usize,
    until: Instant,
) -> (Option<Vec<usize>>, usize) {
    let groups_of_right = groups_of_right(s);
    let chosen = neighbourhood_from(s, seeds, &groups_of_right, size);
    let (better, _) = resolve(s, matching, &chosen, Budget { until, nodes: NODES });
    (
        better.map(|mut b| {
            b.sort_unstable();
            b
        }),
        chosen.iter().filter(|x| **x).count(),
    )
}

/// Per right node, the groups of its edges.
fn groups_of_right(s: &Shape<'_>) -> Vec<Vec<usize>> {
    let mut groups: Vec<Vec<usize>> = vec![Vec::new(); s.n_right];
    for (e, g) in s.group_of.iter().enumerate() {
        if let Some(g) = *g {
            let r = s.edges[e].1;
            if !groups[r].contains(&g) {
                groups[r].push(g);
            }
        }
    }
    groups
}

/// Groups breadth-first from `seed`, each taken while their edges stay within `size`:
/// first over shared right nodes (in a round, one corporation's contingents in
/// neighbouring municipalities), then over shared clients (one municipality's
/// contingents with other corporations). Nationally a corporation's contingents are
/// soon exhausted, and the exchanges that place more urgent clients move a client from
/// one corporation to another: with right nodes alone, tier 0 stayed at 4,476 (4,485
/// with clients too); at city size 89 of tier 1 (91).
fn neighbourhood(s: &Shape<'_>, seed: usize, groups_of_right: &[Vec<usize>], size: usize) -> Vec<bool> {
    neighbourhood_from(s, &[seed], groups_of_right, size)
}

/// As [`neighbourhood`], grown from all of `seeds` at once.
fn neighbourhood_from(s: &Shape<'_>, seeds: &[usize], groups_of_right: &[Vec<usize>], size: usize) -> Vec<bool> {
    let mut inside = vec![false; s.caps.len()];
    let mut seen = vec![false; s.caps.len()];
    let mut by_right: VecDeque<usize> = seeds.iter().copied().collect();
    let mut by_left = VecDeque::new();
    for &g in seeds {
        seen[g] = true;
    }
    let mut edges = 0;
    while let Some(g) = by_right.pop_front().or_else(|| by_left.pop_front()) {
        if edges > 0 && edges + s.members[g].len() > size {
            continue;
        }
        inside[g] = true;
        edges += s.members[g].len();
        for &e in &s.members[g] {
            let (l, r, _) = s.edges[e];
            for &h in &groups_of_right[r] {
                if !seen[h] {
                    seen[h] = true;
                    by_right.push_back(h);
                }
            }
            for h in s.adj[l].iter().filter_map(|&(_, f)| s.group_of[f]) {
                if !seen[h] {
                    seen[h] = true;
                    by_left.push_back(h);
                }
            }
        }
    }
    inside
}

/// A neighbourhood's sub-problem in the LP's terms, and what it replaces.
struct Sub {
    n_left: usize,
    n_right: usize,
    edges: Vec<LpEdge>,
    groups: Vec<LpGroup>,
    /// Per sub-problem edge, the edge it is.
    global: Vec<usize>,
    /// The matches of `current` that stay.
    kept: Vec<usize>,
    /// The folded value of the matches it frees.
    before: i128,
    /// Per sub-problem group, the group it is.
    group_ids: Vec<usize>,
    /// Per sub-problem edge: whether `current` holds it, and its sub-problem group.
    held: Vec<bool>,
    local_group: Vec<Option<usize>>,
}

/// The sub-problem of the groups `inside` around the matching `current`.
///
/// With `ungrouped`, also the ungrouped right nodes of the groups' clients: those they
/// hold (the holder is freed with it) and those nobody holds.
fn sub_problem(s: &Shape<'_>, current: &[usize], inside: &[bool], ungrouped: bool) -> Sub {
    // Free: the groups' dwellings, whoever holds one of them now, and the clients with
    // an edge into them who hold nothing. A client matched elsewhere keeps its match:
    // freeing it would free its dwelling too, and the sub-problem would grow by a whole
    // municipality for each such client.
    let mut free_left = vec![false; s.n_left];
    let mut free_right = vec![false; s.n_right];
    let mut wants_inside = vec![false; s.n_left];
    // The groups' own edges, not a scan of all: a neighbourhood is a small part.
    let inside_edges = || (0..s.caps.len()).filter(|&g| inside[g]).flat_map(|g| s.members[g].iter().copied());
    for e in inside_edges() {
        free_right[s.edges[e].1] = true;
        wants_inside[s.edges[e].0] = true;
    }
    let mut held = vec![false; s.n_right];
    for &e in current {
        let (l, r, _) = s.edges[e];
        held[r] = true;
        free_right[r] |= ungrouped && s.group_of[e].is_none() && wants_inside[l];
    }
    // Per client, the edge of its match.
    let mut match_of = vec![usize::MAX; s.n_left];
    let mut load = s.caps.to_vec();
    let mut kept = Vec::new();
    let mut before = 0i128;
    for &e in current {
        let (l, r, _) = s.edges[e];
        match_of[l] = e;
        if free_right[r] {
            free_left[l] = true;
            before += s.folded[e];
        } else {
            kept.push(e);
            if let Some(g) = s.group_of[e] {
                load[g] -= 1;
            }
        }
    }
    for e in inside_edges() {
        if match_of[s.edges[e].0] == usize::MAX {
            free_left[s.edges[e].0] = true;
        }
    }
    if ungrouped {
        for l in (0..s.n_left).filter(|&l| free_left[l]) {
            for &(r, e) in &s.adj[l] {
                free_right[r] |= !held[r] && s.group_of[e].is_none();
            }
        }
    }
    // Every edge between free nodes, each group with the room it has.
    let mut local_of_left = vec![usize::MAX; s.n_left];
    let mut local_of_right = vec![usize::MAX; s.n_right];
    let mut local_group = vec![usize::MAX; s.caps.len()];
    let mut sub = Sub {
        n_left: 0,
        n_right: 0,
        edges: Vec::new(),
        groups: Vec::new(),
        global: Vec::new(),
        kept,
        before,
        group_ids: Vec::new(),
        held: Vec::new(),
        local_group: Vec::new(),
    };
    for l in (0..s.n_left).filter(|&l| free_left[l]) {
        for &(r, e) in &s.adj[l] {
            if !free_right[r] || s.group_of[e].is_some_and(|g| load[g] <= 0) {
                continue;
            }
            if local_of_left[l] == usize::MAX {
                local_of_left[l] = sub.n_left;
                sub.n_left += 1;
            }
            if local_of_right[r] == usize::MAX {
                local_of_right[r] = sub.n_right;
                sub.n_right += 1;
            }
            if let Some(g) = s.group_of[e] {
                if local_group[g] == usize::MAX {
                    local_group[g] = sub.groups.len();
                    sub.groups.push((Vec::new(), load[g]));
                    sub.group_ids.push(g);
                }
                sub.groups[local_group[g]].0.push(sub.edges.len());
            }
            sub.local_group.push(s.group_of[e].map(|g| local_group[g]));
            sub.held.push(match_of[l] == e);
            sub.edges.push((local_of_left[l], local_of_right[r], s.edges[e].2, s.tier[l]));
            sub.global.push(e);
        }
    }
    sub
}

/// The best matching that keeps every match of `current` outside the groups `inside`:
/// `None` when it is no better, or when the folded model's branch and bound does not
/// prove its optimum within `budget`. Also the sub-problem's size in edges.
fn resolve(s: &Shape<'_>, current: &[usize], inside: &[bool], budget: Budget) -> (Option<Vec<usize>>, usize) {
    let sub = sub_problem(s, current, inside, false);
    let size = sub.edges.len();
    let Some(chosen) = folded_optimum(sub.n_left, sub.n_right, &sub.edges, &sub.groups, s.n_tiers, budget).optimum() else {
        return (None, size);
    };
    let after: i128 = chosen.iter().map(|&k| s.folded[sub.global[k]]).sum();
    if after <= sub.before {
        return (None, size);
    }
    let mut out = sub.kept;
    out.extend(chosen.iter().map(|&k| sub.global[k]));
    (Some(out), size)
}

/// The side of a sub-problem whose nodes each keep the edges of one group only, so that
/// the groups become gates on that side (`gated.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Left,
    Right,
}

/// Per group, the root of its component: groups connected over shared right nodes
/// (`Side::Left`: one corporation's contingents, which each client reaches through its
/// own municipality's only) or over shared clients (`Side::Right`: one municipality's
/// contingents, each dwelling reached through one of them only by that municipality's
/// clients).
fn components(s: &Shape<'_>, side: Side) -> Vec<usize> {
    let n = s.caps.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(parent: &mut [usize], mut g: usize) -> usize {
        while parent[g] != g {
            parent[g] = parent[parent[g]];
            g = parent[g];
        }
        g
    }
    let mut first_at = match side {
        Side::Left => vec![usize::MAX; s.n_right],
        Side::Right => vec![usize::MAX; s.n_left],
    };
    for (e, g) in s.group_of.iter().enumerate() {
        let Some(g) = *g else { continue };
        let node = match side {
            Side::Left => s.edges[e].1,
            Side::Right => s.edges[e].0,
        };
        if first_at[node] == usize::MAX {
            first_at[node] = g;
        } else {
            let (a, b) = (root(&mut parent, first_at[node]), root(&mut parent, g));
            parent[a.max(b)] = a.min(b);
        }
    }
    (0..n).map(|g| root(&mut parent, g)).collect()
}

/// The best matching that keeps every match of `current` outside the groups `inside`,
/// where each node on `side` keeps the edges of one group only (the group of its match,
/// else the one it has most edges in): then the sub-problem is a flow, solved exactly
/// (`gated.rs`), and whether it gains. `None` when it is no better; with `jitter`, ties
/// are broken at random (and towards `soft`'s edges) and `None` only when it is worse.
fn resolve_gated(
    s: &Shape<'_>,
    current: &[usize],
    inside: &[bool],
    side: Side,
    jitter: Option<(&mut StdRng, i128)>,
    soft: Option<&[i128]>,
) -> Option<(Vec<usize>, bool)> {
    // A municipality's clients may move to omklap dwellings (ungrouped), which makes
    // room in its contingents; in a corporation's neighbourhood they would only keep
    // their own.
    let sub = sub_problem(s, current, inside, side == Side::Right);
    let node = |k: usize| match side {
        Side::Left => sub.edges[k].0,
        Side::Right => sub.edges[k].1,
    };
    let n_nodes = match side {
        Side::Left => sub.n_left,
        Side::Right => sub.n_right,
    };
    // Groups by their sub-problem index; ties between them break by the group itself.
    let group = |k: usize| sub.local_group[k];
    let global = |g: Option<usize>| g.map(|g| sub.group_ids[g]);
    // Per node, its edges' groups with their counts, the held one first.
    let per_node = sub.groups.len() + 1;
    let run_key = |k: usize| node(k) * per_node + group(k).map_or(0, |g| g + 1);
    let mut order: Vec<usize> = (0..sub.edges.len()).collect();
    order.sort_unstable_by_key(|&k| run_key(k));
    let mut keep: Vec<Option<(bool, usize, Option<usize>)>> = vec![None; n_nodes];
    let mut i = 0;
    while i < order.len() {
        let (v, g, key) = (node(order[i]), group(order[i]), run_key(order[i]));
        let run = order[i..].iter().take_while(|&&k| run_key(k) == key).count();
        let is_held = order[i..i + run].iter().any(|&k| sub.held[k]);
        // The held group wins, then the most edges, then the lowest group.
        let candidate = (is_held, run, g);
        let better = keep[v].is_none_or(|(h, n, kg)| (is_held, run, std::cmp::Reverse(global(g))) > (h, n, std::cmp::Reverse(global(kg))));
        if better {
            keep[v] = Some(candidate);
        }
        i += run;
    }
    let caps: Vec<i64> = sub.groups.iter().map(|(_, room)| *room).collect();
    let gate_of_node: Vec<Option<usize>> = keep.iter().map(|k| k.and_then(|(_, _, g)| g)).collect();
    let kept: Vec<usize> = (0..sub.edges.len()).filter(|&k| keep[node(k)].is_some_and(|(_, _, g)| g == group(k))).collect();
    let pairs: Vec<(usize, usize)> = kept
        .iter()
        .map(|&k| match side {
            Side::Left => (sub.edges[k].0, sub.edges[k].1),
            Side::Right => (sub.edges[k].1, sub.edges[k].0),
        })
        .collect();
    let exact: Vec<i128> = kept.iter().map(|&k| s.folded[sub.global[k]]).collect();
    let sideways = jitter.is_some();
    // A walk also takes the edges in a random order: among the many paths of equal
    // length that the flow's searches meet, which comes first then varies too.
    let mut perm: Vec<usize> = (0..pairs.len()).collect();
    let weight: Vec<i128> = match jitter {
        Some((rng, jitter)) => {
            perm.shuffle(rng);
            let soft = |j: usize| soft.map_or(0, |soft| soft[sub.global[kept[j]]].clamp(0, 1));
            exact.iter().enumerate().map(|(j, &w)| if w > 0 { w + rng.random_range(0..jitter) } else { w.max(soft(j)) }).collect()
        }
        None => exact.clone(),
    };
    let pairs: Vec<(usize, usize)> = perm.iter().map(|&j| pairs[j]).collect();
    let weight: Vec<i128> = perm.iter().map(|&j| weight[j]).collect();
    let (n_left, n_right) = match side {
        Side::Left => (sub.n_left, sub.n_right),
        Side::Right => (sub.n_right, sub.n_left),
    };
    let chosen = crate::gated::best(&crate::gated::Gated {
        n_left,
        n_right,
        edges: &pairs,
        weight: &weight,
        gate_of_left: &gate_of_node,
        caps: &caps,
    });
    let chosen: Vec<usize> = chosen.iter().map(|&j| perm[j]).collect();
    let after: i128 = chosen.iter().map(|&j| exact[j]).sum();
    if after < sub.before || (after == sub.before && !sideways) {
        return None;
    }
    let mut out = sub.kept;
    out.extend(chosen.iter().map(|&j| sub.global[kept[j]]));
    Some((out, after > sub.before))
}

/// Below one unit of the weights a walk is given: its random tie-breaks (see
/// [`Walk::jitter`]) are less than this.
pub(crate) const JITTER: i128 = 4;

/// Sweeps without a gain after which a walk gives up.
const WALK_SWEEPS: usize = 20;

/// Whether a search's (a walk's or [`improve`]'s) matching is where it was going: it
/// ends there.
pub(crate) type Done<'a> = dyn Fn(&[usize]) -> bool + 'a;

/// A random walk's seed, its tie-breaks, and a flag that ends it before its time when
/// set (a walk on another thread whose stage is over).
pub(crate) struct Walk<'a> {
    pub seed: u64,
    /// Each edge gets a random 0 to `jitter - 1` (at most [`JITTER`]), coarse on purpose:
    /// with few distinct weights most shortest paths still tie, and the flow augments
    /// along many of them per search (`gated.rs`). City, 2 s, tier 1: 105-106 with 4 (and
    /// a random edge order), 103-104 with 8, 101-103 with 1,024 (stop 17); with a walk's
    /// solve a third cheaper and a second walk on the other core, 107-110 with 2 (mean
    /// 108.6 over 22 runs), 107-108 with 4 (107.4 over 22), 107-109 with 1 (the edge
    /// order alone; 107.6 over 10).
    pub jitter: i128,
    pub stop: Option<&'a std::sync::atomic::AtomicBool>,
    /// Per edge, a preference among equally good solves: an edge worth nothing gets it as
    /// its tie-break weight (at most 1, within the jitter's room, so never more than a
    /// unit of the count): the edges a walk would keep but does not count, a lower
    /// tier's, which it then drops only where that opens a move.
    pub soft: Option<&'a [i128]>,
    /// Whether a matching is where the walk was going: it ends there.
    pub done: Option<&'a Done<'a>>,
}

/// Re-solves the incumbent over every component of groups (see [`components`]), both
/// kinds in turn, until a whole sweep finds nothing or `until`.
///
/// With `walk`, a random walk instead, until `until` or its stop: each solve's ties are
/// broken at random (up to [`Walk::jitter`] on each edge, the edges in a random order)
/// and a solve that is only as good is kept too, so the incumbent moves over its plateau
/// (on a stage's counts alone a wide one) until a way up opens.
pub(crate) fn improve_gated(s: &Shape<'_>, matching: &[usize], until: Instant, walk: Option<Walk<'_>>) -> Vec<usize> {
    let mut rng = walk.as_ref().map(|w| (StdRng::seed_from_u64(w.seed), w.jitter.clamp(1, JITTER)));
    let stopped = || walk.as_ref().and_then(|w| w.stop).is_some_and(|stop| stop.load(std::sync::atomic::Ordering::Relaxed));
    let mut current = matching.to_vec();
    let mut neighbourhoods: Vec<(Side, Vec<bool>)> = Vec::new();
    for side in [Side::Left, Side::Right] {
        let component = components(s, side);
        let mut roots = component.clone();
        roots.sort_unstable();
        roots.dedup();
        neighbourhoods.extend(roots.into_iter().map(|root| (side, component.iter().map(|&c| c == root).collect())));
    }
    // A walk gives up after this many sweeps without a gain (a small problem's plateau
    // is soon crossed), an exact search after one.
    let sweeps = if walk.is_some() { WALK_SWEEPS } else { 1 };
    let (mut since_gain, mut k) = (0, 0);
    while since_gain < sweeps * neighbourhoods.len() && Instant::now() < until && !stopped() {
        let (side, inside) = &neighbourhoods[k % neighbourhoods.len()];
        since_gain += 1;
        let soft = walk.as_ref().and_then(|w| w.soft);
        if let Some((next, gained)) = resolve_gated(s, &current, inside, *side, rng.as_mut().map(|(r, j)| (r, *j)), soft) {
            current = next;
            if gained {
                since_gain = 0;
                if walk.as_ref().and_then(|w| w.done).is_some_and(|done| done(&current)) {
                    break;
                }
            }
        }
        k += 1;
    }
    current.sort_unstable();
    current
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::unlimited;
    use proptest::prelude::*;

    /// (n_left, n_right, edges (left, right, weight, group), caps, tier per left)
    type Instance = (usize, usize, Vec<crate::testing::TestEdge>, Vec<i64>, Vec<usize>);

    fn instance() -> impl Strategy<Value = Instance> {
        (1usize..7, 1usize..7, 1usize..4).prop_flat_map(|(n_left, n_right, n_groups)| {
            let edges = proptest::collection::vec((0..n_left, 0..n_right, 0i64..40, proptest::option::weighted(0.8, 0..n_groups)), 0..24);
            let caps = proptest::collection::vec(0i64..3, n_groups);
            let tiers = proptest::collection::vec(0usize..2, n_left);
            (Just(n_left), Just(n_right), edges, caps, tiers).prop_map(|(l, r, mut edges, caps, tiers)| {
                edges.sort_by_key(|e| (e.0, e.1));
                edges.dedup_by_key(|e| (e.0, e.1));
                (l, r, edges, caps, tiers)
            })
        })
    }

    /// The folded weight: a tier-0 match outweighs any number of tier-1 matches and
    /// weights, a tier-1 match any weights.
    fn folded(inst: &Instance) -> Vec<i128> {
        let (n_left, _, edges, _, tier) = inst;
        let spread = 2 * 40 * *n_left as i128 + 1;
        edges.iter().map(|e| i128::from(e.2) + spread * if tier[e.0] == 0 { *n_left as i128 + 1 } else { 1 }).collect()
    }

    /// The best folded value of a matching within the caps, by enumeration.
    fn brute(inst: &Instance, w: &[i128]) -> i128 {
        crate::testing::brute(inst.0, inst.1, &inst.2, &inst.3, &|k| w[k])
    }

    /// The shape of `inst`, given to `f`.
    fn with_shape<T>(inst: &Instance, f: impl FnOnce(&Shape<'_>) -> T) -> T {
        let (n_left, n_right, edges, caps, tier) = inst;
        let plain: Vec<(usize, usize, i64)> = edges.iter().map(|e| (e.0, e.1, e.2)).collect();
        let group_of: Vec<Option<usize>> = edges.iter().map(|e| e.3).collect();
        let w = folded(inst);
        let mut adj = vec![Vec::new(); *n_left];
        for (k, e) in edges.iter().enumerate() {
            adj[e.0].push((e.1, k));
        }
        let mut members = vec![Vec::new(); caps.len()];
        for (k, e) in edges.iter().enumerate() {
            if let Some(g) = e.3 {
                members[g].push(k);
            }
        }
        f(&Shape {
            n_left: *n_left,
            n_right: *n_right,
            edges: &plain,
            tier,
            n_tiers: 2,
            group_of: &group_of,
            caps,
            folded: &w,
            adj: &adj,
            members: &members,
        })
    }

    /// Checks that `out` is a matching within the caps and returns its folded value.
    fn value(inst: &Instance, out: &[usize]) -> Result<i128, TestCaseError> {
        crate::testing::within_caps(inst.0, inst.1, &inst.2, &inst.3, out)?;
        let w = folded(inst);
        Ok(out.iter().map(|&k| w[k]).sum())
    }

    /// Runs the search from `start` with all the time it wants; returns the value of
    /// what it found.
    fn search(inst: &Instance, start: &[usize]) -> Result<i128, TestCaseError> {
        let far = Instant::now() + std::time::Duration::from_secs(60);
        let (out, _) = with_shape(inst, |s| improve(s, start, 0, None, far, None));
        value(inst, &out)
    }

    /// A feasible start: the edges in order, where both nodes are free and the group has
    /// room.
    fn greedy(inst: &Instance) -> Vec<usize> {
        crate::testing::greedy(inst.0, inst.1, &inst.2, &inst.3, 0..inst.2.len())
    }

    /// As [`instance`], shaped like a round: each left node has a municipality, each
    /// right node a corporation (or none: an omklap dwelling, ungrouped), and an edge's
    /// group is its left node's municipality × its right node's corporation.
    fn round_like(municipalities: usize, corporations: usize) -> impl Strategy<Value = Instance> {
        (
            instance(),
            proptest::collection::vec(0..municipalities, 7),
            proptest::collection::vec(proptest::option::weighted(0.8, 0..corporations), 7),
        )
            .prop_flat_map(move |((l, r, mut edges, _, tiers), municipality, corporation)| {
                for e in &mut edges {
                    e.3 = corporation[e.1].map(|k| municipality[e.0] * corporations + k);
                }
                let caps = proptest::collection::vec(0i64..3, municipalities * corporations);
                (Just((l, r, edges, tiers)), caps).prop_map(|((l, r, edges, tiers), caps)| (l, r, edges, caps, tiers))
            })
    }

    /// Fails unless `search` from a greedy start finds a feasible matching at least as
    /// good, and no better than the optimum.
    fn never_worse_by(inst: &Instance, search: fn(&Instance, &[usize]) -> Result<i128, TestCaseError>) -> Result<(), TestCaseError> {
        let start = greedy(inst);
        let before = value(inst, &start)?;
        let after = search(inst, &start)?;
        prop_assert!(after >= before);
        prop_assert!(after <= brute(inst, &folded(inst)));
        Ok(())
    }

    /// Runs the flow-shaped search from `start`; returns the value of what it found.
    fn search_gated(inst: &Instance, start: &[usize]) -> Result<i128, TestCaseError> {
        let far = Instant::now() + std::time::Duration::from_secs(60);
        let out = with_shape(inst, |s| improve_gated(s, start, far, None));
        value(inst, &out)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        /// The flow-shaped neighbourhoods, on any groups: never worse, always feasible
        /// (where a node's edges span several groups, it keeps one group's).
        #[test]
        fn gated_never_worse(inst in instance()) {
            never_worse_by(&inst, search_gated)?;
        }

        /// A walk keeps every cap and never loses value, only moves sideways.
        #[test]
        fn a_walk_never_loses(inst in instance(), seed in 0u64..1000) {
            let start = greedy(&inst);
            let before = value(&inst, &start)?;
            let far = Instant::now() + std::time::Duration::from_secs(60);
            let out = with_shape(&inst, |s| improve_gated(s, &start, far, Some(Walk { seed, jitter: JITTER, stop: None, soft: None, done: None })));
            prop_assert!(value(&inst, &out)? >= before);
        }

        /// One corporation's contingents, without omklap dwellings: every client reaches
        /// the dwellings through its own municipality's contingent only, so from nothing
        /// the corporation's neighbourhood is the whole problem and its flow the optimum.
        #[test]
        fn one_corporation_is_solved_exactly(inst in round_like(3, 1)) {
            prop_assume!(inst.2.iter().all(|e| e.3.is_some()));
            prop_assert_eq!(search_gated(&inst, &[])?, brute(&inst, &folded(&inst)));
        }

        /// One municipality's contingents and omklap dwellings: every dwelling is reached
        /// through one contingent or none, so from nothing the municipality's
        /// neighbourhood is the whole problem and its flow the optimum — where it is one:
        /// every client has a contingent to want, and they share clients.
        #[test]
        fn one_municipality_is_solved_exactly(inst in round_like(1, 3)) {
            prop_assume!(inst.2.iter().all(|e| inst.2.iter().any(|f| f.0 == e.0 && f.3.is_some())));
            let roots: std::collections::BTreeSet<usize> = with_shape(&inst, |s| {
                let component = components(s, Side::Right);
                inst.2.iter().filter_map(|e| e.3).map(|g| component[g]).collect()
            });
            prop_assume!(roots.len() <= 1);
            prop_assert_eq!(search_gated(&inst, &[])?, brute(&inst, &folded(&inst)));
        }

        /// Never worse, always feasible.
        #[test]
        fn never_worse(inst in instance()) {
            never_worse_by(&inst, search)?;
        }

        /// With every group inside and every edge grouped, the neighbourhood is the whole
        /// problem: its solve is the optimum, or nothing when the start is optimal already.
        #[test]
        fn one_neighbourhood_of_every_group_is_the_whole_problem(inst in instance()) {
            prop_assume!(inst.2.iter().all(|e| e.3.is_some()));
            let optimum = brute(&inst, &folded(&inst));
            let every = vec![true; inst.3.len()];
            for start in [vec![], greedy(&inst)] {
                let before = value(&inst, &start)?;
                match with_shape(&inst, |s| resolve(s, &start, &every, unlimited()).0) {
                    Some(out) => prop_assert_eq!(value(&inst, &out)?, optimum),
                    None => prop_assert_eq!(before, optimum),
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// Grown from every group with no limit on its size, the neighbourhood around the
        /// LP's shortfalls is the whole problem too (every edge grouped).
        #[test]
        fn around_every_group_is_the_whole_problem(inst in instance()) {
            prop_assume!(inst.2.iter().all(|e| e.3.is_some()));
            let optimum = brute(&inst, &folded(&inst));
            let seeds: Vec<usize> = (0..inst.3.len()).collect();
            let far = Instant::now() + std::time::Duration::from_secs(600);
            for start in [vec![], greedy(&inst)] {
                let before = value(&inst, &start)?;
                let (out, groups) = with_shape(&inst, |s| improve_around(s, &start, &seeds, usize::MAX, far));
                prop_assert_eq!(groups, seeds.len());
                match out {
                    Some(out) => prop_assert_eq!(value(&inst, &out)?, optimum),
                    None => prop_assert_eq!(before, optimum),
                }
            }
        }
    }

    /// Two equally good dwellings: the exact search stays where it is, a walk moves
    /// between them (which one it ends at depends on its seed).
    #[test]
    fn a_walk_moves_sideways_where_the_exact_search_stays() {
        let inst: Instance = (1, 2, vec![(0, 0, 10, Some(0)), (0, 1, 10, Some(0))], vec![1], vec![0]);
        let far = Instant::now() + std::time::Duration::from_secs(60);
        assert_eq!(with_shape(&inst, |s| improve_gated(s, &[0], far, None)), vec![0]);
        let ends: std::collections::BTreeSet<Vec<usize>> = (0..20)
            .map(|seed| {
                with_shape(&inst, |s| improve_gated(s, &[0], far, Some(Walk { seed, jitter: JITTER, stop: None, soft: None, done: None })))
            })
            .collect();
        assert_eq!(ends.into_iter().collect::<Vec<_>>(), vec![vec![0], vec![1]]);
    }

    /// Two clients in two groups apart, neither placed: a walk places both, one solve
    /// at a time, unless told it is done at one.
    #[test]
    fn a_walk_ends_where_it_is_done() {
        let inst: Instance = (2, 2, vec![(0, 0, 10, Some(0)), (1, 1, 10, Some(1))], vec![1, 1], vec![0, 0]);
        let far = Instant::now() + std::time::Duration::from_secs(60);
        let one = |m: &[usize]| !m.is_empty();
        for seed in 0..10 {
            let walk =
                |done| with_shape(&inst, |s| improve_gated(s, &[], far, Some(Walk { seed, jitter: JITTER, stop: None, soft: None, done })));
            assert_eq!(walk(None).len(), 2, "seed {seed}: the walk places both");
            assert_eq!(walk(Some(&one)).len(), 1, "seed {seed}: done at one");
        }
    }

    /// The same for the exact search, one neighbourhood (here one group) at a time.
    #[test]
    fn the_exact_search_ends_where_it_is_done() {
        let inst: Instance = (2, 2, vec![(0, 0, 10, Some(0)), (1, 1, 10, Some(1))], vec![1, 1], vec![0, 0]);
        let far = Instant::now() + std::time::Duration::from_secs(60);
        let one = |m: &[usize]| !m.is_empty();
        let search = |done| with_shape(&inst, |s| improve(s, &[], 0, None, far, done));
        assert_eq!(search(None).0, vec![0, 1], "it places both");
        assert_eq!(search(Some(&one)), (vec![0], 1), "done at one, after one neighbourhood");
    }

    /// On tier 0's count a tier-1 match is worth nothing: a walk drops it, or keeps it
    /// where its solve may (`Walk::soft`) — never at tier 0's cost.
    #[test]
    fn a_soft_walk_keeps_what_the_count_does_not_weigh() {
        // Client 0 (tier 0) holds dwelling 1, client 1's (tier 1) only dwelling; client 0
        // may as well take dwelling 0.
        let inst: Instance = (2, 2, vec![(0, 0, 1, Some(0)), (0, 1, 1, Some(0)), (1, 1, 1, Some(0))], vec![2], vec![0, 1]);
        let counts = [10, 10, 0];
        let far = Instant::now() + std::time::Duration::from_secs(60);
        let walk = |soft: Option<&[i128]>, seed| {
            with_shape(&inst, |s| {
                improve_gated(&Shape { folded: &counts, ..*s }, &[1], far, Some(Walk { seed, jitter: 1, stop: None, soft, done: None }))
            })
        };
        for seed in 0..10 {
            assert_eq!(walk(Some(&[0, 0, 1]), seed), vec![0, 2], "seed {seed}: client 1 placed beside client 0");
            assert!(!walk(None, seed).contains(&2), "seed {seed}: worth nothing, client 1 is not placed");
        }
        // Where keeping it would cost tier 0's match, it is not kept.
        let inst: Instance = (2, 1, vec![(0, 0, 1, Some(0)), (1, 0, 1, Some(0))], vec![1], vec![0, 1]);
        let counts = [10, 0];
        let out = with_shape(&inst, |s| {
            improve_gated(
                &Shape { folded: &counts, ..*s },
                &[1],
                far,
                Some(Walk { seed: 0, jitter: 1, stop: None, soft: Some(&[0, 1]), done: None }),
            )
        });
        assert_eq!(out, vec![0]);
    }

    #[test]
    fn leaves_a_group_only_the_room_its_kept_matches_leave() {
        // Group 0 (inside) holds dwellings 1 and 2; group 1 (outside, cap 1) is full with
        // client 0's match. Client 1 would rather take dwelling 2 through group 1, but
        // that group has no room: it takes dwelling 1 through group 0.
        let inst: Instance = (
            4,
            4,
            vec![(0, 0, 5, Some(1)), (1, 1, 1, Some(0)), (1, 2, 30, Some(1)), (3, 2, 1, Some(0)), (3, 3, 20, None)],
            vec![2, 1],
            vec![0, 0, 0, 0],
        );
        let start = [0, 4];
        let out = with_shape(&inst, |s| resolve(s, &start, &[true, false], unlimited()).0).expect("client 1 placed");
        let w = folded(&inst);
        assert_eq!(value(&inst, &out).expect("within the caps"), w[0] + w[4] + w[1]);
    }

    #[test]
    fn grows_over_shared_dwellings_first_then_shared_clients() {
        // Groups 0 and 1 share dwelling 1; groups 0 and 2 share client 0; group 3 shares
        // nothing with anyone. Each group has two edges.
        let inst: Instance = (
            4,
            5,
            vec![
                (0, 0, 1, Some(0)),
                (0, 3, 1, Some(2)),
                (1, 1, 1, Some(0)),
                (2, 1, 1, Some(1)),
                (2, 2, 1, Some(1)),
                (3, 3, 1, Some(2)),
                (3, 4, 1, None),
            ],
            vec![1, 1, 1, 1],
            vec![0, 0, 0, 0],
        );
        let grown = |seed: usize, size: usize| {
            with_shape(&inst, |s| {
                let mut groups_of_right = vec![Vec::new(); s.n_right];
                for (e, g) in s.group_of.iter().enumerate() {
                    if let Some(g) = *g {
                        groups_of_right[s.edges[e].1].push(g);
                    }
                }
                neighbourhood(s, seed, &groups_of_right, size)
            })
        };
        assert_eq!(grown(0, 2), vec![true, false, false, false], "the seed alone fills the size");
        assert_eq!(grown(0, 4), vec![true, true, false, false], "a shared dwelling before a shared client");
        assert_eq!(grown(0, 100), vec![true, true, true, false], "then the client's other group; never an unconnected one");
        assert_eq!(grown(1, 100), vec![true, true, true, false], "reached through group 0");
        // The seed is taken even when it alone is larger than the size.
        assert_eq!(grown(2, 1), vec![false, false, true, false]);
    }

    #[test]
    fn moves_a_client_to_make_room_in_a_full_group() {
        // Client 0 holds dwelling 1, the only dwelling of client 1; its other dwelling 0
        // is in the same group as dwelling 1 was, cap 1 each side: one neighbourhood
        // moves client 0 and places client 1.
        let inst: Instance = (2, 2, vec![(0, 0, 5, Some(0)), (0, 1, 9, Some(0)), (1, 1, 1, Some(1))], vec![1, 1], vec![0, 0]);
        let w = folded(&inst);
        assert_eq!(search(&inst, &[1]).expect("feasible"), w[0] + w[2]);
    }
}
