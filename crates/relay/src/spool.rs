//! The durable queue. The spool directory is the source of truth across restarts:
//!
//! - `tmp/`        files being written (removed at open: never acknowledged)
//! - `incoming/`   accepted (250 sent) but not yet sanitised: envelope + original bytes
//! - `sanitized/`  sanitised and waiting for delivery (or a bounce waiting for delivery)
//! - `quarantine/<id>/` originals kept by 無害化, with the report
//! - `corrupt/`    spool files that could not be read back (kept for a person to look at)
//!
//! Every file enters a queue directory by write-to-tmp, fsync, rename, fsync of the directory, so a
//! crash leaves either the whole file or nothing. Moving between stages writes the next stage first
//! and removes the previous one second; recovery prefers the later stage when both exist.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{DateTime, FixedOffset};
use mamori_core::Lang;

use crate::smtp::Envelope;

const MAGIC: &str = "MAMORI-SPOOL 1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    Incoming,
    Sanitized,
}

impl Stage {
    fn dir(self) -> &'static str {
        match self {
            Stage::Incoming => "incoming",
            Stage::Sanitized => "sanitized",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    #[error("spool I/O error at {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("spool file {0} is not a mamori spool file")]
    Corrupt(PathBuf),
}

impl SpoolError {
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (SpoolError::Io { path, source }, Lang::Ja) => {
                format!(
                    "スプールの読み書きに失敗しました（{}）: {source}",
                    path.display()
                )
            }
            (SpoolError::Io { path, source }, Lang::En) => {
                format!("spool I/O error at {}: {source}", path.display())
            }
            (SpoolError::Corrupt(p), Lang::Ja) => {
                format!("スプールファイル {} を読み取れません", p.display())
            }
            (SpoolError::Corrupt(p), Lang::En) => {
                format!("spool file {} is not a mamori spool file", p.display())
            }
        }
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SpoolError + '_ {
    move |source| SpoolError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// One queued message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub envelope: Envelope,
    /// When the relay acknowledged the message (kept so a restart does not change it).
    pub received_at: Option<DateTime<FixedOffset>>,
    /// Failed delivery attempts so far (kept so the retry limit holds across restarts).
    pub attempts: u32,
    pub body: Vec<u8>,
}

#[derive(Debug)]
pub struct Spool {
    root: PathBuf,
    counter: Mutex<u64>,
}

