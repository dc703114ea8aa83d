//! The table model and the rules that turn raw sheet rows into it (header row, empty rows,
//! padding, extra cells, duplicate headers), shared by the xlsx and CSV readers.

use std::collections::HashMap;

use crate::column::cell_ref;
use crate::error::SheetError;

/// A sheet as plain strings: one header row and the data rows under it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    /// Column headers, trimmed of surrounding whitespace (including U+3000).
    pub headers: Vec<String>,
    /// Data rows; every row has exactly `headers.len()` cells. Empty rows are not included.
    pub rows: Vec<Row>,
    /// 0-based sheet column of the first header (0 = column A). When reading, a table may start
    /// further right (e.g. at B3); this keeps cell references in messages right. Ignored when
    /// writing: written tables always start at A1.
    pub first_column: usize,
}

/// One data row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Row {
    /// The row number the user sees in Excel, or the CSV line where the record starts
    /// (1-based, header row counted). Ignored when writing.
    pub number: usize,
    /// Cell texts, one per header.
    pub cells: Vec<String>,
}

impl Table {
    /// A table starting at column A.
    pub fn new(headers: Vec<String>, rows: Vec<Row>) -> Table {
        Table {
            headers,
            rows,
            first_column: 0,
        }
    }

    /// Index of the column with this header (exact match after trimming `name`).
    pub fn column_index(&self, name: &str) -> Option<usize> {
        let name = name.trim();
        self.headers.iter().position(|h| h == name)
    }

    /// Excel cell reference (`C12`) of cell `index` in the row numbered `row_number`, for messages.
    pub fn cell_ref(&self, row_number: usize, index: usize) -> String {
        cell_ref(self.first_column + index, row_number)
    }
}

/// True when a cell counts as empty: nothing but whitespace (including U+3000).
pub(crate) fn is_blank(text: &str) -> bool {
    text.trim().is_empty()
}

/// Collects raw rows (cells starting at sheet column A) and applies the table rules.
#[derive(Debug, Default)]
pub(crate) struct TableBuilder {
    table: Table,
    header_row: Option<usize>,
}

impl TableBuilder {
    pub(crate) fn new() -> TableBuilder {
        TableBuilder::default()
    }

    /// Adds the row numbered `number`; `cells[0]` is sheet column A.
    pub(crate) fn push(&mut self, number: usize, mut cells: Vec<String>) -> Result<(), SheetError> {
        for cell in cells.iter_mut() {
            // Excel-made CSVs sometimes leave a stray CR at the end of a field.
            while cell.ends_with('\r') {
                cell.pop();
            }
        }
        let Some(last) = cells.iter().rposition(|c| !is_blank(c)) else {
            return Ok(()); // entirely empty rows are skipped
        };
        let Some(header_row) = self.header_row else {
            return self.set_headers(number, cells, last);
        };
        let first = self.table.first_column;
        let width = self.table.headers.len();
        if let Some(column) = cells.iter().take(first).position(|c| !is_blank(c)) {
            return Err(SheetError::ExtraCell {
                row: number,
                column,
                header_row,
            });
        }
        if last >= first + width {
            return Err(SheetError::ExtraCell {
                row: number,
                column: last,
                header_row,
            });
        }
        cells.truncate(first + width);
        if first > 0 {
            cells.drain(..first);
        }
        cells.resize(width, String::new());
        // Kept rows must not keep room for stray blank cells far to the right.
        if cells.capacity() > width + 4 {
            cells.shrink_to_fit();
        }
        self.table.rows.push(Row { number, cells });
        Ok(())
    }

    fn set_headers(
        &mut self,
        number: usize,
        cells: Vec<String>,
        last: usize,
    ) -> Result<(), SheetError> {
        let first = cells.iter().position(|c| !is_blank(c)).unwrap_or(0);
        let mut headers = Vec::with_capacity(last + 1 - first);
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (column, cell) in cells.into_iter().enumerate().take(last + 1).skip(first) {
            let name = cell.trim();
            if name.is_empty() {
                return Err(SheetError::EmptyHeader {
                    cell: cell_ref(column, number),
                });
            }
            if let Some(&first_column) = seen.get(name) {
                return Err(SheetError::DuplicateHeader {
                    name: name.to_string(),
                    first_column,
                    second_column: column,
                });
            }
            seen.insert(name.to_string(), column);
            headers.push(name.to_string());
        }
        self.table.headers = headers;
        self.table.first_column = first;
        self.header_row = Some(number);
        Ok(())
    }

    /// How many raw cells a row should have room for (0 before the header row is known).
    pub(crate) fn raw_width(&self) -> usize {
        self.table.first_column + self.table.headers.len()
    }

    /// The table; `NoHeader` when no row had content.
    pub(crate) fn finish(self) -> Result<Table, SheetError> {
        if self.header_row.is_none() {
            return Err(SheetError::NoHeader);
        }
        Ok(self.table)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(texts: &[&str]) -> Vec<String> {
        texts.iter().map(|t| t.to_string()).collect()
    }

    #[test]
    fn header_is_first_non_empty_row_and_is_trimmed() {
        let mut b = TableBuilder::new();
        b.push(1, cells(&["", " "])).unwrap();
        b.push(2, cells(&["", "\u{3000}資産名 ", "分類", ""]))
            .unwrap();
        b.push(3, cells(&["", " a ", "b\r"])).unwrap();
        b.push(4, cells(&["", "", ""])).unwrap();
        b.push(5, cells(&["", "c"])).unwrap();
        let t = b.finish().unwrap();
        assert_eq!(t.headers, ["資産名", "分類"]);
        assert_eq!(t.first_column, 1);
        assert_eq!(
            t.rows,
            vec![
                Row {
                    number: 3,
                    cells: cells(&[" a ", "b"])
                },
                Row {
                    number: 5,
                    cells: cells(&["c", ""])
                },
            ]
        );
        assert_eq!(t.cell_ref(5, 1), "C5");
    }

    #[test]
    fn data_left_of_the_table_is_an_extra_cell() {
        let mut b = TableBuilder::new();
        b.push(1, cells(&["", "h"])).unwrap();
        let err = b.push(2, cells(&["x", "y"])).unwrap_err();
        assert_eq!(
            err,
            SheetError::ExtraCell {
                row: 2,
                column: 0,
                header_row: 1
            }
        );
    }

    #[test]
    fn blank_header_between_headers_is_an_error() {
        let mut b = TableBuilder::new();
        let err = b.push(1, cells(&["a", " ", "c"])).unwrap_err();
        assert_eq!(
            err,
            SheetError::EmptyHeader {
                cell: "B1".to_string()
            }
        );
    }

    #[test]
    fn only_empty_rows_means_no_header() {
        let mut b = TableBuilder::new();
        b.push(1, cells(&["", "\u{3000}"])).unwrap();
        assert_eq!(b.finish().unwrap_err(), SheetError::NoHeader);
    }
}
