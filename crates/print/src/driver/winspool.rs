//! `winspool://Printer Name`: a RAW job through the Windows spooler, for printers installed only
//! as Windows printers (the vendor's driver owns the port). Windows only; the one module of the
//! crate allowed `unsafe` (Win32 calls through the `windows` crate).
//!
//! OpenPrinterW, StartDocPrinterW with datatype "RAW" (the spooler passes the ESC/POS bytes
//! through untouched), WritePrinter, EndDocPrinter; then GetJobW is polled: `printed` only when
//! the spooler marks the job PRINTED (all of it went to the printer); paper out is `failed`;
//! anything else, including a job that vanished from the queue unseen, is `unknown`.

use super::{Delivery, PrintError, Printer, PrinterStatus};
use async_trait::async_trait;
use std::time::{Duration, Instant};
use windows::core::{PCWSTR, PWSTR};
use windows::Win32::Graphics::Printing::{
    ClosePrinter, EndDocPrinter, EndPagePrinter, EnumPrintersW, GetJobW, OpenPrinterW,
    StartDocPrinterW, StartPagePrinter, WritePrinter, DOC_INFO_1W, JOB_INFO_1W, JOB_STATUS_ERROR,
    JOB_STATUS_OFFLINE, JOB_STATUS_PAPEROUT, JOB_STATUS_PRINTED, PRINTER_ENUM_CONNECTIONS,
    PRINTER_ENUM_LOCAL, PRINTER_HANDLE, PRINTER_INFO_4W,
};

/// How long the spooler may take to hand the job to the printer.
const CONFIRM: Duration = Duration::from_secs(120);

fn wide(s: &str) -> Vec<u16> {
    s.encode_utf16().chain(std::iter::once(0)).collect()
}

/// An open printer handle, closed on drop.
struct Handle(PRINTER_HANDLE);

impl Handle {
    fn open(name: &str) -> std::io::Result<Handle> {
        let name = wide(name);
        let mut h = PRINTER_HANDLE::default();
        // SAFETY: `name` is a NUL-terminated UTF-16 buffer alive for the call; `h` is a valid out pointer.
        unsafe { OpenPrinterW(PCWSTR(name.as_ptr()), &mut h, None) }
            .map_err(std::io::Error::other)?;
        Ok(Handle(h))
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: the handle came from OpenPrinterW and is closed exactly once.
        let _ = unsafe { ClosePrinter(self.0) };
    }
}

fn last_error(during: &'static str, target: &str) -> PrintError {
    PrintError::Io {
        target: target.to_owned(),
        during,
        source: std::io::Error::last_os_error(),
    }
}

/// Job status bits, or None once the job left the queue.
fn job_status(h: &Handle, job: u32) -> Option<u32> {
    let mut need = 0u32;
    // SAFETY: a size query with no buffer; `need` is a valid out pointer.
    let _ = unsafe { GetJobW(h.0, job, 1, None, &mut need) };
    if need == 0 {
        return None;
    }
    let mut buf = vec![0u8; need as usize];
    // SAFETY: `buf` is `need` bytes long as the previous call asked; `need` is a valid out pointer.
    let ok = unsafe { GetJobW(h.0, job, 1, Some(&mut buf), &mut need) };
    if !ok.as_bool() || buf.len() < std::mem::size_of::<JOB_INFO_1W>() {
        return None;
    }
    // SAFETY: GetJobW level 1 filled `buf` with a JOB_INFO_1W at its start; read unaligned.
    let info = unsafe { std::ptr::read_unaligned(buf.as_ptr() as *const JOB_INFO_1W) };
    Some(info.Status)
}

