//! Where a piece of configuration came from, and statements the parsers did not understand.

use serde::Serialize;
use std::fmt;

/// A position in an input file. Lines and columns count from 1.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SourceLoc {
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// For nftables JSON: the JSON pointer of the element and the rule handle.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
}

impl SourceLoc {
    pub fn new(file: impl Into<String>, line: usize, column: usize) -> Self {
        SourceLoc {
            file: file.into(),
            line,
            column,
            pointer: None,
        }
    }
}

impl fmt::Display for SourceLoc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)?;
        if let Some(p) = &self.pointer {
            write!(f, " ({p})")?;
        }
        Ok(())
    }
}

/// A statement a parser could not model. The rule that contains it is treated conservatively
/// (as if it could accept everything it might match, and never drop), and the verdict becomes
/// Incomplete (exit code 2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Unparsed {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub text: String,
    pub reason: String,
}

/// Line and column (1-based, in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let col = match before.rfind('\n') {
        Some(i) => before.get(i + 1..).unwrap_or("").chars().count() + 1,
        None => before.chars().count() + 1,
    };
    (line, col)
}

/// Line and column of increasing byte offsets in one pass (for one-line JSON of megabytes,
/// where [`line_col`] per element would be quadratic).
pub struct LineIndex<'a> {
    text: &'a str,
    offset: usize,
    line: usize,
    col: usize,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        LineIndex {
            text,
            offset: 0,
            line: 1,
            col: 1,
        }
    }

    /// Position of `offset`; offsets must not decrease between calls (earlier ones restart).
    pub fn at(&mut self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        if offset < self.offset {
            *self = LineIndex::new(self.text);
        }
        let chunk = self.text.get(self.offset..offset).unwrap_or("");
        for c in chunk.chars() {
            if c == '\n' {
                self.line += 1;
                self.col = 1;
            } else {
                self.col += 1;
            }
        }
        self.offset = offset;
        (self.line, self.col)
    }
}
