//! The demo city's policy library, threats, measures, risk register and a 第8条 review, so that
//! `mamori demo` shows every page populated. The regulation is the seed regulation the provisions
//! engine is tested on; the 対策基準 and 実施手順 are short examples.

use crate::policy::{PolicyDocumentSpec, import};
use crate::{Actor, AppError, Now};
use chrono::{Months, NaiveDate};
use mamori_core::Role;
use mamori_core::measures::{ImplementationStatus, StatusRecord, StatusScope};
use mamori_core::policy_doc::{DocumentTier, ReviewTrigger, VersionState};
use mamori_core::risk::{Matrix, Treatment};
use mamori_store::{NewReview, PolicyDocument, Store, StoreError};

const REGULATION: &str =
    include_str!("../../provisions/tests/fixtures/noshiro_security_regulation.txt");
const STANDARDS: &str = include_str!("../data/demo_standards.txt");
const PROCEDURES: &str = include_str!("../data/demo_procedures.txt");

fn invalid(e: impl std::fmt::Display) -> AppError {
    AppError::Store(StoreError::Invalid(e.to_string()))
}

/// Bring a draft through review and decision into force, as the CISO would.
async fn enact(
    store: &Store,
    id: &str,
    version: u32,
    instrument: &str,
    effective: NaiveDate,
    actor: &Actor,
    at: &str,
) -> Result<(), AppError> {
    let roles = [Role::Ciso];
    for to in [VersionState::UnderReview, VersionState::Approved] {
        store
            .advance_policy_version(id, version, to, &roles, None, &actor.0, at)
            .await?;
    }
    store
        .advance_policy_version(
            id,
            version,
            VersionState::InForce,
            &roles,
            Some((instrument.to_string(), effective)),
            &actor.0,
            at,
        )
        .await?;
    Ok(())
}

