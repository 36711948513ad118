//! Login throttling, API tokens that expire and can be revoked, an append-only audit log
//! that says from where, and retention that anonymises after the policy's period.

use crate::helpers::TestApp;
use diesel::prelude::*;
use serde_json::json;
use uitstroomtafel::store::schema::{api_tokens, audit_log, client_anchors, clients};

async fn try_login(app: &TestApp, user: &str, password: &str) -> (u16, Option<String>, String) {
    let r = app.client.post(app.url("/login")).form(&[("username", user), ("password", password)]).send().await.unwrap();
    let retry = r.headers().get("retry-after").map(|h| h.to_str().unwrap().to_string());
    (r.status().as_u16(), retry, r.text().await.unwrap())
}

async fn five_failures_lock_an_account_known_or_not_and_twenty_an_address(app: TestApp) {
    for user in ["coordinator", "nobody"] {
        for _ in 0..5 {
            assert_eq!(try_login(&app, user, "fout").await.0, 401, "{user}");
        }
        // Locked now, even with the right password; an unknown name looks the same.
        let (status, retry, body) = try_login(&app, user, "demo").await;
        assert_eq!(status, 429, "{user}");
        let secs: u64 = retry.expect("Retry-After").parse().unwrap();
        assert!((1..=900).contains(&secs), "{secs}");
        assert!(body.contains("Te veel mislukte pogingen. Probeer het over 15 minuten opnieuw."), "{body}");
    }
    // Other accounts from the same address still log in: 10 failures < 20.
    assert_eq!(try_login(&app, "corporatie", "demo").await.0, 303);
    for i in 0..10 {
        assert_eq!(try_login(&app, &format!("gok{i}"), "fout").await.0, 401);
    }
    assert_eq!(try_login(&app, "zorgaanbieder", "demo").await.0, 429, "the address made 20 failures");
    let mut c = app.db.get().unwrap();
    let throttled: Vec<Option<String>> =
        audit_log::table.filter(audit_log::action.eq("login.throttled")).select(audit_log::address).load(&mut *c).unwrap();
    assert!(!throttled.is_empty() && throttled.iter().all(|a| a.as_deref() == Some("127.0.0.1")), "{throttled:?}");
}

async fn tokens_expire_list_without_secret_and_revoke(app: TestApp) {
    let s = app.login("corporatie", "demo").await.unwrap();
    let create = |body: serde_json::Value| {
        app.client.post(app.url("/api/v1/tokens")).header("cookie", &s.cookie).header("x-csrf-token", &s.csrf).json(&body).send()
    };
    for days in [0, 366] {
        let r = create(json!({"name": "koppeling", "days": days})).await.unwrap();
        assert_eq!(r.status(), 422, "{days} days");
    }
    let made: serde_json::Value = create(json!({"name": "koppeling", "days": 1})).await.unwrap().json().await.unwrap();
    let (id, token) = (made["id"].as_i64().unwrap(), made["token"].as_str().unwrap().to_string());
    let expires = chrono::NaiveDateTime::parse_from_str(made["expires_at"].as_str().unwrap(), "%Y-%m-%dT%H:%M:%S%.f").unwrap();
    let in_a_day = (expires - uitstroomtafel::store::now()).num_minutes();
    assert!((1430..=1440).contains(&in_a_day), "{in_a_day}");
    assert_eq!(app.get("/api/v1/me", &token).await.0, 200);
    let (status, list) = app.get("/api/v1/tokens", &token).await;
    assert_eq!(status, 200);
    assert!(list.as_array().unwrap().iter().all(|t| t.get("token").is_none() && t.get("token_hash").is_none()), "{list}");
    assert!(!list.to_string().contains(&token[3..]), "the secret is never shown again");

    let (status, _, _) = app.call("DELETE", &format!("/api/v1/tokens/{id}"), Some(&token), None).await;
    assert_eq!(status, 204);
    assert_eq!(app.get("/api/v1/me", &token).await.0, 401, "revoked opens nothing");

    let other = app.token("corporatie").await;
    assert_eq!(app.call("DELETE", &format!("/api/v1/tokens/{id}"), Some(&other), None).await.0, 404, "already revoked");
    let theirs = app.token("coordinator").await;
    let their_id: i32 = {
        let mut c = app.db.get().unwrap();
        api_tokens::table.order(api_tokens::id.desc()).select(api_tokens::id).first(&mut *c).unwrap()
    };
    assert_eq!(app.call("DELETE", &format!("/api/v1/tokens/{their_id}"), Some(&other), None).await.0, 404, "only one's own");
    assert_eq!(app.get("/api/v1/me", &theirs).await.0, 200);

    // Revoked, or expired, by another instance (straight in the database): this one
    // trusts its cached caller for at most TOKEN_CACHE_TTL.
    let made: serde_json::Value = create(json!({"name": "elders", "days": 1})).await.unwrap().json().await.unwrap();
    let (fresh_id, fresh) = (made["id"].as_i64().unwrap() as i32, made["token"].as_str().unwrap().to_string());
    assert_eq!(app.get("/api/v1/me", &fresh).await.0, 200);
    {
        let mut c = app.db.get().unwrap();
        diesel::update(api_tokens::table.find(their_id))
            .set(api_tokens::expires_at.eq(Some(uitstroomtafel::store::now() - chrono::Duration::minutes(1))))
            .execute(&mut *c)
            .unwrap();
        diesel::update(api_tokens::table.find(fresh_id))
            .set(api_tokens::revoked_at.eq(Some(uitstroomtafel::store::now())))
            .execute(&mut *c)
            .unwrap();
    }
    tokio::time::sleep(uitstroomtafel::web::extract::TOKEN_CACHE_TTL + std::time::Duration::from_millis(200)).await;
    assert_eq!(app.get("/api/v1/me", &theirs).await.0, 401, "past its expiry");
    assert_eq!(app.get("/api/v1/me", &fresh).await.0, 401, "revoked elsewhere");
}