impl Spool {
    /// Creates the directories if needed and removes unfinished temporary files.
    pub fn open(root: impl Into<PathBuf>) -> Result<Spool, SpoolError> {
        let root = root.into();
        for d in ["tmp", "incoming", "sanitized", "quarantine", "corrupt"] {
            let p = root.join(d);
            fs::create_dir_all(&p).map_err(io(&p))?;
        }
        let tmp = root.join("tmp");
        for e in fs::read_dir(&tmp).map_err(io(&tmp))? {
            let e = e.map_err(io(&tmp))?;
            // A temp file was never acknowledged to anyone; removing it loses nothing.
            fs::remove_file(e.path()).map_err(io(&e.path()))?;
        }
        Ok(Spool {
            root,
            counter: Mutex::new(0),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn quarantine_dir(&self, id: &str) -> PathBuf {
        self.root.join("quarantine").join(id)
    }

    fn path(&self, stage: Stage, id: &str) -> PathBuf {
        self.root.join(stage.dir()).join(id)
    }

    /// A new queue ID: time of receipt plus a counter, unique among the spool's files.
    pub fn new_id(&self, now: DateTime<FixedOffset>) -> String {
        let stamp = now.format("%Y%m%dT%H%M%S%6f");
        let mut counter = match self.counter.lock() {
            Ok(c) => c,
            Err(poisoned) => poisoned.into_inner(),
        };
        loop {
            *counter += 1;
            let id = format!("{stamp}-{:06}", *counter);
            if !self.path(Stage::Incoming, &id).exists()
                && !self.path(Stage::Sanitized, &id).exists()
                && !self.quarantine_dir(&id).exists()
            {
                return id;
            }
        }
    }

    /// Durably writes a message into a stage. When this returns Ok the file survives a crash.
    pub fn store(&self, stage: Stage, id: &str, entry: &Entry) -> Result<(), SpoolError> {
        let mut bytes = Vec::with_capacity(entry.body.len() + 256);
        bytes.extend_from_slice(
            format!("{MAGIC}\nfrom <{}>\n", entry.envelope.mail_from).as_bytes(),
        );
        if let Some(at) = entry.received_at {
            bytes.extend_from_slice(format!("received {}\n", at.to_rfc3339()).as_bytes());
        }
        if entry.attempts > 0 {
            bytes.extend_from_slice(format!("attempts {}\n", entry.attempts).as_bytes());
        }
        for r in &entry.envelope.rcpt_to {
            bytes.extend_from_slice(format!("to <{r}>\n").as_bytes());
        }
        bytes.push(b'\n');
        bytes.extend_from_slice(&entry.body);
        self.write_durably(&self.root.join(stage.dir()), id, &bytes)
    }

    fn write_durably(&self, dir: &Path, name: &str, bytes: &[u8]) -> Result<(), SpoolError> {
        let tmp = self
            .root
            .join("tmp")
            .join(format!("{}.{name}", dir_tag(dir)));
        {
            let mut f = File::create(&tmp).map_err(io(&tmp))?;
            f.write_all(bytes).map_err(io(&tmp))?;
            f.sync_all().map_err(io(&tmp))?;
        }
        let dest = dir.join(name);
        fs::rename(&tmp, &dest).map_err(io(&dest))?;
        sync_dir(dir)
    }

    pub fn read(&self, stage: Stage, id: &str) -> Result<Entry, SpoolError> {
        let path = self.path(stage, id);
        let bytes = fs::read(&path).map_err(io(&path))?;
        parse_entry(&bytes).ok_or(SpoolError::Corrupt(path))
    }

    /// Removes a message from a stage (after the next stage holds it, or after delivery).
    pub fn remove(&self, stage: Stage, id: &str) -> Result<(), SpoolError> {
        let path = self.path(stage, id);
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(io(&path)(e)),
        }
        sync_dir(&self.root.join(stage.dir()))
    }

    /// Moves an unreadable spool file aside so it does not block the queue.
    pub fn set_aside(&self, stage: Stage, id: &str) -> Result<(), SpoolError> {
        let from = self.path(stage, id);
        let to = self
            .root
            .join("corrupt")
            .join(format!("{}.{id}", stage.dir()));
        fs::rename(&from, &to).map_err(io(&to))?;
        sync_dir(&self.root.join("corrupt"))?;
        sync_dir(&self.root.join(stage.dir()))
    }

    /// Durably stores the quarantined originals and the report of message `id`.
    pub fn store_quarantine(
        &self,
        id: &str,
        files: &[(String, Vec<u8>)],
        report_json: &str,
    ) -> Result<(), SpoolError> {
        let dir = self.quarantine_dir(id);
        fs::create_dir_all(&dir).map_err(io(&dir))?;
        for (name, bytes) in files {
            self.write_durably(&dir, name, bytes)?;
        }
        self.write_durably(&dir, "report.json", report_json.as_bytes())?;
        sync_dir(&self.root.join("quarantine"))
    }

    /// The recovery scan: everything not yet delivered, oldest first. A message found in both stages
    /// (crash between writing `sanitized/` and removing `incoming/`) is kept only as sanitised.
    pub fn pending(&self) -> Result<Vec<(Stage, String)>, SpoolError> {
        let mut out = Vec::new();
        let sanitized = self.list(Stage::Sanitized)?;
        for id in self.list(Stage::Incoming)? {
            if sanitized.contains(&id) {
                self.remove(Stage::Incoming, &id)?;
            } else {
                out.push((Stage::Incoming, id));
            }
        }
        out.extend(sanitized.into_iter().map(|id| (Stage::Sanitized, id)));
        out.sort_by(|a, b| a.1.cmp(&b.1));
        Ok(out)
    }

    fn list(&self, stage: Stage) -> Result<Vec<String>, SpoolError> {
        let dir = self.root.join(stage.dir());
        let mut ids = Vec::new();
        for e in fs::read_dir(&dir).map_err(io(&dir))? {
            let e = e.map_err(io(&dir))?;
            if let Some(name) = e.file_name().to_str() {
                ids.push(name.to_string());
            }
        }
        ids.sort();
        Ok(ids)
    }
}

fn dir_tag(dir: &Path) -> String {
    dir.file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("x")
        .to_string()
}

/// Makes a rename or unlink in `dir` durable.
fn sync_dir(dir: &Path) -> Result<(), SpoolError> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(io(dir))
}

fn parse_entry(bytes: &[u8]) -> Option<Entry> {
    let mut rest = bytes;
    let mut next_line = || -> Option<&[u8]> {
        let i = rest.iter().position(|&b| b == b'\n')?;
        let line = &rest[..i];
        rest = &rest[i + 1..];
        Some(line)
    };
    if next_line()? != MAGIC.as_bytes() {
        return None;
    }
    let from = std::str::from_utf8(next_line()?).ok()?;
    let mail_from = from.strip_prefix("from <")?.strip_suffix('>')?.to_string();
    let mut rcpt_to = Vec::new();
    let mut received_at = None;
    let mut attempts = 0;
    loop {
        let line = next_line()?;
        if line.is_empty() {
            break;
        }
        let to = std::str::from_utf8(line).ok()?;
        if let Some(at) = to.strip_prefix("received ") {
            received_at = Some(DateTime::parse_from_rfc3339(at).ok()?);
            continue;
        }
        if let Some(n) = to.strip_prefix("attempts ") {
            attempts = n.parse().ok()?;
            continue;
        }
        rcpt_to.push(to.strip_prefix("to <")?.strip_suffix('>')?.to_string());
    }
    if rcpt_to.is_empty() {
        return None;
    }
    Some(Entry {
        envelope: Envelope { mail_from, rcpt_to },
        received_at,
        attempts,
        body: rest.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: usize) -> Entry {
        Entry {
            envelope: Envelope {
                mail_from: String::new(),
                rcpt_to: vec![
                    format!("u{n}@city.example.lg.jp"),
                    "b@city.example.lg.jp".into(),
                ],
            },
            received_at: (n % 2 == 1).then(now),
            attempts: n as u32,
            body: format!("Subject: {n}\r\n\r\nbody\nwith bare LF\r\n").into_bytes(),
        }
    }

    fn now() -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339("2026-11-26T12:00:00+09:00").unwrap()
    }

    #[test]
    fn round_trip_and_stage_move() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::open(dir.path()).unwrap();
        let id = spool.new_id(now());
        spool.store(Stage::Incoming, &id, &entry(1)).unwrap();
        assert_eq!(spool.read(Stage::Incoming, &id).unwrap(), entry(1));
        assert_eq!(
            spool.pending().unwrap(),
            vec![(Stage::Incoming, id.clone())]
        );
        spool.store(Stage::Sanitized, &id, &entry(2)).unwrap();
        spool.remove(Stage::Incoming, &id).unwrap();
        assert_eq!(
            spool.pending().unwrap(),
            vec![(Stage::Sanitized, id.clone())]
        );
        spool.remove(Stage::Sanitized, &id).unwrap();
        assert!(spool.pending().unwrap().is_empty());
        // Removing twice (crash after unlink, before the state was known) is harmless.
        spool.remove(Stage::Sanitized, &id).unwrap();
    }

