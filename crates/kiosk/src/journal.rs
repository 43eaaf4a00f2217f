//! The journal of jobs: what makes "each job prints at most once by itself" survive reconnects
//! and restarts.
//!
//! One line per step, `<job id> <fingerprint> <state>`, appended and synced to disk. `sent` is
//! written *before* the first byte goes to the printer, then the outcome (`printed`, `unknown`,
//! `failed`, `expired`) once known. When the server re-sends a job (it does after every reconnect,
//! for jobs it has no answer for), a matching line means: answer with the recorded outcome, do not
//! print. A job found only `sent` (the kiosk died mid-job) is `unknown`. Lines of older versions
//! have no state and mean `printed`.
//!
//! The fingerprint (ticket number + status link) guards against a recycled job id, for instance a
//! kiosk moved to a freshly installed server: a different ticket under a known id is printed.
//! Because `sent` is synced before printing, a crash at any point never prints a job twice; the
//! price is that such a job is reported `unknown` and its number shown for the citizen to note.

use luot_print::{JobId, JobOutcome, TicketPrint};
use std::collections::{HashMap, VecDeque};
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

/// Enough for weeks of a busy kiosk; older jobs are never re-sent.
const KEEP: usize = 20_000;
pub const FILE_NAME: &str = "luot-kiosk-printed.log";

/// Identity of a ticket independent of the job id.
pub fn fingerprint(t: &TicketPrint) -> u64 {
    // FNV-1a: stable across versions and platforms, unlike std's hasher.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in t.number.bytes().chain([0]).chain(t.qr_url.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Where a job got to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// About to go (or went) to the printer; no outcome recorded.
    Sent,
    Done(JobOutcome),
}

impl Step {
    fn word(self) -> &'static str {
        match self {
            Step::Sent => "sent",
            Step::Done(o) => o.as_str(),
        }
    }

    fn parse(w: Option<&str>) -> Option<Step> {
        Some(match w {
            None | Some("printed") => Step::Done(JobOutcome::Printed),
            Some("sent") => Step::Sent,
            Some("unknown") => Step::Done(JobOutcome::Unknown),
            Some("failed") => Step::Done(JobOutcome::Failed),
            Some("expired") => Step::Done(JobOutcome::Expired),
            Some(_) => return None,
        })
    }
}

/// Job ids with their fingerprint and step, in memory and on disk.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: File,
    printed: HashMap<JobId, (u64, Step)>,
    order: VecDeque<JobId>,
}

