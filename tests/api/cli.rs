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
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("offers expired: 0") && stdout.contains("escalated: "), "{stdout}");
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

#[test]
fn solve_match_and_generate_without_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("graph.json");
    let output = dir.path().join("result.json");
    std::fs::write(
        &input,
        r#"{"left":  [{"id": "c1", "tier": 0}, {"id": "c2", "tier": 1}],
            "right": [{"id": "d1"}, {"id": "d2"}],
            "edges": [{"left": "c1", "right": "d1", "weight": 120}, {"left": "c2", "right": "d1", "weight": 80}],
            "groups": [{"id": "GM0202/corp-a/2026", "cap": 1, "edges": [0, 1]}]}"#,
    )
    .unwrap();
    let out = bin().args(["solve", "--input", &input.to_string_lossy(), "--output", &output.to_string_lossy()]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&output).unwrap()).unwrap();
    assert_eq!(r["status"], "optimal");
    assert_eq!(r["matched"], serde_json::json!([{"left": "c1", "right": "d1"}]));
    assert_eq!((r["total_weight"].as_i64(), r["gap"].as_f64()), (Some(120), Some(0.0)));
    assert_eq!(r["tier_counts"], serde_json::json!([1, 0]));

    // The backend: ours by name; HiGHS only in a build with the feature; others refused.
    let solve_with = |backend: &str| {
        bin()
            .args(["solve", "--backend", backend, "--input", &input.to_string_lossy(), "--output", &output.to_string_lossy()])
            .output()
            .unwrap()
    };
    assert!(solve_with("native").status.success());
    let out = solve_with("simplex");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("backend 'simplex': use native or highs"));
    let out = solve_with("highs");
    if cfg!(feature = "highs") {
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let r: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&output).unwrap()).unwrap();
        assert_eq!((r["status"].as_str(), r["total_weight"].as_i64()), (Some("optimal"), Some(120)));
    } else {
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("this build has no HiGHS"));
    }

    std::fs::write(&input, r#"{"left": [{"id": "c1"}, {"id": "c1"}], "right": [], "edges": []}"#).unwrap();
    let out = bin().args(["solve", "--input", &input.to_string_lossy(), "--output", &output.to_string_lossy()]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("duplicate left id 'c1'"));

    let out = bin().args(["generate", "--size", "region", "--seed", "3"]).output().unwrap();
    assert!(out.status.success());
    let round = dir.path().join("round.json");
    std::fs::write(&round, &out.stdout).unwrap();
    let again = bin().args(["generate", "--size", "region", "--seed", "3"]).output().unwrap();
    assert_eq!(out.stdout, again.stdout, "seeded");
    let proposals = dir.path().join("proposals.json");
    let out = bin()
        .args(["match", "--input", &round.to_string_lossy(), "--output", &proposals.to_string_lossy(), "--time-limit-ms", "1000"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let o: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&proposals).unwrap()).unwrap();
    let placed = o["proposals"].as_array().unwrap().len();
    let unmatched = o["unmatched"].as_array().unwrap().len();
    assert!(placed > 0);
    assert_eq!(placed + unmatched, 300);
}