/// Seed the policy library and the risk analysis of the demo city (after the organisation and
/// the register exist).
pub async fn seed(store: &Store, actor: &Actor, now: Now) -> Result<(), AppError> {
    let at = now.timestamp();
    let today = now.today_in_japan();
    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| invalid("date"));
    let spec = |id: &str, tier, summary: &str| PolicyDocumentSpec {
        id: id.into(),
        tier,
        title: None,
        review_months: 12,
        change_summary: summary.into(),
    };
    // The regulation: version 1 in force, version 2 a draft amendment (for the 新旧対照).
    import(
        store,
        "kitei.txt",
        REGULATION.as_bytes(),
        spec("kitei", DocumentTier::Regulation, "全部改正（初版）"),
        actor,
        now,
    )
    .await
    .map_err(|e| invalid(e.message(mamori_core::Lang::Ja)))?;
    enact(
        store,
        "kitei",
        1,
        "訓令第１号",
        date(2021, 2, 1)?,
        actor,
        &at,
    )
    .await?;
    let amended = REGULATION.replacen(
        "情報セキュリティ監査",
        "情報セキュリティ監査（外部監査を含む。）",
        1,
    );
    import(
        store,
        "kitei-2.txt",
        amended.as_bytes(),
        spec(
            "kitei",
            DocumentTier::Regulation,
            "監査に外部監査を含めることを明記（改正案）",
        ),
        actor,
        now,
    )
    .await
    .map_err(|e| invalid(e.message(mamori_core::Lang::Ja)))?;

    // The 対策基準, last reviewed more than a year ago: overdue on the dashboard.
    let standards = mamori_provisions::parse(STANDARDS)
        .map_err(|e| invalid(e.message(mamori_core::Lang::Ja)))?;
    let last_year = today
        .checked_sub_months(Months::new(13))
        .ok_or_else(|| invalid("date"))?;
    store
        .add_policy_version(
            &PolicyDocument {
                id: "kijun".into(),
                tier: DocumentTier::Standards,
                title: standards.title.clone(),
                review_months: 12,
                last_reviewed: Some(last_year),
            },
            "制定",
            &serde_json::to_string(&standards).map_err(invalid)?,
            STANDARDS,
            &actor.0,
            &at,
        )
        .await?;
    enact(
        store,
        "kijun",
        1,
        "訓令第５号",
        date(2021, 4, 1)?,
        actor,
        &at,
    )
    .await?;

    // The 実施手順: non-public (第10条第2項).
    import(
        store,
        "tejun.txt",
        PROCEDURES.as_bytes(),
        spec("tejun-mail", DocumentTier::Procedures, "制定"),
        actor,
        now,
    )
    .await
    .map_err(|e| invalid(e.message(mamori_core::Lang::Ja)))?;
    enact(
        store,
        "tejun-mail",
        1,
        "情報政策課長決定",
        date(2021, 4, 1)?,
        actor,
        &at,
    )
    .await?;

    // Threats and the risk register on the 5×5 matrix.
    crate::risk::assess(store, &Matrix::five_by_five(), actor, now).await?;
    let mut risks = store.risks().await?;
    let mut changed = Vec::new();
    for r in risks.iter_mut() {
        match r.risk.threat.as_str() {
            "T-01" | "T-02" => {
                r.risk.treatment = Some(Treatment::Reduce);
                r.risk.measures = vec!["M-16".into(), "M-17".into(), "M-18".into()];
                r.risk.residual_likelihood = Some(2);
                changed.push(r.clone());
            }
            "T-19" => {
                r.risk.treatment = Some(Treatment::Transfer);
                r.risk.measures = vec!["M-12".into()];
                changed.push(r.clone());
            }
            "T-21" => {
                r.risk
                    .accept("demo", &[Role::Ciso], &today.format("%Y-%m-%d").to_string())
                    .map_err(|e| invalid(e.message(mamori_core::Lang::Ja)))?;
                changed.push(r.clone());
            }
            _ => {}
        }
    }
    store.save_risks(&changed, &actor.0, &at).await?;

    // Measure status across a few departments and the systems.
    let departments = store.departments().await?;
    let systems = store.systems().await?;
    let kas: Vec<&mamori_core::Department> = departments
        .iter()
        .filter(|d| d.kind == mamori_core::DepartmentKind::Ka)
        .take(4)
        .collect();
    let statuses = [
        ImplementationStatus::Implemented,
        ImplementationStatus::Partial,
        ImplementationStatus::Implemented,
        ImplementationStatus::NotImplemented,
    ];
    for (i, m) in mamori_core::measures::builtin_measures().iter().enumerate() {
        for (j, ka) in kas.iter().enumerate() {
            let status = statuses[(i + j) % statuses.len()];
            store
                .set_measure_status(
                    &StatusRecord {
                        measure: m.id.clone(),
                        scope: StatusScope::Department(ka.code.clone()),
                        status,
                        evidence: vec![],
                        assessed_on: today,
                        justification: String::new(),
                    },
                    &actor.0,
                    &at,
                )
                .await?;
        }
    }
    if let Some(system) = systems.first() {
        let scope = StatusScope::System(system.code.clone());
        store
            .set_measure_status(
                &StatusRecord {
                    measure: "M-11".into(),
                    scope: scope.clone(),
                    status: ImplementationStatus::Implemented,
                    evidence: vec!["入退室記録.csv".into()],
                    assessed_on: today,
                    justification: String::new(),
                },
                &actor.0,
                &at,
            )
            .await?;
        store
            .add_measure_evidence(
                "M-11",
                &scope,
                "入退室記録.csv",
                "text/csv",
                "日付,氏名,入室,退室\n2026-11-02,情報政策課 職員,09:02,09:40\n".as_bytes(),
                &actor.0,
                &at,
            )
            .await?;
    }

    // A 第8条 review that led to the draft amendment.
    let looked_at = store
        .risks()
        .await?
        .iter()
        .filter(|r| r.risk.threat == "T-12")
        .map(|r| format!("{}:{}", r.risk.asset, r.risk.threat))
        .collect();
    store
        .add_policy_review(
            &NewReview {
                reviewed_on: today,
                trigger: ReviewTrigger::AuditResult,
                risks: looked_at,
                decision: "監査結果を受け、外部監査を規程に明記する改正案（第2版）を起案する。"
                    .into(),
                document_id: Some("kitei".into()),
                document_version: Some(2),
            },
            &actor.0,
            &at,
        )
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_example_documents_parse() {
        for text in [super::STANDARDS, super::PROCEDURES, super::REGULATION] {
            let r = mamori_provisions::parse(text).unwrap();
            assert!(r.articles.len() >= 3, "{}", r.title);
        }
    }
}
