//! `cargo bench -p solver`: the matcher on seeded rounds of each size, against the
//! Hungarian algorithm (`pathfinding::kuhn_munkres`) on the same instances without caps.
//! Prints a table of size, stages, variables, time, gap and peak memory, then runs
//! criterion on the region size. `BENCH_SIZES=region,city,national` picks the sizes
//! (default region,city); the Hungarian runs only where its dense matrix fits.

use criterion::Criterion;
use pathfinding::prelude::{kuhn_munkres, Matrix};
use solver::generate::{generate, Size};
use solver::model::build;
use solver::optimize::{solve, Graph, Objective};
use std::collections::HashMap;
use std::time::Instant;

fn peak_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok()))
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

/// Maximum-weight matching by the Hungarian method: one row per client, a column per
/// dwelling and one "stay unmatched" column per client.
fn hungarian(g: &Graph) -> i64 {
    let n = g.left.len();
    let m = g.right.len();
    let li: HashMap<&str, usize> = g.left.iter().enumerate().map(|(i, l)| (l.id.as_str(), i)).collect();
    let ri: HashMap<&str, usize> = g.right.iter().enumerate().map(|(i, r)| (r.id.as_str(), i)).collect();
    const NONE: i64 = -1_000_000_000;
    let mut w = Matrix::new(n, m + n, NONE);
    for i in 0..n {
        w[(i, m + i)] = 0;
    }
    for e in &g.edges {
        w[(li[e.left.as_str()], ri[e.right.as_str()])] = e.weight.max(0);
    }
    kuhn_munkres(&w).0
}

fn main() {
    let sizes: Vec<Size> = std::env::var("BENCH_SIZES")
        .unwrap_or_else(|_| "region,city".into())
        .split(',')
        .map(|s| s.trim().parse().expect("region, city or national"))
        .collect();
    println!("| size | clients × dwellings | edges | groups | ours: status | gap | tiers proven | nodes | ms | cap-free: ours ms | Hungarian ms | same objective | ratio | peak MiB |");
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for size in sizes {
        let round = generate(size, 1);
        let g = build(&round).graph;
        let t = Instant::now();
        let s = solve(&g, Objective::Tiered).unwrap();
        let ours_ms = t.elapsed().as_secs_f64() * 1000.0;
        let proven = s.stages.iter().filter(|st| st.name.starts_with("tier") && st.proven).count();
        let mut free = g.clone();
        free.groups.clear();
        let t = Instant::now();
        let f = solve(&free, Objective::Weight).unwrap();
        let free_ms = t.elapsed().as_secs_f64() * 1000.0;
        let (hung_ms, same) = if g.left.len() * (g.right.len() + g.left.len()) <= 20_000_000 {
            let t = Instant::now();
            let h = hungarian(&free);
            (
                format!("{:.1}", t.elapsed().as_secs_f64() * 1000.0),
                if h == f.total_weight.max(0) { "yes".to_string() } else { format!("NO ({h} vs {})", f.total_weight) },
            )
        } else {
            ("(matrix too large)".into(), "-".into())
        };
        let ratio = hung_ms.parse::<f64>().map_or("-".into(), |h| format!("{:.2}×", free_ms / h));
        println!(
            "| {size:?} | {} × {} | {} | {} | {:?} | {:.2e} | {proven}/{} | {} | {ours_ms:.1} | {free_ms:.1} | {hung_ms} | {same} | {ratio} | {:.0} |",
            g.left.len(),
            g.right.len(),
            g.edges.len(),
            g.groups.len(),
            s.status,
            s.gap,
            s.tier_counts.len(),
            s.nodes,
            peak_mib()
        );
    }
    let mut c = Criterion::default().configure_from_args().sample_size(10);
    let region = build(&generate(Size::Region, 1)).graph;
    c.bench_function("solve region (tiered, caps)", |b| b.iter(|| solve(&region, Objective::Tiered).unwrap()));
    let mut free = region.clone();
    free.groups.clear();
    c.bench_function("solve region (weight, no caps)", |b| b.iter(|| solve(&free, Objective::Weight).unwrap()));
    c.final_summary();
}
