//! 第3条's threat catalogue and 第8条's risk register.

use crate::audit::AuditRecord;
use crate::sql::get_bool;
use crate::{Result, Store, StoreError};
use mamori_core::risk::{Acceptance, Risk, Treatment};
use mamori_core::threats::{Threat, ThreatCategory};
use mamori_core::{Dimension, Role, Text};
use serde::Serialize;
use sqlx::Row;

/// A risk as stored, with the name of its target and the matrix it was scored on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredRisk {
    pub risk: Risk,
    pub target_name: String,
    pub matrix: String,
}

/// What saving a register did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RiskSaveSummary {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {value}"))
}

fn category_id(c: ThreatCategory) -> &'static str {
    match c {
        ThreatCategory::Intentional => "intentional",
        ThreatCategory::Unintentional => "unintentional",
        ThreatCategory::Disaster => "disaster",
        ThreatCategory::Pandemic => "pandemic",
        ThreatCategory::Infrastructure => "infrastructure",
    }
}

fn dimension_id(d: Dimension) -> &'static str {
    match d {
        Dimension::Confidentiality => "c",
        Dimension::Integrity => "i",
        Dimension::Availability => "a",
    }
}

fn treatment_id(t: Treatment) -> &'static str {
    match t {
        Treatment::Reduce => "reduce",
        Treatment::Avoid => "avoid",
        Treatment::Transfer => "transfer",
        Treatment::Accept => "accept",
    }
}

fn small(v: i64, what: &str) -> Result<u8> {
    u8::try_from(v).map_err(|_| corrupt(what, &v.to_string()))
}

