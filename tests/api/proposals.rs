//! The review of proposals: every step, every refusal, staged disclosure, the race for a
//! proposal, and the contingent ledger.

use crate::helpers::TestApp;
use serde_json::{json, Value};
use uitstroomtafel::workflow::proposals::add_working_days;
use uitstroomtafel::workflow::today;

struct Tokens {
    coord: String,
    corp: String,
    prov: String,
}

async fn tokens(app: &TestApp) -> Tokens {
    Tokens { coord: app.token("coordinator").await, corp: app.token("corporatie").await, prov: app.token("zorgaanbieder").await }
}

/// Runs a round and returns its proposals.
async fn round(app: &TestApp, t: &Tokens) -> Vec<Value> {
    let (s, r) = app.post("/api/v1/rounds", &t.coord, &json!({})).await;
    assert_eq!(s, 201, "{r}");
    r["proposals"].as_array().unwrap().clone()
}

/// A proposal whose dwelling belongs to the demo corporation and whose client belongs to
/// the demo provider, preferring one under a contingent.
async fn ours(app: &TestApp, t: &Tokens, ps: &[Value], contingent: bool) -> Option<Value> {
    let (_, mine) = app.get("/api/v1/dwellings?per_page=200", &t.corp).await;
    let corp_dwellings: Vec<i64> = mine["items"].as_array().unwrap().iter().map(|d| d["id"].as_i64().unwrap()).collect();
    let (_, clients) = app.get("/api/v1/clients?per_page=200", &t.prov).await;
    let prov_clients: Vec<i64> = clients["items"].as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect();
    ps.iter()
        .find(|p| {
            corp_dwellings.contains(&p["dwelling_id"].as_i64().unwrap())
                && prov_clients.contains(&p["client_id"].as_i64().unwrap())
                && p["contingent_id"].is_null() != contingent
        })
        .cloned()
}

async fn step(app: &TestApp, token: &str, id: i64, what: &str, body: Value) -> (u16, Value) {
    app.post(&format!("/api/v1/proposals/{id}/{what}"), token, &body).await
}

