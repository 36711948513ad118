//! The test application: the real service on port 0 over a real database, SQLite in a
//! temporary file or a database of its own in a throw-away PostgreSQL cluster that this
//! test binary starts from the machine's binaries.

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;
use uitstroomtafel::config::{Config, DatabaseUrl};
use uitstroomtafel::startup::Application;
use uitstroomtafel::store::Db;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A PostgreSQL cluster on a unix socket in a temporary folder: one shared by this test
/// binary, or one of a test's own that it may stop and start.
pub struct PgCluster {
    socket_dir: PathBuf,
    data: PathBuf,
    opts: String,
    port: u16,
}

const PG_BIN: &str = "/usr/lib/postgresql/15/bin";

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false)
}

/// Runs a PostgreSQL binary, as the `postgres` user when we are root (initdb refuses root).
fn pg(bin: &str, args: &[&str]) -> std::process::Output {
    let path = format!("{PG_BIN}/{bin}");
    let mut cmd = if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--", &path]);
        c
    } else {
        Command::new(&path)
    };
    cmd.args(args).output().unwrap_or_else(|e| panic!("cannot run {bin}: {e}"))
}

fn start_cluster() -> Result<PgCluster, String> {
    PgCluster::create("shared", 20_000 + (std::process::id() % 20_000) as u16)
}

static OWN_CLUSTERS: AtomicU32 = AtomicU32::new(0);

impl PgCluster {
    fn create(tag: &str, port: u16) -> Result<PgCluster, String> {
        if !Path::new(PG_BIN).join("initdb").exists() {
            return Err(format!("no PostgreSQL binaries in {PG_BIN}"));
        }
        let dir = std::env::temp_dir().join(format!("ut-pg-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        if is_root() {
            Command::new("chown").args(["-R", "postgres:postgres", &dir.to_string_lossy()]).status().map_err(|e| e.to_string())?;
        }
        let data = dir.join("data");
        let out = pg("initdb", &["-D", &data.to_string_lossy(), "-A", "trust", "-U", "postgres", "--no-sync"]);
        if !out.status.success() {
            return Err(format!("initdb failed: {}", String::from_utf8_lossy(&out.stderr)));
        }
        let opts = format!("-k {} -p {port} -c listen_addresses='' -c fsync=off -c max_connections=300", dir.display());
        let cluster = PgCluster { socket_dir: dir.clone(), data: data.clone(), opts, port };
        cluster.start()?;
        // Stop the cluster when this test process ends, however it ends.
        let stop = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 1; done; {runas} {PG_BIN}/pg_ctl -D {data} -m immediate stop >/dev/null 2>&1; rm -rf {dir}",
            pid = std::process::id(),
            runas = if is_root() { "runuser -u postgres --" } else { "" },
            data = data.display(),
            dir = dir.display(),
        );
        Command::new("sh")
            .args(["-c", &stop])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .map_err(|e| e.to_string())?;
        Ok(cluster)
    }

    /// A cluster of the calling test's own, with one empty database `ut`; `None` (after
    /// saying why) where PostgreSQL cannot run and is not required.
    pub fn own() -> Option<PgCluster> {
        let n = OWN_CLUSTERS.fetch_add(1, Ordering::SeqCst);
        let port = 40_000 + ((std::process::id() % 5_000) as u16) * 4 + n as u16;
        match PgCluster::create(&format!("own{n}"), port) {
            Ok(c) => {
                let mut admin = PgConnection::establish(&c.url("postgres")).expect("connect to the own cluster");
                admin.batch_execute("CREATE DATABASE ut").expect("create database");
                Some(c)
            }
            Err(why) => {
                if std::env::var("UITSTROOMTAFEL_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
                    panic!("PostgreSQL is required here (UITSTROOMTAFEL_REQUIRE_POSTGRES=1) but: {why}");
                }
                eprintln!("SKIPPED PostgreSQL test: {why}");
                None
            }
        }
    }

    pub fn start(&self) -> Result<(), String> {
        let log = self.socket_dir.join("log");
        let out = pg("pg_ctl", &["-D", &self.data.to_string_lossy(), "-o", &self.opts, "-l", &log.to_string_lossy(), "-w", "start"]);
        if out.status.success() {
            Ok(())
        } else {
            Err(format!("pg_ctl start failed: {}", String::from_utf8_lossy(&out.stderr)))
        }
    }

