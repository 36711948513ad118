//! Measures how fast the pages answer with the demo data: the service runs in this
//! process on a fresh demo SQLite database, each role logs in, the coordinator runs a
//! round, and every main page is fetched `N` times over HTTP, one after another.
//! Prints p50, p95 and the slowest per page, in milliseconds.
//!
//!     cargo run --release --example page_timings

use std::time::Instant;
use uitstroomtafel::config::{Config, DatabaseUrl};
use uitstroomtafel::startup::Application;

const N: usize = 200;

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::with(DatabaseUrl::Sqlite(dir.path().join("demo.db")), "127.0.0.1:0".parse().unwrap());
    config.notify.run_worker = false;
    let app = Application::build(config, true).await.expect("the service starts");
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();

    let login = |user: &'static str| {
        let (http, base) = (http.clone(), base.clone());
        async move {
            let r = http.post(format!("{base}/login")).form(&[("username", user), ("password", "demo")]).send().await.unwrap();
            r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string()
        }
    };
    let coordinator = login("coordinator").await;
    let home = http.get(format!("{base}/ronden")).header("cookie", &coordinator).send().await.unwrap().text().await.unwrap();
    let csrf = home.split("name=\"csrf_token\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let r = http.post(format!("{base}/ronden")).header("cookie", &coordinator).form(&[("csrf_token", csrf.as_str())]).send().await.unwrap();
    let round = r.headers()["location"].to_str().unwrap().to_string();

    let pages: Vec<(&str, String)> = vec![
        ("coordinator", "/".into()),
        ("coordinator", "/ronden".into()),
        ("coordinator", round.clone()),
        ("coordinator", format!("{round}/agenda")),
        ("coordinator", "/voorstellen/1".into()),
        ("coordinator", "/kaart".into()),
        ("coordinator", "/clienten".into()),
        ("coordinator", "/monitor".into()),
        ("coordinator", "/monitor/eerlijkheid".into()),
        ("coordinator", "/monitor/vergelijking".into()),
        ("corporatie", "/woningen".into()),
        ("corporatie", "/woningen/nieuw".into()),
        ("corporatie", "/woningen/upload".into()),
        ("zorgaanbieder", "/clienten".into()),
        ("zorgaanbieder", "/clienten/nieuw".into()),
        ("zorgaanbieder", "/nazorg".into()),
        ("gemeente", "/contingenten".into()),
        ("gemeente", "/landelijke-toegang".into()),
        ("gemeente", "/monitor".into()),
    ];
    println!("{:<15} {:<22} {:>8} {:>8} {:>8}", "role", "page", "p50 ms", "p95 ms", "max ms");
    for (user, path) in pages {
        let cookie = login(user).await;
        let mut ms = Vec::with_capacity(N);
        for _ in 0..N {
            let t = Instant::now();
            let r = http.get(format!("{base}{path}")).header("cookie", &cookie).send().await.unwrap();
            assert_eq!(r.status(), 200, "{user} {path}");
            r.bytes().await.unwrap();
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        ms.sort_by(f64::total_cmp);
        println!("{:<15} {:<22} {:>8.2} {:>8.2} {:>8.2}", user, path, ms[N / 2], ms[N * 95 / 100], ms[N - 1]);
    }
}
