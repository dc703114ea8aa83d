//! Helpers shared by the integration tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mamori_sheets::{Row, Table};

pub fn strings(texts: &[&str]) -> Vec<String> {
    texts.iter().map(|t| t.to_string()).collect()
}

/// A table whose rows are numbered as they will be written (header = 1, data from 2).
pub fn table(headers: &[&str], rows: &[&[&str]]) -> Table {
    Table::new(
        strings(headers),
        rows.iter()
            .enumerate()
            .map(|(i, cells)| Row {
                number: i + 2,
                cells: strings(cells),
            })
            .collect(),
    )
}

pub fn cells(table: &Table) -> Vec<Vec<String>> {
    table.rows.iter().map(|r| r.cells.clone()).collect()
}

pub fn numbers(table: &Table) -> Vec<usize> {
    table.rows.iter().map(|r| r.number).collect()
}

/// The text of one part of an xlsx zip, e.g. `xl/worksheets/sheet1.xml`.
pub fn xlsx_part(bytes: &[u8], name: &str) -> String {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut file = archive.by_name(name).unwrap();
    let mut text = String::new();
    file.read_to_string(&mut text).unwrap();
    text
}

/// Cells with everything a register contains and Excel likes to break.
pub fn tricky_table() -> Table {
    table(
        &["資産番号", "資産名", "備考", "分類"],
        &[
            &["001", "住民記録システム", "カンマ, を含む", "機密性3"],
            &[
                "0002",
                "引用符\"を\"含む",
                "改行\nを含む\r\nセル",
                "機密性2",
            ],
            &["2", "①㈱髙﨑", "  前後の空白  ", ""],
            &["00123", "=SUM(A1)", "2024/4/1", "_x0041_ と\u{1}制御"],
            &["", "", "", "末尾だけ"],
        ],
    )
}
