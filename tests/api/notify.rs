//! Notifications end to end: the change writes them, the worker mails them through a real
//! SMTP server, preferences and digests are kept, and faults lose nothing.

use crate::helpers::{client_body, dwelling_body, TestApp};
use crate::smtp::{free_port, mailer_on, SmtpServer};
use chrono::Duration;
use serde_json::json;
use uitstroomtafel::store::now;
use uitstroomtafel::workflow::{local_to_utc, today};

async fn set_prefs(app: &TestApp, user: &str, prefs: serde_json::Value) -> (u16, serde_json::Value) {
    let t = app.token(user).await;
    let (s, v, _) = app.call("PUT", "/api/v1/notifications/preferences", Some(&t), Some(&prefs)).await;
    (s, v)
}

async fn publish_one(app: &TestApp, corp: &str) -> i64 {
    let (_, d) = app.post("/api/v1/dwellings", corp, &dwelling_body()).await;
    let id = d["id"].as_i64().unwrap();
    assert_eq!(app.post(&format!("/api/v1/dwellings/{id}/publish"), corp, &json!(null)).await.0, 200);
    id
}

async fn immediate_mails_arrive_with_both_parts_a_link_and_no_client_detail(app: TestApp) {
    let Some(smtp) = SmtpServer::start() else { return };
    assert_eq!(set_prefs(&app, "coordinator", json!({"dwelling_published": "immediate", "client_ready": "immediate"})).await.0, 200);
    let corp = app.token("corporatie").await;
    let id = publish_one(&app, &corp).await;
    let prov = app.token("zorgaanbieder").await;
    let mut body = client_body();
    body["birth_year"] = json!(1977);
    body["household_size"] = json!(3);
    body["needs"]["max_rent_cents"] = json!(71234);
    let (_, c) = app.post("/api/v1/clients", &prov, &body).await;
    let cid = c["id"].as_i64().unwrap();
    let reference = c["reference"].as_str().unwrap().to_string();
    let (s, _) = app.post(&format!("/api/v1/clients/{cid}/ready"), &prov, &json!({"ready_since": today().to_string()})).await;
    assert_eq!(s, 200);

    let report = app.run_worker(Some(&smtp.mailer()), &app.notify_config(), now());
    assert!(report.sent >= 2, "{report:?}");
    let mails = smtp.received();
    assert_eq!(mails.len(), report.sent);
    let published: Vec<_> = mails.iter().filter(|m| m.subject.contains("gepubliceerd")).collect();
    assert_eq!(published.len(), 1, "one mail for one event");
    let m = published[0];
    assert_eq!(m.to, "coordinator@demo.uitstroomtafel.invalid");
    assert!(m.subject.starts_with("Uitstroomtafel: Contingentwoning gepubliceerd: Steenstraat 12a, Arnhem"), "{}", m.subject);
    let link = format!("http://tafel.test/woningen/{id}");
    assert!(m.text.contains(&link) && m.html.contains(&link), "both parts link into the service");
    assert!(m.text.contains("http://tafel.test/voorkeuren") && m.html.contains("http://tafel.test/voorkeuren"), "footer");
    assert!(m.text.contains("uitstroomcoördinator"), "the footer says why");
    assert!(m.raw.contains("multipart/alternative"));
    assert!(!m.message_id.is_empty());

    let ready: Vec<_> = mails.iter().filter(|m| m.subject.contains(&reference)).collect();
    assert_eq!(ready.len(), 1);
    for part in [&ready[0].text, &ready[0].html, &ready[0].subject] {
        for detail in ["1977", "71234", "712,34", "household", "huishouden"] {
            assert!(!part.contains(detail), "no client detail ({detail}) in a mail");
        }
    }
    // The same notifications show in the service.
    let coord = app.token("coordinator").await;
    let (_, list) = app.get("/api/v1/notifications", &coord).await;
    assert!(list.as_array().unwrap().iter().any(|n| n["link"] == format!("/woningen/{id}")));
    assert_eq!(app.run_worker(Some(&smtp.mailer()), &app.notify_config(), now()).sent, 0, "nothing is sent twice");
}

