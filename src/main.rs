//! The command line. Thin: it parses arguments, loads the configuration and calls
//! into the library.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use uitstroomtafel::config::{Config, Overrides};
use uitstroomtafel::domain::Role;
use uitstroomtafel::startup::Application;
use uitstroomtafel::store::Db;

#[derive(Parser)]
#[command(name = "uitstroomtafel", version, about = "Regional outflow table: register, matcher, review and notifications")]
struct Cli {
    /// TOML configuration file (default: ./uitstroomtafel.toml when it exists).
    #[arg(long, global = true, env = "UITSTROOMTAFEL_CONFIG")]
    config: Option<PathBuf>,
    /// Database URL: sqlite://PATH or postgres://USER@HOST/DB (overrides the configuration).
    #[arg(long, global = true)]
    database: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP service.
    Serve {
        /// ADDRESS:PORT to listen on (default 127.0.0.1:8080).
        #[arg(long)]
        bind: Option<String>,
        /// Fill an empty database with demo data first (an existing demo is reused).
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending migrations and load the municipalities.
    Migrate,
    /// Load the demo data into an empty database.
    Demo,
    /// One pass of the periodic work (for cron): expire overdue offers, report long waits,
    /// write digests, send due mails.
    Notify {
        /// One pass, then exit.
        #[arg(long)]
        once: bool,
    },
    /// Fill an empty database with a national-size register for the load benchmark
    /// (20,000 clients, 12,000 dwellings, 342 municipalities, 1,500 contingents).
    Seed {
        #[arg(long, default_value_t = 2026)]
        seed: u64,
    },
    /// Write the whole register as one JSON document (to move a region to PostgreSQL),
    /// or with --history a region's last months as a history for `replay`.
    Export {
        /// The file to write; standard output when left out.
        #[arg(long)]
        output: Option<PathBuf>,
        /// A history for `replay` instead of the whole register.
        #[arg(long)]
        history: bool,
        /// With --history: how many months back from today.
        #[arg(long, default_value_t = 12)]
        months: u32,
        /// With --history: the region's code (needed when the database holds several).
        #[arg(long)]
        region: Option<String>,
    },
    /// Read an export into an empty database of either backend: all of it or none.
    Import {
        #[arg(long)]
        input: PathBuf,
    },
    /// Anonymise placed and withdrawn clients past the region's retention period (the
    /// sweep inside `serve` does this too).
    Retention {
        /// Run it now.
        #[arg(long)]
        run: bool,
    },
    /// Solve a matching graph (solver/README.md) from JSON, without a database.
    Solve {
        #[arg(long)]
        input: PathBuf,
        #[arg(long)]
        output: PathBuf,
        /// `tiered` (tier counts, then weight) or `weight` (weight alone).
        #[arg(long, default_value = "tiered")]
        objective: String,
        /// `native` (ours) or `highs` (HiGHS' MIP on the same stages; a build with
        /// `--features highs`).
        #[arg(long, default_value = "native")]
        backend: String,
        /// Time for the search, in milliseconds.
        #[arg(long, default_value_t = 2_000)]
        time_limit_ms: u64,
    },
    /// Run a matching round from a round JSON file, without a database.
    Match {
        #[arg(long)]
        input: PathBuf,
        #[arg(long)]
        output: PathBuf,
        /// Time for the round's search, in milliseconds; what one more place in each
        /// binding contingent brings is re-solved in up to five times as long again, and
        /// the round once more, as long, where those find it a better matching.
        #[arg(long, default_value_t = 2_000)]
        time_limit_ms: u64,
    },
    /// Write a realistic, seeded round JSON (or, with --history, a history for `replay`)
    /// to standard output.
    Generate {
        /// region, city or national
        #[arg(long, default_value = "region")]
        size: String,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// A history of --months months instead of one round.
        #[arg(long)]
        history: bool,
        #[arg(long, default_value_t = 12)]
        months: u32,
    },
    /// Replay a history (from `generate --history` or `export --history`) under matching
    /// policies and print how each did against the hindsight optimum.
    Replay {
        #[arg(long)]
        history: PathBuf,
        /// optimiser, greedy, fifo or all.
        #[arg(long, default_value = "all")]
        policy: String,
        /// Days between rounds.
        #[arg(long, default_value_t = 7)]
        interval: i64,
        /// Chance that a proposal is declined, 0 to 1.
        #[arg(long, default_value_t = 0.1)]
        decline: f64,
        /// Seeds the declines.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Also write the whole report, every placement included, as JSON.
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user; the password is read from standard input (one line).
    Add {
        #[arg(long)]
        username: String,
        /// coordinator, corporation, provider, municipality or admin.
        #[arg(long)]
        role: String,
        /// The exact name of an existing organisation.
        #[arg(long)]
        organisation: String,
        #[arg(long)]
        email: String,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("UITSTROOMTAFEL_LOG").unwrap_or_else(|_| "info,actix_server=warn".into()),
        )
        .init();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("uitstroomtafel: {msg}");
            ExitCode::FAILURE
        }
    }
}

