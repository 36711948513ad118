//! Follow-up after placement, the outflow monitor and the fairness figures over HTTP,
//! on the demo register and its 18 months of past placements.

use crate::helpers::TestApp;
use chrono::{Duration, NaiveDate};
use diesel::prelude::*;
use serde_json::{json, Value};
use uitstroomtafel::store::schema::{clients, follow_ups, leases, notifications};
use uitstroomtafel::workflow::today;

/// Sets one follow-up's state directly, as if time had passed.
fn set(app: &TestApp, proposal: i64, months: i32, due: NaiveDate, recorded: Option<(&str, NaiveDate)>) {
    let mut c = app.db.get().unwrap();
    diesel::update(follow_ups::table.filter(follow_ups::proposal_id.eq(proposal as i32)).filter(follow_ups::months.eq(months)))
        .set((
            follow_ups::due_on.eq(due),
            follow_ups::recorded_on.eq(recorded.map(|r| r.1)),
            follow_ups::outcome.eq(recorded.map(|r| r.0)),
            follow_ups::reminded_on.eq(None::<NaiveDate>),
        ))
        .execute(&mut *c)
        .unwrap();
}

fn reminders(app: &TestApp) -> i64 {
    let mut c = app.db.get().unwrap();
    notifications::table.filter(notifications::kind.eq("follow_up_due")).count().get_result(&mut *c).unwrap()
}

async fn record(app: &TestApp, token: &str, proposal: i64, months: i32, outcome: &str) -> (u16, Value) {
    app.post(&format!("/api/v1/follow-ups/{proposal}/{months}"), token, &json!({ "outcome": outcome })).await
}

async fn follow_up_from_due_day_to_answer(app: TestApp) {
    let prov = app.token("zorgaanbieder").await;
    let coord = app.token("coordinator").await;
    let audits = app.count("audit_log");
    let (s, mine) = app.get("/api/v1/follow-ups", &prov).await;
    assert_eq!(s, 200, "{mine}");
    assert_eq!(app.count("audit_log"), audits + 1, "the list says where clients live: its read is audited");
    let mine = mine.as_array().unwrap().clone();
    assert!(!mine.is_empty(), "the demo's provider has placements whose follow-ups fell due");
    // Only its own clients: each one opens for the provider.
    for f in &mine {
        assert_eq!(app.get(&format!("/api/v1/clients/{}", f["client_id"]), &prov).await.0, 200, "{f}");
    }
    let (_, all) = app.get("/api/v1/follow-ups", &coord).await;
    assert!(all.as_array().unwrap().len() > mine.len(), "the coordinator sees the region's");
    for who in ["corporatie", "gemeente", "beheer"] {
        assert_eq!(app.get("/api/v1/follow-ups", &app.token(who).await).await.0, 403, "{who}");
    }

    // One placement, its clock set: 6 months due yesterday, 12 months not yet.
    let p = mine[0]["proposal_id"].as_i64().unwrap();
    set(&app, p, 6, today() - Duration::days(1), None);
    set(&app, p, 12, today() + Duration::days(100), None);
    let (s, v) = record(&app, &prov, p, 12, "still_housed").await;
    assert_eq!(s, 409, "{v}");
    assert!(v["detail"].as_str().unwrap().contains("pas op"), "{v}");
    let (s, v) = record(&app, &prov, p, 6, "weg").await;
    assert_eq!((s, v["errors"][0]["field"].as_str()), (422, Some("outcome")), "{v}");
    assert_eq!(record(&app, &prov, p, 9, "eviction").await.0, 422, "only 6 or 12 months");
    assert_eq!(record(&app, &coord, p, 6, "eviction").await.0, 403, "the provider answers, not the coordinator");
    app.add_user("Opvang De Overkant", "andere-aanbieder", uitstroomtafel::domain::Role::Provider);
    let other = app.token_with("andere-aanbieder", "een lang wachtwoord").await;
    assert_eq!(record(&app, &other, p, 6, "eviction").await.0, 404, "another provider's placement does not exist for it");

    let audits = app.count("audit_log");
    let (s, v) = record(&app, &prov, p, 6, "eviction").await;
    assert_eq!((s, v["outcome"].as_str(), v["recorded_on"].as_str()), (200, Some("eviction"), Some(today().to_string().as_str())), "{v}");
    assert_eq!(app.count("audit_log"), audits + 1, "recording is audited");
    let (s, v) = record(&app, &prov, p, 6, "still_housed").await;
    assert_eq!(s, 409, "once: {v}");
    assert!(v["detail"].as_str().unwrap().contains("al vastgelegd"), "{v}");
    // Evicted at 6 months: there is no 12-month question.
    set(&app, p, 12, today() - Duration::days(1), None);
    let (s, v) = record(&app, &prov, p, 12, "still_housed").await;
    assert_eq!(s, 409);
    assert!(v["detail"].as_str().unwrap().contains("niet meer"), "{v}");

    // The sweep reminds once per due follow-up, and not for the 12-month check of
    // someone who had left.
    let mut c = app.db.get().unwrap();
    let now = chrono::Utc::now().naive_utc();
    let first = uitstroomtafel::workflow::follow_ups::remind(&mut c, today(), now).unwrap();
    let written = reminders(&app);
    assert!(first >= 1, "the 12-month check is marked asked without a reminder");
    assert_eq!(uitstroomtafel::workflow::follow_ups::remind(&mut c, today(), now).unwrap(), 0, "once");
    assert_eq!(reminders(&app), written);
    set(&app, p, 6, today() - Duration::days(1), None);
    set(&app, p, 12, today() + Duration::days(100), None);
    uitstroomtafel::workflow::follow_ups::remind(&mut c, today(), now).unwrap();
    let after = reminders(&app);
    assert!(after > written, "a follow-up due again is asked for again");
    let (_, notes) = app.get("/api/v1/notifications", &prov).await;
    let note = notes.as_array().unwrap().iter().find(|n| n["kind"] == "follow_up_due").expect("the provider hears of it").clone();
    assert_eq!(note["link"], "/nazorg");
    assert!(note["title"].as_str().unwrap().contains("woont de cliënt er nog?"), "{note}");
}

