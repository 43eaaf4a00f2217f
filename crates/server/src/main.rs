//! `luot`: parses configuration, opens the store, seeds the demo if asked, and
//! serves until Ctrl-C or SIGTERM.
#![forbid(unsafe_code)]

use clap::Parser;
use luot_server::{config::Cli, demo, serve, AppState};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
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

    let store = luot_store::connect(&cli.database_url, cli.store_options()).await?;
    if cli.demo && demo::seed_if_empty(store.as_ref(), jiff::Timestamp::now()).await? {
        tracing::info!("seeded the demo centre `mo-cay`");
    }
    let listener = tokio::net::TcpListener::bind(cli.listen).await?;
    tracing::info!(addr = %listener.local_addr()?, "listening; open http://{}/", listener.local_addr()?);
    let mut state = AppState::new(store.clone());
    state.public_url = cli.public_url.clone();
    serve(listener, state, shutdown_signal()).await?;
    store.close().await;
    tracing::info!("stopped");
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
