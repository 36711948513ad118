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

use crate::lp::{folded_optimum, Budget, LpEdge, LpGroup};
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
const FIRST_SIZE: f64 = 2_500.0;

/// Branch-and-bound nodes per neighbourhood when its LP's vertex is fractional.
const NODES: u64 = 20;

/// Improves `matching` (feasible) neighbourhood by neighbourhood until `until`; each
/// group seeds one in turn, from group `start` on. Returns the matching and the number
/// of neighbourhoods solved.
pub(crate) fn improve(s: &Shape<'_>, matching: &[usize], start: usize, until: Instant) -> (Vec<usize>, usize) {
    let n_groups = s.caps.len();
    let mut current = matching.to_vec();
    if n_groups == 0 {
        return (current, 0);
    }
    let mut groups_of_right: Vec<Vec<usize>> = vec![Vec::new(); s.n_right];
    for (e, g) in s.group_of.iter().enumerate() {
        if let Some(g) = *g {
            let r = s.edges[e].1;
            if !groups_of_right[r].contains(&g) {
                groups_of_right[r].push(g);
            }
        }
    }
    // Sweeps over the seeds until one whole sweep finds nothing: the incumbent is then
    // optimal within every neighbourhood. A solve is not interrupted, so none starts
    // that the longest so far would not finish in time.
    let mut solved = 0;
    let mut since_gain = 0;
    let mut longest = std::time::Duration::ZERO;
    let mut size = FIRST_SIZE;
    while since_gain < n_groups && Instant::now() + longest < until {
        let seed = (start + solved) % n_groups;
        let chosen = neighbourhood(s, seed, &groups_of_right, size as usize);
        let began = Instant::now();
        let (better, edges) = resolve(s, &current, &chosen, Budget { until, nodes: NODES });
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

/// Groups breadth-first from `seed`, each taken while their edges stay within `size`:
/// first over shared right nodes (in a round, one corporation's contingents in
/// neighbouring municipalities), then over shared clients (one municipality's
/// contingents with other corporations). Nationally a corporation's contingents are
/// soon exhausted, and the exchanges that place more urgent clients move a client from
/// one corporation to another: with right nodes alone, tier 0 stayed at 4,476 (4,485
/// with clients too); at city size 89 of tier 1 (91).
fn neighbourhood(s: &Shape<'_>, seed: usize, groups_of_right: &[Vec<usize>], size: usize) -> Vec<bool> {
    let mut inside = vec![false; s.caps.len()];
    let mut seen = vec![false; s.caps.len()];
    let mut by_right = VecDeque::from([seed]);
    let mut by_left = VecDeque::new();
    seen[seed] = true;
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
}

/// The sub-problem of the groups `inside` around the matching `current`.
fn sub_problem(s: &Shape<'_>, current: &[usize], inside: &[bool]) -> Sub {
    // Free: the groups' dwellings, whoever holds one of them now, and the clients with
    // an edge into them who hold nothing. A client matched elsewhere keeps its match:
    // freeing it would free its dwelling too, and the sub-problem would grow by a whole
    // municipality for each such client.
    let mut free_left = vec![false; s.n_left];
    let mut free_right = vec![false; s.n_right];
    for (e, g) in s.group_of.iter().enumerate() {
        if g.is_some_and(|g| inside[g]) {
            free_right[s.edges[e].1] = true;
        }
    }
    let mut matched = vec![false; s.n_left];
    let mut load = s.caps.to_vec();
    let mut kept = Vec::new();
    let mut before = 0i128;
    for &e in current {
        let (l, r, _) = s.edges[e];
        matched[l] = true;
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
    for (e, g) in s.group_of.iter().enumerate() {
        if g.is_some_and(|g| inside[g]) && !matched[s.edges[e].0] {
            free_left[s.edges[e].0] = true;
        }
    }
    // Every edge between free nodes, each group with the room it has.
    let mut local_of_left = vec![usize::MAX; s.n_left];
    let mut local_of_right = vec![usize::MAX; s.n_right];
    let mut local_group = vec![usize::MAX; s.caps.len()];
    let mut sub = Sub { n_left: 0, n_right: 0, edges: Vec::new(), groups: Vec::new(), global: Vec::new(), kept, before };
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
                }
                sub.groups[local_group[g]].0.push(sub.edges.len());
            }
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
    let sub = sub_problem(s, current, inside);
    let size = sub.edges.len();
    let Some(chosen) = folded_optimum(sub.n_left, sub.n_right, &sub.edges, &sub.groups, s.n_tiers, budget) else {
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
        let (out, _) = with_shape(inst, |s| improve(s, start, 0, far));
        value(inst, &out)
    }

    /// A feasible start: the edges in order, where both nodes are free and the group has
    /// room.
    fn greedy(inst: &Instance) -> Vec<usize> {
        crate::testing::greedy(inst.0, inst.1, &inst.2, &inst.3, 0..inst.2.len())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        /// Never worse, always feasible.
        #[test]
        fn never_worse(inst in instance()) {
            let start = greedy(&inst);
            let before = value(&inst, &start)?;
            let after = search(&inst, &start)?;
            prop_assert!(after >= before);
            prop_assert!(after <= brute(&inst, &folded(&inst)));
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
