//! Every validation rule: the bad value goes in, a problem+json naming the field and the
//! rule comes out, and nothing is stored.

use crate::helpers::{client_body, dwelling_body, TestApp};
use serde_json::{json, Value};

fn with(mut body: Value, path: &str, value: Value) -> Value {
    let mut target = &mut body;
    let parts: Vec<&str> = path.split('.').collect();
    for p in &parts[..parts.len() - 1] {
        target = &mut target[*p];
    }
    target[parts[parts.len() - 1]] = value;
    body
}

fn without(mut body: Value, field: &str) -> Value {
    body.as_object_mut().unwrap().remove(field);
    body
}

async fn expect_problem(app: &TestApp, token: &str, path: &str, body: &Value, field: &str, rule: &str) {
    let (s, p, h) = app.call("POST", path, Some(token), Some(body)).await;
    assert_eq!(s, 422, "{field}/{rule}: {p}");
    assert_eq!(h["content-type"], "application/problem+json");
    let found = p["errors"].as_array().unwrap().iter().any(|e| e["field"] == field && e["rule"] == rule);
    assert!(found, "expected {field}/{rule} in {p}");
    assert!(p["errors"][0]["message"].as_str().is_some_and(|m| !m.is_empty()));
}

async fn every_dwelling_rule(app: TestApp) {
    let corp = app.token("corporatie").await;
    let before = app.count("dwellings");
    let b = dwelling_body;
    let cases: Vec<(Value, &str, &str)> = vec![
        (with(b(), "postcode", json!("1234")), "postcode", "format"),
        (with(b(), "postcode", json!("0123 AB")), "postcode", "format"),
        (with(b(), "postcode", json!("1234 SS")), "postcode", "format"),
        (with(b(), "kind", json!("koop")), "kind", "one_of"),
        (with(b(), "street", json!(" ")), "street", "required"),
        (with(b(), "street", json!("x".repeat(101))), "street", "length"),
        (with(b(), "house_number", json!("a1")), "house_number", "format"),
        (with(b(), "rooms", json!(0)), "rooms", "range"),
        (with(b(), "rooms", json!(13)), "rooms", "range"),
        (with(b(), "max_household", json!(0)), "max_household", "range"),
        (with(b(), "rent_cents", json!(0)), "rent_cents", "range"),
        (with(b(), "rent_cents", json!(500_001)), "rent_cents", "range"),
        (with(b(), "floor", json!(41)), "floor", "range"),
        (with(b(), "floor", json!(-2)), "floor", "range"),
        (with(b(), "lat", json!(95.0)), "lat", "range"),
        (with(b(), "municipality", json!("Arnhem")), "municipality", "format"),
        (with(b(), "municipality", json!("GM0363")), "municipality", "in_region"),
        (with(b(), "kind", json!("omklap")), "omklap_provider_id", "required"),
        (with(b(), "omklap_provider_id", json!(1)), "omklap_provider_id", "not_allowed"),
        (with(with(b(), "kind", json!("omklap")), "omklap_provider_id", json!(2)), "omklap_provider_id", "provider_in_region"),
        (with(b(), "available_from", json!("1 december")), "available_from", "type"),
        (with(b(), "rooms", json!("twee")), "rooms", "type"),
        (with(b(), "colour", json!("rood")), "colour", "unknown_field"),
        (without(b(), "postcode"), "postcode", "required"),
    ];
    for (body, field, rule) in &cases {
        expect_problem(&app, &corp, "/api/v1/dwellings", body, field, rule).await;
    }
    assert_eq!(app.count("dwellings"), before, "no refused dwelling was stored");
}