    #[test]
    fn crash_leftovers_are_recovered_consistently() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::open(dir.path()).unwrap();
        let a = spool.new_id(now());
        let b = spool.new_id(now());
        assert_ne!(a, b);
        spool.store(Stage::Incoming, &a, &entry(1)).unwrap();
        // Crash between writing the sanitised copy and removing the incoming one.
        spool.store(Stage::Incoming, &b, &entry(2)).unwrap();
        spool.store(Stage::Sanitized, &b, &entry(3)).unwrap();
        // Crash in the middle of writing a third message (never acknowledged).
        fs::write(dir.path().join("tmp/incoming.c"), b"MAMORI-SPOOL 1\nfrom <").unwrap();
        drop(spool);

        let spool = Spool::open(dir.path()).unwrap();
        assert!(
            fs::read_dir(dir.path().join("tmp"))
                .unwrap()
                .next()
                .is_none()
        );
        let pending = spool.pending().unwrap();
        assert_eq!(
            pending,
            vec![(Stage::Incoming, a.clone()), (Stage::Sanitized, b.clone())]
        );
        assert_eq!(spool.read(Stage::Sanitized, &b).unwrap(), entry(3));
        assert!(!dir.path().join("incoming").join(&b).exists());
        // IDs are not reused after a restart even with the same clock reading.
        let c = spool.new_id(now());
        assert!(c != a && c != b);
    }

    #[test]
    fn corrupt_file_is_reported_and_set_aside() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::open(dir.path()).unwrap();
        fs::write(dir.path().join("incoming/x"), b"garbage").unwrap();
        assert!(matches!(
            spool.read(Stage::Incoming, "x"),
            Err(SpoolError::Corrupt(_))
        ));
        spool.set_aside(Stage::Incoming, "x").unwrap();
        assert!(spool.pending().unwrap().is_empty());
        assert!(dir.path().join("corrupt/incoming.x").exists());
        let err = spool.read(Stage::Incoming, "x").unwrap_err();
        assert!(err.message(Lang::Ja).contains("スプール"));
    }

    #[test]
    fn quarantine_files_are_stored() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::open(dir.path()).unwrap();
        spool
            .store_quarantine("q1", &[("0-a.exe".into(), b"MZ".to_vec())], "{}")
            .unwrap();
        assert_eq!(
            fs::read(spool.quarantine_dir("q1").join("0-a.exe")).unwrap(),
            b"MZ"
        );
        assert!(spool.quarantine_dir("q1").join("report.json").exists());
    }
}
