//! The asset register (情報資産台帳) in the database.

use crate::audit::AuditRecord;
use crate::sql::{batch_rows, get_bool, values_placeholders};
use crate::{Backend, Result, Store, StoreError};
use chrono::NaiveDate;
use futures_util::TryStreamExt;
use mamori_core::register::format_date;
use mamori_core::{
    Asset, AssetKind, AssetStatus, Classification, Dimension, Scheme, ServiceTerms, Zone,
};
use serde::Serialize;
use sqlx::Row;
use std::collections::HashMap;

const COLUMNS: [&str; 25] = [
    "id",
    "name",
    "kind",
    "department",
    "manager",
    "location",
    "zone",
    "system",
    "confidentiality",
    "integrity",
    "availability",
    "confidentiality_rank",
    "integrity_rank",
    "availability_rank",
    "personal_info",
    "my_number",
    "retention",
    "disposal_method",
    "status",
    "disposed_on",
    "next_review",
    "external_service",
    "external_terms",
    "notes",
    "updated_at",
];

/// Changed rows after which an import refreshes the planner's statistics.
const ANALYZE_AFTER: usize = 1000;

/// Which assets to list. Empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct AssetFilter {
    pub zone: Option<Zone>,
    /// Rank in the organisation's confidentiality scale (0 = lowest); "at least this".
    pub min_confidentiality_rank: Option<usize>,
    pub department: Option<String>,
    pub status: Option<AssetStatus>,
    pub limit: Option<i64>,
    pub offset: i64,
}

/// A value bound to a filter placeholder.
enum Bound {
    Text(&'static str),
    Owned(String),
    Int(i64),
}

impl AssetFilter {
    /// The WHERE clause (empty, or starting with a space) with `$1…` placeholders, and its values.
    fn conditions(&self) -> (String, Vec<Bound>) {
        let mut parts = Vec::new();
        let mut values = Vec::new();
        let mut add = |column: &str, op: &str, value: Bound| {
            values.push(value);
            parts.push(format!("{column} {op} ${}", values.len()));
        };
        if let Some(z) = self.zone {
            add("zone", "=", Bound::Text(z.id()));
        }
        if let Some(r) = self.min_confidentiality_rank {
            add(
                "confidentiality_rank",
                ">=",
                Bound::Int(i64::try_from(r).unwrap_or(i64::MAX)),
            );
        }
        if let Some(d) = &self.department {
            add("department", "=", Bound::Owned(d.clone()));
        }
        if let Some(s) = self.status {
            add("status", "=", Bound::Text(s.id()));
        }
        if parts.is_empty() {
            (String::new(), values)
        } else {
            (format!(" WHERE {}", parts.join(" AND ")), values)
        }
    }
}

fn bind_all<'q>(mut q: crate::sql::AnyQuery<'q>, values: &'q [Bound]) -> crate::sql::AnyQuery<'q> {
    for v in values {
        q = match v {
            Bound::Text(t) => q.bind(*t),
            Bound::Owned(t) => q.bind(t.as_str()),
            Bound::Int(i) => q.bind(*i),
        };
    }
    q
}

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// Rows sorted into what happens to them.
#[derive(Debug, Default)]
pub struct ImportPlan {
    pub create: Vec<Asset>,
    pub update: Vec<(Asset, Asset)>,
    pub unchanged: Vec<Asset>,
}

/// What a guarded import did or would do, by asset ID in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportOutcome {
    pub summary: ImportSummary,
    /// Rows the guard refused. When there are any, nothing was written.
    pub refused: Vec<String>,
    pub created: Vec<String>,
    pub updated: Vec<String>,
    pub unchanged: Vec<String>,
}

/// Decides, for one incoming row and the stored asset with its ID (if any), whether the person
/// importing may write it. Asked inside the import's transaction, so the stored asset it sees is
/// the one that would be overwritten.
pub type ImportGuard<'g> = &'g (dyn Fn(&Asset, Option<&Asset>) -> bool + Sync);

impl ImportPlan {
    /// Compare incoming rows with the stored register, by asset ID.
    pub fn new(existing: &HashMap<String, Asset>, incoming: Vec<Asset>) -> ImportPlan {
        let mut plan = ImportPlan::default();
        for asset in incoming {
            match existing.get(&asset.id) {
                None => plan.create.push(asset),
                Some(before) if *before == asset => plan.unchanged.push(asset),
                Some(before) => plan.update.push((before.clone(), asset)),
            }
        }
        plan
    }

    pub fn summary(&self) -> ImportSummary {
        ImportSummary {
            created: self.create.len(),
            updated: self.update.len(),
            unchanged: self.unchanged.len(),
        }
    }
}