fn print_raw(name: &str, bytes: &[u8], target: &str) -> Result<Delivery, PrintError> {
    let h = Handle::open(name).map_err(|source| PrintError::Connect {
        target: target.to_owned(),
        source,
    })?;
    let mut doc_name = wide("Luot ticket");
    let mut datatype = wide("RAW");
    let doc = DOC_INFO_1W {
        pDocName: PWSTR(doc_name.as_mut_ptr()),
        pOutputFile: PWSTR::null(),
        pDatatype: PWSTR(datatype.as_mut_ptr()),
    };
    // SAFETY: `doc` and the buffers it points to outlive the call.
    let job = unsafe { StartDocPrinterW(h.0, 1, &doc) };
    if job == 0 {
        return Err(last_error("starting the RAW document", target));
    }
    let mut written = 0u32;
    // SAFETY: the handle is open with a document started; `bytes` is valid for its length.
    let ok = unsafe {
        StartPagePrinter(h.0).as_bool()
            && WritePrinter(h.0, bytes.as_ptr().cast(), bytes.len() as u32, &mut written).as_bool()
            && EndPagePrinter(h.0).as_bool()
    };
    // SAFETY: ends the document started above, whatever happened to the page.
    let ended = unsafe { EndDocPrinter(h.0) }.as_bool();
    if !ok || !ended || written as usize != bytes.len() {
        return Ok(Delivery::Unknown(format!(
            "the spooler took {written} of {} bytes: {}",
            bytes.len(),
            std::io::Error::last_os_error()
        )));
    }
    let deadline = Instant::now() + CONFIRM;
    while Instant::now() < deadline {
        match job_status(&h, job) {
            Some(s) if s & JOB_STATUS_PRINTED != 0 => return Ok(Delivery::Printed),
            Some(s) if s & JOB_STATUS_PAPEROUT != 0 => {
                return Ok(Delivery::Failed(PrinterStatus::PaperOut))
            }
            Some(s) if s & (JOB_STATUS_ERROR | JOB_STATUS_OFFLINE) != 0 => {
                return Ok(Delivery::Unknown(format!("spooler job status {s:#x}")))
            }
            Some(_) => std::thread::sleep(Duration::from_millis(100)),
            None => {
                return Ok(Delivery::Unknown(
                    "the job left the spooler without a printed mark".into(),
                ))
            }
        }
    }
    Ok(Delivery::Unknown(
        "the spooler did not finish the job in time".into(),
    ))
}

/// Names of the printers installed on this machine (local and connections).
pub fn list() -> std::io::Result<Vec<String>> {
    let flags = PRINTER_ENUM_LOCAL | PRINTER_ENUM_CONNECTIONS;
    let (mut need, mut count) = (0u32, 0u32);
    // SAFETY: a size query with no buffer; both out pointers are valid.
    let _ = unsafe { EnumPrintersW(flags, PCWSTR::null(), 4, None, &mut need, &mut count) };
    if need == 0 {
        return Ok(Vec::new());
    }
    // u64 backing keeps the PRINTER_INFO_4W array aligned.
    let mut buf = vec![0u64; (need as usize).div_ceil(8)];
    // SAFETY: `buf` spans at least `need` bytes; the out pointers are valid.
    let bytes =
        unsafe { std::slice::from_raw_parts_mut(buf.as_mut_ptr().cast::<u8>(), need as usize) };
    // SAFETY: as above, now with the buffer the first call asked for.
    unsafe { EnumPrintersW(flags, PCWSTR::null(), 4, Some(bytes), &mut need, &mut count) }
        .map_err(std::io::Error::other)?;
    // SAFETY: EnumPrintersW level 4 wrote `count` PRINTER_INFO_4W at the start of the aligned buffer,
    // and their strings point inside the same buffer, alive until the end of this function.
    let infos = unsafe {
        std::slice::from_raw_parts(buf.as_ptr().cast::<PRINTER_INFO_4W>(), count as usize)
    };
    Ok(infos
        .iter()
        // SAFETY: pPrinterName is a NUL-terminated string inside `buf` (see above).
        .filter_map(|i| unsafe { i.pPrinterName.to_string() }.ok())
        .collect())
}

/// A printer installed in the Windows spooler.
pub struct SpoolerPrinter {
    name: String,
}

impl SpoolerPrinter {
    pub fn new(name: String) -> Self {
        SpoolerPrinter { name }
    }
}

#[async_trait]
impl Printer for SpoolerPrinter {
    async fn deliver(&self, bytes: &[u8]) -> Result<Delivery, PrintError> {
        let (name, bytes, target) = (self.name.clone(), bytes.to_vec(), self.describe());
        tokio::task::spawn_blocking(move || print_raw(&name, &bytes, &target))
            .await
            .unwrap_or_else(|e| Ok(Delivery::Unknown(format!("printer task ended: {e}"))))
    }

    /// The spooler queues jobs for printers that are off, so the best it can say is whether the
    /// printer exists.
    async fn status(&self) -> PrinterStatus {
        let name = self.name.clone();
        tokio::task::spawn_blocking(move || match Handle::open(&name) {
            Ok(_) => PrinterStatus::Unknown,
            Err(_) => PrinterStatus::Offline,
        })
        .await
        .unwrap_or(PrinterStatus::Unknown)
    }

    fn describe(&self) -> String {
        format!("winspool://{}", self.name)
    }
}
