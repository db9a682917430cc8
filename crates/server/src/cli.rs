//! The command line: one clap struct, every flag also read from `SWITCHBOARD_*`.

use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use switchboard_domain::Plan;

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
    /// Apply pending database migrations and exit.
    Migrate(StorageArgs),
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
}
