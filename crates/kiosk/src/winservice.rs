//! `luot-kiosk service install|uninstall` on Windows: the kiosk client as a
//! Windows service (`windows-service` crate), started at boot, restarted by
//! the service manager after a failure.
//!
//! `service install --server ... --token ... [flags]` registers this very
//! executable with `service run` and the given flags (plus `--state-dir
//! %ProgramData%\luot-kiosk` unless one is given: the service's account has no
//! user profile worth keeping state in). The service manager then starts
//! `luot-kiosk service run ...`, which hands control to the dispatcher; the
//! Stop request ends the client as Ctrl-C would.

use std::ffi::OsString;
use std::time::Duration;
use windows_service::service::{
    ServiceAccess, ServiceAction, ServiceActionType, ServiceControl, ServiceControlAccept,
    ServiceErrorControl, ServiceExitCode, ServiceFailureActions, ServiceFailureResetPeriod,
    ServiceInfo, ServiceStartType, ServiceState, ServiceStatus, ServiceType,
};
use windows_service::service_control_handler::{self, ServiceControlHandlerResult};
use windows_service::service_manager::{ServiceManager, ServiceManagerAccess};
use windows_service::{define_windows_service, service_dispatcher};

pub const NAME: &str = "luot-kiosk";

/// `luot-kiosk service ...`: `args` are the words after `service`.
pub fn main(args: Vec<OsString>) -> std::process::ExitCode {
    let verb = args.first().and_then(|a| a.to_str()).unwrap_or("");
    let rest = args.get(1..).unwrap_or(&[]).to_vec();
    let outcome = match verb {
        "install" => install(rest),
        "uninstall" => uninstall(),
        "run" => service_dispatcher::start(NAME, ffi_service_main).map_err(|e| e.to_string()),
        _ => Err(
            "usage: luot-kiosk service install --server URL --token TOKEN [flags] | uninstall"
                .into(),
        ),
    };
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("luot-kiosk service {verb}: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn install(flags: Vec<OsString>) -> Result<(), String> {
    // The flags must make a valid command line now, not at the next boot.
    let argv = std::iter::once(OsString::from("luot-kiosk")).chain(flags.iter().cloned());
    <crate::Cli as clap::Parser>::try_parse_from(argv).map_err(|e| e.to_string())?;
    let mut launch = vec![OsString::from("service"), OsString::from("run")];
    launch.extend(flags.iter().cloned());
    if !flags
        .iter()
        .any(|f| f.to_str().is_some_and(|f| f.starts_with("--state-dir")))
    {
        let data = std::env::var_os("ProgramData").unwrap_or_else(|| "C:\\ProgramData".into());
        launch.push("--state-dir".into());
        launch.push(std::path::Path::new(&data).join(NAME).into_os_string());
    }
    let manager = ServiceManager::local_computer(
        None::<&str>,
        ServiceManagerAccess::CONNECT | ServiceManagerAccess::CREATE_SERVICE,
    )
    .map_err(|e| format!("{e} (run from an administrator prompt)"))?;
    let info = ServiceInfo {
        name: NAME.into(),
        display_name: "Lượt kiosk".into(),
        service_type: ServiceType::OWN_PROCESS,
        start_type: ServiceStartType::AutoStart,
        error_control: ServiceErrorControl::Normal,
        executable_path: std::env::current_exe().map_err(|e| e.to_string())?,
        launch_arguments: launch,
        dependencies: vec![],
        account_name: None, // LocalSystem: may open USB printers and the spooler
        account_password: None,
    };
    let service = manager
        .create_service(&info, ServiceAccess::CHANGE_CONFIG | ServiceAccess::START)
        .map_err(|e| e.to_string())?;
    let _ = service
        .set_description("Lượt: in phiếu và trang kiosk (cấp số cả khi mất kết nối máy chủ)");
    let restart = ServiceAction {
        action_type: ServiceActionType::Restart,
        delay: Duration::from_secs(5),
    };
    service
        .update_failure_actions(ServiceFailureActions {
            reset_period: ServiceFailureResetPeriod::After(Duration::from_secs(86_400)),
            reboot_msg: None,
            command: None,
            actions: Some(vec![restart.clone(), restart.clone(), restart]),
        })
        .map_err(|e| e.to_string())?;
    service.start::<OsString>(&[]).map_err(|e| e.to_string())?;
    println!("service {NAME} installed and started");
    Ok(())
}

fn uninstall() -> Result<(), String> {
    let manager = ServiceManager::local_computer(None::<&str>, ServiceManagerAccess::CONNECT)
        .map_err(|e| format!("{e} (run from an administrator prompt)"))?;
    let service = manager
        .open_service(
            NAME,
            ServiceAccess::QUERY_STATUS | ServiceAccess::STOP | ServiceAccess::DELETE,
        )
        .map_err(|e| e.to_string())?;
    if service
        .query_status()
        .map_err(|e| e.to_string())?
        .current_state
        != ServiceState::Stopped
    {
        let _ = service.stop();
    }
    service.delete().map_err(|e| e.to_string())?;
    println!("service {NAME} removed");
    Ok(())
}

define_windows_service!(ffi_service_main, service_main);

/// Runs the client under the service manager until it asks to stop.
fn service_main(_: Vec<OsString>) {
    // The launch arguments: `luot-kiosk service run FLAGS...`.
    let flags: Vec<OsString> = std::env::args_os().skip(3).collect();
    let argv = std::iter::once(OsString::from("luot-kiosk")).chain(flags);
    let config = match <crate::Cli as clap::Parser>::try_parse_from(argv)
        .map_err(|e| e.to_string())
        .and_then(|c| c.into_config().map_err(|e| e.to_string()))
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "bad service command line");
            return;
        }
    };
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let stop_tx = std::sync::Mutex::new(Some(stop_tx));
    let handler = move |event| match event {
        ServiceControl::Stop | ServiceControl::Shutdown => {
            if let Some(tx) = stop_tx.lock().ok().and_then(|mut t| t.take()) {
                let _ = tx.send(());
            }
            ServiceControlHandlerResult::NoError
        }
        ServiceControl::Interrogate => ServiceControlHandlerResult::NoError,
        _ => ServiceControlHandlerResult::NotImplemented,
    };
    let Ok(status) = service_control_handler::register(NAME, handler) else {
        return;
    };
    let report = |state, accept, code| {
        let _ = status.set_service_status(ServiceStatus {
            service_type: ServiceType::OWN_PROCESS,
            current_state: state,
            controls_accepted: accept,
            exit_code: ServiceExitCode::Win32(code),
            checkpoint: 0,
            wait_hint: Duration::from_secs(10),
            process_id: None,
        });
    };
    report(
        ServiceState::Running,
        ServiceControlAccept::STOP | ServiceControlAccept::SHUTDOWN,
        0,
    );
    let outcome = tokio::runtime::Runtime::new().map(|rt| {
        rt.block_on(crate::run(config, async {
            let _ = stop_rx.await;
        }))
    });
    let code = match outcome {
        Ok(Ok(())) => 0,
        Ok(Err(e)) => {
            tracing::error!(error = %e, "luot-kiosk cannot start");
            1
        }
        Err(e) => {
            tracing::error!(error = %e, "no async runtime");
            1
        }
    };
    // A non-zero exit code makes the service manager apply the restart actions.
    report(ServiceState::Stopped, ServiceControlAccept::empty(), code);
}
