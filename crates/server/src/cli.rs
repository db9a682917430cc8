//! The command line: one clap struct, every flag also read from `SWITCHBOARD_*`.

use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use switchboard_domain::Plan;
use switchboard_store::ImapTls;

/// Switchboard: a self-hosted shared team inbox.
#[derive(Debug, Parser)]
#[command(name = "switchboard", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (HTTP API, web UI, realtime).
    Serve(ServeArgs),
    /// Create an account and its first admin (run again to add another account).
    Init(InitArgs),
    /// Manage accounts.
    Account {
        #[command(subcommand)]
        command: AccountCommand,
    },
    /// Manage inboxes.
    Inbox {
        #[command(subcommand)]
        command: InboxCommand,
    },
    /// Apply pending database migrations and exit.
    Migrate(StorageArgs),
    /// Import a mailbox (.eml files, mbox files) into an inbox, threading replies.
    ///
    /// DIR is a directory, walked recursively: each `.eml` file is one message, each
    /// `.mbox` file (or file named `mbox`) holds many; other files are skipped. DIR may
    /// also be one such file. Messages go in oldest first. Safe to run again: messages
    /// whose Message-ID is already stored are skipped, so an interrupted import
    /// continues where it stopped. Messages that can never be filed (no From address)
    /// are listed and counted as refused; they do not make the command fail. It exits
    /// non-zero only when the database or disk keeps failing.
    ImportEml(ImportEmlArgs),
}