async fn the_monitor_counts_what_the_register_holds(app: TestApp) {
    let coord = app.token("coordinator").await;
    let (s, m) = app.get("/api/v1/monitor", &coord).await;
    assert_eq!(s, 200, "{m}");
    let mut c = app.db.get().unwrap();
    let leased: i64 = leases::table.count().get_result(&mut *c).unwrap();
    let waiting: i64 = clients::table.filter(clients::status.eq_any(["ready", "proposed"])).count().get_result(&mut *c).unwrap();
    let answered_6: i64 =
        follow_ups::table.filter(follow_ups::months.eq(6)).filter(follow_ups::outcome.is_not_null()).count().get_result(&mut *c).unwrap();
    drop(c);
    assert_eq!(m["placed_count"].as_i64(), Some(leased));
    assert_eq!(m["waiting_count"].as_i64(), Some(waiting));
    let bands: i64 = m["waiting"].as_array().unwrap().iter().map(|b| b[1].as_i64().unwrap()).sum();
    assert_eq!(bands, waiting);
    let per_quarter: i64 =
        m["quarters"].as_array().unwrap().iter().map(|q| q["contingent"].as_i64().unwrap() + q["omklap"].as_i64().unwrap()).sum();
    assert_eq!(per_quarter, leased);
    assert_eq!(m["retention"][0]["answered"].as_i64(), Some(answered_6));
    assert!(m["to_placement"]["median"].as_i64().unwrap() > 0);
    for k in m["contingents"].as_array().unwrap() {
        assert_eq!(k["agreed"].as_i64().unwrap() - k["used"].as_i64().unwrap(), k["left"].as_i64().unwrap(), "{k}");
    }

    // One municipality: its bound clients only.
    let (_, arnhem) = app.get("/api/v1/monitor?municipality=GM0202", &coord).await;
    assert_eq!(arnhem["municipality"], "GM0202");
    assert!(arnhem["waiting_count"].as_i64().unwrap() < waiting);
    assert!(arnhem["contingents"].as_array().unwrap().iter().all(|k| k["municipality"] == "GM0202"));
    let (s, v) = app.get("/api/v1/monitor?municipality=GM0363", &coord).await;
    assert_eq!((s, v["errors"][0]["field"].as_str()), (422, Some("gemeente")), "Amsterdam is not in the region: {v}");
    // A municipality sees its own, whatever it asks for.
    let gemeente = app.token("gemeente").await;
    let (s, own) = app.get("/api/v1/monitor?municipality=GM0221", &gemeente).await;
    assert_eq!((s, own["municipality"].as_str()), (200, Some("GM0202")));
    assert_eq!(own, arnhem);
    for who in ["zorgaanbieder", "corporatie", "beheer"] {
        let t = app.token(who).await;
        assert_eq!(app.get("/api/v1/monitor", &t).await.0, 403, "{who}");
        assert_eq!(app.get("/api/v1/fairness", &t).await.0, 403, "{who}");
    }
    assert_eq!(app.get("/api/v1/fairness", &gemeente).await.0, 403, "fairness compares providers: the coordinator's");

    let resp = app.client.get(app.url("/api/v1/monitor.csv")).bearer_auth(&coord).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv = resp.text().await.unwrap();
    assert!(csv.starts_with("\u{feff}onderdeel;gemeente;omschrijving;waarde\r\n"), "{csv}");
    assert!(csv.contains(&format!("tijd tot plaatsing;regio;geplaatst;{leased}\r\n")), "{csv}");

    let (s, f) = app.get("/api/v1/fairness", &coord).await;
    assert_eq!(s, 200);
    let dims: std::collections::BTreeSet<&str> = f["groups"].as_array().unwrap().iter().map(|g| g["dimension"].as_str().unwrap()).collect();
    assert_eq!(dims.len(), 5, "{dims:?}");
    let providers: i64 =
        f["groups"].as_array().unwrap().iter().filter(|g| g["dimension"] == "zorgaanbieder").map(|g| g["clients"].as_i64().unwrap()).sum();
    assert_eq!(providers, f["clients"].as_i64().unwrap(), "every client in exactly one provider group");
}

