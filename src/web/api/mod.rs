//! The JSON API under `/api/v1`. Handlers parse input into domain types, call one
//! workflow function off the async workers, and render a view.

pub mod clients;
pub mod contingents;
pub mod dwellings;
pub mod follow_ups;
pub mod monitor;
pub mod notifications;
pub mod proposals;
pub mod register;
pub mod responsibility;
pub mod rounds;

use crate::workflow::{Page, Paged};
use serde::{Deserialize, Serialize};

/// One page of a list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PageOf<T> {
    pub items: Vec<T>,
    pub page: i64,
    pub per_page: i64,
    /// All matching items, over every page.
    pub total: i64,
}

impl<T> PageOf<T> {
    pub fn from<R>(p: Paged<R>, f: impl Fn(R) -> T) -> Self {
        PageOf { items: p.items.into_iter().map(f).collect(), page: p.page.page, per_page: p.page.per_page, total: p.total }
    }
}

/// `?page=&per_page=`, checked by `Page::parse`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PageQuery {
    /// Page number, from 1.
    pub page: Option<String>,
    /// Items per page, 1 to 200 (default 50).
    pub per_page: Option<String>,
}

impl PageQuery {
    pub fn page(&self) -> Result<Page, crate::workflow::Error> {
        Page::parse(self.page.as_deref(), self.per_page.as_deref())
    }
}

/// An ETag for a versioned row: the version, quoted.
pub fn etag(version: i32) -> (actix_web::http::header::HeaderName, String) {
    (actix_web::http::header::ETAG, format!("\"{version}\""))
}
