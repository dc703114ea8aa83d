//! HTML → readable plain text, written for mail: paragraphs, lists, tables and quotes stay legible,
//! scripts/styles vanish, links are written out after their text (defanged later, with the rest).
//! A single linear scan: no DOM, so 20 KB newsletters take microseconds.

/// Plain text converted from HTML.
pub fn html_to_text(html: &str) -> String {
    let mut w = Writer::default();
    let bytes = html.as_bytes();
    let mut i = 0usize;
    // Raw-text elements whose closing tag does not occur again: searching once is enough,
    // so thousands of unclosed <script> tags cost linear time, not quadratic.
    let mut never_closed: Vec<String> = Vec::new();
    while i < bytes.len() {
        if bytes[i] != b'<' {
            let end = memchr_lt(bytes, i);
            w.text(&decode_entities(&html[i..end]));
            i = end;
            continue;
        }
        let rest = &html[i..];
        if let Some(comment) = rest.strip_prefix("<!--") {
            i = comment.find("-->").map_or(bytes.len(), |p| i + 4 + p + 3);
            continue;
        }
        if rest.starts_with("<!") || rest.starts_with("<?") {
            i = rest.find('>').map_or(bytes.len(), |p| i + p + 1);
            continue;
        }
        let closing = rest.as_bytes().get(1) == Some(&b'/');
        let name_start = if closing { 2 } else { 1 };
        let name_len = rest.as_bytes()[name_start.min(rest.len())..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        if name_len == 0 {
            // A lone "<" in text.
            w.text("<");
            i += 1;
            continue;
        }
        let name = rest[name_start..name_start + name_len].to_ascii_lowercase();
        let tag_end = find_tag_end(rest.as_bytes(), name_start + name_len);
        let attrs_raw = &rest[name_start + name_len..tag_end];
        let attrs = attrs_raw.strip_suffix('>').unwrap_or(attrs_raw);
        i += tag_end;
        if closing {
            w.close(&name);
        } else if is_raw_text(&name) {
            // Skip the whole element: its content is never shown as text.
            // Without a closing tag only the opening tag is dropped, so broken mail loses no text.
            let close = format!("</{name}");
            if !never_closed.contains(&name) {
                match find_ci(&html[i..], &close) {
                    Some(p) => {
                        let after = i + p;
                        i = html[after..]
                            .find('>')
                            .map_or(bytes.len(), |q| after + q + 1);
                    }
                    None => never_closed.push(name),
                }
            }
        } else {
            w.open(&name, attrs);
        }
    }
    w.finish()
}

fn memchr_lt(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|&b| b == b'<')
        .map_or(bytes.len(), |p| from + p)
}

/// Index just past the closing '>' of a tag, honouring quoted attribute values.
fn find_tag_end(bytes: &[u8], from: usize) -> usize {
    let mut quote: Option<u8> = None;
    let mut j = from;
    while j < bytes.len() {
        let b = bytes[j];
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b'>' => return j + 1,
            None => {}
        }
        j += 1;
    }
    bytes.len()
}

fn is_raw_text(name: &str) -> bool {
    matches!(
        name,
        "script"
            | "style"
            | "title"
            | "template"
            | "svg"
            | "object"
            | "iframe"
            | "textarea"
            | "xml"
            | "select"
            | "noembed"
            | "math"
    )
}

fn find_ci(haystack: &str, needle: &str) -> Option<usize> {
    let h = haystack.as_bytes();
    let n = needle.as_bytes();
    if n.is_empty() || h.len() < n.len() {
        return None;
    }
    (0..=h.len() - n.len()).find(|&p| h[p..p + n.len()].eq_ignore_ascii_case(n))
}

