//! A proximal bundle method for a convex piecewise-linear function over the non-negative
//! orthant: the Lagrangian dual of a stage, whose value and one subgradient an assignment
//! gives at each point.
//!
//! Each evaluation adds a cut (the function is at least the value plus the subgradient
//! times the move); the next point minimises the cuts' maximum plus a proximal term
//! around the best point so far (the centre), found through the master's dual — a
//! concave quadratic over the simplex of the cuts' weights, solved by accelerated
//! projected gradient (FISTA); a few dozen cuts make it small.

/// The method's state.
pub(crate) struct Bundle {
    /// Cuts: f(y) >= a + s·y.
    cuts: Vec<(f64, Vec<f64>)>,
    center: Vec<f64>,
    center_value: f64,
    /// The proximal step: how far from the centre the next point may go.
    t: f64,
    /// The model's value at the last point evaluated, before its own cut.
    predicted: f64,
    /// Null steps since the last serious one.
    nulls: usize,
}

/// Null steps in a row after which the method gives up.
const STALLED: usize = 25;

/// Cuts kept at most (those the master uses, and the newest).
const MAX_CUTS: usize = 40;

impl Bundle {
    pub(crate) fn new() -> Self {
        Bundle { cuts: Vec::new(), center: Vec::new(), center_value: 0.0, t: 0.0, predicted: 0.0, nulls: 0 }
    }