    /// Stops the server at once, as a crash or an operator's restart would.
    pub fn stop(&self) {
        let out = pg("pg_ctl", &["-D", &self.data.to_string_lossy(), "-m", "fast", "-w", "stop"]);
        assert!(out.status.success(), "pg_ctl stop: {}", String::from_utf8_lossy(&out.stderr));
    }
}

fn cluster() -> Option<&'static PgCluster> {
    static CLUSTER: OnceLock<Result<PgCluster, String>> = OnceLock::new();
    match CLUSTER.get_or_init(start_cluster) {
        Ok(c) => Some(c),
        Err(why) => {
            if std::env::var("UITSTROOMTAFEL_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
                panic!("PostgreSQL is required here (UITSTROOMTAFEL_REQUIRE_POSTGRES=1) but: {why}");
            }
            eprintln!("SKIPPED PostgreSQL test: {why}");
            None
        }
    }
}

impl PgCluster {
    pub fn url(&self, db: &str) -> String {
        format!("postgresql:///{db}?host={}&port={}&user=postgres", self.socket_dir.display(), self.port)
    }
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A logged-in browser session.
#[derive(Debug, Clone)]
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: Db,
    pub backend: Backend,
    pg_db: Option<String>,
    _dir: tempfile::TempDir,
}

impl TestApp {
    /// The service with the demo data on a fresh database; `None` when PostgreSQL was
    /// asked for and cannot run here (the skip is printed).
    pub async fn spawn(backend: Backend) -> Option<TestApp> {
        Self::spawn_with(backend, true).await
    }

