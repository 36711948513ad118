//! One typed configuration: defaults, then the TOML file, then `UITSTROOMTAFEL_*`
//! environment variables, then the command line. Invalid values stop start-up with a
//! message that names the setting.

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Where the register lives.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// The embedded default: one SQLite file.
    Sqlite(PathBuf),
    /// Production: a PostgreSQL connection string (may hold a password).
    Postgres(String),
}

impl DatabaseUrl {
    /// `sqlite://PATH` (or `sqlite:PATH`) and `postgres://…` / `postgresql://…`;
    /// anything else is refused rather than guessed.
    pub fn parse(raw: &str) -> Result<Self, String> {
        if let Some(path) = raw.strip_prefix("sqlite://").or_else(|| raw.strip_prefix("sqlite:")) {
            if path.is_empty() {
                return Err("database_url: sqlite:// needs a file path, e.g. sqlite://uitstroomtafel.db".into());
            }
            Ok(DatabaseUrl::Sqlite(PathBuf::from(path)))
        } else if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            Ok(DatabaseUrl::Postgres(raw.to_string()))
        } else {
            Err(format!(
                "database_url: '{}' is not a supported database; use sqlite://PATH or postgres://USER@HOST/DB",
                raw.split("://").next().unwrap_or(raw)
            ))
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, DatabaseUrl::Postgres(_))
    }
}

impl fmt::Debug for DatabaseUrl {
    // Never print a PostgreSQL password into a log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite(p) => write!(f, "sqlite://{}", p.display()),
            DatabaseUrl::Postgres(_) => f.write_str("postgres://[redacted]"),
        }
    }
}

/// The raw settings, as the file and the environment give them.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    database_url: String,
    bind: String,
    public_url: String,
    secure_cookies: bool,
    session_hours: u32,
    body_limit_bytes: usize,
    pool_size: u32,
}

impl Default for RawConfig {
    fn default() -> Self {
        RawConfig {
            database_url: "sqlite://uitstroomtafel.db".into(),
            bind: "127.0.0.1:8080".into(),
            public_url: "http://127.0.0.1:8080".into(),
            secure_cookies: true,
            session_hours: 8,
            body_limit_bytes: 256 * 1024,
            pool_size: 8,
        }
    }
}

/// The service's configuration, checked.
#[derive(Debug, Clone)]
pub struct Config {
    pub database: DatabaseUrl,
    pub bind: SocketAddr,
    /// The address people reach the service on; used in links in mails.
    pub public_url: String,
    /// Mark cookies `Secure`. Browsers accept Secure cookies from http://127.0.0.1 and
    /// http://localhost too, so only turn this off behind a plain-HTTP host name.
    pub secure_cookies: bool,
    pub session_hours: u32,
    pub body_limit_bytes: usize,
    pub pool_size: u32,
}

/// Command-line overrides, applied last.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub database_url: Option<String>,
    pub bind: Option<String>,
}

/// Environment variables that are not settings of the file.
const NOT_SETTINGS: &[&str] = &["config", "require_postgres", "log"];

impl Config {
    /// Loads defaults, then `file` (when it exists, or always when `required`), then the
    /// environment, then the overrides.
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> Result<Config, String> {
        let default_file = PathBuf::from("uitstroomtafel.toml");
        let (path, required) = match file {
            Some(p) => (p.to_path_buf(), true),
            None => (default_file, false),
        };
        if required && !path.exists() {
            return Err(format!("configuration file {} does not exist", path.display()));
        }
        let mut figment = Figment::from(Serialized::defaults(RawConfig::default()))
            .merge(Toml::file(&path))
            .merge(Env::prefixed("UITSTROOMTAFEL_").ignore(NOT_SETTINGS));
        if let Some(db) = &overrides.database_url {
            figment = figment.merge(("database_url", db));
        }
        if let Some(bind) = &overrides.bind {
            figment = figment.merge(("bind", bind));
        }
        let raw: RawConfig =
            figment.extract().map_err(|e| e.into_iter().map(|e| format!("configuration: {e}")).collect::<Vec<_>>().join("\n"))?;
        Self::check(raw)
    }

