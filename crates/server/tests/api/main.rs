//! HTTP and websocket tests against the real server on port 0 with a fresh
//! database. One test binary for the crate keeps linking fast; each area of the
//! API is a module.

mod helpers;
#[path = "../common/pg.rs"]
mod pg;
/// The print crate's test helpers: the ESC/POS reader, PNG to dots, QR decoding.
#[path = "../../../print/tests/support/mod.rs"]
mod print_support;

mod access;
mod admin;
mod auth;
mod booking;
mod booking_hooks;
mod booking_notices;
mod counter_desk;
mod edge;
mod errors;
mod events;
mod feedback;
mod housekeeping;
mod kiosk;
mod kiosk_e2e;
mod matrix;
mod offline;
mod one_stop;
mod outage;
mod packaging;
mod printing;
mod privacy;
mod reports;
mod staff;
mod tickets_and_counters;
mod turn_notices;
mod websockets;
