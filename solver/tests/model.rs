//! The domain layer: every eligibility rule with a pair it admits and a pair it excludes,
//! tiers with escalation, and the explanations.

use chrono::NaiveDate;
use solver::model::*;
use solver::optimize::{solve, Edge, Graph, Group, InputError, Left, Objective, Right};
use std::collections::HashSet;

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

const ARNHEM: Point = Point { lat: 51.98, lon: 5.91 };
const NIJMEGEN: Point = Point { lat: 51.84, lon: 5.85 };

fn client() -> Client {
    Client {
        id: "c1".into(),
        reference: "UT-AAAAAA".into(),
        provider: "p1".into(),
        birth_year: 1990,
        household_size: 1,
        binding: "GM0202".into(),
        wish: None,
        urgency: Urgency::Regular,
        support: Support::Light,
        ready_since: day("2026-06-01"),
        min_rooms: 1,
        max_rent_cents: 80_000,
        ground_floor: false,
        lift: false,
        wheelchair: false,
        exclusion_zones: vec![],
        anchors: vec![],
    }
}

fn dwelling() -> Dwelling {
    Dwelling {
        id: "d1".into(),
        corporation: "k1".into(),
        municipality: "GM0202".into(),
        kind: Kind::Contingent,
        omklap_provider: None,
        at: ARNHEM,
        rooms: 2,
        max_household: 2,
        rent_cents: 70_000,
        floor: 0,
        lift: false,
        wheelchair: false,
        available_from: day("2026-12-01"),
    }
}

fn round(c: Client, d: Dwelling) -> Round {
    Round {
        round_date: day("2026-11-24"),
        policy: Policy::default(),
        clients: vec![c],
        dwellings: vec![d],
        contingents: vec![Contingent { id: "GM0202/k1".into(), municipality: "GM0202".into(), corporation: "k1".into(), remaining: 1 }],
        providers: vec![Provider { id: "p1".into(), team_base: ARNHEM }],
        rejected_pairs: vec![],
    }
}

fn broken(r: &Round) -> Vec<Rule> {
    let rejected: HashSet<(&str, &str)> = r.rejected_pairs.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let base = r.providers.iter().find(|p| p.id == r.clients[0].provider).map(|p| &p.team_base);
    broken_rules(r, &r.clients[0], &r.dwellings[0], base, &rejected)
}

/// Each case: a change that keeps the pair eligible, and one that breaks exactly `rule`.
#[test]
fn every_rule_admits_and_excludes() {
    type Change = fn(&mut Round);
    let cases: Vec<(Rule, Change, Change)> = vec![
        (Rule::Available, |r| r.dwellings[0].available_from = day("2027-01-23"), |r| r.dwellings[0].available_from = day("2027-01-24")),
        (
            Rule::Location,
            |r| {
                r.clients[0].wish = Some("GM0268".into());
                r.dwellings[0].municipality = "GM0268".into();
                r.contingents[0].municipality = "GM0202".into()
            },
            |r| r.dwellings[0].municipality = "GM0268".into(),
        ),
        (
            Rule::OutsideExclusionZones,
            |r| r.clients[0].exclusion_zones = vec![Zone { at: NIJMEGEN, radius_m: 5000.0 }],
            |r| r.clients[0].exclusion_zones = vec![Zone { at: ARNHEM, radius_m: 500.0 }],
        ),
        (Rule::Size, |r| r.clients[0].household_size = 2, |r| r.clients[0].household_size = 3),
        (Rule::Size, |r| r.clients[0].min_rooms = 2, |r| r.clients[0].min_rooms = 3),
        (Rule::Rent, |r| r.clients[0].max_rent_cents = 70_000, |r| r.clients[0].max_rent_cents = 69_999),
        (Rule::Rent, |r| r.dwellings[0].rent_cents = 72_000, |r| r.dwellings[0].rent_cents = 72_001),
        (
            Rule::Access,
            |r| {
                r.clients[0].ground_floor = true;
                r.dwellings[0].floor = 3;
                r.dwellings[0].lift = true
            },
            |r| {
                r.clients[0].ground_floor = true;
                r.dwellings[0].floor = 1
            },
        ),
        (
            Rule::Access,
            |r| {
                r.clients[0].wheelchair = true;
                r.dwellings[0].wheelchair = true
            },
            |r| r.clients[0].wheelchair = true,
        ),
        (
            Rule::Omklap,
            |r| {
                r.dwellings[0].kind = Kind::Omklap;
                r.dwellings[0].omklap_provider = Some("p1".into())
            },
            |r| {
                r.dwellings[0].kind = Kind::Omklap;
                r.dwellings[0].omklap_provider = Some("p2".into())
            },
        ),
        (
            Rule::SupportDistance,
            |r| r.clients[0].support = Support::Intensive,
            |r| {
                r.clients[0].support = Support::Intensive;
                r.providers[0].team_base = Point { lat: 53.2, lon: 6.56 }
            },
        ),
        (Rule::ContingentAgreement, |r| r.contingents[0].remaining = 0, |r| r.contingents[0].corporation = "k2".into()),
        (
            Rule::NotRejectedBefore,
            |r| r.rejected_pairs = vec![("c1".into(), "d2".into())],
            |r| r.rejected_pairs = vec![("c1".into(), "d1".into())],
        ),
    ];
    for (rule, admit, exclude) in cases {
        let mut ok = round(client(), dwelling());
        admit(&mut ok);
        assert_eq!(broken(&ok), vec![], "{rule:?} admits");
        let mut bad = round(client(), dwelling());
        exclude(&mut bad);
        assert_eq!(broken(&bad), vec![rule], "{rule:?} excludes");
    }
}