async fn the_whole_way_from_proposal_to_lease(app: TestApp) {
    let t = tokens(&app).await;
    let ps = round(&app, &t).await;
    // Under a contingent, so the ledger is exercised too.
    let p = ours(&app, &t, &ps, true).await.expect("the demo round has a contingent proposal for the demo corporation and provider");
    let (id, did, cid) = (p["id"].as_i64().unwrap(), p["dwelling_id"].as_i64().unwrap(), p["client_id"].as_i64().unwrap());

    // Staged disclosure: nothing for the corporation before approval.
    assert_eq!(app.get(&format!("/api/v1/proposals/{id}"), &t.corp).await.0, 404);
    let (_, list) = app.get("/api/v1/proposals?per_page=200", &t.corp).await;
    assert!(
        list["items"].as_array().unwrap().iter().all(|x| x["id"].as_i64() != Some(id) && x["status"] == "placed"),
        "only the past placements: {list}"
    );
    assert_eq!(step(&app, &t.corp, id, "offer", json!(null)).await.0, 404, "not visible, so not offerable");

    let (s, v) = step(&app, &t.coord, id, "approve", json!(null)).await;
    assert_eq!((s, v["status"].as_str()), (200, Some("approved")), "{v}");
    let (_, d) = app.get(&format!("/api/v1/dwellings/{did}"), &t.corp).await;
    assert_eq!(d["status"], "reserved");
    let (s, seen) = app.get(&format!("/api/v1/proposals/{id}"), &t.corp).await;
    assert_eq!(s, 200);
    assert!(seen["client"]["household_size"].is_i64() && seen["client"]["reference"].is_string());
    for hidden in ["urgency", "binding_municipality", "max_rent_cents", "support_level"] {
        assert!(seen["client"].get(hidden).is_none(), "a corporation does not see {hidden}");
    }
    assert!(seen.get("explanation").is_none());
    let (_, coord_view) = app.get(&format!("/api/v1/proposals/{id}"), &t.coord).await;
    assert!(coord_view["explanation"]["proposal"]["score_parts"].is_object());

    let (s, v) = step(&app, &t.corp, id, "offer", json!(null)).await;
    assert_eq!((s, v["status"].as_str()), (200, Some("offered")));
    assert_eq!(v["offer_deadline"], add_working_days(today(), 10).to_string(), "ten working days by default");
    let (s, v) = step(&app, &t.prov, id, "accept", json!(null)).await;
    assert_eq!((s, v["status"].as_str()), (200, Some("accepted")));

    let k = p["contingent_id"].as_i64();
    let used_before = app.get(&format!("/api/v1/contingents/{}", k.unwrap()), &t.coord).await.1["used"].as_i64().unwrap();
    let (s, v) = step(&app, &t.corp, id, "lease", json!({"signed_on": today().to_string()})).await;
    assert_eq!((s, v["status"].as_str()), (200, Some("placed")), "{v}");
    assert_eq!(app.get(&format!("/api/v1/dwellings/{did}"), &t.corp).await.1["status"], "let");
    assert_eq!(app.get(&format!("/api/v1/clients/{cid}"), &t.prov).await.1["status"], "placed");
    {
        let k = k.expect("under a contingent");
        let (_, after) = app.get(&format!("/api/v1/contingents/{k}"), &t.coord).await;
        assert_eq!(after["used"].as_i64().unwrap(), used_before + 1, "the placement is debited");
        let mut c = app.db.get().unwrap();
        let ledger = uitstroomtafel::store::proposals::ledger(&mut c, k as i32).unwrap();
        let ours: Vec<_> = ledger.into_iter().filter(|e| e.2 == Some(id as i32)).collect();
        assert_eq!(ours, vec![(1, "plaatsing".to_string(), Some(id as i32))]);
        drop(c);
        // The municipality of the contingent (or the coordinator) reads how it was used.
        let (s, l) = app.get(&format!("/api/v1/contingents/{k}/ledger"), &t.coord).await;
        assert_eq!(s, 200);
        let entries = l["entries"].as_array().unwrap();
        let ours: Vec<&Value> = entries.iter().filter(|e| e["proposal_id"].as_i64() == Some(id)).collect();
        assert_eq!(ours.len(), 1);
        assert_eq!((ours[0]["change"].as_i64(), ours[0]["reason"].as_str()), (Some(1), Some("plaatsing")));
        assert_eq!(ours[0]["client_reference"], seen["client"]["reference"]);
        let sum: i64 = entries.iter().map(|e| e["change"].as_i64().unwrap()).sum();
        assert_eq!(l["contingent"]["used"].as_i64().unwrap(), sum, "used is the sum of the ledger (the past placements and this one)");
        assert_eq!(app.get(&format!("/api/v1/contingents/{k}/ledger"), &t.prov).await.0, 403, "a provider has no contingents");
    }
    // Who heard what.
    let kinds = |v: &Value| v.as_array().unwrap().iter().map(|n| n["kind"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    let corp_notes = kinds(&app.get("/api/v1/notifications", &t.corp).await.1);
    assert!(corp_notes.contains(&"proposal_approved".to_string()) && corp_notes.contains(&"offer_answered".to_string()));
    let prov_notes = kinds(&app.get("/api/v1/notifications", &t.prov).await.1);
    assert!(prov_notes.contains(&"proposal_approved".to_string()) && prov_notes.contains(&"lease_recorded".to_string()));
    let coord_notes = kinds(&app.get("/api/v1/notifications", &t.coord).await.1);
    assert!(coord_notes.contains(&"offer_answered".to_string()) && coord_notes.contains(&"lease_recorded".to_string()));

    // Nothing more is allowed on a placed proposal.
    for (token, what, body) in [
        (&t.coord, "approve", json!(null)),
        (&t.coord, "reject", json!({"reason": "client_not_ready"})),
        (&t.corp, "offer", json!(null)),
        (&t.prov, "decline", json!({"reason": "client_chose_other"})),
        (&t.corp, "lease", json!({"signed_on": today().to_string()})),
    ] {
        let (s, e) = step(&app, token, id, what, body).await;
        assert_eq!(s, 409, "{what} after placement: {e}");
        assert!(e["type"].as_str().unwrap().ends_with("ongeldige-overgang"));
    }
}

async fn refusals_on_the_way(app: TestApp) {
    let t = tokens(&app).await;
    let ps = round(&app, &t).await;
    let p = ours(&app, &t, &ps, true).await.or(ours(&app, &t, &ps, false).await).unwrap();
    let id = p["id"].as_i64().unwrap();
    let (s, e) = step(&app, &t.coord, id, "offer", json!(null)).await;
    assert_eq!(s, 403, "the coordinator does not offer: {e}");
    assert_eq!(step(&app, &t.prov, id, "approve", json!(null)).await.0, 403);
    assert_eq!(step(&app, &t.coord, id, "accept", json!(null)).await.0, 403);
    let (s, e) = step(&app, &t.coord, id, "reject", json!({"reason": "other"})).await;
    assert_eq!((s, e["errors"][0]["field"].as_str()), (422, Some("note")));
    let (s, e) = step(&app, &t.coord, id, "reject", json!({"reason": "te duur"})).await;
    assert_eq!((s, e["errors"][0]["rule"].as_str()), (422, Some("one_of")));
    // The region's own list: a reason it switched off is refused.
    {
        use diesel::prelude::*;
        use uitstroomtafel::store::schema::regions;
        let mut c = app.db.get().unwrap();
        diesel::update(regions::table).set(regions::policy.eq(r#"{"disabled_reasons": ["client_not_ready"]}"#)).execute(&mut *c).unwrap();
    }
    let (s, e) = step(&app, &t.coord, id, "reject", json!({"reason": "client_not_ready"})).await;
    assert_eq!((s, e["errors"][0]["rule"].as_str()), (422, Some("not_enabled")));
    assert_eq!(step(&app, &t.coord, id, "approve", json!(null)).await.0, 200);
    assert_eq!(step(&app, &t.coord, id, "approve", json!(null)).await.0, 409, "approved twice");
    assert_eq!(step(&app, &t.prov, id, "accept", json!(null)).await.0, 409, "accept before the offer");
    assert_eq!(step(&app, &t.corp, id, "lease", json!({"signed_on": today().to_string()})).await.0, 409, "lease before acceptance");
    assert_eq!(step(&app, &t.corp, id, "offer", json!(null)).await.0, 200);
    assert_eq!(step(&app, &t.prov, id, "accept", json!(null)).await.0, 200);
    let tomorrow = (today() + chrono::Duration::days(1)).to_string();
    let (s, e) = step(&app, &t.corp, id, "lease", json!({"signed_on": tomorrow})).await;
    assert_eq!((s, e["errors"][0]["rule"].as_str()), (422, Some("not_in_future")));
}

async fn a_declined_offer_frees_both_and_never_returns(app: TestApp) {
    let t = tokens(&app).await;
    let ps = round(&app, &t).await;
    let p = ours(&app, &t, &ps, true).await.or(ours(&app, &t, &ps, false).await).unwrap();
    let (id, did, cid) = (p["id"].as_i64().unwrap(), p["dwelling_id"].as_i64().unwrap(), p["client_id"].as_i64().unwrap());
    step(&app, &t.coord, id, "approve", json!(null)).await;
    step(&app, &t.corp, id, "offer", json!(null)).await;
    let (s, v) = step(&app, &t.prov, id, "decline", json!({"reason": "other", "note": "te ver van het werk"})).await;
    assert_eq!(
        (s, v["status"].as_str(), v["reason"].as_str(), v["reason_note"].as_str()),
        (200, Some("declined"), Some("other"), Some("te ver van het werk"))
    );
    assert_eq!(app.get(&format!("/api/v1/dwellings/{did}"), &t.corp).await.1["status"], "published");
    let (_, client) = app.get(&format!("/api/v1/clients/{cid}"), &t.prov).await;
    assert_eq!(client["status"], "ready");
    // The one-offer rule: declining a fitting offer ("other") costs the urgency; the
    // coordinator restores it, with a reason that is logged.
    assert_eq!(client["urgency"], "regular");
    let before = p["explanation"]["client"]["urgency"].as_str().unwrap().to_string();
    let (s, e) = app.post(&format!("/api/v1/clients/{cid}/urgency"), &t.prov, &json!({"urgency": before, "reason": "x"})).await;
    assert_eq!(s, 403, "only a coordinator overrides: {e}");
    let (s, e) = app.post(&format!("/api/v1/clients/{cid}/urgency"), &t.coord, &json!({"urgency": before, "reason": " "})).await;
    assert_eq!((s, e["errors"][0]["field"].as_str()), (422, Some("reason")));
    let (s, c) = app
        .post(
            &format!("/api/v1/clients/{cid}/urgency"),
            &t.coord,
            &json!({"urgency": before, "reason": "woning lag te ver van de behandeling"}),
        )
        .await;
    assert_eq!((s, c["urgency"].as_str()), (200, Some(before.as_str())));
    let admin = app.token("beheer").await;
    let (_, log) = app.get(&format!("/api/v1/audit?entity=client&entity_id={cid}"), &admin).await;
    let actions: Vec<&str> = log["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(actions.contains(&"client.urgency_lost") && actions.contains(&"client.urgency_override"), "{actions:?}");
    // Reject the rest of the round so the next one can use everyone again.
    for other in ps.iter().filter(|o| o["id"] != p["id"]) {
        step(&app, &t.coord, other["id"].as_i64().unwrap(), "reject", json!({"reason": "client_not_ready"})).await;
    }
    let next = round(&app, &t).await;
    assert!(!next.iter().any(|n| n["client_id"] == cid && n["dwelling_id"] == did), "a declined pair never comes back");
}

/// Two coordinators approve at the same moment: exactly one succeeds, every time.
async fn concurrent_approvals_one_wins(app: TestApp) {
    let t = tokens(&app).await;
    let coord2 = app.token("coordinator").await;
    let ps = round(&app, &t).await;
    for p in &ps {
        let id = p["id"].as_i64().unwrap();
        let (a, b) = tokio::join!(step(&app, &t.coord, id, "approve", json!(null)), step(&app, &coord2, id, "approve", json!(null)));
        let mut codes = [a.0, b.0];
        codes.sort();
        assert_eq!(codes, [200, 409], "{a:?} {b:?}");
        let loser = if a.0 == 409 { a.1 } else { b.1 };
        assert!(
            loser["detail"].as_str().unwrap().contains("intussen") || loser["type"].as_str().unwrap().ends_with("ongeldige-overgang"),
            "{loser}"
        );
    }
}

async fn a_full_contingent_refuses_the_lease_and_changes_nothing(app: TestApp) {
    let t = tokens(&app).await;
    let ps = round(&app, &t).await;
    let p = ours(&app, &t, &ps, true).await.expect("the demo round has a contingent proposal for the demo corporation and provider");
    let (id, k) = (p["id"].as_i64().unwrap(), p["contingent_id"].as_i64().unwrap());
    step(&app, &t.coord, id, "approve", json!(null)).await;
    step(&app, &t.corp, id, "offer", json!(null)).await;
    step(&app, &t.prov, id, "accept", json!(null)).await;
    {
        use diesel::prelude::*;
        use uitstroomtafel::store::schema::contingents;
        let mut c = app.db.get().unwrap();
        diesel::update(contingents::table.find(k as i32)).set(contingents::used.eq(contingents::cap)).execute(&mut *c).unwrap();
    }
    let (s, e) = step(&app, &t.corp, id, "lease", json!({"signed_on": today().to_string()})).await;
    assert_eq!(s, 409, "{e}");
    assert!(e["detail"].as_str().unwrap().contains("contingent is op"));
    let (_, v) = app.get(&format!("/api/v1/proposals/{id}"), &t.coord).await;
    assert_eq!(v["status"], "accepted", "nothing half done");
    assert_eq!(app.get(&format!("/api/v1/dwellings/{}", p["dwelling_id"]), &t.corp).await.1["status"], "reserved");
}

async fn an_offer_past_its_deadline_expires(app: TestApp) {
    let t = tokens(&app).await;
    let ps = round(&app, &t).await;
    let p = ours(&app, &t, &ps, true).await.or(ours(&app, &t, &ps, false).await).unwrap();
    let (id, did, cid) = (p["id"].as_i64().unwrap(), p["dwelling_id"].as_i64().unwrap(), p["client_id"].as_i64().unwrap());
    step(&app, &t.coord, id, "approve", json!(null)).await;
    let (_, offered) = step(&app, &t.corp, id, "offer", json!(null)).await;
    let deadline: chrono::NaiveDate = offered["offer_deadline"].as_str().unwrap().parse().unwrap();
    let sweep = |day: chrono::NaiveDate| {
        tokio::task::block_in_place(|| {
            let mut c = app.db.get().unwrap();
            let cfg = app.notify_config();
            uitstroomtafel::workflow::sweep(&mut c, None, &cfg, "http://tafel.test", day.and_hms_opt(12, 0, 0).unwrap()).unwrap().0
        })
    };
    let warnings = |app: &TestApp| {
        let mut c = app.db.get().unwrap();
        use diesel::prelude::*;
        use uitstroomtafel::store::schema::notifications;
        notifications::table.filter(notifications::kind.eq("offer_deadline_near")).count().get_result::<i64>(&mut *c).unwrap()
    };
    assert_eq!(sweep(deadline - chrono::Duration::days(7)), 0);
    assert_eq!(warnings(&app), 0, "not yet");
    assert_eq!(sweep(deadline), 0, "the deadline day itself still counts");
    let warned = warnings(&app);
    assert!(warned >= 1, "the provider is warned before the offer lapses");
    sweep(deadline);
    assert_eq!(warnings(&app), warned, "once");
    let (_, prov_notes) = app.get("/api/v1/notifications", &t.prov).await;
    assert!(prov_notes.as_array().unwrap().iter().any(|n| n["kind"] == "offer_deadline_near"));
    assert_eq!(sweep(deadline + chrono::Duration::days(1)), 1);
    let (_, v) = app.get(&format!("/api/v1/proposals/{id}"), &t.coord).await;
    assert_eq!((v["status"].as_str(), v["reason"].as_str()), (Some("expired"), Some("offer_expired")));
    assert_eq!(app.get(&format!("/api/v1/dwellings/{did}"), &t.corp).await.1["status"], "published");
    assert_eq!(app.get(&format!("/api/v1/clients/{cid}"), &t.prov).await.1["status"], "ready");
    assert_eq!(step(&app, &t.prov, id, "accept", json!(null)).await.0, 409, "too late to accept");
    let (_, notes) = app.get("/api/v1/notifications", &t.coord).await;
    assert!(notes.as_array().unwrap().iter().any(|n| n["title"].as_str().unwrap().starts_with("Aanbod verlopen")));
}

/// A proposal nobody acts on is flagged and reported once per state, to the coordinators
/// and the party that must act.
async fn stalled_proposals_are_flagged_and_reported(app: TestApp) {
    let t = tokens(&app).await;
    let ps = round(&app, &t).await;
    let p = ours(&app, &t, &ps, true).await.unwrap();
    let id = p["id"].as_i64().unwrap();
    step(&app, &t.coord, id, "approve", json!(null)).await;
    let (_, v) = app.get(&format!("/api/v1/proposals/{id}"), &t.coord).await;
    assert_eq!(v["stalled"], false);
    let sweep = |days: i64| {
        tokio::task::block_in_place(|| {
            let mut c = app.db.get().unwrap();
            uitstroomtafel::workflow::proposals::alert_stalls(&mut c, uitstroomtafel::store::now() + chrono::Duration::days(days)).unwrap()
        })
    };
    let ours_alerts = |notes: &Value| {
        notes.as_array().unwrap().iter().filter(|n| n["kind"] == "proposal_stalled" && n["link"] == format!("/voorstellen/{id}")).count()
    };
    assert_eq!(sweep(6), 0, "within the week");
    assert!(sweep(8) >= 1, "past the week: the round's other proposals stall too");
    assert_eq!(ours_alerts(&app.get("/api/v1/notifications", &t.corp).await.1), 1, "the corporation must offer");
    assert_eq!(ours_alerts(&app.get("/api/v1/notifications", &t.coord).await.1), 1);
    assert_eq!(ours_alerts(&app.get("/api/v1/notifications", &t.prov).await.1), 0, "not the provider's turn");
    assert_eq!(sweep(9), 0, "once per state");
    // Offered: now it is the provider's turn, reported again when that wait is long.
    {
        use diesel::prelude::*;
        use uitstroomtafel::store::schema::proposals;
        step(&app, &t.corp, id, "offer", json!(null)).await;
        let mut c = app.db.get().unwrap();
        diesel::update(proposals::table.find(id as i32))
            .set(proposals::updated_at.eq(uitstroomtafel::store::now() - chrono::Duration::days(8)))
            .execute(&mut *c)
            .unwrap();
    }
    let (_, v) = app.get(&format!("/api/v1/proposals/{id}"), &t.coord).await;
    assert_eq!(v["stalled"], true, "flagged in the API");
    sweep(0);
    assert_eq!(ours_alerts(&app.get("/api/v1/notifications", &t.prov).await.1), 1);
}

/// With the one-offer rule switched off in the region's policy, declining a fitting offer
/// keeps the urgency.
async fn declining_keeps_urgency_where_the_policy_says_so(app: TestApp) {
    {
        use diesel::prelude::*;
        use uitstroomtafel::store::schema::regions;
        let mut c = app.db.get().unwrap();
        diesel::update(regions::table).set(regions::policy.eq(r#"{"keep_urgency_after_declining": true}"#)).execute(&mut *c).unwrap();
    }
    let t = tokens(&app).await;
    let ps = round(&app, &t).await;
    let p = ours(&app, &t, &ps, true).await.unwrap();
    let (id, cid) = (p["id"].as_i64().unwrap(), p["client_id"].as_i64().unwrap());
    let before = p["explanation"]["client"]["urgency"].clone();
    assert_ne!(before, "regular", "the demo's client has an urgency to lose");
    step(&app, &t.coord, id, "approve", json!(null)).await;
    step(&app, &t.corp, id, "offer", json!(null)).await;
    let (s, _) = step(&app, &t.prov, id, "decline", json!({"reason": "client_chose_other"})).await;
    assert_eq!(s, 200);
    assert_eq!(app.get(&format!("/api/v1/clients/{cid}"), &t.prov).await.1["urgency"], before, "the policy keeps it");
}

/// Withdrawing a placement gives its contingent place back, through the ledger.
async fn a_withdrawn_placement_gives_the_place_back(app: TestApp) {
    let t = tokens(&app).await;
    let ps = round(&app, &t).await;
    let p = ours(&app, &t, &ps, true).await.unwrap();
    let (id, did, cid, k) = (
        p["id"].as_i64().unwrap(),
        p["dwelling_id"].as_i64().unwrap(),
        p["client_id"].as_i64().unwrap(),
        p["contingent_id"].as_i64().unwrap(),
    );
    let used = |l: &Value| l["contingent"]["used"].as_i64().unwrap();
    let (_, before) = app.get(&format!("/api/v1/contingents/{k}/ledger"), &t.coord).await;
    step(&app, &t.coord, id, "approve", json!(null)).await;
    step(&app, &t.corp, id, "offer", json!(null)).await;
    step(&app, &t.prov, id, "accept", json!(null)).await;
    assert_eq!(step(&app, &t.coord, id, "withdraw-placement", json!({"reason": "other", "note": "x"})).await.0, 409, "not placed yet");
    step(&app, &t.corp, id, "lease", json!({"signed_on": today().to_string()})).await;
    assert_eq!(step(&app, &t.prov, id, "withdraw-placement", json!({"reason": "client_not_ready"})).await.0, 403);
    let (s, v) = step(&app, &t.coord, id, "withdraw-placement", json!({"reason": "client_not_ready"})).await;
    assert_eq!((s, v["placement_withdrawn_on"].as_str()), (200, Some(today().to_string().as_str())), "{v}");
    assert_eq!(app.get(&format!("/api/v1/dwellings/{did}"), &t.corp).await.1["status"], "published");
    assert_eq!(app.get(&format!("/api/v1/clients/{cid}"), &t.prov).await.1["status"], "ready");
    let (_, after) = app.get(&format!("/api/v1/contingents/{k}/ledger"), &t.coord).await;
    assert_eq!(used(&after), used(&before), "the place is back");
    let changes: Vec<(i64, String)> = after["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["proposal_id"].as_i64() == Some(id))
        .map(|e| (e["change"].as_i64().unwrap(), e["reason"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(changes, vec![(1, "plaatsing".to_string()), (-1, "plaatsing ingetrokken".to_string())]);
    assert_eq!(step(&app, &t.coord, id, "withdraw-placement", json!({"reason": "client_not_ready"})).await.0, 409, "once");
    // The dwelling can be let again: the lease is gone.
    let mut c = app.db.get().unwrap();
    use diesel::prelude::*;
    use uitstroomtafel::store::schema::leases;
    let leases: i64 = leases::table.filter(leases::proposal_id.eq(id as i32)).count().get_result(&mut *c).unwrap();
    assert_eq!(leases, 0);
}

/// Two proposals for the same dwelling (conflicting), approved by two coordinators at
/// once: exactly one succeeds and the other is told the dwelling is gone. Five times.
async fn conflicting_approvals_one_wins(app: TestApp) {
    use crate::helpers::{client_body, dwelling_body};
    let t = tokens(&app).await;
    let coord2 = app.token("coordinator").await;
    for _ in 0..5 {
        let (_, d) = app.post("/api/v1/dwellings", &t.corp, &dwelling_body()).await;
        let did = d["id"].as_i64().unwrap() as i32;
        app.post(&format!("/api/v1/dwellings/{did}/publish"), &t.corp, &json!(null)).await;
        let mut clients = Vec::new();
        for _ in 0..2 {
            let (_, c) = app.post("/api/v1/clients", &t.prov, &client_body()).await;
            let cid = c["id"].as_i64().unwrap() as i32;
            app.post(&format!("/api/v1/clients/{cid}/ready"), &t.prov, &json!({"ready_since": today().to_string()})).await;
            clients.push(cid);
        }
        let ids: Vec<i64> = tokio::task::block_in_place(|| {
            let mut c = app.db.get().unwrap();
            let region =
                uitstroomtafel::store::organisations::find_region_by_code(&mut c, uitstroomtafel::demo::REGION_CODE).unwrap().unwrap().id;
            let user = uitstroomtafel::store::organisations::find_user_by_name(&mut c, "coordinator").unwrap().unwrap().id;
            let round = uitstroomtafel::store::rounds::start(&mut c, region, user, today()).unwrap();
            uitstroomtafel::store::rounds::finish(&mut c, round, "done", "{}").unwrap();
            clients
                .iter()
                .map(|&cid| {
                    uitstroomtafel::store::clients::set_status(&mut c, cid, "ready", "proposed", Some(today()), None).unwrap();
                    i64::from(uitstroomtafel::store::rounds::insert_proposal(&mut c, round, cid, did, 0, 0, "{}", None).unwrap())
                })
                .collect()
        });
        let (a, b) =
            tokio::join!(step(&app, &t.coord, ids[0], "approve", json!(null)), step(&app, &coord2, ids[1], "approve", json!(null)));
        let mut codes = [a.0, b.0];
        codes.sort();
        assert_eq!(codes, [200, 409], "{a:?} {b:?}");
        let loser = if a.0 == 409 { a.1 } else { b.1 };
        assert!(loser["detail"].as_str().unwrap().contains("niet meer"), "told what happened: {loser}");
        assert!(!loser["detail"].as_str().unwrap().contains("huidige stand"), "not the generic message: {loser}");
    }
}

crate::on_both_backends!(
    conflicting_approvals_one_wins,
    a_withdrawn_placement_gives_the_place_back,
    declining_keeps_urgency_where_the_policy_says_so,
    stalled_proposals_are_flagged_and_reported,
    an_offer_past_its_deadline_expires,
    the_whole_way_from_proposal_to_lease,
    refusals_on_the_way,
    a_declined_offer_frees_both_and_never_returns,
    concurrent_approvals_one_wins,
    a_full_contingent_refuses_the_lease_and_changes_nothing
);
