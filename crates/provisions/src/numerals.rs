//! Numbers as Japanese legal text writes them: ２, 12, 十二, 第二十三条.

/// Full-width digits and ASCII digits to a number. None when not all digits.
pub fn arabic(text: &str) -> Option<u32> {
    if text.is_empty() {
        return None;
    }
    let mut n: u32 = 0;
    for c in text.chars() {
        let d = match c {
            '0'..='9' => u32::from(c) - u32::from('0'),
            '０'..='９' => u32::from(c) - u32::from('０'),
            _ => return None,
        };
        n = n.checked_mul(10)?.checked_add(d)?;
    }
    Some(n)
}

/// Kanji numerals up to 9999: 三, 十, 十二, 二十三, 百五, 千二百.
pub fn kanji(text: &str) -> Option<u32> {
    if text.is_empty() {
        return None;
    }
    let digit = |c: char| match c {
        '〇' | '零' => Some(0),
        '一' => Some(1),
        '二' => Some(2),
        '三' => Some(3),
        '四' => Some(4),
        '五' => Some(5),
        '六' => Some(6),
        '七' => Some(7),
        '八' => Some(8),
        '九' => Some(9),
        _ => None,
    };
    let mut total = 0u32;
    let mut current: Option<u32> = None;
    for c in text.chars() {
        let unit = match c {
            '十' => 10,
            '百' => 100,
            '千' => 1000,
            _ => {
                let d = digit(c)?;
                current = Some(current.unwrap_or(0).checked_mul(10)?.checked_add(d)?);
                continue;
            }
        };
        total = total.checked_add(current.unwrap_or(1).checked_mul(unit)?)?;
        current = None;
    }
    total.checked_add(current.unwrap_or(0))
}

/// Either form.
pub fn number(text: &str) -> Option<u32> {
    arabic(text).or_else(|| kanji(text))
}

/// Length in bytes of the leading run of digit characters (arabic or kanji).
pub fn leading_number(text: &str) -> Option<(u32, usize)> {
    let end = text
        .char_indices()
        .find(|(_, c)| !is_numeral(*c))
        .map(|(i, _)| i)
        .unwrap_or(text.len());
    number(&text[..end]).map(|n| (n, end))
}

fn is_numeral(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c) || "〇零一二三四五六七八九十百千".contains(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_all_forms() {
        assert_eq!(arabic("１０"), Some(10));
        assert_eq!(arabic("7"), Some(7));
        assert_eq!(kanji("十"), Some(10));
        assert_eq!(kanji("十二"), Some(12));
        assert_eq!(kanji("二十三"), Some(23));
        assert_eq!(kanji("百五"), Some(105));
        assert_eq!(kanji("千二百三十四"), Some(1234));
        assert_eq!(number("条"), None);
        assert_eq!(leading_number("１０条に規定"), Some((10, "１０".len())));
        assert_eq!(leading_number("二十条"), Some((20, "二十".len())));
    }
}
