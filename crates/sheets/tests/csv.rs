#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{cells, numbers, strings, table, tricky_table};
use encoding_rs::SHIFT_JIS;
use mamori_core::Lang;
use mamori_sheets::{CsvEncoding, Format, SheetError, read_table, write_csv};

fn read_csv(bytes: &[u8]) -> Result<mamori_sheets::Table, SheetError> {
    read_table(bytes, Format::Csv)
}

#[test]
fn utf8_bom_round_trip_keeps_text_and_numbers_records_by_starting_line() {
    let original = tricky_table();
    let bytes = write_csv(&original, CsvEncoding::Utf8Bom).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "Excel needs the BOM");
    assert!(bytes.windows(2).any(|w| w == b"\r\n"), "CRLF line ends");
    let back = read_csv(&bytes).unwrap();
    assert_eq!(back.headers, original.headers);
    assert_eq!(cells(&back), cells(&original));
    // The second record spans lines 3-5 ("改行\nを含む\r\nセル"), so the next ones start at 6.
    assert_eq!(numbers(&back), vec![2, 3, 6, 7, 8]);
}

#[test]
fn cp932_round_trip_keeps_nec_and_ibm_extension_characters() {
    let original = tricky_table();
    let bytes = write_csv(&original, CsvEncoding::Cp932).unwrap();
    assert!(!bytes.starts_with(b"\xEF\xBB\xBF"));
    assert!(std::str::from_utf8(&bytes).is_err(), "must not be UTF-8");
    // ① is 0x8740 (NEC row 13), 髙 is 0xFBFC (IBM extension) in CP932.
    assert!(bytes.windows(2).any(|w| w == b"\x87\x40"));
    assert!(bytes.windows(2).any(|w| w == b"\xFB\xFC"));
    let back = read_csv(&bytes).unwrap();
    assert_eq!(back.headers, original.headers);
    assert_eq!(cells(&back), cells(&original));
}

#[test]
fn cp932_bytes_from_encoding_rs_are_read() {
    let text = "資産番号,資産名,管理者\r\n001,\"ﾊﾝｶｸ,カナ\",髙橋\r\n002,㈱ＮＥＣ①,﨑山\r\n";
    let (bytes, _, had_errors) = SHIFT_JIS.encode(text);
    assert!(!had_errors);
    let back = read_csv(&bytes).unwrap();
    assert_eq!(back.headers, strings(&["資産番号", "資産名", "管理者"]));
    assert_eq!(
        cells(&back),
        vec![
            strings(&["001", "ﾊﾝｶｸ,カナ", "髙橋"]),
            strings(&["002", "㈱ＮＥＣ①", "﨑山"])
        ]
    );
    assert_eq!(numbers(&back), vec![2, 3]);
}

#[test]
fn utf8_without_bom_and_lf_line_ends_are_read() {
    let back = read_csv("名前,値\n情報,1\n\n資産,\"a\nb\"\n最後,x".as_bytes()).unwrap();
    assert_eq!(back.headers, strings(&["名前", "値"]));
    assert_eq!(
        cells(&back),
        vec![
            strings(&["情報", "1"]),
            strings(&["資産", "a\nb"]),
            strings(&["最後", "x"])
        ]
    );
    assert_eq!(numbers(&back), vec![2, 4, 6]);
}

#[test]
fn header_row_is_first_non_empty_row_and_empty_rows_are_skipped() {
    let csv = ",,\r\n\r\n\u{3000}資産名 ,分類,\r\n,,\r\nA\r\n";
    let back = read_csv(csv.as_bytes()).unwrap();
    assert_eq!(back.headers, strings(&["資産名", "分類"]));
    assert_eq!(cells(&back), vec![strings(&["A", ""])]);
    assert_eq!(numbers(&back), vec![5]);
}

#[test]
fn header_only_file_gives_a_table_without_rows() {
    let back = read_csv("資産番号,資産名\r\n".as_bytes()).unwrap();
    assert_eq!(back.headers, strings(&["資産番号", "資産名"]));
    assert!(back.rows.is_empty());
}

#[test]
fn empty_files_are_refused() {
    assert_eq!(read_csv(b"").unwrap_err(), SheetError::EmptyFile);
    assert_eq!(
        read_csv(b"\xEF\xBB\xBF").unwrap_err(),
        SheetError::EmptyFile
    );
    assert_eq!(
        read_csv(b",,\r\n\r\n ,\r\n").unwrap_err(),
        SheetError::NoHeader
    );
}

#[test]
fn unterminated_quote_names_the_line_where_it_opened() {
    let csv = "番号,名前\r\n1,a\r\n2,\"途中で\r\n切れた";
    let err = read_csv(csv.as_bytes()).unwrap_err();
    assert_eq!(err, SheetError::UnterminatedQuote { line: 3 });
    assert!(err.message(Lang::Ja).contains("3行目"));
    assert!(err.message(Lang::En).contains("line 3"));
}

