//! Printer status over ESC/POS real-time commands (DLE EOT n).
//!
//! The printer answers each query with one byte: n = 1 printer status, 2 offline cause, 4 roll paper
//! sensor. Many cheap printers never answer, so silence means `Unknown`, not a fault: printing is
//! still attempted, and only a definite answer (paper out, cover open) holds jobs back.

use serde::{Deserialize, Serialize};

/// What the kiosk reports to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrinterStatus {
    Ok,
    /// Paper near end: still prints, staff should change the roll.
    PaperLow,
    PaperOut,
    CoverOpen,
    /// Unreachable, or offline for another reason (error, feed button held).
    Offline,
    /// The printer does not answer status queries.
    Unknown,
}

impl PrinterStatus {
    /// Whether sending a job now is worthwhile. `Unknown` is hopeful: silent printers still print.
    pub fn can_print(self) -> bool {
        matches!(
            self,
            PrinterStatus::Ok | PrinterStatus::PaperLow | PrinterStatus::Unknown
        )
    }
}

/// DLE EOT n.
pub fn query(n: u8) -> [u8; 3] {
    [0x10, 0x04, n]
}

/// Every status byte has bit 1 and 4 set and bits 0 and 7 clear; anything else is not an answer.
pub fn is_status_byte(b: u8) -> bool {
    b & 0x93 == 0x12
}

/// Combines the answers to DLE EOT 1, 2 and 4 (the last two only when asked).
pub fn interpret(printer: u8, cause: Option<u8>, paper: Option<u8>) -> PrinterStatus {
    if !is_status_byte(printer) {
        return PrinterStatus::Unknown;
    }
    let cause = cause.filter(|b| is_status_byte(*b)).unwrap_or(0);
    let paper = paper.filter(|b| is_status_byte(*b)).unwrap_or(0);
    if cause & 0x04 != 0 {
        return PrinterStatus::CoverOpen;
    }
    if cause & 0x20 != 0 || paper & 0x60 != 0 {
        return PrinterStatus::PaperOut;
    }
    if printer & 0x08 != 0 {
        return PrinterStatus::Offline;
    }
    if paper & 0x0C != 0 {
        return PrinterStatus::PaperLow;
    }
    PrinterStatus::Ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interprets_epson_bits() {
        assert_eq!(interpret(0x12, None, Some(0x12)), PrinterStatus::Ok);
        assert_eq!(interpret(0x12, None, Some(0x1E)), PrinterStatus::PaperLow);
        assert_eq!(interpret(0x1A, Some(0x16), None), PrinterStatus::CoverOpen);
        assert_eq!(
            interpret(0x1A, Some(0x32), Some(0x72)),
            PrinterStatus::PaperOut
        );
        assert_eq!(interpret(0x1A, Some(0x12), None), PrinterStatus::Offline);
        assert_eq!(interpret(0xFF, None, None), PrinterStatus::Unknown);
        assert!(!PrinterStatus::PaperOut.can_print() && PrinterStatus::Unknown.can_print());
    }
}
