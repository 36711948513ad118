//! The command line, run as a separate process like an operator would.

use std::io::Write;
use std::process::{Command, Stdio};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_uitstroomtafel"));
    c.env_remove("UITSTROOMTAFEL_DATABASE_URL").env("UITSTROOMTAFEL_LOG", "error");
    c
}

#[test]
fn migrate_demo_user_add_and_notify_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("cli.db").display());
    let out = bin().args(["--database", &db, "migrate"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = bin().args(["--database", &db, "demo"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("demo data loaded") && stdout.contains("coordinator"), "{stdout}");
    let out = bin().args(["--database", &db, "demo"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("already there"));

    let add = |password: &str, role: &str| {
        let mut child = bin()
            .args(["--database", &db, "user", "add", "--username", "jan", "--role", role])
            .args(["--organisation", "Uitstroomtafel Centrumregio Arnhem", "--email", "jan@example.org"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(format!("{password}\n").as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    let refused = add("kort", "coordinator");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("password"));
    let wrong_role = add("een heel lang wachtwoord", "corporation");
    assert!(String::from_utf8_lossy(&wrong_role.stderr).contains("role"), "a corporation role does not fit the table's office");
    let ok = add("een heel lang wachtwoord", "coordinator");
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));

    // Without SMTP the pass still reports long waits and keeps mails in the outbox.
    let out = bin().args(["--database", &db, "notify", "--once"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("escalated: "));
}

#[test]
fn bad_configuration_stops_with_the_setting_named() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.toml");
    std::fs::write(&cfg, "session_hours = 0\n").unwrap();
    let out = bin().args(["--config", &cfg.to_string_lossy(), "migrate"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("session_hours"));
    let out = bin().args(["--database", "mysql://x", "migrate"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("database_url"));
    let out = bin().env("UITSTROOMTAFEL_BIND", "nowhere").args(["--database", "sqlite://x.db", "serve"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("bind"));
}
