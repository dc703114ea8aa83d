//! Splitting a configuration line into words, keeping `"quoted strings"` whole and each word's
//! column, for the line-oriented formats (iptables-save, FortiGate).

pub(crate) struct Token {
    pub(crate) text: String,
    /// 1-based column of the word's first character.
    pub(crate) column: usize,
}

/// Words of `line`; `Err(column)` of an unterminated quote.
pub(crate) fn tokenize(line: &str) -> Result<Vec<Token>, usize> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut start: Option<usize> = None;
    let mut in_quote = false;
    let mut chars = line.chars().enumerate().peekable();
    let mut quote_col = 0;
    while let Some((i, c)) = chars.next() {
        let col = i + 1;
        if in_quote {
            match c {
                '\\' => {
                    if let Some((_, n)) = chars.next() {
                        cur.push(n);
                    }
                }
                '"' => in_quote = false,
                _ => cur.push(c),
            }
            continue;
        }
        match c {
            ' ' | '\t' => {
                if let Some(s) = start.take() {
                    out.push(Token {
                        text: std::mem::take(&mut cur),
                        column: s,
                    });
                }
            }
            '"' => {
                in_quote = true;
                quote_col = col;
                start.get_or_insert(col);
            }
            _ => {
                start.get_or_insert(col);
                cur.push(c);
            }
        }
    }
    if in_quote {
        return Err(quote_col);
    }
    if let Some(s) = start {
        out.push(Token {
            text: cur,
            column: s,
        });
    }
    Ok(out)
}