#[test]
fn escalation_moves_a_long_wait_up_one_tier() {
    let mut r = round(client(), dwelling());
    r.clients[0].ready_since = day("2026-05-28"); // 180 days before the round
    assert_eq!(tier(&r, &r.clients[0]), (1, true));
    r.clients[0].ready_since = day("2026-05-29");
    assert_eq!(tier(&r, &r.clients[0]), (2, false));
    r.clients[0].urgency = Urgency::Urgent;
    r.clients[0].ready_since = day("2020-01-01");
    assert_eq!(tier(&r, &r.clients[0]), (0, false), "tier 0 is the top");
}

#[test]
fn explanations_name_the_reason() {
    // Two clients bound to Arnhem, one contingent dwelling with room for one, and a
    // third client for whom no dwelling fits.
    let mut r = round(client(), dwelling());
    let mut urgent = client();
    urgent.id = "c2".into();
    urgent.reference = "UT-BBBBBB".into();
    urgent.urgency = Urgency::Urgent;
    let mut big = client();
    big.id = "c3".into();
    big.reference = "UT-CCCCCC".into();
    big.household_size = 5;
    r.clients.push(urgent);
    r.clients.push(big);
    let mut d2 = dwelling();
    d2.id = "d2".into();
    r.dwellings.push(d2);
    let out = run(&r).unwrap();
    assert_eq!(out.proposals.len(), 1);
    let p = &out.proposals[0];
    assert_eq!((p.client.as_str(), p.tier, p.contingent.as_deref()), ("c2", 0, Some("GM0202/k1")));
    assert_eq!(p.score, p.score_parts.total());
    assert!(p.next_best_for_client.as_ref().is_some_and(|a| a.with == "d1" || a.with == "d2"));
    assert_eq!(p.next_best_for_dwelling.as_ref().map(|a| a.with.as_str()), Some("UT-AAAAAA"));

    let c1 = out.unmatched.iter().find(|u| u.client == "c1").unwrap();
    assert_eq!(c1.reason, Reason::ContingentExhausted);
    assert_eq!(c1.contingents, vec!["GM0202/k1".to_string()]);
    let c3 = out.unmatched.iter().find(|u| u.client == "c3").unwrap();
    assert_eq!(c3.reason, Reason::NoCandidate);
    assert_eq!(c3.excluded_by.get(&Rule::Size), Some(&2));

    let k = &out.contingents[0];
    assert!(k.binding);
    let more = k.one_more.as_ref().unwrap();
    assert_eq!(more.extra_per_tier.iter().sum::<i64>(), 1, "one more dwelling in the contingent places one more client");
    assert!(more.exact && more.re_solved, "both solves of so small a round are proven");
}

#[test]
fn outranked_by_a_higher_tier() {
    let mut r = round(client(), dwelling());
    r.dwellings[0].kind = Kind::Omklap;
    r.dwellings[0].omklap_provider = Some("p1".into());
    let mut urgent = client();
    urgent.id = "c2".into();
    urgent.reference = "UT-BBBBBB".into();
    urgent.urgency = Urgency::Urgent;
    r.clients.push(urgent);
    let out = run(&r).unwrap();
    let u = &out.unmatched[0];
    assert_eq!((u.client.as_str(), u.reason), ("c1", Reason::Outranked));
    assert_eq!(u.taken_by, vec![("d1".to_string(), "UT-BBBBBB".to_string(), 0)]);
    assert!(u.explanation.contains("hogere urgentie"));
}

#[test]
fn bad_input_is_refused_with_a_clear_error() {
    let g = |f: fn(&mut Graph)| {
        let mut g = Graph {
            left: vec![Left { id: "c1".into(), tier: 0 }, Left { id: "c2".into(), tier: 1 }],
            right: vec![Right { id: "d1".into() }],
            edges: vec![
                Edge { left: "c1".into(), right: "d1".into(), weight: 1 },
                Edge { left: "c2".into(), right: "d1".into(), weight: 1 },
            ],
            groups: vec![Group { id: "g".into(), cap: 1, edges: vec![0] }],
        };
        f(&mut g);
        solve(&g, Objective::Tiered).unwrap_err()
    };
    assert_eq!(g(|g| g.left[1].id = "c1".into()), InputError::DuplicateId { kind: "left", id: "c1".into() });
    assert!(matches!(g(|g| g.edges[0].right = "d9".into()), InputError::UnknownNode { index: 0, kind: "right", .. }));
    assert!(matches!(g(|g| g.edges[1].left = "c1".into()), InputError::DuplicateEdge { .. }));
    assert!(matches!(g(|g| g.groups[0].cap = -1), InputError::NegativeCap { .. }));
    assert!(matches!(g(|g| g.groups[0].edges = vec![5]), InputError::UnknownEdge { edge: 5, .. }));
    assert!(matches!(g(|g| g.groups.push(Group { id: "h".into(), cap: 1, edges: vec![0] })), InputError::EdgeInTwoGroups { .. }));
    assert!(matches!(g(|g| g.left[0].tier = 99), InputError::TierTooLarge { .. }));
    // NaN and fractions cannot reach the solver: weights are integers in the JSON form.
    assert!(serde_json::from_str::<Graph>(r#"{"left":[],"right":[],"edges":[{"left":"a","right":"b","weight":1.5}]}"#).is_err());
    assert!(serde_json::from_str::<Graph>(r#"{"left":[],"right":[],"edges":[{"left":"a","right":"b","weight":NaN}]}"#).is_err());
    assert!(serde_json::from_str::<Graph>(r#"{"left":[],"right":[],"edges":[],"extra":1}"#).is_err());
}
