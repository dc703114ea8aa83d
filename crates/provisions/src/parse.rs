//! The line classifier and the tree builder.

use crate::model::{Article, Item, Paragraph, Regulation, Subitem, Supplementary};
use crate::numerals::{leading_number, number};
use crate::{Level, ProvisionError};

/// 細分 labels in the order regulations use them.
const SUBITEM_LABELS: [&str; 20] = [
    "ア", "イ", "ウ", "エ", "オ", "カ", "キ", "ク", "ケ", "コ", "サ", "シ", "ス", "セ", "ソ", "タ",
    "チ", "ツ", "テ", "ト",
];

#[derive(Debug, PartialEq)]
enum Line<'a> {
    Supplementary {
        title: Option<String>,
    },
    Amendment(String),
    Article {
        number: u32,
        branch: Option<u32>,
        rest: &'a str,
    },
    Caption(String),
    Item {
        number: u32,
        rest: &'a str,
    },
    Subitem {
        index: u8,
        rest: &'a str,
    },
    Paragraph {
        number: u32,
        rest: &'a str,
    },
    Text(&'a str),
}

fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{3000}'
}

/// Split after a structural label: the label must be followed by a space (or end the line).
fn after_label(rest: &str) -> Option<&str> {
    if rest.is_empty() {
        return Some(rest);
    }
    let first = rest.chars().next()?;
    is_space(first).then(|| rest.trim_start_matches(is_space))
}

fn strip_parens(s: &str) -> Option<&str> {
    s.strip_prefix('（')
        .and_then(|r| r.strip_suffix('）'))
        .or_else(|| s.strip_prefix('(').and_then(|r| r.strip_suffix(')')))
}

fn is_amendment_note(inner: &str) -> bool {
    let starts_with_era = ["令", "平", "昭"].iter().any(|e| inner.starts_with(e));
    starts_with_era
        && (inner.ends_with("一部改正")
            || inner.ends_with("全部改正")
            || inner.ends_with("追加")
            || inner.ends_with("削除"))
}

