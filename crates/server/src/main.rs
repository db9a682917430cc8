//! The `switchboard` binary: parses the command line and runs the subcommand.

use anyhow::{bail, Context};
use clap::Parser;
use std::sync::Arc;
use switchboard_domain::{InboxId, Role};
use switchboard_server::app::{App, NewUserInput};
use switchboard_server::cli::{
    AccountCommand, Cli, Command, ImapCommand, InboxCommand, InitArgs, ServeArgs, StorageArgs,
};
use switchboard_server::{demo, ServerOptions};
use switchboard_store::{SqlStore, Store};
use tracing_subscriber::EnvFilter;

/// mimalloc returns freed memory to the system, where glibc's per-thread arenas keep the
/// 19 MiB argon2 buffers of concurrent logins resident for the life of the process.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // An import files mail through the path that logs each mail at info: a line per
    // message would bury its progress bar and summary.
    let default_log = match cli.command {
        Command::ImportEml(_) => "warn",
        _ => "info",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("SWITCHBOARD_LOG")
                .unwrap_or_else(|_| EnvFilter::new(default_log))
                // async-imap traces every command it sends, LOGIN with its password
                // included: never let that through, whatever SWITCHBOARD_LOG asks for.
                .add_directive(
                    "async_imap=off"
                        .parse()
                        .expect("a constant, valid filter directive"),
                ),
        )
        .with_target(false)
        .init();
    match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::Init(args) => init(args).await,
        Command::Account {
            command:
                AccountCommand::SetPlan {
                    account,
                    plan,
                    storage,
                },
        } => {
            let store = open(&storage).await?;
            let found = store
                .account_by_name(&account)
                .await
                .with_context(|| format!("no account named {account:?}"))?;
            store.set_plan(found.id, plan).await?;
            println!("{account} is now on the {plan} plan");
            Ok(())
        }
        Command::Inbox {
            command: InboxCommand::Imap { command },
        } => imap_command(command).await,
        Command::Migrate(storage) => {
            open(&storage).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::ImportEml(args) => import_eml(args).await,
    }
}

/// Opens (and migrates) the store, creating the data directory for SQLite.
async fn open(storage: &StorageArgs) -> anyhow::Result<SqlStore> {
    if storage.database_url.is_none() {
        std::fs::create_dir_all(&storage.data_dir).with_context(|| {
            format!("creating the data directory {}", storage.data_dir.display())
        })?;
    }
    SqlStore::connect(&storage.url())
        .await
        .context("opening the database")
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let store: Arc<dyn Store> = Arc::new(open(&args.storage).await?);
    let options = ServerOptions {
        secure_cookies: args.secure_cookies,
        attachments_dir: args.storage.data_dir.join("attachments"),
        relay: args
            .relay
            .as_deref()
            .map(switchboard_mail::relay::Relay::from_url)
            .transpose()
            .context("--relay")?,
        mail_from: args.mail_from.clone(),
        imap: Some(switchboard_server::imap::ImapPollerConfig {
            interval: std::time::Duration::from_secs(args.imap_interval),
            ..Default::default()
        }),
        ..ServerOptions::default()
    };
    let hub = switchboard_server::hub_for_database(&args.storage.url(), &options).await?;
    let state = switchboard_server::state_with_hub(store, &options, hub);
    if args.demo && demo::seed(&state.app).await? {
        tracing::info!("seeded the demo account");
    }
    let listener = tokio::net::TcpListener::bind(args.http)
        .await
        .with_context(|| format!("binding {}", args.http))?;
    let addr = listener.local_addr()?;
    println!("Switchboard is running at http://{addr}");
    if args.demo {
        println!(
            "Log in as {} with password {}",
            demo::USERS[0].1,
            demo::PASSWORD
        );
    }
    let smtp = switchboard_server::smtp::bind(
        args.smtp,
        state.app.clone(),
        switchboard_mail::smtp_server::SmtpConfig::default(),
    )
    .await
    .with_context(|| format!("binding the SMTP listener on {}", args.smtp))?;
    println!("Receiving email by SMTP at {}", smtp.local_addr()?);
    if args.relay.is_none() {
        tracing::info!("no outbound relay configured: outgoing mail waits in the outbox");
    }
    // One signal stops both listeners.
    let shutdown = futures::FutureExt::shared(Box::pin(shutdown_signal()));
    tokio::try_join!(
        switchboard_server::serve(listener, state, shutdown.clone()),
        switchboard_server::smtp::serve(smtp, shutdown),
    )?;
    tracing::info!("stopped");
    Ok(())
}

