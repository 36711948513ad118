//! Injection: every free-text field the service takes (dwelling texts, review and answer
//! notes, urgency reasons, token and organisation names, flip conditions) filled with
//! script and SQL payloads is stored as given, shown escaped on every page and in every
//! mail that shows it, and changes nothing else.

use crate::helpers::{dwelling_body, TestApp};
use diesel::prelude::*;
use serde_json::json;
use uitstroomtafel::notify::mail::{self, DigestItem, Payload, Recipient};
use uitstroomtafel::notify::EventKind;
use uitstroomtafel::store::schema::{notifications, outbox};

const SCRIPT: &str = "<script>alert('x')</script>";
const SQL: &str = "x'); DROP TABLE clients; --";
const ATTR: &str = "\" onmouseover=\"alert(1)";

/// The raw payloads never reach HTML unescaped.
fn assert_escaped(what: &str, html: &str) {
    for raw in [SCRIPT, ATTR, "<b>"] {
        assert!(!html.contains(raw), "{what} shows {raw:?} unescaped");
    }
}

async fn page(app: &TestApp, s: &crate::helpers::Session, path: &str) -> String {
    let r = app.client.get(app.url(path)).header("cookie", &s.cookie).send().await.unwrap();
    assert_eq!(r.status(), 200, "{path}");
    r.text().await.unwrap()
}

async fn payloads_are_stored_as_given_and_shown_escaped_everywhere(app: TestApp) {
    let (corp, coord, prov, admin) =
        (app.token("corporatie").await, app.token("coordinator").await, app.token("zorgaanbieder").await, app.token("beheer").await);
    let clients_before = app.count("clients");

    // Dwelling texts, each a payload; published so they reach the round, the map and mails.
    let mut d = dwelling_body();
    d["street"] = json!(format!("{SCRIPT}{ATTR}"));
    d["city"] = json!(SQL);
    d["external_ref"] = json!("<b>ref</b>");
    d["house_number"] = json!("1<b>");
    let (s, made) = app.post("/api/v1/dwellings", &corp, &d).await;
    assert_eq!(s, 201, "{made}");
    let did = made["id"].as_i64().unwrap();
    assert_eq!(made["street"], json!(format!("{SCRIPT}{ATTR}")), "stored as given");
    assert_eq!(made["city"], json!(SQL));
    assert_eq!(app.post(&format!("/api/v1/dwellings/{did}/publish"), &corp, &json!(null)).await.0, 200);

    // Notes and names.
    let (s, _) = app.post("/api/v1/tokens", &corp, &json!({"name": SCRIPT})).await;
    assert_eq!(s, 201);
    let (s, org) = app.post("/api/v1/organisations", &admin, &json!({"kind": "provider", "name": format!("Zorg {SCRIPT}")})).await;
    assert_eq!(s, 201, "{org}");
    let (_, list) = app.get("/api/v1/clients?status=ready&per_page=1", &prov).await;
    let cid = list["items"][0]["id"].as_i64().unwrap();
    let (s, _) = app.post(&format!("/api/v1/clients/{cid}/urgency"), &coord, &json!({"urgency": "urgent", "reason": SQL})).await;
    assert_eq!(s, 200);
    let (s, round) = app.post("/api/v1/rounds", &coord, &json!({})).await;
    assert_eq!(s, 201, "{round}");
    let proposals = round["proposals"].as_array().unwrap();
    let ours = proposals.iter().find(|p| p["dwelling_id"].as_i64() == Some(did));
    if let Some(other) = proposals.iter().find(|p| p["dwelling_id"].as_i64() != Some(did)) {
        let (s, _) =
            app.post(&format!("/api/v1/proposals/{}/reject", other["id"]), &coord, &json!({"reason": "other", "note": SCRIPT})).await;
        assert_eq!(s, 200);
    }

    // Every page that shows these texts, for the roles that see them.
    let c = app.login("coordinator", "demo").await.unwrap();
    let k = app.login("corporatie", "demo").await.unwrap();
    let rid = round["id"].as_i64().unwrap();
    let mut shown = vec![
        ("coordinator /", page(&app, &c, "/").await),
        ("coordinator /woningen", page(&app, &c, "/woningen?sorteer=huur").await),
        ("coordinator round", page(&app, &c, &format!("/ronden/{rid}")).await),
        ("coordinator agenda", page(&app, &c, &format!("/ronden/{rid}/agenda")).await),
        ("corporation /woningen", page(&app, &k, "/woningen").await),
        ("corporation dwelling", page(&app, &k, &format!("/woningen/{did}")).await),
    ];
    if let Some(p) = ours {
        shown.push(("coordinator proposal", page(&app, &c, &format!("/voorstellen/{}", p["id"])).await));
    }
    let mut seen = false;
    for (what, html) in &shown {
        assert_escaped(what, html);
        seen |= html.contains("alert(");
    }
    assert!(seen, "the payload is shown (escaped) somewhere");
    let dwelling_page = &shown.iter().find(|(w, _)| *w == "corporation dwelling").unwrap().1;
    assert!(dwelling_page.contains("&#60;script&#62;") || dwelling_page.contains("&lt;script&gt;"), "escaped, not dropped");

    // Every mail these events make (sent at once or in the day's digest) renders its HTML
    // escaped: the worker builds both from the notification rows, as here.
    let mut conn = app.db.get().unwrap();
    let rows: Vec<(String, String, String)> =
        notifications::table.select((notifications::kind, notifications::title, notifications::link)).load(&mut *conn).unwrap();
    let ours: Vec<DigestItem> = rows
        .into_iter()
        .filter(|(_, title, _)| title.contains("alert("))
        .map(|(kind, title, link)| DigestItem { kind: EventKind::parse("kind", &kind).unwrap(), title, link })
        .collect();
    assert!(!ours.is_empty(), "the dwelling's street is in a notification");
    let to = Recipient { role_label: "coördinator".into(), organisation: "Tafel".into() };
    let mut payloads: Vec<Payload> =
        ours.iter().map(|i| Payload::Event { kind: i.kind, title: i.title.clone(), link: i.link.clone() }).collect();
    payloads.push(Payload::Digest { day: chrono::Utc::now().date_naive(), items: ours });
    for p in payloads {
        let rendered = mail::render(&p, &to, "http://tafel.test").unwrap();
        assert_escaped("mail", &rendered.html);
        assert!(rendered.html.contains("alert("), "the mail shows it, escaped");
    }
    // And whatever the outbox already holds.
    let queued: Vec<String> = outbox::table.select(outbox::payload).load(&mut *conn).unwrap();
    for p in queued {
        let rendered = mail::render(&serde_json::from_str(&p).unwrap(), &to, "http://tafel.test").unwrap();
        assert_escaped("queued mail", &rendered.html);
    }

    // The SQL payloads were data, not statements.
    drop(conn);
    assert_eq!(app.count("clients"), clients_before);
    let (s, d) = app.get(&format!("/api/v1/dwellings/{did}"), &corp).await;
    assert_eq!((s, d["city"].as_str()), (200, Some(SQL)));
}

crate::on_both_backends!(payloads_are_stored_as_given_and_shown_escaped_everywhere);