#[derive(Debug, Args)]
pub struct ImportEmlArgs {
    /// A directory of .eml/mbox files, or one such file.
    #[arg(value_name = "DIR", env = "SWITCHBOARD_IMPORT_DIR")]
    pub path: PathBuf,
    /// The id of the inbox the messages go into.
    #[arg(long, env = "SWITCHBOARD_IMPORT_INBOX")]
    pub inbox: i64,
    #[command(flatten)]
    pub storage: StorageArgs,
}

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Change an account's plan.
    SetPlan {
        /// The account's name.
        account: String,
        /// starter, professional or enterprise.
        #[arg(value_parser = parse_plan)]
        plan: Plan,
        #[command(flatten)]
        storage: StorageArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum InboxCommand {
    /// Fetch an inbox's mail from an IMAP folder (the server polls it).
    Imap {
        #[command(subcommand)]
        command: ImapCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImapCommand {
    /// Poll an IMAP folder into the inbox, replacing its earlier source.
    ///
    /// The running server picks the change up at its next round (--imap-interval).
    /// Mail is read, never marked seen or deleted; the UIDs filed are remembered, so
    /// a restart neither misses nor repeats mail. Progress is kept unless the host,
    /// user or folder changes.
    Set(ImapSetArgs),
    /// Stop polling IMAP for the inbox.
    Remove {
        /// The inbox's id.
        inbox: i64,
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// List the IMAP sources: folder, last UID, last poll and last error.
    List {
        #[command(flatten)]
        storage: StorageArgs,
    },
}

#[derive(Debug, Args)]
pub struct ImapSetArgs {
    /// The inbox's id.
    pub inbox: i64,
    /// The IMAP server's host name.
    #[arg(long, env = "SWITCHBOARD_IMAP_HOST")]
    pub host: String,
    /// The port; 993 with --tls tls, else 143.
    #[arg(long, env = "SWITCHBOARD_IMAP_PORT", value_parser = clap::value_parser!(u16).range(1..))]
    pub port: Option<u16>,
    /// tls (from the first byte), starttls, or none (a server on this machine only).
    #[arg(long, env = "SWITCHBOARD_IMAP_TLS", value_parser = parse_imap_tls)]
    pub tls: ImapTls,
    /// The login name.
    #[arg(long, env = "SWITCHBOARD_IMAP_USER")]
    pub user: String,
    /// A file holding the password (its first line), read by the server at each poll;
    /// the password is never stored in the database.
    #[arg(long, env = "SWITCHBOARD_IMAP_PASSWORD_FILE")]
    pub password_file: PathBuf,
    /// The folder to poll.
    #[arg(long, env = "SWITCHBOARD_IMAP_FOLDER", default_value = "INBOX")]
    pub folder: String,
    /// PEM certificates the server's certificate must chain to, instead of the public
    /// roots (a self-hosted server's own CA or self-signed certificate).
    #[arg(long, env = "SWITCHBOARD_IMAP_CA_FILE")]
    pub ca_file: Option<PathBuf>,
    #[command(flatten)]
    pub storage: StorageArgs,
}

impl ImapSetArgs {
    /// The port given, or the usual one of the TLS mode.
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(match self.tls {
            ImapTls::Tls => 993,
            ImapTls::Starttls | ImapTls::None => 143,
        })
    }
}

fn parse_imap_tls(s: &str) -> Result<ImapTls, String> {
    s.parse()
        .map_err(|()| "expected tls, starttls or none".to_owned())
}

fn parse_plan(s: &str) -> Result<Plan, String> {
    s.parse()
        .map_err(|_| "expected starter, professional or enterprise".to_owned())
}

/// Where data lives; accepted by every subcommand.
#[derive(Debug, Clone, Args)]
pub struct StorageArgs {
    /// Directory for the SQLite database and attachments.
    #[arg(long, env = "SWITCHBOARD_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    /// Database URL (`postgres://...`); defaults to SQLite in the data directory.
    #[arg(long, env = "SWITCHBOARD_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
}

impl StorageArgs {
    /// The database URL to open: the explicit one, or the data directory's SQLite file.
    pub fn url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}",
                self.data_dir.join("switchboard.db").display()
            ),
        }
    }
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub storage: StorageArgs,
    /// Address for HTTP (API, UI, WebSocket).
    #[arg(long, env = "SWITCHBOARD_HTTP", default_value = "127.0.0.1:8080")]
    pub http: SocketAddr,
    /// Address for the inbound SMTP listener of the email channel.
    #[arg(long, env = "SWITCHBOARD_SMTP", default_value = "127.0.0.1:2525")]
    pub smtp: SocketAddr,
    /// Outbound SMTP relay (`smtp://user:pass@host:port`); without one, mail waits in the outbox.
    #[arg(long, env = "SWITCHBOARD_RELAY", hide_env_values = true)]
    pub relay: Option<String>,
    /// Sender address of notification emails.
    #[arg(long, env = "SWITCHBOARD_MAIL_FROM", default_value = crate::DEFAULT_MAIL_FROM)]
    pub mail_from: String,
    /// Seed a demo account (if the database has none) and print its login.
    #[arg(long, env = "SWITCHBOARD_DEMO")]
    pub demo: bool,
    /// Mark cookies `Secure` (serve behind HTTPS).
    #[arg(long, env = "SWITCHBOARD_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// Seconds between two polls of each IMAP source (`switchboard inbox imap set`).
    #[arg(long, env = "SWITCHBOARD_IMAP_INTERVAL", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    pub imap_interval: u64,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The new account's name.
    #[arg(long, env = "SWITCHBOARD_ACCOUNT")]
    pub account: String,
    /// The first admin's email; the password comes from SWITCHBOARD_ADMIN_PASSWORD or a prompt.
    #[arg(long, env = "SWITCHBOARD_ADMIN_EMAIL")]
    pub admin_email: String,
    /// The first admin's display name.
    #[arg(long, env = "SWITCHBOARD_ADMIN_NAME", default_value = "Admin")]
    pub admin_name: String,
    /// The account's plan.
    #[arg(long, env = "SWITCHBOARD_PLAN", default_value = "professional", value_parser = parse_plan)]
    pub plan: Plan,
    #[command(flatten)]
    pub storage: StorageArgs,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn storage_flags_come_after_the_subcommand() {
        let cli = Cli::try_parse_from([
            "switchboard",
            "init",
            "--account",
            "Acme",
            "--admin-email",
            "a@acme.test",
            "--data-dir",
            "/tmp/x",
        ])
        .unwrap();
        let Command::Init(args) = cli.command else {
            panic!("not init")
        };
        assert_eq!(args.storage.url(), "sqlite:///tmp/x/switchboard.db");
        assert!(
            Cli::try_parse_from(["switchboard", "account", "set-plan", "Acme", "gold"]).is_err()
        );
    }

    fn imap(args: &[&str]) -> Result<ImapCommand, clap::Error> {
        let cli = Cli::try_parse_from(["switchboard", "inbox", "imap"].iter().chain(args))?;
        let Command::Inbox {
            command: InboxCommand::Imap { command },
        } = cli.command
        else {
            panic!("not inbox imap")
        };
        Ok(command)
    }

    #[test]
    fn imap_set_takes_the_source_and_storage_flags() {
        let command = imap(&[
            "set",
            "7",
            "--host",
            "imap.acme.test",
            "--tls",
            "starttls",
            "--user",
            "support@acme.test",
            "--password-file",
            "/run/secrets/imap",
            "--data-dir",
            "/tmp/x",
        ])
        .unwrap();
        let ImapCommand::Set(args) = command else {
            panic!("not set")
        };
        assert_eq!(args.inbox, 7);
        assert_eq!(args.host, "imap.acme.test");
        assert_eq!(args.tls, ImapTls::Starttls);
        assert_eq!(args.port(), 143);
        assert_eq!(args.folder, "INBOX");
        assert_eq!(args.password_file, PathBuf::from("/run/secrets/imap"));
        assert_eq!(args.ca_file, None);
        assert_eq!(args.storage.url(), "sqlite:///tmp/x/switchboard.db");
        let command = imap(&[
            "set",
            "7",
            "--host",
            "h",
            "--port",
            "1993",
            "--tls",
            "tls",
            "--user",
            "u",
            "--password-file",
            "p",
            "--folder",
            "Support",
            "--ca-file",
            "ca.pem",
        ])
        .unwrap();
        let ImapCommand::Set(args) = command else {
            panic!("not set")
        };
        assert_eq!((args.port(), args.folder.as_str()), (1993, "Support"));
        assert_eq!(args.ca_file, Some(PathBuf::from("ca.pem")));
    }

    #[test]
    fn imap_set_refuses_bad_ports_and_tls_modes() {
        let base = [
            "set",
            "7",
            "--host",
            "h",
            "--user",
            "u",
            "--password-file",
            "p",
        ];
        for bad in [
            &["--tls", "ssl"][..],
            &["--tls", "tls", "--port", "0"],
            &["--tls", "tls", "--port", "70000"],
            &["--tls", "tls", "--port", "imaps"],
        ] {
            let args: Vec<&str> = base.iter().chain(bad).copied().collect();
            assert!(imap(&args).is_err(), "{bad:?} was taken");
        }
        // The password file is required: no password on the command line.
        assert!(imap(&["set", "7", "--host", "h", "--user", "u", "--tls", "tls"]).is_err());
        assert!(imap(&[
            "set",
            "7",
            "--host",
            "h",
            "--tls",
            "tls",
            "--user",
            "u",
            "--password",
            "x"
        ])
        .is_err());
    }

    #[test]
    fn imap_remove_and_list_take_the_storage_flags() {
        let ImapCommand::Remove { inbox, storage } =
            imap(&["remove", "3", "--database-url", "postgres://db/x"]).unwrap()
        else {
            panic!("not remove")
        };
        assert_eq!((inbox, storage.url()), (3, "postgres://db/x".to_owned()));
        let ImapCommand::List { storage } = imap(&["list", "--data-dir", "/srv/sb"]).unwrap()
        else {
            panic!("not list")
        };
        assert_eq!(storage.url(), "sqlite:///srv/sb/switchboard.db");
    }

    #[test]
    fn serve_polls_imap_every_minute_unless_told_otherwise() {
        let Command::Serve(args) = Cli::try_parse_from(["switchboard", "serve"])
            .unwrap()
            .command
        else {
            panic!("not serve")
        };
        assert_eq!(args.imap_interval, 60);
        let Command::Serve(args) =
            Cli::try_parse_from(["switchboard", "serve", "--imap-interval", "5"])
                .unwrap()
                .command
        else {
            panic!("not serve")
        };
        assert_eq!(args.imap_interval, 5);
        assert!(Cli::try_parse_from(["switchboard", "serve", "--imap-interval", "0"]).is_err());
    }
}