fn to_json(a: &Asset) -> Result<String> {
    serde_json::to_string(a).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn rank(scheme: &Scheme, a: &Asset, d: Dimension) -> Option<i64> {
    a.rank(scheme, d).and_then(|r| i64::try_from(r).ok())
}

impl Store {
    /// Import assets: new IDs are created, changed rows updated, identical rows left alone. One
    /// transaction; with `dry_run` it is rolled back and only the summary is returned.
    pub async fn import_assets(
        &self,
        incoming: Vec<Asset>,
        scheme: &Scheme,
        actor: &str,
        at: &str,
        dry_run: bool,
    ) -> Result<ImportSummary> {
        let outcome = self
            .import_assets_guarded(incoming, scheme, actor, at, dry_run, &|_, _| true)
            .await?;
        Ok(outcome.summary)
    }

    /// [`Store::import_assets`] where every row must pass `guard` (e.g. the person's permission
    /// to change that asset as it is stored and as it would become). If any row is refused,
    /// nothing is written and the outcome lists the refused IDs.
    pub async fn import_assets_guarded(
        &self,
        incoming: Vec<Asset>,
        scheme: &Scheme,
        actor: &str,
        at: &str,
        dry_run: bool,
        guard: ImportGuard<'_>,
    ) -> Result<ImportOutcome> {
        let (mut tx, head) = self.begin_audited().await?;
        let existing = assets_by_id(
            &mut tx,
            self.backend,
            incoming.iter().map(|a| a.id.as_str()),
        )
        .await?;
        let refused: Vec<String> = incoming
            .iter()
            .filter(|a| !guard(a, existing.get(&a.id)))
            .map(|a| a.id.clone())
            .collect();
        let plan = ImportPlan::new(&existing, incoming);
        let ids = |assets: &mut dyn Iterator<Item = &Asset>| assets.map(|a| a.id.clone()).collect();
        let outcome = ImportOutcome {
            summary: plan.summary(),
            created: ids(&mut plan.create.iter()),
            updated: ids(&mut plan.update.iter().map(|(_, after)| after)),
            unchanged: ids(&mut plan.unchanged.iter()),
            refused,
        };
        if dry_run || !outcome.refused.is_empty() {
            tx.rollback().await?;
            return Ok(outcome);
        }
        let mut records = Vec::with_capacity(plan.create.len() + plan.update.len());
        let mut writes: Vec<&Asset> = Vec::with_capacity(records.capacity());
        for a in &plan.create {
            records.push(AuditRecord {
                action: "create",
                entity: "asset",
                entity_id: a.id.clone(),
                before: None,
                after: Some(to_json(a)?),
            });
            writes.push(a);
        }
        for (before, after) in &plan.update {
            records.push(AuditRecord {
                action: "update",
                entity: "asset",
                entity_id: after.id.clone(),
                before: Some(to_json(before)?),
                after: Some(to_json(after)?),
            });
            writes.push(after);
        }
        upsert(&mut tx, self.backend, &writes, scheme, at).await?;
        head.commit(tx, at, actor, records).await?;
        let summary = &outcome.summary;
        if summary.created + summary.updated >= ANALYZE_AFTER {
            // Fresh statistics let the planner pick the page-walking index for listings.
            sqlx::query("ANALYZE assets").execute(&self.pool).await?;
        }
        Ok(outcome)
    }

    /// Record that someone exported (part of) the register: which filter, which format, how many
    /// rows. An export carries the register out of the system, so it is audited like a change.
    pub async fn record_register_export(
        &self,
        format: &str,
        filter: &str,
        rows: usize,
        actor: &str,
        at: &str,
    ) -> Result<()> {
        let after = serde_json::json!({
            "format": format, "filter": filter, "rows": rows
        })
        .to_string();
        let (tx, head) = self.begin_audited().await?;
        head.commit(
            tx,
            at,
            actor,
            vec![AuditRecord {
                action: "export",
                entity: "asset_register",
                entity_id: String::new(),
                before: None,
                after: Some(after),
            }],
        )
        .await?;
        Ok(())
    }

    pub async fn assets(&self, filter: &AssetFilter) -> Result<Vec<Asset>> {
        let (conditions, mut values) = filter.conditions();
        let mut sql = format!(
            "SELECT {} FROM assets{conditions} ORDER BY id",
            COLUMNS.join(", ")
        );
        if let Some(limit) = filter.limit {
            sql.push_str(&format!(
                " LIMIT ${} OFFSET ${}",
                values.len() + 1,
                values.len() + 2
            ));
            values.push(Bound::Int(limit));
            values.push(Bound::Int(filter.offset));
        }
        // Streamed row by row: holding every raw row and every asset at once would double the
        // peak memory of loading a large register (the web server keeps it in memory).
        let mut rows = bind_all(sqlx::query(&sql), &values).fetch(&self.pool);
        let mut assets = Vec::new();
        while let Some(row) = rows.try_next().await? {
            assets.push(asset_from_row(&row)?);
        }
        assets.shrink_to_fit();
        Ok(assets)
    }

    /// How many assets match the filter (its limit and offset aside).
    pub async fn count_matching(&self, filter: &AssetFilter) -> Result<i64> {
        let (conditions, values) = filter.conditions();
        let sql = format!("SELECT COUNT(*) FROM assets{conditions}");
        let row = bind_all(sqlx::query(&sql), &values)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get(0)?)
    }

    pub async fn asset(&self, id: &str) -> Result<Option<Asset>> {
        let sql = format!("SELECT {} FROM assets WHERE id = $1", COLUMNS.join(", "));
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(asset_from_row).transpose()
    }

    pub async fn count_assets(&self) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) FROM assets")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get(0)?)
    }
}

