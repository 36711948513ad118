//! Contingent agreements.

use crate::helpers::TestApp;
use serde_json::json;

async fn corporation_id(app: &TestApp, token: &str, name: &str) -> i64 {
    let (_, orgs) = app.get("/api/v1/organisations?kind=corporation", token).await;
    orgs.as_array().unwrap().iter().find(|o| o["name"] == name).unwrap()["id"].as_i64().unwrap()
}

async fn create_overlap_and_cap_rules(app: TestApp) {
    let coord = app.token("coordinator").await;
    let corp = corporation_id(&app, &coord, "Veluwezoom Wonen").await;
    let body =
        json!({"municipality": "GM0202", "corporation_id": corp, "period_start": "2030-01-01", "period_end": "2030-07-01", "cap": 4});
    let (s, k) = app.post("/api/v1/contingents", &coord, &body).await;
    assert_eq!(s, 201, "{k}");
    assert_eq!((k["cap"].as_i64(), k["used"].as_i64(), k["remaining"].as_i64()), (Some(4), Some(0), Some(4)));
    let id = k["id"].as_i64().unwrap();

    // Overlapping period for the same municipality and corporation.
    let overlap =
        json!({"municipality": "GM0202", "corporation_id": corp, "period_start": "2030-06-01", "period_end": "2031-01-01", "cap": 1});
    assert_eq!(app.post("/api/v1/contingents", &coord, &overlap).await.0, 409);
    // Adjacent is fine.
    let next =
        json!({"municipality": "GM0202", "corporation_id": corp, "period_start": "2030-07-01", "period_end": "2031-01-01", "cap": 1});
    assert_eq!(app.post("/api/v1/contingents", &coord, &next).await.0, 201);

    // A municipality outside the table, an organisation that is no corporation.
    let provider_id = {
        let (_, orgs) = app.get("/api/v1/organisations?kind=provider", &coord).await;
        orgs[0]["id"].as_i64().unwrap()
    };
    let bad = json!({"municipality": "GM0363", "corporation_id": provider_id, "period_start": "2030-01-01", "period_end": "2030-07-01", "cap": 1});
    let (s, p) = app.post("/api/v1/contingents", &coord, &bad).await;
    assert_eq!(s, 422);
    let fields: Vec<&str> = p["errors"].as_array().unwrap().iter().map(|e| e["rule"].as_str().unwrap()).collect();
    assert_eq!(fields, ["in_region", "corporation_in_region"]);

    // The cap never drops below what is used.
    {
        use diesel::prelude::*;
        use uitstroomtafel::store::schema::contingents;
        let mut c = app.db.get().unwrap();
        diesel::update(contingents::table.find(id as i32)).set(contingents::used.eq(3)).execute(&mut *c).unwrap();
    }
    let patch = |cap: i64| {
        let req = app.client.patch(app.url(&format!("/api/v1/contingents/{id}"))).bearer_auth(&coord).json(&json!({"cap": cap}));
        async move {
            let r = req.send().await.unwrap();
            (r.status().as_u16(), r.json::<serde_json::Value>().await.unwrap())
        }
    };
    let (s, p) = patch(2).await;
    assert_eq!((s, p["errors"][0]["rule"].as_str()), (422, Some("at_least_used")));
    let (s, k) = patch(3).await;
    assert_eq!((s, k["remaining"].as_i64()), (200, Some(0)));
    let (s, p) = patch(-1).await;
    assert_eq!((s, p["errors"][0]["field"].as_str()), (422, Some("cap")));
}

crate::on_both_backends!(create_overlap_and_cap_rules);
