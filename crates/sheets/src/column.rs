//! Column letters and display widths, as Excel shows them.

/// Excel's column letter for a 0-based column index: 0 → `A`, 25 → `Z`, 26 → `AA`.
pub fn column_letter(index: usize) -> String {
    let mut letters = Vec::new();
    let mut n = index + 1;
    while n > 0 {
        let rem = (n - 1) % 26;
        // rem < 26, so the cast cannot truncate.
        letters.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

/// Excel's cell reference (`C12`) for a 0-based column index and a 1-based row number.
pub fn cell_ref(column: usize, row: usize) -> String {
    format!("{}{}", column_letter(column), row)
}

/// Width of a text in Excel column units, counting CJK (full-width) characters as two, like a
/// Japanese font shows them. The widest line counts when a cell has line breaks.
pub(crate) fn display_width(text: &str) -> usize {
    text.split('\n')
        .map(|line| line.chars().map(char_width).sum::<usize>())
        .max()
        .unwrap_or(0)
}

fn char_width(c: char) -> usize {
    // Half-width katakana (ｱｲｳ) is narrow; everything else outside ASCII is drawn wide in the
    // fonts Japanese Excel uses, which is good enough for a column width.
    if c.is_ascii() || ('\u{FF61}'..='\u{FF9F}').contains(&c) {
        1
    } else {
        2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_follow_excel() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(51), "AZ");
        assert_eq!(column_letter(52), "BA");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
        assert_eq!(column_letter(16383), "XFD");
        assert_eq!(cell_ref(2, 12), "C12");
    }

    #[test]
    fn cjk_counts_double() {
        assert_eq!(display_width("abc"), 3);
        assert_eq!(display_width("資産名"), 6);
        assert_eq!(display_width("ｱｲｳ"), 3);
        assert_eq!(display_width("ab\n資産名称"), 8);
        assert_eq!(display_width(""), 0);
    }
}
