//! The outflow matcher. Filled in by the matcher issue; the service only depends on its types.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