/// Value of an attribute in a tag's attribute text.
fn attr(attrs: &str, wanted: &str) -> Option<String> {
    let b = attrs.as_bytes();
    let mut j = 0usize;
    while j < b.len() {
        while j < b.len() && (b[j].is_ascii_whitespace() || b[j] == b'/') {
            j += 1;
        }
        let name_start = j;
        while j < b.len() && !b[j].is_ascii_whitespace() && b[j] != b'=' && b[j] != b'>' {
            j += 1;
        }
        let name = &attrs[name_start..j];
        while j < b.len() && b[j].is_ascii_whitespace() {
            j += 1;
        }
        let mut value = "";
        if j < b.len() && b[j] == b'=' {
            j += 1;
            while j < b.len() && b[j].is_ascii_whitespace() {
                j += 1;
            }
            if j < b.len() && (b[j] == b'"' || b[j] == b'\'') {
                let q = b[j];
                let vs = j + 1;
                let ve = b[vs..]
                    .iter()
                    .position(|&c| c == q)
                    .map_or(b.len(), |p| vs + p);
                value = &attrs[vs..ve];
                j = (ve + 1).min(b.len());
            } else {
                let vs = j;
                while j < b.len() && !b[j].is_ascii_whitespace() {
                    j += 1;
                }
                value = &attrs[vs..j];
            }
        }
        if name.eq_ignore_ascii_case(wanted) {
            return Some(decode_entities(value).trim().to_string());
        }
        if j == name_start {
            j += 1;
        }
    }
    None
}

#[derive(Clone, Copy)]
enum List {
    Unordered,
    Ordered(u32),
}

#[derive(Default)]
struct Writer {
    out: String,
    /// Whitespace seen since the last word: becomes one space before the next word.
    pending_space: bool,
    /// Newlines owed before the next word (max of what blocks asked for).
    pending_breaks: usize,
    lists: Vec<List>,
    quote_depth: usize,
    pre_depth: usize,
    /// Cells written in the current row, per open table.
    cells: Vec<usize>,
    links: Vec<(String, usize)>,
    /// A list bullet was just written: a paragraph inside the item must not push its text away.
    just_bulleted: bool,
}

impl Writer {
    fn at_line_start(&self) -> bool {
        self.out.is_empty() || self.out.ends_with('\n')
    }

    fn block(&mut self, breaks: usize) {
        if self.just_bulleted {
            return;
        }
        self.pending_breaks = self.pending_breaks.max(breaks);
        self.pending_space = false;
    }

    fn flush_breaks(&mut self) {
        if self.pending_breaks > 0 && !self.out.is_empty() {
            while self.out.ends_with(' ') {
                self.out.pop();
            }
            let have = self.out.chars().rev().take_while(|&c| c == '\n').count();
            for _ in have..self.pending_breaks {
                self.out.push('\n');
            }
        }
        self.pending_breaks = 0;
    }

    fn line_prefix(&mut self) {
        if self.at_line_start() {
            for _ in 0..self.quote_depth {
                self.out.push_str("> ");
            }
        }
    }

    fn word_start(&mut self) {
        self.flush_breaks();
        self.line_prefix();
        if self.pending_space && !self.at_line_start() && !self.out.ends_with(' ') {
            self.out.push(' ');
        }
        self.pending_space = false;
        self.just_bulleted = false;
    }

    fn text(&mut self, s: &str) {
        if self.pre_depth > 0 {
            for (k, line) in s.split('\n').enumerate() {
                if k > 0 {
                    self.out.push('\n');
                }
                if !line.is_empty() {
                    self.word_start();
                    self.out.push_str(line.trim_end_matches('\r'));
                }
            }
            return;
        }
        for (k, word) in s.split(|c: char| c.is_ascii_whitespace()).enumerate() {
            if k > 0 {
                self.pending_space = true;
            }
            if !word.is_empty() {
                self.word_start();
                self.out.push_str(word);
            }
        }
    }

    fn literal(&mut self, s: &str) {
        self.word_start();
        self.out.push_str(s);
    }