    pub async fn spawn_with(backend: Backend, demo: bool) -> Option<TestApp> {
        let dir = tempfile::tempdir().expect("temp dir");
        let (url, pg_db) = match backend {
            Backend::Sqlite => (DatabaseUrl::Sqlite(dir.path().join("t.db")), None),
            Backend::Postgres => {
                let cluster = cluster()?;
                let name = format!("t_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst));
                let mut admin = PgConnection::establish(&cluster.url("postgres")).expect("connect to the test cluster");
                admin.batch_execute(&format!("CREATE DATABASE {name}")).expect("create test database");
                (DatabaseUrl::Postgres(cluster.url(&name)), Some(name))
            }
        };
        Some(Self::spawn_on(url, demo, pg_db, dir).await)
    }

    /// The service on a database of the test's choosing (an own cluster, a small disk).
    pub async fn spawn_on(url: DatabaseUrl, demo: bool, pg_db: Option<String>, dir: tempfile::TempDir) -> TestApp {
        let backend = if url.is_postgres() { Backend::Postgres } else { Backend::Sqlite };
        let mut config = Config::with(url, "127.0.0.1:0".parse().unwrap());
        config.pool_size = 4;
        config.notify.run_worker = false;
        let app = Application::build(config, demo).await.expect("the service starts");
        let address = format!("http://127.0.0.1:{}", app.port());
        let db = app.db().clone();
        tokio::spawn(app.run_until_stopped());
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        TestApp { address, client, db, backend, pg_db, _dir: dir }
    }

    /// The database URL as the command line takes it, for a child process.
    pub fn database_arg(&self) -> String {
        match self.db.url() {
            DatabaseUrl::Postgres(u) => u.clone(),
            DatabaseUrl::Sqlite(p) => format!("sqlite://{}", p.display()),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// Logs in through the form and returns the session cookie and its CSRF token.
    pub async fn login(&self, username: &str, password: &str) -> Option<Session> {
        let resp = self.client.post(self.url("/login")).form(&[("username", username), ("password", password)]).send().await.unwrap();
        if resp.status() != 303 {
            return None;
        }
        let set_cookie = resp.headers().get("set-cookie")?.to_str().unwrap().to_string();
        let cookie = set_cookie.split(';').next().unwrap().to_string();
        let home = self.client.get(self.url("/")).header("cookie", &cookie).send().await.unwrap().text().await.unwrap();
        let csrf = home.split("name=\"csrf_token\" value=\"").nth(1)?.split('"').next()?.to_string();
        Some(Session { cookie, csrf })
    }

    /// An API token for a demo user.
    pub async fn token(&self, username: &str) -> String {
        self.token_with(username, "demo").await
    }

    pub async fn token_with(&self, username: &str, password: &str) -> String {
        let s = self.login(username, password).await.unwrap_or_else(|| panic!("{username} can log in"));
        let resp = self
            .client
            .post(self.url("/api/v1/tokens"))
            .header("cookie", &s.cookie)
            .header("x-csrf-token", &s.csrf)
            .json(&serde_json::json!({"name": "tests"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201);
        resp.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string()
    }

    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> (u16, Value, reqwest::header::HeaderMap) {
        let mut req = self.client.request(method.parse().unwrap(), self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap();
        let json = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, json, headers)
    }

    pub async fn get(&self, path: &str, token: &str) -> (u16, Value) {
        let (s, v, _) = self.call("GET", path, Some(token), None).await;
        (s, v)
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> (u16, Value) {
        let (s, v, _) = self.call("POST", path, Some(token), Some(body)).await;
        (s, v)
    }

    /// Adds a user to an existing organisation, straight through the workflow.
    pub fn add_user(&self, org: &str, username: &str, role: uitstroomtafel::domain::Role) {
        let mut conn = self.db.get().unwrap();
        uitstroomtafel::workflow::auth::add_user(&mut conn, org, username, &format!("{username}@example.org"), "een lang wachtwoord", role)
            .unwrap();
    }

    /// Counts rows of a table, to prove that a refused write changed nothing.
    pub fn count(&self, table: &str) -> i64 {
        use diesel::prelude::*;
        use uitstroomtafel::store::schema::*;
        let mut c = self.db.get().unwrap();
        match table {
            "dwellings" => dwellings::table.count().get_result(&mut *c),
            "clients" => clients::table.count().get_result(&mut *c),
            "contingents" => contingents::table.count().get_result(&mut *c),
            "audit_log" => audit_log::table.count().get_result(&mut *c),
            "client_anchors" => client_anchors::table.count().get_result(&mut *c),
            other => panic!("no count for {other}"),
        }
        .unwrap()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let (Some(name), Some(cluster)) = (&self.pg_db, cluster()) {
            if let Ok(mut admin) = PgConnection::establish(&cluster.url("postgres")) {
                let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

/// A valid dwelling body in Arnhem.
pub fn dwelling_body() -> Value {
    serde_json::json!({
        "kind": "contingent",
        "street": "Steenstraat",
        "house_number": "12a",
        "postcode": "6828 CA",
        "city": "Arnhem",
        "lat": 51.9800,
        "lon": 5.9110,
        "rooms": 2,
        "max_household": 2,
        "rent_cents": 65000,
        "floor": 1,
        "has_lift": true,
        "available_from": "2026-12-01"
    })
}

/// A valid client body bound to Arnhem.
pub fn client_body() -> Value {
    serde_json::json!({
        "birth_year": 1990,
        "household_size": 1,
        "binding_municipality": "GM0202",
        "urgency": "priority",
        "support_level": "light",
        "needs": {"min_rooms": 1, "max_rent_cents": 75000},
        "anchors": [{"kind": "network", "lat": 51.98, "lon": 5.90}]
    })
}

/// Runs each listed test against SQLite and against PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let app = $crate::helpers::TestApp::spawn($crate::helpers::Backend::Sqlite).await.unwrap();
                    super::$name(app).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(app) = $crate::helpers::TestApp::spawn($crate::helpers::Backend::Postgres).await else { return };
                    super::$name(app).await;
                }
            )*
        }
    };
}

impl TestApp {
    /// One pass of the notification worker at `now`.
    pub fn run_worker(
        &self,
        mailer: Option<&uitstroomtafel::notify::mail::Mailer>,
        cfg: &uitstroomtafel::config::NotifyConfig,
        now: chrono::NaiveDateTime,
    ) -> uitstroomtafel::notify::worker::Report {
        tokio::task::block_in_place(|| {
            let mut c = self.db.get().unwrap();
            uitstroomtafel::notify::worker::run_once(&mut c, mailer, cfg, "http://tafel.test", now).unwrap()
        })
    }

    pub fn notify_config(&self) -> uitstroomtafel::config::NotifyConfig {
        Config::with(DatabaseUrl::Sqlite("unused".into()), "127.0.0.1:0".parse().unwrap()).notify
    }
}