    fn check(raw: RawConfig) -> Result<Config, String> {
        let database = DatabaseUrl::parse(&raw.database_url)?;
        let bind = raw.bind.parse().map_err(|_| format!("bind: '{}' is not an ADDRESS:PORT such as 127.0.0.1:8080", raw.bind))?;
        if !(raw.public_url.starts_with("http://") || raw.public_url.starts_with("https://")) {
            return Err(format!("public_url: '{}' must start with http:// or https://", raw.public_url));
        }
        if !(1..=168).contains(&raw.session_hours) {
            return Err(format!("session_hours: {} must be between 1 and 168", raw.session_hours));
        }
        if !(1024..=16 * 1024 * 1024).contains(&raw.body_limit_bytes) {
            return Err(format!("body_limit_bytes: {} must be between 1024 and 16777216", raw.body_limit_bytes));
        }
        if !(1..=64).contains(&raw.pool_size) {
            return Err(format!("pool_size: {} must be between 1 and 64", raw.pool_size));
        }
        Ok(Config {
            database,
            bind,
            public_url: raw.public_url.trim_end_matches('/').to_string(),
            secure_cookies: raw.secure_cookies,
            session_hours: raw.session_hours,
            body_limit_bytes: raw.body_limit_bytes,
            pool_size: raw.pool_size,
        })
    }

    /// The defaults with another database and bind address; for tests and tools.
    pub fn with(database: DatabaseUrl, bind: SocketAddr) -> Config {
        let mut c = Self::check(RawConfig::default()).expect("defaults are valid");
        c.database = database;
        c.bind = bind;
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls() {
        assert_eq!(DatabaseUrl::parse("sqlite://x.db").unwrap(), DatabaseUrl::Sqlite("x.db".into()));
        assert_eq!(DatabaseUrl::parse("sqlite:/tmp/x.db").unwrap(), DatabaseUrl::Sqlite("/tmp/x.db".into()));
        assert!(DatabaseUrl::parse("postgres://u@h/db").unwrap().is_postgres());
        let e = DatabaseUrl::parse("mysql://u@h/db").unwrap_err();
        assert!(e.starts_with("database_url:") && e.contains("mysql"), "{e}");
        assert!(DatabaseUrl::parse("sqlite://").is_err());
    }

    #[test]
    fn password_is_not_printed() {
        let d = DatabaseUrl::parse("postgres://u:geheim@h/db").unwrap();
        assert!(!format!("{d:?}").contains("geheim"));
    }

    #[test]
    fn bad_file_values_name_the_setting() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("c.toml");
        std::fs::write(&f, "session_hours = \"veel\"\n").unwrap();
        let e = Config::load(Some(&f), &Overrides::default()).unwrap_err();
        assert!(e.contains("session_hours"), "{e}");
        std::fs::write(&f, "sesion_hours = 3\n").unwrap();
        let e = Config::load(Some(&f), &Overrides::default()).unwrap_err();
        assert!(e.contains("sesion_hours"), "{e}");
        std::fs::write(&f, "bind = \"localhost\"\n").unwrap();
        let e = Config::load(Some(&f), &Overrides::default()).unwrap_err();
        assert!(e.starts_with("bind:"), "{e}");
    }

    #[test]
    fn overrides_win_over_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("c.toml");
        std::fs::write(&f, "bind = \"127.0.0.1:9000\"\ndatabase_url = \"sqlite://a.db\"\n").unwrap();
        let c = Config::load(Some(&f), &Overrides { database_url: Some("sqlite://b.db".into()), bind: None }).unwrap();
        assert_eq!(c.bind.port(), 9000);
        assert_eq!(c.database, DatabaseUrl::Sqlite("b.db".into()));
    }
}
