//! Links shown as text that no mail client turns back into a clickable link:
//! `https://example.com/a` → `hxxps://example[.]com/a`, `www.example.com` → `www[.]example[.]com`.

/// Defanged text and the number of links defanged.
pub fn defang_links(text: &str) -> (String, usize) {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    let mut count = 0usize;
    let bytes = text.as_bytes();
    let mut i = 0usize;
    let mut copied = 0usize;
    while i < bytes.len() {
        let b = bytes[i];
        // Schemes are defanged wherever they appear (a client may linkify "xhttp://…" from
        // the "h"); a bare "www." only at a word start.
        let at_word_start = i == 0 || !is_word_byte(bytes[i - 1]);
        let candidate =
            matches!(b, b'h' | b'H' | b'f' | b'F') || (matches!(b, b'w' | b'W') && at_word_start);
        if !candidate {
            i += 1;
            continue;
        }
        let rest = &text[i..];
        let (replacement, skip) = if let Some(n) = prefix_ci(rest, "https://") {
            ("hxxps://", n)
        } else if let Some(n) = prefix_ci(rest, "http://") {
            ("hxxp://", n)
        } else if let Some(n) = prefix_ci(rest, "ftps://") {
            ("fxps://", n)
        } else if let Some(n) = prefix_ci(rest, "ftp://") {
            ("fxp://", n)
        } else if prefix_ci(rest, "www.").is_some()
            && rest[4..].chars().next().is_some_and(char::is_alphanumeric)
        {
            ("", 0)
        } else {
            i += 1;
            continue;
        };
        out.push_str(&text[copied..i]);
        out.push_str(replacement);
        let host_start = i + skip;
        let host_end = host_start + host_len(&text[host_start..]);
        push_host(&mut out, &text[host_start..host_end]);
        count += 1;
        i = host_end;
        copied = host_end;
    }
    out.push_str(&text[copied..]);
    (out, count)
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.'
}

fn prefix_ci(s: &str, prefix: &str) -> Option<usize> {
    let head = s.as_bytes().get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix.as_bytes())
        .then_some(prefix.len())
}

/// Length in bytes of the authority part (userinfo@host:port) at the start of `s`.
/// It also ends where another scheme begins, so "http://http://x" defangs both.
fn host_len(s: &str) -> usize {
    s.char_indices()
        .find(|&(i, c)| {
            let host_char = c.is_alphanumeric()
                || matches!(
                    c,
                    '-' | '.' | '_' | ':' | '@' | '%' | '~' | '．' | '[' | ']'
                );
            !host_char || (matches!(c, 'h' | 'H' | 'f' | 'F') && starts_scheme(&s[i..]))
        })
        .map_or(s.len(), |(i, _)| i)
}

fn starts_scheme(s: &str) -> bool {
    ["https://", "http://", "ftps://", "ftp://"]
        .iter()
        .any(|p| prefix_ci(s, p).is_some())
}

fn push_host(out: &mut String, host: &str) {
    for c in host.chars() {
        match c {
            // Already defanged text is left as it is.
            '.' | '．' => out.push_str("[.]"),
            _ => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_and_hosts_are_defanged() {
        let (t, n) = defang_links("see https://example.com/path?a=1.2 and HTTP://x.y.jp.");
        assert_eq!(
            t,
            "see hxxps://example[.]com/path?a=1.2 and hxxp://x[.]y[.]jp[.]"
        );
        assert_eq!(n, 2);
    }

    #[test]
    fn www_without_scheme_and_japanese_around() {
        let (t, n) = defang_links("詳しくはwww.city.noshiro.lg.jp/をご覧ください");
        assert_eq!(t, "詳しくはwww[.]city[.]noshiro[.]lg[.]jp/をご覧ください");
        assert_eq!(n, 1);
    }

    #[test]
    fn repeated_schemes_are_all_defanged() {
        let (t, n) = defang_links("http://http://a.b");
        assert_eq!(t, "hxxp://hxxp://a[.]b");
        assert_eq!(n, 2);
    }

    #[test]
    fn defanging_is_idempotent() {
        let (once, _) = defang_links("https://a.b/c ftp://d.e");
        let (twice, n) = defang_links(&once);
        assert_eq!(once, twice);
        assert_eq!(n, 0);
    }

    #[test]
    fn schemes_inside_words_are_defanged_but_www_needs_a_word_start() {
        let (t, n) = defang_links("the whttp://x.y is defanged, awww.b is not");
        assert_eq!(n, 1);
        assert_eq!(t, "the whxxp://x[.]y is defanged, awww.b is not");
    }
}
