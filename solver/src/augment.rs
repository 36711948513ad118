//! Augmenting paths that keep every group within its cap: the repair that turns a
//! feasible matching into one that places more of the higher tiers.
//!
//! A path from an unmatched left node alternates new and old edges and ends at a free
//! right node (or at one held by a lower tier, whose holder gives way). Everyone matched
//! stays matched, so the path adds one match of its start's tier. It may add an edge to a
//! full group only when it also takes one of that group's edges out. When every path of
//! a start is blocked by a full group, the group is first given room: someone holding one
//! of its places moves, along a path of its own, to a right node outside the group.

use std::collections::VecDeque;

/// The problem's shape, as the repair needs it.
pub(crate) struct Shape<'a> {
    pub edges: &'a [(usize, usize, i64)],
    pub tier: &'a [usize],
    pub group_of: &'a [Option<usize>],
    pub caps: &'a [i64],
    pub adj: &'a [Vec<(usize, usize)>],
    /// Edges a path may use.
    pub usable: &'a [bool],
}

/// A feasible matching under repair.
struct State {
    edge_of_left: Vec<Option<usize>>,
    left_of_right: Vec<Option<usize>>,
    load: Vec<i64>,
}

/// How many times one repair may give a group room.
const ROOM_BUDGET: usize = 200;

/// The end of a path found: the last left node, the edge it takes, and who gives way.
type End = (usize, usize, Option<usize>);

struct Paths<'s, 'a> {
    s: &'s Shape<'a>,
    st: State,
    seen: Vec<usize>,
    epoch: usize,
    seen_room: Vec<usize>,
    room_epoch: usize,
    /// Per reached left node: the edge that reached it and the left node before.
    parent: Vec<Option<(usize, usize)>>,
    queue: VecDeque<usize>,
}

/// Places more of the unmatched, highest tier first; returns the matching's edges.
/// `keep` must be a matching within the caps.
pub(crate) fn augment(s: &Shape<'_>, keep: &[usize], max_tier: usize) -> Vec<usize> {
    let n_left = s.adj.len();
    let n_right = s.edges.iter().map(|e| e.1 + 1).max().unwrap_or(0);
    let mut st = State { edge_of_left: vec![None; n_left], left_of_right: vec![None; n_right], load: vec![0; s.caps.len()] };
    for &e in keep {
        st.edge_of_left[s.edges[e].0] = Some(e);
        st.left_of_right[s.edges[e].1] = Some(s.edges[e].0);
        if let Some(g) = s.group_of[e] {
            st.load[g] += 1;
        }
    }
    let mut free: Vec<usize> = (0..n_left)
        .filter(|&l| st.edge_of_left[l].is_none() && s.tier[l] <= max_tier && s.adj[l].iter().any(|(_, e)| s.usable[*e]))
        .collect();
    free.sort_by_key(|&l| (s.tier[l], l));
    let mut p = Paths {
        s,
        st,
        seen: vec![0; n_right],
        epoch: 0,
        seen_room: vec![0; n_right],
        room_epoch: 0,
        parent: vec![None; n_left],
        queue: VecDeque::new(),
    };
    // A failed search leaves its right nodes marked for the next start of the same tier:
    // no path led from them (caps aside). A change to the matching clears the marks.
    let mut last_tier = usize::MAX;
    p.epoch = 1;
    // Giving room is a search of its own: a few per repair.
    let mut room_budget = ROOM_BUDGET;
    for start in free {
        if s.tier[start] != last_tier {
            last_tier = s.tier[start];
            p.epoch += 1;
        }
        // Up to a few groups are given room before the start is given up.
        for _ in 0..3 {
            let mut blocked = Vec::new();
            if let Some(end) = p.search(&[start], None, Some(s.tier[start]), &mut blocked) {
                p.flip(end);
                p.epoch += 1;
                break;
            }
            blocked.sort_unstable();
            blocked.dedup();
            if room_budget == 0 {
                break;
            }
            room_budget -= 1;
            if !blocked.iter().take(4).any(|&g| p.make_room(g)) {
                break;
            }
            p.epoch += 1;
        }
    }
    p.st.edge_of_left.into_iter().flatten().collect()
}

