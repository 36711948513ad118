//! Maximum-weight bipartite matching (not necessarily perfect) on a sparse graph, by
//! shortest augmenting paths with column potentials (Jonker–Volgenant), in exact integer
//! arithmetic. Each left node may also stay unmatched, modelled as a private dummy column
//! of cost 0, so every left node is assigned and the classic algorithm applies.
//!
//! Costs are `-weight`; a left node is processed once, in index order, and ties break by
//! column index, so the result is deterministic.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// A sparse bipartite graph: for each left node, its edges as (right node, edge index).
pub(crate) struct Sparse<'a> {
    pub n_right: usize,
    pub adj: &'a [Vec<(usize, usize)>],
}

/// The matching: for each left node, the edge it uses.
pub(crate) struct Matching {
    pub edge_of_left: Vec<Option<usize>>,
    pub value: i128,
}

/// The state of one Dijkstra search over columns, reused between searches.
struct Search {
    dist: Vec<i128>,
    /// For a column: the left node that reached it and the edge (None: its dummy).
    pred: Vec<(usize, Option<usize>)>,
    done: Vec<bool>,
    touched: Vec<usize>,
    scanned: Vec<usize>,
    heap: BinaryHeap<Reverse<(i128, usize)>>,
}

impl Search {
    /// Offers every column of left node `i`, reached at distance `base` plus its reduced cost.
    fn relax(&mut self, g: &Sparse<'_>, weight: &[i128], allowed: &[bool], v: &[i128], i: usize, base: i128) {
        let dummy = g.n_right + i;
        let options = g.adj[i].iter().filter(|(_, e)| allowed[*e]).map(|&(j, e)| (j, Some(e))).chain(std::iter::once((dummy, None)));
        for (j, e) in options {
            if self.done[j] {
                continue;
            }
            let nd = base + cost(weight, e) - v[j];
            if nd < self.dist[j] {
                if self.dist[j] == i128::MAX {
                    self.touched.push(j);
                }
                self.dist[j] = nd;
                self.pred[j] = (i, e);
                self.heap.push(Reverse((nd, j)));
            }
        }
    }
}

/// Cost of using edge `e` (None: staying unmatched).
fn cost(weight: &[i128], e: Option<usize>) -> i128 {
    e.map_or(0, |e| -weight[e])
}

/// Maximises the sum of `weight[e]` over a matching; edges with `allowed[e] == false`
/// are ignored.
pub(crate) fn max_weight_matching(g: &Sparse<'_>, weight: &[i128], allowed: &[bool]) -> Matching {
    let n_left = g.adj.len();
    // Columns: real right nodes, then one dummy per left node.
    let n_cols = g.n_right + n_left;
    let mut v = vec![0i128; n_cols];
    let mut row_of_col: Vec<Option<usize>> = vec![None; n_cols];
    let mut col_of_row: Vec<usize> = vec![usize::MAX; n_left];
    let mut edge_of_row: Vec<Option<usize>> = vec![None; n_left];
    let mut s = Search {
        dist: vec![i128::MAX; n_cols],
        pred: vec![(usize::MAX, None); n_cols],
        done: vec![false; n_cols],
        touched: Vec::new(),
        scanned: Vec::new(),
        heap: BinaryHeap::new(),
    };

    for f in 0..n_left {
        s.touched.clear();
        s.scanned.clear();
        s.heap.clear();
        s.relax(g, weight, allowed, &v, f, 0);
        let (free_col, mu) = loop {
            let Reverse((d, j)) = s.heap.pop().expect("the dummy column keeps every search finite");
            if s.done[j] || d != s.dist[j] {
                continue;
            }
            s.done[j] = true;
            match row_of_col[j] {
                None => break (j, d),
                Some(i) => {
                    s.scanned.push(j);
                    // Row i holds column j tightly: u_i = cost(i, j) - v[j].
                    let u_i = cost(weight, edge_of_row[i]) - v[j];
                    s.relax(g, weight, allowed, &v, i, d - u_i);
                }
            }
        };
        for &j in &s.scanned {
            v[j] += s.dist[j] - mu;
        }
        // Augment from the free column back to f.
        let mut j = free_col;
        loop {
            let (i, e) = s.pred[j];
            let previous = col_of_row[i];
            row_of_col[j] = Some(i);
            col_of_row[i] = j;
            edge_of_row[i] = e;
            if i == f {
                break;
            }
            j = previous;
        }
        for &j in &s.touched {
            s.dist[j] = i128::MAX;
            s.done[j] = false;
        }
    }
    let value = edge_of_row.iter().flatten().map(|&e| weight[e]).sum();
    Matching { edge_of_left: edge_of_row, value }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn solve(n_right: usize, edges: &[(usize, usize, i128)], n_left: usize) -> (i128, Vec<Option<usize>>) {
        let mut adj = vec![Vec::new(); n_left];
        for (k, &(l, r, _)) in edges.iter().enumerate() {
            adj[l].push((r, k));
        }
        let w: Vec<i128> = edges.iter().map(|e| e.2).collect();
        let m = max_weight_matching(&Sparse { n_right, adj: &adj }, &w, &vec![true; edges.len()]);
        (m.value, m.edge_of_left)
    }

    #[test]
    fn takes_the_better_pairing_not_the_greedy_one() {
        // Greedy takes (0,0)=10 and leaves 1 unmatched; the optimum is 9 + 8.
        let (v, m) = solve(2, &[(0, 0, 10), (0, 1, 9), (1, 0, 8)], 2);
        assert_eq!(v, 17);
        assert_eq!(m, vec![Some(1), Some(2)]);
    }

    #[test]
    fn leaves_nodes_unmatched_rather_than_lose_weight() {
        let (v, m) = solve(1, &[(0, 0, 5), (1, 0, -3)], 2);
        assert_eq!((v, m), (5, vec![Some(0), None]));
        let (v, _) = solve(1, &[(0, 0, -1)], 1);
        assert_eq!(v, 0);
    }

    #[test]
    fn long_augmenting_chain() {
        // l0-r0, l1-r0/r1, l2-r1/r2 ... the last left node forces everyone to shift.
        let edges = [(0, 0, 1), (1, 0, 2), (1, 1, 1), (2, 1, 2), (2, 2, 1), (3, 2, 2)];
        let (v, _) = solve(3, &edges, 4);
        assert_eq!(v, 2 + 2 + 2);
    }
}
