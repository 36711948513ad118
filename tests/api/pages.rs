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
    for h in ["content-security-policy", "x-content-type-options", "x-frame-options", "referrer-policy", "strict-transport-security"] {
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

/// GET a page as a logged-in user: status and body.
async fn page(app: &TestApp, s: &crate::helpers::Session, path: &str) -> (u16, String) {
    let r = app.client.get(app.url(path)).header("cookie", &s.cookie).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn form(app: &TestApp, s: &crate::helpers::Session, path: &str, fields: &[(&str, &str)]) -> (u16, String, Option<String>) {
    let r = app.client.post(app.url(path)).header("cookie", &s.cookie).form(fields).send().await.unwrap();
    let location = r.headers().get("location").map(|l| l.to_str().unwrap().to_string());
    (r.status().as_u16(), r.text().await.unwrap(), location)
}

async fn each_role_sees_its_pages_and_no_other(app: TestApp) {
    // (user, page, status): every role's own pages answer, the others' are refused.
    let table: &[(&str, &[&str], &[&str])] = &[
        (
            "coordinator",
            &[
                "/",
                "/ronden",
                "/voorstellen",
                "/clienten",
                "/woningen",
                "/contingenten",
                "/kaart",
                "/monitor",
                "/monitor/eerlijkheid",
                "/monitor/vergelijking",
                "/nazorg",
            ],
            &["/woningen/nieuw", "/clienten/nieuw", "/landelijke-toegang"],
        ),
        (
            "corporatie",
            &["/", "/woningen", "/woningen/nieuw", "/woningen/upload", "/voorstellen", "/contingenten", "/kaart"],
            &["/ronden", "/clienten", "/clienten/nieuw", "/monitor", "/nazorg"],
        ),
        (
            "zorgaanbieder",
            &["/", "/clienten", "/clienten/nieuw", "/voorstellen", "/nazorg", "/kaart"],
            &["/ronden", "/woningen", "/woningen/upload", "/contingenten", "/monitor"],
        ),
        (
            "gemeente",
            &["/", "/contingenten", "/clienten", "/landelijke-toegang", "/woningen", "/kaart", "/monitor"],
            &["/ronden", "/voorstellen", "/woningen/nieuw", "/monitor/eerlijkheid", "/monitor/vergelijking", "/nazorg"],
        ),
        ("beheer", &["/", "/contingenten", "/kaart"], &["/ronden", "/clienten", "/woningen", "/voorstellen", "/monitor", "/nazorg"]),
    ];
    for (user, allowed, refused) in table {
        let s = app.login(user, "demo").await.unwrap();
        for p in *allowed {
            let (status, body) = page(&app, &s, p).await;
            assert_eq!(status, 200, "{user} {p}");
            assert!(body.contains("<main id=\"inhoud\">") && body.contains("aria-label=\"Hoofdmenu\""), "{user} {p}");
        }
        for p in *refused {
            let (status, body) = page(&app, &s, p).await;
            assert_eq!(status, 403, "{user} {p}");
            assert!(body.contains("Geen toegang") && !body.contains("panicked"), "a Dutch error page: {body}");
        }
    }
    // Another provider's client is not found, not forbidden: its existence stays hidden.
    let ids = |body: String| -> Vec<String> {
        body.match_indices("href=\"/clienten/")
            .filter_map(|(i, m)| body[i + m.len()..].split('"').next().map(str::to_string))
            .filter(|x| x != "nieuw")
            .collect()
    };
    let s = app.login("zorgaanbieder", "demo").await.unwrap();
    let own = ids(page(&app, &s, "/clienten").await.1);
    let c = app.login("coordinator", "demo").await.unwrap();
    let other = ids(page(&app, &c, "/clienten").await.1).into_iter().find(|i| !own.contains(i)).expect("clients of other providers");
    assert!(!own.is_empty());
    assert_eq!(page(&app, &s, &format!("/clienten/{}", own[0])).await.0, 200);
    assert_eq!(page(&app, &s, &format!("/clienten/{other}")).await.0, 404);
    let total = 60 + uitstroomtafel::demo::PAST_PLACEMENTS;
    let last = total.div_ceil(25);
    let all = page(&app, &c, &format!("/clienten?pagina={last}")).await.1;
    let range = format!("{}–{total} van {total}", (last - 1) * 25 + 1);
    assert!(all.contains(&range) && all.contains("rel=\"prev\"") && !all.contains("rel=\"next\""), "25 a page, {range}: {all}");
    let (status, _) = page(&app, &app.login("corporatie", "demo").await.unwrap(), "/clienten/1").await;
    assert_eq!(status, 403);
    assert_eq!(app.client.get(app.url("/ronden")).send().await.unwrap().headers()["location"], "/login", "no session: to the login");
}

async fn a_bad_form_names_the_field_keeps_the_input_and_stores_nothing(app: TestApp) {
    let s = app.login("corporatie", "demo").await.unwrap();
    let before = app.count("dwellings");
    let mut fields = vec![
        ("kind", "contingent"),
        ("street", "<script>alert(1)</script>"),
        ("house_number", "3"),
        ("postcode", "12"),
        ("city", "Arnhem"),
        ("lat", "51,98"),
        ("lon", "5,91"),
        ("rooms", "twee"),
        ("max_household", "2"),
        ("rent", "650"),
        ("available_from", "01-12-2026"),
    ];
    let (status, _, _) = form(&app, &s, "/woningen/nieuw", &fields).await;
    assert_eq!(status, 403, "no CSRF token, no change");
    fields.push(("csrf_token", &s.csrf));
    let (status, body, _) = form(&app, &s, "/woningen/nieuw", &fields).await;
    assert_eq!(status, 422);
    assert!(body.contains("id=\"e-postcode\"") && body.contains("id=\"e-rooms\"") && body.contains("vul een heel getal in"), "{body}");
    assert!(
        body.contains("value=\"&#60;script&#62;alert(1)&#60;/script&#62;\"") || body.contains("value=\"&lt;script&gt;"),
        "typed text comes back escaped"
    );
    assert!(!body.contains("<script>"), "never raw");
    assert_eq!(app.count("dwellings"), before);

    // Fixed, it is stored as a draft and the street shows escaped.
    let fixed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| match *k {
            "postcode" => (*k, "6828 CA"),
            "rooms" => (*k, "2"),
            _ => (*k, *v),
        })
        .collect();
    let (status, _, location) = form(&app, &s, "/woningen/nieuw", &fixed).await;
    assert_eq!(status, 303);
    let (_, shown) = page(&app, &s, &location.unwrap()).await;
    assert!(shown.contains("De woning is opgeslagen.") && !shown.contains("<script>"));
    assert_eq!(app.count("dwellings"), before + 1);
}

async fn bulk_review_decides_each_and_names_what_failed(app: TestApp) {
    let s = app.login("coordinator", "demo").await.unwrap();
    let (status, _, location) = form(&app, &s, "/ronden", &[("csrf_token", &s.csrf), ("datum", "")]).await;
    assert_eq!(status, 303);
    let round = location.unwrap();
    let body = page(&app, &s, &round).await.1;
    let ids: Vec<String> =
        body.match_indices("name=\"voorstel\" value=\"").map(|(i, m)| body[i + m.len()..].split('"').next().unwrap().to_string()).collect();
    assert!(ids.len() >= 2, "the demo round proposes several: {ids:?}");
    // A decision without any proposal chosen is refused.
    let (status, body, _) =
        form(&app, &s, &format!("{round}/beoordelen"), &[("csrf_token", s.csrf.as_str()), ("besluit", "goedkeuren")]).await;
    assert_eq!(status, 422);
    assert!(body.contains("Kies ten minste één voorstel."), "{body}");
    // Reject one without the note that 'other' needs: refused, nothing changes.
    let bad = [("csrf_token", s.csrf.as_str()), ("besluit", "afwijzen"), ("reden", "other"), ("voorstel", ids[0].as_str())];
    let (status, body, _) = form(&app, &s, &format!("{round}/beoordelen"), &bad).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("toelichting"));
    // Approve them all, and one of them twice: each is reported.
    let mut fields = vec![("csrf_token", s.csrf.as_str()), ("besluit", "goedkeuren")];
    fields.extend(ids.iter().map(|i| ("voorstel", i.as_str())));
    fields.push(("voorstel", ids[0].as_str()));
    let (status, body, _) = form(&app, &s, &format!("{round}/beoordelen"), &fields).await;
    assert_eq!(status, 200);
    assert_eq!(body.matches(": <span class=\"ok\">gelukt</span>").count(), ids.len(), "{body}");
    assert_eq!(body.matches("niet gelukt").count(), 1, "the second approval of the same proposal is refused");
    let home = page(&app, &s, "/").await.1;
    for id in &ids {
        assert!(home.contains(&format!(">Voorstel {id}</a>")), "the overview lists open proposal {id}");
    }
    assert_eq!(home.matches("<td>goedgekeurd</td>").count(), ids.len(), "each approved one with its state");
    let agenda = page(&app, &s, &format!("{round}/agenda")).await.1;
    assert!(agenda.contains("Agenda uitstroomtafel") && agenda.matches("goedgekeurd").count() >= ids.len());
}