#[test]
fn a_generated_history_replays_under_every_policy() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin().args(["generate", "--history", "--months", "6", "--size", "region", "--seed", "4"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let history = dir.path().join("history.json");
    std::fs::write(&history, &out.stdout).unwrap();
    let h: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((h["start"].as_str(), h["end"].as_str()), (Some("2026-05-25"), Some("2026-11-24")));

    let report = dir.path().join("report.json");
    let run = |policy: &str| {
        bin()
            .args(["replay", "--history", &history.to_string_lossy(), "--policy", policy, "--output", &report.to_string_lossy()])
            .output()
            .unwrap()
    };
    let out = run("all");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.starts_with("hindsight optimum: "), "{table}");
    for policy in ["optimiser", "greedy", "fifo"] {
        assert!(table.contains(&format!("| {policy} | ")), "{table}");
    }
    let r: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let hindsight = r["hindsight"]["placed"].as_u64().unwrap();
    for p in r["policies"].as_array().unwrap() {
        let placed = p["placed"].as_u64().unwrap();
        assert!(placed > 0 && placed <= hindsight, "{p}");
        assert_eq!(p["placements"].as_array().unwrap().len() as u64, placed);
    }
    assert_eq!(run("all").stdout, out.stdout, "seeded and deterministic");

    let out = bin().args(["generate", "--history", "--months", "0"]).output().unwrap();
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("--months: at least 1"));
    let out = bin().args(["replay", "--history", &history.to_string_lossy(), "--decline", "2"]).output().unwrap();
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("decline probability 2: between 0 and 1"));

    let out = run("lottery");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("policy 'lottery': use optimiser, greedy, fifo or all"));
}

/// The register's own past becomes a history the replay reads: the demo's past
/// placements and today's waiting clients, in the window asked for.
#[test]
fn the_register_exports_its_history_for_the_replay() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("t.db").display());
    assert!(bin().args(["--database", &db, "demo"]).output().unwrap().status.success());
    let history = dir.path().join("history.json");
    let out =
        bin().args(["--database", &db, "export", "--history", "--months", "12", "--output", &history.to_string_lossy()]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let h: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&history).unwrap()).unwrap();
    let today = uitstroomtafel::workflow::today();
    assert_eq!(h["end"].as_str(), Some(today.to_string().as_str()));
    let start: chrono::NaiveDate = h["start"].as_str().unwrap().parse().unwrap();
    assert!((364..=366).contains(&(today - start).num_days()), "{start}");
    let clients = h["clients"].as_array().unwrap();
    assert!(clients.len() > 40, "today's waiting clients and the year's placed ones: {}", clients.len());
    assert!(clients.iter().all(|c| c["ready_since"].as_str().unwrap() <= today.to_string().as_str()));
    assert!(h["dwellings"].as_array().unwrap().iter().all(|d| d["available_from"].as_str().unwrap() <= today.to_string().as_str()));
    assert!(h["contingents"].as_array().unwrap().iter().all(|k| k["cap"].as_i64().unwrap() >= 0));
    let out = bin().args(["replay", "--history", &history.to_string_lossy(), "--policy", "optimiser"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("| optimiser | "));

    let out = bin().args(["--database", &db, "export", "--history", "--region", "elders"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--region 'elders': no such region"));
    let out = bin().args(["--database", &db, "export", "--history", "--months", "0"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--months: at least 1"));
}

#[test]
fn export_then_import_moves_the_register_and_refuses_a_full_database() {
    let dir = tempfile::tempdir().unwrap();
    let (from, to) = (format!("sqlite://{}", dir.path().join("a.db").display()), format!("sqlite://{}", dir.path().join("b.db").display()));
    let file = dir.path().join("register.json");
    assert!(bin().args(["--database", &from, "demo"]).output().unwrap().status.success());
    let out = bin().args(["--database", &from, "export", "--output"]).arg(&file).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = bin().args(["--database", &to, "import", "--input"]).arg(&file).output().unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && said.starts_with("rows imported: "), "{said} {}", String::from_utf8_lossy(&out.stderr));
    let again = bin().args(["--database", &to, "import", "--input"]).arg(&file).output().unwrap();
    assert!(!again.status.success() && String::from_utf8_lossy(&again.stderr).contains("not empty"));
    let a = bin().args(["--database", &from, "export"]).output().unwrap().stdout;
    let b = bin().args(["--database", &to, "export"]).output().unwrap().stdout;
    assert_eq!(a, b, "the same register");
}

#[test]
fn retention_runs_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("r.db").display());
    assert!(!bin().args(["--database", &db, "retention"]).output().unwrap().status.success());
    let out = bin().args(["--database", &db, "retention", "--run"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("clients anonymised: 0"));
}
