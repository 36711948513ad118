//! Faults, with real processes and a real database server: the service killed in the
//! middle of writes, PostgreSQL stopped and started under load, a full disk and a file
//! turned read-only under SQLite, and a graceful stop on SIGTERM.

use crate::helpers::{dwelling_body, PgCluster, TestApp};
use diesel::prelude::*;
use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use uitstroomtafel::config::DatabaseUrl;
use uitstroomtafel::store::schema::{clients, dwellings, match_rounds, proposals};

/// The service as its own process, on the test's database.
pub struct Service {
    child: Child,
    pub base: String,
    log: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Service {
    pub async fn start(database: &str, worker: bool) -> Service {
        Self::start_with(database, worker, &[]).await
    }

    pub async fn start_with(database: &str, worker: bool, env: &[(&str, String)]) -> Service {
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let log = dir.path().join("serve.log");
        let child = Command::new(env!("CARGO_BIN_EXE_uitstroomtafel"))
            .args(["--database", database, "serve", "--bind", &format!("127.0.0.1:{port}")])
            .env_remove("UITSTROOMTAFEL_DATABASE_URL")
            .env("UITSTROOMTAFEL_LOG", "info")
            .env("UITSTROOMTAFEL_NOTIFY_WORKER", worker.to_string())
            .env("UITSTROOMTAFEL_NOTIFY_INTERVAL_SECONDS", "1")
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdout(Stdio::from(std::fs::File::create(&log).unwrap()))
            .stderr(Stdio::from(std::fs::File::create(dir.path().join("serve.err")).unwrap()))
            .spawn()
            .expect("the service starts");
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        while reqwest::get(format!("{base}/healthz")).await.map(|r| r.status() != 200).unwrap_or(true) {
            assert!(Instant::now() < deadline, "the service answers within 30 s");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Service { child, base, log, _dir: dir }
    }

    fn signal(&self, sig: &str) {
        Command::new("kill").args([sig, &self.child.id().to_string()]).status().unwrap();
    }

    fn output(&self) -> String {
        let err = std::fs::read_to_string(self.log.with_file_name("serve.err")).unwrap_or_default();
        std::fs::read_to_string(&self.log).unwrap_or_default() + &err
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn batch(tag: &str, n: usize) -> Value {
    Value::Array(
        (0..n)
            .map(|i| {
                let mut d = dwelling_body();
                d["external_ref"] = json!(format!("{tag}-{i}"));
                d
            })
            .collect(),
    )
}

fn count_refs(app: &TestApp, tag: &str) -> i64 {
    let mut c = app.db.get().unwrap();
    dwellings::table.filter(dwellings::external_ref.like(format!("{tag}-%"))).count().get_result(&mut *c).unwrap()
}

/// Every proposal's client and dwelling are in the states its own state implies.
fn assert_consistent(app: &TestApp) {
    let mut c = app.db.get().unwrap();
    let rows: Vec<(String, String, String)> = proposals::table
        .inner_join(clients::table)
        .inner_join(dwellings::table)
        .select((proposals::status, clients::status, dwellings::status))
        .load(&mut *c)
        .unwrap();
    for (p, cl, d) in &rows {
        let ok = match p.as_str() {
            "proposed" => cl == "proposed" && d == "published",
            "approved" => cl == "proposed" && d == "reserved",
            "rejected" | "declined" | "expired" => true,
            _ => true,
        };
        assert!(ok, "proposal {p} with client {cl} and dwelling {d}");
    }
    let rounds: Vec<(i32, String, String)> =
        match_rounds::table.select((match_rounds::id, match_rounds::status, match_rounds::summary)).load(&mut *c).unwrap();
    for (id, status, summary) in rounds {
        let n: i64 = proposals::table.filter(proposals::round_id.eq(id)).count().get_result(&mut *c).unwrap();
        if status == "done" {
            let s: Value = serde_json::from_str(&summary).unwrap();
            assert_eq!(n, s["proposed"].as_i64().unwrap(), "a finished round holds all its proposals");
        } else {
            assert_eq!(n, 0, "a round that did not finish ({status}) holds none");
        }
    }
}

async fn sigkill_in_the_middle_leaves_all_or_nothing(app: TestApp) {
    let corp = app.token("corporatie").await;
    let coord = app.token("coordinator").await;
    let http = reqwest::Client::new();

    // A bulk import of 600 dwellings, killed after 10 ms … 400 ms.
    let mut outcomes = Vec::new();
    for (i, delay) in [10u64, 40, 80, 150, 250, 400].into_iter().enumerate() {
        let svc = Service::start(&app.database_arg(), false).await;
        let tag = format!("kill{i}");
        let req = http.post(format!("{}/api/v1/dwellings/batch", svc.base)).bearer_auth(&corp).json(&batch(&tag, 600)).send();
        let killer = async {
            tokio::time::sleep(Duration::from_millis(delay)).await;
            svc.signal("-KILL");
        };
        let (answer, _) = tokio::join!(req, killer);
        let n = count_refs(&app, &tag);
        assert!(n == 0 || n == 600, "after SIGKILL at {delay} ms: {n} of 600 stored");
        if answer.is_ok_and(|r| r.status() == 201) {
            assert_eq!(n, 600, "an acknowledged import is there");
        }
        outcomes.push(n);
    }
    eprintln!("bulk import killed at 10…400 ms: stored {outcomes:?}");

    // Approvals killed mid-way: the proposal, the client and the dwelling move together.
    let (status, round) = app.post("/api/v1/rounds", &coord, &json!({})).await;
    assert_eq!(status, 201, "{round}");
    let ids: Vec<i64> = round["proposals"].as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()).collect();
    for (i, id) in ids.iter().enumerate().take(4) {
        let svc = Service::start(&app.database_arg(), false).await;
        let req = http.post(format!("{}/api/v1/proposals/{id}/approve", svc.base)).bearer_auth(&coord).send();
        let killer = async {
            tokio::time::sleep(Duration::from_millis(2 + 3 * i as u64)).await;
            svc.signal("-KILL");
        };
        let _ = tokio::join!(req, killer);
        assert_consistent(&app);
    }

    // A match round killed mid-way: all its proposals or none.
    for delay in [5u64, 30] {
        let svc = Service::start(&app.database_arg(), false).await;
        let req = http.post(format!("{}/api/v1/rounds", svc.base)).bearer_auth(&coord).json(&json!({})).send();
        let killer = async {
            tokio::time::sleep(Duration::from_millis(delay)).await;
            svc.signal("-KILL");
        };
        let _ = tokio::join!(req, killer);
        assert_consistent(&app);
    }
}

async fn sigterm_lets_requests_finish_and_stops_the_worker(app: TestApp) {
    let corp = app.token("corporatie").await;
    let svc = Service::start(&app.database_arg(), true).await;
    let req =
        reqwest::Client::new().post(format!("{}/api/v1/dwellings/batch", svc.base)).bearer_auth(&corp).json(&batch("term", 600)).send();
    let term = async {
        tokio::time::sleep(Duration::from_millis(30)).await;
        svc.signal("-TERM");
    };
    let (answer, _) = tokio::join!(req, term);
    assert_eq!(answer.expect("the request in flight gets its answer").status(), 201);
    assert_eq!(count_refs(&app, "term"), 600);
    let mut svc = svc;
    let deadline = Instant::now() + Duration::from_secs(40);
    let status = loop {
        if let Some(s) = svc.child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "the service stops after SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "exit {status:?}");
    let out = svc.output();
    assert!(out.contains("notification worker stopped") && out.contains("stopped cleanly"), "{out}");
}

crate::on_both_backends!(sigkill_in_the_middle_leaves_all_or_nothing, sigterm_lets_requests_finish_and_stops_the_worker);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_outage_answers_503_reconnects_and_keeps_every_acknowledged_write() {
    let Some(cluster) = PgCluster::own() else { return };
    let app = TestApp::spawn_on(DatabaseUrl::Postgres(cluster.url("ut")), true, None, tempfile::tempdir().unwrap()).await;
    let corp = app.token("corporatie").await;
    let running = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    // Four writers and a reader, as a table's morning would have them.
    let mut workers = Vec::new();
    for w in 0..4 {
        let (app_url, corp, running) = (app.address.clone(), corp.clone(), running.clone());
        workers.push(tokio::spawn(async move {
            let http = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().unwrap();
            let (mut acked, mut statuses) = (Vec::new(), std::collections::BTreeMap::<u16, usize>::new());
            let mut retry_after = true;
            let mut i = 0;
            while running.load(std::sync::atomic::Ordering::SeqCst) {
                let mut d = dwelling_body();
                let r = format!("pg{w}-{i}");
                d["external_ref"] = json!(r);
                i += 1;
                match http.post(format!("{app_url}/api/v1/dwellings")).bearer_auth(&corp).json(&d).send().await {
                    Ok(resp) => {
                        let s = resp.status().as_u16();
                        if s == 503 {
                            retry_after &= resp.headers().get("retry-after").is_some();
                        }
                        if s == 201 {
                            acked.push(r);
                        }
                        *statuses.entry(s).or_default() += 1;
                    }
                    Err(e) => panic!("the service itself stays up: {e}"),
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            (acked, statuses, retry_after)
        }));
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    cluster.stop();
    tokio::time::sleep(Duration::from_secs(5)).await;
    cluster.start().unwrap();
    tokio::time::sleep(Duration::from_secs(5)).await;
    running.store(false, std::sync::atomic::Ordering::SeqCst);
    let mut all = std::collections::BTreeMap::<u16, usize>::new();
    let mut acked = Vec::new();
    for w in workers {
        let (a, s, retry) = w.await.unwrap();
        assert!(retry, "every 503 says when to retry");
        acked.extend(a);
        for (k, v) in s {
            *all.entry(k).or_default() += v;
        }
    }
    eprintln!("statuses during the outage test: {all:?}");
    assert!(all.get(&503).copied().unwrap_or(0) > 0, "the outage was seen: {all:?}");
    assert!(all.keys().all(|s| [201, 503].contains(s)), "only 201 or 503: {all:?}");
    let mut c = app.db.get().expect("the pool reconnects by itself");
    let stored: Vec<Option<String>> =
        dwellings::table.filter(dwellings::external_ref.like("pg%")).select(dwellings::external_ref).load(&mut *c).unwrap();
    for r in &acked {
        assert!(stored.contains(&Some(r.clone())), "acknowledged write {r} is there");
    }
    let (s, _) = app.get("/api/v1/me", &corp).await;
    assert_eq!(s, 200, "the service reconnected");
}

/// An ext4 file system of the test's own in an image on a loop device (tmpfs cannot
/// make a file immutable), unmounted and removed however the test ends.
struct Ext4Disk {
    dir: std::path::PathBuf,
    image: std::path::PathBuf,
}

impl Ext4Disk {
    fn mount(dir: &std::path::Path) -> Option<Ext4Disk> {
        let image = dir.with_extension("ext4");
        let ok = Command::new("truncate").args(["-s", "64M"]).arg(&image).status().is_ok_and(|s| s.success())
            && Command::new("mkfs.ext4").args(["-q", "-F"]).arg(&image).status().is_ok_and(|s| s.success())
            && Command::new("mount").args(["-o", "loop"]).arg(&image).arg(dir).status().is_ok_and(|s| s.success());
        if ok {
            return Some(Ext4Disk { dir: dir.to_path_buf(), image });
        }
        let _ = std::fs::remove_file(&image);
        if std::env::var("UITSTROOMTAFEL_REQUIRE_FAULTS").is_ok_and(|v| v == "1") {
            panic!("the disk tests are required here (UITSTROOMTAFEL_REQUIRE_FAULTS=1) but an ext4 loop mount failed (needs root, mkfs.ext4, a loop device)");
        }
        eprintln!("SKIPPED disk test: cannot loop-mount an ext4 image here (needs root)");
        None
    }
}

impl Drop for Ext4Disk {
    fn drop(&mut self) {
        let _ = Command::new("chattr").arg("-i").args(immutable_files(&self.dir)).status();
        let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
        let _ = std::fs::remove_file(&self.image);
    }
}

/// The database file and its write-ahead log: what a write touches.
fn immutable_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    ["ut.db", "ut.db-wal"].iter().map(|f| dir.join(f)).filter(|p| p.exists()).collect()
}

/// The SQLite file turns read-only under the running service (made immutable, which
/// even root cannot write through an open descriptor): a write answers a clear 503 with
/// Retry-After, reads go on, nothing is half-stored, and writes resume once it is
/// writable again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_file_turned_read_only_is_a_clear_503_and_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let Some(disk) = Ext4Disk::mount(dir.path()) else { return };
    let app = TestApp::spawn_on(DatabaseUrl::Sqlite(dir.path().join("ut.db")), true, None, tempfile::tempdir().unwrap()).await;
    let corp = app.token("corporatie").await;
    assert_eq!(app.post("/api/v1/dwellings", &corp, &dwelling_body()).await.0, 201);
    let before = app.count("dwellings");

    let frozen = Command::new("chattr").arg("+i").args(immutable_files(dir.path())).status().unwrap();
    assert!(frozen.success(), "chattr +i");
    let (s, body, headers) = app.call("POST", "/api/v1/dwellings/batch", Some(&corp), Some(&batch("ro", 5))).await;
    assert_eq!(s, 503, "{body}");
    assert!(body["detail"].as_str().unwrap().contains("wijzigingen kunnen nu niet worden opgeslagen"), "{body}");
    assert_eq!(headers["retry-after"], "5");
    assert_eq!(app.get("/api/v1/dwellings?per_page=1&q=ro", &corp).await.0, 200, "reading goes on");

    let thawed = Command::new("chattr").arg("-i").args(immutable_files(dir.path())).status().unwrap();
    assert!(thawed.success(), "chattr -i");
    assert_eq!(app.count("dwellings"), before, "the refused batch left nothing");
    let (s, body) = app.post("/api/v1/dwellings", &corp, &dwelling_body()).await;
    assert_eq!(s, 201, "writable again: writes go on ({body})");
    assert_eq!(app.count("dwellings"), before + 1);
    drop(disk);
}

/// A small disk of the test's own (tmpfs), unmounted however the test ends.
struct SmallDisk(std::path::PathBuf);

impl SmallDisk {
    fn mount(dir: &std::path::Path, mb: u32) -> Option<SmallDisk> {
        let ok =
            Command::new("mount").args(["-t", "tmpfs", "-o", &format!("size={mb}m"), "tmpfs"]).arg(dir).status().is_ok_and(|s| s.success());
        if ok {
            return Some(SmallDisk(dir.to_path_buf()));
        }
        if std::env::var("UITSTROOMTAFEL_REQUIRE_FAULTS").is_ok_and(|v| v == "1") {
            panic!("the disk tests are required here (UITSTROOMTAFEL_REQUIRE_FAULTS=1) but mounting a tmpfs failed (run as root)");
        }
        eprintln!("SKIPPED disk test: cannot mount a tmpfs here (needs root)");
        None
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_disk_full_is_a_clear_503_and_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let Some(disk) = SmallDisk::mount(dir.path(), 24) else { return };
    let app = TestApp::spawn_on(DatabaseUrl::Sqlite(dir.path().join("ut.db")), true, None, tempfile::tempdir().unwrap()).await;
    let corp = app.token("corporatie").await;
    assert_eq!(app.post("/api/v1/dwellings", &corp, &dwelling_body()).await.0, 201);

    // Fill the disk to the last byte.
    let filler = dir.path().join("filler");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&filler).unwrap();
        let block = vec![0u8; 64 * 1024];
        while f.write_all(&block).is_ok() {}
        let small = [0u8; 512];
        while f.write_all(&small).is_ok() {}
        let _ = f.sync_all();
    }
    let before = app.count("dwellings");
    let mut full = None;
    for _ in 0..200 {
        let (s, body, headers) = app.call("POST", "/api/v1/dwellings/batch", Some(&corp), Some(&batch("vol", 50))).await;
        if s != 201 {
            full = Some((s, body, headers));
            break;
        }
    }
    let (s, body, headers) = full.expect("a full disk refuses writes");
    assert_eq!(s, 503, "{body}");
    assert!(body["detail"].as_str().unwrap().contains("schijf van de database is vol"), "{body}");
    assert_eq!(headers["retry-after"], "5");
    assert_eq!(app.get("/api/v1/dwellings?per_page=1", &corp).await.0, 200, "reading goes on");
    assert!(app.count("dwellings") >= before, "nothing lost");

    std::fs::remove_file(&filler).unwrap();
    assert_eq!(app.post("/api/v1/dwellings", &corp, &dwelling_body()).await.0, 201, "room again: writes go on");
    drop(disk);
}

/// A database on a read-only file system: the service refuses to start with a message
/// that names the database, exits non-zero, and does not panic.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_on_a_read_only_disk_is_refused_clearly_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let Some(_disk) = SmallDisk::mount(dir.path(), 24) else { return };
    let database = format!("sqlite://{}", dir.path().join("ut.db").display());
    let made = Command::new(env!("CARGO_BIN_EXE_uitstroomtafel")).args(["--database", &database, "demo"]).output().unwrap();
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let ro = Command::new("mount").args(["-o", "remount,ro"]).arg(dir.path()).status().unwrap();
    assert!(ro.success(), "remount read-only");
    let out = Command::new(env!("CARGO_BIN_EXE_uitstroomtafel"))
        .args(["--database", &database, "serve", "--bind", "127.0.0.1:0"])
        .env("UITSTROOMTAFEL_LOG", "error")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "a read-only database does not serve");
    assert!(err.contains("cannot open the database") && err.contains(&database), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let rw = Command::new("mount").args(["-o", "remount,rw"]).arg(dir.path()).status().unwrap();
    assert!(rw.success());
    let again = Command::new(env!("CARGO_BIN_EXE_uitstroomtafel")).args(["--database", &database, "migrate"]).output().unwrap();
    assert!(again.status.success(), "writable again, nothing lost: {}", String::from_utf8_lossy(&again.stderr));
}
