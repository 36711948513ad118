//! For every endpoint and every role: allowed or refused. Refused is 403 (or 404 where
//! the row exists but lies outside what the role may see), and never a leak.

use crate::helpers::{client_body, dwelling_body, TestApp};
use serde_json::{json, Value};

const ROLES: [&str; 5] = ["coordinator", "corporatie", "zorgaanbieder", "gemeente", "beheer"];

/// (method, path, body, expected status for coordinator, corporatie, zorgaanbieder, gemeente, beheer)
type Row = (&'static str, String, Option<Value>, [u16; 5]);

async fn every_endpoint_by_role(app: TestApp) {
    let mut tokens = Vec::new();
    for r in ROLES {
        tokens.push(app.token(r).await);
    }
    let (corp, prov) = (&tokens[1], &tokens[2]);
    let (s, d) = app.post("/api/v1/dwellings", corp, &dwelling_body()).await;
    assert_eq!(s, 201, "{d}");
    let (s, c) = app.post("/api/v1/clients", prov, &client_body()).await;
    assert_eq!(s, 201, "{c}");
    let (s, orgs) = app.get("/api/v1/organisations?kind=corporation", &tokens[0]).await;
    assert_eq!(s, 200);
    let corp_id = orgs.as_array().unwrap().iter().find(|o| o["name"] == "Woonstichting Rijnstad").unwrap()["id"].as_i64().unwrap();
    let (did, cid) = (d["id"].as_i64().unwrap(), c["id"].as_i64().unwrap());
    let contingent =
        json!({"municipality": "GM0202", "corporation_id": corp_id, "period_start": "2030-01-01", "period_end": "2031-01-01", "cap": 3});
    let contingent2 =
        json!({"municipality": "GM0202", "corporation_id": corp_id, "period_start": "2031-01-01", "period_end": "2032-01-01", "cap": 3});
    let (s, k) = app.post("/api/v1/contingents", &tokens[0], &json!({"municipality": "GM0202", "corporation_id": corp_id, "period_start": "2029-01-01", "period_end": "2030-01-01", "cap": 3})).await;
    assert_eq!(s, 201, "{k}");
    let kid = k["id"].as_i64().unwrap();
    let today = chrono::Utc::now().date_naive();
    let ready = json!({"ready_since": (today - chrono::Duration::days(30)).to_string()});
    let (s, round) = app.post("/api/v1/rounds", &tokens[0], &json!({})).await;
    assert_eq!(s, 201, "{round}");
    let pid = round["proposals"][0]["id"].as_i64().expect("the demo round proposes");
    let reject = json!({"reason": "other", "note": "test"});
    let pause = json!({"until": (today + chrono::Duration::days(30)).to_string()});

    let rows: Vec<Row> = vec![
        ("GET", "/api/v1/me".into(), None, [200, 200, 200, 200, 200]),
        ("GET", "/api/v1/municipalities?search=arn".into(), None, [200, 200, 200, 200, 200]),
        ("GET", "/api/v1/municipalities/GM0202".into(), None, [200, 200, 200, 200, 200]),
        ("GET", "/api/v1/municipalities/locate?lat=51.98&lon=5.91".into(), None, [200, 200, 200, 200, 200]),
        ("GET", "/api/v1/organisations".into(), None, [200, 200, 200, 200, 200]),
        ("POST", "/api/v1/organisations".into(), Some(json!({"kind": "provider", "name": "Nieuwe Zorg"})), [403, 403, 403, 403, 201]),
        ("GET", "/api/v1/audit".into(), None, [403, 403, 403, 403, 200]),
        ("GET", "/api/v1/dwellings".into(), None, [200, 200, 403, 200, 403]),
        ("GET", format!("/api/v1/dwellings/{did}"), None, [200, 200, 403, 200, 403]),
        ("POST", "/api/v1/dwellings".into(), Some(dwelling_body()), [403, 201, 403, 403, 403]),
        ("POST", "/api/v1/dwellings/batch".into(), Some(json!([dwelling_body()])), [403, 201, 403, 403, 403]),
        ("PUT", format!("/api/v1/dwellings/{did}"), Some(dwelling_body()), [403, 200, 403, 403, 403]),
        ("POST", format!("/api/v1/dwellings/{did}/publish"), None, [403, 200, 403, 403, 403]),
        ("POST", format!("/api/v1/dwellings/{did}/withdraw"), None, [403, 200, 403, 403, 403]),
        ("GET", "/api/v1/clients".into(), None, [200, 403, 200, 200, 403]),
        ("GET", format!("/api/v1/clients/{cid}"), None, [200, 403, 200, 200, 403]),
        ("POST", "/api/v1/clients".into(), Some(client_body()), [403, 403, 201, 403, 403]),
        ("PUT", format!("/api/v1/clients/{cid}"), Some(client_body()), [403, 403, 200, 403, 403]),
        ("POST", format!("/api/v1/clients/{cid}/ready"), Some(ready), [403, 403, 200, 403, 403]),
        ("POST", format!("/api/v1/clients/{cid}/pause"), Some(pause), [403, 403, 200, 403, 403]),
        ("POST", format!("/api/v1/clients/{cid}/resume"), None, [403, 403, 200, 403, 403]),
        ("POST", format!("/api/v1/clients/{cid}/withdraw"), None, [403, 403, 200, 403, 403]),
        ("GET", "/api/v1/contingents".into(), None, [200, 200, 403, 200, 200]),
        ("GET", format!("/api/v1/contingents/{kid}"), None, [200, 200, 403, 200, 200]),
        ("PATCH", format!("/api/v1/contingents/{kid}"), Some(json!({"cap": 4})), [200, 403, 403, 403, 200]),
        // coordinator creates the first, the admin the second; each a distinct period
        ("POST", "/api/v1/contingents".into(), Some(contingent), [201, 403, 403, 403, 409]),
        // only the admin's cell: the others are covered by the row before
        ("POST", "/api/v1/contingents".into(), Some(contingent2), [SKIP, SKIP, SKIP, SKIP, 201]),
        ("POST", "/api/v1/tokens".into(), Some(json!({"name": "koppeling"})), [201, 201, 201, 201, 201]),
        ("POST", "/api/v1/rounds".into(), Some(json!({})), [201, 403, 403, 403, 403]),
        ("GET", "/api/v1/rounds".into(), None, [200, 403, 403, 403, 403]),
        ("GET", "/api/v1/rounds/1".into(), None, [200, 403, 403, 403, 403]),
        ("GET", "/api/v1/notifications".into(), None, [200, 200, 200, 200, 200]),
        ("GET", "/api/v1/notifications/preferences".into(), None, [200, 200, 200, 200, 200]),
        ("GET", "/api/v1/outbox".into(), None, [403, 403, 403, 403, 200]),
        ("GET", "/api/v1/proposals".into(), None, [200, 200, 200, 403, 403]),
        // A corporation sees a proposal from approval on, a provider only its clients'.
        ("GET", format!("/api/v1/proposals/{pid}"), None, [200, SKIP, SKIP, 403, 403]),
        ("POST", format!("/api/v1/proposals/{pid}/approve"), None, [200, 403, 403, 403, 403]),
        ("POST", format!("/api/v1/proposals/{pid}/reject"), Some(reject), [200, 403, 403, 403, 403]),
        ("POST", format!("/api/v1/proposals/{pid}/lease"), Some(json!({"signed_on": today.to_string()})), [403, SKIP, 403, 403, 403]),
        ("POST", format!("/api/v1/proposals/{pid}/decline"), Some(json!({"reason": "other", "note": "x"})), [403, 403, SKIP, 403, 403]),
        ("GET", format!("/api/v1/contingents/{kid}/ledger"), None, [200, 200, 403, 200, 200]),
        ("GET", "/api/v1/municipalities/GM0202/boundary".into(), None, [200, 200, 200, 200, 200]),
        ("GET", "/api/v1/tokens".into(), None, [200, 200, 200, 200, 200]),
        ("DELETE", "/api/v1/tokens/999999".into(), None, [404, 404, 404, 404, 404]),
        ("GET", "/api/v1/follow-ups".into(), None, [200, 403, 200, 403, 403]),
        ("POST", "/api/v1/follow-ups/999999/6".into(), Some(json!({"outcome": "still_housed"})), [403, 403, 404, 403, 403]),
        ("GET", "/api/v1/monitor".into(), None, [200, 403, 403, 200, 403]),
        ("GET", "/api/v1/monitor.csv".into(), None, [200, 403, 403, 200, 403]),
        ("GET", "/api/v1/fairness".into(), None, [200, 403, 403, 403, 403]),
    ];

    for (method, path, body, expected) in rows {
        for (i, role) in ROLES.iter().enumerate() {
            if expected[i] == SKIP {
                continue;
            }
            let mut req = app.client.request(method.parse().unwrap(), app.url(&path)).bearer_auth(&tokens[i]);
            if method == "PUT" {
                // A PUT needs the current version, which the owner can read.
                let owner = if path.contains("clients") { prov } else { corp };
                let (_, _, h) = app.call("GET", &path, Some(owner), None).await;
                req = req.header("if-match", h["etag"].to_str().unwrap());
            }
            if let Some(b) = &body {
                req = req.json(b);
            }
            let resp = req.send().await.unwrap();
            let status = resp.status().as_u16();
            let text = resp.text().await.unwrap();
            assert_eq!(status, expected[i], "{method} {path} as {role}: {text}");
            if status == 403 {
                assert!(text.contains("geen-toegang"), "a refusal is a problem+json: {text}");
            }
        }
        // Without credentials every endpoint answers 401.
        let (s, _, _) = app.call(method, &path, None, body.as_ref()).await;
        assert_eq!(s, 401, "{method} {path} without credentials");
    }
}

/// A cell not tried.
const SKIP: u16 = 0;

/// A corporation never sees another corporation's dwellings; a provider never sees
/// another provider's clients; a municipality sees only what concerns it.
async fn organisations_are_isolated(app: TestApp) {
    use uitstroomtafel::demo::{CORPORATIONS, PROVIDERS};
    use uitstroomtafel::domain::Role;
    app.add_user(CORPORATIONS[1], "corporatie2", Role::Corporation);
    app.add_user(PROVIDERS[1], "zorg2", Role::Provider);
    app.add_user("Gemeente Zevenaar", "zevenaar", Role::Municipality);
    let corp1 = app.token("corporatie").await;
    let corp2 = app.token_with("corporatie2", "een lang wachtwoord").await;
    let prov1 = app.token("zorgaanbieder").await;
    let prov2 = app.token_with("zorg2", "een lang wachtwoord").await;
    let zevenaar = app.token_with("zevenaar", "een lang wachtwoord").await;

    let (_, d) = app.post("/api/v1/dwellings", &corp1, &dwelling_body()).await;
    let did = d["id"].as_i64().unwrap();
    assert_eq!(app.get(&format!("/api/v1/dwellings/{did}"), &corp2).await.0, 404);
    assert_eq!(app.post(&format!("/api/v1/dwellings/{did}/publish"), &corp2, &json!(null)).await.0, 404);
    let (_, list) = app.get("/api/v1/dwellings?per_page=200", &corp2).await;
    let corp2_org = app.get("/api/v1/me", &corp2).await.1["organisation_id"].clone();
    let items = list["items"].as_array().unwrap();
    assert!(!items.is_empty(), "the second corporation has demo dwellings");
    assert!(items.iter().all(|d| d["corporation_id"] == corp2_org), "only its own");
    assert!(list["items"].as_array().unwrap().iter().all(|d| d["id"] != did));

    let (_, c) = app.post("/api/v1/clients", &prov1, &client_body()).await;
    let cid = c["id"].as_i64().unwrap();
    assert_eq!(app.get(&format!("/api/v1/clients/{cid}"), &prov2).await.0, 404);
    let (_, list) = app.get("/api/v1/clients?per_page=200", &prov2).await;
    assert!(list["items"].as_array().unwrap().iter().all(|c| c["id"] != cid));
    let (_, mine) = app.get("/api/v1/clients?per_page=200", &prov1).await;
    let own_id = mine["items"][0]["provider_id"].clone();
    assert!(mine["items"].as_array().unwrap().iter().all(|c| c["provider_id"] == own_id));

    // Zevenaar sees neither the Arnhem client nor the Arnhem dwelling.
    assert_eq!(app.get(&format!("/api/v1/clients/{cid}"), &zevenaar).await.0, 404);
    assert_eq!(app.get(&format!("/api/v1/dwellings/{did}"), &zevenaar).await.0, 404);
    let (_, list) = app.get("/api/v1/clients?per_page=200", &zevenaar).await;
    let items = list["items"].as_array().unwrap();
    assert!(!items.is_empty(), "the demo binds clients to Zevenaar");
    assert!(items.iter().all(|c| c["binding_municipality"] == "GM0299"));
    let (_, list) = app.get("/api/v1/contingents", &zevenaar).await;
    assert!(list["items"].as_array().unwrap().iter().all(|k| k["municipality"] == "GM0299"));
    assert!(list["total"].as_i64().unwrap() > 0);

    // A proposal of other parties: 404 for the second corporation and provider, on the
    // API and on the page, even once approved (when its own corporation would see it).
    let coord = app.token("coordinator").await;
    let (_, round) = app.post("/api/v1/rounds", &coord, &json!({})).await;
    let (corp2_org, prov2_org) = (corp2_org.as_i64().unwrap(), app.get("/api/v1/me", &prov2).await.1["organisation_id"].as_i64().unwrap());
    let mut foreign = None;
    for p in round["proposals"].as_array().unwrap() {
        let (_, d) = app.get(&format!("/api/v1/dwellings/{}", p["dwelling_id"]), &coord).await;
        let (_, c) = app.get(&format!("/api/v1/clients/{}", p["client_id"]), &coord).await;
        if d["corporation_id"].as_i64() != Some(corp2_org) && c["provider_id"].as_i64() != Some(prov2_org) {
            foreign = p["id"].as_i64();
            break;
        }
    }
    let pid = foreign.expect("a proposal between other parties");
    assert_eq!(app.post(&format!("/api/v1/proposals/{pid}/approve"), &coord, &json!(null)).await.0, 200);
    for token in [&corp2, &prov2] {
        assert_eq!(app.get(&format!("/api/v1/proposals/{pid}"), token).await.0, 404);
        assert_eq!(
            app.post(&format!("/api/v1/proposals/{pid}/offer"), token, &json!(null)).await.0,
            if token == &corp2 { 404 } else { 403 }
        );
    }
    for (user, password) in [("corporatie2", "een lang wachtwoord"), ("zorg2", "een lang wachtwoord")] {
        let s = app.login(user, password).await.unwrap();
        let page = app.client.get(app.url(&format!("/voorstellen/{pid}"))).header("cookie", &s.cookie).send().await.unwrap();
        assert_eq!(page.status(), 404, "{user} on the page");
    }
    let s = app.login("corporatie2", "een lang wachtwoord").await.unwrap();
    let page = app.client.get(app.url(&format!("/woningen/{did}"))).header("cookie", &s.cookie).send().await.unwrap();
    assert_eq!(page.status(), 404, "another corporation's dwelling page");
}

crate::on_both_backends!(every_endpoint_by_role, organisations_are_isolated);
