//! mamori-provisions: a regulation written in Japanese legal style (plain text, as copied from a
//! 例規集 page or extracted from a PDF/Word file) into a tree of citable provisions — 条 with its
//! 見出し, 項, 号, 細分 (ア, イ, ウ …), 附則 and amendment notes such as （令６訓令８・一部改正）.
//!
//! Pure: text in, tree out. Page-break blank lines and stray spaces from extraction are ignored;
//! a line that continues a sentence is joined to it. Numbering is checked: a gap or a duplicate
//! article is an error naming its line, never silently renumbered.

mod diff;
mod model;
mod numerals;
mod parse;

pub use diff::{Change, ChangeKind, diff};
pub use model::{Article, Item, Paragraph, Provision, Regulation, Subitem, Supplementary};
pub use parse::{article_number, parse};

use mamori_core::Lang;

/// Why a text could not be read as a regulation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProvisionError {
    #[error("the text is empty")]
    Empty,
    #[error("line {line}: not legal-style text (no 第N条 found): {text}")]
    NotLegalText { line: usize, text: String },
    #[error("line {line}: {found} follows {previous}; expected {expected}")]
    NumberingGap {
        line: usize,
        kind: Level,
        previous: String,
        expected: String,
        found: String,
    },
    #[error("line {line}: article {article} appears twice (first at line {first_line})")]
    DuplicateArticle {
        line: usize,
        article: String,
        first_line: usize,
    },
}

/// Which level a numbering problem is at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Article,
    Paragraph,
    Item,
    Subitem,
}

impl ProvisionError {
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (ProvisionError::Empty, Lang::Ja) => "本文が空です。".into(),
            (ProvisionError::Empty, Lang::En) => "The text is empty.".into(),
            (ProvisionError::NotLegalText { line, text }, Lang::Ja) => format!(
                "{line}行目「{text}」を条文として読めません。「第１条 …」の形の条文が見つかりませんでした。"
            ),
            (ProvisionError::NotLegalText { line, text }, Lang::En) => format!(
                "Line {line} (\"{text}\") cannot be placed: no article of the form 第1条 was found."
            ),
            (
                ProvisionError::NumberingGap {
                    line,
                    previous,
                    expected,
                    found,
                    ..
                },
                Lang::Ja,
            ) => format!(
                "{line}行目: {previous}の次が{found}になっています（{expected}があるはずです）。番号の抜けや重複を確認してください。"
            ),
            (
                ProvisionError::NumberingGap {
                    line,
                    previous,
                    expected,
                    found,
                    ..
                },
                Lang::En,
            ) => format!(
                "Line {line}: {found} follows {previous}; {expected} was expected. Check for a missing or repeated number."
            ),
            (
                ProvisionError::DuplicateArticle {
                    line,
                    article,
                    first_line,
                },
                Lang::Ja,
            ) => {
                format!("{line}行目: {article}が重複しています（最初は{first_line}行目）。")
            }
            (
                ProvisionError::DuplicateArticle {
                    line,
                    article,
                    first_line,
                },
                Lang::En,
            ) => {
                format!("Line {line}: {article} appears twice (first at line {first_line}).")
            }
        }
    }
}

/// Full-width digits to ASCII, for comparing citations typed either way.
pub fn normalize_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '０'..='９' => {
                char::from_u32(u32::from(c) - u32::from('０') + u32::from('0')).unwrap_or(c)
            }
            _ => c,
        })
        .collect()
}
