//! One generated round through the matcher, one line out, for tuning:
//! `cargo run -p solver --release --example probe -- SIZE [MILLISECONDS] [highs]`
//! (`highs` with `--features highs`). `LPMAX=0` skips the LP certificate, so the
//! Lagrangian one runs even on a region; `SEED=N` another round than seed 1; `LPDUALS=MS`
//! the least stage time for the LP's duals.
use solver::generate::{generate, Size};
use solver::model::build;
use solver::optimize::{solve_with, Limits, Objective};

fn main() {
    let size: Size = std::env::args().nth(1).unwrap_or("city".into()).parse().unwrap();
    let ms: u64 = std::env::args().nth(2).map_or(2000, |s| s.parse().unwrap());
    let seed = std::env::var("SEED").map_or(1, |v| v.parse().unwrap());
    let g = build(&generate(size, seed)).graph;
    let t = std::time::Instant::now();
    #[allow(unused_mut)]
    let mut limits = Limits {
        time_limit_ms: ms,
        lp_certificate_max_edges: std::env::var("LPMAX").map_or(12_000, |v| v.parse().unwrap()),
        lp_duals_min_stage_ms: std::env::var("LPDUALS").map_or(Limits::default().lp_duals_min_stage_ms, |v| v.parse().unwrap()),
        ..Limits::default()
    };
    #[cfg(feature = "highs")]
    if std::env::args().nth(3).as_deref() == Some("highs") {
        limits.backend = solver::optimize::Backend::Highs;
    }
    let s = solve_with(&g, Objective::Tiered, limits).unwrap();
    println!(
        "{:?} {:.1} ms status {:?} gap {:.2e} tiers {:?} weight {} stages {:?} assignments {} nodes {}",
        size,
        t.elapsed().as_secs_f64() * 1e3,
        s.status,
        s.gap,
        s.tier_counts,
        s.total_weight,
        s.stages.iter().map(|s| (s.value, s.proven)).collect::<Vec<_>>(),
        s.assignments,
        s.nodes
    );
}
