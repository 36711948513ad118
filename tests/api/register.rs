//! Municipalities, organisations, the OpenAPI document, and the demo itself.

use crate::helpers::{Backend, TestApp};
use serde_json::json;

async fn municipalities_from_the_shipped_data(app: TestApp) {
    let t = app.token("corporatie").await;
    let (s, all) = app.get("/api/v1/municipalities?per_page=1", &t).await;
    assert_eq!((s, all["total"].as_i64()), (200, Some(342)));
    let (_, arn) = app.get("/api/v1/municipalities?search=ARN", &t).await;
    let names: Vec<&str> = arn["items"].as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"Arnhem"), "{names:?}");
    let (s, m) = app.get("/api/v1/municipalities/gm0202", &t).await;
    assert_eq!((s, m["name"].as_str(), m["population"].as_i64()), (200, Some("Arnhem"), Some(165770)));
    assert_eq!(app.get("/api/v1/municipalities/GM9999", &t).await.0, 404);
    let (s, p) = app.get("/api/v1/municipalities/Arnhem", &t).await;
    assert_eq!((s, p["errors"][0]["rule"].as_str()), (422, Some("format")));
    let (s, m) = app.get("/api/v1/municipalities/locate?lat=52.3731&lon=4.8922", &t).await;
    assert_eq!((s, m["code"].as_str()), (200, Some("GM0363")));
    let (s, p) = app.get("/api/v1/municipalities/locate?lat=48.85&lon=2.35", &t).await;
    assert_eq!((s, p["errors"][0]["rule"].as_str()), (422, Some("in_netherlands")));
    let (s, b) = app.get("/api/v1/municipalities/GM0202/boundary", &t).await;
    assert_eq!(s, 200);
    assert!(["Polygon", "MultiPolygon"].contains(&b["type"].as_str().unwrap()), "{}", &b.to_string()[..80]);
    assert_eq!(app.get("/api/v1/municipalities/GM9999/boundary", &t).await.0, 404);
    let (_, me) = app.get("/api/v1/me", &t).await;
    assert_eq!(me["region_municipalities"].as_array().unwrap().len(), 10);
}

async fn admin_adds_organisations_with_fitting_kinds(app: TestApp) {
    let admin = app.token("beheer").await;
    let (s, o) = app
        .post("/api/v1/organisations", &admin, &json!({"kind": "municipality", "name": "Gemeente Test", "municipality": "GM0202"}))
        .await;
    assert_eq!((s, o["municipality"].as_str()), (201, Some("GM0202")));
    for (body, field, rule) in [
        (json!({"kind": "municipality", "name": "Gemeente X"}), "municipality", "required"),
        (json!({"kind": "corporation", "name": "Corp X", "municipality": "GM0202"}), "municipality", "not_allowed"),
        (json!({"kind": "municipality", "name": "Gemeente A'dam", "municipality": "GM0363"}), "municipality", "in_region"),
        (json!({"kind": "bank", "name": "Bank"}), "kind", "one_of"),
        (json!({"kind": "provider", "name": "Gemeente Test"}), "name", "unique"),
        (json!({"kind": "provider", "name": "  "}), "name", "required"),
    ] {
        let (s, p) = app.post("/api/v1/organisations", &admin, &body).await;
        assert_eq!((s, p["errors"][0]["field"].as_str(), p["errors"][0]["rule"].as_str()), (422, Some(field), Some(rule)), "{body}");
    }
}

/// The document lists exactly the handlers that are served: every documented
/// operation answers (401 without credentials), none is 404 or 405.
async fn openapi_matches_the_handlers(app: TestApp) {
    let r = app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let doc: serde_json::Value = r.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 18, "{} paths", paths.len());
    let mut operations = 0;
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys().filter(|m| ["get", "post", "put", "patch", "delete"].contains(&m.as_str())) {
            let concrete = path.replace("{id}", "1").replace("{code}", "GM0202");
            let (s, body, _) = app.call(&method.to_uppercase(), &concrete, None, Some(&json!({}))).await;
            assert_eq!(s, 401, "{method} {path}: {body}");
            operations += 1;
        }
    }
    assert!(operations >= 26, "{operations} operations");
    assert!(doc["components"]["schemas"]["DwellingInput"].is_object());
    assert!(doc["components"]["schemas"]["Problem"].is_object());
}

crate::on_both_backends!(municipalities_from_the_shipped_data, admin_adds_organisations_with_fitting_kinds, openapi_matches_the_handlers);

/// `serve --demo` on an existing demo database reuses it; on a database with other data
/// it refuses.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_is_reused_and_never_mixed_into_real_data() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let dwellings = app.count("dwellings");
    let mut conn = app.db.get().unwrap();
    assert!(!uitstroomtafel::demo::load(&mut conn).unwrap(), "the second load reuses the demo");
    drop(conn);
    assert_eq!(app.count("dwellings"), dwellings);

    let empty = TestApp::spawn_with(Backend::Sqlite, false).await.unwrap();
    assert_eq!(empty.count("dwellings"), 0);
    let mut conn = empty.db.get().unwrap();
    uitstroomtafel::store::organisations::create_region(&mut conn, "echt", "Echte regio", "{}", false, &[]).unwrap();
    let e = uitstroomtafel::demo::load(&mut conn).unwrap_err();
    assert!(e.contains("not the demo"), "{e}");
}
