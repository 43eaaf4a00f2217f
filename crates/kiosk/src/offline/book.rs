//! The kiosk's offline book, on disk in the state directory: the number blocks
//! the server leased to this kiosk (`offline-leases.json`), every ticket issued
//! offline (`offline-tickets.log`, one JSON line each, appended and synced
//! before the page gets its answer), and the tokens the server has taken back
//! (`offline-replayed.log`). A ticket in the journal and not in the replayed
//! log is waiting to be replayed; a number in the journal is never handed out
//! again, even after a restart.

use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

pub const LEASES: &str = "offline-leases.json";
pub const JOURNAL: &str = "offline-tickets.log";
pub const REPLAYED: &str = "offline-replayed.log";

/// One leased block, as the server sent it (`POST /api/v1/kiosks/me/leases`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    pub service: String,
    pub prefix: String,
    pub service_name: String,
    pub service_name_en: String,
    pub first: u32,
    pub last: u32,
    #[serde(default)]
    pub used: Vec<String>,
}

/// The kiosk's blocks for one service day.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leases {
    pub service_day: String,
    /// RFC 3339: the end of the service day.
    pub valid_until: String,
    pub timezone: String,
    pub blocks: Vec<Block>,
    /// RFC 3339: the server's clock when it answered.
    #[serde(default)]
    pub now: String,
    /// Server clock minus this PC's clock, in milliseconds (kept here, not sent).
    #[serde(default)]
    pub offset_ms: i64,
}

/// A ticket issued offline, as journalled and replayed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfflineTicket {
    pub service: String,
    pub priority: Option<String>,
    pub seq: u32,
    pub number: String,
    pub token: String,
    /// RFC 3339.
    pub issued_at: String,
    /// The page's Idempotency-Key: a repeated request gets this ticket again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// Prints `{prefix}{seq:03}`, as the server's `TicketNumber` does.
pub fn number(prefix: &str, seq: u32) -> String {
    format!("{prefix}{seq:03}")
}

#[derive(Debug)]
pub struct Book {
    dir: PathBuf,
    leases: Leases,
    journal: File,
    replayed_log: File,
    /// Every offline ticket, in issue order.
    issued: Vec<OfflineTicket>,
    replayed: HashSet<String>,
}

impl Book {
    /// Opens (creating) the book in `dir`. Torn lines (a power cut mid-write)
    /// are skipped.
    pub fn open(dir: &Path) -> io::Result<Book> {
        std::fs::create_dir_all(dir)?;
        let leases = std::fs::read(dir.join(LEASES))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        let issued: Vec<OfflineTicket> = lines(&dir.join(JOURNAL))?
            .iter()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        let replayed = lines(&dir.join(REPLAYED))?.into_iter().collect();
        let append = |name: &str| {
            OpenOptions::new()
                .create(true)
                .append(true)
                .open(dir.join(name))
        };
        Ok(Book {
            dir: dir.to_owned(),
            leases,
            journal: append(JOURNAL)?,
            replayed_log: append(REPLAYED)?,
            issued,
            replayed,
        })
    }

    pub fn leases(&self) -> &Leases {
        &self.leases
    }

    /// Now by the server's clock, as far as the last answer tells.
    pub fn now(&self) -> jiff::Timestamp {
        let local = jiff::Timestamp::now();
        local
            .checked_add(jiff::SignedDuration::from_millis(self.leases.offset_ms))
            .unwrap_or(local)
    }

