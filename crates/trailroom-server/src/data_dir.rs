//! One server per data directory: a lock file (`trailroom.lock`) held for the server's life.
//! Two servers on one directory would both deliver every trail's events (twice each) and race
//! on its files; the second is refused at start, told who holds the directory.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use anyhow::Context as _;

/// Name of the lock file inside the data directory.
const LOCK_FILE: &str = "trailroom.lock";

/// The held lock; released when dropped (or when the process ends, however it ends).
#[derive(Debug)]
pub struct DataDirLock {
    file: File,
    path: PathBuf,
}

/// The server holding a data directory, as it described itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunningServer {
    /// The lock file's text (`trailroom pid N listening on URL`).
    pub text: String,
    /// The URL it listens on, when it wrote one.
    pub url: Option<String>,
}

impl DataDirLock {
    /// Locks `dir` for a command that changes it, or names the server that holds it.
    pub fn acquire_or_holder(dir: &Path) -> anyhow::Result<Result<Self, RunningServer>> {
        match Self::acquire(dir) {
            Ok(lock) => Ok(Ok(lock)),
            Err(err) if err.to_string().contains(" is in use by ") => {
                let text = std::fs::read_to_string(dir.join(LOCK_FILE)).unwrap_or_default();
                let text = text.trim().to_owned();
                let url = text
                    .split(" listening on ")
                    .nth(1)
                    .map(|u| u.trim().to_owned());
                Ok(Err(RunningServer { text, url }))
            }
            Err(err) => Err(err),
        }
    }

    /// Locks `dir` (creating it), or says which server holds it.
    pub fn acquire(dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create data dir {}", dir.display()))?;
        let path = dir.join(LOCK_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        match file.try_lock() {
            Ok(()) => Ok(Self { file, path }),
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim();
                let holder = match holder.is_empty() {
                    true => "another trailroom server".to_owned(),
                    false => holder.to_owned(),
                };
                anyhow::bail!(
                    "data dir {} is in use by {holder}; stop that server or choose another \
                     --data-dir",
                    dir.display()
                )
            }
            Err(TryLockError::Error(err)) => {
                Err(err).with_context(|| format!("cannot lock {}", path.display()))
            }
        }
    }

    /// Writes who holds the lock (this process and its address), for a second server to name.
    pub fn describe(&mut self, address: &str) -> anyhow::Result<()> {
        let text = format!(
            "trailroom pid {} listening on {address}\n",
            std::process::id()
        );
        self.file.set_len(0)?;
        self.file.seek(SeekFrom::Start(0))?;
        self.file
            .write_all(text.as_bytes())
            .with_context(|| format!("cannot write {}", self.path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_and_told_who_holds_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut first = DataDirLock::acquire(dir.path()).unwrap();
        first.describe("http://127.0.0.1:4570").unwrap();
        let err = DataDirLock::acquire(dir.path()).unwrap_err().to_string();
        assert!(err.contains("is in use by trailroom pid"), "{err}");
        let running = DataDirLock::acquire_or_holder(dir.path())
            .unwrap()
            .unwrap_err();
        assert_eq!(running.url.as_deref(), Some("http://127.0.0.1:4570"));
        assert!(err.contains("listening on http://127.0.0.1:4570"), "{err}");
        drop(first);
        DataDirLock::acquire(dir.path()).unwrap();
    }
}
