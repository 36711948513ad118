//! The neighbourhood an LP solution induces (RINS, relaxation-induced neighbourhood
//! search): the matching problem restricted to the edges the LP uses and the incumbent's,
//! solved exactly — on a tier stage's counts by the folded model ([`improve`]), or, from
//! a weight LP with the tiers held, for the weight with the counts as rows
//! ([`improve_held`], which the tier stages try first since stop 28).
//!
//! Why: on the city round tier 1's LP is 113.00, solved by PDHG in ~470 ms, and every
//! flow-shaped or group-shaped neighbourhood leaves the incumbent at 108-110 however long
//! it runs (groups of 5,000 edges solved exactly on the counts for 8 s: no gain). What
//! places the last ones is a rearrangement across most of the round at once, of many
//! tier-0 matches too; the LP's support holds it. The LP's solution is interior (PDHG ends
//! inside its wide optimal face, tier 0 spread thin), so the cut is low: at 0.05 the
//! set held ~3,800-4,300 edges and a matching of 112-113 in every traced run (at 0.1,
//! ~2,200 edges and nothing better than the incumbent; at 0.02, ~14,000 edges, too many
//! to solve in 4 s).

use crate::lp::{folded_optimum, held_optimum, Budget, Folded, LpEdge, LpGroup};
use crate::neighbourhood::Shape;
use std::time::Instant;

/// An edge is in the neighbourhood when the LP takes more than this of it.
pub(crate) const CUT: f64 = 0.05;

/// The most edges the neighbourhood may have: the LP certificate's limit, above which
/// microlp takes longer than a stage has (4,300 edges: ~600 ms for its root LP, 0.8-2.5 s
/// in all on the city round).
pub(crate) const MAX_EDGES: usize = 12_000;

/// The best matching, on the counts of the tiers up to `stage` (lower tiers and weights
/// left out), within the edges `usable` that the LP solution `x` (per edge) takes more
/// than [`CUT`] of, and those of `incumbent`; by `until`. Its own optimum or the best its
/// branching found in time; `None` when the neighbourhood is larger than [`MAX_EDGES`] or
/// nothing was found. The incumbent's matches of those tiers are in it, so a proven result
/// is never worse on those counts.
pub(crate) fn improve(s: &Shape<'_>, incumbent: &[usize], x: &[f64], stage: usize, usable: &[bool], until: Instant) -> Option<Vec<usize>> {
    let counts = |e: usize| s.tier[s.edges[e].0] <= stage;
    let mut inside: Vec<bool> = (0..s.edges.len()).map(|e| counts(e) && usable[e] && x[e] > CUT).collect();
    for &e in incumbent.iter().filter(|&&e| counts(e)) {
        inside[e] = true;
    }
    let n = Neighbourhood::new(s, &inside)?;
    // Weights left out: with them the folded objective of a city round passes 2^40 and
    // the model declines; on the counts alone it solved these in 0.8-2.5 s.
    let edges: Vec<LpEdge> = n.ids.iter().map(|&e| (s.edges[e].0, s.edges[e].1, 0, s.tier[s.edges[e].0])).collect();
    n.matching(folded_optimum(s.n_left, s.n_right, &edges, &n.groups, s.n_tiers, Budget { until, nodes: u64::MAX }))
}

