//! The omklap lifecycle: the provider rents, records the flip plan, both parties are
//! reminded, the corporation records the flip; the dwelling leaves the omklap pool and the
//! contingent counts the placement.

use crate::helpers::{client_body, dwelling_body, TestApp};
use serde_json::json;
use uitstroomtafel::workflow::today;

async fn from_placement_to_flip(app: TestApp) {
    let coord = app.token("coordinator").await;
    let corp = app.token("corporatie").await;
    let prov = app.token("zorgaanbieder").await;
    let provider_org = app.get("/api/v1/me", &prov).await.1["organisation_id"].as_i64().unwrap();
    let corp_org = app.get("/api/v1/me", &corp).await.1["organisation_id"].as_i64().unwrap();

    // An omklap dwelling rented by the provider, and a ready client of that provider.
    let mut d = dwelling_body();
    d["kind"] = json!("omklap");
    d["omklap_provider_id"] = json!(provider_org);
    let (_, dw) = app.post("/api/v1/dwellings", &corp, &d).await;
    let did = dw["id"].as_i64().unwrap();
    app.post(&format!("/api/v1/dwellings/{did}/publish"), &corp, &json!(null)).await;
    let (_, c) = app.post("/api/v1/clients", &prov, &client_body()).await;
    let cid = c["id"].as_i64().unwrap();
    app.post(&format!("/api/v1/clients/{cid}/ready"), &prov, &json!({"ready_since": today().to_string()})).await;

    // A proposal for exactly this pair, as a round would store it.
    let pid = tokio::task::block_in_place(|| {
        let mut c = app.db.get().unwrap();
        let region =
            uitstroomtafel::store::organisations::find_region_by_code(&mut c, uitstroomtafel::demo::REGION_CODE).unwrap().unwrap().id;
        let user = uitstroomtafel::store::organisations::find_user_by_name(&mut c, "coordinator").unwrap().unwrap().id;
        let round = uitstroomtafel::store::rounds::start(&mut c, region, user, today()).unwrap();
        uitstroomtafel::store::rounds::finish(&mut c, round, "done", "{}").unwrap();
        uitstroomtafel::store::clients::set_status(&mut c, cid as i32, "ready", "proposed", Some(today()), None).unwrap();
        let explanation = json!({"dwelling": {"kind": "omklap"}}).to_string();
        uitstroomtafel::store::rounds::insert_proposal(&mut c, round, cid as i32, did as i32, 0, 0, &explanation, None).unwrap()
    });
    let step = |token: &str, what: &str, body: serde_json::Value| {
        let req = app.client.post(app.url(&format!("/api/v1/proposals/{pid}/{what}"))).bearer_auth(token).json(&body);
        async move {
            let r = req.send().await.unwrap();
            (r.status().as_u16(), r.json::<serde_json::Value>().await.unwrap())
        }
    };
    let plan = |token: &str, body: serde_json::Value| {
        let req = app.client.put(app.url(&format!("/api/v1/proposals/{pid}/flip-plan"))).bearer_auth(token).json(&body);
        async move {
            let r = req.send().await.unwrap();
            (r.status().as_u16(), r.json::<serde_json::Value>().await.unwrap())
        }
    };
    let in_days = |n: i64| (today() + chrono::Duration::days(n)).to_string();
    assert_eq!(
        plan(&prov, json!({"conditions": "een jaar zonder huurachterstand", "planned_flip_on": in_days(10)})).await.0,
        409,
        "not placed yet"
    );
    assert_eq!(step(&coord, "approve", json!(null)).await.0, 200);
    assert_eq!(step(&corp, "offer", json!(null)).await.0, 200);
    assert_eq!(step(&prov, "accept", json!(null)).await.0, 200);
    assert_eq!(step(&corp, "lease", json!({"signed_on": today().to_string()})).await.0, 200);

    assert_eq!(plan(&corp, json!({"conditions": "x", "planned_flip_on": in_days(10)})).await.0, 403, "the provider is the main tenant");
    let (s, e) = plan(&prov, json!({"conditions": "x", "planned_flip_on": in_days(0)})).await;
    assert_eq!((s, e["errors"][0]["rule"].as_str()), (422, Some("in_future")));
    let (s, v) = plan(&prov, json!({"conditions": "een jaar zonder huurachterstand", "planned_flip_on": in_days(10)})).await;
    assert_eq!((s, v["planned_flip_on"].as_str()), (200, Some(in_days(10).as_str())));
    assert_eq!(v["flip_conditions"], "een jaar zonder huurachterstand");

    let remind = || {
        tokio::task::block_in_place(|| {
            let mut c = app.db.get().unwrap();
            uitstroomtafel::workflow::proposals::remind_flips(&mut c, today(), uitstroomtafel::store::now()).unwrap()
        })
    };
    assert_eq!(remind(), 1, "ten days ahead is within the reminder period");
    assert_eq!(remind(), 0, "once");
    for token in [&prov, &corp] {
        let (_, notes) = app.get("/api/v1/notifications", token).await;
        assert!(notes.as_array().unwrap().iter().any(|n| n["kind"] == "flip_near"));
    }

    let contingent = {
        let (_, list) = app.get("/api/v1/contingents?per_page=200", &coord).await;
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| {
                k["municipality"] == "GM0202"
                    && k["corporation_id"] == corp_org
                    && k["period_end"].as_str().unwrap() > today().to_string().as_str()
            })
            .unwrap()
            .clone()
    };
    assert_eq!(step(&prov, "flip", json!({"flipped_on": today().to_string()})).await.0, 403);
    let (s, v) = step(&corp, "flip", json!({"flipped_on": today().to_string()})).await;
    assert_eq!((s, v["flipped_on"].as_str()), (200, Some(today().to_string().as_str())), "{v}");
    let (_, dw) = app.get(&format!("/api/v1/dwellings/{did}"), &corp).await;
    assert_eq!((dw["kind"].as_str(), dw["omklap_provider_id"].is_null()), (Some("contingent"), true), "left the omklap pool");
    let (_, l) = app.get(&format!("/api/v1/contingents/{}/ledger", contingent["id"]), &coord).await;
    let entries: Vec<&serde_json::Value> =
        l["entries"].as_array().unwrap().iter().filter(|e| e["proposal_id"].as_i64() == Some(i64::from(pid))).collect();
    assert_eq!(entries.len(), 1);
    assert_eq!((entries[0]["reason"].as_str(), entries[0]["change"].as_i64()), (Some("omklap"), Some(1)), "counted as the policy says");
    assert_eq!(l["contingent"]["used"].as_i64().unwrap(), contingent["used"].as_i64().unwrap() + 1);
    assert_eq!(step(&corp, "flip", json!({"flipped_on": today().to_string()})).await.0, 409, "a lease flips once");
}

crate::on_both_backends!(from_placement_to_flip);