    /// Takes the evaluation at `y` (value `value`, subgradient `slope`) and returns the
    /// next point to evaluate. `first_step` sets the first move's size.
    pub(crate) fn next(&mut self, y: &[f64], value: f64, slope: &[f64], first_step: f64) -> Option<Vec<f64>> {
        // The model's value where the point was evaluated (the caller rounds the point
        // it was given to its grid of multipliers).
        if !self.cuts.is_empty() {
            self.predicted = self.cuts.iter().map(|(a, s)| a + dot(s, y)).fold(f64::MIN, f64::max);
        }
        let a = value - dot(slope, y);
        self.cuts.push((a, slope.to_vec()));
        if self.center.is_empty() {
            self.center = y.to_vec();
            self.center_value = value;
            self.t = first_step / dot(slope, slope).sqrt().max(1e-12);
        } else {
            let promised = self.center_value - self.predicted;
            // A promise of nothing (the model had no way down) is no step at all.
            if promised > 1e-9 * self.center_value.abs().max(1.0) && value <= self.center_value - 0.1 * promised {
                // Serious: the centre moves; a step that kept its promise may grow.
                if value <= self.center_value - 0.5 * promised {
                    self.t *= 2.0;
                }
                self.center = y.to_vec();
                self.center_value = value;
                self.nulls = 0;
            } else {
                self.nulls += 1;
                if self.nulls >= STALLED {
                    return None;
                }
                if self.nulls % 5 == 0 {
                    self.t *= 0.5;
                }
            }
        }
        // The master over the coordinates not held at zero; a coordinate the step would
        // take below zero is held there and the master solved again (a few rounds).
        let k = self.cuts.len();
        let dim = self.center.len();
        let mut free = vec![true; dim];
        let mut alpha = Vec::new();
        let mut next = self.center.clone();
        for _ in 0..3 {
            let restricted =
                |s: &[f64], y: &[f64]| -> f64 { s.iter().zip(y).zip(&free).filter(|(_, f)| **f).map(|((a, b), _)| a * b).sum() };
            let b: Vec<f64> = self.cuts.iter().map(|(a, s)| a + restricted(s, &self.center)).collect();
            let mut gram = vec![0f64; k * k];
            for i in 0..k {
                for j in i..k {
                    let v = restricted(&self.cuts[i].1, &self.cuts[j].1);
                    gram[i * k + j] = v;
                    gram[j * k + i] = v;
                }
            }
            alpha = master(&b, &gram, self.t);
            next = self.center.clone();
            for (w, (_, s)) in alpha.iter().zip(&self.cuts) {
                if *w > 0.0 {
                    next.iter_mut().zip(s).zip(&free).filter(|(_, f)| **f).for_each(|((x, d), _)| *x -= self.t * w * d);
                }
            }
            let mut changed = false;
            for d in 0..dim {
                if !free[d] {
                    next[d] = 0.0;
                } else if next[d] < 0.0 {
                    free[d] = false;
                    next[d] = 0.0;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        if k > MAX_CUTS {
            let mut keep: Vec<usize> = (0..k).filter(|&i| alpha[i] > 1e-9 || i == k - 1).collect();
            if keep.len() > MAX_CUTS {
                keep.drain(..keep.len() - MAX_CUTS);
            }
            self.cuts = keep.iter().map(|&i| self.cuts[i].clone()).collect();
        }
        Some(next)
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The cuts' weights: maximise b·α − t/2·|Σ α_i s_i|² over the simplex (FISTA).
fn master(b: &[f64], gram: &[f64], t: f64) -> Vec<f64> {
    let k = b.len();
    let times = |v: &[f64]| -> Vec<f64> { (0..k).map(|i| (0..k).map(|j| gram[i * k + j] * v[j]).sum()).collect() };
    // The gradient's Lipschitz constant: t times the Gram matrix's largest eigenvalue.
    let mut v = vec![1f64; k];
    let mut largest = 0f64;
    for _ in 0..50 {
        let w = times(&v);
        let norm = dot(&w, &w).sqrt();
        if norm < 1e-300 {
            break;
        }
        largest = norm / dot(&v, &v).sqrt();
        v = w.iter().map(|x| x / norm).collect();
    }
    let step = 1.0 / (t * largest.max(1e-12) * 1.01);
    let mut alpha = vec![0f64; k];
    alpha[k - 1] = 1.0;
    let mut z = alpha.clone();
    let mut tk = 1f64;
    for _ in 0..500 {
        let gz = times(&z);
        let moved: Vec<f64> = (0..k).map(|i| z[i] + step * (b[i] - t * gz[i])).collect();
        let next = simplex(&moved);
        let tn = (1.0 + (1.0 + 4.0 * tk * tk).sqrt()) / 2.0;
        z = next.iter().zip(&alpha).map(|(n, a)| n + (tk - 1.0) / tn * (n - a)).collect();
        alpha = next;
        tk = tn;
    }
    alpha
}

/// The Euclidean projection onto the unit simplex.
fn simplex(v: &[f64]) -> Vec<f64> {
    let mut u = v.to_vec();
    u.sort_by(|a, b| b.total_cmp(a));
    let (mut sum, mut theta) = (0.0, 0.0);
    for (i, x) in u.iter().enumerate() {
        sum += x;
        let t = (sum - 1.0) / (i + 1) as f64;
        if x - t > 0.0 {
            theta = t;
        }
    }
    v.iter().map(|x| (x - theta).max(0.0)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the method on `f` (value and a subgradient) from `start` until it stalls or
    /// `steps`; the least value it evaluated.
    fn minimise(f: impl Fn(&[f64]) -> (f64, Vec<f64>), start: Vec<f64>, steps: usize) -> f64 {
        let mut bundle = Bundle::new();
        let mut y = start;
        let mut best = f64::MAX;
        for _ in 0..steps {
            let (value, slope) = f(&y);
            best = best.min(value);
            match bundle.next(&y, value, &slope, 1.0) {
                Some(next) => {
                    assert!(next.iter().all(|x| *x >= 0.0), "the points stay in the orthant");
                    y = next;
                }
                None => break,
            }
        }
        best
    }

    /// The sum of distances to a point inside the orthant: minimum 0 there.
    fn distance(c: &[f64]) -> impl Fn(&[f64]) -> (f64, Vec<f64>) + '_ {
        move |y: &[f64]| {
            let value = y.iter().zip(c).map(|(a, b)| (a - b).abs()).sum();
            (value, y.iter().zip(c).map(|(a, b)| if a >= b { 1.0 } else { -1.0 }).collect())
        }
    }

    #[test]
    fn finds_the_minimum_of_a_piecewise_linear_function() {
        let c = [3.0, 0.5, 7.25, 1.0, 0.0];
        let best = minimise(distance(&c), vec![0.0; 5], 300);
        assert!(best < 1e-2, "least value {best}");
    }

    #[test]
    fn stays_on_the_boundary_where_the_minimum_is() {
        // Minimum over the orthant at the origin, where every slope points outwards.
        let c = [-2.0, -1.0, 4.0];
        let best = minimise(distance(&c), vec![5.0, 5.0, 0.0], 300);
        assert!((best - 3.0).abs() < 1e-2, "least value {best}, the minimum is 3");
    }

    #[test]
    fn projects_onto_the_simplex() {
        for v in [vec![0.2, 0.3, 0.5], vec![3.0, -1.0, 0.5], vec![-1.0, -2.0], vec![0.0; 4]] {
            let p = simplex(&v);
            assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12, "{v:?} -> {p:?}");
            assert!(p.iter().all(|x| *x >= 0.0));
        }
        assert_eq!(simplex(&[0.2, 0.3, 0.5]), vec![0.2, 0.3, 0.5]);
        assert_eq!(simplex(&[3.0, -1.0, 0.5]), vec![1.0, 0.0, 0.0]);
    }
}
