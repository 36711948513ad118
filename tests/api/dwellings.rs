//! A corporation's dwellings through the API.

use crate::helpers::{dwelling_body, TestApp};
use serde_json::json;

async fn life_cycle_with_versions_and_refused_transitions(app: TestApp) {
    let corp = app.token("corporatie").await;
    let (s, d, h) = app.call("POST", "/api/v1/dwellings", Some(&corp), Some(&dwelling_body())).await;
    assert_eq!(s, 201, "{d}");
    assert_eq!(d["status"], "draft");
    assert_eq!(d["postcode"], "6828 CA");
    let id = d["id"].as_i64().unwrap();
    assert_eq!(h["location"], format!("/api/v1/dwellings/{id}").as_str());
    assert_eq!(h["etag"], "\"1\"");

    // Edit with the right version, then a stale one.
    let mut body = dwelling_body();
    body["rent_cents"] = json!(70000);
    let put = |version: &'static str, body: serde_json::Value| {
        let req = app.client.put(app.url(&format!("/api/v1/dwellings/{id}"))).bearer_auth(&corp).header("if-match", version).json(&body);
        async move { req.send().await.unwrap() }
    };
    let r = put("\"1\"", body.clone()).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["rent_cents"], 70000);
    let r = put("\"1\"", body.clone()).await;
    assert_eq!(r.status(), 409, "a stale version is refused");
    let missing = app.client.put(app.url(&format!("/api/v1/dwellings/{id}"))).bearer_auth(&corp).json(&body).send().await.unwrap();
    assert_eq!(missing.status(), 428);

    let (s, d) = app.post(&format!("/api/v1/dwellings/{id}/publish"), &corp, &json!(null)).await;
    assert_eq!((s, d["status"].as_str()), (200, Some("published")));
    let (s, p) = app.post(&format!("/api/v1/dwellings/{id}/publish"), &corp, &json!(null)).await;
    assert_eq!(s, 409, "publishing twice is refused: {p}");
    assert!(p["type"].as_str().unwrap().ends_with("ongeldige-overgang"));
    assert!(p["detail"].as_str().unwrap().contains("gepubliceerd"));

    let (s, d) = app.post(&format!("/api/v1/dwellings/{id}/withdraw"), &corp, &json!(null)).await;
    assert_eq!((s, d["status"].as_str()), (200, Some("withdrawn")));
    assert_eq!(app.post(&format!("/api/v1/dwellings/{id}/publish"), &corp, &json!(null)).await.0, 409);
    assert_eq!(put("\"4\"", body).await.status(), 409, "a withdrawn dwelling cannot be edited");
}

async fn municipality_comes_from_the_coordinates(app: TestApp) {
    let corp = app.token("corporatie").await;
    // Doesburg, no municipality given.
    let mut body = dwelling_body();
    body["lat"] = json!(52.0286);
    body["lon"] = json!(6.1403);
    body["city"] = json!("Doesburg");
    let (s, d) = app.post("/api/v1/dwellings", &corp, &body).await;
    assert_eq!((s, d["municipality"].as_str()), (201, Some("GM0221")), "{d}");

    // Brussels: outside the Netherlands.
    body["lat"] = json!(50.8466);
    body["lon"] = json!(4.3528);
    let (s, p) = app.post("/api/v1/dwellings", &corp, &body).await;
    assert_eq!(s, 422);
    assert_eq!((p["errors"][0]["field"].as_str(), p["errors"][0]["rule"].as_str()), (Some("lat"), Some("in_netherlands")));

    // Amsterdam: in the Netherlands but not at this table.
    body["lat"] = json!(52.3731);
    body["lon"] = json!(4.8922);
    let (s, p) = app.post("/api/v1/dwellings", &corp, &body).await;
    assert_eq!(s, 422);
    assert_eq!((p["errors"][0]["field"].as_str(), p["errors"][0]["rule"].as_str()), (Some("municipality"), Some("in_region")));
}

async fn batch_is_all_or_nothing(app: TestApp) {
    let corp = app.token("corporatie").await;
    let before = app.count("dwellings");
    let audit_before = app.count("audit_log");

    // One row breaks a rule: nothing is stored, the error names the row.
    let mut bad = dwelling_body();
    bad["postcode"] = json!("12");
    let (s, p) = app.post("/api/v1/dwellings/batch", &corp, &json!([dwelling_body(), dwelling_body(), bad])).await;
    assert_eq!(s, 422);
    assert_eq!(p["errors"][0]["field"], "[2].postcode");
    assert_eq!(app.count("dwellings"), before);

    // Every row is valid alone, but the third repeats the second's external_ref: the
    // database refuses it mid-way and the rows written before it are rolled back.
    let mut a = dwelling_body();
    a["external_ref"] = json!("VHE-1");
    let mut b = dwelling_body();
    b["external_ref"] = json!("VHE-2");
    let (s, p) = app.post("/api/v1/dwellings/batch", &corp, &json!([a, b.clone(), b])).await;
    assert_eq!(s, 409, "{p}");
    assert_eq!(app.count("dwellings"), before);
    assert_eq!(app.count("audit_log"), audit_before, "no audit row of a write that did not happen");

    let (s, created) = app.post("/api/v1/dwellings/batch", &corp, &json!([dwelling_body(), dwelling_body()])).await;
    assert_eq!(s, 201);
    assert_eq!(created.as_array().unwrap().len(), 2);
    assert_eq!(app.count("dwellings"), before + 2);
}

