//! The outflow matcher, as a library with no database and no web.
//!
//! Two layers:
//! - [`optimize`]: a weighted bipartite matching with priority tiers and capacity groups,
//!   solved to proven optimality (or a proven gap within limits). Its JSON form is the
//!   public interface documented in `solver/README.md`.
//! - [`model`]: the domain of an outflow round (clients, dwellings, contingents, policy)
//!   turned into that matching, and its result turned back into proposals that explain
//!   themselves.
//!
//! ```
//! use solver::optimize::{solve, Graph, Objective};
//! let g: Graph = serde_json::from_str(r#"{
//!   "left":  [{"id": "c1", "tier": 0}, {"id": "c2", "tier": 1}],
//!   "right": [{"id": "d1"}, {"id": "d2"}],
//!   "edges": [{"left": "c1", "right": "d1", "weight": 120}, {"left": "c2", "right": "d1", "weight": 80}],
//!   "groups": [{"id": "GM0202/corp-a/2026", "cap": 1, "edges": [0, 1]}]
//! }"#).unwrap();
//! let s = solve(&g, Objective::Tiered).unwrap();
//! assert_eq!(s.tier_counts, vec![1, 0]);
//! assert_eq!(s.total_weight, 120);
//! assert_eq!(s.gap, 0.0);
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub(crate) mod allocate;
mod assignment;
mod augment;
mod bundle;
mod colgen;
mod gated;
pub mod generate;
mod interior;
mod lagrange;
mod lp;
mod marginal;
mod merge;
pub mod model;
mod neighbourhood;
pub mod optimize;
mod pdhg;
mod relaxation;
pub mod replay;
#[cfg(test)]
mod testing;