async fn every_client_rule(app: TestApp) {
    let prov = app.token("zorgaanbieder").await;
    let before = (app.count("clients"), app.count("client_anchors"));
    let b = client_body;
    let cases: Vec<(Value, &str, &str)> = vec![
        (with(b(), "birth_year", json!(1900)), "birth_year", "range"),
        (with(b(), "birth_year", json!(2020)), "birth_year", "range"),
        (with(b(), "household_size", json!(0)), "household_size", "range"),
        (with(b(), "binding_municipality", json!("0202")), "binding_municipality", "format"),
        (with(b(), "binding_municipality", json!("GM0363")), "binding_municipality", "in_region"),
        (with(b(), "wish_municipality", json!("GM0202")), "wish_municipality", "differs"),
        (with(b(), "wish_municipality", json!("GM9999")), "wish_municipality", "exists"),
        (with(b(), "urgency", json!("hoog")), "urgency", "one_of"),
        (with(b(), "support_level", json!("zwaar")), "support_level", "one_of"),
        (with(b(), "needs.min_rooms", json!(0)), "needs.min_rooms", "range"),
        (with(b(), "needs.max_rent_cents", json!(-5)), "needs.max_rent_cents", "range"),
        (with(b(), "needs.pets", json!(true)), "needs.pets", "unknown_field"),
        (with(b(), "exclusion_zones", json!([{"lat": 51.9, "lon": 5.9, "radius_m": 10}])), "exclusion_zones[0].radius_m", "range"),
        (with(b(), "anchors", json!([{"kind": "family", "lat": 51.9, "lon": 5.9}])), "anchors[0].kind", "one_of"),
        (with(b(), "anchors", json!([{"kind": "work", "lat": 91, "lon": 5.9}])), "anchors[0].lat", "range"),
        (with(b(), "anchors", json!(vec![json!({"kind": "work", "lat": 51.9, "lon": 5.9}); 11])), "anchors", "length"),
        (without(b(), "needs"), "needs", "required"),
    ];
    for (body, field, rule) in &cases {
        expect_problem(&app, &prov, "/api/v1/clients", body, field, rule).await;
    }
    assert_eq!((app.count("clients"), app.count("client_anchors")), before, "no refused client was stored");
}

async fn malformed_requests(app: TestApp) {
    let corp = app.token("corporatie").await;
    let send = |ct: &'static str, body: Vec<u8>| {
        let req = app.client.post(app.url("/api/v1/dwellings")).bearer_auth(&corp).header("content-type", ct).body(body);
        async move {
            let r = req.send().await.unwrap();
            let status = r.status().as_u16();
            let ct = r.headers()["content-type"].to_str().unwrap().to_string();
            (status, ct, r.json::<Value>().await.unwrap())
        }
    };
    let (s, ct, p) = send("application/json", b"{\"kind\": ".to_vec()).await;
    assert_eq!((s, ct.as_str(), p["errors"][0]["rule"].as_str()), (422, "application/problem+json", Some("json")));
    let (s, _, _) = send("text/plain", serde_json::to_vec(&dwelling_body()).unwrap()).await;
    assert_eq!(s, 415);
    let mut huge = dwelling_body();
    huge["street"] = json!("x".repeat(300 * 1024));
    let (s, _, p) = send("application/json", serde_json::to_vec(&huge).unwrap()).await;
    assert_eq!(s, 413, "{p}");
    let (s, p) = app.get("/api/v1/dwellings?per_page=500", &corp).await;
    assert_eq!((s, p["errors"][0]["field"].as_str()), (422, Some("per_page")));
    let (s, p) = app.get("/api/v1/dwellings?page=0", &corp).await;
    assert_eq!((s, p["errors"][0]["field"].as_str()), (422, Some("page")));
    let (s, _) = app.get("/api/v1/dwellings/abc", &corp).await;
    assert_eq!(s, 404);
    let (s, p) = app.post("/api/v1/dwellings/batch", &corp, &json!([])).await;
    assert_eq!((s, p["errors"][0]["rule"].as_str()), (422, Some("length")));
}

crate::on_both_backends!(every_dwelling_rule, every_client_rule, malformed_requests);
