//! Two matchings within the caps, merged. Their symmetric difference falls apart into
//! alternating paths and cycles, and each can be swapped from one matching into the
//! other on its own: every edge of either matching at one of its nodes is in it, so the
//! swap leaves each node matched at most once. What a swap can break is a group's cap;
//! so the components that gain are swapped in, the most first, while the groups' room
//! allows (a component that frees room can let a later one in).
//!
//! The searches' matchings differ where each found something the other did not: the
//! Lagrangian steps' repaired matching, the large-neighbourhood search's incumbent, the
//! walk's end on the counts, the other core's. Keeping the better whole throws away the
//! worse one's gains.

/// What the merge needs of the problem.
pub(crate) struct Shape<'a> {
    pub n_left: usize,
    /// (left, right, weight) per edge.
    pub edges: &'a [(usize, usize, i64)],
    pub group_of: &'a [Option<usize>],
    pub caps: &'a [i64],
}

/// One component of the symmetric difference: its edges in `base` and in `other`, what
/// swapping it gains, and how it changes the groups' loads.
struct Component {
    out: Vec<usize>,
    into: Vec<usize>,
    gain: i128,
    load: Vec<(usize, i64)>,
}

/// `base` with every component of its difference with `other` that gains by `value` (per
/// edge) swapped in, where the caps allow; both within the caps. Sorted.
pub(crate) fn merge(s: &Shape<'_>, base: &[usize], other: &[usize], value: &[i128]) -> Vec<usize> {
    let in_base: std::collections::HashSet<usize> = base.iter().copied().collect();
    let in_other: std::collections::HashSet<usize> = other.iter().copied().collect();
    let only_base: Vec<usize> = base.iter().copied().filter(|e| !in_other.contains(e)).collect();
    let only_other: Vec<usize> = other.iter().copied().filter(|e| !in_base.contains(e)).collect();
    // Union-find over the difference's nodes (left ones, then right ones offset by
    // `n_left`), in a map: the difference is small beside the problem.
    let mut parent: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
    fn find(parent: &mut std::collections::HashMap<usize, usize>, x: usize) -> usize {
        let mut root = x;
        while let Some(&p) = parent.get(&root).filter(|&&p| p != root) {
            root = p;
        }
        // Every node on the way now points at the root.
        let mut y = x;
        while y != root {
            let next = parent[&y];
            parent.insert(y, root);
            y = next;
        }
        root
    }
    for &e in only_base.iter().chain(&only_other) {
        let (l, r, _) = s.edges[e];
        let (a, b) = (find(&mut parent, l), find(&mut parent, s.n_left + r));
        parent.entry(a).or_insert(a);
        parent.insert(b, a);
    }
    let mut components: std::collections::BTreeMap<usize, Component> = std::collections::BTreeMap::new();
    for (&e, swapped_in) in only_base.iter().map(|e| (e, false)).chain(only_other.iter().map(|e| (e, true))) {
        let root = find(&mut parent, s.edges[e].0);
        let c = components.entry(root).or_insert_with(|| Component { out: Vec::new(), into: Vec::new(), gain: 0, load: Vec::new() });
        let sign = if swapped_in { 1 } else { -1 };
        c.gain += i128::from(sign) * value[e];
        if let Some(g) = s.group_of[e] {
            match c.load.iter_mut().find(|(h, _)| *h == g) {
                Some((_, d)) => *d += sign,
                None => c.load.push((g, sign)),
            }
        }
        if swapped_in {
            c.into.push(e);
        } else {
            c.out.push(e);
        }
    }
    let mut gaining: Vec<Component> = components.into_values().filter(|c| c.gain > 0).collect();
    // The most first; ties by the component's least edge, so the result does not depend
    // on the order of the input.
    gaining.sort_by_key(|c| (std::cmp::Reverse(c.gain), c.out.iter().chain(&c.into).min().copied()));
    let mut load = vec![0i64; s.caps.len()];
    for g in base.iter().filter_map(|&e| s.group_of[e]) {
        load[g] += 1;
    }
    let mut out: std::collections::HashSet<usize> = std::collections::HashSet::new();
    let mut into: Vec<usize> = Vec::new();
    // Again while a pass swaps one in: one that frees room may let an earlier one in.
    let mut taken = vec![false; gaining.len()];
    loop {
        let mut any = false;
        for (c, t) in gaining.iter().zip(taken.iter_mut()).filter(|(_, t)| !**t) {
            if c.load.iter().all(|&(g, d)| load[g] + d <= s.caps[g]) {
                for &(g, d) in &c.load {
                    load[g] += d;
                }
                out.extend(&c.out);
                into.extend(&c.into);
                *t = true;
                any = true;
            }
        }
        if !any {
            break;
        }
    }
    let mut merged: Vec<usize> = base.iter().copied().filter(|e| !out.contains(e)).chain(into).collect();
    merged.sort_unstable();
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{random_round, within_caps};
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    /// A random matching within the caps: the edges in a random order, each taken where
    /// its nodes are free and its group has room.
    fn random_matching(r: &crate::testing::Round, rng: &mut StdRng) -> Vec<usize> {
        let mut order: Vec<usize> = (0..r.edges.len()).collect();
        for i in (1..order.len()).rev() {
            order.swap(i, rng.random_range(0..=i));
        }
        let (mut left, mut right, mut load) = (vec![false; r.n_left], vec![false; r.n_right], vec![0i64; r.caps.len()]);
        let mut m = Vec::new();
        for e in order {
            let (l, d, _) = r.edges[e];
            if left[l] || right[d] || r.group_of[e].is_some_and(|g| load[g] >= r.caps[g]) || rng.random_bool(0.3) {
                continue;
            }
            left[l] = true;
            right[d] = true;
            if let Some(g) = r.group_of[e] {
                load[g] += 1;
            }
            m.push(e);
        }
        m
    }

    /// On random rounds: the merge is a matching within the caps, worth at least the
    /// base, and made of edges of the two; from two equal matchings it is that one; and
    /// without caps, where every gaining component fits, worth at least either.
    #[test]
    fn merges_what_gains_and_stays_within_the_caps() {
        let mut rng = StdRng::seed_from_u64(5);
        let mut better_than_both = 0;
        for _ in 0..2_000 {
            let r = random_round(&mut rng);
            let s = Shape { n_left: r.n_left, edges: &r.edges, group_of: &r.group_of, caps: &r.caps };
            let value: Vec<i128> = r.edges.iter().map(|e| i128::from(e.2)).collect();
            let worth = |m: &[usize]| m.iter().map(|&e| value[e]).sum::<i128>();
            let (a, b) = (random_matching(&r, &mut rng), random_matching(&r, &mut rng));
            let m = merge(&s, &a, &b, &value);
            let test_edges: Vec<crate::testing::TestEdge> = r.edges.iter().zip(&r.group_of).map(|(e, g)| (e.0, e.1, e.2, *g)).collect();
            within_caps(r.n_left, r.n_right, &test_edges, &r.caps, &m).expect("a matching within the caps");
            assert!(worth(&m) >= worth(&a), "the merge is worth at least its base");
            assert!(m.iter().all(|e| a.contains(e) || b.contains(e)), "only the two's edges");
            let mut sorted_a = a.clone();
            sorted_a.sort_unstable();
            assert_eq!(merge(&s, &a, &a, &value), sorted_a);
            let ungrouped = vec![None; r.edges.len()];
            let free = Shape { group_of: &ungrouped, caps: &[], ..s };
            let m = merge(&free, &a, &b, &value);
            assert!(worth(&m) >= worth(&a).max(worth(&b)), "without caps at least either");
            better_than_both += usize::from(worth(&m) > worth(&a).max(worth(&b)));
        }
        assert!(better_than_both >= 100, "better than both in {better_than_both} of 2,000");
    }

    /// Client 0 is better at dwelling 1 (base) and client 1 at dwelling 2 (other): the
    /// two components are apart, and the merge takes the better of each.
    #[test]
    fn takes_the_better_part_of_each() {
        let edges = [(0, 0, 5), (0, 1, 9), (1, 2, 7), (1, 3, 2)];
        let group_of = [None; 4];
        let s = Shape { n_left: 2, edges: &edges, group_of: &group_of, caps: &[] };
        let value: Vec<i128> = edges.iter().map(|e| i128::from(e.2)).collect();
        assert_eq!(merge(&s, &[1, 3], &[0, 2], &value), vec![1, 2]);
        assert_eq!(merge(&s, &[0, 2], &[1, 3], &value), vec![1, 2]);
    }

    /// A component that gains but would overfill its group is left out, unless another
    /// frees the room first.
    #[test]
    fn a_component_waits_for_room() {
        // Group 0 (cap 1): edges 1 and 2. Base holds edge 1 (client 0) and edge 3;
        // other holds edge 2 (client 1, worth more) and edge 0 (client 0 out of the group).
        let edges = [(0, 0, 8), (0, 1, 5), (1, 2, 6), (1, 3, 1)];
        let group_of = [None, Some(0), Some(0), None];
        let s = Shape { n_left: 2, edges: &edges, group_of: &group_of, caps: &[1] };
        let value: Vec<i128> = edges.iter().map(|e| i128::from(e.2)).collect();
        // Client 1's swap (+5) needs the room client 0's swap (+3) frees.
        assert_eq!(merge(&s, &[1, 3], &[0, 2], &value), vec![0, 2]);
        // Without client 0's swap on offer, client 1's does not fit.
        assert_eq!(merge(&s, &[1, 3], &[1, 2], &value), vec![1, 3]);
    }
}