    fn open(&mut self, name: &str, attrs: &str) {
        match name {
            "br" => {
                self.flush_breaks();
                self.out.push('\n');
                self.pending_space = false;
            }
            "p" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "table" => self.block(2),
            "pre" => {
                self.block(2);
                self.pre_depth += 1;
            }
            "blockquote" => {
                self.block(2);
                self.quote_depth += 1;
            }
            "ul" | "ol" => {
                self.block(if self.lists.is_empty() { 2 } else { 1 });
                self.lists.push(if name == "ol" {
                    List::Ordered(0)
                } else {
                    List::Unordered
                });
            }
            "li" => {
                self.just_bulleted = false;
                self.block(1);
                let depth = self.lists.len().max(1);
                let bullet = match self.lists.last_mut() {
                    Some(List::Ordered(n)) => {
                        *n += 1;
                        format!("{n}. ")
                    }
                    _ => "・".to_string(),
                };
                self.flush_breaks();
                self.line_prefix();
                for _ in 1..depth {
                    self.out.push_str("  ");
                }
                self.out.push_str(&bullet);
                self.just_bulleted = true;
            }
            "div" | "section" | "article" | "header" | "footer" | "nav" | "aside" | "main"
            | "figure" | "figcaption" | "address" | "form" | "fieldset" | "center" | "dl"
            | "dt" | "dd" | "details" | "summary" | "caption" | "tbody" | "thead" | "tfoot" => {
                self.block(1)
            }
            "tr" => {
                self.block(1);
                if let Some(c) = self.cells.last_mut() {
                    *c = 0;
                }
            }
            "td" | "th" => {
                if self.cells.is_empty() {
                    self.cells.push(0);
                }
                let before = self.cells.last().copied().unwrap_or(0);
                if before > 0 {
                    self.pending_breaks = 0;
                    self.word_start();
                    while self.out.ends_with(' ') {
                        self.out.pop();
                    }
                    self.out.push_str(" | ");
                }
                if let Some(c) = self.cells.last_mut() {
                    *c += 1;
                }
            }
            "hr" => {
                self.block(1);
                self.literal("----------------------------------------");
                self.block(1);
            }
            "a" => {
                let href = attr(attrs, "href").unwrap_or_default();
                let pos = self.out.len();
                self.links.push((href, pos));
            }
            "img" => {
                if let Some(alt) = attr(attrs, "alt").filter(|a| !a.is_empty()) {
                    self.literal(&format!("[{alt}]"));
                }
            }
            _ => {}
        }
        if name == "table" {
            self.cells.push(0);
        }
    }

    fn close(&mut self, name: &str) {
        if matches!(name, "li" | "ul" | "ol") {
            self.just_bulleted = false;
        }
        match name {
            "p" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => self.block(2),
            "table" => {
                self.cells.pop();
                self.block(2);
            }
            "pre" => {
                self.pre_depth = self.pre_depth.saturating_sub(1);
                self.block(2);
            }
            "blockquote" => {
                self.block(2);
                self.flush_breaks();
                self.quote_depth = self.quote_depth.saturating_sub(1);
            }
            "ul" | "ol" => {
                self.lists.pop();
                self.block(if self.lists.is_empty() { 2 } else { 1 });
            }
            "li" | "div" | "section" | "article" | "header" | "footer" | "nav" | "aside"
            | "main" | "figure" | "figcaption" | "address" | "form" | "fieldset" | "center"
            | "dl" | "dt" | "dd" | "details" | "summary" | "caption" | "tr" => self.block(1),
            "a" => {
                if let Some((href, pos)) = self.links.pop() {
                    self.link_target(&href, pos);
                }
            }
            _ => {}
        }
    }

    /// Write the link's target after its text, unless the text already shows it.
    fn link_target(&mut self, href: &str, text_start: usize) {
        let lower = href.to_ascii_lowercase();
        let shown = if lower.starts_with("http://")
            || lower.starts_with("https://")
            || lower.starts_with("ftp://")
        {
            href
        } else if let Some(addr) = href.strip_prefix("mailto:") {
            addr
        } else {
            // javascript:, data:, relative links: nothing useful to show.
            return;
        };
        let text = self.out.get(text_start..).unwrap_or("").trim();
        let norm = |s: &str| s.trim_end_matches('/').to_ascii_lowercase();
        if norm(text) == norm(shown) || norm(text).ends_with(&norm(shown)) {
            return;
        }
        self.pending_space = true;
        self.literal(&format!("<{shown}>"));
    }

    fn finish(mut self) -> String {
        self.flush_breaks();
        let mut result = String::with_capacity(self.out.len());
        let mut blank_run = 0usize;
        for line in self.out.lines() {
            let line = line.trim_end();
            if line.is_empty() {
                blank_run += 1;
                if blank_run > 1 || result.is_empty() {
                    continue;
                }
            } else {
                blank_run = 0;
            }
            result.push_str(line);
            result.push('\n');
        }
        while result.ends_with('\n') {
            result.pop();
        }
        result
    }
}

