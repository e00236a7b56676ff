//! Tailing a log by byte offset: ask from the last `next_offset` until the service says
//! the log is complete. Pure state, so the rules are tested without a service.

use super::text::LogText;
use crate::api::LogChunk;

/// Where the next read of a log starts, and whether there is anything left to read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tail {
    offset: u64,
    complete: bool,
}

/// What a chunk did to the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// New text was appended.
    Grew,
    /// Nothing new yet (a running attempt that printed nothing since the last read).
    Unchanged,
    /// The service's offset went backwards, so its log is not the one we hold (the file
    /// was replaced); the log was cleared and is read again from the start.
    Restarted,
}

impl Tail {
    pub fn new() -> Self {
        Tail::default()
    }

    /// The offset to ask for next; `None` once the log is complete.
    pub fn next_offset(&self) -> Option<u64> {
        (!self.complete).then_some(self.offset)
    }

    pub fn offset(&self) -> u64 {
        self.offset
    }

    pub fn is_complete(&self) -> bool {
        self.complete
    }

    /// Adds a chunk read from `self.offset()` to `log`.
    pub fn apply(&mut self, log: &mut LogText, chunk: &LogChunk) -> Applied {
        if chunk.next_offset < self.offset {
            *log = LogText::new();
            *self = Tail::new();
            return Applied::Restarted;
        }
        self.offset = chunk.next_offset;
        self.complete = chunk.complete;
        if chunk.text.is_empty() {
            Applied::Unchanged
        } else {
            log.push(&chunk.text);
            log.mark_stderr(&chunk.stderr);
            Applied::Grew
        }
    }
}
