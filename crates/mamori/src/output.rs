//! Printing for people: the user's language from the locale, aligned tables with Japanese text, and
//! errors without internals.

use mamori_app::AppError;
use mamori_core::Lang;
use mamori_core::register::RowError;
use mamori_sheets::SheetError;
use mamori_store::StoreError;
use unicode_width::UnicodeWidthStr;

/// LC_ALL, then LC_MESSAGES, then LANG, as POSIX orders them. Unset means English (a bare C locale).
pub fn lang_from_env() -> Lang {
    for var in ["LC_ALL", "LC_MESSAGES", "LANG"] {
        if let Ok(v) = std::env::var(var)
            && !v.is_empty()
        {
            return Lang::from_locale(&v);
        }
    }
    Lang::En
}

/// How many row errors to print before summarising the rest.
const MAX_ROW_ERRORS_SHOWN: usize = 200;

pub fn print_error(e: &anyhow::Error, lang: Lang) {
    let prefix = lang.pick("エラー", "error");
    if let Some(app) = e.downcast_ref::<AppError>() {
        if let AppError::Rows(rows) = app {
            print_row_errors(rows, lang);
        }
        eprintln!("{prefix}: {}", app.message(lang));
    } else if let Some(store) = e.downcast_ref::<StoreError>() {
        eprintln!("{prefix}: {}", store.message(lang));
    } else if let Some(sheet) = e.downcast_ref::<SheetError>() {
        eprintln!("{prefix}: {}", sheet.message(lang));
    } else {
        // Our own messages (already in the user's language) and I/O errors with their context.
        eprintln!("{prefix}: {e:#}");
    }
}

pub fn print_row_errors(rows: &[RowError], lang: Lang) {
    for r in rows.iter().take(MAX_ROW_ERRORS_SHOWN) {
        eprintln!("  {}", r.message(lang));
    }
    if rows.len() > MAX_ROW_ERRORS_SHOWN {
        let rest = rows.len() - MAX_ROW_ERRORS_SHOWN;
        eprintln!(
            "  {}",
            match lang {
                Lang::Ja => format!("…ほか{rest}件"),
                Lang::En => format!("… and {rest} more"),
            }
        );
    }
}

/// A plain text table whose columns line up in a terminal, counting full-width characters as two.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.width()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.width());
            }
        }
    }
    let mut out = String::new();
    let mut line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut parts = Vec::new();
        for (i, c) in cells.enumerate() {
            let pad = widths
                .get(i)
                .copied()
                .unwrap_or(0)
                .saturating_sub(c.width());
            parts.push(format!("{c}{}", " ".repeat(pad)));
        }
        out.push_str(parts.join("  ").trim_end());
        out.push('\n');
    };
    line(&mut headers.iter().copied());
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    line(&mut rule.iter().map(String::as_str));
    for row in rows {
        line(&mut row.iter().map(String::as_str));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns_full_width_text() {
        let t = table(
            &["番号", "名称"],
            &[
                vec!["A-1".into(), "住民基本台帳".into()],
                vec!["A-22".into(), "x".into()],
            ],
        );
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0], "番号  名称");
        assert_eq!(lines[1], "----  ------------");
        assert_eq!(lines[2], "A-1   住民基本台帳");
        assert_eq!(lines[3], "A-22  x");
    }
}
