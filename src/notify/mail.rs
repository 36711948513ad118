//! Mails: what the outbox stores, how it becomes a message (templates in
//! `templates/email/`), and the SMTP sender.

use super::EventKind;
use crate::config::{SmtpConfig, SmtpSecurity};
use askama::Template;
use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Message, SmtpTransport, Transport};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The content of an outbox row: only titles and links, never client details.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Payload {
    Event { kind: EventKind, title: String, link: String },
    Digest { day: chrono::NaiveDate, items: Vec<DigestItem> },
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DigestItem {
    pub kind: EventKind,
    pub title: String,
    pub link: String,
}

impl Payload {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("payload serialises")
    }
}

/// Why this person gets the mail, for the footer.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub role_label: String,
    pub organisation: String,
}

/// A rendered mail.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

struct Link {
    title: String,
    url: String,
}

struct Group {
    label: &'static str,
    links: Vec<Link>,
}

#[derive(Template)]
#[template(path = "email/event/body.txt")]
struct EventText<'a> {
    heading: &'a str,
    link: &'a Link,
    footer: &'a Footer,
}

#[derive(Template)]
#[template(path = "email/event/body.html")]
struct EventHtml<'a> {
    heading: &'a str,
    link: &'a Link,
    footer: &'a Footer,
}

#[derive(Template)]
#[template(path = "email/digest/body.txt")]
struct DigestText<'a> {
    day: String,
    groups: &'a [Group],
    footer: &'a Footer,
}

#[derive(Template)]
#[template(path = "email/digest/body.html")]
struct DigestHtml<'a> {
    day: String,
    groups: &'a [Group],
    footer: &'a Footer,
}

struct Footer {
    role_label: String,
    organisation: String,
    preferences_url: String,
}

/// Renders the mail for a payload; `public_url` makes links absolute.
pub fn render(payload: &Payload, to: &Recipient, public_url: &str) -> Result<Rendered, askama::Error> {
    let footer = Footer {
        role_label: to.role_label.clone(),
        organisation: to.organisation.clone(),
        preferences_url: format!("{public_url}/voorkeuren"),
    };
    match payload {
        Payload::Event { kind, title, link } => {
            let link = Link { title: title.clone(), url: format!("{public_url}{link}") };
            let heading = kind.label();
            Ok(Rendered {
                subject: format!("Uitstroomtafel: {title}"),
                text: EventText { heading, link: &link, footer: &footer }.render()?,
                html: EventHtml { heading, link: &link, footer: &footer }.render()?,
            })
        }
        Payload::Digest { day, items } => {
            let mut groups: Vec<Group> = Vec::new();
            for kind in EventKind::ALL {
                let links: Vec<Link> = items
                    .iter()
                    .filter(|i| i.kind == *kind)
                    .map(|i| Link { title: i.title.clone(), url: format!("{public_url}{}", i.link) })
                    .collect();
                if !links.is_empty() {
                    groups.push(Group { label: kind.label(), links });
                }
            }
            let day = day.format("%d-%m-%Y").to_string();
            Ok(Rendered {
                subject: format!("Uitstroomtafel: dagelijks overzicht van {day} ({} berichten)", items.len()),
                text: DigestText { day: day.clone(), groups: &groups, footer: &footer }.render()?,
                html: DigestHtml { day, groups: &groups, footer: &footer }.render()?,
            })
        }
    }
}

/// Sends mails over SMTP.
pub struct Mailer {
    transport: SmtpTransport,
    from: Mailbox,
}

impl Mailer {
    pub fn new(cfg: &SmtpConfig) -> Result<Mailer, String> {
        let builder = match cfg.security {
            SmtpSecurity::None => SmtpTransport::builder_dangerous(&cfg.host),
            SmtpSecurity::StartTls => SmtpTransport::starttls_relay(&cfg.host).map_err(|e| format!("smtp.host: {e}"))?,
            SmtpSecurity::Tls => SmtpTransport::relay(&cfg.host).map_err(|e| format!("smtp.host: {e}"))?,
        };
        let mut builder = builder.port(cfg.port).timeout(Some(Duration::from_secs(10)));
        if let Some((user, password)) = &cfg.credentials {
            builder = builder.credentials(Credentials::new(user.clone(), password.expose().to_string()));
        }
        let from = cfg.from.parse().map_err(|e| format!("smtp.from: {e}"))?;
        Ok(Mailer { transport: builder.build(), from })
    }

    /// Sends one mail with both a plain-text and an HTML part. `message_id` is stable
    /// for the outbox row, so a resend is recognisable as the same mail.
    pub fn send(&self, to: &str, mail: &Rendered, message_id: &str) -> Result<(), String> {
        let to: Mailbox = to.parse().map_err(|e| format!("recipient address: {e}"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&mail.subject)
            .message_id(Some(format!("<{message_id}@uitstroomtafel>")))
            .multipart(
                MultiPart::alternative()
                    .singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(mail.text.clone()))
                    .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(mail.html.clone())),
            )
            .map_err(|e| format!("building the message: {e}"))?;
        self.transport.send(&message).map(|_| ()).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn to() -> Recipient {
        Recipient { role_label: "uitstroomcoördinator".into(), organisation: "Tafel".into() }
    }

    #[test]
    fn event_mail_has_link_and_footer_in_both_parts() {
        let p = Payload::Event { kind: EventKind::ClientReady, title: "Cliënt UT-ABC234 is uitstroomklaar".into(), link: "/x/1".into() };
        let m = render(&p, &to(), "https://tafel.example.org").unwrap();
        assert_eq!(m.subject, "Uitstroomtafel: Cliënt UT-ABC234 is uitstroomklaar");
        for part in [&m.text, &m.html] {
            assert!(part.contains("https://tafel.example.org/x/1"));
            assert!(part.contains("https://tafel.example.org/voorkeuren"));
            assert!(part.contains("uitstroomcoördinator"));
        }
    }

    #[test]
    fn digest_groups_by_kind_and_escapes_html() {
        let items = vec![
            DigestItem { kind: EventKind::DwellingPublished, title: "Woning <b>1</b>".into(), link: "/d/1".into() },
            DigestItem { kind: EventKind::ClientReady, title: "Cliënt UT-1".into(), link: "/c/1".into() },
            DigestItem { kind: EventKind::DwellingPublished, title: "Woning 2".into(), link: "/d/2".into() },
        ];
        let p = Payload::Digest { day: chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(), items };
        let m = render(&p, &to(), "http://h").unwrap();
        assert!(m.subject.contains("3 berichten"));
        let published = m.text.find("Woning gepubliceerd (2)").unwrap();
        let ready = m.text.find("Cliënt uitstroomklaar (1)").unwrap();
        assert!(published < ready, "grouped in the order of the kinds");
        assert!(m.html.contains("Woning &#60;b&#62;1&#60;/b&#62;") || m.html.contains("Woning &lt;b&gt;1&lt;/b&gt;"), "{}", m.html);
    }
}