impl Store {
    /// Add the threats of `catalogue` that the database does not have yet (by ID). Existing entries,
    /// possibly edited by the organisation, are left as they are.
    pub async fn ensure_threats(
        &self,
        catalogue: &[Threat],
        actor: &str,
        at: &str,
    ) -> Result<usize> {
        let (mut tx, head) = self.begin_audited().await?;
        let existing: Vec<String> = sqlx::query("SELECT id FROM threats")
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<std::result::Result<_, _>>()?;
        let mut records = Vec::new();
        for t in catalogue.iter().filter(|t| !existing.contains(&t.id)) {
            let affects: Vec<&str> = t.affects.iter().map(|d| dimension_id(*d)).collect();
            sqlx::query("INSERT INTO threats (id, category, name_ja, name_en, description_ja, description_en, affects) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(&t.id)
                .bind(category_id(t.category))
                .bind(&t.name.ja)
                .bind(&t.name.en)
                .bind(&t.description.ja)
                .bind(&t.description.en)
                .bind(affects.join(","))
                .execute(&mut *tx)
                .await?;
            records.push(AuditRecord {
                action: "create",
                entity: "threat",
                entity_id: t.id.clone(),
                before: None,
                after: serde_json::to_string(t).ok(),
            });
        }
        let added = records.len();
        head.commit(tx, at, actor, records).await?;
        Ok(added)
    }

    /// Add a threat or change one (by ID). The category decides the citation (第3条第N号).
    pub async fn save_threat(&self, threat: &Threat, actor: &str, at: &str) -> Result<()> {
        if threat.id.trim().is_empty() || threat.name.ja.trim().is_empty() {
            return Err(StoreError::Invalid(
                "脅威の番号と名称を入力してください。".into(),
            ));
        }
        if threat.affects.is_empty() {
            return Err(StoreError::Invalid(
                "脅威が主に損なうもの（機密性・完全性・可用性）を一つ以上選んでください。".into(),
            ));
        }
        let (mut tx, head) = self.begin_audited().await?;
        let before = threats_in(&mut tx)
            .await?
            .into_iter()
            .find(|t| t.id == threat.id);
        let affects: Vec<&str> = threat.affects.iter().map(|d| dimension_id(*d)).collect();
        sqlx::query(
            "INSERT INTO threats (id, category, name_ja, name_en, description_ja, description_en, affects) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (id) DO UPDATE SET category = excluded.category, name_ja = excluded.name_ja, name_en = excluded.name_en, \
             description_ja = excluded.description_ja, description_en = excluded.description_en, affects = excluded.affects",
        )
        .bind(&threat.id)
        .bind(category_id(threat.category))
        .bind(&threat.name.ja)
        .bind(&threat.name.en)
        .bind(&threat.description.ja)
        .bind(&threat.description.en)
        .bind(affects.join(","))
        .execute(&mut *tx)
        .await?;
        head.commit(
            tx,
            at,
            actor,
            vec![AuditRecord {
                action: if before.is_some() { "update" } else { "create" },
                entity: "threat",
                entity_id: threat.id.clone(),
                before: before.and_then(|b| serde_json::to_string(&b).ok()),
                after: serde_json::to_string(threat).ok(),
            }],
        )
        .await?;
        Ok(())
    }

    pub async fn threats(&self) -> Result<Vec<Threat>> {
        let mut conn = self.pool.acquire().await?;
        let rows = sqlx::query(THREAT_SELECT).fetch_all(&mut *conn).await?;
        rows.iter().map(threat_from_row).collect()
    }
}

const THREAT_SELECT: &str = "SELECT id, category, name_ja, name_en, description_ja, description_en, affects FROM threats ORDER BY id";

async fn threats_in(tx: &mut sqlx::Transaction<'_, sqlx::Any>) -> Result<Vec<Threat>> {
    let rows = sqlx::query(THREAT_SELECT).fetch_all(&mut **tx).await?;
    rows.iter().map(threat_from_row).collect()
}

fn threat_from_row(r: &sqlx::any::AnyRow) -> Result<Threat> {
    let category: String = r.try_get(1)?;
    let category = ThreatCategory::ALL
        .into_iter()
        .find(|c| category_id(*c) == category)
        .ok_or_else(|| corrupt("threat category", &category))?;
    let affects: String = r.try_get(6)?;
    Ok(Threat {
        id: r.try_get(0)?,
        category,
        name: Text::new(r.try_get::<String, _>(2)?, r.try_get::<String, _>(3)?),
        description: Text::new(r.try_get::<String, _>(4)?, r.try_get::<String, _>(5)?),
        citation: category.citation(),
        affects: affects
            .split(',')
            .filter_map(|d| Dimension::ALL.into_iter().find(|x| dimension_id(*x) == d))
            .collect(),
    })
}

impl Store {
    /// Save risks (insert or update by target and threat), one audit entry per change.
    pub async fn save_risks(
        &self,
        risks: &[StoredRisk],
        actor: &str,
        at: &str,
    ) -> Result<RiskSaveSummary> {
        let (mut tx, head) = self.begin_audited().await?;
        let existing = risks_in(&mut tx).await?;
        let mut summary = RiskSaveSummary::default();
        let mut records = Vec::new();
        for r in risks {
            let before = existing
                .iter()
                .find(|e| e.risk.asset == r.risk.asset && e.risk.threat == r.risk.threat);
            match before {
                Some(b) if b == r => {
                    summary.unchanged += 1;
                    continue;
                }
                Some(_) => summary.updated += 1,
                None => summary.created += 1,
            }
            let k = &r.risk;
            sqlx::query(
                "INSERT INTO risks (target, target_name, threat, matrix, likelihood, impact, impact_overridden, treatment, measures, \
                 residual_likelihood, residual_impact, accepted_by, accepted_role, accepted_on, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
                 ON CONFLICT (target, threat) DO UPDATE SET target_name = excluded.target_name, matrix = excluded.matrix, \
                 likelihood = excluded.likelihood, impact = excluded.impact, impact_overridden = excluded.impact_overridden, \
                 treatment = excluded.treatment, measures = excluded.measures, residual_likelihood = excluded.residual_likelihood, \
                 residual_impact = excluded.residual_impact, accepted_by = excluded.accepted_by, accepted_role = excluded.accepted_role, \
                 accepted_on = excluded.accepted_on, updated_at = excluded.updated_at",
            )
            .bind(&k.asset)
            .bind(&r.target_name)
            .bind(&k.threat)
            .bind(&r.matrix)
            .bind(i64::from(k.likelihood))
            .bind(i64::from(k.impact))
            .bind(k.impact_overridden)
            .bind(k.treatment.map(treatment_id))
            .bind(k.measures.join(","))
            .bind(k.residual_likelihood.map(i64::from))
            .bind(k.residual_impact.map(i64::from))
            .bind(k.acceptance.as_ref().map(|a| a.staff.as_str()))
            .bind(k.acceptance.as_ref().map(|a| a.role.id()))
            .bind(k.acceptance.as_ref().map(|a| a.on.as_str()))
            .bind(at)
            .execute(&mut *tx)
            .await?;
            records.push(AuditRecord {
                action: if before.is_some() { "update" } else { "create" },
                entity: "risk",
                entity_id: format!("{}:{}", k.asset, k.threat),
                before: before.and_then(|b| serde_json::to_string(b).ok()),
                after: serde_json::to_string(r).ok(),
            });
        }
        head.commit(tx, at, actor, records).await?;
        Ok(summary)
    }