async fn init(args: InitArgs) -> anyhow::Result<()> {
    let password = match std::env::var("SWITCHBOARD_ADMIN_PASSWORD") {
        Ok(p) if !p.is_empty() => p,
        _ => {
            let first = rpassword::prompt_password("Admin password: ")?;
            let again = rpassword::prompt_password("Again: ")?;
            if first != again {
                bail!("the passwords differ");
            }
            first
        }
    };
    let store: Arc<dyn Store> = Arc::new(open(&args.storage).await?);
    let app = App::new(
        store.clone(),
        switchboard_realtime::Hub::local(),
        switchboard_server::app::system_clock(),
    );
    let account = store
        .create_account(&args.account, args.plan, app.now())
        .await
        .context("creating the account")?;
    let input = NewUserInput {
        name: args.admin_name,
        email: args.admin_email,
        password,
        role: Role::Admin,
        seat: switchboard_domain::Seat::Service,
    };
    let admin = app
        .create_first_admin(account.id, input)
        .await
        .map_err(|e| anyhow::anyhow!("creating the admin: {e}"))?;
    println!(
        "Created account {} ({}) with admin {}",
        account.name, account.plan, admin.email
    );
    Ok(())
}

/// Imports a mailbox with an App like the server's, attachments in the data directory
/// where the server reads them.
async fn import_eml(args: switchboard_server::cli::ImportEmlArgs) -> anyhow::Result<()> {
    let store: Arc<dyn Store> = Arc::new(open(&args.storage).await?);
    let app = App::new(
        store,
        switchboard_realtime::Hub::local(),
        switchboard_server::app::system_clock(),
    )
    .with_attachments_dir(args.storage.data_dir.join("attachments"));
    let inbox = switchboard_domain::InboxId(args.inbox);
    switchboard_server::import::run(&app, &args.path, inbox).await?;
    Ok(())
}

/// `switchboard inbox imap ...`: configures, removes or lists IMAP sources.
async fn imap_command(command: ImapCommand) -> anyhow::Result<()> {
    use switchboard_server::imap;
    match command {
        ImapCommand::Set(args) => {
            let store = open(&args.storage).await?;
            let input = imap::SourceInput {
                inbox: InboxId(args.inbox),
                host: args.host.clone(),
                port: args.port(),
                tls: args.tls,
                username: args.user.clone(),
                password_file: args.password_file.clone(),
                folder: args.folder.clone(),
                ca_file: args.ca_file.clone(),
            };
            let now = switchboard_server::app::system_clock()();
            let source = imap::set_source(&store, input, now).await?;
            println!("{}", imap::describe(&source));
            Ok(())
        }
        ImapCommand::Remove { inbox, storage } => {
            let store = open(&storage).await?;
            match store.remove_imap_source(InboxId(inbox)).await {
                Ok(()) => {
                    println!("inbox {inbox} no longer polls IMAP");
                    Ok(())
                }
                Err(switchboard_store::StoreError::NotFound) => {
                    bail!("inbox {inbox} has no IMAP source")
                }
                Err(e) => Err(e).context("removing the IMAP source"),
            }
        }
        ImapCommand::List { storage } => {
            let store = open(&storage).await?;
            let sources = store.imap_sources().await?;
            if sources.is_empty() {
                println!("no inbox polls IMAP");
            }
            for source in sources {
                println!("{}", imap::describe(&source));
            }
            Ok(())
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