#[test]
fn invalid_bytes_name_line_and_offset() {
    // Valid Shift_JIS up to line 3, then 0x85 0x40 (unassigned in CP932 and invalid UTF-8).
    let mut bytes = SHIFT_JIS.encode("番号,名前\r\n1,田中\r\n2,").0.into_owned();
    let offset = bytes.len();
    bytes.extend_from_slice(b"\x85\x40\r\n");
    let err = read_csv(&bytes).unwrap_err();
    assert_eq!(
        err,
        SheetError::UnknownEncoding {
            line: 3,
            byte_offset: offset
        }
    );
    let ja = err.message(Lang::Ja);
    assert!(ja.contains("文字コードを判別できません（3行目"), "{ja}");
    assert!(ja.contains("UTF-8 または Shift_JIS(CP932)"), "{ja}");
}

#[test]
fn broken_utf8_after_a_bom_is_not_retried_as_cp932() {
    let mut bytes = "\u{FEFF}番号\r\n1\r\n".as_bytes().to_vec();
    bytes.extend_from_slice(b"\x82\xA0\r\n"); // "あ" in Shift_JIS
    let err = read_csv(&bytes).unwrap_err();
    assert!(
        matches!(err, SheetError::UnknownEncoding { line: 3, .. }),
        "{err:?}"
    );
}

#[test]
fn utf16_is_explained() {
    let err = read_csv(b"\xFF\xFEa\x00").unwrap_err();
    assert_eq!(err, SheetError::Utf16Csv);
}

#[test]
fn extra_cells_beyond_the_headers_name_the_row_and_column() {
    let err = read_csv("番号,名前\r\n1,a\r\n2,b,,\r\n3,c,,余分\r\n".as_bytes()).unwrap_err();
    assert_eq!(
        err,
        SheetError::ExtraCell {
            row: 4,
            column: 3,
            header_row: 1
        }
    );
    assert!(err.message(Lang::Ja).starts_with("D4:"));
}

#[test]
fn short_rows_are_padded() {
    let back = read_csv("a,b,c\r\n1\r\n1,2\r\n".as_bytes()).unwrap();
    assert_eq!(
        cells(&back),
        vec![strings(&["1", "", ""]), strings(&["1", "2", ""])]
    );
}

#[test]
fn duplicate_headers_name_both_columns() {
    let err = read_csv("資産名,分類, 資産名\r\n".as_bytes()).unwrap_err();
    assert_eq!(
        err,
        SheetError::DuplicateHeader {
            name: "資産名".into(),
            first_column: 0,
            second_column: 2
        }
    );
    let ja = err.message(Lang::Ja);
    assert!(ja.contains("A列") && ja.contains("C列"), "{ja}");
}

#[test]
fn trailing_cr_is_trimmed_but_other_text_is_kept() {
    let back = read_csv(b"a,b\r\n x ,y\r\r\n").unwrap();
    assert_eq!(cells(&back), vec![strings(&[" x ", "y"])]);
}

#[test]
fn cp932_refuses_characters_it_cannot_hold_and_names_the_cell() {
    let t = table(&["番号", "名前"], &[&["1", "田中"], &["2", "🍣寿司"]]);
    let err = write_csv(&t, CsvEncoding::Cp932).unwrap_err();
    assert_eq!(
        err,
        SheetError::Unrepresentable {
            row: 3,
            column: 1,
            header: "名前".into(),
            character: '🍣'
        }
    );
    let ja = err.message(Lang::Ja);
    assert!(
        ja.contains("3行目 B列（名前）") && ja.contains("🍣"),
        "{ja}"
    );
    // UTF-8 holds it.
    let back = read_csv(&write_csv(&t, CsvEncoding::Utf8Bom).unwrap()).unwrap();
    assert_eq!(back.rows[1].cells[1], "🍣寿司");
}

#[test]
fn cp932_refuses_characters_that_would_come_back_different() {
    // The WHATWG encoder writes ¥ as 0x5C, which reads back as a backslash.
    let t = table(&["金額"], &[&["¥1,000"]]);
    let err = write_csv(&t, CsvEncoding::Cp932).unwrap_err();
    assert!(
        matches!(
            err,
            SheetError::Unrepresentable {
                row: 2,
                column: 0,
                character: '¥',
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn rows_wider_than_the_headers_are_refused_when_writing() {
    let t = table(&["a"], &[&["1", "2"]]);
    assert!(matches!(
        write_csv(&t, CsvEncoding::Utf8Bom).unwrap_err(),
        SheetError::RowTooWide { row: 2, .. }
    ));
}

#[test]
fn tab_separated_text_is_explained() {
    let err = read_csv("\r\n資産番号\t資産名\r\n001\t端末\r\n".as_bytes()).unwrap_err();
    assert_eq!(err, SheetError::TabSeparated { line: 2 });
    assert!(err.message(Lang::Ja).contains("タブ"));
    // A tab inside a real CSV header is just text.
    let back = read_csv("a\tb,c\r\n1,2\r\n".as_bytes()).unwrap();
    assert_eq!(back.headers, strings(&["a\tb", "c"]));
}
