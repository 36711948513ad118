//! The database is the last guard: its constraints hold even when the workflow is
//! bypassed, on both backends.

use crate::helpers::TestApp;
use chrono::NaiveDate;
use diesel::prelude::*;
use uitstroomtafel::store::schema::{clients, contingents, dwellings, leases, organisations};
use uitstroomtafel::store::{is_constraint_violation, Conn};

fn first_ids(c: &mut Conn) -> (i32, i32, i32, i32) {
    let d: Vec<i32> = dwellings::table.select(dwellings::id).order(dwellings::id).limit(2).load(c).unwrap();
    let k: Vec<i32> = clients::table.select(clients::id).order(clients::id).limit(2).load(c).unwrap();
    (d[0], d[1], k[0], k[1])
}

fn lease(c: &mut Conn, dwelling: i32, client: i32) -> QueryResult<usize> {
    diesel::insert_into(leases::table)
        .values((
            leases::dwelling_id.eq(dwelling),
            leases::client_id.eq(client),
            leases::signed_on.eq(NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()),
            leases::created_at.eq(uitstroomtafel::store::now()),
        ))
        .execute(c)
}

async fn a_dwelling_is_let_once(app: TestApp) {
    let mut c = app.db.get().unwrap();
    let (d1, d2, k1, k2) = first_ids(&mut c);
    lease(&mut c, d1, k1).unwrap();
    let e = lease(&mut c, d1, k2).unwrap_err();
    assert!(is_constraint_violation(&e), "{e}");
    let e = lease(&mut c, d2, k1).unwrap_err();
    assert!(is_constraint_violation(&e), "one client, one lease: {e}");
    lease(&mut c, d2, k2).unwrap();
}

async fn a_contingent_cannot_go_negative(app: TestApp) {
    let mut c = app.db.get().unwrap();
    let id: i32 = contingents::table.select(contingents::id).first(&mut *c).unwrap();
    let cap: i32 = contingents::table.find(id).select(contingents::cap).first(&mut *c).unwrap();
    let set = |c: &mut Conn, cap: i32, used: i32| {
        diesel::update(contingents::table.find(id)).set((contingents::cap.eq(cap), contingents::used.eq(used))).execute(c)
    };
    assert!(is_constraint_violation(&set(&mut c, -1, 0).unwrap_err()), "negative cap");
    assert!(is_constraint_violation(&set(&mut c, cap, cap + 1).unwrap_err()), "used beyond cap");
    assert!(is_constraint_violation(&set(&mut c, cap, -1).unwrap_err()), "negative use");
    set(&mut c, cap, cap).unwrap();
}

async fn foreign_keys_and_checks_hold(app: TestApp) {
    let mut c = app.db.get().unwrap();
    let e = diesel::update(clients::table.filter(clients::id.eq(first_ids(&mut c).2)))
        .set(clients::binding_municipality.eq("GM9999"))
        .execute(&mut *c)
        .unwrap_err();
    assert!(is_constraint_violation(&e), "unknown municipality: {e}");
    let e = diesel::update(dwellings::table.filter(dwellings::id.eq(first_ids(&mut c).0)))
        .set(dwellings::corporation_id.eq(99_999))
        .execute(&mut *c)
        .unwrap_err();
    assert!(is_constraint_violation(&e), "unknown corporation: {e}");
    let e = diesel::update(dwellings::table.filter(dwellings::id.eq(first_ids(&mut c).0)))
        .set(dwellings::status.eq("sold"))
        .execute(&mut *c)
        .unwrap_err();
    assert!(is_constraint_violation(&e), "unknown status: {e}");
    let e = diesel::update(clients::table.filter(clients::id.eq(first_ids(&mut c).2)))
        .set((clients::status.eq("ready"), clients::ready_since.eq(None::<NaiveDate>)))
        .execute(&mut *c)
        .unwrap_err();
    assert!(is_constraint_violation(&e), "ready without a date: {e}");
    let e = diesel::update(organisations::table.filter(organisations::kind.eq("corporation")))
        .set(organisations::municipality_code.eq("GM0202"))
        .execute(&mut *c)
        .unwrap_err();
    assert!(is_constraint_violation(&e), "a corporation is no municipality: {e}");
}

crate::on_both_backends!(a_dwelling_is_let_once, a_contingent_cannot_go_negative, foreign_keys_and_checks_hold);
