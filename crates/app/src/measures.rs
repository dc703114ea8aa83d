//! 第6条's measures: the statement of applicability (適用宣言書) from the recorded statuses.

use crate::AppError;
use mamori_core::Lang;
use mamori_core::measures::{builtin_measures, statement_of_applicability};
use mamori_sheets::{Row, Table};
use mamori_store::Store;

pub async fn soa_table(store: &Store, lang: Lang) -> Result<Table, AppError> {
    let measures = builtin_measures();
    let records = store.measure_status().await?;
    let rows = statement_of_applicability(&measures, &records)
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let justifications: Vec<String> = records
                .iter()
                .filter(|x| x.measure == r.measure.id && !x.justification.is_empty())
                .map(|x| x.justification.clone())
                .collect();
            Row {
                number: i + 2,
                cells: vec![
                    r.measure.id.clone(),
                    r.measure.citation.to_string(),
                    r.measure.category.label(lang).to_string(),
                    r.measure.title.get(lang).to_string(),
                    r.overall.label(lang).to_string(),
                    r.assessed_scopes.to_string(),
                    r.evidence.to_string(),
                    justifications.join(" / "),
                ],
            }
        })
        .collect();
    let headers = [
        ("対策番号", "Measure"),
        ("根拠条項", "Article"),
        ("区分（省令）", "Ordinance category"),
        ("対策", "Measure text"),
        ("実施状況", "Status"),
        ("評価した所属・システム数", "Scopes assessed"),
        ("証跡数", "Evidence"),
        ("対象外の理由", "Why not applicable"),
    ]
    .iter()
    .map(|(ja, en)| lang.pick(ja, en).to_string())
    .collect();
    Ok(Table::new(headers, rows))
}

pub async fn export_soa_xlsx(store: &Store, lang: Lang) -> Result<Vec<u8>, AppError> {
    let table = soa_table(store, lang).await?;
    Ok(mamori_sheets::write_xlsx(
        &table,
        lang.pick("適用宣言書", "Statement of applicability"),
    )?)
}