/// Whether every parenthesis in `inner` closes inside it, so that the outer pair encloses the
/// whole line: a caption may hold a parenthetical (（監査（外部監査を含む。）の実施）), while
/// "（甲）及び（乙）" is two groups, not a caption.
fn balanced(inner: &str) -> bool {
    let mut depth = 0i32;
    for c in inner.chars() {
        match c {
            '（' | '(' => depth += 1,
            '）' | ')' => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

fn classify(line: &str) -> Line<'_> {
    let compact: String = line.chars().filter(|c| !is_space(*c)).collect();
    if let Some(rest) = compact.strip_prefix("附則") {
        if rest.is_empty() {
            return Line::Supplementary { title: None };
        }
        if let Some(inner) = strip_parens(rest) {
            return Line::Supplementary {
                title: Some(inner.to_string()),
            };
        }
    }
    if let Some(inner) = strip_parens(line)
        && balanced(inner)
    {
        if is_amendment_note(inner) {
            return Line::Amendment(inner.to_string());
        }
        if leading_number(inner).is_none() {
            return Line::Caption(inner.to_string());
        }
    }
    if let Some(rest) = line.strip_prefix('第')
        && let Some((n, len)) = leading_number(rest)
        && let Some(rest) = rest[len..].strip_prefix('条')
    {
        let (branch, rest) = match rest
            .strip_prefix('の')
            .and_then(|r| leading_number(r).map(|(b, l)| (b, &r[l..])))
        {
            Some((b, r)) => (Some(b), r),
            None => (None, rest),
        };
        if let Some(rest) = after_label(rest) {
            return Line::Article {
                number: n,
                branch,
                rest,
            };
        }
    }
    for (open, close) in [('（', '）'), ('(', ')')] {
        if let Some(rest) = line.strip_prefix(open)
            && let Some((n, len)) = leading_number(rest)
            && let Some(rest) = rest[len..].strip_prefix(close)
        {
            return Line::Item {
                number: n,
                rest: rest.trim_start_matches(is_space),
            };
        }
    }
    for (i, label) in SUBITEM_LABELS.iter().enumerate() {
        if let Some(rest) = line.strip_prefix(label)
            && let Some(rest) = after_label(rest)
            && !rest.is_empty()
        {
            return Line::Subitem {
                index: i as u8,
                rest,
            };
        }
    }
    if let Some((n, len)) = leading_number(line)
        && line[..len]
            .chars()
            .all(|c| c.is_ascii_digit() || ('０'..='９').contains(&c))
        && let Some(rest) = after_label(&line[len..])
        && !rest.is_empty()
    {
        return Line::Paragraph { number: n, rest };
    }
    // 号 written as kanji numerals (一 …) in the national style.
    if let Some((n, len)) = leading_number(line)
        && !line[..len]
            .chars()
            .any(|c| c.is_ascii_digit() || ('０'..='９').contains(&c))
        && let Some(rest) = after_label(&line[len..])
        && !rest.is_empty()
    {
        return Line::Item { number: n, rest };
    }
    Line::Text(line)
}

/// Collapse runs of spaces from extraction into one (kept: term and definition are separated by it).
fn tidy(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.chars() {
        if is_space(c) {
            pending_space = !out.is_empty();
        } else {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(c);
        }
    }
    out
}

/// Join a continuation line: Japanese sentences run on without a space; an indented line after a
/// finished sentence (quoted amendment text in 附則) starts a new line.
fn join(text: &mut String, line: &str, indented: bool) {
    let line = tidy(line);
    if text.is_empty() {
        text.push_str(&line);
        return;
    }
    if indented && text.ends_with('。') {
        text.push('\n');
    } else if text
        .chars()
        .last()
        .is_some_and(|c| c.is_ascii_alphanumeric())
        && line
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
    {
        text.push(' ');
    }
    text.push_str(&line);
}

/// Where continuation text goes.
#[derive(Clone, Copy, PartialEq)]
enum Open {
    Front,
    Paragraph,
    Item,
    Subitem,
}

struct Builder {
    reg: Regulation,
    in_supplementary: bool,
    pending_caption: Option<String>,
    open: Open,
    front_lines: usize,
}

impl Builder {
    fn paragraphs(&mut self) -> Option<&mut Vec<Paragraph>> {
        if self.in_supplementary {
            self.reg.supplementary.last_mut().map(|s| &mut s.paragraphs)
        } else {
            self.reg.articles.last_mut().map(|a| &mut a.paragraphs)
        }
    }

    fn paragraph(&mut self) -> Option<&mut Paragraph> {
        self.paragraphs().and_then(|p| p.last_mut())
    }

    fn continue_text(&mut self, line: &str, indented: bool) {
        match self.open {
            Open::Front => {
                if self.front_lines == 0 {
                    self.reg.title = tidy(line.trim_start_matches(['〇', '○', '◯']));
                } else if self.front_lines == 1
                    && self.reg.enacted.is_none()
                    && looks_like_date(line)
                {
                    self.reg.enacted = Some(tidy(line));
                } else if self.reg.number.is_none()
                    && self.reg.preamble.is_empty()
                    && looks_like_number(line)
                {
                    self.reg.number = Some(tidy(line));
                } else {
                    join(&mut self.reg.preamble, line, indented);
                }
                self.front_lines += 1;
            }
            Open::Paragraph => {
                if let Some(p) = self.paragraph() {
                    join(&mut p.text, line, indented);
                }
            }
            Open::Item => {
                if let Some(i) = self.paragraph().and_then(|p| p.items.last_mut()) {
                    join(&mut i.text, line, indented);
                }
            }
            Open::Subitem => {
                if let Some(s) = self
                    .paragraph()
                    .and_then(|p| p.items.last_mut())
                    .and_then(|i| i.subitems.last_mut())
                {
                    join(&mut s.text, line, indented);
                }
            }
        }
    }
}

fn looks_like_date(line: &str) -> bool {
    let t: String = line.chars().filter(|c| !is_space(*c)).collect();
    ["令和", "平成", "昭和"].iter().any(|e| t.starts_with(e))
        && t.ends_with('日')
        && t.contains('年')
        && !t.contains('、')
}

fn looks_like_number(line: &str) -> bool {
    let t: String = line.chars().filter(|c| !is_space(*c)).collect();
    ["訓令", "規則", "告示", "条例", "規程", "要綱"]
        .iter()
        .any(|k| t.starts_with(k))
        && t.starts_with(|c: char| c != '第')
        && t.contains('第')
        && t.ends_with('号')
}

/// Parse a regulation text into its provision tree.
pub fn parse(text: &str) -> Result<Regulation, ProvisionError> {
    let mut b = Builder {
        reg: Regulation {
            title: String::new(),
            enacted: None,
            number: None,
            preamble: String::new(),
            articles: Vec::new(),
            supplementary: Vec::new(),
        },
        in_supplementary: false,
        pending_caption: None,
        open: Open::Front,
        front_lines: 0,
    };
    let mut first_content: Option<(usize, String)> = None;
    let mut article_lines: Vec<((u32, Option<u32>), usize)> = Vec::new();

    for (index, raw) in text.lines().enumerate() {
        let line_no = index + 1;
        let indented = raw.starts_with(|c: char| is_space(c))
            && raw.chars().take_while(|c| is_space(*c)).count() >= 2;
        let line = raw.trim_matches(|c: char| is_space(c) || c == '\u{feff}');
        if line.is_empty() {
            continue;
        }
        if first_content.is_none() {
            first_content = Some((line_no, line.to_string()));
        }
        let classified = classify(line);
        // Before the first article everything is front matter, except a caption that heads it.
        if b.reg.articles.is_empty() && !b.in_supplementary {
            match classified {
                Line::Article { .. } | Line::Caption(_) | Line::Supplementary { .. } => {}
                _ => {
                    b.continue_text(line, indented);
                    continue;
                }
            }
        }
        match classified {
            Line::Supplementary { title } => {
                b.in_supplementary = true;
                b.reg.supplementary.push(Supplementary {
                    title,
                    paragraphs: Vec::new(),
                    line: line_no,
                });
                b.open = Open::Paragraph;
                b.pending_caption = None;
            }
            Line::Amendment(note) => match b.reg.articles.last_mut() {
                Some(a) if !b.in_supplementary => a.amendments.push(note),
                _ => b.continue_text(line, indented),
            },
            Line::Caption(caption) => b.pending_caption = Some(caption),
            Line::Article {
                number: n,
                branch,
                rest,
            } if !b.in_supplementary => {
                let key = (n, branch);
                if let Some((_, first_line)) = article_lines.iter().find(|(k, _)| *k == key) {
                    return Err(ProvisionError::DuplicateArticle {
                        line: line_no,
                        article: article_label(n, branch),
                        first_line: *first_line,
                    });
                }
                let expected_ok = match (article_lines.last(), branch) {
                    (None, None) => n == 1,
                    (None, Some(_)) => false,
                    (Some(((pn, _), _)), None) => n == pn + 1,
                    (Some(((pn, pb), _)), Some(b)) => n == *pn && b == pb.map_or(2, |x| x + 1),
                };
                if !expected_ok {
                    let previous = article_lines
                        .last()
                        .map(|((pn, pb), _)| article_label(*pn, *pb))
                        .unwrap_or_else(|| "（冒頭）".into());
                    let expected = article_lines
                        .last()
                        .map(|((pn, _), _)| article_label(pn + 1, None))
                        .unwrap_or_else(|| article_label(1, None));
                    return Err(ProvisionError::NumberingGap {
                        line: line_no,
                        kind: Level::Article,
                        previous,
                        expected,
                        found: article_label(n, branch),
                    });
                }
                article_lines.push((key, line_no));
                b.reg.articles.push(Article {
                    number: n,
                    branch,
                    caption: b.pending_caption.take(),
                    paragraphs: vec![Paragraph {
                        number: 1,
                        caption: None,
                        text: tidy(rest),
                        items: Vec::new(),
                        line: line_no,
                    }],
                    amendments: Vec::new(),
                    line: line_no,
                });
                b.open = Open::Paragraph;
            }
            Line::Paragraph { number: n, rest } => {
                let caption = b.pending_caption.take();
                let in_supplementary = b.in_supplementary;
                let Some(paragraphs) = b.paragraphs() else {
                    b.continue_text(line, indented);
                    continue;
                };
                let last = paragraphs.last().map(|p| p.number).unwrap_or(0);
                if n != last + 1 {
                    // Inside an article, "２ …" after 第1項 must be 第2項.
                    if !in_supplementary || last > 0 {
                        return Err(ProvisionError::NumberingGap {
                            line: line_no,
                            kind: Level::Paragraph,
                            previous: format!("第{last}項"),
                            expected: format!("第{}項", last + 1),
                            found: format!("第{n}項"),
                        });
                    }
                }
                paragraphs.push(Paragraph {
                    number: n,
                    caption,
                    text: tidy(rest),
                    items: Vec::new(),
                    line: line_no,
                });
                b.open = Open::Paragraph;
            }
            Line::Item { number: n, rest } => {
                let in_supplementary = b.in_supplementary;
                let Some(paragraph) = b.paragraph() else {
                    b.continue_text(line, indented);
                    continue;
                };
                let last = paragraph.items.last().map(|i| i.number).unwrap_or(0);
                if n != last + 1 {
                    // 附則 amendment clauses quote items of the amended rule ("次のように改める。").
                    if in_supplementary && paragraph.text.contains("次のように") {
                        b.continue_text(line, indented);
                        continue;
                    }
                    return Err(ProvisionError::NumberingGap {
                        line: line_no,
                        kind: Level::Item,
                        previous: if last == 0 {
                            "本文".into()
                        } else {
                            format!("第{last}号")
                        },
                        expected: format!("第{}号", last + 1),
                        found: format!("第{n}号"),
                    });
                }
                if in_supplementary && paragraph.text.contains("次のように") {
                    b.continue_text(line, indented);
                    continue;
                }
                paragraph.items.push(Item {
                    number: n,
                    text: tidy(rest),
                    subitems: Vec::new(),
                    line: line_no,
                });
                b.open = Open::Item;
            }
            Line::Subitem { index, rest } => {
                let Some(item) = b.paragraph().and_then(|p| p.items.last_mut()) else {
                    b.continue_text(line, indented);
                    continue;
                };
                let next = item.subitems.last().map(|s| s.index + 1).unwrap_or(0);
                if index == next {
                    item.subitems.push(Subitem {
                        index,
                        label: SUBITEM_LABELS
                            .get(usize::from(index))
                            .copied()
                            .unwrap_or("")
                            .to_string(),
                        text: tidy(rest),
                        line: line_no,
                    });
                    b.open = Open::Subitem;
                } else if index > next && next > 0 {
                    let label = |i: u8| {
                        SUBITEM_LABELS
                            .get(usize::from(i))
                            .copied()
                            .unwrap_or("?")
                            .to_string()
                    };
                    return Err(ProvisionError::NumberingGap {
                        line: line_no,
                        kind: Level::Subitem,
                        previous: label(next - 1),
                        expected: label(next),
                        found: label(index),
                    });
                } else {
                    b.continue_text(line, indented);
                }
            }
            Line::Article { .. } | Line::Text(_) => {
                if b.in_supplementary && b.paragraph().is_none() {
                    // 附則 without numbered paragraphs: its text is its only paragraph.
                    let caption = b.pending_caption.take();
                    if let Some(paragraphs) = b.paragraphs() {
                        paragraphs.push(Paragraph {
                            number: 1,
                            caption,
                            text: tidy(line),
                            items: Vec::new(),
                            line: line_no,
                        });
                    }
                    b.open = Open::Paragraph;
                } else {
                    b.continue_text(line, indented);
                }
            }
        }
    }
    if b.reg.articles.is_empty() {
        return Err(match first_content {
            None => ProvisionError::Empty,
            Some((line, text)) => ProvisionError::NotLegalText {
                line,
                text: text.chars().take(40).collect(),
            },
        });
    }
    Ok(b.reg)
}

fn article_label(n: u32, branch: Option<u32>) -> String {
    match branch {
        Some(b) => format!("第{n}条の{b}"),
        None => format!("第{n}条"),
    }
}

/// Numbers typed in a citation, e.g. for lookups ("第６条" → 6).
pub fn article_number(citation: &str) -> Option<u32> {
    let rest = citation.strip_prefix('第')?;
    let end = rest.find('条')?;
    number(&rest[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_the_shapes_of_legal_lines() {
        assert_eq!(
            classify("第１条 この訓令は、"),
            Line::Article {
                number: 1,
                branch: None,
                rest: "この訓令は、"
            }
        );
        assert_eq!(
            classify("第十二条の二　見出し"),
            Line::Article {
                number: 12,
                branch: Some(2),
                rest: "見出し"
            }
        );
        assert_eq!(
            classify("第２条第４号中「能代市"),
            Line::Text("第２条第４号中「能代市")
        );
        assert_eq!(classify("（趣旨）"), Line::Caption("趣旨".into()));
        assert_eq!(
            classify("（情報セキュリティ監査（外部監査を含む。）の実施）"),
            Line::Caption("情報セキュリティ監査（外部監査を含む。）の実施".into())
        );
        assert!(!matches!(classify("（甲）及び（乙）"), Line::Caption(_)));
        assert_eq!(
            classify("（令６訓令８・一部改正）"),
            Line::Amendment("令６訓令８・一部改正".into())
        );
        assert_eq!(
            classify("（能代市特定個人情報保護管理規程の一部改正）"),
            Line::Caption("能代市特定個人情報保護管理規程の一部改正".into())
        );
        assert_eq!(
            classify("（１０） ＬＧＷＡＮ接続系"),
            Line::Item {
                number: 10,
                rest: "ＬＧＷＡＮ接続系"
            }
        );
        assert_eq!(
            classify("(3) text"),
            Line::Item {
                number: 3,
                rest: "text"
            }
        );
        assert_eq!(
            classify("イ ＬＧＷＡＮ接続系"),
            Line::Subitem {
                index: 1,
                rest: "ＬＧＷＡＮ接続系"
            }
        );
        assert_eq!(
            classify("ティ対策基準をいう。"),
            Line::Text("ティ対策基準をいう。")
        );
        assert_eq!(
            classify("２ 情報セキュリティ実施手順は、"),
            Line::Paragraph {
                number: 2,
                rest: "情報セキュリティ実施手順は、"
            }
        );
        assert_eq!(classify("０条に規定する"), Line::Text("０条に規定する"));
        assert_eq!(classify("附 則"), Line::Supplementary { title: None });
        assert_eq!(
            classify("附 則（令和５年８月２９日訓令第１０号）"),
            Line::Supplementary {
                title: Some("令和５年８月２９日訓令第１０号".into())
            }
        );
        assert_eq!(
            classify("三 電力の途絶"),
            Line::Item {
                number: 3,
                rest: "電力の途絶"
            }
        );
    }

    #[test]
    fn article_numbers_from_citations() {
        assert_eq!(article_number("第６条第２号イ"), Some(6));
        assert_eq!(article_number("第十条"), Some(10));
        assert_eq!(article_number("附則"), None);
    }
}
