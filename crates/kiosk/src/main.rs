//! `luot-kiosk`: parses the command line, sets up logging, runs the client until Ctrl-C or SIGTERM.
#![forbid(unsafe_code)]

use clap::Parser;
use luot_kiosk::Cli;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // `luot-kiosk printers` needs no server or token: it only looks at this machine.
    if std::env::args().nth(1).as_deref() == Some("printers") {
        return luot_kiosk::printers::run();
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    // `luot-kiosk service install|uninstall` (Windows): the kiosk as a Windows service.
    #[cfg(windows)]
    {
        let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
        if args.get(1).is_some_and(|a| a == "service") {
            return luot_kiosk::winservice::main(args[2..].to_vec());
        }
    }
    let config = match Cli::parse().into_config() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("luot-kiosk: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    match luot_kiosk::run(config, shutdown_signal()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "luot-kiosk cannot start");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Ctrl-C, or SIGTERM from systemd.
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
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