async fn list_filters_and_pages(app: TestApp) {
    let coord = app.token("coordinator").await;
    let (s, all) = app.get("/api/v1/dwellings?per_page=200", &coord).await;
    assert_eq!(s, 200);
    let total = all["total"].as_i64().unwrap();
    assert_eq!(total, 40 + uitstroomtafel::demo::PAST_PLACEMENTS as i64, "the demo has 40 dwellings and those let in the past");
    let (_, p1) = app.get("/api/v1/dwellings?per_page=15&page=1", &coord).await;
    let (_, p3) = app.get("/api/v1/dwellings?per_page=15&page=3", &coord).await;
    assert_eq!(p1["items"].as_array().unwrap().len(), 15);
    assert_eq!(p3["items"].as_array().unwrap().len() as i64, (total - 30).min(15));
    assert_eq!(p3["total"], total);
    let (_, published) = app.get("/api/v1/dwellings?status=published&kind=omklap&per_page=200", &coord).await;
    assert!(published["items"].as_array().unwrap().iter().all(|d| d["status"] == "published" && d["kind"] == "omklap"));
    let (_, arnhem) = app.get("/api/v1/dwellings?municipality=GM0202&per_page=200", &coord).await;
    assert!(arnhem["total"].as_i64().unwrap() > 0);
    assert!(arnhem["items"].as_array().unwrap().iter().all(|d| d["municipality"] == "GM0202"));
    let (s, p) = app.get("/api/v1/dwellings?status=sold", &coord).await;
    assert_eq!((s, p["errors"][0]["field"].as_str()), (422, Some("status")));
}

/// The dwelling list is kept for a moment per scope and query: another organisation's
/// scope never gets it, and a write on this instance shows at once.
async fn the_list_cache_keeps_scopes_apart_and_shows_writes_at_once(app: TestApp) {
    let (coord, corp) = (app.token("coordinator").await, app.token("corporatie").await);
    let path = "/api/v1/dwellings?per_page=200";
    let (_, all) = app.get(path, &coord).await;
    let (_, own) = app.get(path, &corp).await;
    assert!(all["total"].as_i64().unwrap() > own["total"].as_i64().unwrap(), "the same URL, the corporation's own scope");
    let corp_id = own["items"][0]["corporation_id"].clone();
    assert!(own["items"].as_array().unwrap().iter().all(|d| d["corporation_id"] == corp_id));
    assert_eq!(app.get(path, &coord).await.1, all, "asked again: the same page");

    let (s, made) = app.post("/api/v1/dwellings", &corp, &dwelling_body()).await;
    assert_eq!(s, 201, "{made}");
    let (_, after) = app.get(path, &corp).await;
    assert_eq!(after["total"].as_i64(), Some(own["total"].as_i64().unwrap() + 1), "a write shows at once");
    assert!(after["items"].as_array().unwrap().iter().any(|d| d["id"] == made["id"]));
    let (_, all_after) = app.get(path, &coord).await;
    assert_eq!(all_after["total"].as_i64(), Some(all["total"].as_i64().unwrap() + 1));
}

/// A database that fails on the lookups a dwelling needs (its municipality in the region)
/// is not the caller's mistake: no 422 naming the municipality, a server error. (Seen in
/// the PostgreSQL outage test: one write out of a thousand answered 422 when the outage
/// fell between the token check and this lookup.) The table is renamed away for one
/// request to make the lookup fail every time.
async fn a_failing_lookup_is_a_server_error_not_the_callers_mistake(app: TestApp) {
    use diesel::RunQueryDsl;
    let corp = app.token("corporatie").await;
    let rename = |from: &str, to: &str| {
        diesel::sql_query(format!("ALTER TABLE {from} RENAME TO {to}")).execute(&mut *app.db.get().unwrap()).unwrap();
    };
    rename("region_municipalities", "region_municipalities_away");
    let (s, p) = app.post("/api/v1/dwellings", &corp, &dwelling_body()).await;
    rename("region_municipalities_away", "region_municipalities");
    assert_eq!(s, 500, "{p}");
    assert!(p.get("errors").is_none(), "no field is blamed: {p}");
    assert!(!p.to_string().contains("region_municipalities"), "the database's own words stay in the log: {p}");
    let (s, _) = app.post("/api/v1/dwellings", &corp, &dwelling_body()).await;
    assert_eq!(s, 201, "with the table back, the same request is stored");
}

crate::on_both_backends!(
    a_failing_lookup_is_a_server_error_not_the_callers_mistake,
    the_list_cache_keeps_scopes_apart_and_shows_writes_at_once,
    life_cycle_with_versions_and_refused_transitions,
    municipality_comes_from_the_coordinates,
    batch_is_all_or_nothing,
    list_filters_and_pages
);

/// Two services with their own databases in one process (as these tests run): a list's
/// kept total is one database's, never the other's. (Seen once in CI: a list counted 77
/// dwellings of a database holding 76, the count of another test's database that had
/// just added one.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_total_is_its_own_databases() {
    let a = TestApp::spawn(crate::helpers::Backend::Sqlite).await.unwrap();
    let b = TestApp::spawn(crate::helpers::Backend::Sqlite).await.unwrap();
    let path = "/api/v1/dwellings?per_page=1";
    let (corp, coord_a, coord_b) = (a.token("corporatie").await, a.token("coordinator").await, b.token("coordinator").await);
    let (s, made) = a.post("/api/v1/dwellings", &corp, &dwelling_body()).await;
    assert_eq!(s, 201, "{made}");
    let (_, in_a) = a.get(path, &coord_a).await;
    let (_, in_b) = b.get(path, &coord_b).await;
    assert_eq!(a.count("dwellings"), b.count("dwellings") + 1);
    assert_eq!(in_a["total"].as_i64(), Some(a.count("dwellings")));
    assert_eq!(in_b["total"].as_i64(), Some(b.count("dwellings")), "b's total is b's count, not a's");
}