impl Journal {
    /// Opens (creating if needed) the journal in `dir`. Unreadable lines, such as one torn by a
    /// power cut, are skipped.
    pub fn open(dir: &Path) -> io::Result<Journal> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(FILE_NAME);
        let mut printed = HashMap::new();
        let mut order = VecDeque::new();
        let mut lines = 0usize;
        if let Ok(f) = File::open(&path) {
            for line in BufReader::new(f).lines() {
                let line = line?;
                lines += 1;
                let mut parts = line.split_whitespace();
                let id = parts.next().and_then(|s| s.parse::<JobId>().ok());
                let fp = parts.next().and_then(|s| u64::from_str_radix(s, 16).ok());
                let step = Step::parse(parts.next());
                if let (Some(id), Some(fp), Some(step)) = (id, fp, step) {
                    if printed.insert(id, (fp, step)).is_none() {
                        order.push_back(id);
                    }
                }
            }
        }
        while order.len() > KEEP {
            if let Some(old) = order.pop_front() {
                printed.remove(&old);
            }
        }
        if lines > 2 * KEEP {
            rewrite(&path, &order, &printed)?;
        }
        let file = OpenOptions::new().create(true).append(true).open(&path)?;
        Ok(Journal {
            path,
            file,
            printed,
            order,
        })
    }

    /// How far this job, for this very ticket, got; None if never sent.
    pub fn step(&self, id: JobId, fingerprint: u64) -> Option<Step> {
        self.printed
            .get(&id)
            .filter(|(fp, _)| *fp == fingerprint)
            .map(|(_, s)| *s)
    }

    /// Whether this job, for this very ticket, was confirmed printed.
    pub fn is_printed(&self, id: JobId, fingerprint: u64) -> bool {
        self.step(id, fingerprint) == Some(Step::Done(JobOutcome::Printed))
    }

    /// Whether the id is known with another ticket (worth a warning).
    pub fn id_reused(&self, id: JobId, fingerprint: u64) -> bool {
        self.printed
            .get(&id)
            .is_some_and(|(fp, _)| *fp != fingerprint)
    }

    /// Records a printed job and syncs it to disk before returning.
    pub fn record(&mut self, id: JobId, fingerprint: u64) -> io::Result<()> {
        self.record_step(id, fingerprint, Step::Done(JobOutcome::Printed))
    }

    /// Records a step of a job and syncs it to disk before returning.
    pub fn record_step(&mut self, id: JobId, fingerprint: u64, step: Step) -> io::Result<()> {
        writeln!(self.file, "{id} {fingerprint:016x} {}", step.word())?;
        self.file.sync_data()?;
        if self.printed.insert(id, (fingerprint, step)).is_none() {
            self.order.push_back(id);
            while self.order.len() > KEEP {
                if let Some(old) = self.order.pop_front() {
                    self.printed.remove(&old);
                }
            }
        }
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Replaces the file with only the kept entries, via a temporary file and a rename.
fn rewrite(
    path: &Path,
    order: &VecDeque<JobId>,
    printed: &HashMap<JobId, (u64, Step)>,
) -> io::Result<()> {
    let tmp = path.with_extension("log.tmp");
    let mut f = File::create(&tmp)?;
    for id in order {
        if let Some((fp, step)) = printed.get(id) {
            writeln!(f, "{id} {fp:016x} {}", step.word())?;
        }
    }
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("luot-journal-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn survives_reopen_and_torn_lines() {
        let dir = temp_dir("reopen");
        let mut j = Journal::open(&dir).unwrap();
        j.record(1, 0xAA).unwrap();
        j.record(2, 0xBB).unwrap();
        drop(j);
        // A power cut in the middle of a line.
        let mut f = OpenOptions::new()
            .append(true)
            .open(dir.join(FILE_NAME))
            .unwrap();
        f.write_all(b"3 00").unwrap();
        f.write_all(b"\ngarbage\n").unwrap();
        drop(f);
        let j = Journal::open(&dir).unwrap();
        assert!(j.is_printed(1, 0xAA) && j.is_printed(2, 0xBB));
        assert!(!j.is_printed(3, 0xCC));
        assert!(!j.is_printed(1, 0xBB) && j.id_reused(1, 0xBB));
        // Closed first: Windows deletes no directory holding an open file.
        drop(j);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn sent_is_recorded_before_the_outcome_and_old_lines_mean_printed() {
        let dir = temp_dir("steps");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(FILE_NAME), "5 00000000000000aa\n").unwrap();
        let mut j = Journal::open(&dir).unwrap();
        assert!(j.is_printed(5, 0xAA));
        j.record_step(6, 0xBB, Step::Sent).unwrap();
        j.record_step(7, 0xCC, Step::Sent).unwrap();
        j.record_step(7, 0xCC, Step::Done(JobOutcome::Unknown))
            .unwrap();
        drop(j);
        let j = Journal::open(&dir).unwrap();
        assert_eq!(j.step(6, 0xBB), Some(Step::Sent));
        assert_eq!(j.step(7, 0xCC), Some(Step::Done(JobOutcome::Unknown)));
        assert!(!j.is_printed(6, 0xBB) && !j.is_printed(7, 0xCC));
        drop(j);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn fingerprint_is_the_ticket_identity() {
        let a = TicketPrint::sample();
        let mut b = a.clone();
        b.people_ahead = 99; // re-sent with fresher numbers: still the same ticket
        assert_eq!(fingerprint(&a), fingerprint(&b));
        b.number = "A013".into();
        assert_ne!(fingerprint(&a), fingerprint(&b));
    }

    #[test]
    fn keeps_a_bounded_window() {
        let dir = temp_dir("bounded");
        let mut j = Journal::open(&dir).unwrap();
        for id in 0..(KEEP as u64 + 5) {
            j.printed.insert(id, (1, Step::Sent));
            j.order.push_back(id);
        }
        j.record(u64::MAX, 1).unwrap();
        assert_eq!(j.order.len(), KEEP);
        assert!(!j.is_printed(0, 1) && j.is_printed(u64::MAX, 1));
        drop(j);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