/// The heaviest matching with at least `held[t]` matches of each tier `t` and, with
/// `lead`, the most matches of that tier first (the other tiers free), within the edges
/// `usable` that a weight LP's solution `x` takes more than [`CUT`] of, and the
/// incumbent's; by `until`. Where those are more than [`MAX_EDGES`], the cut rises until
/// no more than `MAX_EDGES` less the incumbent's are above it. The LP is the weight's with
/// the tiers so far held at their bounds ([`crate::pdhg`]). The counts held are rows of
/// the model, not factors of its objective (the city's fold passes 2^40). `None` when no
/// edge is inside and when the neighbourhood holds no matching with those counts.
///
/// Why: on the city round the count stages' own neighbourhood ([`improve`], ~4,200
/// edges, tier 0 spread thin) placed tier 1's last ones in about half the runs, and the
/// weight stage's search, with the tiers at their bounds (889 / 113 / 10), left the
/// weight at 403,300-403,750 however long (40 s: gap 6.4e-3; HiGHS' MIP 406,312): its
/// neighbourhoods cannot move without breaking the counts. A weight LP's solution is
/// far less spread: after 0.6-1 s of PDHG its neighbourhood held 2,600-3,700 edges and
/// matchings at the tier bounds with weights 406,295-406,357, found in 0.2-2.1 s.
/// Nationally the support is 12,000-18,000 edges after a few seconds of PDHG (more than
/// the model solves in a stage), and no neighbourhood was tried until the cut rose: at
/// ~0.29, ~7,500 edges with the incumbent's, solved in 0.1-0.2 s; from there the weight
/// stage's column generation proved the national round optimal at 30 s in 2 of 4 runs
/// (see `lagrange.rs`).
pub(crate) fn improve_held(
    s: &Shape<'_>,
    incumbent: &[usize],
    x: &[f64],
    held: &[i64],
    lead: Option<usize>,
    usable: &[bool],
    until: Instant,
) -> Option<Vec<usize>> {
    let cut = cut_within(x, usable, MAX_EDGES.saturating_sub(incumbent.len()));
    let mut inside: Vec<bool> = (0..s.edges.len()).map(|e| usable[e] && x[e] > cut).collect();
    for &e in incumbent {
        inside[e] = true;
    }
    let n = Neighbourhood::new(s, &inside)?;
    let edges: Vec<LpEdge> = n.ids.iter().map(|&e| (s.edges[e].0, s.edges[e].1, s.edges[e].2, s.tier[s.edges[e].0])).collect();
    n.matching(held_optimum(s.n_left, s.n_right, &edges, &n.groups, held, lead, Budget { until, nodes: u64::MAX }))
}

/// The least cut at or above [`CUT`] that leaves at most `most` of the edges `usable`
/// above it.
fn cut_within(x: &[f64], usable: &[bool], most: usize) -> f64 {
    let mut above: Vec<f64> = x.iter().zip(usable).filter(|(x, u)| **u && **x > CUT).map(|(x, _)| *x).collect();
    if above.len() <= most {
        return CUT;
    }
    above.sort_unstable_by(|a, b| b.total_cmp(a));
    above[most]
}

/// A set of edges as a model of their own: their ids and the groups over them.
struct Neighbourhood {
    /// The edges inside, in index order: the model's edge `i` is edge `ids[i]`.
    ids: Vec<usize>,
    groups: Vec<LpGroup>,
}

impl Neighbourhood {
    /// `None` when no edge is inside or more than [`MAX_EDGES`] are.
    fn new(s: &Shape<'_>, inside: &[bool]) -> Option<Self> {
        let ids: Vec<usize> = (0..s.edges.len()).filter(|&e| inside[e]).collect();
        if ids.is_empty() || ids.len() > MAX_EDGES {
            return None;
        }
        let mut local = vec![usize::MAX; s.edges.len()];
        for (i, &e) in ids.iter().enumerate() {
            local[e] = i;
        }
        let groups =
            s.members.iter().zip(s.caps).map(|(m, &cap)| (m.iter().filter(|&&e| inside[e]).map(|&e| local[e]).collect(), cap)).collect();
        Some(Neighbourhood { ids, groups })
    }