fn read_json<T: serde::de::DeserializeOwned>(path: &std::path::Path) -> Result<T, String> {
    let raw = std::fs::read_to_string(path).map_err(|e| format!("--input {}: {e}", path.display()))?;
    serde_json::from_str(&raw).map_err(|e| format!("--input {}: {e}", path.display()))
}

fn write_json<T: serde::Serialize>(path: &std::path::Path, value: &T) -> Result<(), String> {
    let body = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
    std::fs::write(path, body).map_err(|e| format!("--output {}: {e}", path.display()))
}

/// The commands that need neither configuration nor database.
fn run_offline(command: &Command) -> Option<Result<(), String>> {
    use solver::optimize::Objective;
    Some(match command {
        Command::Solve { input, output, objective, backend, time_limit_ms } => (|| {
            let objective = match objective.as_str() {
                "tiered" => Objective::Tiered,
                "weight" => Objective::Weight,
                other => return Err(format!("--objective '{other}': use tiered or weight")),
            };
            let backend = backend.parse().map_err(|e| format!("--{e}"))?;
            let limits = solver::optimize::Limits { backend, time_limit_ms: *time_limit_ms, ..Default::default() };
            let graph: solver::optimize::Graph = read_json(input)?;
            let solution = solver::optimize::solve_with(&graph, objective, limits).map_err(|e| format!("--input: {e}"))?;
            write_json(output, &solution)
        })(),
        Command::Match { input, output, time_limit_ms } => (|| {
            let round: solver::model::Round = read_json(input)?;
            let limits = solver::optimize::Limits { time_limit_ms: *time_limit_ms, ..Default::default() };
            let outcome = solver::model::run_with(&round, limits).map_err(|e| format!("--input: {e}"))?;
            write_json(output, &outcome)
        })(),
        Command::Generate { size, seed, history, months } => (|| {
            let size: solver::generate::Size = size.parse().map_err(|e| format!("--{e}"))?;
            let body = if *history {
                if *months == 0 {
                    return Err("--months: at least 1".into());
                }
                serde_json::to_string(&solver::generate::history(size, *seed, *months))
            } else {
                serde_json::to_string(&solver::generate::generate(size, *seed))
            };
            println!("{}", body.map_err(|e| e.to_string())?);
            Ok(())
        })(),
        Command::Replay { history, policy, interval, decline, seed, output } => (|| {
            use solver::replay::{self, Strategy};
            let strategies = match policy.as_str() {
                "all" => Strategy::ALL.to_vec(),
                one => vec![one.parse::<Strategy>().map_err(|e| format!("--{e}"))?],
            };
            let history: replay::History = read_json(history)?;
            let options = replay::Options { interval_days: *interval, decline_probability: *decline, seed: *seed, ..Default::default() };
            let report = replay::replay(&history, &strategies, &options).map_err(|e| format!("--history: {e}"))?;
            print!("{}", replay::table(&report));
            match output {
                Some(path) => write_json(path, &report),
                None => Ok(()),
            }
        })(),
        _ => return None,
    })
}

