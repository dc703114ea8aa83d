//! The one error type of this crate, with messages in Japanese and English that say where
//! (row or line, column letter, cell reference) the problem is, so a clerk can fix the file.

use mamori_core::Lang;

use crate::column::column_letter;

/// Why a spreadsheet table could not be read or written.
///
/// Rows are the numbers a person sees in Excel (or the CSV line), 1-based. Columns are 0-based
/// indexes into the sheet (column A is 0); messages show them as letters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message(Lang::En))]
pub enum SheetError {
    /// The file has no bytes (or only a byte order mark).
    EmptyFile,
    /// The file has content but every row is empty, so there is no header row.
    NoHeader,
    /// The name says `.xlsx` but the content is not a zip container.
    NotXlsx { file_name: String },
    /// An OLE compound file: a legacy `.xls` or a password-protected workbook.
    EncryptedOrLegacyExcel,
    /// Neither the content nor the name says xlsx or CSV.
    UnsupportedFileType { file_name: String },
    /// The xlsx container or its XML is broken (truncated download, damaged file ...).
    CorruptXlsx { detail: String },
    /// The workbook has no worksheet.
    NoWorksheet,
    /// A UTF-16 text file (Excel's 「Unicode テキスト」), which is tab separated, not CSV.
    Utf16Csv,
    /// The header row is one field holding tabs: a tab-separated file (Excel's 「テキスト (タブ区切り)」).
    TabSeparated { line: usize },
    /// The bytes are neither UTF-8 nor Shift_JIS (CP932).
    UnknownEncoding { line: usize, byte_offset: usize },
    /// A quoted field is never closed, typically a truncated file.
    UnterminatedQuote { line: usize },
    /// The CSV parser reported an error.
    CsvSyntax { line: usize, detail: String },
    /// A cell holds an Excel error value such as `#N/A`.
    ErrorCell { cell: String, value: String },
    /// A header cell inside the header row is empty.
    EmptyHeader { cell: String },
    /// Two header cells have the same name (after trimming).
    DuplicateHeader {
        name: String,
        first_column: usize,
        second_column: usize,
    },
    /// A data row has a non-empty cell in a column without a header.
    ExtraCell {
        row: usize,
        column: usize,
        header_row: usize,
    },
    /// Writing Shift_JIS (CP932): a character has no CP932 code (or would not read back the same).
    Unrepresentable {
        row: usize,
        column: usize,
        header: String,
        character: char,
    },
    /// Writing xlsx: more rows than an Excel sheet can hold.
    TooManyRows { rows: usize, max: usize },
    /// Writing xlsx: more columns than an Excel sheet can hold.
    TooManyColumns { columns: usize, max: usize },
    /// Writing xlsx: a cell longer than Excel's 32,767 character limit.
    CellTooLong {
        row: usize,
        column: usize,
        header: String,
        chars: usize,
    },
    /// A data row has more cells than the table has headers (writing).
    RowTooWide {
        row: usize,
        cells: usize,
        headers: usize,
    },
    /// Writing xlsx: the sheet name is not allowed by Excel.
    InvalidSheetName { name: String },
    /// Writing xlsx: the temporary directory used to keep memory low is not writable.
    TempDirUnavailable { detail: String },
    /// Writing xlsx failed for another reason.
    XlsxWrite { detail: String },
    /// Writing CSV failed (should not happen when writing to memory).
    CsvWrite { detail: String },
}