async fn digest_groups_the_day_and_keeps_preferences(app: TestApp) {
    let Some(smtp) = SmtpServer::start() else { return };
    // The coordinator keeps dwellings in the digest and switches client_ready off.
    assert_eq!(set_prefs(&app, "coordinator", json!({"client_ready": "off"})).await.0, 200);
    let corp = app.token("corporatie").await;
    publish_one(&app, &corp).await;
    publish_one(&app, &corp).await;
    let prov = app.token("zorgaanbieder").await;
    let (_, c) = app.post("/api/v1/clients", &prov, &client_body()).await;
    app.post(&format!("/api/v1/clients/{}/ready", c["id"]), &prov, &json!({"ready_since": today().to_string()})).await;

    let cfg = app.notify_config();
    let tomorrow = today() + Duration::days(1);
    let before = local_to_utc(tomorrow, cfg.digest_hour) - Duration::minutes(1);
    assert_eq!(app.run_worker(Some(&smtp.mailer()), &cfg, before).digests, 0, "not before the digest hour");
    let at = local_to_utc(tomorrow, cfg.digest_hour) + Duration::minutes(1);
    let report = app.run_worker(Some(&smtp.mailer()), &cfg, at);
    assert_eq!(report.digests, 1, "{report:?}");
    let digests: Vec<_> = smtp.received().into_iter().filter(|m| m.subject.contains("dagelijks overzicht")).collect();
    assert_eq!(digests.len(), 1);
    let d = &digests[0];
    assert_eq!(d.to, "coordinator@demo.uitstroomtafel.invalid");
    assert!(d.subject.contains("(2 berichten)"), "{}", d.subject);
    assert!(d.text.contains("Woning gepubliceerd (2)"), "{}", d.text);
    assert!(!d.text.contains("uitstroomklaar"), "switched off, so not in the digest");
    assert!(d.html.contains("Woning gepubliceerd (2)"));
    assert_eq!(app.run_worker(Some(&smtp.mailer()), &cfg, at + Duration::minutes(5)).digests, 0, "one digest a day");
}

async fn server_down_retries_then_delivers_exactly_once(app: TestApp) {
    assert_eq!(set_prefs(&app, "coordinator", json!({"dwelling_published": "immediate"})).await.0, 200);
    // Send the demo's own escalation mails to a server first, so only ours remain.
    let Some(first) = SmtpServer::start() else { return };
    app.run_worker(Some(&first.mailer()), &app.notify_config(), now());
    drop(first);

    let port = free_port();
    let corp = app.token("corporatie").await;
    let id = publish_one(&app, &corp).await;
    let t0 = now();
    let cfg = app.notify_config();
    let down = app.run_worker(Some(&mailer_on(port)), &cfg, t0);
    assert_eq!((down.sent, down.retried, down.failed), (0, 1, 0), "{down:?}");
    let (_, d) = app.get(&format!("/api/v1/dwellings/{id}"), &corp).await;
    assert_eq!(d["status"], "published", "the change itself is kept");
    let admin = app.token("beheer").await;
    let (_, pending) = app.get("/api/v1/outbox?status=pending", &admin).await;
    assert_eq!(pending["total"], 1);
    assert_eq!(pending["items"][0]["attempts"], 1);
    assert!(pending["items"][0]["last_error"].as_str().is_some());

    let smtp = SmtpServer::start_on(port).unwrap();
    assert_eq!(app.run_worker(Some(&smtp.mailer()), &cfg, t0 + Duration::seconds(10)).sent, 0, "not before the backoff");
    let back = app.run_worker(Some(&smtp.mailer()), &cfg, t0 + Duration::seconds(cfg.retry_base_seconds + 1));
    assert_eq!(back.sent, 1, "{back:?}");
    app.run_worker(Some(&smtp.mailer()), &cfg, t0 + Duration::hours(1));
    assert_eq!(smtp.received().len(), 1, "exactly once");
}

async fn gives_up_after_the_last_attempt_and_shows_the_admin(app: TestApp) {
    let Some(first) = SmtpServer::start() else { return };
    app.run_worker(Some(&first.mailer()), &app.notify_config(), now());
    drop(first);
    assert_eq!(set_prefs(&app, "coordinator", json!({"dwelling_published": "immediate"})).await.0, 200);
    let corp = app.token("corporatie").await;
    publish_one(&app, &corp).await;
    let mut cfg = app.notify_config();
    cfg.max_attempts = 3;
    let dead = mailer_on(free_port());
    let admin = app.token("beheer").await;
    let ours = |list: &serde_json::Value| -> Vec<serde_json::Value> {
        list["items"].as_array().unwrap().iter().filter(|m| m["event_kind"] == "dwelling_published").cloned().collect()
    };
    // Backoff: 60 s, then 120 s; an hour between passes is always past it.
    let mut t = now();
    for attempt in 1..=3 {
        app.run_worker(Some(&dead), &cfg, t);
        let (_, all) = app.get("/api/v1/outbox?per_page=200", &admin).await;
        let row = &ours(&all)[0];
        assert_eq!(row["attempts"], attempt);
        assert_eq!(row["status"], if attempt < 3 { "pending" } else { "failed" }, "after attempt {attempt}");
        t += Duration::hours(1);
    }
    app.run_worker(Some(&dead), &cfg, t + Duration::days(1));
    let (_, failed) = app.get("/api/v1/outbox?status=failed&per_page=200", &admin).await;
    let row = &ours(&failed)[0];
    assert_eq!(row["attempts"], 3, "no attempt after giving up");
    assert!(row["last_error"].as_str().is_some_and(|e| !e.is_empty()));
    let coord = app.token("coordinator").await;
    assert_eq!(app.get("/api/v1/outbox", &coord).await.0, 403);
}

