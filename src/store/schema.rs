//! The portable diesel schema: only types that SQLite and PostgreSQL both have.
//! Kept in step with `migrations/{sqlite,postgres}` by the migration tests.

diesel::table! {
    regions (id) {
        id -> Integer,
        code -> Text,
        name -> Text,
        policy -> Text,
        is_demo -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    municipalities (code) {
        code -> Text,
        name -> Text,
        population -> Integer,
        households -> Integer,
        centroid_lon -> Double,
        centroid_lat -> Double,
        boundary -> Text,
    }
}

diesel::table! {
    region_municipalities (region_id, municipality_code) {
        region_id -> Integer,
        municipality_code -> Text,
    }
}

diesel::table! {
    organisations (id) {
        id -> Integer,
        region_id -> Integer,
        kind -> Text,
        name -> Text,
        municipality_code -> Nullable<Text>,
        base_lat -> Nullable<Double>,
        base_lon -> Nullable<Double>,
    }
}

diesel::table! {
    users (id) {
        id -> Integer,
        organisation_id -> Integer,
        username -> Text,
        email -> Text,
        password_hash -> Text,
        role -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id) {
        id -> Integer,
        token_hash -> Text,
        user_id -> Integer,
        csrf_token -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Integer,
        user_id -> Integer,
        name -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        expires_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    contingents (id) {
        id -> Integer,
        region_id -> Integer,
        municipality_code -> Text,
        corporation_id -> Integer,
        period_start -> Date,
        period_end -> Date,
        cap -> Integer,
        used -> Integer,
    }
}

diesel::table! {
    dwellings (id) {
        id -> Integer,
        corporation_id -> Integer,
        municipality_code -> Text,
        kind -> Text,
        status -> Text,
        external_ref -> Nullable<Text>,
        street -> Text,
        house_number -> Text,
        postcode -> Text,
        city -> Text,
        lat -> Double,
        lon -> Double,
        rooms -> Integer,
        max_household -> Integer,
        rent_cents -> Integer,
        floor -> Integer,
        has_lift -> Bool,
        wheelchair_accessible -> Bool,
        available_from -> Date,
        omklap_provider_id -> Nullable<Integer>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    clients (id) {
        id -> Integer,
        provider_id -> Integer,
        reference -> Text,
        birth_year -> Integer,
        household_size -> Integer,
        binding_municipality -> Text,
        wish_municipality -> Nullable<Text>,
        urgency -> Text,
        support_level -> Text,
        min_rooms -> Integer,
        max_rent_cents -> Integer,
        needs_ground_floor -> Bool,
        needs_lift -> Bool,
        needs_wheelchair -> Bool,
        status -> Text,
        ready_since -> Nullable<Date>,
        paused_until -> Nullable<Date>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        escalated_on -> Nullable<Date>,
        anonymised_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    client_exclusion_zones (id) {
        id -> Integer,
        client_id -> Integer,
        lat -> Double,
        lon -> Double,
        radius_m -> Integer,
    }
}

diesel::table! {
    client_anchors (id) {
        id -> Integer,
        client_id -> Integer,
        kind -> Text,
        lat -> Double,
        lon -> Double,
    }
}

diesel::table! {
    match_rounds (id) {
        id -> Integer,
        region_id -> Integer,
        started_by -> Integer,
        status -> Text,
        round_date -> Date,
        summary -> Text,
        created_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    proposals (id) {
        id -> Integer,
        round_id -> Integer,
        client_id -> Integer,
        dwelling_id -> Integer,
        status -> Text,
        tier -> Integer,
        score -> Integer,
        explanation -> Text,
        reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        contingent_id -> Nullable<Integer>,
        reason_note -> Nullable<Text>,
        offer_deadline -> Nullable<Date>,
        deadline_warned_on -> Nullable<Date>,
        stall_warned_status -> Nullable<Text>,
        flip_conditions -> Nullable<Text>,
        planned_flip_on -> Nullable<Date>,
        flip_reminded_on -> Nullable<Date>,
        flipped_on -> Nullable<Date>,
        placement_withdrawn_on -> Nullable<Date>,
    }
}

diesel::table! {
    leases (id) {
        id -> Integer,
        dwelling_id -> Integer,
        client_id -> Integer,
        proposal_id -> Nullable<Integer>,
        signed_on -> Date,
        created_at -> Timestamp,
    }
}

diesel::table! {
    outbox (id) {
        id -> Integer,
        event_kind -> Text,
        recipient_user_id -> Nullable<Integer>,
        recipient_email -> Text,
        payload -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        message_id -> Nullable<Text>,
        subject -> Text,
        claimed_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_attempts (id) {
        id -> Integer,
        username -> Text,
        address -> Text,
        succeeded -> Bool,
        at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Integer,
        at -> Timestamp,
        user_id -> Nullable<Integer>,
        action -> Text,
        entity -> Text,
        entity_id -> Nullable<Integer>,
        detail -> Text,
        address -> Nullable<Text>,
    }
}

diesel::table! {
    notifications (id) {
        id -> Integer,
        user_id -> Integer,
        kind -> Text,
        title -> Text,
        link -> Text,
        delivery -> Text,
        created_at -> Timestamp,
        digested_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    notification_preferences (user_id, kind) {
        user_id -> Integer,
        kind -> Text,
        delivery -> Text,
    }
}

diesel::table! {
    contingent_ledger (id) {
        id -> Integer,
        contingent_id -> Integer,
        proposal_id -> Nullable<Integer>,
        change -> Integer,
        reason -> Text,
        user_id -> Nullable<Integer>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    lt_requests (id) {
        id -> Integer,
        client_id -> Integer,
        wish_municipality -> Text,
        requested_by -> Integer,
        requested_on -> Date,
        assessed -> Bool,
        social_network -> Bool,
        work_or_school -> Bool,
        treatment -> Bool,
        safety_risk_at_origin -> Bool,
        specific_facilities -> Bool,
        wish_agrees -> Nullable<Bool>,
        regioadviseur -> Nullable<Text>,
        geschillencommissie -> Nullable<Text>,
    }
}

diesel::table! {
    follow_ups (id) {
        id -> Integer,
        proposal_id -> Integer,
        months -> Integer,
        due_on -> Date,
        reminded_on -> Nullable<Date>,
        recorded_on -> Nullable<Date>,
        outcome -> Nullable<Text>,
        recorded_by -> Nullable<Integer>,
    }
}

diesel::joinable!(notifications -> users (user_id));
diesel::joinable!(follow_ups -> proposals (proposal_id));
diesel::joinable!(organisations -> regions (region_id));
diesel::joinable!(users -> organisations (organisation_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(client_exclusion_zones -> clients (client_id));
diesel::joinable!(client_anchors -> clients (client_id));
diesel::joinable!(proposals -> match_rounds (round_id));
diesel::joinable!(proposals -> clients (client_id));
diesel::joinable!(proposals -> dwellings (dwelling_id));

diesel::allow_tables_to_appear_in_same_query!(
    regions,
    municipalities,
    region_municipalities,
    organisations,
    users,
    sessions,
    api_tokens,
    contingents,
    dwellings,
    clients,
    client_exclusion_zones,
    client_anchors,
    match_rounds,
    proposals,
    leases,
    follow_ups,
    outbox,
    audit_log,
    login_attempts,
    notifications,
    notification_preferences,
    contingent_ledger,
    lt_requests,
);
