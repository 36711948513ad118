//! Moving up: the whole register exported from one backend and imported into an empty
//! database of the other comes back row for row, and the moved service works on.

use crate::helpers::{Backend, TestApp};
use serde_json::{json, Value};
use uitstroomtafel::store::transfer;

fn export(app: &TestApp) -> Value {
    transfer::export(&mut app.db.get().unwrap()).unwrap()
}

fn assert_same(a: &Value, b: &Value, what: &str) {
    for table in transfer::TABLES {
        let (x, y) = (&a["tables"][table], &b["tables"][table]);
        assert_eq!(x.as_array().map(Vec::len), y.as_array().map(Vec::len), "{what}: rows of {table}");
        assert_eq!(x, y, "{what}: {table}");
    }
}

/// Fills more than the demo: a round, an approval, notifications, ledger and audit rows.
async fn busy_register() -> TestApp {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let coord = app.token("coordinator").await;
    let (status, round) = app.post("/api/v1/rounds", &coord, &json!({})).await;
    assert_eq!(status, 201, "{round}");
    let first = round["proposals"][0]["id"].as_i64().expect("a proposal");
    assert_eq!(app.post(&format!("/api/v1/proposals/{first}/approve"), &coord, &json!(null)).await.0, 200);
    app
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_to_postgres_and_back_keeps_every_row() {
    let src = busy_register().await;
    let doc = export(&src);
    let rows: usize = transfer::TABLES.iter().map(|t| doc["tables"][t].as_array().unwrap().len()).sum();
    assert!(rows > 150, "a full register: {rows} rows");
    for t in ["proposals", "contingents", "audit_log", "notifications", "client_anchors", "outbox"] {
        assert!(!doc["tables"][t].as_array().unwrap().is_empty(), "{t} has rows to move");
    }

    let Some(pg) = TestApp::spawn_with(Backend::Postgres, false).await else { return };
    assert_eq!(transfer::import(&mut pg.db.get().unwrap(), &doc).unwrap(), rows);
    let moved = export(&pg);
    assert_same(&doc, &moved, "sqlite → postgres");

    // The moved register works: logins, and new rows get fresh ids.
    let corp = pg.token("corporatie").await;
    let (status, d) = pg.post("/api/v1/dwellings", &corp, &crate::helpers::dwelling_body()).await;
    assert_eq!(status, 201, "{d}");
    let max_before = doc["tables"]["dwellings"].as_array().unwrap().iter().map(|d| d["id"].as_i64().unwrap()).max().unwrap();
    assert!(d["id"].as_i64().unwrap() > max_before);

    // And back into a fresh SQLite.
    let back = TestApp::spawn_with(Backend::Sqlite, false).await.unwrap();
    transfer::import(&mut back.db.get().unwrap(), &moved).unwrap();
    assert_same(&moved, &export(&back), "postgres → sqlite");
}

async fn import_refuses_a_full_database_and_a_bad_document_changes_nothing(app: TestApp) {
    let doc = export(&app);
    let err = transfer::import(&mut app.db.get().unwrap(), &doc).unwrap_err();
    assert!(err.to_string().contains("not empty"), "{err}");

    let empty = TestApp::spawn_with(app.backend, false).await.unwrap();
    let mut bad = doc.clone();
    // A broken row late in the order: everything before it must be rolled back.
    bad["tables"]["audit_log"].as_array_mut().unwrap().push(json!({"id": 1, "nonsense": true}));
    let err = transfer::import(&mut empty.db.get().unwrap(), &bad).unwrap_err();
    assert!(err.to_string().contains("no column nonsense"), "{err}");
    assert_eq!(empty.count("dwellings"), 0);
    assert_eq!(export(&empty)["tables"]["regions"], json!([]), "nothing stored");
    let wrong = json!({"format": "iets anders", "tables": {}});
    assert!(transfer::import(&mut empty.db.get().unwrap(), &wrong).is_err());
}

crate::on_both_backends!(import_refuses_a_full_database_and_a_bad_document_changes_nothing);
