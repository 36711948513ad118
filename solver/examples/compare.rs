//! Where two solutions of one generated round differ — what a search misses that another
//! finds: `cargo run -p solver --release --example compare -- SIZE [MS] [OTHER]` compares
//! ours in MS milliseconds (2000) with ours in OTHER (20000), or with `highs` as OTHER
//! (build `--features highs`) with HiGHS' MIP. `SEED=N` another round than seed 1.
//!
//! The two matchings' symmetric difference falls apart into alternating components
//! (joined by a shared client or dwelling). For each that changes who is placed, it
//! prints how the tier counts change and which groups' loads; then the groups whose load
//! changes over all components (the room one solution uses that the other leaves).
use solver::generate::{generate, Size};
use solver::model::build;
use solver::optimize::{solve_with, Graph, Limits, Objective, Solution};
use std::collections::{BTreeMap, BTreeSet, HashMap};

fn main() {
    let mut args = std::env::args().skip(1);
    let size: Size = args.next().unwrap_or("city".into()).parse().expect("region, city or national");
    let ms: u64 = args.next().map_or(2_000, |s| s.parse().expect("milliseconds"));
    let other = args.next().unwrap_or("20000".into());
    let seed = std::env::var("SEED").map_or(1, |v| v.parse().expect("a seed"));
    let g = build(&generate(size, seed)).graph;
    let ours = solve_with(&g, Objective::Tiered, Limits { time_limit_ms: ms, ..Limits::default() }).expect("a valid round");
    let theirs = match other.as_str() {
        #[cfg(feature = "highs")]
        "highs" => solve_with(
            &g,
            Objective::Tiered,
            Limits { backend: solver::optimize::Backend::Highs, time_limit_ms: 600_000, ..Limits::default() },
        ),
        ms => solve_with(&g, Objective::Tiered, Limits { time_limit_ms: ms.parse().expect("milliseconds or highs"), ..Limits::default() }),
    }
    .expect("a valid round");
    compare(&g, &ours, &theirs);
}

/// Per matched pair, its edge's index.
fn edges_of(g: &Graph, s: &Solution) -> BTreeSet<usize> {
    let index: HashMap<(&str, &str), usize> = g.edges.iter().enumerate().map(|(i, e)| ((e.left.as_str(), e.right.as_str()), i)).collect();
    s.matched.iter().map(|p| index[&(p.left.as_str(), p.right.as_str())]).collect()
}

