//! The region on a map: per municipality the clients waiting and the dwellings free.

use super::{ok, run, Frame, PageResult, Visitor};
use crate::geo::map::{self, Area, Map};
use crate::web::AppState;
use crate::workflow::table;
use actix_web::web;
use askama::Template;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/kaart", web::get().to(show));
}

#[derive(Template)]
#[template(path = "map_page.html")]
struct MapPage {
    frame: Frame,
    map: Map,
    /// (name, waiting, free) for the table beside the map.
    rows: Vec<(String, i64, i64)>,
}

async fn show(state: web::Data<AppState>, v: Visitor) -> PageResult {
    let caller = v.caller.clone();
    let (names, counts) = run(&state, move |c| Ok((table::municipality_names(c, &caller)?, table::map_counts(c, &caller)?))).await?;
    let mut rows = Vec::new();
    let areas = counts
        .into_iter()
        .map(|(code, (waiting, free))| {
            let name = names.get(&code).cloned().unwrap_or_else(|| code.clone());
            rows.push((name.clone(), waiting, free));
            Area { code, name, lines: vec![format!("{waiting} wachtend"), format!("{free} vrij")], highlight: waiting > free }
        })
        .collect();
    rows.sort();
    ok(MapPage { frame: v.frame("/kaart"), map: map::draw(areas, vec![]), rows })
}
