//! The store's test story: every test runs on SQLite and, when
//! `LUOT_TEST_PG_URL` is set, on PostgreSQL too (each test in a database of its
//! own), so both backends keep the same semantics.

mod harness;
mod issuing_model;

mod admin;
mod auth;
mod booking;
mod booking_notices;
mod bulk_issue;
mod call_order_model;
mod concurrency;
mod counter_answers;
mod day;
mod desk;
mod display;
mod id_key;
mod kiosk;
mod offline;
mod processes;
mod queue;
mod report;
mod retention;
