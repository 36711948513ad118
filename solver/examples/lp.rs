//! Diagnosis: the LP relaxation of a generated round, solved by good_lp (microlp), with
//! the tiers weighted lexicographically by stage (one LP per stage).
use good_lp::{constraint, default_solver, variable, Expression, ProblemVariables, Solution, SolverModel};
use solver::generate::{generate, Size};
use solver::model::build;

fn main() {
    let size: Size = std::env::args().nth(1).unwrap_or("region".into()).parse().unwrap();
    let seed: u64 = std::env::args().nth(2).unwrap_or("1".into()).parse().unwrap();
    let g = build(&generate(size, seed)).graph;
    let tiers = g.left.iter().map(|l| l.tier as usize + 1).max().unwrap();
    let tier_of: std::collections::HashMap<&str, usize> = g.left.iter().map(|l| (l.id.as_str(), l.tier as usize)).collect();
    let mut fixed: Vec<f64> = vec![];
    for stage in 0..=tiers {
        let mut vars = ProblemVariables::new();
        let x: Vec<_> = g.edges.iter().map(|_| vars.add(variable().min(0.0).max(1.0))).collect();
        let count =
            |t: usize| -> Expression { g.edges.iter().zip(&x).filter(|(e, _)| tier_of[e.left.as_str()] == t).map(|(_, v)| *v).sum() };
        let objective: Expression =
            if stage < tiers { count(stage) } else { g.edges.iter().zip(&x).map(|(e, v)| e.weight as f64 * *v).sum() };
        let mut p = vars.maximise(objective.clone()).using(default_solver);
        for l in &g.left {
            let e: Expression = g.edges.iter().zip(&x).filter(|(e, _)| e.left == l.id).map(|(_, v)| *v).sum();
            p = p.with(constraint!(e <= 1.0));
        }
        for r in &g.right {
            let e: Expression = g.edges.iter().zip(&x).filter(|(e, _)| e.right == r.id).map(|(_, v)| *v).sum();
            p = p.with(constraint!(e <= 1.0));
        }
        for grp in &g.groups {
            let e: Expression = grp.edges.iter().map(|k| x[*k]).sum();
            p = p.with(constraint!(e <= grp.cap as f64));
        }
        for (t, v) in fixed.iter().enumerate() {
            p = p.with(constraint!(count(t) >= *v - 1e-6));
        }
        let t = std::time::Instant::now();
        let sol = p.solve().unwrap();
        let val = sol.eval(&objective);
        let frac = x
            .iter()
            .filter(|v| {
                let a = sol.value(**v);
                a > 1e-6 && a < 1.0 - 1e-6
            })
            .count();
        println!("stage {stage}: LP {val:.4} ({frac} fractional) in {:?}", t.elapsed());
        fixed.push(val);
    }
}