async fn the_monitor_pages(app: TestApp) {
    let coord = app.login("coordinator", "demo").await.unwrap();
    let page = |path: &'static str, cookie: String| {
        let app = &app;
        async move {
            let r = app.client.get(app.url(path)).header("cookie", cookie).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    // A round first: what its binding contingents' places would have brought shows per level.
    assert_eq!(app.post("/api/v1/rounds", &app.token("coordinator").await, &json!({})).await.0, 201);
    let (_, m) = app.get("/api/v1/monitor", &app.token("coordinator").await).await;
    assert_eq!(m["values"][0]["extra_per_tier"], json!([1, 0, 0]), "the demo round's binding contingent: one more of level 0");
    assert_eq!(m["values"][0]["at_least"], json!(false), "a region's round re-solves every binding contingent");
    let (s, html) = page("/monitor", coord.cookie.clone()).await;
    assert_eq!(s, 200);
    for part in [
        "Wachtende cliënten",
        "Plaatsingen per kwartaal",
        "Woonbehoud na plaatsing",
        "73 %",
        "<svg role=\"img\"",
        "Download als CSV",
        "per urgentieniveau",
        "<td>+1 op niveau 0</td>",
    ] {
        assert!(html.contains(part), "{part}");
    }
    let (_, csv) = page("/monitor.csv", coord.cookie.clone()).await;
    assert!(csv.contains("op urgentieniveau 0 (over 1 rondes);1\r\n"), "{csv}");
    let (s, html) = page("/monitor/eerlijkheid", coord.cookie.clone()).await;
    assert_eq!(s, 200);
    assert!(html.contains("slaat niets op over afkomst, religie of gezondheid"));
    let (s, csv) = page("/monitor.csv?gemeente=GM0202", coord.cookie.clone()).await;
    assert_eq!(s, 200);
    assert!(csv.contains(";Arnhem;"), "{csv}");
    let (s, html) = page("/monitor/vergelijking", coord.cookie.clone()).await;
    assert_eq!(s, 200);
    for method in ["de matcher van de tafel", "moeilijkste woning eerst", "wie het langst wacht eerst", "In werkelijkheid tekende de tafel"]
    {
        assert!(html.contains(method), "{method}");
    }
    let gemeente = app.login("gemeente", "demo").await.unwrap();
    assert_eq!(page("/monitor/vergelijking", gemeente.cookie.clone()).await.0, 403);
    let (s, html) = page("/monitor", gemeente.cookie.clone()).await;
    assert_eq!(s, 200);
    assert!(html.contains("Uitstroommonitor: Arnhem") && !html.contains("hele regio"), "no choice for a municipality");
    assert_eq!(page("/monitor/eerlijkheid", gemeente.cookie).await.0, 403);
    let prov = app.login("zorgaanbieder", "demo").await.unwrap();
    assert_eq!(page("/monitor", prov.cookie.clone()).await.0, 403);
    let (s, html) = page("/nazorg", prov.cookie.clone()).await;
    assert_eq!(s, 200);
    assert!(html.contains("Nazorg na plaatsing"));
    // The provider answers on the page.
    let (_, open) = app.get("/api/v1/follow-ups?open=true", &app.token("zorgaanbieder").await).await;
    {
        let f = open.as_array().unwrap().first().expect("the demo's past has an open follow-up for this provider");
        let path = format!("/nazorg/{}/{}", f["proposal_id"], f["months"]);
        let r = app
            .client
            .post(app.url(&path))
            .header("cookie", &prov.cookie)
            .form(&[("csrf_token", prov.csrf.as_str()), ("uitkomst", "moved_on")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let (_, after) = page("/nazorg", prov.cookie).await;
        assert!(after.contains("verhuisd naar een andere woning"), "the answer is listed");
    }
}

crate::on_both_backends!(follow_up_from_due_day_to_answer, the_monitor_counts_what_the_register_holds, the_monitor_pages);
