//! Storage: one connection type over SQLite and PostgreSQL, the pool, migrations, and
//! the queries, each taking `&mut Conn` so it runs alike on a pooled connection or
//! inside a transaction. No business rule lives here; the database constraints are
//! the last guard behind the workflow's checks.

pub mod audit;
pub mod clients;
pub mod contingents;
pub mod dwellings;
pub mod follow_ups;
pub mod logins;
pub mod monitor;
pub mod municipalities;
pub mod notifications;
pub mod organisations;
pub mod proposals;
pub mod responsibility;
pub mod rounds;
pub mod rows;
pub mod schema;
pub mod sessions;
pub mod transfer;

use crate::config::DatabaseUrl;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::time::Duration;

/// A connection to either backend; every query in `store` is written once against it.
#[derive(diesel::MultiConnection)]
pub enum Conn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Errors of the storage layer itself (queries return `diesel::result::Error`).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot reach the database: {0}")]
    Pool(#[from] r2d2::PoolError),
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("the database task was cancelled")]
    Cancelled,
}

impl StoreError {
    /// When the database cannot take the request now but may soon (unreachable, restarting,
    /// disk full, read-only): the Dutch reason for a 503; `None` for other failures.
    pub fn unavailable(&self) -> Option<&'static str> {
        use diesel::result::{DatabaseErrorKind, Error as E};
        match self {
            StoreError::Pool(_) => Some("de database is even niet bereikbaar"),
            StoreError::Query(E::DatabaseError(DatabaseErrorKind::ClosedConnection, _)) => Some("de verbinding met de database viel weg"),
            StoreError::Query(E::DatabaseError(_, info)) => {
                let m = info.message().to_lowercase();
                if m.contains("disk is full") || m.contains("no space left") {
                    Some("de schijf van de database is vol; wijzigingen kunnen nu niet worden opgeslagen")
                } else if m.contains("readonly") || m.contains("read-only") {
                    Some("de database is nu alleen te lezen; wijzigingen kunnen nu niet worden opgeslagen")
                } else if m.contains("disk i/o error") {
                    // SQLite's answer when the file refuses a write (made read-only or
                    // immutable, a failing disk): the operator must act, the request may
                    // be tried again.
                    Some("de database kan nu niet naar schijf schrijven; wijzigingen kunnen nu niet worden opgeslagen")
                } else if m.contains("terminating connection") || m.contains("server closed the connection") || m.contains("shutting down")
                {
                    Some("de database start opnieuw op")
                } else {
                    None
                }
            }
            StoreError::Query(E::BrokenTransactionManager) => Some("de verbinding met de database viel weg"),
            _ => None,
        }
    }
}

/// Opens connections of the right kind straight from the configured URL, so a URL is
/// never tried against the wrong backend, and sets SQLite's pragmas on each one.
#[derive(Debug, Clone)]
pub struct Manager(DatabaseUrl);

impl ManageConnection for Manager {
    type Connection = Conn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<Conn, r2d2::Error> {
        match &self.0 {
            DatabaseUrl::Postgres(url) => PgConnection::establish(url).map(Conn::Pg).map_err(r2d2::Error::ConnectionError),
            DatabaseUrl::Sqlite(path) => {
                let mut c = SqliteConnection::establish(&path.to_string_lossy()).map_err(r2d2::Error::ConnectionError)?;
                // foreign_keys is off by default in SQLite; WAL lets readers run beside the writer.
                c.batch_execute(
                    "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;",
                )
                .map_err(r2d2::Error::QueryError)?;
                Ok(Conn::Sqlite(c))
            }
        }
    }

    fn is_valid(&self, conn: &mut Conn) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1").map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, _conn: &mut Conn) -> bool {
        false
    }
}

/// The pool every request and worker draws from. Cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: r2d2::Pool<Manager>,
    url: DatabaseUrl,
    /// This database among the ones this process opened (see [`current_db`]).
    id: u64,
}

static NEXT_DB: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

thread_local! {
    static CURRENT_DB: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Which of this process's databases the work running on this thread uses: set by
/// [`Db::run`] for its closure, 0 elsewhere. What a process keeps of what it read (the
/// dwelling lists' totals) is kept per database: a process holding two (the tests do) must
/// not answer one's question with the other's count.
pub fn current_db() -> u64 {
    CURRENT_DB.get()
}

impl Db {
    /// Opens the pool; the SQLite file is created when missing.
    pub fn open(url: &DatabaseUrl, size: u32) -> Result<Db, StoreError> {
        if let DatabaseUrl::Sqlite(path) = url {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| StoreError::Migration(format!("cannot create {}: {e}", dir.display())))?;
            }
        }
        let pool = r2d2::Pool::builder()
            .max_size(size)
            .connection_timeout(Duration::from_secs(3))
            .build(Manager(url.clone()))
            .map_err(|e| StoreError::Migration(format!("cannot open the database {url:?}: {e}")))?;
        Ok(Db { pool, url: url.clone(), id: NEXT_DB.fetch_add(1, std::sync::atomic::Ordering::Relaxed) })
    }

    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    pub fn get(&self) -> Result<r2d2::PooledConnection<Manager>, StoreError> {
        Ok(self.pool.get()?)
    }

    /// Runs blocking diesel work off the async workers.
    pub async fn run<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut Conn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let (pool, id) = (self.pool.clone(), self.id);
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get().map_err(StoreError::from)?;
            // Reset even when `f` panics: the thread serves other databases' work next.
            struct Current;
            impl Drop for Current {
                fn drop(&mut self) {
                    CURRENT_DB.set(0);
                }
            }
            CURRENT_DB.set(id);
            let _current = Current;
            f(&mut conn)
        })
        .await
        .map_err(|_| StoreError::Cancelled)?
    }

    /// Applies pending migrations and loads the shipped municipalities. Safe to run from
    /// several instances at once on PostgreSQL (an advisory lock serialises them).
    pub fn migrate(&self) -> Result<(), StoreError> {
        let mut conn = self.get()?;
        migrate(&mut conn)
    }
}