impl SheetError {
    /// The message for a person, in the given language.
    pub fn message(&self, lang: Lang) -> String {
        use SheetError as E;
        let (ja, en) = match self {
            E::EmptyFile => (
                "ファイルが空です。".to_string(),
                "The file is empty.".to_string(),
            ),
            E::NoHeader => (
                "見出し行がありません（空の行しかありません）。1行目に列の見出しを入れてください。"
                    .to_string(),
                "No header row: the file contains only empty rows. Put the column headers in the first row."
                    .to_string(),
            ),
            E::NotXlsx { file_name } => (
                format!(
                    "「{file_name}」は拡張子が .xlsx ですが、中身が Excel ブック（xlsx）ではありません。Excel で開いて「Excel ブック (*.xlsx)」として保存し直してください。"
                ),
                format!(
                    "\"{file_name}\" is named .xlsx but its content is not an Excel workbook (xlsx). Open it in Excel and save it as \"Excel Workbook (*.xlsx)\"."
                ),
            ),
            E::EncryptedOrLegacyExcel => (
                "パスワード付きのブック、または古い形式（.xls）のファイルです。パスワードを解除し、「Excel ブック (*.xlsx)」として保存し直してください。"
                    .to_string(),
                "This is a password-protected workbook or an old .xls file. Remove the password and save it as \"Excel Workbook (*.xlsx)\"."
                    .to_string(),
            ),
            E::UnsupportedFileType { file_name } => (
                format!(
                    "「{file_name}」は読み込めない形式です。Excel ブック（.xlsx）または CSV（.csv）で保存してください。"
                ),
                format!(
                    "\"{file_name}\" is not a supported file type. Save it as an Excel workbook (.xlsx) or CSV (.csv)."
                ),
            ),
            E::CorruptXlsx { detail } => (
                format!(
                    "Excel ブック（xlsx）が壊れているか、途中で切れています。元のファイルを保存し直してください。（詳細: {detail}）"
                ),
                format!(
                    "The Excel workbook (xlsx) is damaged or truncated. Save the original file again. (detail: {detail})"
                ),
            ),
            E::NoWorksheet => (
                "Excel ブックにワークシートがありません。".to_string(),
                "The Excel workbook has no worksheet.".to_string(),
            ),
            E::Utf16Csv => (
                "このファイルは「Unicode テキスト」（UTF-16）形式です。「CSV UTF-8 (コンマ区切り)」または「CSV (コンマ区切り)」で保存してください。"
                    .to_string(),
                "This file is \"Unicode Text\" (UTF-16). Save it as \"CSV UTF-8 (Comma delimited)\" or \"CSV (Comma delimited)\"."
                    .to_string(),
            ),
            E::TabSeparated { line } => (
                format!(
                    "{line}行目の見出しがタブで区切られています（タブ区切りテキスト）。「CSV UTF-8 (コンマ区切り)」または「CSV (コンマ区切り)」で保存してください。"
                ),
                format!(
                    "The header on line {line} is separated by tabs (tab-delimited text). Save the file as \"CSV UTF-8 (Comma delimited)\" or \"CSV (Comma delimited)\"."
                ),
            ),
            E::UnknownEncoding { line, byte_offset } => (
                format!(
                    "文字コードを判別できません（{line}行目、ファイル先頭から{byte_offset}バイトの位置）。UTF-8 または Shift_JIS(CP932) で保存してください。"
                ),
                format!(
                    "Cannot determine the character encoding (line {line}, byte offset {byte_offset}). Save the file as UTF-8 or Shift_JIS (CP932)."
                ),
            ),
            E::UnterminatedQuote { line } => (
                format!(
                    "{line}行目で始まる「\"」（ダブルクォート）が閉じられていません。ファイルが途中で切れていないか確認してください。"
                ),
                format!(
                    "The double quote (\") opened on line {line} is never closed. Check that the file is not truncated."
                ),
            ),
            E::CsvSyntax { line, detail } => (
                format!("CSV の{line}行目を読み取れません。（詳細: {detail}）"),
                format!("Cannot read line {line} of the CSV. (detail: {detail})"),
            ),
            E::ErrorCell { cell, value } => (
                format!("{cell}: セルがエラー値 {value} です。数式を直すか値を入れてください。"),
                format!("{cell}: the cell holds the error value {value}. Fix the formula or enter a value."),
            ),
            E::EmptyHeader { cell } => (
                format!("{cell}: 見出しが空です。列の見出しを入れるか、使わない列を削除してください。"),
                format!("{cell}: the header is empty. Enter a column header or delete the unused column."),
            ),
            E::DuplicateHeader {
                name,
                first_column,
                second_column,
            } => {
                let (a, b) = (column_letter(*first_column), column_letter(*second_column));
                (
                    format!("見出し「{name}」が {a}列 と {b}列 で重複しています。どちらかの見出しを変えてください。"),
                    format!("The header \"{name}\" appears in both column {a} and column {b}. Rename one of them."),
                )
            }
            E::ExtraCell {
                row,
                column,
                header_row,
            } => {
                let c = column_letter(*column);
                (
                    format!(
                        "{c}{row}: 見出しのない列にデータがあります（見出し行は{header_row}行目と判断しました）。見出しを付けるか、データを削除してください。"
                    ),
                    format!(
                        "{c}{row}: there is data in a column without a header (the header row was taken to be row {header_row}). Add a header or remove the data."
                    ),
                )
            }
            E::Unrepresentable {
                row,
                column,
                header,
                character,
            } => {
                let c = column_letter(*column);
                let code = format!("U+{:04X}", u32::from(*character));
                (
                    format!(
                        "{row}行目 {c}列（{header}）の文字「{character}」（{code}）は Shift_JIS(CP932) で表せません。UTF-8 で書き出すか、文字を置き換えてください。"
                    ),
                    format!(
                        "Row {row}, column {c} ({header}): the character \"{character}\" ({code}) cannot be written in Shift_JIS (CP932). Export as UTF-8 or replace the character."
                    ),
                )
            }
            E::TooManyRows { rows, max } => (
                format!("行数（{rows}行）が Excel の上限（{max}行）を超えています。"),
                format!("The table has {rows} rows, more than Excel's limit of {max}."),
            ),
            E::TooManyColumns { columns, max } => (
                format!("列数（{columns}列）が Excel の上限（{max}列）を超えています。"),
                format!("The table has {columns} columns, more than Excel's limit of {max}."),
            ),
            E::CellTooLong {
                row,
                column,
                header,
                chars,
            } => {
                let c = column_letter(*column);
                (
                    format!(
                        "{c}{row}（{header}）: セルの文字数（{chars}文字）が Excel の上限（32,767文字）を超えています。"
                    ),
                    format!(
                        "{c}{row} ({header}): the cell has {chars} characters, more than Excel's limit of 32,767."
                    ),
                )
            }
            E::RowTooWide {
                row,
                cells,
                headers,
            } => (
                format!("{row}行目: セルが{cells}個ありますが、見出しは{headers}列しかありません。"),
                format!("Row {row}: {cells} cells but only {headers} headers."),
            ),
            E::InvalidSheetName { name } => (
                format!(
                    "シート名「{name}」は Excel で使えません（空、31文字超、: \\ / ? * [ ] を含む、または ' で始まる・終わる）。"
                ),
                format!(
                    "The sheet name \"{name}\" is not allowed by Excel (empty, longer than 31 characters, contains : \\ / ? * [ ], or starts or ends with ')."
                ),
            ),
            E::TempDirUnavailable { detail } => (
                format!(
                    "Excel ファイルの作成に使う一時フォルダに書き込めません。TMPDIR を確認してください。（詳細: {detail}）"
                ),
                format!(
                    "Cannot write to the temporary directory used to build the Excel file. Check TMPDIR. (detail: {detail})"
                ),
            ),
            E::XlsxWrite { detail } => (
                format!("Excel ファイルを作成できませんでした。（詳細: {detail}）"),
                format!("Could not create the Excel file. (detail: {detail})"),
            ),
            E::CsvWrite { detail } => (
                format!("CSV ファイルを作成できませんでした。（詳細: {detail}）"),
                format!("Could not create the CSV file. (detail: {detail})"),
            ),
        };
        match lang {
            Lang::Ja => ja,
            Lang::En => en,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_variant() -> Vec<SheetError> {
        vec![
            SheetError::EmptyFile,
            SheetError::NoHeader,
            SheetError::NotXlsx {
                file_name: "台帳.xlsx".into(),
            },
            SheetError::EncryptedOrLegacyExcel,
            SheetError::UnsupportedFileType {
                file_name: "台帳.pdf".into(),
            },
            SheetError::CorruptXlsx {
                detail: "zip".into(),
            },
            SheetError::NoWorksheet,
            SheetError::Utf16Csv,
            SheetError::TabSeparated { line: 1 },
            SheetError::UnknownEncoding {
                line: 3,
                byte_offset: 40,
            },
            SheetError::UnterminatedQuote { line: 7 },
            SheetError::CsvSyntax {
                line: 2,
                detail: "x".into(),
            },
            SheetError::ErrorCell {
                cell: "C12".into(),
                value: "#N/A".into(),
            },
            SheetError::EmptyHeader { cell: "B1".into() },
            SheetError::DuplicateHeader {
                name: "資産名".into(),
                first_column: 1,
                second_column: 4,
            },
            SheetError::ExtraCell {
                row: 5,
                column: 3,
                header_row: 1,
            },
            SheetError::Unrepresentable {
                row: 4,
                column: 2,
                header: "備考".into(),
                character: '🍣',
            },
            SheetError::TooManyRows {
                rows: 2_000_000,
                max: 1_048_576,
            },
            SheetError::TooManyColumns {
                columns: 20_000,
                max: 16_384,
            },
            SheetError::CellTooLong {
                row: 2,
                column: 0,
                header: "備考".into(),
                chars: 40_000,
            },
            SheetError::RowTooWide {
                row: 3,
                cells: 5,
                headers: 4,
            },
            SheetError::InvalidSheetName { name: "a/b".into() },
            SheetError::TempDirUnavailable {
                detail: "denied".into(),
            },
            SheetError::XlsxWrite { detail: "x".into() },
            SheetError::CsvWrite { detail: "x".into() },
        ]
    }

    #[test]
    fn every_message_exists_in_both_languages() {
        let is_japanese = |s: &str| s.chars().any(|c| ('\u{3040}'..='\u{30FF}').contains(&c));
        for err in every_variant() {
            let (ja, en) = (err.message(Lang::Ja), err.message(Lang::En));
            println!("{ja}\n{en}\n");
            assert!(is_japanese(&ja), "{ja}");
            // Embedded names in these samples are kanji only, so any kana means untranslated text.
            assert!(!is_japanese(&en), "{en}");
            assert_eq!(err.to_string(), en);
        }
    }

    #[test]
    fn messages_name_the_place() {
        let err = SheetError::DuplicateHeader {
            name: "資産名".into(),
            first_column: 1,
            second_column: 27,
        };
        assert!(err.message(Lang::Ja).contains("B列 と AB列"));
        assert!(err.message(Lang::En).contains("column B and column AB"));
        let err = SheetError::ExtraCell {
            row: 5,
            column: 3,
            header_row: 2,
        };
        assert!(err.message(Lang::Ja).starts_with("D5: "));
        assert!(err.message(Lang::Ja).contains("見出し行は2行目"));
    }
}
