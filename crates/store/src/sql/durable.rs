//! SQLite durability off the writer's critical path.
//!
//! With `synchronous = FULL` every COMMIT waits for the WAL's fsync, and the
//! writer cannot start the next batch until it returns: the disk sync sets the
//! pace. Instead the write connection commits with `synchronous = NORMAL`
//! (the WAL is written but not synced), and this fsyncs the WAL file itself
//! while the writer already runs the next batch. A batch's replies and events
//! wait for the sync that follows its COMMIT, so a reply still means the
//! ticket is on disk; only a reader may glimpse a commit a few milliseconds
//! before it is durable.
//!
//! Why a later fsync of the WAL is enough: with `synchronous = NORMAL` SQLite
//! still syncs the WAL before every checkpoint and the database file after it,
//! and only rewinds the WAL once a checkpoint is complete; so a commit's frames
//! are either still in the WAL (our fsync persists them) or already synced
//! into the database file.

use std::fs::File;
use std::io;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// Makes every commit so far durable; blocking (runs on a blocking thread).
pub type SyncFn = Arc<dyn Fn() -> io::Result<()> + Send + Sync>;

/// Syncs the `-wal` file of one SQLite database.
pub struct WalSync {
    path: PathBuf,
    /// The open WAL file and its inode: SQLite deletes the WAL when the last
    /// connection closes, and a new one is a new file.
    file: Mutex<Option<(File, u64)>>,
}

impl WalSync {
    /// For the database file at `db` (its WAL is `<db>-wal`).
    pub fn new(db: &std::path::Path) -> Self {
        let mut path = db.as_os_str().to_owned();
        path.push("-wal");
        Self {
            path: path.into(),
            file: Mutex::new(None),
        }
    }

    #[cfg(unix)]
    pub fn sync(&self) -> io::Result<()> {
        use std::os::unix::fs::MetadataExt;
        let inode = match std::fs::metadata(&self.path) {
            Ok(m) => m.ino(),
            // No WAL: nothing was committed to one since the last checkpoint
            // that removed it, and that checkpoint synced the database file.
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        let mut open = self.file.lock().unwrap_or_else(|p| p.into_inner());
        if open.as_ref().map(|(_, ino)| *ino) != Some(inode) {
            match File::open(&self.path) {
                Ok(f) => *open = Some((f, inode)),
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
                Err(e) => return Err(e),
            }
        }
        match open.as_ref() {
            Some((f, _)) => f.sync_data(),
            None => Ok(()),
        }
    }
}

/// The sync for a SQLite URL's file, where this platform can do it (elsewhere,
/// and for in-memory databases, commits stay `synchronous = FULL`).
#[cfg(unix)]
pub fn for_sqlite(filename: &std::path::Path) -> Option<SyncFn> {
    if filename.as_os_str().is_empty() || filename.to_string_lossy().contains(":memory:") {
        return None;
    }
    let wal = WalSync::new(filename);
    Some(Arc::new(move || wal.sync()))
}

#[cfg(not(unix))]
pub fn for_sqlite(_filename: &std::path::Path) -> Option<SyncFn> {
    None
}
