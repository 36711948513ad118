//! Match rounds over the register: proposals, their explanations, the round lock, and
//! what a later round leaves alone.

use crate::helpers::TestApp;
use diesel::prelude::*;
use serde_json::{json, Value};
use std::collections::HashSet;
use uitstroomtafel::store::schema::{match_rounds, proposals};

async fn run_round(app: &TestApp, token: &str) -> (u16, Value) {
    app.post("/api/v1/rounds", token, &json!({})).await
}

async fn a_round_proposes_each_client_and_dwelling_once_with_explanations(app: TestApp) {
    let coord = app.token("coordinator").await;
    let (s, r) = run_round(&app, &coord).await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["status"], "done");
    let ps = r["proposals"].as_array().unwrap();
    assert!(!ps.is_empty(), "the demo has matches");
    assert_eq!(r["summary"]["proposed"], ps.len());
    let clients: HashSet<i64> = ps.iter().map(|p| p["client_id"].as_i64().unwrap()).collect();
    let dwellings: HashSet<i64> = ps.iter().map(|p| p["dwelling_id"].as_i64().unwrap()).collect();
    assert_eq!((clients.len(), dwellings.len()), (ps.len(), ps.len()), "each client and dwelling once");
    for p in ps {
        let e = &p["explanation"];
        assert_eq!(e["proposal"]["rules_met"].as_array().unwrap().len(), 10);
        assert_eq!(e["proposal"]["score"], p["score"]);
        assert!(e["client"]["reference"].as_str().unwrap().starts_with("UT-"), "what the matcher saw is kept");
        assert!(e["dwelling"]["rent_cents"].is_i64());
        let (_, c) = app.get(&format!("/api/v1/clients/{}", p["client_id"]), &coord).await;
        assert_eq!(c["status"], "proposed");
    }
    for u in r["summary"]["unmatched"].as_array().unwrap() {
        assert!(["no_candidate", "contingent_exhausted", "outranked"].contains(&u["reason"].as_str().unwrap()));
        assert!(!u["explanation"].as_str().unwrap().is_empty());
    }
    let (_, list) = app.get("/api/v1/rounds", &coord).await;
    let past = list["items"].as_array().unwrap().iter().filter(|x| x["id"] != r["id"]).count();
    assert_eq!(list["total"].as_i64().unwrap() as usize, past + 1, "the new round is listed with the demo's past ones");
    assert_eq!(list["items"][0]["id"], r["id"], "newest first");
    let (s, again) = app.get(&format!("/api/v1/rounds/{}", r["id"]), &coord).await;
    assert_eq!((s, again["proposals"].as_array().unwrap().len()), (200, ps.len()));
    let (_, notes) = app.get("/api/v1/notifications", &coord).await;
    assert!(notes.as_array().unwrap().iter().any(|n| n["kind"] == "round_ready" && n["link"] == format!("/ronden/{}", r["id"])));
}

async fn a_later_round_leaves_open_proposals_and_rejected_pairs_alone(app: TestApp) {
    let coord = app.token("coordinator").await;
    let (_, first) = run_round(&app, &coord).await;
    let ps = first["proposals"].as_array().unwrap();
    assert!(ps.len() >= 2);
    // The table rejects the first proposal; its client is ready again.
    let (pid, cid, did) =
        (ps[0]["id"].as_i64().unwrap() as i32, ps[0]["client_id"].as_i64().unwrap() as i32, ps[0]["dwelling_id"].as_i64().unwrap() as i32);
    {
        let mut c = app.db.get().unwrap();
        diesel::update(proposals::table.find(pid)).set(proposals::status.eq("rejected")).execute(&mut *c).unwrap();
        uitstroomtafel::store::clients::set_status(
            &mut c,
            cid,
            "proposed",
            "ready",
            Some(chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap()),
            None,
        )
        .unwrap();
    }
    let (s, second) = run_round(&app, &coord).await;
    assert_eq!(s, 201);
    let open: HashSet<(i64, i64)> =
        ps[1..].iter().map(|p| (p["client_id"].as_i64().unwrap(), p["dwelling_id"].as_i64().unwrap())).collect();
    for p in second["proposals"].as_array().unwrap() {
        let (c, d) = (p["client_id"].as_i64().unwrap(), p["dwelling_id"].as_i64().unwrap());
        assert_ne!((c, d), (i64::from(cid), i64::from(did)), "a rejected pair never comes back");
        assert!(!open.iter().any(|(oc, od)| *oc == c || *od == d), "nobody under an open proposal is proposed twice");
    }
}

async fn one_round_at_a_time_per_region(app: TestApp) {
    let coord = app.token("coordinator").await;
    let started_by = {
        let (_, me) = app.get("/api/v1/me", &coord).await;
        me["user_id"].as_i64().unwrap() as i32
    };
    let region = {
        let mut c = app.db.get().unwrap();
        uitstroomtafel::store::organisations::find_region_by_code(&mut c, uitstroomtafel::demo::REGION_CODE).unwrap().unwrap().id
    };
    let running = |minutes_ago: i64| {
        let mut c = app.db.get().unwrap();
        diesel::insert_into(match_rounds::table)
            .values((
                match_rounds::region_id.eq(region),
                match_rounds::started_by.eq(started_by),
                match_rounds::status.eq("running"),
                match_rounds::round_date.eq(chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()),
                match_rounds::created_at.eq(uitstroomtafel::store::now() - chrono::Duration::minutes(minutes_ago)),
            ))
            .returning(match_rounds::id)
            .get_result::<i32>(&mut *c)
            .unwrap()
    };
    let other = running(1);
    let (s, p) = run_round(&app, &coord).await;
    assert_eq!(s, 409, "{p}");
    assert!(p["detail"].as_str().unwrap().contains("loopt al een matchronde"));
    // A round that died long ago no longer holds the lock.
    {
        let mut c = app.db.get().unwrap();
        diesel::update(match_rounds::table.find(other))
            .set(match_rounds::created_at.eq(uitstroomtafel::store::now() - chrono::Duration::minutes(31)))
            .execute(&mut *c)
            .unwrap();
    }
    let (s, _) = run_round(&app, &coord).await;
    assert_eq!(s, 201);
    let mut c = app.db.get().unwrap();
    let status: String = match_rounds::table.find(other).select(match_rounds::status).first(&mut *c).unwrap();
    assert_eq!(status, "failed");

    // Two rounds at once: whichever way they interleave, no client is proposed twice.
    drop(c);
    let (a, b) = tokio::join!(run_round(&app, &coord), run_round(&app, &coord));
    assert!([a.0, b.0].iter().all(|s| *s == 201 || *s == 409), "{a:?} {b:?}");
    let mut c = app.db.get().unwrap();
    let open: Vec<i32> = proposals::table.filter(proposals::status.eq("proposed")).select(proposals::client_id).load(&mut *c).unwrap();
    let unique: HashSet<&i32> = open.iter().collect();
    assert_eq!(unique.len(), open.len());
}

crate::on_both_backends!(
    a_round_proposes_each_client_and_dwelling_once_with_explanations,
    a_later_round_leaves_open_proposals_and_rejected_pairs_alone,
    one_round_at_a_time_per_region
);