/// A worker killed after sending but before marking: the claim expires and another pass
/// sends the mail again, with the same Message-ID (at-least-once).
async fn crash_between_send_and_mark_resends_with_the_same_message_id(app: TestApp) {
    let Some(smtp) = SmtpServer::start() else { return };
    app.run_worker(Some(&smtp.mailer()), &app.notify_config(), now());
    assert_eq!(set_prefs(&app, "coordinator", json!({"dwelling_published": "immediate"})).await.0, 200);
    let corp = app.token("corporatie").await;
    publish_one(&app, &corp).await;
    let t0 = now();
    tokio::task::block_in_place(|| {
        let mut c = app.db.get().unwrap();
        let claimed = uitstroomtafel::store::notifications::claim(&mut c, t0, t0 + Duration::seconds(300), 10).unwrap();
        assert_eq!(claimed.len(), 1);
        uitstroomtafel::notify::worker::deliver(&mut c, &smtp.mailer(), "http://tafel.test", &claimed[0]).unwrap();
        // ... and here the process dies: no mark_sent.
    });
    let cfg = app.notify_config();
    assert_eq!(app.run_worker(Some(&smtp.mailer()), &cfg, t0 + Duration::seconds(60)).sent, 0, "the claim still holds");
    assert_eq!(app.run_worker(Some(&smtp.mailer()), &cfg, t0 + Duration::seconds(301)).sent, 1, "taken over after the claim expired");
    let mails: Vec<_> = smtp.received().into_iter().filter(|m| m.subject.contains("gepubliceerd")).collect();
    assert_eq!(mails.len(), 2);
    assert_eq!(mails[0].message_id, mails[1].message_id, "a duplicate is recognisable");
    assert_eq!(app.run_worker(Some(&smtp.mailer()), &cfg, t0 + Duration::seconds(700)).sent, 0);
}

