//! Import and export of the asset register (情報資産台帳) as xlsx or CSV.

use crate::{Actor, AppError, Now, formula_guard};
use mamori_core::register::{
    ColumnMap, Problem, Reference, RowError, export_headers, export_row, parse_row,
};
use mamori_core::{Asset, Lang};
use mamori_sheets::{CsvEncoding, Format, Row, Table};
use mamori_store::{AssetFilter, ImportSummary, Store};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub rows: usize,
    pub summary: ImportSummary,
    /// Columns in the file that mamori does not know and did not read.
    pub ignored_columns: Vec<String>,
    pub dry_run: bool,
}

/// Parse and validate a whole file against the organisation's reference data. Every bad row is
/// collected; only a fully valid file yields assets.
pub fn parse_register(
    table: &Table,
    reference: &Reference,
) -> Result<(Vec<Asset>, Vec<String>), AppError> {
    let map = ColumnMap::from_headers(&table.headers)?;
    if table.rows.is_empty() {
        return Err(AppError::NoRows);
    }
    let mut assets = Vec::with_capacity(table.rows.len());
    let mut errors = Vec::new();
    let mut first_row_of: HashMap<String, usize> = HashMap::with_capacity(table.rows.len());
    for Row { number, cells } in &table.rows {
        match parse_row(&map, cells, *number, reference) {
            Ok(asset) => {
                if let Some(&first_row) = first_row_of.get(&asset.id) {
                    errors.push(RowError {
                        row: *number,
                        column: None,
                        problem: Problem::DuplicateId { first_row },
                    });
                } else {
                    first_row_of.insert(asset.id.clone(), *number);
                    assets.push(asset);
                }
            }
            Err(mut row_errors) => errors.append(&mut row_errors),
        }
    }
    if errors.is_empty() {
        Ok((assets, map.ignored.clone()))
    } else {
        Err(AppError::Rows(errors))
    }
}

/// Import a register file: all rows or none. With `dry_run` nothing is written and the report says
/// what would change.
pub async fn import(
    store: &Store,
    file_name: &str,
    bytes: &[u8],
    dry_run: bool,
    actor: &Actor,
    now: Now,
) -> Result<ImportReport, AppError> {
    let format = mamori_sheets::detect_format(file_name, bytes)?;
    let mut table = mamori_sheets::read_table(bytes, format)?;
    if format == Format::Csv {
        table
            .rows
            .iter_mut()
            .flat_map(|r| r.cells.iter_mut())
            .for_each(formula_guard::restore);
    }
    let org = store.organisation().await?;
    let (departments, staff, systems) = (
        store.departments().await?,
        store.staff().await?,
        store.systems().await?,
    );
    let reference = Reference::new(&org.scheme, &departments, &staff, &systems);
    let (assets, ignored_columns) = parse_register(&table, &reference)?;
    let rows = assets.len();
    let summary = store
        .import_assets(assets, &org.scheme, &actor.0, &now.timestamp(), dry_run)
        .await?;
    Ok(ImportReport {
        rows,
        summary,
        ignored_columns,
        dry_run,
    })
}

/// The register (or the filtered part of it) as a table with mamori's headers.
pub async fn export_table(
    store: &Store,
    filter: &AssetFilter,
    lang: Lang,
) -> Result<Table, AppError> {
    let org = store.organisation().await?;
    let (departments, staff, systems) = (
        store.departments().await?,
        store.staff().await?,
        store.systems().await?,
    );
    let reference = Reference::new(&org.scheme, &departments, &staff, &systems);
    let assets = store.assets(filter).await?;
    let rows = assets
        .iter()
        .enumerate()
        .map(|(i, a)| Row {
            number: i + 2,
            cells: export_row(a, &reference, lang),
        })
        .collect();
    Ok(Table::new(export_headers(lang), rows))
}

/// Export as file bytes: xlsx, or CSV in UTF-8 with BOM (Excel opens it) or CP932 on request.
/// Returns the bytes and the number of assets in them.
pub async fn export(
    store: &Store,
    format: Format,
    encoding: CsvEncoding,
    filter: &AssetFilter,
    lang: Lang,
) -> Result<(Vec<u8>, usize), AppError> {
    let mut table = export_table(store, filter, lang).await?;
    let bytes = match format {
        Format::Xlsx => mamori_sheets::write_xlsx(&table, mamori_sheets::REGISTER_SHEET_NAME)?,
        Format::Csv => {
            table
                .rows
                .iter_mut()
                .flat_map(|r| r.cells.iter_mut())
                .for_each(formula_guard::defuse);
            mamori_sheets::write_csv(&table, encoding)?
        }
    };
    Ok((bytes, table.rows.len()))
}
