//! Logging in: passwords (argon2), browser sessions and API tokens. Secrets are random
//! 256-bit values; only their SHA-256 is stored, so a copy of the database opens nothing.

use super::{Caller, Error};
use crate::domain::throttle::Throttle;
use crate::domain::{OrgKind, Role};
use crate::store::audit::Actor;
use crate::store::{self, audit, logins, organisations, sessions, Conn};
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::RngCore;
use sha2::{Digest, Sha256};

pub const MIN_PASSWORD_LEN: usize = 10;

pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).expect("argon2 hashes any password").to_string()
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).map(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok()).unwrap_or(false)
}

/// A new random secret, hex encoded.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// A session's cookie secret and its CSRF token.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub secret: String,
    pub csrf_token: String,
}

/// Checks the password and opens a new session (a new id at every login). Unknown users
/// cost the same hash as known ones and are throttled the same, so neither the response
/// time nor a lockout tells which usernames exist. `address` is where the request came from.
pub fn login(conn: &mut Conn, username: &str, password: &str, session_hours: u32, address: &str) -> Result<NewSession, Error> {
    let now = store::now();
    let key = username.trim().to_lowercase();
    let throttle = Throttle::default();
    let since = now - throttle.window;
    let (account, from) = (logins::account_failures(conn, &key, since)?, logins::address_failures(conn, address, since)?);
    if let Some(wait) = throttle.wait(&account, &from, now) {
        audit::record(conn, Actor { user_id: None, address: Some(address) }, "login.throttled", "user", None, &key)?;
        return Err(Error::Throttled(wait.num_seconds().max(1) as u64));
    }
    let user = organisations::find_user_by_name(conn, username.trim())?;
    let ok = match &user {
        Some(u) => verify_password(password, &u.password_hash),
        None => {
            let _ = verify_password(password, DUMMY_HASH);
            false
        }
    };
    let user = match (ok, user) {
        (true, Some(u)) => u,
        (_, u) => {
            crate::store::write_tx(conn, |conn| {
                logins::record(conn, &key, address, false, now)?;
                audit::record(conn, Actor { user_id: u.map(|u| u.id), address: Some(address) }, "login.failed", "user", None, "")
            })?;
            return Err(Error::Unauthenticated);
        }
    };
    let session = NewSession { secret: new_secret(), csrf_token: new_secret() };
    let expires = now + chrono::Duration::hours(i64::from(session_hours));
    crate::store::write_tx(conn, |conn| {
        logins::record(conn, &key, address, true, now)?;
        sessions::create(conn, &hash_secret(&session.secret), user.id, &session.csrf_token, expires)?;
        audit::record(conn, Actor { user_id: Some(user.id), address: Some(address) }, "login", "user", Some(user.id), "")
    })?;
    Ok(session)
}

// An argon2 hash of a random password nobody knows, for the unknown-user path.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$4Vt7uC9p7gYF7pHtcYfKcEXlAH4Hc5m2w2G0bq9Mw3A";

pub fn logout(conn: &mut Conn, secret: &str) -> Result<(), Error> {
    sessions::delete(conn, &hash_secret(secret))?;
    Ok(())
}

/// The caller behind a session cookie, with the session's CSRF token.
pub fn caller_for_session(conn: &mut Conn, secret: &str) -> Result<Option<(Caller, String)>, Error> {
    let Some((user_id, csrf)) = sessions::live(conn, &hash_secret(secret), store::now())? else {
        return Ok(None);
    };
    Ok(caller_for_user(conn, user_id)?.map(|c| (c, csrf)))
}

/// The caller behind an API token (`Authorization: Bearer …`).
pub fn caller_for_token(conn: &mut Conn, token: &str) -> Result<Option<Caller>, Error> {
    Ok(caller_for_token_hash(conn, &hash_secret(token))?.map(|(c, _)| c))
}

/// The caller of a live token, by the token's hash, with the token's expiry.
pub fn caller_for_token_hash(conn: &mut Conn, hash: &str) -> Result<Option<(Caller, Option<chrono::NaiveDateTime>)>, Error> {
    let Some((user_id, expires)) = organisations::user_for_token(conn, hash)? else {
        return Ok(None);
    };
    Ok(caller_for_user(conn, user_id)?.map(|c| (c, expires)))
}

fn caller_for_user(conn: &mut Conn, user_id: i32) -> Result<Option<Caller>, Error> {
    let Some((user, org)) = organisations::user_with_org(conn, user_id)? else {
        return Ok(None);
    };
    let role = Role::parse("role", &user.role).map_err(|e| Error::Conflict(e.message))?;
    Ok(Some(Caller {
        user_id: user.id,
        username: user.username,
        role,
        organisation_id: org.id,
        organisation_name: org.name,
        region_id: org.region_id,
        municipality: org.municipality_code,
        address: None,
    }))
}

