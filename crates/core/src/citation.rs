//! Citations of the regulation: 第6条第2号ア and the like.
//!
//! Every rule, finding and (later) measure, threat and audit item names the provision it comes from,
//! so a citation is a small value type rather than free text.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A provision of the regulation: 条, optionally 項, 号 and 細分 (ア, イ, ウ …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Citation {
    pub article: u16,
    /// 項 (paragraph). The first paragraph is not written in Japanese legal citation, so `None` means 第1項.
    pub paragraph: Option<u16>,
    pub item: Option<u16>,
    /// 細分 in iroha order: 0 = ア, 1 = イ, 2 = ウ …
    pub subitem: Option<u8>,
}

const IROHA: [&str; 10] = ["ア", "イ", "ウ", "エ", "オ", "カ", "キ", "ク", "ケ", "コ"];

impl Citation {
    pub const fn article(article: u16) -> Self {
        Citation {
            article,
            paragraph: None,
            item: None,
            subitem: None,
        }
    }

    pub const fn item(article: u16, item: u16) -> Self {
        Citation {
            article,
            paragraph: None,
            item: Some(item),
            subitem: None,
        }
    }

    pub const fn subitem(article: u16, item: u16, subitem: u8) -> Self {
        Citation {
            article,
            paragraph: None,
            item: Some(item),
            subitem: Some(subitem),
        }
    }

    /// English form, e.g. `Art. 6(2)(a)`.
    pub fn english(&self) -> String {
        let mut s = format!("Art. {}", self.article);
        if let Some(p) = self.paragraph {
            s.push_str(&format!(" para. {p}"));
        }
        if let Some(i) = self.item {
            s.push_str(&format!("({i})"));
        }
        if let Some(sub) = self.subitem {
            let letter = char::from(b'a'.saturating_add(sub));
            s.push_str(&format!("({letter})"));
        }
        s
    }
}

/// Japanese legal form, e.g. `第6条第2号ア`.
impl fmt::Display for Citation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "第{}条", self.article)?;
        if let Some(p) = self.paragraph {
            write!(f, "第{p}項")?;
        }
        if let Some(i) = self.item {
            write!(f, "第{i}号")?;
        }
        if let Some(sub) = self.subitem {
            match IROHA.get(usize::from(sub)) {
                Some(kana) => f.write_str(kana)?,
                None => write!(f, "({})", sub + 1)?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_japanese_and_english_forms() {
        let c = Citation::subitem(6, 2, 0);
        assert_eq!(c.to_string(), "第6条第2号ア");
        assert_eq!(c.english(), "Art. 6(2)(a)");
        assert_eq!(Citation::item(2, 13).to_string(), "第2条第13号");
        let p = Citation {
            article: 10,
            paragraph: Some(2),
            item: None,
            subitem: None,
        };
        assert_eq!(p.to_string(), "第10条第2項");
    }
}
