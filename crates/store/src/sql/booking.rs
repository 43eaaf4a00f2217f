//! The booking commands for the SQL store: each write runs in the group-commit
//! writer, each read on the read pool. The work lives in `settings` (booking
//! settings, rules, holidays), `book` (slots, book, look up, cancel),
//! `checkin` (check-in, no-shows, reminders, anonymisation) and `desk` (the
//! staff view of the queue).

use async_trait::async_trait;
use futures::FutureExt;
use jiff::Timestamp;
use luot_domain::{booking::Refusal, CentreCode, Error as Rule};

use super::{rows, SqlStore};
use crate::{booking::*, Error, Result};

mod book;
mod checkin;
mod desk;
pub(super) mod settings;

pub(super) use book::{BookJob, Prepared, ERASE_PERSONAL};
pub(super) use checkin::anonymise;

#[async_trait]
impl crate::BookingStore for SqlStore {
    async fn booking_info(&self, centre: &CentreCode) -> Result<BookingInfo> {
        settings::info(&mut *self.read().await?, centre).await
    }

    async fn set_booking_settings(
        &self,
        centre: &CentreCode,
        service: &luot_domain::ServiceCode,
        settings: luot_domain::BookingSettings,
        audit: Option<crate::auth::NewAudit>,
    ) -> Result<()> {
        let (centre, service) = (centre.clone(), service.clone());
        self.writer
            .run_audited(audit, move |c| {
                settings::set_settings(c, centre, service, settings).boxed()
            })
            .await
    }

    async fn set_booking_rules(
        &self,
        centre: &CentreCode,
        rules: BookingRules,
        audit: Option<crate::auth::NewAudit>,
    ) -> Result<()> {
        let centre = centre.clone();
        self.writer
            .run_audited(audit, move |c| {
                settings::set_rules(c, centre, rules).boxed()
            })
            .await
    }

    async fn set_holidays(&self, centre: &CentreCode, holidays: Vec<Holiday>) -> Result<()> {
        let centre = centre.clone();
        self.writer
            .run(move |c| settings::set_holidays(c, centre, holidays).boxed())
            .await
    }

    async fn free_slots(
        &self,
        centre: &CentreCode,
        service: &luot_domain::ServiceCode,
        date: jiff::civil::Date,
        now: Timestamp,
    ) -> Result<DaySlots> {
        let mut c = self.read().await?;
        let row = rows::centre(&mut c, centre).await?;
        let b = book::bookable(&mut c, &row, service).await?;
        book::day(&mut c, &b, date, now).await
    }

    async fn book(&self, cmd: Book) -> Result<AppointmentView> {
        let prepared = book::prepare(&mut *self.read().await?, &cmd).await?;
        let id_hash = cmd.id_number.as_deref().map(|id| self.id_key.hash(id));
        let (centre, service, slot, now) = (
            cmd.centre.clone(),
            cmd.service.clone(),
            cmd.slot_start,
            cmd.now,
        );
        let booked = self.writer.book(cmd, prepared, id_hash).await;
        match booked {
            // Full: the next free slots, read now that the writer is free.
            Err(Error::Rule(Rule::Booking(Refusal::SlotFull { .. }))) => {
                let mut c = self.read().await?;
                let next = book::next_free_after(&mut c, &centre, &service, slot, now).await?;
                Err(Rule::Booking(Refusal::SlotFull { next }).into())
            }
            other => other,
        }
    }

    async fn appointment(
        &self,
        code: &luot_domain::BookingCode,
        phone: &luot_domain::Phone,
    ) -> Result<AppointmentView> {
        let mut c = self.read().await?;
        let row = book::row_for_holder(&mut c, code, phone).await?;
        book::to_view(&mut c, row).await
    }

    async fn cancel_appointment(
        &self,
        code: &luot_domain::BookingCode,
        phone: &luot_domain::Phone,
        now: Timestamp,
    ) -> Result<AppointmentView> {
        let (code, phone) = (code.clone(), phone.clone());
        let view = self
            .writer
            .run(move |c| book::cancel(c, code, phone, now).boxed())
            .await?;
        self.scrub_wal().await?;
        Ok(view)
    }

    async fn withdraw_consent(
        &self,
        code: &luot_domain::BookingCode,
        phone: &luot_domain::Phone,
        purpose: luot_domain::booking::ConsentPurpose,
        now: Timestamp,
    ) -> Result<AppointmentView> {
        let (code, phone) = (code.clone(), phone.clone());
        let view = self
            .writer
            .run(move |c| book::withdraw(c, code, phone, purpose, now).boxed())
            .await?;
        self.scrub_wal().await?;
        Ok(view)
    }

    async fn check_in(&self, mut cmd: CheckIn) -> Result<CheckInOutcome> {
        let id_hash = match &cmd.by {
            CheckInBy::IdNumber { id_number, .. } => Some(self.id_key.hash(id_number)),
            CheckInBy::Code(_) => None,
        };
        self.writer
            .run_audited(cmd.audit.take(), move |c| {
                checkin::check_in(c, cmd, id_hash).boxed()
            })
            .await
    }

    async fn ticket_booking(&self, ticket_token: &str) -> Result<Option<TicketBooking>> {
        desk::ticket_booking(&mut *self.read().await?, ticket_token).await
    }

    async fn staff_queue(&self, centre: &CentreCode, now: Timestamp) -> Result<StaffQueue> {
        // One read transaction: the snapshot and the lists agree.
        let mut tx = self.read.begin().await?;
        let out = desk::staff_queue(&mut tx, centre, now).await?;
        tx.commit().await?;
        Ok(out)
    }

    async fn expire_bookings(&self, now: Timestamp) -> Result<u32> {
        self.writer
            .run(move |c| checkin::expire(c, now).boxed())
            .await
    }

    async fn anonymise_bookings(&self, now: Timestamp) -> Result<u32> {
        let n = self
            .writer
            .run(move |c| async move { Ok((anonymise(c, now).await?, Vec::new())) }.boxed())
            .await?;
        if n > 0 {
            self.scrub_wal().await?;
        }
        Ok(n)
    }

    async fn claim_reminders(&self, now: Timestamp) -> Result<Vec<Reminder>> {
        self.writer
            .run(move |c| checkin::claim_reminders(c, now).boxed())
            .await
    }
}
