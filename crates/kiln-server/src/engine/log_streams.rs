//! Which bytes of an attempt's log came from its standard error.
//!
//! stdout goes straight from the job into the log file, as before. stderr goes through a
//! pipe to a relay thread of the server, which appends what it reads to the same file and
//! notes each write's byte range in an index beside it (`<log>.stderr`, one `start end`
//! line per write). Both open the file with `O_APPEND`, so every write lands at the end,
//! whole, and the order of the two streams is the order of their writes. After a write,
//! the relay's own file offset is the end of what it wrote, which gives the range exactly
//! even while the job writes stdout at the same time.
//!
//! If the server dies, the relay goes with it; the job then gets EPIPE on stderr, and is
//! killed anyway (see `process`). The index then lacks what the dead relay did not write.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};

use kiln_api::StderrRanges;

/// The index of stderr ranges beside a log.
pub fn index_path(log: &Path) -> PathBuf {
    let mut name = log.as_os_str().to_owned();
    name.push(".stderr");
    PathBuf::from(name)
}

/// Creates (or empties) a log file and opens it for appending, as the job's stdout.
pub fn create_log(log: &Path) -> io::Result<File> {
    File::create(log)?;
    File::create(index_path(log))?;
    OpenOptions::new().append(true).open(log)
}

/// Copies a job's stderr into its log until the job closes it, noting each write's range.
/// Blocking: it runs on a thread of its own for the life of the attempt.
pub fn relay(mut stderr: impl Read, log: &Path) -> io::Result<()> {
    let mut out = OpenOptions::new().append(true).open(log)?;
    let mut index = OpenOptions::new().append(true).create(true).open(index_path(log))?;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match stderr.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let mut rest = &buf[..n];
        while !rest.is_empty() {
            let written = out.write(rest)?;
            if written == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
            let end = out.stream_position()?;
            writeln!(index, "{} {end}", end - written as u64)?;
            rest = &rest[written..];
        }
    }
}

/// The stderr ranges recorded for a log; none when it has no index (a log from Ray, or
/// from before the index existed).
pub async fn read_index(log: &Path) -> io::Result<StderrRanges> {
    match tokio::fs::read_to_string(index_path(log)).await {
        Ok(text) => Ok(parse_index(&text)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(StderrRanges::default()),
        Err(e) => Err(e),
    }
}

/// Reads an index's `start end` lines. A line the dead relay did not finish is skipped.
fn parse_index(text: &str) -> StderrRanges {
    let mut ranges = StderrRanges::default();
    for line in text.lines() {
        let Some((start, end)) = line.split_once(' ') else { continue };
        if let (Ok(start), Ok(end)) = (start.parse::<u64>(), end.parse::<u64>()) {
            ranges.push(start..end);
        }
    }
    ranges
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_relay_appends_after_stdout_and_notes_exactly_its_bytes() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let log = dir.path().join("1.log");
        let mut stdout = create_log(&log).expect("the log");
        stdout.write_all(b"out one\n").expect("stdout");
        relay(&b"err \xe2\x82\xac\n"[..], &log).expect("relay");
        stdout.write_all(b"out two\n").expect("stdout");
        assert_eq!(std::fs::read(&log).expect("read"), b"out one\nerr \xe2\x82\xac\nout two\n");
        assert_eq!(parse_index(&std::fs::read_to_string(index_path(&log)).expect("index")).to_string(), "8-16");
    }

    #[test]
    fn an_unfinished_index_line_is_skipped() {
        assert_eq!(parse_index("0 4\n9 1").to_string(), "0-4");
        assert!(parse_index("").is_empty());
    }

    #[tokio::test]
    async fn a_log_without_an_index_has_no_stderr() {
        let dir = tempfile::tempdir().expect("a temp dir");
        assert!(read_index(&dir.path().join("none.log")).await.expect("no error").is_empty());
    }
}