impl Paths<'_, '_> {
    /// Breadth first from `starts` (unmatched, or leaving their edge); never adds an edge
    /// of `avoid`. Right nodes held by a tier below `gives_way_below` end a path. Groups
    /// that blocked an edge are added to `blocked`.
    fn search(&mut self, starts: &[usize], avoid: Option<usize>, gives_way_below: Option<usize>, blocked: &mut Vec<usize>) -> Option<End> {
        let s = self.s;
        self.queue.clear();
        for &l in starts {
            self.parent[l] = None;
            self.queue.push_back(l);
            // What a start leaves is not for the path to take.
            if let Some(e) = self.st.edge_of_left[l] {
                self.seen[s.edges[e].1] = self.epoch;
            }
        }
        let mut path: Vec<(usize, i64)> = Vec::new();
        while let Some(l) = self.queue.pop_front() {
            // The path's net change per group from its start to `l`, `l` leaving its edge,
            // summed per group for lookups.
            path.clear();
            let mut at = l;
            loop {
                if let Some(g) = self.st.edge_of_left[at].and_then(|old| s.group_of[old]) {
                    path.push((g, -1));
                }
                match self.parent[at] {
                    Some((e, prev)) => {
                        if let Some(g) = s.group_of[e] {
                            path.push((g, 1));
                        }
                        at = prev;
                    }
                    None => break,
                }
            }
            path.sort_unstable();
            path.dedup_by(|next, kept| {
                let same = next.0 == kept.0;
                if same {
                    kept.1 += next.1;
                }
                same
            });
            for &(r, e) in &s.adj[l] {
                if self.seen[r] == self.epoch || !s.usable[e] || Some(e) == self.st.edge_of_left[l] {
                    continue;
                }
                let holder = self.st.left_of_right[r];
                let gives_way = holder.filter(|&h| gives_way_below.is_some_and(|t| s.tier[h] > t));
                if let Some(g) = s.group_of[e] {
                    if Some(g) == avoid {
                        continue;
                    }
                    let mut net: i64 = path.binary_search_by_key(&g, |(h, _)| *h).map_or(0, |i| path[i].1);
                    // The holder of `r` leaves its edge, whether it gives way or moves on.
                    if holder.and_then(|h| self.st.edge_of_left[h]).and_then(|k| s.group_of[k]) == Some(g) {
                        net -= 1;
                    }
                    if self.st.load[g] + net + 1 > s.caps[g] {
                        blocked.push(g);
                        continue;
                    }
                }
                self.seen[r] = self.epoch;
                match holder {
                    Some(next) if gives_way.is_none() => {
                        self.parent[next] = Some((e, l));
                        self.queue.push_back(next);
                    }
                    _ => return self.within_caps((l, e, gives_way)).then_some((l, e, gives_way)),
                }
            }
        }
        None
    }

    /// Whether the path ending at `end` keeps every group within its cap.
    fn within_caps(&self, (mut l, mut e, gives_way): End) -> bool {
        let s = self.s;
        let mut net: Vec<(usize, i64)> = Vec::new();
        if let Some(g) = gives_way.and_then(|h| self.st.edge_of_left[h]).and_then(|k| s.group_of[k]) {
            net.push((g, -1));
        }
        loop {
            if let Some(g) = self.st.edge_of_left[l].and_then(|k| s.group_of[k]) {
                net.push((g, -1));
            }
            if let Some(g) = s.group_of[e] {
                net.push((g, 1));
            }
            match self.parent[l] {
                Some((e_prev, prev)) => {
                    e = e_prev;
                    l = prev;
                }
                None => break,
            }
        }
        net.sort_unstable();
        net.chunk_by(|a, b| a.0 == b.0).all(|run| self.st.load[run[0].0] + run.iter().map(|x| x.1).sum::<i64>() <= s.caps[run[0].0])
    }

    /// Moves someone out of full group `g` to a right node outside it, along a path that
    /// keeps everyone matched; the right node they leave becomes free.
    fn make_room(&mut self, g: usize) -> bool {
        let s = self.s;
        let holders: Vec<usize> = (0..s.adj.len()).filter(|&l| self.st.edge_of_left[l].is_some_and(|e| s.group_of[e] == Some(g))).collect();
        // Its own marks: the caller's stay as they were when nothing moves.
        let marks = std::mem::replace(&mut self.seen, std::mem::take(&mut self.seen_room));
        let epoch = self.epoch;
        self.room_epoch += 1;
        self.epoch = self.room_epoch;
        let mut blocked = Vec::new();
        let found = self.search(&holders, Some(g), None, &mut blocked);
        self.seen_room = std::mem::replace(&mut self.seen, marks);
        self.epoch = epoch;
        match found {
            Some(end) => {
                self.flip(end);
                true
            }
            None => false,
        }
    }

    /// Applies a path: each left node on it takes the edge that reached the next one.
    fn flip(&mut self, (mut l, mut e, gives_way): End) {
        let s = self.s;
        if let Some(h) = gives_way {
            if let Some(k) = self.st.edge_of_left[h].take() {
                if let Some(g) = s.group_of[k] {
                    self.st.load[g] -= 1;
                }
            }
        }
        loop {
            if let Some(old) = self.st.edge_of_left[l] {
                if let Some(g) = s.group_of[old] {
                    self.st.load[g] -= 1;
                }
                // Its right node is taken over by the previous left node, or, at the
                // path's start, left free.
                if self.parent[l].is_none() && self.st.left_of_right[s.edges[old].1] == Some(l) {
                    self.st.left_of_right[s.edges[old].1] = None;
                }
            }
            if let Some(g) = s.group_of[e] {
                self.st.load[g] += 1;
            }
            self.st.edge_of_left[l] = Some(e);
            self.st.left_of_right[s.edges[e].1] = Some(l);
            match self.parent[l] {
                Some((e_prev, prev)) => {
                    e = e_prev;
                    l = prev;
                }
                None => break,
            }
        }
    }
}
