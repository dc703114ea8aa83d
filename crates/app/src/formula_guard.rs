//! CSV formula injection guard. Excel runs a CSV cell that starts with `=`, `+`, `@` or `-` as a
//! formula, so a register exported as CSV could carry `=HYPERLINK(…)` from a typed asset name to the
//! security division's PC. Export prefixes such cells with `'`; import removes exactly that prefix,
//! so an export imports back unchanged. xlsx needs none of this: its cells are written as text.

fn dangerous(cell: &str) -> bool {
    let mut chars = cell.chars();
    match chars.next() {
        Some('=' | '+' | '@' | '\t' | '\r') => true,
        // A lone "-" (meaning "none") and negative numbers are harmless and common.
        Some('-') => chars
            .next()
            .is_some_and(|c| !c.is_ascii_digit() && c != ' '),
        _ => false,
    }
}

pub fn defuse(cell: &mut String) {
    if dangerous(cell) {
        cell.insert(0, '\'');
    }
}

pub fn restore(cell: &mut String) {
    if let Some(rest) = cell.strip_prefix('\'')
        && dangerous(rest)
    {
        cell.remove(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_and_restored() {
        for (input, exported) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+81-3", "'+81-3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"),
            ("-", "-"),
            ("-1", "-1"),
            ("住民基本台帳", "住民基本台帳"),
            ("'quoted", "'quoted"),
        ] {
            let mut cell = input.to_string();
            defuse(&mut cell);
            assert_eq!(cell, exported, "{input}");
            restore(&mut cell);
            assert_eq!(cell, input, "{input}");
        }
    }
}
