//! Diagnosis: the LP relaxation of a generated round, one LP per stage (each tier's count
//! held at least at the floor of its LP value, as the certificate holds its bounds):
//! `cargo run -p solver --release --example lp -- SIZE [SEED] [highs]`, by microlp, or by
//! HiGHS with `highs` (build `--features highs`; the national round takes microlp hours).
use good_lp::{constraint, variable, Expression, ProblemVariables, Solution, SolverModel, Variable};
use solver::generate::{generate, Size};
use solver::model::build;
use std::collections::HashMap;

fn main() {
    let size: Size = std::env::args().nth(1).unwrap_or("region".into()).parse().unwrap();
    let seed: u64 = std::env::args().nth(2).unwrap_or("1".into()).parse().unwrap();
    let highs = std::env::args().nth(3).as_deref() == Some("highs");
    let g = build(&generate(size, seed)).graph;
    let tiers = g.left.iter().map(|l| l.tier as usize + 1).max().unwrap();
    let tier_of: HashMap<&str, usize> = g.left.iter().map(|l| (l.id.as_str(), l.tier as usize)).collect();
    // Each node's edges, so that a constraint is built from its own (in the nodes' order:
    // the same model each run).
    let left_index: HashMap<&str, usize> = g.left.iter().enumerate().map(|(i, l)| (l.id.as_str(), i)).collect();
    let right_index: HashMap<&str, usize> = g.right.iter().enumerate().map(|(i, r)| (r.id.as_str(), i)).collect();
    let mut by_left: Vec<Vec<usize>> = vec![Vec::new(); g.left.len()];
    let mut by_right: Vec<Vec<usize>> = vec![Vec::new(); g.right.len()];
    for (k, e) in g.edges.iter().enumerate() {
        by_left[left_index[e.left.as_str()]].push(k);
        by_right[right_index[e.right.as_str()]].push(k);
    }
    let mut floors: Vec<f64> = vec![];
    for stage in 0..=tiers {
        let mut vars = ProblemVariables::new();
        let x: Vec<Variable> = g.edges.iter().map(|_| vars.add(variable().min(0.0).max(1.0))).collect();
        let count =
            |t: usize| -> Expression { g.edges.iter().zip(&x).filter(|(e, _)| tier_of[e.left.as_str()] == t).map(|(_, v)| *v).sum() };
        let objective: Expression =
            if stage < tiers { count(stage) } else { g.edges.iter().zip(&x).map(|(e, v)| e.weight as f64 * *v).sum() };
        let mut constraints = Vec::new();
        for edges in by_left.iter().chain(&by_right).filter(|edges| !edges.is_empty()) {
            let e: Expression = edges.iter().map(|&k| x[k]).sum();
            constraints.push(constraint!(e <= 1.0));
        }
        for grp in &g.groups {
            let e: Expression = grp.edges.iter().map(|k| x[*k]).sum();
            constraints.push(constraint!(e <= grp.cap as f64));
        }
        for (t, floor) in floors.iter().enumerate() {
            constraints.push(constraint!(count(t) >= *floor));
        }
        let t = std::time::Instant::now();
        let (val, frac) = if highs {
            #[cfg(feature = "highs")]
            {
                let sol = vars.maximise(objective.clone()).using(good_lp::highs).with_all(constraints).solve().unwrap();
                (sol.eval(&objective), fractional(&x, |v| sol.value(v)))
            }
            #[cfg(not(feature = "highs"))]
            panic!("build with --features highs")
        } else {
            let sol = vars.maximise(objective.clone()).using(good_lp::microlp).with_all(constraints).solve().unwrap();
            (sol.eval(&objective), fractional(&x, |v| sol.value(v)))
        };
        println!("stage {stage}: LP {val:.4} ({frac} fractional) in {:?}", t.elapsed());
        floors.push((val + 1e-6).floor());
    }
}

/// How many variables the LP's solution leaves strictly between 0 and 1.
fn fractional(x: &[Variable], value: impl Fn(Variable) -> f64) -> usize {
    x.iter().filter(|v| (1e-6..1.0 - 1e-6).contains(&value(**v))).count()
}
