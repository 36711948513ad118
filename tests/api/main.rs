//! One integration-test binary: the real service over HTTP, every test against SQLite and
//! against a throw-away PostgreSQL.

mod helpers;
mod ledger;
mod smtp;

mod access;
mod audit;
mod browser;
mod cli;
mod clients;
mod constraints;
mod contingents;
mod dwellings;
mod faults;
mod injection;
mod instances;
mod monitor;
mod notify;
mod omklap;
mod pages;
mod proposals;
mod register;
mod responsibility;
mod rounds;
mod security;
mod transfer;
mod validation;
