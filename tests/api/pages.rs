//! Login, sessions and logout through the browser's forms.

use crate::helpers::TestApp;
use serde_json::json;

async fn login_sets_a_strict_cookie_and_logout_ends_the_session(app: TestApp) {
    let resp = app.client.post(app.url("/login")).form(&[("username", "coordinator"), ("password", "demo")]).send().await.unwrap();
    assert_eq!(resp.status(), 303);
    let cookie = resp.headers()["set-cookie"].to_str().unwrap().to_string();
    for attr in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
        assert!(cookie.contains(attr), "{attr} in {cookie}");
    }
    let session = app.login("coordinator", "demo").await.unwrap();
    let home = app.client.get(app.url("/")).header("cookie", &session.cookie).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("demonstratie-omgeving"), "a demo database says so on every page");
    assert!(home.contains("uitstroomcoördinator"));

    // The session works for the API; changes need its CSRF token.
    let me = app.client.get(app.url("/api/v1/me")).header("cookie", &session.cookie).send().await.unwrap();
    assert_eq!(me.status(), 200);
    let no_csrf =
        app.client.post(app.url("/api/v1/tokens")).header("cookie", &session.cookie).json(&json!({"name": "x"})).send().await.unwrap();
    assert_eq!(no_csrf.status(), 403);
    let wrong = app.client.post(app.url("/logout")).header("cookie", &session.cookie).form(&[("csrf_token", "nope")]).send().await.unwrap();
    assert_eq!(wrong.status(), 403, "logout needs the form's token");

    let out = app
        .client
        .post(app.url("/logout"))
        .header("cookie", &session.cookie)
        .form(&[("csrf_token", session.csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    let me = app.client.get(app.url("/api/v1/me")).header("cookie", &session.cookie).send().await.unwrap();
    assert_eq!(me.status(), 401, "the old cookie no longer opens anything");
    let home = app.client.get(app.url("/")).header("cookie", &session.cookie).send().await.unwrap();
    assert_eq!(home.headers()["location"], "/login");
}

async fn wrong_password_and_unknown_user_look_the_same(app: TestApp) {
    for (u, p) in [("coordinator", "wrong"), ("nobody", "demo"), ("coordinator", "")] {
        let resp = app.client.post(app.url("/login")).form(&[("username", u), ("password", p)]).send().await.unwrap();
        assert_eq!(resp.status(), 401);
        assert!(resp.headers().get("set-cookie").is_none());
        let page = resp.text().await.unwrap();
        assert!(page.contains("Deze combinatie van gebruikersnaam en wachtwoord kennen we niet."));
    }
    let (s, _, _) = app.call("GET", "/api/v1/me", Some("ut_0000"), None).await;
    assert_eq!(s, 401, "an unknown token");
}

async fn health_and_security_headers(app: TestApp) {
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    for h in ["content-security-policy", "x-content-type-options", "x-frame-options", "referrer-policy"] {
        assert!(r.headers().contains_key(h), "{h}");
    }
    let body: serde_json::Value = r.json().await.unwrap();
    let expected = if app.backend == crate::helpers::Backend::Postgres { "postgres" } else { "sqlite" };
    assert_eq!(body, json!({"status": "ok", "database": expected}));
    let login = app.client.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    assert!(login.contains("<label for=\"username\">") && login.contains("<label for=\"password\">"));
    let r = app.client.get(app.url("/nergens")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
}

async fn preference_page_saves_with_its_token(app: TestApp) {
    let s = app.login("coordinator", "demo").await.unwrap();
    let page = app.client.get(app.url("/voorkeuren")).header("cookie", &s.cookie).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Berichten per e-mail") && page.contains("name=\"dwelling_published\""));
    assert!(!page.contains("name=\"round_ready\" value=\"off\""), "an action event offers no 'off'");
    let post = |fields: Vec<(&'static str, String)>| {
        let req = app.client.post(app.url("/voorkeuren")).header("cookie", &s.cookie).form(&fields);
        async move {
            let r = req.send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let (status, _) = post(vec![("csrf_token", "fout".into()), ("dwelling_published", "immediate".into())]).await;
    assert_eq!(status, 403);
    let (status, body) = post(vec![("csrf_token", s.csrf.clone()), ("round_ready", "off".into())]).await;
    assert_eq!(status, 422);
    assert!(body.contains("kan niet uit"));
    let (status, body) = post(vec![("csrf_token", s.csrf.clone()), ("dwelling_published", "immediate".into())]).await;
    assert_eq!(status, 200);
    assert!(body.contains("opgeslagen") && body.contains("name=\"dwelling_published\" value=\"immediate\" checked"));
}

crate::on_both_backends!(
    login_sets_a_strict_cookie_and_logout_ends_the_session,
    wrong_password_and_unknown_user_look_the_same,
    health_and_security_headers,
    preference_page_saves_with_its_token
);