async fn upload_report_names_line_and_column_and_stores_nothing(app: TestApp) {
    let s = app.login("corporatie", "demo").await.unwrap();
    let before = app.count("dwellings");
    let mut csv = uitstroomtafel::workflow::dwelling_import::example();
    csv.push_str("contingent;;Steenstraat;14;6828;Arnhem;51,98;5,91;;2;2;650;0;nee;nee;01-12-2026;\n");
    let upload = |csv: String| {
        let part = reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("woningen.csv").mime_str("text/csv").unwrap();
        let form = reqwest::multipart::Form::new().text("csrf_token", s.csrf.clone()).part("bestand", part);
        app.client.post(app.url("/woningen/upload")).header("cookie", &s.cookie).multipart(form).send()
    };
    let r = upload(csv.clone()).await.unwrap();
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("<td class=\"num\">3</td><td>postcode</td>"), "{body}");
    assert_eq!(app.count("dwellings"), before);
    let r = upload(uitstroomtafel::workflow::dwelling_import::example()).await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(app.count("dwellings"), before + 1);
}

crate::on_both_backends!(
    each_role_sees_its_pages_and_no_other,
    a_bad_form_names_the_field_keeps_the_input_and_stores_nothing,
    bulk_review_decides_each_and_names_what_failed,
    upload_report_names_line_and_column_and_stores_nothing,
    login_sets_a_strict_cookie_and_logout_ends_the_session,
    wrong_password_and_unknown_user_look_the_same,
    health_and_security_headers,
    preference_page_saves_with_its_token
);