/// Two workers on one database: every mail is sent once.
async fn two_workers_send_each_mail_once(app: TestApp) {
    let Some(smtp) = SmtpServer::start() else { return };
    tokio::task::block_in_place(|| {
        let mut c = app.db.get().unwrap();
        let region =
            uitstroomtafel::store::organisations::find_region_by_code(&mut c, uitstroomtafel::demo::REGION_CODE).unwrap().unwrap().id;
        for i in 0..40 {
            let e = uitstroomtafel::notify::Event {
                kind: uitstroomtafel::notify::EventKind::RoundReady,
                region_id: region,
                title: format!("Ronde {i}"),
                link: "/".into(),
                to: vec![uitstroomtafel::notify::Audience::Role(uitstroomtafel::domain::Role::Coordinator)],
            };
            uitstroomtafel::notify::emit(&mut c, &e).unwrap();
        }
    });
    let cfg = app.notify_config();
    let t = now();
    let reports: Vec<_> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let (db, cfg, mailer) = (app.db.clone(), cfg.clone(), smtp.mailer());
                s.spawn(move || {
                    let mut c = db.get().unwrap();
                    uitstroomtafel::notify::worker::run_once(&mut c, Some(&mailer), &cfg, "http://tafel.test", t).unwrap()
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let sent: usize = reports.iter().map(|r| r.sent).sum();
    let mails = smtp.received();
    let rounds: Vec<_> = mails.iter().filter(|m| m.subject.starts_with("Uitstroomtafel: Ronde ")).collect();
    assert_eq!(rounds.len(), 40, "{reports:?}");
    let mut ids: Vec<_> = mails.iter().map(|m| m.message_id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), mails.len(), "no mail twice");
    assert_eq!(sent, mails.len());
}

async fn long_waits_are_reported_once_to_coordinators_and_the_binding_municipality(app: TestApp) {
    let first = app.run_worker(None, &app.notify_config(), now());
    assert!(first.escalated > 0, "the demo has clients waiting over 180 days");
    assert_eq!(app.run_worker(None, &app.notify_config(), now()).escalated, 0, "once");
    let coord = app.token("coordinator").await;
    let (_, mine) = app.get("/api/v1/notifications", &coord).await;
    let waits = mine.as_array().unwrap().iter().filter(|n| n["kind"] == "client_waiting_long").count();
    assert_eq!(waits, first.escalated.min(50));
    let gemeente = app.token("gemeente").await;
    let (_, theirs) = app.get("/api/v1/notifications", &gemeente).await;
    let (_, arnhem_clients) = app.get("/api/v1/clients?per_page=200&status=ready", &gemeente).await;
    let arnhem_refs: Vec<&str> = arnhem_clients["items"].as_array().unwrap().iter().map(|c| c["reference"].as_str().unwrap()).collect();
    let items = theirs.as_array().unwrap();
    assert!(!items.is_empty());
    assert!(items.iter().all(|n| arnhem_refs.iter().any(|r| n["title"].as_str().unwrap().contains(r))), "only clients bound to Arnhem");
}

async fn contingent_alert_when_crossing_the_threshold(app: TestApp) {
    let coord = app.token("coordinator").await;
    let (_, list) = app.get("/api/v1/contingents?per_page=200", &coord).await;
    let k = list["items"].as_array().unwrap().iter().find(|k| k["municipality"] == "GM0202").unwrap().clone();
    let id = k["id"].as_i64().unwrap();
    {
        use diesel::prelude::*;
        use uitstroomtafel::store::schema::contingents;
        let mut c = app.db.get().unwrap();
        diesel::update(contingents::table.find(id as i32))
            .set((contingents::cap.eq(10), contingents::used.eq(7)))
            .execute(&mut *c)
            .unwrap();
    }
    let patch = |cap: i64| {
        let req = app.client.patch(app.url(&format!("/api/v1/contingents/{id}"))).bearer_auth(&coord).json(&json!({"cap": cap}));
        async move { req.send().await.unwrap().status().as_u16() }
    };
    let gemeente = app.token("gemeente").await;
    let alerts = |list: &serde_json::Value| list.as_array().unwrap().iter().filter(|n| n["kind"] == "contingent_nearly_used").count();
    assert_eq!(patch(9).await, 200); // remaining 2 of 9: above 20 %
    assert_eq!(alerts(&app.get("/api/v1/notifications", &gemeente).await.1), 0);
    assert_eq!(patch(8).await, 200); // remaining 1 of 8: at the alert level
    assert_eq!(alerts(&app.get("/api/v1/notifications", &gemeente).await.1), 1);
    assert_eq!(alerts(&app.get("/api/v1/notifications", &coord).await.1), 1);
    assert_eq!(patch(7).await, 200); // still low: no second alert
    assert_eq!(alerts(&app.get("/api/v1/notifications", &gemeente).await.1), 1);
}

async fn preferences_are_checked(app: TestApp) {
    let (s, prefs) = {
        let t = app.token("coordinator").await;
        app.get("/api/v1/notifications/preferences", &t).await
    };
    assert_eq!(s, 200);
    assert_eq!(prefs["dwelling_published"], "digest");
    assert_eq!(prefs["round_ready"], "immediate");
    assert!(prefs.get("proposal_approved").is_none(), "not a coordinator's event");
    for (body, field, rule) in [
        (json!({"round_ready": "off"}), "round_ready", "required_event"),
        (json!({"proposal_approved": "digest"}), "proposal_approved", "not_for_role"),
        (json!({"client_ready": "weekly"}), "client_ready", "one_of"),
        (json!({"coffee": "digest"}), "coffee", "one_of"),
    ] {
        let (s, p) = set_prefs(&app, "coordinator", body.clone()).await;
        assert_eq!((s, p["errors"][0]["field"].as_str(), p["errors"][0]["rule"].as_str()), (422, Some(field), Some(rule)), "{body}");
    }
    let (s, p) = set_prefs(&app, "coordinator", json!({"client_ready": "off", "round_ready": "digest"})).await;
    assert_eq!((s, p["client_ready"].as_str(), p["round_ready"].as_str()), (200, Some("off"), Some("digest")));
}

crate::on_both_backends!(
    immediate_mails_arrive_with_both_parts_a_link_and_no_client_detail,
    digest_groups_the_day_and_keeps_preferences,
    server_down_retries_then_delivers_exactly_once,
    gives_up_after_the_last_attempt_and_shows_the_admin,
    crash_between_send_and_mark_resends_with_the_same_message_id,
    two_workers_send_each_mail_once,
    long_waits_are_reported_once_to_coordinators_and_the_binding_municipality,
    contingent_alert_when_crossing_the_threshold,
    preferences_are_checked
);
