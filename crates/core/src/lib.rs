//! mamori-core: the regulation (能代市情報セキュリティ対策に関する規程, modelled on the MIC guideline)
//! as types and rules. No I/O, no SQL, no HTTP: everything here is pure and testable.

pub mod lang;

pub use lang::{Lang, Text};