    pub async fn risks(&self) -> Result<Vec<StoredRisk>> {
        let mut conn = self.pool.acquire().await?;
        let rows = sqlx::query(RISK_SELECT).fetch_all(&mut *conn).await?;
        rows.iter().map(risk_from_row).collect()
    }
}

const RISK_SELECT: &str = "SELECT target, target_name, threat, matrix, likelihood, impact, impact_overridden, treatment, measures, \
     residual_likelihood, residual_impact, accepted_by, accepted_role, accepted_on FROM risks ORDER BY target, threat";

async fn risks_in(tx: &mut sqlx::Transaction<'_, sqlx::Any>) -> Result<Vec<StoredRisk>> {
    let rows = sqlx::query(RISK_SELECT).fetch_all(&mut **tx).await?;
    rows.iter().map(risk_from_row).collect()
}

fn risk_from_row(r: &sqlx::any::AnyRow) -> Result<StoredRisk> {
    let treatment: Option<String> = r.try_get(7)?;
    let measures: String = r.try_get(8)?;
    let residual_l: Option<i64> = r.try_get(9)?;
    let residual_i: Option<i64> = r.try_get(10)?;
    let accepted_by: Option<String> = r.try_get(11)?;
    let accepted_role: Option<String> = r.try_get(12)?;
    let accepted_on: Option<String> = r.try_get(13)?;
    let acceptance = match (accepted_by, accepted_role, accepted_on) {
        (Some(staff), Some(role), Some(on)) => Some(Acceptance {
            staff,
            role: Role::parse(&role).ok_or_else(|| corrupt("role", &role))?,
            on,
        }),
        _ => None,
    };
    Ok(StoredRisk {
        risk: Risk {
            asset: r.try_get(0)?,
            threat: r.try_get(2)?,
            likelihood: small(r.try_get(4)?, "likelihood")?,
            impact: small(r.try_get(5)?, "impact")?,
            impact_overridden: get_bool(r, 6)?,
            treatment: match treatment {
                Some(t) => Some(
                    [
                        Treatment::Reduce,
                        Treatment::Avoid,
                        Treatment::Transfer,
                        Treatment::Accept,
                    ]
                    .into_iter()
                    .find(|x| treatment_id(*x) == t)
                    .ok_or_else(|| corrupt("treatment", &t))?,
                ),
                None => None,
            },
            measures: measures
                .split(',')
                .filter(|m| !m.is_empty())
                .map(String::from)
                .collect(),
            residual_likelihood: residual_l
                .map(|v| small(v, "residual likelihood"))
                .transpose()?,
            residual_impact: residual_i
                .map(|v| small(v, "residual impact"))
                .transpose()?,
            acceptance,
        },
        target_name: r.try_get(1)?,
        matrix: r.try_get(3)?,
    })
}
