//! A real SMTP server for the tests: Python's aiosmtpd, storing every mail it receives
//! in a Maildir that the tests read back.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use uitstroomtafel::config::{SmtpConfig, SmtpSecurity};
use uitstroomtafel::notify::mail::Mailer;

pub struct SmtpServer {
    pub port: u16,
    child: Child,
    dir: tempfile::TempDir,
}

/// A mail as received.
#[derive(Debug, Clone)]
pub struct Received {
    pub to: String,
    pub subject: String,
    pub message_id: String,
    pub text: String,
    pub html: String,
    pub raw: String,
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn available() -> bool {
    Command::new("python3").args(["-c", "import aiosmtpd"]).stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
}

impl SmtpServer {
    /// Starts a server on a free port; `None` (with a printed skip) when aiosmtpd is not
    /// installed, unless UITSTROOMTAFEL_REQUIRE_SMTP=1 makes that a failure.
    pub fn start() -> Option<SmtpServer> {
        Self::start_on(free_port())
    }

    pub fn start_on(port: u16) -> Option<SmtpServer> {
        if !available() {
            if std::env::var("UITSTROOMTAFEL_REQUIRE_SMTP").is_ok_and(|v| v == "1") {
                panic!("aiosmtpd is required here (UITSTROOMTAFEL_REQUIRE_SMTP=1): pip install aiosmtpd");
            }
            eprintln!("SKIPPED SMTP test: python3 -m aiosmtpd is not installed");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let child = Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(dir.path().join("maildir"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start aiosmtpd");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(20), "aiosmtpd did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(SmtpServer { port, child, dir })
    }

    /// Every mail received so far.
    pub fn received(&self) -> Vec<Received> {
        let mut out = Vec::new();
        for sub in ["new", "cur"] {
            let Ok(entries) = std::fs::read_dir(self.dir.path().join("maildir").join(sub)) else { continue };
            let mut paths: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
            paths.sort();
            for p in paths {
                let raw = std::fs::read(&p).unwrap();
                let m = mail_parser::MessageParser::default().parse(&raw).expect("a parsable mail");
                out.push(Received {
                    to: m.to().and_then(|a| a.first()).and_then(|a| a.address()).unwrap_or_default().to_string(),
                    subject: m.subject().unwrap_or_default().to_string(),
                    message_id: m.message_id().unwrap_or_default().to_string(),
                    text: m.body_text(0).map(|t| t.to_string()).unwrap_or_default(),
                    html: m.body_html(0).map(|t| t.to_string()).unwrap_or_default(),
                    raw: String::from_utf8_lossy(&raw).into_owned(),
                });
            }
        }
        out
    }

    pub fn mailer(&self) -> Mailer {
        mailer_on(self.port)
    }
}

pub fn mailer_on(port: u16) -> Mailer {
    Mailer::new(&SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        security: SmtpSecurity::None,
        credentials: None,
        from: "Uitstroomtafel <noreply@test.invalid>".into(),
    })
    .unwrap()
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