    /// Replaces the blocks with the server's answer, synced via a temporary file.
    pub fn set_leases(&mut self, mut leases: Leases) -> io::Result<()> {
        if let Ok(server) = leases.now.parse::<jiff::Timestamp>() {
            leases.offset_ms = server.duration_since(jiff::Timestamp::now()).as_millis() as i64;
        }
        let path = self.dir.join(LEASES);
        let tmp = path.with_extension("json.tmp");
        let mut f = File::create(&tmp)?;
        f.write_all(&serde_json::to_vec(&leases).map_err(io::Error::other)?)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &path)?;
        self.leases = leases;
        Ok(())
    }

    /// The lowest free number of `service` in a block still valid at `now`
    /// (RFC 3339, compared as instants by the caller through `valid`), or none.
    pub fn free_number(&self, service: &str, valid: bool) -> Option<(u32, &Block)> {
        if !valid {
            return None;
        }
        let taken: HashSet<&str> = self.issued.iter().map(|t| t.number.as_str()).collect();
        self.leases
            .blocks
            .iter()
            .filter(|b| b.service == service)
            .flat_map(|b| (b.first..=b.last).map(move |seq| (seq, b)))
            .find(|(seq, b)| {
                let n = number(&b.prefix, *seq);
                !taken.contains(n.as_str()) && !b.used.contains(&n)
            })
    }

    /// Appends a ticket to the journal and syncs it to disk before returning.
    pub fn record(&mut self, t: OfflineTicket) -> io::Result<()> {
        let line = serde_json::to_string(&t).map_err(io::Error::other)?;
        writeln!(self.journal, "{line}")?;
        self.journal.sync_data()?;
        self.issued.push(t);
        Ok(())
    }

    /// Tickets issued offline the server has not taken yet, in issue order.
    pub fn pending(&self) -> Vec<OfflineTicket> {
        self.issued
            .iter()
            .filter(|t| !self.replayed.contains(&t.token))
            .cloned()
            .collect()
    }

    /// An offline ticket by its token (for its page and preview while offline).
    pub fn by_token(&self, token: &str) -> Option<&OfflineTicket> {
        self.issued.iter().rev().find(|t| t.token == token)
    }

    /// The offline ticket issued for a request with this Idempotency-Key.
    pub fn by_key(&self, key: &str) -> Option<&OfflineTicket> {
        self.issued
            .iter()
            .rev()
            .find(|t| t.key.as_deref() == Some(key))
    }

    /// Records that the server stored (or refused for good) a replayed ticket.
    pub fn mark_replayed(&mut self, token: &str) -> io::Result<()> {
        writeln!(self.replayed_log, "{token}")?;
        self.replayed_log.sync_data()?;
        self.replayed.insert(token.to_owned());
        Ok(())
    }
}

fn lines(path: &Path) -> io::Result<Vec<String>> {
    match File::open(path) {
        Ok(f) => Ok(BufReader::new(f)
            .lines()
            .map_while(Result::ok)
            .filter(|l| !l.trim().is_empty())
            .collect()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(first: u32) -> Block {
        Block {
            service: "A".into(),
            prefix: "A".into(),
            service_name: "Tư pháp".into(),
            service_name_en: "Justice".into(),
            first,
            last: first + 1,
            used: vec![],
        }
    }

    fn ticket(seq: u32, token: &str) -> OfflineTicket {
        OfflineTicket {
            service: "A".into(),
            priority: None,
            seq,
            number: number("A", seq),
            token: token.into(),
            issued_at: "2026-11-26T02:00:00Z".into(),
            key: None,
        }
    }

    #[test]
    fn numbers_are_never_handed_out_twice_across_restarts() {
        let dir = std::env::temp_dir().join(format!("luot-book-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut book = Book::open(&dir).unwrap();
        assert_eq!(book.free_number("A", true), None);
        let mut leases = Leases {
            service_day: "2026-11-26".into(),
            valid_until: "2026-11-26T17:00:00Z".into(),
            timezone: "Asia/Ho_Chi_Minh".into(),
            blocks: vec![block(901), block(941)],
            ..Leases::default()
        };
        leases.blocks[0].used = vec!["A901".into()];
        book.set_leases(leases).unwrap();
        assert_eq!(book.free_number("A", true).unwrap().0, 902);
        assert_eq!(book.free_number("A", false), None);
        book.record(ticket(902, "t1")).unwrap();
        drop(book);
        // A power cut in the middle of a line.
        let mut f = OpenOptions::new()
            .append(true)
            .open(dir.join(JOURNAL))
            .unwrap();
        f.write_all(b"{\"service\":\"A\",").unwrap();
        f.write_all(b"\n").unwrap();
        drop(f);
        let mut book = Book::open(&dir).unwrap();
        assert_eq!(book.free_number("A", true).unwrap().0, 941);
        book.record(ticket(941, "t2")).unwrap();
        assert_eq!(book.pending().len(), 2);
        book.mark_replayed("t1").unwrap();
        drop(book);
        let book = Book::open(&dir).unwrap();
        assert_eq!(book.pending(), vec![ticket(941, "t2")]);
        assert_eq!(book.free_number("A", true).unwrap().0, 942);
        assert!(book.by_token("t1").is_some());
        // Closed first: Windows deletes no directory holding an open file.
        drop(book);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
