//! The contingent ledger under random sequences of uses and returns: `used` is always the
//! ledger's sum, never below zero nor above the cap, and a refused booking leaves no row.

use proptest::prelude::*;
use uitstroomtafel::config::DatabaseUrl;
use uitstroomtafel::store::{self, proposals, Db};

fn fresh(cap: i32) -> (Db, i32, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&DatabaseUrl::Sqlite(dir.path().join("l.db")), 1).unwrap();
    db.migrate().unwrap();
    let mut c = db.get().unwrap();
    let region = store::organisations::create_region(&mut c, "r", "R", "{}", false, &["GM0202".into()]).unwrap();
    let corp = store::organisations::create_organisation(&mut c, region, "corporation", "K", None).unwrap();
    let k = store::contingents::insert(
        &mut c,
        &store::rows::NewContingentRow {
            region_id: region,
            municipality_code: "GM0202".into(),
            corporation_id: corp,
            period_start: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            period_end: chrono::NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
            cap,
        },
    )
    .unwrap();
    drop(c);
    (db, k.id, dir)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    #[test]
    fn used_is_the_ledger_sum_and_stays_within_the_cap(cap in 0i32..5, ops in proptest::collection::vec(prop_oneof![Just(1i32), Just(-1i32)], 0..25)) {
        let (db, k, _dir) = fresh(cap);
        let mut c = db.get().unwrap();
        let mut model = 0i32;
        for change in ops {
            let allowed = (0..=cap).contains(&(model + change));
            let r = store::write_tx(&mut c, |c| proposals::book(c, k, None, change, if change > 0 { "plaatsing" } else { "teruggegeven" }, None));
            prop_assert_eq!(r.is_ok(), allowed, "change {} at {} of {}", change, model, cap);
            if allowed {
                model += change;
            }
            let used = store::contingents::find(&mut c, &store::contingents::ContingentScope::Region(1), k).unwrap().unwrap().used;
            let sum: i32 = proposals::ledger(&mut c, k).unwrap().iter().map(|e| e.0).sum();
            prop_assert_eq!(used, model);
            prop_assert_eq!(sum, used, "the ledger explains every unit of use");
            prop_assert!((0..=cap).contains(&used));
        }
    }
}