/// Applies pending migrations, then loads the shipped municipalities.
pub fn migrate(conn: &mut Conn) -> Result<(), StoreError> {
    match conn {
        Conn::Pg(c) => {
            c.batch_execute("SELECT pg_advisory_lock(7201)")?;
            let r = c.run_pending_migrations(PG_MIGRATIONS).map(|_| ()).map_err(|e| StoreError::Migration(e.to_string()));
            c.batch_execute("SELECT pg_advisory_unlock(7201)")?;
            r?
        }
        Conn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|_| ()).map_err(|e| StoreError::Migration(e.to_string()))?,
    }
    municipalities::load_shipped(conn)?;
    Ok(())
}

/// SQLite has one writer at a time. Writers of this process take turns here, in order,
/// instead of meeting in SQLite's busy handler, which sleeps in growing steps and makes
/// every writer under load wait tens of milliseconds. Re-entrant, so an audit row written
/// inside a write transaction passes. (Other processes still meet in `busy_timeout`.)
static SQLITE_WRITER: parking_lot::ReentrantMutex<()> = parking_lot::ReentrantMutex::new(());

/// Runs `f` holding this process's SQLite write turn; on PostgreSQL it just runs `f`.
pub fn sqlite_write<T>(conn: &mut Conn, f: impl FnOnce(&mut Conn) -> T) -> T {
    if matches!(conn, Conn::Sqlite(_)) {
        let _turn = SQLITE_WRITER.lock();
        f(conn)
    } else {
        f(conn)
    }
}

/// Runs `f` in a write transaction. On SQLite it begins `IMMEDIATE`, taking the write
/// lock up front: a deferred transaction that reads and then writes fails at once with
/// "database is locked" when another writer got there first, where an immediate one
/// waits its turn. Nested `transaction` calls inside become savepoints.
pub fn write_tx<T, E, F>(conn: &mut Conn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut Conn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let Conn::Sqlite(_) = conn else { return conn.transaction(f) };
    let _turn = SQLITE_WRITER.lock();
    let Conn::Sqlite(inner) = conn else { unreachable!("checked above") };
    AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?;
    let result = f(conn);
    let Conn::Sqlite(inner) = conn else { unreachable!("the variant does not change") };
    match result {
        Ok(v) => {
            AnsiTransactionManager::commit_transaction(inner)?;
            Ok(v)
        }
        Err(e) => {
            AnsiTransactionManager::rollback_transaction(inner)?;
            Err(e)
        }
    }
}

/// Whether a database error is a broken constraint (unique, foreign key, check), i.e.
/// the database refused a write the workflow should have refused first.
/// After a bulk load (an import, the national seed): PostgreSQL plans with the tables'
/// statistics, and until autovacuum has gathered them it takes a page of 50 for a scan
/// and sort of every row (7 ms where the index gives it in 0.1 ms). SQLite's plans here
/// do not depend on statistics, and some are tuned without them, so it is left alone.
pub fn analyze(conn: &mut Conn) -> diesel::QueryResult<()> {
    if matches!(conn, Conn::Pg(_)) {
        diesel::sql_query("ANALYZE").execute(conn)?;
    }
    Ok(())
}

pub fn is_constraint_violation(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind as K, Error};
    matches!(e, Error::DatabaseError(K::UniqueViolation | K::ForeignKeyViolation | K::CheckViolation | K::NotNullViolation, _))
}

/// Now, in UTC, to the second: the one clock of the register.
pub fn now() -> chrono::NaiveDateTime {
    use chrono::Timelike;
    let n = chrono::Utc::now().naive_utc();
    n.with_nanosecond(0).unwrap_or(n)
}

#[cfg(test)]
mod tests {
    fn names(dir: &str) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        v.sort();
        v
    }

    #[test]
    fn twin_migration_folders_have_the_same_names() {
        let sqlite = names("migrations/sqlite");
        assert!(!sqlite.is_empty());
        assert_eq!(sqlite, names("migrations/postgres"));
    }
}