fn compare(g: &Graph, a: &Solution, b: &Solution) {
    let mut group_of = vec![None; g.edges.len()];
    for (k, group) in g.groups.iter().enumerate() {
        group.edges.iter().for_each(|&e| group_of[e] = Some(k));
    }
    let tier: HashMap<&str, u32> = g.left.iter().map(|l| (l.id.as_str(), l.tier)).collect();
    let (ea, eb) = (edges_of(g, a), edges_of(g, b));
    for (name, s, edges) in [("first", a, &ea), ("second", b, &eb)] {
        let mut load = vec![0i64; g.groups.len()];
        edges.iter().filter_map(|&e| group_of[e]).for_each(|k| load[k] += 1);
        let full = load.iter().zip(&g.groups).filter(|(l, gr)| **l >= gr.cap).count();
        println!(
            "{name}: tiers {:?} weight {} in {} ms; {full} of {} groups full",
            s.tier_counts,
            s.total_weight,
            s.millis,
            g.groups.len()
        );
    }
    let only_a: Vec<usize> = ea.difference(&eb).copied().collect();
    let only_b: Vec<usize> = eb.difference(&ea).copied().collect();
    println!("edges only in the first: {}, only in the second: {}", only_a.len(), only_b.len());

    // Components: union-find over the clients and dwellings the differing edges join.
    let n_left = g.left.len();
    let left_index: HashMap<&str, usize> = g.left.iter().enumerate().map(|(i, l)| (l.id.as_str(), i)).collect();
    let right_index: HashMap<&str, usize> = g.right.iter().enumerate().map(|(i, r)| (r.id.as_str(), n_left + i)).collect();
    let mut parent: Vec<usize> = (0..n_left + g.right.len()).collect();
    fn root(parent: &mut [usize], mut v: usize) -> usize {
        while parent[v] != v {
            parent[v] = parent[parent[v]];
            v = parent[v];
        }
        v
    }
    let ends = |e: usize| (left_index[g.edges[e].left.as_str()], right_index[g.edges[e].right.as_str()]);
    for &e in only_a.iter().chain(&only_b) {
        let (l, r) = ends(e);
        let (x, y) = (root(&mut parent, l), root(&mut parent, r));
        parent[x] = y;
    }
    // Per component: its edges from each side.
    let mut components: BTreeMap<usize, (Vec<usize>, Vec<usize>)> = BTreeMap::new();
    for &e in &only_a {
        let c = root(&mut parent, ends(e).0);
        components.entry(c).or_default().0.push(e);
    }
    for &e in &only_b {
        let c = root(&mut parent, ends(e).0);
        components.entry(c).or_default().1.push(e);
    }
    let mut sizes: Vec<usize> = components.values().map(|(x, y)| x.len() + y.len()).collect();
    sizes.sort_unstable_by(|x, y| y.cmp(x));
    println!("{} alternating components, the largest of {:?} edges", sizes.len(), &sizes[..sizes.len().min(8)]);

    let n_tiers = a.tier_counts.len().max(b.tier_counts.len());
    let mut net_load: BTreeMap<usize, i64> = BTreeMap::new();
    let mut swaps = vec![0usize; n_tiers];
    for (from_a, from_b) in components.values() {
        // Who is placed in one and not the other, per tier.
        let placed = |edges: &[usize]| -> BTreeSet<&str> { edges.iter().map(|&e| g.edges[e].left.as_str()).collect() };
        let (pa, pb) = (placed(from_a), placed(from_b));
        let mut change = vec![0i64; n_tiers];
        pb.difference(&pa).for_each(|l| change[tier[l] as usize] += 1);
        pa.difference(&pb).for_each(|l| change[tier[l] as usize] -= 1);
        for (t, swapped) in swaps.iter_mut().enumerate() {
            let left_out = pa.difference(&pb).filter(|l| tier[*l] as usize == t).count();
            let taken_in = pb.difference(&pa).filter(|l| tier[*l] as usize == t).count();
            *swapped += left_out.min(taken_in);
        }
        let mut load: BTreeMap<usize, i64> = BTreeMap::new();
        from_b.iter().filter_map(|&e| group_of[e]).for_each(|k| *load.entry(k).or_default() += 1);
        from_a.iter().filter_map(|&e| group_of[e]).for_each(|k| *load.entry(k).or_default() -= 1);
        load.retain(|_, d| *d != 0);
        for (&k, &d) in &load {
            *net_load.entry(k).or_default() += d;
        }
        if change.iter().any(|&d| d != 0) {
            let touched: BTreeSet<usize> = from_a.iter().chain(from_b).filter_map(|&e| group_of[e]).collect();
            let named: Vec<String> = load.iter().map(|(&k, d)| format!("{} {d:+}", g.groups[k].id)).collect();
            println!(
                "  {} edges, tiers {change:?}, {} groups touched, loads changed: {}",
                from_a.len() + from_b.len(),
                touched.len(),
                named.join(", ")
            );
        }
    }
    println!("placed clients swapped for others of the same tier, per tier: {swaps:?}");
    let mut load_a = vec![0i64; g.groups.len()];
    ea.iter().filter_map(|&e| group_of[e]).for_each(|k| load_a[k] += 1);
    let changed: Vec<String> = net_load
        .iter()
        .filter(|(_, d)| **d != 0)
        .map(|(&k, d)| format!("{} {d:+} (first {} of {})", g.groups[k].id, load_a[k], g.groups[k].cap))
        .collect();
    println!("group loads changed over all: {}", changed.join(", "));
}
