//! `luot`: parses configuration, opens the store, seeds the demo if asked, and
//! serves until Ctrl-C or SIGTERM.
#![deny(unsafe_code)] // only limit_malloc_arenas (glibc) allows it

use std::sync::Arc;

use clap::Parser;
use luot_server::{
    auth::{bootstrap, passwords::Cost, AuthConfig},
    config::{AdminCommand, Cli, Command},
    demo, serve, AppState,
};
use tracing_subscriber::EnvFilter;

/// glibc's malloc gives each thread that allocates while another does an arena
/// of its own, up to eight per core, and keeps what is freed in the arena it
/// came from. After a burst (thousands of websockets, a flood of requests) a
/// small PC kept that memory: 10,000 idle websocket clients after the
/// benchmark's other phases took 193 MiB, against 151 MiB with one arena per
/// core (docs/benchmarks.md). Called first, before any thread starts; an
/// explicit `MALLOC_ARENA_MAX` in the environment wins.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn limit_malloc_arenas() {
    if std::env::var_os("MALLOC_ARENA_MAX").is_some() {
        return;
    }
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let arenas = i32::try_from(cores).unwrap_or(i32::MAX).max(2);
    // SAFETY: mallopt only sets a parameter of glibc's allocator; it is
    // called before this process starts any other thread.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, arenas);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn limit_malloc_arenas() {}

fn main() -> anyhow::Result<()> {
    limit_malloc_arenas();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run())
}

async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    if cli.log_format == "json" {
        tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .init();
    } else {
        tracing_subscriber::fmt().with_env_filter(filter).init();
    }

    let now = {
        let fake = cli.fake_now;
        move || fake.unwrap_or_else(jiff::Timestamp::now)
    };
    let store = luot_store::connect(&cli.database_url, cli.store_options()).await?;
    if let Some(Command::Admin { command }) = &cli.command {
        let result = admin(store.as_ref(), command).await;
        store.close().await;
        return result;
    }
    if cli.demo && demo::seed_if_empty(store.as_ref(), now()).await? {
        tracing::info!("seeded the demo centre `mo-cay`");
    }
    let listener = tokio::net::TcpListener::bind(cli.listen).await?;
    let addr = listener.local_addr()?;
    if cli.demo {
        let centre = luot_domain::CentreCode::parse("mo-cay")?;
        let created =
            bootstrap::demo_accounts(store.as_ref(), &centre, Cost::Default, now()).await?;
        if let Some(creds) = created {
            // The secrets go to a private file, never to the output (a journal
            // keeps it): only where they are is printed.
            let base = format!("http://{addr}");
            let dir = cli.data_dir();
            let file = creds.write(&dir, &base).map_err(|e| {
                anyhow::anyhow!(
                    "cannot write the demo credentials to {}: {e}; the demo accounts exist \
                     without a known password (create an administrator with `luot admin create`)",
                    dir.display()
                )
            })?;
            println!("{}", creds.summary(&base, &file));
        }
    }
    tracing::info!(%addr, "listening; open http://{addr}/");
    let mut state = AppState::new(store.clone());
    state.always_open = cli.always_open;
    if let Some(start) = cli.fake_now {
        tracing::warn!(%start, "testing clock: time starts at --fake-now");
        let began = std::time::Instant::now();
        state.clock = Arc::new(move || {
            let run = jiff::SignedDuration::try_from(began.elapsed()).unwrap_or_default();
            start.saturating_add(run).unwrap_or(start)
        });
    }
    state.auth = Arc::new(AuthConfig {
        cookie_secure: cli.cookie_secure,
        trusted_proxies: cli.trusted_proxies.clone(),
        ..AuthConfig::default()
    });
    state.public_url = cli.public_url.clone();
    state.conn = cli.conn_limits();
    state.websockets = Arc::new(cli.websocket_caps());
    state.stream.ping_timeout = cli.ws_ping_timeout.max(std::time::Duration::from_secs(1));
    state.public_limits = Arc::new(luot_server::state::PublicLimits {
        remote_share_percent: cli.remote_share,
        ..Default::default()
    });
    let notifier: std::sync::Arc<dyn luot_server::notify::Notifier> = match &cli.notify_webhook {
        Some(url) => {
            std::sync::Arc::new(luot_server::notify::WebhookNotifier::new(url.to_string())?)
        }
        None => std::sync::Arc::new(luot_server::notify::LogNotifier),
    };
    let (housekeeping, _rounds) = luot_server::housekeeping::spawn(state.clone(), notifier);
    let (webhooks, _passes) = luot_server::webhooks::spawn(state.clone());
    let notice_options = luot_server::notices::NoticeOptions {
        zalo_token_file: cli.zalo_token_file.clone(),
        zalo_url: cli.zalo_api_url.clone(),
    };
    let (notices, _passes) = luot_server::notices::spawn(state.clone(), notice_options);
    serve(listener, state, shutdown_signal()).await?;
    housekeeping.abort();
    webhooks.abort();
    notices.abort();
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// `luot admin create --username NAME --password-stdin`.
async fn admin(store: &dyn luot_store::Store, command: &AdminCommand) -> anyhow::Result<()> {
    let AdminCommand::Create {
        username,
        password_stdin,
        display_name,
    } = command;
    if !password_stdin {
        anyhow::bail!("give the password on standard input with --password-stdin");
    }
    let mut password = String::new();
    std::io::stdin().read_line(&mut password)?;
    let password = password.trim_end_matches(['\r', '\n']);
    let account = bootstrap::create_account(
        store,
        username,
        display_name.as_deref().unwrap_or(username),
        password,
        luot_store::auth::Role::Admin,
        None,
        None,
        Cost::Default,
        jiff::Timestamp::now(),
    )
    .await
    .map_err(|e| anyhow::anyhow!("{}", e.body.message_en))?;
    println!("created administrator `{}`", account.username);
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