/// Decode character references: named (the common ones), decimal and hex.
pub(crate) fn decode_entities(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains('&') {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(p) = rest.find('&') {
        out.push_str(&rest[..p]);
        rest = &rest[p..];
        let end = rest.as_bytes().iter().take(12).position(|&b| b == b';');
        let decoded = end.and_then(|e| entity(&rest[1..e]).map(|c| (c, e + 1)));
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

fn entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = if let Some(hex) = num.strip_prefix(['x', 'X']) {
            u32::from_str_radix(hex, 16).ok()?
        } else {
            num.parse::<u32>().ok()?
        };
        return Some(match char::from_u32(code) {
            Some('\0') | None => '\u{fffd}',
            Some(c) => c,
        });
    }
    Some(match name {
        "amp" | "AMP" => '&',
        "lt" | "LT" => '<',
        "gt" | "GT" => '>',
        "quot" | "QUOT" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "ensp" | "emsp" | "thinsp" => ' ',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "yen" => '¥',
        "euro" => '€',
        "pound" => '£',
        "cent" => '¢',
        "mdash" => '—',
        "ndash" => '–',
        "hellip" => '…',
        "laquo" => '«',
        "raquo" => '»',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "middot" => '·',
        "bull" => '•',
        "times" => '×',
        "divide" => '÷',
        "deg" => '°',
        "plusmn" => '±',
        "sect" => '§',
        "para" => '¶',
        "larr" => '←',
        "rarr" => '→',
        "uarr" => '↑',
        "darr" => '↓',
        "zwnj" | "zwj" | "shy" => '\u{200b}',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_styles_and_comments_vanish() {
        let t = html_to_text(
            "<html><head><title>T</title><style>p{color:red}</style></head><body>\
             <script>alert('x')</script><!-- hidden --><p>本文です。</p></body></html>",
        );
        assert_eq!(t, "本文です。");
    }

    #[test]
    fn paragraphs_lists_and_tables_stay_legible() {
        let t = html_to_text(
            "<h1>お知らせ</h1><p>一行目<br>二行目</p><ul><li>りんご</li><li>みかん</li></ul>\
             <ol><li>first</li><li>second</li></ol>\
             <table><tr><th>品名</th><th>数量</th></tr><tr><td>鉛筆</td><td>12</td></tr></table>",
        );
        assert_eq!(
            t,
            "お知らせ\n\n一行目\n二行目\n\n・りんご\n・みかん\n\n1. first\n2. second\n\n品名 | 数量\n鉛筆 | 12"
        );
    }

    #[test]
    fn links_are_written_after_their_text() {
        let t = html_to_text(
            "<p>詳細は<a href=\"https://example.com/a?x=1&amp;y=2\">こちら</a>。\
             <a href='https://example.com/'>https://example.com</a> <a href=\"javascript:evil()\">x</a></p>",
        );
        assert_eq!(
            t,
            "詳細はこちら <https://example.com/a?x=1&y=2>。https://example.com x"
        );
    }

    #[test]
    fn entities_and_whitespace() {
        let t = html_to_text("<p>a&nbsp;&amp;  b\n\n c &#x3042;&#12356; &bogus; &lt;tag&gt;</p>");
        assert_eq!(t, "a & b c あい &bogus; <tag>");
    }

    #[test]
    fn blockquote_and_pre() {
        let t = html_to_text("<blockquote>引用<br>二行</blockquote><pre>  a\n  b</pre>");
        assert_eq!(t, "> 引用\n> 二行\n\n  a\n  b");
    }

    #[test]
    fn many_unclosed_raw_text_tags_take_linear_time() {
        let html = "<script>x ".repeat(200_000);
        let start = std::time::Instant::now();
        let t = html_to_text(&html);
        assert!(t.starts_with("x x"));
        assert!(start.elapsed().as_secs() < 5, "quadratic behaviour");
    }

    #[test]
    fn broken_html_does_not_lose_text() {
        let t = html_to_text("<p>a < b <i>c</i> <unclosed attr=\"x");
        assert_eq!(t, "a < b c");
    }
}
