//! A provider's clients: pseudonymous, audited, with a life cycle that refuses what is
//! not allowed.

use crate::helpers::{client_body, TestApp};
use serde_json::json;

fn day(offset: i64) -> String {
    (uitstroomtafel::workflow::today() + chrono::Duration::days(offset)).to_string()
}

async fn register_is_pseudonymous_and_audited(app: TestApp) {
    let prov = app.token("zorgaanbieder").await;
    let (s, c) = app.post("/api/v1/clients", &prov, &client_body()).await;
    assert_eq!(s, 201, "{c}");
    let reference = c["reference"].as_str().unwrap();
    assert!(reference.starts_with("UT-") && reference.len() == 9);
    assert_eq!(c["status"], "registered");
    assert_eq!(c["anchors"][0]["kind"], "network");
    for forbidden in ["name", "bsn", "diagnosis", "first_name"] {
        assert!(c.get(forbidden).is_none());
        let mut body = client_body();
        body[forbidden] = json!("Jan Jansen");
        let (s, p) = app.post("/api/v1/clients", &prov, &body).await;
        assert_eq!((s, p["errors"][0]["rule"].as_str()), (422, Some("unknown_field")), "{forbidden}: {p}");
        assert_eq!(p["errors"][0]["field"], forbidden);
    }
    let id = c["id"].as_i64().unwrap();

    // Reads and changes leave audit rows; the admin reads the log.
    let coord = app.token("coordinator").await;
    assert_eq!(app.get(&format!("/api/v1/clients/{id}"), &coord).await.0, 200);
    assert_eq!(app.get("/api/v1/clients?per_page=200", &coord).await.0, 200);
    let admin = app.token("beheer").await;
    let (s, log) = app.get(&format!("/api/v1/audit?entity=client&entity_id={id}"), &admin).await;
    assert_eq!(s, 200);
    let actions: Vec<&str> = log["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["client.read", "client.create"], "newest first");
    let (_, all) = app.get("/api/v1/audit?per_page=200", &admin).await;
    assert!(all["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "client.list" && e["detail"].as_str().unwrap().contains(&id.to_string())));
}

async fn ready_pause_resume_withdraw(app: TestApp) {
    let prov = app.token("zorgaanbieder").await;
    let (_, c) = app.post("/api/v1/clients", &prov, &client_body()).await;
    let id = c["id"].as_i64().unwrap();
    let url = |what: &str| format!("/api/v1/clients/{id}/{what}");

    let (s, p) = app.post(&url("ready"), &prov, &json!({"ready_since": day(1)})).await;
    assert_eq!((s, p["errors"][0]["rule"].as_str()), (422, Some("not_in_future")));
    let (s, c) = app.post(&url("ready"), &prov, &json!({"ready_since": day(0)})).await;
    assert_eq!((s, c["status"].as_str(), c["waiting_days"].as_i64()), (200, Some("ready"), Some(0)));
    assert_eq!(app.post(&url("ready"), &prov, &json!({"ready_since": day(0)})).await.0, 409, "ready twice");

    let (s, p) = app.post(&url("pause"), &prov, &json!({"until": day(0)})).await;
    assert_eq!((s, p["errors"][0]["rule"].as_str()), (422, Some("in_future")));
    let (s, c) = app.post(&url("pause"), &prov, &json!({"until": day(30)})).await;
    assert_eq!((s, c["status"].as_str()), (200, Some("paused")));
    assert_eq!(c["ready_since"], day(0), "the pause keeps the readiness date");
    let (s, c) = app.post(&url("resume"), &prov, &json!(null)).await;
    assert_eq!((s, c["status"].as_str(), c["paused_until"].is_null()), (200, Some("ready"), true));

    let (s, c) = app.post(&url("withdraw"), &prov, &json!(null)).await;
    assert_eq!((s, c["status"].as_str()), (200, Some("withdrawn")));
    for (what, body) in
        [("ready", json!({"ready_since": day(0)})), ("pause", json!({"until": day(3)})), ("resume", json!(null)), ("withdraw", json!(null))]
    {
        let (s, p) = app.post(&url(what), &prov, &body).await;
        assert_eq!(s, 409, "{what} after withdraw: {p}");
    }
    let put = app.client.put(app.url(&format!("/api/v1/clients/{id}"))).bearer_auth(&prov).header("if-match", "\"5\"").json(&client_body());
    assert_eq!(put.send().await.unwrap().status(), 409, "a withdrawn client cannot be edited");
}

async fn edit_needs_replaces_places(app: TestApp) {
    let prov = app.token("zorgaanbieder").await;
    let (_, c) = app.post("/api/v1/clients", &prov, &client_body()).await;
    let id = c["id"].as_i64().unwrap();
    let mut body = client_body();
    body["needs"] = json!({"min_rooms": 2, "max_rent_cents": 80000, "ground_floor": true});
    body["anchors"] = json!([]);
    body["exclusion_zones"] = json!([{"lat": 51.97, "lon": 5.92, "radius_m": 1000}]);
    body["wish_municipality"] = json!("GM0221");
    let r = app
        .client
        .put(app.url(&format!("/api/v1/clients/{id}")))
        .bearer_auth(&prov)
        .header("if-match", "\"1\"")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["etag"], "\"2\"");
    let c: serde_json::Value = r.json().await.unwrap();
    assert_eq!(c["needs"]["ground_floor"], true);
    assert_eq!(c["wish_municipality"], "GM0221");
    assert_eq!(c["anchors"].as_array().unwrap().len(), 0);
    assert_eq!(c["exclusion_zones"][0]["radius_m"], 1000);

    // The binding municipality must be at this table; the wish municipality must exist.
    body["binding_municipality"] = json!("GM0363");
    body["wish_municipality"] = json!("GM9999");
    let (s, p) = app.post("/api/v1/clients", &prov, &body).await;
    assert_eq!(s, 422);
    let rules: Vec<(&str, &str)> =
        p["errors"].as_array().unwrap().iter().map(|e| (e["field"].as_str().unwrap(), e["rule"].as_str().unwrap())).collect();
    assert_eq!(rules, [("binding_municipality", "in_region"), ("wish_municipality", "exists")]);
}

async fn municipality_sees_its_bound_clients_only(app: TestApp) {
    let gemeente = app.token("gemeente").await;
    let (s, list) = app.get("/api/v1/clients?per_page=200", &gemeente).await;
    assert_eq!(s, 200);
    let items = list["items"].as_array().unwrap();
    assert!(!items.is_empty(), "the demo binds most clients to Arnhem");
    assert!(items.iter().all(|c| c["binding_municipality"] == "GM0202"));
    let coord = app.token("coordinator").await;
    let (_, all) = app.get("/api/v1/clients?per_page=200", &coord).await;
    assert_eq!(all["total"], 60 + uitstroomtafel::demo::PAST_PLACEMENTS, "60 clients today and those placed in the past");
    assert!(all["total"].as_i64().unwrap() > list["total"].as_i64().unwrap());
}

crate::on_both_backends!(
    register_is_pseudonymous_and_audited,
    ready_pause_resume_withdraw,
    edit_needs_replaces_places,
    municipality_sees_its_bound_clients_only
);