async fn audit_log_is_append_only_and_says_from_where(app: TestApp) {
    let coord = app.token("coordinator").await;
    let (status, page) = app.get("/api/v1/clients?per_page=1", &coord).await;
    assert_eq!(status, 200);
    let id = page["items"][0]["id"].as_i64().unwrap() as i32;
    assert_eq!(app.get(&format!("/api/v1/clients/{id}"), &coord).await.0, 200);
    let mut c = app.db.get().unwrap();
    let (user, address): (Option<i32>, Option<String>) = audit_log::table
        .filter(audit_log::entity.eq("client"))
        .filter(audit_log::entity_id.eq(id))
        .order(audit_log::id.desc())
        .select((audit_log::user_id, audit_log::address))
        .first(&mut *c)
        .unwrap();
    assert!(user.is_some(), "who");
    assert_eq!(address.as_deref(), Some("127.0.0.1"), "from where");
    let before = app.count("audit_log");
    assert!(diesel::update(audit_log::table).set(audit_log::detail.eq("weg")).execute(&mut *c).is_err(), "no update");
    assert!(diesel::delete(audit_log::table).execute(&mut *c).is_err(), "no delete");
    drop(c);
    assert_eq!(app.count("audit_log"), before);
}

async fn retention_anonymises_after_the_period(app: TestApp) {
    let prov = app.token("zorgaanbieder").await;
    let mut body = crate::helpers::client_body();
    body["wish_municipality"] = json!("GM0275");
    body["birth_year"] = json!(1987);
    body["anchors"] = json!([{"kind": "network", "lat": 51.98, "lon": 5.91}]);
    let (status, c) = app.post("/api/v1/clients", &prov, &body).await;
    assert_eq!(status, 201, "{c}");
    let id = c["id"].as_i64().unwrap() as i32;
    assert_eq!(app.post(&format!("/api/v1/clients/{id}/withdraw"), &prov, &json!(null)).await.0, 200);

    let now = uitstroomtafel::store::now();
    let mut conn = app.db.get().unwrap();
    let state = |conn: &mut uitstroomtafel::store::Conn| -> (i32, Option<String>, bool, i64) {
        let (year, wish, at): (i32, Option<String>, Option<chrono::NaiveDateTime>) =
            clients::table.find(id).select((clients::birth_year, clients::wish_municipality, clients::anonymised_at)).first(conn).unwrap();
        let anchors = client_anchors::table.filter(client_anchors::client_id.eq(id)).count().get_result(conn).unwrap();
        (year, wish, at.is_some(), anchors)
    };
    // One day short of the default 365 days: untouched.
    uitstroomtafel::workflow::retention::run(&mut conn, now + chrono::Duration::days(364)).unwrap();
    assert_eq!(state(&mut conn), (1987, Some("GM0275".into()), false, 1));
    // Past it (a moved clock): the places, the wish and the exact year are gone.
    assert!(uitstroomtafel::workflow::retention::run(&mut conn, now + chrono::Duration::days(366)).unwrap() >= 1);
    assert_eq!(state(&mut conn), (1980, None, true, 0));
    assert_eq!(uitstroomtafel::workflow::retention::run(&mut conn, now + chrono::Duration::days(400)).unwrap(), 0, "once only");
    let logged: i64 = audit_log::table
        .filter(audit_log::action.eq("client.anonymised"))
        .filter(audit_log::entity_id.eq(id))
        .count()
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!(logged, 1);
    // A client still at the table is never touched, however old.
    let ready = clients::table
        .filter(clients::status.eq("ready"))
        .filter(clients::anonymised_at.is_not_null())
        .count()
        .get_result::<i64>(&mut *conn);
    assert_eq!(ready.unwrap(), 0);
}

crate::on_both_backends!(
    five_failures_lock_an_account_known_or_not_and_twenty_an_address,
    tokens_expire_list_without_secret_and_revoke,
    audit_log_is_append_only_and_says_from_where,
    retention_anonymises_after_the_period,
);