    /// The model's result as edges of the round, when it has a whole matching.
    fn matching(&self, found: Folded) -> Option<Vec<usize>> {
        match found {
            Folded::Optimum(chosen) | Folded::Unproven(Some(chosen)) => Some(chosen.into_iter().map(|i| self.ids[i]).collect()),
            Folded::Unproven(None) | Folded::Declined => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{random_round, unlimited};
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    /// A small random round with what a neighbourhood is built from: its adjacency, group
    /// members and unit folded weights, and its edges as the test helpers take them.
    struct Fixture {
        r: crate::testing::Round,
        adj: Vec<Vec<(usize, usize)>>,
        members: Vec<Vec<usize>>,
        folded: Vec<i128>,
        test_edges: Vec<crate::testing::TestEdge>,
    }

    impl Fixture {
        fn random(rng: &mut StdRng) -> Self {
            let r = random_round(rng);
            let (adj, members) = r.adjacency();
            let folded = r.edges.iter().map(|_| 1).collect();
            let test_edges = r.edges.iter().zip(&r.group_of).map(|(&(l, d, w), g)| (l, d, w, *g)).collect();
            Fixture { r, adj, members, folded, test_edges }
        }

        fn shape(&self) -> Shape<'_> {
            let r = &self.r;
            Shape {
                n_left: r.n_left,
                n_right: r.n_right,
                edges: &r.edges,
                tier: &r.tier,
                n_tiers: 3,
                group_of: &r.group_of,
                caps: &r.caps,
                folded: &self.folded,
                adj: &self.adj,
                members: &self.members,
            }
        }
    }

    /// The cut a neighbourhood too large for the model rises to (see [`improve_held`]):
    /// never below [`CUT`], at most `most` usable edges above it, and the least such cut
    /// — any lower one leaves more than `most` above it (ties counted: values from a
    /// few levels, so many edges share one).
    #[test]
    fn the_cut_rises_only_until_the_neighbourhood_fits() {
        use rand::Rng;
        let mut rng = StdRng::seed_from_u64(13);
        let (mut rose, mut stayed) = (0, 0);
        for _ in 0..2_000 {
            let n = rng.random_range(0..60);
            let x: Vec<f64> = (0..n).map(|_| f64::from(rng.random_range(0..12u8)) / 10.0).collect();
            let usable: Vec<bool> = (0..n).map(|_| rng.random_bool(0.8)).collect();
            let most = rng.random_range(0..40);
            let above = |c: f64| x.iter().zip(&usable).filter(|(x, u)| **u && **x > c).count();
            let cut = cut_within(&x, &usable, most);
            assert!(cut >= CUT && above(cut) <= most, "{cut} leaves {} above, most {most}", above(cut));
            if cut > CUT {
                let at_or_above = x.iter().zip(&usable).filter(|(x, u)| **u && **x >= cut).count();
                assert!(at_or_above > most, "a lower cut than {cut} fits {most}");
                rose += 1;
            } else {
                stayed += 1;
            }
        }
        assert!(rose > 100 && stayed > 100, "both cases: rose {rose}, stayed {stayed}");
    }

    /// On small random rounds, per tier stage: with the indicator of a matching that is
    /// optimal on the stage's counts as the LP's solution, and an empty incumbent, the
    /// neighbourhood holds that matching and the solve finds one as good; with nothing
    /// above the cut it is the incumbent's edges alone, and the solve has its counts (a
    /// greedy incumbent's, short of the optimum on some rounds); with no edge usable it
    /// is empty. Every result is a matching within the caps, of the stage's tiers only.
    #[test]
    fn finds_what_the_lp_solution_holds_and_keeps_the_incumbent() {
        let mut rng = StdRng::seed_from_u64(11);
        let (mut short_of_optimum, mut placed_by_support) = (0, 0);
        for _ in 0..300 {
            let f = Fixture::random(&mut rng);
            let (r, s, test_edges) = (&f.r, f.shape(), &f.test_edges);
            for stage in 1..3 {
                // The stage's counts, lexicographic: tier t of those up to the stage.
                let value = |k: usize| match r.tier[r.edges[k].0] {
                    t if t <= stage => 8i128.pow((stage - t) as u32),
                    _ => 0,
                };
                let measure = |m: &[usize]| m.iter().map(|&k| value(k)).sum::<i128>();
                let (optimum, best) = crate::testing::brute_matching(r.n_left, r.n_right, test_edges, &r.caps, &value);
                let x: Vec<f64> = (0..r.edges.len()).map(|k| f64::from(u8::from(best.contains(&k)))).collect();
                let usable = vec![true; r.edges.len()];
                let found = improve(&s, &[], &x, stage, &usable, unlimited().until).unwrap_or_default();
                crate::testing::within_caps(r.n_left, r.n_right, test_edges, &r.caps, &found).unwrap();
                assert!(found.iter().all(|&k| r.tier[r.edges[k].0] <= stage), "a lower tier's edge in {found:?}");
                assert_eq!(measure(&found), optimum, "stage {stage}: the LP's support holds the optimum");
                // The same support with none of its edges usable: nothing left to match.
                let unusable = vec![false; r.edges.len()];
                let none = improve(&s, &[], &x, stage, &unusable, unlimited().until).unwrap_or_default();
                assert_eq!(measure(&none), 0, "stage {stage}: an edge that is not usable was used");
                placed_by_support += usize::from(optimum > 0);
                // From a greedy incumbent with nothing above the cut: its counts again.
                let greedy = crate::testing::greedy(r.n_left, r.n_right, test_edges, &r.caps, 0..r.edges.len());
                let nothing = vec![0.0; r.edges.len()];
                let kept = improve(&s, &greedy, &nothing, stage, &usable, unlimited().until).unwrap_or_default();
                crate::testing::within_caps(r.n_left, r.n_right, test_edges, &r.caps, &kept).unwrap();
                assert_eq!(measure(&kept), measure(&greedy), "stage {stage}: the incumbent's edges alone");
                short_of_optimum += usize::from(measure(&greedy) < optimum);
            }
        }
        // The cut left out the edges that do better on some rounds, and the unusable
        // support would have placed someone on some.
        assert!(short_of_optimum > 0 && placed_by_support > 0);
    }

    /// On small random rounds, with the first `h` tiers held at their lexicographic
    /// optimum (by enumeration) and the indicator of a matching optimal on (those counts,
    /// weight) as the LP's solution, the neighbourhood gives a matching at those counts
    /// with the optimum's weight (the tiers past `h` free), and so with the last of them
    /// led instead of held; held one above what any matching reaches, nothing; from a
    /// greedy incumbent with nothing above the cut, its counts and at least its weight;
    /// with no edge usable and no incumbent, nothing.
    #[test]
    fn held_neighbourhood_meets_the_counts_with_the_heaviest_matching() {
        const B: i128 = 1 << 12;
        let mut rng = StdRng::seed_from_u64(12);
        let (mut refused, mut lighter_elsewhere) = (0, 0);
        for _ in 0..300 {
            let f = Fixture::random(&mut rng);
            let (r, s, test_edges) = (&f.r, f.shape(), &f.test_edges);
            let weight = |m: &[usize]| m.iter().map(|&k| r.edges[k].2).sum::<i64>();
            for h in 1..=3usize {
                let counts =
                    |m: &[usize]| (0..h).map(|t| m.iter().filter(|&&k| r.tier[r.edges[k].0] == t).count() as i64).collect::<Vec<_>>();
                // Counts of the held tiers first (each below B), then the weight.
                let value = |k: usize| {
                    let t = r.tier[r.edges[k].0];
                    (if t < h { B.pow((h - t) as u32) } else { 0 }) + i128::from(r.edges[k].2)
                };
                let (_, best) = crate::testing::brute_matching(r.n_left, r.n_right, test_edges, &r.caps, &value);
                let held = counts(&best);
                let x: Vec<f64> = (0..r.edges.len()).map(|k| f64::from(u8::from(best.contains(&k)))).collect();
                let usable = vec![true; r.edges.len()];
                let found = improve_held(&s, &[], &x, &held, None, &usable, unlimited().until);
                if best.is_empty() {
                    assert_eq!(found, None, "an empty neighbourhood");
                    continue;
                }
                let found = found.expect("the support holds a matching at the counts");
                crate::testing::within_caps(r.n_left, r.n_right, test_edges, &r.caps, &found).unwrap();
                assert_eq!((counts(&found), weight(&found)), (held.clone(), weight(&best)), "h {h}");
                // The last tier led instead of held: the same.
                let led = improve_held(&s, &[], &x, &held[..h - 1], Some(h - 1), &usable, unlimited().until);
                let led = led.expect("the support holds a matching at the counts above");
                assert_eq!((counts(&led), weight(&led)), (held.clone(), weight(&best)), "h {h}, led");
                // One more of the first tier than any matching has: nothing.
                let mut above = held.clone();
                above[0] += 1;
                assert_eq!(improve_held(&s, &[], &x, &above, None, &usable, unlimited().until), None);
                refused += 1;
                // No edge usable, no incumbent: nothing to match.
                assert_eq!(improve_held(&s, &[], &x, &held, None, &vec![false; r.edges.len()], unlimited().until), None);
                // From a greedy incumbent alone: its counts, at least its weight.
                let greedy = crate::testing::greedy(r.n_left, r.n_right, test_edges, &r.caps, 0..r.edges.len());
                let nothing = vec![0.0; r.edges.len()];
                if let Some(kept) = improve_held(&s, &greedy, &nothing, &counts(&greedy), None, &usable, unlimited().until) {
                    crate::testing::within_caps(r.n_left, r.n_right, test_edges, &r.caps, &kept).unwrap();
                    assert!(kept.iter().all(|k| greedy.contains(k)), "an edge from outside the neighbourhood");
                    assert_eq!(counts(&kept), counts(&greedy));
                    assert!(weight(&kept) >= weight(&greedy));
                    lighter_elsewhere += usize::from(weight(&greedy) < weight(&best) && counts(&greedy) == held);
                } else {
                    assert!(greedy.is_empty(), "the incumbent is a matching at its own counts");
                }
            }
        }
        assert!(refused > 100 && lighter_elsewhere > 0, "refused {refused}, lighter {lighter_elsewhere}");
    }
}