async fn assets_by_id<'a>(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: Backend,
    ids: impl Iterator<Item = &'a str>,
) -> Result<HashMap<String, Asset>> {
    let ids: Vec<&str> = ids.collect();
    let mut found = HashMap::new();
    for chunk in ids.chunks(batch_rows(1)) {
        let sql = format!(
            "SELECT {} FROM assets WHERE id IN {}",
            COLUMNS.join(", "),
            // ($1,$2,…) as one row of placeholders.
            values_placeholders(backend, 1, chunk.len())
        );
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(*id);
        }
        for row in q.fetch_all(&mut **tx).await? {
            let a = asset_from_row(&row)?;
            found.insert(a.id.clone(), a);
        }
    }
    Ok(found)
}

async fn upsert(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: Backend,
    assets: &[&Asset],
    scheme: &Scheme,
    at: &str,
) -> Result<()> {
    let updates: Vec<String> = COLUMNS
        .iter()
        .skip(1)
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    let tail = format!(" ON CONFLICT (id) DO UPDATE SET {}", updates.join(", "));
    for chunk in assets.chunks(batch_rows(COLUMNS.len())) {
        let sql = format!(
            "INSERT INTO assets ({}) VALUES {}{tail}",
            COLUMNS.join(", "),
            values_placeholders(backend, chunk.len(), COLUMNS.len())
        );
        let mut q = sqlx::query(&sql);
        for a in chunk {
            let c = &a.classification;
            q = q
                .bind(a.id.as_str())
                .bind(a.name.as_str())
                .bind(a.kind.id())
                .bind(a.department.as_deref())
                .bind(a.manager.as_deref())
                .bind(a.location.as_str())
                .bind(a.zone.map(Zone::id))
                .bind(a.system.as_deref())
                .bind(c.confidentiality.as_deref())
                .bind(c.integrity.as_deref())
                .bind(c.availability.as_deref())
                .bind(rank(scheme, a, Dimension::Confidentiality))
                .bind(rank(scheme, a, Dimension::Integrity))
                .bind(rank(scheme, a, Dimension::Availability))
                .bind(a.personal_info)
                .bind(a.my_number)
                .bind(a.retention.as_str())
                .bind(a.disposal_method.as_str())
                .bind(a.status.id())
                .bind(a.disposed_on.map(format_date))
                .bind(a.next_review.map(format_date))
                .bind(a.external_service.as_str())
                .bind(a.external_terms.map(ServiceTerms::id))
                .bind(a.notes.as_str())
                .bind(at);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {value}"))
}

/// Position of a column in [`COLUMNS`]; rows are read by index, which is much cheaper than by name.
const fn col(name: &str) -> usize {
    let mut i = 0;
    while i < COLUMNS.len() {
        if const_eq(COLUMNS[i], name) {
            return i;
        }
        i += 1;
    }
    usize::MAX
}

const fn const_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

fn date(row: &sqlx::any::AnyRow, column: usize) -> Result<Option<NaiveDate>> {
    let v: Option<String> = row.try_get(column)?;
    v.map(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").map_err(|_| corrupt(COLUMNS[column], &s)))
        .transpose()
}

fn asset_from_row(row: &sqlx::any::AnyRow) -> Result<Asset> {
    let kind: String = row.try_get(col("kind"))?;
    let zone: Option<String> = row.try_get(col("zone"))?;
    let status: String = row.try_get(col("status"))?;
    let terms: Option<String> = row.try_get(col("external_terms"))?;
    Ok(Asset {
        id: row.try_get(col("id"))?,
        name: row.try_get(col("name"))?,
        kind: AssetKind::parse(&kind).ok_or_else(|| corrupt("kind", &kind))?,
        department: row.try_get(col("department"))?,
        manager: row.try_get(col("manager"))?,
        location: row.try_get(col("location"))?,
        zone: zone
            .map(|z| Zone::parse(&z).ok_or_else(|| corrupt("zone", &z)))
            .transpose()?,
        system: row.try_get(col("system"))?,
        classification: Classification {
            confidentiality: row.try_get(col("confidentiality"))?,
            integrity: row.try_get(col("integrity"))?,
            availability: row.try_get(col("availability"))?,
        },
        personal_info: get_bool(row, col("personal_info"))?,
        my_number: get_bool(row, col("my_number"))?,
        retention: row.try_get(col("retention"))?,
        disposal_method: row.try_get(col("disposal_method"))?,
        status: AssetStatus::parse(&status).ok_or_else(|| corrupt("status", &status))?,
        disposed_on: date(row, col("disposed_on"))?,
        next_review: date(row, col("next_review"))?,
        external_service: row.try_get(col("external_service"))?,
        external_terms: terms
            .map(|t| ServiceTerms::parse(&t).ok_or_else(|| corrupt("external_terms", &t)))
            .transpose()?,
        notes: row.try_get(col("notes"))?,
    })
}
