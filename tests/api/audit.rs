//! The audit log is complete: every API call and page that reads or changes client data
//! leaves a row saying who, what, when and from where.

use crate::helpers::{client_body, TestApp};
use diesel::prelude::*;
use serde_json::json;
use uitstroomtafel::store::schema::audit_log;

/// (action, entity, entity id, detail, user, address) of the rows after `after`.
type Row = (String, String, Option<i32>, String, Option<i32>, Option<String>);

fn rows_after(app: &TestApp, after: i32) -> Vec<Row> {
    let mut c = app.db.get().unwrap();
    audit_log::table
        .filter(audit_log::id.gt(after))
        .order(audit_log::id.asc())
        .select((audit_log::action, audit_log::entity, audit_log::entity_id, audit_log::detail, audit_log::user_id, audit_log::address))
        .load(&mut *c)
        .unwrap()
}

fn last_id(app: &TestApp) -> i32 {
    let mut c = app.db.get().unwrap();
    audit_log::table.select(diesel::dsl::max(audit_log::id)).first::<Option<i32>>(&mut *c).unwrap().unwrap_or(0)
}

async fn every_client_read_and_change_is_audited(app: TestApp) {
    let (prov, coord, gemeente, corp) =
        (app.token("zorgaanbieder").await, app.token("coordinator").await, app.token("gemeente").await, app.token("corporatie").await);
    let today = chrono::Utc::now().date_naive();

    let before = last_id(&app);
    let (s, c) = app.post("/api/v1/clients", &prov, &client_body()).await;
    assert_eq!(s, 201, "{c}");
    let cid = c["id"].as_i64().unwrap() as i32;
    let mentions_client = |r: &Row, pid: Option<i32>| {
        (r.1 == "client" && (r.2 == Some(cid) || r.3.split(|ch: char| !ch.is_ascii_digit()).any(|n| n == cid.to_string())))
            || (r.1 == "proposal" && pid.is_some() && r.2 == pid)
    };
    let check = |what: &str, rows: Vec<Row>, pid: Option<i32>| {
        let hit =
            rows.iter().find(|r| mentions_client(r, pid)).unwrap_or_else(|| panic!("{what} left no audit row about the client: {rows:?}"));
        assert!(hit.4.is_some(), "{what}: who");
        assert_eq!(hit.5.as_deref(), Some("127.0.0.1"), "{what}: from where");
    };
    check("POST /clients", rows_after(&app, before), None);

    // Each call: method, path, body, token; every one must leave its row.
    let (_, _, h) = app.call("GET", &format!("/api/v1/clients/{cid}"), Some(&prov), None).await;
    let etag = h["etag"].to_str().unwrap().to_string();
    let calls: Vec<(&str, String, Option<serde_json::Value>, &String)> = vec![
        ("GET", "/api/v1/clients?per_page=200".into(), None, &prov),
        ("GET", "/api/v1/clients?per_page=200".into(), None, &coord),
        ("GET", format!("/api/v1/clients/{cid}"), None, &prov),
        ("GET", format!("/api/v1/clients/{cid}"), None, &coord),
        ("GET", format!("/api/v1/clients/{cid}"), None, &gemeente),
        ("PUT", format!("/api/v1/clients/{cid}"), Some(client_body()), &prov),
        ("POST", format!("/api/v1/clients/{cid}/pause"), Some(json!({"until": (today + chrono::Duration::days(3)).to_string()})), &prov),
        ("POST", format!("/api/v1/clients/{cid}/resume"), None, &prov),
        ("POST", format!("/api/v1/clients/{cid}/ready"), Some(json!({"ready_since": today.to_string()})), &prov),
        ("POST", format!("/api/v1/clients/{cid}/urgency"), Some(json!({"urgency": "urgent", "reason": "dakloos"})), &coord),
        ("POST", format!("/api/v1/clients/{cid}/lt"), Some(json!({"wish_municipality": "GM0200"})), &prov),
        ("GET", format!("/api/v1/clients/{cid}/responsibility"), None, &coord),
    ];
    for (method, path, body, token) in calls {
        let before = last_id(&app);
        let mut req = app.client.request(method.parse().unwrap(), app.url(&path)).bearer_auth(token);
        if method == "PUT" {
            req = req.header("if-match", &etag);
        }
        if let Some(b) = &body {
            req = req.json(b);
        }
        let r = req.send().await.unwrap();
        let status = r.status();
        assert!(status.is_success(), "{method} {path}: {status} {}", r.text().await.unwrap());
        check(&format!("{method} {path}"), rows_after(&app, before), None);
    }

    // A round proposes; reading and deciding proposals is audited per proposal.
    let before = last_id(&app);
    let (s, round) = app.post("/api/v1/rounds", &coord, &json!({})).await;
    assert_eq!(s, 201);
    let rows = rows_after(&app, before);
    assert!(rows.iter().any(|r| r.0 == "round.run" && r.4.is_some() && r.5.is_some()), "{rows:?}");
    let rid = round["id"].as_i64().unwrap();
    let before = last_id(&app);
    assert_eq!(app.get(&format!("/api/v1/rounds/{rid}"), &coord).await.0, 200);
    assert!(rows_after(&app, before).iter().any(|r| r.0 == "round.read" && r.2 == Some(rid as i32)));
    // A proposal of the corporation's own dwelling, so the corporation's read below is one
    // it may make (and must be audited).
    let corp_org = app.get("/api/v1/me", &corp).await.1["organisation_id"].clone();
    let mut own = None;
    for q in round["proposals"].as_array().unwrap() {
        if app.get(&format!("/api/v1/dwellings/{}", q["dwelling_id"]), &coord).await.1["corporation_id"] == corp_org {
            own = Some(q.clone());
            break;
        }
    }
    let p = &own.expect("the demo round proposes a dwelling of this corporation");
    let (pid, pclient) = (p["id"].as_i64().unwrap() as i32, p["client_id"].as_i64().unwrap() as i32);
    for (method, path, token) in
        [("GET", format!("/api/v1/proposals/{pid}"), &coord), ("POST", format!("/api/v1/proposals/{pid}/approve"), &coord)]
    {
        let before = last_id(&app);
        let (s, v, _) = app.call(method, &path, Some(token), None).await;
        assert_eq!(s, 200, "{v}");
        let rows = rows_after(&app, before);
        assert!(
            rows.iter().any(|r| (r.1 == "client" && r.2 == Some(pclient)) || (r.1 == "proposal" && r.2 == Some(pid))),
            "{method} {path}: {rows:?}"
        );
    }
    // The corporation reads the approved proposal, with the client's reference: audited.
    let before = last_id(&app);
    let (s, _) = app.get(&format!("/api/v1/proposals/{pid}"), &corp).await;
    assert_eq!(s, 200, "approved, so disclosed to its corporation");
    assert!(rows_after(&app, before).iter().any(|r| r.1 == "client" && r.2 == Some(pclient) && r.4.is_some() && r.5.is_some()));

    // The pages read through the same workflow, and leave the same rows.
    let s = app.login("zorgaanbieder", "demo").await.unwrap();
    let before = last_id(&app);
    let page = app.client.get(app.url(&format!("/clienten/{cid}"))).header("cookie", &s.cookie).send().await.unwrap();
    assert_eq!(page.status(), 200);
    check("GET /clienten/{id}", rows_after(&app, before), None);
    // Filtered on its status, so it is on the first page next to the past placements.
    let (_, now) = app.get(&format!("/api/v1/clients/{cid}"), &prov).await;
    let before = last_id(&app);
    let page = app
        .client
        .get(app.url(&format!("/clienten?status={}", now["status"].as_str().unwrap())))
        .header("cookie", &s.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    check("GET /clienten", rows_after(&app, before), None);
}

crate::on_both_backends!(every_client_read_and_change_is_audited);
