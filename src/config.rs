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
    /// Local hour (Europe/Amsterdam) at which daily digests go out.
    digest_hour: u32,
    notify_interval_seconds: u64,
    mail_max_attempts: i32,
    mail_retry_base_seconds: i64,
    /// Run the notification worker inside `serve` (off when cron runs `notify --once`).
    notify_worker: bool,
    smtp: Option<SmtpRaw>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SmtpRaw {
    host: String,
    port: Option<u16>,
    #[serde(default = "default_security")]
    security: String,
    username: Option<String>,
    password: Option<String>,
    from: String,
}

fn default_security() -> String {
    "starttls".into()
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain SMTP; only for a relay on the same host or in tests.
    None,
    StartTls,
    /// Implicit TLS (SMTPS, port 465).
    Tls,
}

/// A secret that never shows in logs or debug output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[derive(Debug, Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub credentials: Option<(String, Secret)>,
    /// The sender address, e.g. `Uitstroomtafel <noreply@example.org>`.
    pub from: String,
}

/// The notification worker's settings.
#[derive(Debug, Clone)]
pub struct NotifyConfig {
    /// `None`: mails wait in the outbox until SMTP is configured.
    pub smtp: Option<SmtpConfig>,
    pub digest_hour: u32,
    pub interval_seconds: u64,
    pub max_attempts: i32,
    pub retry_base_seconds: i64,
    pub run_worker: bool,
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
            digest_hour: 7,
            notify_interval_seconds: 30,
            mail_max_attempts: 8,
            mail_retry_base_seconds: 60,
            notify_worker: true,
            smtp: None,
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
    pub notify: NotifyConfig,
}

/// Command-line overrides, applied last.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub database_url: Option<String>,
    pub bind: Option<String>,
}

/// Environment variables that are not settings of the file.
const NOT_SETTINGS: &[&str] = &["config", "require_postgres", "require_smtp", "require_browser", "require_faults", "screenshots", "log"];

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
            .merge(Env::prefixed("UITSTROOMTAFEL_").ignore(NOT_SETTINGS).split("__"));
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
        if raw.digest_hour > 23 {
            return Err(format!("digest_hour: {} must be an hour from 0 to 23", raw.digest_hour));
        }
        if !(1..=3600).contains(&raw.notify_interval_seconds) {
            return Err(format!("notify_interval_seconds: {} must be between 1 and 3600", raw.notify_interval_seconds));
        }
        if !(1..=30).contains(&raw.mail_max_attempts) {
            return Err(format!("mail_max_attempts: {} must be between 1 and 30", raw.mail_max_attempts));
        }
        if !(1..=86_400).contains(&raw.mail_retry_base_seconds) {
            return Err(format!("mail_retry_base_seconds: {} must be between 1 and 86400", raw.mail_retry_base_seconds));
        }
        let smtp = raw.smtp.map(Self::check_smtp).transpose()?;
        Ok(Config {
            notify: NotifyConfig {
                smtp,
                digest_hour: raw.digest_hour,
                interval_seconds: raw.notify_interval_seconds,
                max_attempts: raw.mail_max_attempts,
                retry_base_seconds: raw.mail_retry_base_seconds,
                run_worker: raw.notify_worker,
            },
            database,
            bind,
            public_url: raw.public_url.trim_end_matches('/').to_string(),
            secure_cookies: raw.secure_cookies,
            session_hours: raw.session_hours,
            body_limit_bytes: raw.body_limit_bytes,
            pool_size: raw.pool_size,
        })
    }

    fn check_smtp(raw: SmtpRaw) -> Result<SmtpConfig, String> {
        let security = match raw.security.as_str() {
            "none" => SmtpSecurity::None,
            "starttls" => SmtpSecurity::StartTls,
            "tls" => SmtpSecurity::Tls,
            other => return Err(format!("smtp.security: '{other}' must be none, starttls or tls")),
        };
        if raw.host.trim().is_empty() {
            return Err("smtp.host: must name the mail server".into());
        }
        if raw.from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(format!("smtp.from: '{}' is not a mail address such as Uitstroomtafel <noreply@example.org>", raw.from));
        }
        let credentials = match (raw.username, raw.password) {
            (Some(u), Some(p)) => Some((u, Secret(p))),
            (None, None) => None,
            _ => return Err("smtp.username and smtp.password go together".into()),
        };
        let port = raw.port.unwrap_or(match security {
            SmtpSecurity::None => 25,
            SmtpSecurity::StartTls => 587,
            SmtpSecurity::Tls => 465,
        });
        Ok(SmtpConfig { host: raw.host, port, security, credentials, from: raw.from })
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
    fn smtp_settings_are_checked_and_the_password_hidden() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("c.toml");
        std::fs::write(
            &f,
            "[smtp]\nhost = \"mail.example.org\"\nfrom = \"Tafel <noreply@example.org>\"\nusername = \"u\"\npassword = \"geheim\"\n",
        )
        .unwrap();
        let c = Config::load(Some(&f), &Overrides::default()).unwrap();
        let smtp = c.notify.smtp.unwrap();
        assert_eq!((smtp.port, smtp.security), (587, SmtpSecurity::StartTls));
        assert!(!format!("{smtp:?}").contains("geheim"));
        std::fs::write(&f, "[smtp]\nhost = \"m\"\nfrom = \"x\"\n").unwrap();
        assert!(Config::load(Some(&f), &Overrides::default()).unwrap_err().starts_with("smtp.from"));
        std::fs::write(&f, "[smtp]\nhost = \"m\"\nfrom = \"a@b.nl\"\nsecurity = \"ssl\"\n").unwrap();
        assert!(Config::load(Some(&f), &Overrides::default()).unwrap_err().starts_with("smtp.security"));
        std::fs::write(&f, "digest_hour = 24\n").unwrap();
        assert!(Config::load(Some(&f), &Overrides::default()).unwrap_err().starts_with("digest_hour"));
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
