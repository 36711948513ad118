//! Landelijke toegang through the API: request, assessment by the wish municipality,
//! settlement of a disagreement, and who is responsible.

use crate::helpers::{client_body, dwelling_body, TestApp};
use serde_json::json;
use uitstroomtafel::domain::Role;

async fn request_assess_settle_and_decide(app: TestApp) {
    app.add_user("Gemeente Doesburg", "doesburg", Role::Municipality);
    app.add_user("Gemeente Zevenaar", "zevenaar", Role::Municipality);
    let prov = app.token("zorgaanbieder").await;
    let coord = app.token("coordinator").await;
    let arnhem = app.token("gemeente").await;
    let doesburg = app.token_with("doesburg", "een lang wachtwoord").await;
    let zevenaar = app.token_with("zevenaar", "een lang wachtwoord").await;
    let (_, c) = app.post("/api/v1/clients", &prov, &client_body()).await;
    let id = c["id"].as_i64().unwrap();
    let url = |p: &str| format!("/api/v1/clients/{id}{p}");

    let (s, r) = app.post(&url("/lt"), &prov, &json!({"wish_municipality": "GM0221"})).await;
    assert_eq!((s, r["responsible"].as_str()), (200, Some("GM0202")), "{r}");
    assert!(r["steps"].as_array().unwrap().last().unwrap().as_str().unwrap().contains("woont nog niet"));
    let (s, e) = app.post(&url("/lt"), &prov, &json!({"wish_municipality": "GM0202"})).await;
    assert_eq!((s, e["errors"][0]["rule"].as_str()), (422, Some("differs")));

    let assessment = json!({"social_network": true, "agrees": false});
    let put = |token: &str, path: String, body: serde_json::Value| {
        let req = app.client.put(app.url(&path)).bearer_auth(token).json(&body);
        async move {
            let r = req.send().await.unwrap();
            (r.status().as_u16(), r.json::<serde_json::Value>().await.unwrap())
        }
    };
    assert_eq!(put(&arnhem, url("/lt/assessment"), assessment.clone()).await.0, 403, "only the wish municipality assesses");
    let (s, _) = put(&doesburg, url("/lt/assessment"), assessment).await;
    assert_eq!(s, 200);

    // The client settled in Doesburg 400 days ago.
    let corp = app.token("corporatie").await;
    let mut d = dwelling_body();
    d["lat"] = json!(52.0286);
    d["lon"] = json!(6.1403);
    d["city"] = json!("Doesburg");
    let (_, dw) = app.post("/api/v1/dwellings", &corp, &d).await;
    let settled = uitstroomtafel::workflow::today() - chrono::Duration::days(400);
    {
        use diesel::prelude::*;
        use uitstroomtafel::store::schema::leases;
        let mut conn = app.db.get().unwrap();
        diesel::insert_into(leases::table)
            .values((
                leases::dwelling_id.eq(dw["id"].as_i64().unwrap() as i32),
                leases::client_id.eq(id as i32),
                leases::signed_on.eq(settled),
                leases::created_at.eq(uitstroomtafel::store::now()),
            ))
            .execute(&mut *conn)
            .unwrap();
    }
    let (_, r) = app.get(&url("/responsibility"), &coord).await;
    assert_eq!(r["responsible"], "GM0202", "disputed: the origin stays until decided");
    assert!(r["steps"].as_array().unwrap().last().unwrap().as_str().unwrap().contains("regioadviseur"));

    assert_eq!(put(&prov, url("/lt/settlement"), json!({"body": "regioadviseur", "responsible": "wish"})).await.0, 403);
    let (s, e) = put(&coord, url("/lt/settlement"), json!({"body": "geschillencommissie", "responsible": "wish"})).await;
    assert_eq!(s, 409, "first the regioadviseur: {e}");
    let (s, r) = put(&coord, url("/lt/settlement"), json!({"body": "regioadviseur", "responsible": "wish"})).await;
    assert_eq!((s, r["responsible"].as_str()), (200, Some("GM0221")));
    let year_later = settled.checked_add_months(chrono::Months::new(12)).unwrap();
    assert_eq!(r["since"], year_later.to_string());

    assert_eq!(app.get(&url("/responsibility"), &doesburg).await.0, 200, "the wish municipality sees its case");
    assert_eq!(app.get(&url("/responsibility"), &zevenaar).await.0, 404);
    let (s, e) = put(&coord, url("/lt/settlement"), json!({"body": "rechter", "responsible": "wish"})).await;
    assert_eq!((s, e["errors"][0]["field"].as_str()), (422, Some("body")));
}

crate::on_both_backends!(request_assess_settle_and_decide);
