use solver::generate::{generate, Size};
use solver::model::build;
use solver::optimize::{solve_with, Limits, Objective};
fn main() {
    let size: Size = std::env::args().nth(1).unwrap_or("region".into()).parse().unwrap();
    let nodes: usize = std::env::args().nth(2).unwrap_or("1".into()).parse().unwrap();
    let iters: usize = std::env::args().nth(3).unwrap_or("60".into()).parse().unwrap();
    let r = generate(size, 1);
    let t = std::time::Instant::now();
    let b = build(&r);
    println!("build {:?} edges {} groups {}", t.elapsed(), b.graph.edges.len(), b.graph.groups.len());
    let s =
        solve_with(&b.graph, Objective::Tiered, Limits { max_nodes: nodes, iterations: iters, time_limit_ms: 60_000, ..Limits::default() })
            .unwrap();
    println!(
        "status {:?} gap {} nodes {} assignments {} ms {} tiers {:?} stages {:?}",
        s.status,
        s.gap,
        s.nodes,
        s.assignments,
        s.millis,
        s.tier_counts,
        s.stages.iter().map(|s| s.proven).collect::<Vec<_>>()
    );
}
