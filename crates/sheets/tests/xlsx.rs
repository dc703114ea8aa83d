#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{cells, numbers, strings, table, tricky_table, xlsx_part};
use mamori_core::Lang;
use mamori_sheets::{
    CsvEncoding, Format, REGISTER_SHEET_NAME, SheetError, detect_format, read_table, write_csv,
    write_xlsx,
};
use rust_xlsxwriter::{ExcelDateTime, Format as CellFormat, Formula, Workbook};

fn read_xlsx(bytes: &[u8]) -> Result<mamori_sheets::Table, SheetError> {
    read_table(bytes, Format::Xlsx)
}

#[test]
fn round_trip_keeps_text_exactly() {
    let original = tricky_table();
    let bytes = write_xlsx(&original, "情報資産台帳").unwrap();
    assert_eq!(detect_format("export.xlsx", &bytes).unwrap(), Format::Xlsx);
    let back = read_xlsx(&bytes).unwrap();
    assert_eq!(back.headers, original.headers);
    assert_eq!(cells(&back), cells(&original));
    assert_eq!(numbers(&back), vec![2, 3, 4, 5, 6]);
    assert_eq!(back.first_column, 0);
}

#[test]
fn written_sheet_has_bold_frozen_filtered_header_and_text_cells() {
    let t = table(
        &["資産番号", "資産名称", "x"],
        &[&["001", "住民情報システム基幹系端末", "1"], &["2", "b", ""]],
    );
    let bytes = write_xlsx(&t, "台帳").unwrap();
    let sheet = xlsx_part(&bytes, "xl/worksheets/sheet1.xml");
    assert!(sheet.contains(r#"state="frozen""#), "{sheet}");
    assert!(sheet.contains(r#"<autoFilter ref="A1:C3"/>"#), "{sheet}");
    assert!(sheet.contains(r#"numberStoredAsText="1""#), "{sheet}");
    // Every written value is a string cell; "001" is never a number.
    assert_eq!(sheet.matches("<c ").count(), 8, "{sheet}");
    assert_eq!(sheet.matches(r#" t="s""#).count(), 8, "{sheet}");
    // Column B fits 13 CJK characters (26 units + margin); column C keeps the minimum width.
    assert!(
        sheet.contains(r#"<col min="2" max="2" width="28.7"#),
        "{sheet}"
    );
    assert!(
        sheet.contains(r#"<col min="3" max="3" width="6.7"#),
        "{sheet}"
    );
    let styles = xlsx_part(&bytes, "xl/styles.xml");
    assert!(styles.contains("<b/>"), "{styles}");
    let workbook = xlsx_part(&bytes, "xl/workbook.xml");
    assert!(workbook.contains(r#"name="台帳""#), "{workbook}");
}

/// A workbook as a clerk makes it: typed numbers, dates, booleans, formulas.
fn typed_workbook(error_result: Option<&str>) -> Vec<u8> {
    let mut workbook = Workbook::new();
    let other = workbook.add_worksheet();
    other.set_name("説明").unwrap();
    other.write_string(0, 0, "この表は説明です").unwrap();
    let sheet = workbook.add_worksheet();
    sheet.set_name(REGISTER_SHEET_NAME).unwrap();
    let date = CellFormat::new().set_num_format("yyyy/m/d");
    let datetime = CellFormat::new().set_num_format("yyyy/m/d h:mm");
    let headers = ["番号", "金額", "比率", "取得日", "更新日時", "有効", "合計"];
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string(1, c as u16, *h).unwrap();
    }
    sheet.write_number(2, 0, 1234.0).unwrap();
    sheet.write_number(2, 1, -5e6).unwrap();
    sheet.write_number(2, 2, 0.125).unwrap();
    let d = ExcelDateTime::from_ymd(2024, 4, 1).unwrap();
    sheet.write_datetime_with_format(2, 3, &d, &date).unwrap();
    let dt = ExcelDateTime::from_ymd(2025, 3, 31)
        .unwrap()
        .and_hms(17, 30, 5)
        .unwrap();
    sheet
        .write_datetime_with_format(2, 4, &dt, &datetime)
        .unwrap();
    sheet.write_boolean(2, 5, true).unwrap();
    sheet
        .write_formula(2, 6, Formula::new("=A3+B3").set_result("-4998766"))
        .unwrap();
    sheet.write_number(3, 0, 7.0).unwrap();
    sheet.write_boolean(3, 5, false).unwrap();
    if let Some(result) = error_result {
        sheet
            .write_formula(3, 6, Formula::new("=NA()").set_result(result))
            .unwrap();
    }
    workbook.save_to_buffer().unwrap()
}

#[test]
fn typed_cells_become_the_text_excel_shows() {
    let back = read_xlsx(&typed_workbook(None)).unwrap();
    assert_eq!(
        back.headers,
        strings(&["番号", "金額", "比率", "取得日", "更新日時", "有効", "合計"])
    );
    assert_eq!(
        cells(&back),
        vec![
            strings(&[
                "1234",
                "-5000000",
                "0.125",
                "2024-04-01",
                "2025-03-31 17:30:05",
                "TRUE",
                "-4998766"
            ]),
            strings(&["7", "", "", "", "", "FALSE", ""]),
        ]
    );
    // Header in row 2 (row 1 is empty): data rows are 3 and 4 as Excel shows them.
    assert_eq!(numbers(&back), vec![3, 4]);
}

#[test]
fn error_cells_are_refused_with_their_cell() {
    let err = read_xlsx(&typed_workbook(Some("#N/A"))).unwrap_err();
    assert_eq!(
        err,
        SheetError::ErrorCell {
            cell: "G4".into(),
            value: "#N/A".into()
        }
    );
    assert_eq!(
        err.message(Lang::Ja),
        "G4: セルがエラー値 #N/A です。数式を直すか値を入れてください。"
    );
}

#[test]
fn first_visible_sheet_is_used_without_the_register_sheet() {
    let mut workbook = Workbook::new();
    let hidden = workbook.add_worksheet();
    hidden.write_string(0, 0, "隠し").unwrap();
    hidden.set_hidden(true);
    let sheet = workbook.add_worksheet();
    sheet.write_string(0, 0, "見える").unwrap();
    sheet.write_string(1, 0, "値").unwrap();
    sheet.set_active(true);
    let back = read_xlsx(&workbook.save_to_buffer().unwrap()).unwrap();
    assert_eq!(back.headers, strings(&["見える"]));
    assert_eq!(cells(&back), vec![strings(&["値"])]);
}

#[test]
fn a_table_placed_at_b3_keeps_sheet_positions() {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(2, 1, "資産名").unwrap();
    sheet.write_string(2, 2, "分類").unwrap();
    sheet.write_string(3, 1, "端末").unwrap();
    sheet.write_string(5, 2, "機密性2").unwrap();
    sheet.write_string(6, 3, "はみ出し").unwrap();
    let bytes = workbook.save_to_buffer().unwrap();
    let err = read_xlsx(&bytes).unwrap_err();
    assert_eq!(
        err,
        SheetError::ExtraCell {
            row: 7,
            column: 3,
            header_row: 3
        }
    );
    assert!(err.message(Lang::Ja).contains("見出し行は3行目"));

    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(2, 1, "資産名").unwrap();
    sheet.write_string(2, 2, "分類").unwrap();
    sheet.write_string(3, 1, "端末").unwrap();
    sheet.write_string(5, 2, "機密性2").unwrap();
    let back = read_xlsx(&workbook.save_to_buffer().unwrap()).unwrap();
    assert_eq!(back.first_column, 1);
    assert_eq!(numbers(&back), vec![4, 6]);
    assert_eq!(
        cells(&back),
        vec![strings(&["端末", ""]), strings(&["", "機密性2"])]
    );
    assert_eq!(back.cell_ref(6, 1), "C6");
}

#[test]
fn duplicate_headers_and_header_only_sheets() {
    let dup = table(&["資産名", "分類", "資産名"], &[]);
    let err = read_xlsx(&write_xlsx(&dup, "s").unwrap()).unwrap_err();
    assert!(matches!(
        err,
        SheetError::DuplicateHeader {
            first_column: 0,
            second_column: 2,
            ..
        }
    ));
    let header_only = table(&["資産名", "分類"], &[]);
    let back = read_xlsx(&write_xlsx(&header_only, "s").unwrap()).unwrap();
    assert_eq!(back.headers, header_only.headers);
    assert!(back.rows.is_empty());
}

#[test]
fn truncated_or_damaged_workbooks_are_errors_not_panics() {
    let bytes = write_xlsx(&tricky_table(), "台帳").unwrap();
    for len in [
        4,
        30,
        100,
        bytes.len() / 3,
        bytes.len() / 2,
        bytes.len() - 10,
    ] {
        let truncated = &bytes[..len];
        assert_eq!(detect_format("a.xlsx", truncated).unwrap(), Format::Xlsx);
        let err = read_xlsx(truncated).unwrap_err();
        assert!(
            matches!(err, SheetError::CorruptXlsx { .. }),
            "{len}: {err:?}"
        );
        assert!(err.message(Lang::Ja).contains("壊れている"));
    }
    // Flipped bytes in the middle (inside compressed parts).
    let mut damaged = bytes.clone();
    for i in (200..damaged.len() - 200).step_by(97) {
        damaged[i] ^= 0x5A;
    }
    assert!(read_xlsx(&damaged).is_err());
}

#[test]
fn xlsx_name_with_csv_content_is_an_error_not_a_csv() {
    let csv = write_csv(&tricky_table(), CsvEncoding::Utf8Bom).unwrap();
    let err = detect_format("台帳.xlsx", &csv).unwrap_err();
    assert_eq!(
        err,
        SheetError::NotXlsx {
            file_name: "台帳.xlsx".into()
        }
    );
    assert!(err.message(Lang::Ja).contains("「台帳.xlsx」"));
    assert!(read_xlsx(&csv).is_err());
}

#[test]
fn format_detection_by_content_then_name() {
    let xlsx = write_xlsx(&tricky_table(), "s").unwrap();
    assert_eq!(detect_format("台帳.csv", &xlsx).unwrap(), Format::Xlsx);
    assert_eq!(detect_format("台帳.CSV", b"a,b").unwrap(), Format::Csv);
    assert_eq!(detect_format("台帳.txt", b"a,b").unwrap(), Format::Csv);
    assert_eq!(
        detect_format("台帳.xlsx", b"").unwrap_err(),
        SheetError::EmptyFile
    );
    let ole = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest";
    assert_eq!(
        detect_format("台帳.xlsx", ole).unwrap_err(),
        SheetError::EncryptedOrLegacyExcel
    );
    assert_eq!(
        read_xlsx(ole).unwrap_err(),
        SheetError::EncryptedOrLegacyExcel
    );
    assert_eq!(
        detect_format("台帳.csv", ole).unwrap_err(),
        SheetError::EncryptedOrLegacyExcel
    );
    assert!(matches!(
        detect_format("台帳.pdf", b"%PDF").unwrap_err(),
        SheetError::UnsupportedFileType { .. }
    ));
}

#[test]
fn empty_workbooks_and_files() {
    assert_eq!(read_xlsx(b"").unwrap_err(), SheetError::EmptyFile);
    let mut workbook = Workbook::new();
    workbook.add_worksheet();
    let empty_sheet = workbook.save_to_buffer().unwrap();
    assert_eq!(read_xlsx(&empty_sheet).unwrap_err(), SheetError::NoHeader);
}

#[test]
fn write_limits_are_named() {
    let long = "長".repeat(32_768);
    let t = table(&["a", "備考"], &[&["1", &long]]);
    let err = write_xlsx(&t, "s").unwrap_err();
    assert!(matches!(
        err,
        SheetError::CellTooLong {
            row: 2,
            column: 1,
            chars: 32_768,
            ..
        }
    ));
    assert!(err.message(Lang::Ja).starts_with("B2（備考）"));
    let err = write_xlsx(&tricky_table(), "台帳[1]").unwrap_err();
    assert!(matches!(err, SheetError::InvalidSheetName { .. }));
    assert_eq!(
        write_xlsx(&table(&[], &[]), "s").unwrap_err(),
        SheetError::NoHeader
    );
}

#[test]
fn blank_cells_far_right_are_ignored() {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(0, 0, "資産名").unwrap();
    for row in 1..50 {
        sheet.write_string(row, 0, format!("端末{row}")).unwrap();
        sheet.write_string(row, 16_000, " ").unwrap();
    }
    let back = read_xlsx(&workbook.save_to_buffer().unwrap()).unwrap();
    assert_eq!(back.rows.len(), 49);
    assert!(back.rows.iter().all(|r| r.cells.len() == 1));
    assert!(back.rows.iter().all(|r| r.cells.capacity() <= 5));
}

#[test]
fn rich_text_cells_read_as_their_plain_text() {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(0, 0, "資産名").unwrap();
    let bold = CellFormat::new().set_bold();
    let plain = CellFormat::default();
    sheet
        .write_rich_string(1, 0, &[(&bold, "重要"), (&plain, "サーバ")])
        .unwrap();
    let back = read_xlsx(&workbook.save_to_buffer().unwrap()).unwrap();
    assert_eq!(cells(&back), vec![strings(&["重要サーバ"])]);
    assert_eq!(back.column_index(" 資産名 "), Some(0));
    assert_eq!(back.column_index("分類"), None);
}

#[test]
fn zero_padding_number_formats_keep_their_leading_zeros() {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let three = CellFormat::new().set_num_format("000");
    let five = CellFormat::new().set_num_format("00000");
    let decimals = CellFormat::new().set_num_format("0.00");
    sheet.write_string(0, 0, "資産番号").unwrap();
    sheet.write_string(0, 1, "郵便").unwrap();
    sheet.write_string(0, 2, "金額").unwrap();
    sheet.write_number_with_format(1, 0, 1.0, &three).unwrap();
    sheet.write_number_with_format(1, 1, 123.0, &five).unwrap();
    sheet
        .write_number_with_format(1, 2, 5.0, &decimals)
        .unwrap();
    sheet
        .write_number_with_format(2, 0, 1234.0, &three)
        .unwrap();
    sheet.write_number_with_format(2, 1, 2.5, &five).unwrap();
    sheet.write_number(2, 2, 7.0).unwrap();
    let back = read_xlsx(&workbook.save_to_buffer().unwrap()).unwrap();
    assert_eq!(
        cells(&back),
        vec![
            strings(&["001", "00123", "5"]),
            strings(&["1234", "2.5", "7"])
        ]
    );
}
