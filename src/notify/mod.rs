//! Notifications: events become a notification per recipient (shown in the service) and,
//! by each user's preference, a mail now or in the daily digest. Mails go through the
//! outbox table, written in the same transaction as the change that caused them; the
//! worker sends them with lettre, retries with backoff, and never loses one.
//!
//! Guarantee: at-least-once. A worker that dies between sending and marking leaves the
//! row claimed; after the claim expires another worker sends it again, with the same
//! Message-ID, so the receiving side can recognise the duplicate.

pub mod events;
pub mod mail;
pub mod worker;

pub use events::{emit, emit_at, Audience, Delivery, Event, EventKind};