fn run(cli: Cli) -> Result<(), String> {
    if let Some(result) = run_offline(&cli.command) {
        return result;
    }
    let bind = match &cli.command {
        Command::Serve { bind, .. } => bind.clone(),
        _ => None,
    };
    let config = Config::load(cli.config.as_deref(), &Overrides { database_url: cli.database.clone(), bind })?;
    match cli.command {
        Command::Serve { demo, .. } => serve(config, demo),
        Command::Migrate => {
            let db = Db::open(&config.database, 1).map_err(|e| e.to_string())?;
            db.migrate().map_err(|e| e.to_string())?;
            println!("database {:?} is up to date", config.database);
            Ok(())
        }
        Command::Demo => {
            let db = Db::open(&config.database, 1).map_err(|e| e.to_string())?;
            db.migrate().map_err(|e| e.to_string())?;
            let mut conn = db.get().map_err(|e| e.to_string())?;
            let loaded = uitstroomtafel::demo::load(&mut conn)?;
            println!("{}", if loaded { "demo data loaded" } else { "demo data was already there" });
            print_logins();
            Ok(())
        }
        Command::Notify { once } => {
            if !once {
                return Err("notify runs one pass; use --once (serve runs the worker continuously)".into());
            }
            let db = Db::open(&config.database, 1).map_err(|e| e.to_string())?;
            db.migrate().map_err(|e| e.to_string())?;
            let mailer = config.notify.smtp.as_ref().map(uitstroomtafel::notify::mail::Mailer::new).transpose()?;
            let mut conn = db.get().map_err(|e| e.to_string())?;
            let now = uitstroomtafel::store::now();
            let (expired, report) = uitstroomtafel::workflow::sweep(&mut conn, mailer.as_ref(), &config.notify, &config.public_url, now)
                .map_err(|e| e.to_string())?;
            println!("offers expired: {expired}; {report:?}");
            Ok(())
        }
        Command::Seed { seed } => {
            let db = Db::open(&config.database, 1).map_err(|e| e.to_string())?;
            db.migrate().map_err(|e| e.to_string())?;
            let mut conn = db.get().map_err(|e| e.to_string())?;
            let t = std::time::Instant::now();
            uitstroomtafel::scale::load(&mut conn, uitstroomtafel::scale::NATIONAL, seed)?;
            uitstroomtafel::store::analyze(&mut conn).map_err(|e| e.to_string())?;
            println!("national register seeded in {:.1} s", t.elapsed().as_secs_f64());
            println!("logins (password 'demo'): coordinator, corporatie (Corporatie 01), zorgaanbieder (Zorgaanbieder 001), gemeente (Amsterdam), beheer");
            Ok(())
        }
        Command::Export { output, history, months, region } => {
            let db = Db::open(&config.database, 1).map_err(|e| e.to_string())?;
            db.migrate().map_err(|e| e.to_string())?;
            let mut conn = db.get().map_err(|e| e.to_string())?;
            let text = if history {
                if months == 0 {
                    return Err("--months: at least 1".into());
                }
                let region_id = uitstroomtafel::store::organisations::only_region(&mut conn, region.as_deref())?;
                let (from, to) = uitstroomtafel::workflow::comparison::window(months, uitstroomtafel::workflow::today());
                let h = uitstroomtafel::workflow::comparison::history(&mut conn, region_id, from, to).map_err(|e| e.to_string())?;
                serde_json::to_string_pretty(&h).expect("JSON serialises")
            } else {
                let doc = uitstroomtafel::store::transfer::export(&mut conn).map_err(|e| e.to_string())?;
                serde_json::to_string_pretty(&doc).expect("JSON serialises")
            };
            match output {
                Some(path) => std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?,
                None => println!("{text}"),
            }
            Ok(())
        }
        Command::Import { input } => {
            let text = std::fs::read_to_string(&input).map_err(|e| format!("{}: {e}", input.display()))?;
            let doc: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("{}: not JSON: {e}", input.display()))?;
            let db = Db::open(&config.database, 1).map_err(|e| e.to_string())?;
            db.migrate().map_err(|e| e.to_string())?;
            let mut conn = db.get().map_err(|e| e.to_string())?;
            let n = uitstroomtafel::store::transfer::import(&mut conn, &doc).map_err(|e| e.to_string())?;
            uitstroomtafel::store::analyze(&mut conn).map_err(|e| e.to_string())?;
            println!("rows imported: {n}");
            Ok(())
        }
        Command::Retention { run } => {
            if !run {
                return Err("retention changes data; say --run".into());
            }
            let db = Db::open(&config.database, 1).map_err(|e| e.to_string())?;
            db.migrate().map_err(|e| e.to_string())?;
            let mut conn = db.get().map_err(|e| e.to_string())?;
            let n = uitstroomtafel::workflow::retention::run(&mut conn, uitstroomtafel::store::now()).map_err(|e| e.to_string())?;
            println!("clients anonymised: {n}");
            Ok(())
        }
        Command::Solve { .. } | Command::Match { .. } | Command::Generate { .. } | Command::Replay { .. } => {
            unreachable!("handled by run_offline")
        }
        Command::User { command: UserCommand::Add { username, role, organisation, email } } => {
            let role = Role::parse("role", &role).map_err(|e| format!("--role: {}", e.message))?;
            let mut password = String::new();
            std::io::stdin().read_line(&mut password).map_err(|e| format!("cannot read the password: {e}"))?;
            let password = password.trim_end_matches(['\r', '\n']);
            let db = Db::open(&config.database, 1).map_err(|e| e.to_string())?;
            db.migrate().map_err(|e| e.to_string())?;
            let mut conn = db.get().map_err(|e| e.to_string())?;
            let id = uitstroomtafel::workflow::auth::add_user(&mut conn, &organisation, &username, &email, password, role)
                .map_err(|e| e.to_string())?;
            println!("user {username} ({}) added with id {id}", role.as_str());
            Ok(())
        }
    }
}

fn print_logins() {
    println!("demo logins (password '{}'):", uitstroomtafel::demo::PASSWORD);
    for (user, role, org) in uitstroomtafel::demo::LOGINS {
        println!("  {user:<14} {:<22} {org}", role.label());
    }
}

#[actix_web::main]
async fn serve(config: Config, demo: bool) -> Result<(), String> {
    let bind = config.bind;
    let db = format!("{:?}", config.database);
    let app = Application::build(config, demo).await.map_err(|e| e.to_string())?;
    if app.is_demo() {
        print_logins();
    }
    println!("uitstroomtafel listening on http://{}:{} (database {db})", bind.ip(), app.port());
    app.run_until_stopped().await.map_err(|e| e.to_string())
}
