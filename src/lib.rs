//! uitstroomtafel: the register, matcher glue, review workflow and notifications of a
//! regional outflow table. `main.rs` is only the command line; everything lives here so
//! the integration tests start the service exactly as `serve` does.

pub mod config;
pub mod demo;
pub mod domain;
pub mod geo;
pub mod matching;
pub mod notify;
pub mod scale;
pub mod startup;
pub mod store;
pub mod web;
pub mod workflow;
