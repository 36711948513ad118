//! Landelijke toegang: which municipality is responsible for a client, by the decision
//! tree of DESIGN.md. A pure function of the recorded facts, so every branch is testable.

use chrono::{Months, NaiveDate};
use serde::Serialize;

/// Who ended a disagreement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    Origin,
    Wish,
}

/// The LT criteria the wish municipality assessed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Criteria {
    pub social_network: bool,
    pub work_or_school: bool,
    pub treatment: bool,
    pub safety_risk_at_origin: bool,
    pub specific_facilities: bool,
}

impl Criteria {
    pub fn any(&self) -> bool {
        self.social_network || self.work_or_school || self.treatment || self.safety_risk_at_origin || self.specific_facilities
    }
}

/// What is recorded about a request to settle in a wish municipality.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub wish: String,
    /// The day the client came to live in the wish municipality (the lease), if so.
    pub settled_on: Option<NaiveDate>,
    /// The wish municipality's assessment: the criteria and whether it agrees.
    pub assessment: Option<(Criteria, bool)>,
    pub regioadviseur: Option<Party>,
    pub geschillencommissie: Option<Party>,
}

/// Who is responsible, from when, and the steps that led there (Dutch, for the table).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Responsibility {
    pub responsible: String,
    pub since: Option<NaiveDate>,
    pub steps: Vec<String>,
}

/// The decision tree: the origin municipality is responsible the first year after the
/// client settles in the wish municipality; after that the wish municipality takes over
/// when at least one LT criterion holds and it agrees; when it disagrees, the
/// regioadviseur's advice and then the Geschillencommissie's ruling decide. Until a step
/// decides otherwise the origin municipality stays responsible.
pub fn decide(origin: &str, request: Option<&Request>, today: NaiveDate) -> Responsibility {
    let origin_r = |steps: Vec<String>| Responsibility { responsible: origin.to_string(), since: None, steps };
    let Some(r) = request else {
        return origin_r(vec!["geen verzoek om landelijke toegang: de herkomstgemeente is verantwoordelijk".into()]);
    };
    let mut steps = vec![format!("verzoek om te wonen in {}", r.wish)];
    let Some(settled) = r.settled_on.filter(|d| *d <= today) else {
        steps.push("de cliënt woont nog niet in de wensgemeente: de herkomstgemeente blijft verantwoordelijk".into());
        return origin_r(steps);
    };
    let year_later = settled.checked_add_months(Months::new(12)).expect("dates do not run out");
    steps.push(format!("gevestigd in {} op {settled}", r.wish));
    if today < year_later {
        steps.push(format!("eerste jaar na vestiging: de herkomstgemeente is verantwoordelijk tot {year_later}"));
        return origin_r(steps);
    }
    let wish_r = |mut steps: Vec<String>, why: &str| {
        steps.push(format!("{why}: {} is verantwoordelijk vanaf {year_later}", r.wish));
        Responsibility { responsible: r.wish.clone(), since: Some(year_later), steps }
    };
    let Some((criteria, agrees)) = r.assessment else {
        steps.push("wacht op de beoordeling door de wensgemeente: de herkomstgemeente blijft verantwoordelijk".into());
        return origin_r(steps);
    };
    if !criteria.any() {
        steps.push("geen LT-criterium vervuld: de herkomstgemeente blijft verantwoordelijk".into());
        return origin_r(steps);
    }
    steps.push("ten minste één LT-criterium vervuld".into());
    if agrees {
        return wish_r(steps, "de wensgemeente stemt in");
    }
    steps.push("de wensgemeente stemt niet in".into());
    if let Some(ruling) = r.geschillencommissie {
        return match ruling {
            Party::Wish => wish_r(steps, "uitspraak Geschillencommissie"),
            Party::Origin => {
                steps.push("uitspraak Geschillencommissie: de herkomstgemeente blijft verantwoordelijk".into());
                origin_r(steps)
            }
        };
    }
    match r.regioadviseur {
        Some(Party::Wish) => wish_r(steps, "advies regioadviseur"),
        Some(Party::Origin) => {
            steps.push("advies regioadviseur: de herkomstgemeente blijft verantwoordelijk".into());
            origin_r(steps)
        }
        None => {
            steps.push("in geschil: voor te leggen aan de regioadviseur; tot dan blijft de herkomstgemeente verantwoordelijk".into());
            origin_r(steps)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn request() -> Request {
        Request {
            wish: "GM0221".into(),
            settled_on: Some(day("2025-03-01")),
            assessment: None,
            regioadviseur: None,
            geschillencommissie: None,
        }
    }

    const SOME: Criteria = Criteria {
        social_network: true,
        work_or_school: false,
        treatment: false,
        safety_risk_at_origin: false,
        specific_facilities: false,
    };

    #[test]
    fn no_request_or_not_settled_stays_with_the_origin() {
        assert_eq!(decide("GM0202", None, day("2026-11-24")).responsible, "GM0202");
        let mut r = request();
        r.settled_on = None;
        assert_eq!(decide("GM0202", Some(&r), day("2026-11-24")).responsible, "GM0202");
        r.settled_on = Some(day("2026-12-01"));
        assert_eq!(decide("GM0202", Some(&r), day("2026-11-24")).responsible, "GM0202", "a move in the future does not count");
    }

    #[test]
    fn the_first_year_is_the_origins_to_the_day() {
        let mut r = request();
        r.assessment = Some((SOME, true));
        let before = decide("GM0202", Some(&r), day("2026-02-28"));
        assert_eq!(before.responsible, "GM0202");
        assert!(before.steps.last().unwrap().contains("eerste jaar"));
        let on = decide("GM0202", Some(&r), day("2026-03-01"));
        assert_eq!((on.responsible.as_str(), on.since), ("GM0221", Some(day("2026-03-01"))));
    }

    #[test]
    fn after_the_year_criteria_and_agreement_decide() {
        let today = day("2026-11-24");
        let mut r = request();
        assert_eq!(decide("GM0202", Some(&r), today).responsible, "GM0202", "no assessment yet");
        r.assessment = Some((Criteria::default(), true));
        assert_eq!(decide("GM0202", Some(&r), today).responsible, "GM0202", "no criterion");
        r.assessment = Some((SOME, true));
        assert_eq!(decide("GM0202", Some(&r), today).responsible, "GM0221");
    }

    #[test]
    fn disagreement_goes_to_the_regioadviseur_then_the_geschillencommissie() {
        let today = day("2026-11-24");
        let mut r = request();
        r.assessment = Some((SOME, false));
        let open = decide("GM0202", Some(&r), today);
        assert_eq!(open.responsible, "GM0202");
        assert!(open.steps.last().unwrap().contains("regioadviseur"));
        r.regioadviseur = Some(Party::Wish);
        assert_eq!(decide("GM0202", Some(&r), today).responsible, "GM0221");
        r.regioadviseur = Some(Party::Origin);
        assert_eq!(decide("GM0202", Some(&r), today).responsible, "GM0202");
        r.geschillencommissie = Some(Party::Wish);
        let ruled = decide("GM0202", Some(&r), today);
        assert_eq!(ruled.responsible, "GM0221", "the ruling outranks the advice");
        assert!(ruled.steps.last().unwrap().contains("Geschillencommissie"));
        r.geschillencommissie = Some(Party::Origin);
        assert_eq!(decide("GM0202", Some(&r), today).responsible, "GM0202");
    }
}
