//! `cargo bench -p solver [--features highs]`: the matcher on seeded rounds of each size,
//! each within its target time, against HiGHS' MIP on the same stages (with the feature)
//! and, without caps, against the Hungarian algorithm (`pathfinding::kuhn_munkres`).
//! Prints tables of size, edges, groups, status, tiers proven, gap, objective, time and
//! peak memory, then runs criterion on the region size. `BENCH_SIZES=region,city,national`
//! picks the sizes (default region,city); `BENCH_HIGHS_SECONDS` HiGHS' limit (120); the
//! Hungarian runs only where its dense matrix fits.

use criterion::Criterion;
use pathfinding::prelude::{kuhn_munkres, Matrix};
use solver::generate::{generate, Size};
use solver::model::build;
use solver::optimize::{solve, solve_with, Graph, Limits, Objective};
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

/// Peak memory from here on: the kernel's high-water mark is reset first.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// One solve's line: status, tiers proven, gap, time, peak.
struct Run {
    status: String,
    proven: usize,
    tiers: usize,
    gap: f64,
    ms: f64,
    peak: f64,
    tier_counts: Vec<i64>,
    weight: i64,
}

fn run(g: &Graph, limits: Limits) -> Run {
    reset_peak();
    let t = Instant::now();
    let s = solve_with(g, Objective::Tiered, limits).unwrap();
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    Run {
        status: format!("{:?}", s.status).to_lowercase(),
        proven: s.stages.iter().filter(|st| st.name.starts_with("tier") && st.proven).count(),
        tiers: s.tier_counts.len(),
        gap: s.gap,
        ms,
        peak: peak_mib(),
        tier_counts: s.tier_counts,
        weight: s.total_weight,
    }
}

/// Ours gets each size's target time; HiGHS `BENCH_HIGHS_SECONDS` (default 120).
fn budget_ms(size: Size) -> u64 {
    match size {
        Size::Region => 100,
        Size::City => 2_000,
        Size::National => 60_000,
    }
}

/// A second time for ours where the target time does not reach HiGHS' gap: the city's
/// tenth of HiGHS' time (100.7 s at stop 13), for the "10× at an equal gap" comparison.
fn second_budget_ms(size: Size) -> Option<u64> {
    matches!(size, Size::City).then_some(10_000)
}

fn main() {
    let sizes: Vec<Size> = std::env::var("BENCH_SIZES")
        .unwrap_or_else(|_| "region,city".into())
        .split(',')
        .map(|s| s.trim().parse().expect("region, city or national"))
        .collect();
    let highs_s: u64 = std::env::var("BENCH_HIGHS_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(120);
    println!(
        "| size | clients × dwellings | edges | groups | solver | status | tiers proven | gap | tier counts | weight | ms | peak MiB |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    let mut free_lines = Vec::new();
    // Each instance is generated again where it is solved, so the peak is one instance's.
    let graph = |size: Size| build(&generate(size, 1)).graph;
    // Ours on every size first, then HiGHS: memory HiGHS gave back may stay with the
    // process and would count in our peak.
    let mut runs: Vec<(Size, String, Run)> = Vec::new();
    for &size in &sizes {
        runs.push((size, "ours".into(), run(&graph(size), Limits { time_limit_ms: budget_ms(size), ..Limits::default() })));
        if let Some(ms) = second_budget_ms(size) {
            runs.push((size, format!("ours ({} s)", ms / 1000), run(&graph(size), Limits { time_limit_ms: ms, ..Limits::default() })));
        }
    }
    #[cfg(feature = "highs")]
    for &size in &sizes {
        let limits = Limits { time_limit_ms: highs_s * 1000, backend: solver::optimize::Backend::Highs, ..Limits::default() };
        runs.push((size, "HiGHS MIP".into(), run(&graph(size), limits)));
    }
    let _ = highs_s;
    for size in &sizes {
        let g = &graph(*size);
        let head = format!("| {size:?} | {} × {} | {} | {} |", g.left.len(), g.right.len(), g.edges.len(), g.groups.len());
        let mine: Vec<&(Size, String, Run)> = runs.iter().filter(|r| r.0 == *size).collect();
        for (_, name, r) in &mine {
            println!(
                "{head} {name} | {} | {}/{} | {:.1e} | {:?} | {} | {:.1} | {:.0} |",
                r.status, r.proven, r.tiers, r.gap, r.tier_counts, r.weight, r.ms, r.peak
            );
        }
        if let Some((_, _, theirs)) = mine.iter().find(|r| r.1 == "HiGHS MIP") {
            for (_, name, ours) in mine.iter().filter(|r| r.1.starts_with("ours")) {
                println!("{head} HiGHS ÷ {name} | | | | | | {:.1}× | |", theirs.ms / ours.ms);
            }
        }

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
        free_lines.push(format!("| {size:?} | {} | {free_ms:.1} | {hung_ms} | {same} | {ratio} |", g.edges.len()));
    }
    println!();
    println!("Without caps, weight alone: ours against the Hungarian algorithm (pathfinding::kuhn_munkres)");
    println!();
    println!("| size | edges | ours ms | Hungarian ms | same objective | ours ÷ Hungarian |");
    println!("| --- | --- | --- | --- | --- | --- |");
    for l in free_lines {
        println!("{l}");
    }
    let mut c = Criterion::default().configure_from_args().sample_size(10);
    let region = build(&generate(Size::Region, 1)).graph;
    c.bench_function("solve region (tiered, caps)", |b| b.iter(|| solve(&region, Objective::Tiered).unwrap()));
    let mut free = region.clone();
    free.groups.clear();
    c.bench_function("solve region (weight, no caps)", |b| b.iter(|| solve(&free, Objective::Weight).unwrap()));
    c.final_summary();
}
