//! Import and export of the asset register (情報資産台帳) as xlsx or CSV.

use crate::{Actor, AppError, Now, formula_guard};
use mamori_core::register::{
    Column, ColumnMap, Problem, Reference, RowError, export_headers, export_row, parse_row,
};
use mamori_core::{Asset, Lang};
use mamori_sheets::{CsvEncoding, Format, Row, Table};
use mamori_store::{AssetFilter, ImportGuard, ImportSummary, Store};
use std::collections::HashMap;

/// How many rows of each kind (new, changed, unchanged) a report keeps for a preview.
pub const PREVIEW_ROWS: usize = 10;

/// One row of the file as it will be imported: its row number as the user sees it, and the asset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewRow {
    pub row: usize,
    pub asset: Asset,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub rows: usize,
    pub summary: ImportSummary,
    /// Columns in the file that mamori does not know and did not read.
    pub ignored_columns: Vec<String>,
    pub dry_run: bool,
    /// The first [`PREVIEW_ROWS`] new, changed and unchanged rows, in file order.
    pub created: Vec<PreviewRow>,
    pub updated: Vec<PreviewRow>,
    pub unchanged: Vec<PreviewRow>,
}

/// Parse and validate a whole file against the organisation's reference data. Every bad row is
/// collected; only a fully valid file yields assets.
pub fn parse_register(
    table: &Table,
    reference: &Reference,
) -> Result<(Vec<Asset>, Vec<String>), AppError> {
    let parsed = parse_rows(table, reference)?;
    if parsed.errors.is_empty() {
        Ok((
            parsed.rows.into_iter().map(|r| r.asset).collect(),
            parsed.ignored,
        ))
    } else {
        Err(AppError::Rows(parsed.errors))
    }
}

/// The rows that parsed, every row error, and the columns not read.
struct Parsed {
    rows: Vec<PreviewRow>,
    errors: Vec<RowError>,
    ignored: Vec<String>,
}

fn parse_rows(table: &Table, reference: &Reference) -> Result<Parsed, AppError> {
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
                    assets.push(PreviewRow {
                        row: *number,
                        asset,
                    });
                }
            }
            Err(mut row_errors) => errors.append(&mut row_errors),
        }
    }
    Ok(Parsed {
        rows: assets,
        errors,
        ignored: map.ignored.clone(),
    })
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
    import_guarded(store, file_name, bytes, dry_run, actor, now, None).await
}

/// [`import`] where each row must also pass `guard` (the person's permission to change the asset
/// as stored and as the row would make it). Refused rows are row errors like any other
/// ([`Problem::NotPermitted`]), reported together with the file's other errors; nothing is written.
pub async fn import_guarded(
    store: &Store,
    file_name: &str,
    bytes: &[u8],
    dry_run: bool,
    actor: &Actor,
    now: Now,
    guard: Option<ImportGuard<'_>>,
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
    let Parsed {
        rows: parsed,
        mut errors,
        ignored: ignored_columns,
    } = parse_rows(&table, &reference)?;
    if (guard.is_none() || parsed.is_empty()) && !errors.is_empty() {
        return Err(AppError::Rows(errors));
    }
    let row_of: HashMap<String, usize> =
        parsed.iter().map(|r| (r.asset.id.clone(), r.row)).collect();
    let assets: Vec<Asset> = parsed.iter().map(|r| r.asset.clone()).collect();
    let rows = assets.len();
    // With row errors already found, the guard still runs (as a dry run) so that every problem
    // of the file is reported at once.
    let outcome = store
        .import_assets_guarded(
            assets,
            &org.scheme,
            &actor.0,
            &now.timestamp(),
            dry_run || !errors.is_empty(),
            guard.unwrap_or(&|_, _| true),
        )
        .await?;
    errors.extend(outcome.refused.iter().map(|id| RowError {
        row: row_of.get(id).copied().unwrap_or(0),
        column: None,
        problem: Problem::NotPermitted,
    }));
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.row);
        return Err(AppError::Rows(errors));
    }
    let by_id: HashMap<&str, &PreviewRow> =
        parsed.iter().map(|r| (r.asset.id.as_str(), r)).collect();
    let first = |ids: &[String]| -> Vec<PreviewRow> {
        ids.iter()
            .filter_map(|id| by_id.get(id.as_str()).map(|r| (*r).clone()))
            .take(PREVIEW_ROWS)
            .collect()
    };
    Ok(ImportReport {
        rows,
        summary: outcome.summary,
        ignored_columns,
        dry_run,
        created: first(&outcome.created),
        updated: first(&outcome.updated),
        unchanged: first(&outcome.unchanged),
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
    let table = export_table(store, filter, lang).await?;
    write(table, format, encoding)
}

/// One asset to export and whether its contents are withheld from the person exporting.
pub struct ExportItem<'a> {
    pub asset: &'a Asset,
    /// Only its existence may be shown: ID, kind, department and classification are written,
    /// the name says it is withheld, every other cell is empty.
    pub withheld: bool,
}

/// The columns an existence-only row keeps (what the register list shows of it).
fn shown_when_withheld(c: Column) -> bool {
    matches!(
        c,
        Column::Id
            | Column::Kind
            | Column::DepartmentCode
            | Column::Department
            | Column::Confidentiality
            | Column::Integrity
            | Column::Availability
    )
}

/// Export exactly the given assets (e.g. what a person's filtered list shows), in their order,
/// with withheld rows reduced to their existence. Bytes and row count, like [`export`].
pub async fn export_items(
    store: &Store,
    items: &[ExportItem<'_>],
    format: Format,
    encoding: CsvEncoding,
    lang: Lang,
) -> Result<(Vec<u8>, usize), AppError> {
    let org = store.organisation().await?;
    let (departments, staff, systems) = (
        store.departments().await?,
        store.staff().await?,
        store.systems().await?,
    );
    let reference = Reference::new(&org.scheme, &departments, &staff, &systems);
    let marker = lang.pick("（機密性3のため非表示）", "(withheld: confidentiality 3)");
    let rows = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let mut cells = export_row(item.asset, &reference, lang);
            if item.withheld {
                for (cell, column) in cells.iter_mut().zip(Column::ALL) {
                    if column == Column::Name {
                        *cell = marker.to_string();
                    } else if !shown_when_withheld(column) {
                        cell.clear();
                    }
                }
            }
            Row {
                number: i + 2,
                cells,
            }
        })
        .collect();
    write(Table::new(export_headers(lang), rows), format, encoding)
}

fn write(
    mut table: Table,
    format: Format,
    encoding: CsvEncoding,
) -> Result<(Vec<u8>, usize), AppError> {
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
