//! Times the parts of the coordinator's overview on a seeded database:
//!
//!     cargo run --release --example profile_overview -- sqlite:///tmp/seed.db
use std::time::Instant;
use uitstroomtafel::config::DatabaseUrl;
use uitstroomtafel::store::Db;
use uitstroomtafel::workflow::{auth, notifications, register, table};

fn main() {
    let url = std::env::args().nth(1).expect("a database URL");
    let url = DatabaseUrl::parse(&url).expect("a database URL");
    let db = Db::open(&url, 1).unwrap();
    db.migrate().unwrap();
    let mut c = db.get().unwrap();
    let session = auth::login(&mut c, "coordinator", "demo", 1, "127.0.0.1").unwrap();
    let (caller, _) = auth::caller_for_session(&mut c, &session.secret).unwrap().unwrap();
    let today = uitstroomtafel::workflow::today();
    for _ in 0..2 {
        let t = Instant::now();
        register::overview(&mut c, &caller).unwrap();
        let a = t.elapsed();
        let t = Instant::now();
        table::overview(&mut c, &caller, today).unwrap();
        let b = t.elapsed();
        let t = Instant::now();
        notifications::recent(&mut c, &caller, 10).unwrap();
        let n = t.elapsed();
        let t = Instant::now();
        table::map_counts(&mut c, &caller).unwrap();
        let m = t.elapsed();
        println!("tiles {a:?}  table {b:?}  notifications {n:?}  map {m:?}");
    }
}
