//! Two `serve` processes on one PostgreSQL, as a region scaled out would run them: no
//! lost update, no double letting, no mail sent twice.

use crate::faults::Service;
use crate::helpers::{dwelling_body, Backend, TestApp};
use crate::smtp::SmtpServer;
use diesel::prelude::*;
use serde_json::json;
use std::time::{Duration, Instant};
use uitstroomtafel::store::schema::{outbox, proposals};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_lose_no_update_let_no_dwelling_twice_and_send_each_mail_once() {
    let Some(app) = TestApp::spawn(Backend::Postgres).await else { return };
    let Some(smtp) = SmtpServer::start() else { return };
    let smtp_env = [
        ("UITSTROOMTAFEL_SMTP__HOST", "127.0.0.1".to_string()),
        ("UITSTROOMTAFEL_SMTP__PORT", smtp.port.to_string()),
        ("UITSTROOMTAFEL_SMTP__SECURITY", "none".to_string()),
        ("UITSTROOMTAFEL_SMTP__FROM", "Uitstroomtafel <tafel@example.org>".to_string()),
    ];
    // Instance A is the test's own; B and C are processes, both running the mail worker.
    let b = Service::start_with(&app.database_arg(), true, &smtp_env).await;
    let c = Service::start_with(&app.database_arg(), true, &smtp_env).await;
    let bases = [app.address.clone(), b.base.clone(), c.base.clone()];
    let (corp, coord) = (app.token("corporatie").await, app.token("coordinator").await);
    let http = reqwest::Client::new();

    // Lost update: 12 writers send a change for the same version through the three
    // instances at once; exactly one wins and the version moves by one.
    let (_, d) = app.post("/api/v1/dwellings", &corp, &dwelling_body()).await;
    let did = d["id"].as_i64().unwrap();
    let (_, _, h) = app.call("GET", &format!("/api/v1/dwellings/{did}"), Some(&corp), None).await;
    let etag = h["etag"].to_str().unwrap().to_string();
    let puts = (0..12).map(|i| {
        let mut body = dwelling_body();
        body["street"] = json!(format!("Schrijver {i}"));
        http.put(format!("{}/api/v1/dwellings/{did}", bases[i % 3])).bearer_auth(&corp).header("if-match", &etag).json(&body).send()
    });
    let answers: Vec<u16> = futures_util::future::join_all(puts).await.into_iter().map(|r| r.unwrap().status().as_u16()).collect();
    assert_eq!(answers.iter().filter(|s| **s == 200).count(), 1, "{answers:?}");
    assert!(answers.iter().all(|s| [200, 409, 412].contains(s)), "{answers:?}");
    let (_, now) = app.get(&format!("/api/v1/dwellings/{did}"), &corp).await;
    assert_eq!(now["version"], json!(d["version"].as_i64().unwrap() + 1));

    // Double letting: every proposal of a round approved through two instances at once.
    let (s, round) = app.post("/api/v1/rounds", &coord, &json!({})).await;
    assert_eq!(s, 201);
    for p in round["proposals"].as_array().unwrap() {
        let pid = p["id"].as_i64().unwrap();
        let go = |base: &String| http.post(format!("{base}/api/v1/proposals/{pid}/approve")).bearer_auth(&coord).send();
        let (x, y) = tokio::join!(go(&bases[1]), go(&bases[2]));
        let mut got = [x.unwrap().status().as_u16(), y.unwrap().status().as_u16()];
        got.sort();
        assert_eq!(got, [200, 409], "proposal {pid}");
    }
    {
        let mut conn = app.db.get().unwrap();
        let held: Vec<i32> =
            proposals::table.filter(proposals::status.eq("approved")).select(proposals::dwelling_id).load(&mut *conn).unwrap();
        let mut unique = held.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), held.len(), "no dwelling held by two approvals");
    }

    // Mail: 30 events; both workers sweep the same outbox; each mail arrives once.
    let mut c_conn = app.db.get().unwrap();
    let region =
        uitstroomtafel::store::organisations::find_region_by_code(&mut c_conn, uitstroomtafel::demo::REGION_CODE).unwrap().unwrap().id;
    for i in 0..30 {
        let e = uitstroomtafel::notify::Event {
            kind: uitstroomtafel::notify::EventKind::RoundReady,
            region_id: region,
            title: format!("Schaal {i}"),
            link: "/".into(),
            to: vec![uitstroomtafel::notify::Audience::Role(uitstroomtafel::domain::Role::Coordinator)],
        };
        uitstroomtafel::notify::emit(&mut c_conn, &e).unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let pending: i64 = outbox::table.filter(outbox::status.eq_any(["pending", "sending"])).count().get_result(&mut *c_conn).unwrap();
        if pending == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "the workers empty the outbox: {pending} left");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let mails = smtp.received();
    let ours: Vec<_> = mails.iter().filter(|m| m.subject.contains("Schaal ")).collect();
    assert_eq!(ours.len(), 30, "each event's mail, once: {}", ours.len());
    let mut ids: Vec<_> = mails.iter().map(|m| m.message_id.clone()).collect();
    ids.sort();
    let n = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), n, "no mail twice");
    drop((b, c));
}