/// How long an API token lives when the request does not say: 90 days.
pub const TOKEN_DAYS: i64 = 90;
/// The longest an API token may live.
pub const MAX_TOKEN_DAYS: i64 = 365;

/// A new API token for the caller, for a machine client such as a corporation's own
/// housing system, valid for `days` (1 to 365). The plain token is returned once and
/// never stored; it is revocable.
pub fn create_api_token(
    conn: &mut Conn,
    caller: &Caller,
    name: &str,
    days: Option<i64>,
) -> Result<(i32, String, chrono::NaiveDateTime), Error> {
    let name = crate::domain::parse_text("name", name, 80).map_err(|e| Error::Invalid(vec![e]))?;
    let days = days.unwrap_or(TOKEN_DAYS);
    if !(1..=MAX_TOKEN_DAYS).contains(&days) {
        return Err(Error::invalid("days", "range", format!("een token geldt 1 tot {MAX_TOKEN_DAYS} dagen")));
    }
    let token = format!("ut_{}", new_secret());
    let expires = store::now() + chrono::Duration::days(days);
    let id = crate::store::write_tx(conn, |conn| {
        let id = organisations::create_token(conn, caller.user_id, &name, &hash_secret(&token), expires)?;
        audit::record(conn, caller, "token.create", "api_token", Some(id), &name)?;
        Ok::<_, Error>(id)
    })?;
    Ok((id, token, expires))
}

/// The caller's own tokens, without their secrets.
pub fn api_tokens(conn: &mut Conn, caller: &Caller) -> Result<Vec<organisations::TokenRow>, Error> {
    Ok(organisations::tokens_of(conn, caller.user_id)?)
}

/// Revokes one of the caller's own tokens; from then on it opens nothing.
pub fn revoke_api_token(conn: &mut Conn, caller: &Caller, id: i32) -> Result<(), Error> {
    crate::store::write_tx(conn, |conn| {
        if !organisations::revoke_token(conn, caller.user_id, id, store::now())? {
            return Err(Error::NotFound("api_token"));
        }
        audit::record(conn, caller, "token.revoke", "api_token", Some(id), "")?;
        Ok(())
    })
}

/// Adds a user to an existing organisation; the role must fit the organisation's kind.
pub fn add_user(conn: &mut Conn, organisation: &str, username: &str, email: &str, password: &str, role: Role) -> Result<i32, Error> {
    let mut errs = crate::domain::Errors::new();
    let username = errs.check(crate::domain::parse_text("username", username, 64));
    if password.chars().count() < MIN_PASSWORD_LEN {
        errs.push(crate::domain::FieldError::new("password", "length", format!("een wachtwoord heeft minstens {MIN_PASSWORD_LEN} tekens")));
    }
    if !email.contains('@') || email.len() > 200 {
        errs.push(crate::domain::FieldError::new("email", "format", "geen geldig e-mailadres"));
    }
    errs.into_result()?;
    let org = organisations::find_organisation_by_name(conn, organisation)?.ok_or(Error::NotFound("organisation"))?;
    let kind = OrgKind::parse("organisation", &org.kind)?;
    if role.org_kind() != kind {
        return Err(Error::invalid(
            "role",
            "fits_organisation",
            format!("de rol {} past niet bij een organisatie van het soort {}", role.label(), kind.label()),
        ));
    }
    let username = username.expect("checked above");
    if organisations::find_user_by_name(conn, &username)?.is_some() {
        return Err(Error::invalid("username", "unique", format!("de gebruikersnaam '{username}' bestaat al")));
    }
    Ok(organisations::create_user(conn, org.id, &username, email, &hash_password(password), role.as_str())?)
}

impl From<crate::domain::FieldError> for Error {
    fn from(e: crate::domain::FieldError) -> Self {
        Error::Invalid(vec![e])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_hashes_verify_and_differ() {
        let a = hash_password("correct horse");
        let b = hash_password("correct horse");
        assert_ne!(a, b, "salted");
        assert!(verify_password("correct horse", &a));
        assert!(!verify_password("wrong horse", &a));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn dummy_hash_parses_so_unknown_users_cost_a_real_verification() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
    }

    #[test]
    fn secrets_are_random_and_hashes_stable() {
        assert_ne!(new_secret(), new_secret());
        assert_eq!(hash_secret("a"), hash_secret("a"));
        assert_eq!(hash_secret("a").len(), 64);
    }
}
