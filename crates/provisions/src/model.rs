//! The provision tree of a regulation.

use serde::{Deserialize, Serialize};

/// A whole regulation as written: title, enactment, preamble, articles and supplementary provisions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Regulation {
    pub title: String,
    /// 制定日 as written (e.g. 令和３年２月１日).
    pub enacted: Option<String>,
    /// 訓令番号 as written (e.g. 訓令第１号).
    pub number: Option<String>,
    /// Text before the first article (e.g. the 全部改正 clause).
    pub preamble: String,
    pub articles: Vec<Article>,
    /// 附則: the original one first, then one per amendment.
    pub supplementary: Vec<Supplementary>,
}

/// 第N条 (or 第N条のM).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Article {
    pub number: u32,
    /// 枝番: 第2条の2 has branch Some(2).
    pub branch: Option<u32>,
    /// 見出し, without its parentheses.
    pub caption: Option<String>,
    pub paragraphs: Vec<Paragraph>,
    /// Amendment notes such as 令６訓令８・一部改正, without parentheses.
    pub amendments: Vec<String>,
    /// Line of 第N条 in the source (1-based).
    pub line: usize,
}

/// 項. The first paragraph of an article carries no number in the text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paragraph {
    pub number: u32,
    pub caption: Option<String>,
    pub text: String,
    pub items: Vec<Item>,
    pub line: usize,
}

/// 号: （１）, (1) or 一.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub number: u32,
    pub text: String,
    pub subitems: Vec<Subitem>,
    pub line: usize,
}

/// 細分: ア, イ, ウ …
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subitem {
    /// 0 = ア, 1 = イ …
    pub index: u8,
    pub label: String,
    pub text: String,
    pub line: usize,
}

/// 附則, optionally titled with the amending instrument (e.g. 令和５年８月２９日訓令第１０号).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Supplementary {
    pub title: Option<String>,
    pub paragraphs: Vec<Paragraph>,
    pub line: usize,
}

/// One provision flattened, for listings, links and diffs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provision {
    /// Japanese legal citation, e.g. 第6条第2号イ, 第10条第2項, 附則第1項.
    pub citation: String,
    /// Stable ASCII anchor for links, e.g. `a6-p1-i2-s1`, `s0-p1`.
    pub anchor: String,
    pub caption: Option<String>,
    pub text: String,
    pub line: usize,
}

impl Article {
    pub fn label(&self) -> String {
        match self.branch {
            Some(b) => format!("第{}条の{b}", self.number),
            None => format!("第{}条", self.number),
        }
    }

    fn anchor(&self) -> String {
        match self.branch {
            Some(b) => format!("a{}-{b}", self.number),
            None => format!("a{}", self.number),
        }
    }
}

impl Regulation {
    /// Every article, paragraph, item and sub-item (and 附則 paragraph) in document order.
    pub fn provisions(&self) -> Vec<Provision> {
        let mut out = Vec::new();
        for a in &self.articles {
            let article = a.label();
            let single = a.paragraphs.len() == 1;
            for p in &a.paragraphs {
                // 第1項 is not written when an article has only one paragraph (and by custom not for
                // its items either: 第6条第2号, not 第6条第1項第2号).
                let para = if single || p.number == 1 {
                    article.clone()
                } else {
                    format!("{article}第{}項", p.number)
                };
                let para_anchor = format!("{}-p{}", a.anchor(), p.number);
                out.push(Provision {
                    citation: if p.number == 1 {
                        article.clone()
                    } else {
                        para.clone()
                    },
                    anchor: para_anchor.clone(),
                    caption: if p.number == 1 {
                        a.caption.clone()
                    } else {
                        None
                    },
                    text: p.text.clone(),
                    line: if p.number == 1 { a.line } else { p.line },
                });
                push_items(&mut out, &para, &para_anchor, &p.items);
            }
        }
        for (si, s) in self.supplementary.iter().enumerate() {
            let head = match &s.title {
                Some(t) => format!("附則（{t}）"),
                None => "附則".to_string(),
            };
            let single = s.paragraphs.len() == 1;
            for p in &s.paragraphs {
                let citation = if single {
                    head.clone()
                } else {
                    format!("{head}第{}項", p.number)
                };
                let anchor = format!("s{si}-p{}", p.number);
                out.push(Provision {
                    citation: citation.clone(),
                    anchor: anchor.clone(),
                    caption: p.caption.clone(),
                    text: p.text.clone(),
                    line: p.line,
                });
                push_items(&mut out, &citation, &anchor, &p.items);
            }
        }
        out
    }

    /// Find a provision by its citation (e.g. 第6条第2号イ); half- and full-width digits both match.
    pub fn find(&self, citation: &str) -> Option<Provision> {
        let wanted = crate::normalize_digits(citation);
        self.provisions()
            .into_iter()
            .find(|p| crate::normalize_digits(&p.citation) == wanted)
    }
}

fn push_items(out: &mut Vec<Provision>, parent: &str, parent_anchor: &str, items: &[Item]) {
    for i in items {
        let citation = format!("{parent}第{}号", i.number);
        let anchor = format!("{parent_anchor}-i{}", i.number);
        out.push(Provision {
            citation: citation.clone(),
            anchor: anchor.clone(),
            caption: None,
            text: i.text.clone(),
            line: i.line,
        });
        for s in &i.subitems {
            out.push(Provision {
                citation: format!("{citation}{}", s.label),
                anchor: format!("{anchor}-s{}", s.index + 1),
                caption: None,
                text: s.text.clone(),
                line: s.line,
            });
        }
    }
}
