//! The OpenAPI description of the policy library, threats, measures, risks and reviews endpoints
//! (`api::policy`), merged into the document by `openapi::openapi`.

use serde_json::{Value, json};

fn list_of(item: &str) -> Value {
    json!({
        "type": "object",
        "required": ["items"],
        "properties": { "items": { "type": "array", "items": { "$ref": format!("#/components/schemas/{item}") } } },
    })
}

fn texts() -> Value {
    json!({ "$ref": "#/components/schemas/Texts" })
}

fn nullable(t: &str, description: &str) -> Value {
    json!({ "type": t, "nullable": true, "description": description })
}

fn get(
    operation: &str,
    summary: &str,
    schema: &str,
    errors: &[(&str, &str)],
    path_params: &[(&str, &str)],
) -> Value {
    let mut responses = json!({
        "200": {
            "description": "OK",
            "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } },
        },
        "401": { "$ref": "#/components/responses/Unauthorized" },
        "503": { "$ref": "#/components/responses/Busy" },
    });
    for (status, name) in errors {
        responses[*status] = json!({ "$ref": format!("#/components/responses/{name}") });
    }
    let parameters: Vec<Value> = path_params
        .iter()
        .map(|(name, description)| {
            json!({
                "name": name, "in": "path", "required": true, "description": description,
                "schema": { "type": "string" },
            })
        })
        .collect();
    let mut op = json!({ "operationId": operation, "summary": summary, "responses": responses });
    if !parameters.is_empty() {
        op["parameters"] = Value::Array(parameters);
    }
    json!({ "get": op })
}

pub fn paths() -> Vec<(&'static str, Value)> {
    let doc_id = ("id", "文書ID（例 kitei） / document ID");
    vec![
        (
            "/policy-documents",
            get(
                "listPolicyDocuments",
                "ポリシー文書（規程・対策基準・実施手順）と版。実施手順は閲覧を許された役割にのみ含まれる / policy documents and their versions; 実施手順 only for the roles allowed to read them (第10条第2項)",
                "PolicyDocumentList",
                &[("403", "Forbidden")],
                &[],
            ),
        ),
        (
            "/policy-documents/{id}",
            get(
                "getPolicyDocument",
                "ポリシー文書1件と版の一覧 / one policy document with its versions",
                "PolicyDocument",
                &[("403", "Forbidden"), ("404", "NotFound")],
                &[doc_id],
            ),
        ),
        (
            "/policy-documents/{id}/versions/{version}",
            get(
                "getPolicyVersion",
                "版の条項（引用・アンカー付き）。実施手順の閲覧は監査ログに記録 / a version's provisions with citations and anchors; reads of 実施手順 are audited",
                "PolicyVersion",
                &[("403", "Forbidden"), ("404", "NotFound")],
                &[doc_id, ("version", "版番号 / version number")],
            ),
        ),
        (
            "/threats",
            get(
                "listThreats",
                "第3条の脅威 / the threats of 第3条",
                "ThreatList",
                &[("403", "Forbidden")],
                &[],
            ),
        ),
        (
            "/measures",
            get(
                "listMeasures",
                "第6条の対策と所属・情報システムごとの実施状況 / the measures of 第6条 with their status per department or system",
                "MeasureList",
                &[("403", "Forbidden")],
                &[],
            ),
        ),
        (
            "/risks",
            get(
                "listRisks",
                "リスク台帳（第8条） / the risk register of 第8条",
                "RiskList",
                &[("403", "Forbidden")],
                &[],
            ),
        ),
        (
            "/reviews",
            get(
                "listReviews",
                "第8条の見直しの記録 / review records of 第8条",
                "ReviewList",
                &[("403", "Forbidden")],
                &[],
            ),
        ),
        (
            "/reviews/{id}",
            get(
                "getReview",
                "見直しの記録1件 / one review record",
                "Review",
                &[("403", "Forbidden"), ("404", "NotFound")],
                &[("id", "番号 / review number")],
            ),
        ),
    ]
}

pub fn schemas() -> Vec<(&'static str, Value)> {
    let state_enum = json!({ "type": "string", "enum": ["draft", "under-review", "approved", "in-force", "superseded"] });
    let level = json!({
        "type": "object",
        "required": ["score", "level"],
        "properties": {
            "score": { "type": "integer", "description": "発生可能性 × 影響度 / likelihood × impact" },
            "level": { "allOf": [texts()], "nullable": true },
        },
    });
    vec![
        (
            "PolicyVersionSummary",
            json!({
                "type": "object",
                "required": ["version", "state", "instrument", "effective", "change_summary", "created_at"],
                "properties": {
                    "version": { "type": "integer" },
                    "state": state_enum,
                    "instrument": nullable("string", "訓令番号 / instrument number"),
                    "effective": nullable("string", "施行日 / effective date (YYYY-MM-DD)"),
                    "change_summary": { "type": "string" },
                    "created_at": { "type": "string" },
                },
            }),
        ),
        (
            "PolicyDocument",
            json!({
                "type": "object",
                "required": ["id", "tier", "public", "title", "review_months", "last_reviewed", "review_due", "versions"],
                "properties": {
                    "id": { "type": "string" },
                    "tier": { "type": "string", "enum": ["regulation", "standards", "procedures"] },
                    "public": { "type": "boolean", "description": "実施手順は false（第10条第2項） / false for 実施手順" },
                    "title": { "type": "string" },
                    "review_months": { "type": "integer" },
                    "last_reviewed": nullable("string", "前回の見直し / last review (YYYY-MM-DD)"),
                    "review_due": nullable("string", "次回の見直し期限 / next review due (YYYY-MM-DD)"),
                    "versions": { "type": "array", "items": { "$ref": "#/components/schemas/PolicyVersionSummary" } },
                },
            }),
        ),
        ("PolicyDocumentList", list_of("PolicyDocument")),
        (
            "PolicyVersion",
            json!({
                "type": "object",
                "required": ["document", "title", "version", "state", "instrument", "effective", "change_summary", "provisions"],
                "properties": {
                    "document": { "type": "string" },
                    "title": { "type": "string" },
                    "version": { "type": "integer" },
                    "state": state_enum,
                    "instrument": nullable("string", "訓令番号"),
                    "effective": nullable("string", "施行日"),
                    "change_summary": { "type": "string" },
                    "provisions": { "type": "array", "items": {
                        "type": "object",
                        "required": ["citation", "anchor", "caption", "text"],
                        "properties": {
                            "citation": { "type": "string", "description": "例 第6条第2号イ" },
                            "anchor": { "type": "string", "description": "例 a6-p1-i2-s1" },
                            "caption": nullable("string", "見出し / caption"),
                            "text": { "type": "string" },
                        },
                    } },
                },
            }),
        ),
        (
            "Threat",
            json!({
                "type": "object",
                "required": ["id", "category", "name", "description", "citation", "affects"],
                "properties": {
                    "id": { "type": "string" },
                    "category": { "type": "string", "enum": ["intentional", "unintentional", "disaster", "pandemic", "infrastructure"], "description": "第3条第1号〜第5号" },
                    "name": texts(),
                    "description": texts(),
                    "citation": texts(),
                    "affects": { "type": "array", "items": { "type": "string", "enum": ["confidentiality", "integrity", "availability"] } },
                },
            }),
        ),
        ("ThreatList", list_of("Threat")),
        (
            "Measure",
            json!({
                "type": "object",
                "required": ["id", "citation", "group", "ordinance_category", "title", "overall", "status"],
                "properties": {
                    "id": { "type": "string" },
                    "citation": texts(),
                    "group": texts(),
                    "ordinance_category": { "type": "string", "description": "総務省令の8区分 / one of the ordinance's eight categories" },
                    "title": texts(),
                    "overall": { "$ref": "#/components/schemas/MeasureStatus" },
                    "status": { "type": "array", "items": {
                        "type": "object",
                        "required": ["scope", "status", "assessed_on", "note", "evidence"],
                        "properties": {
                            "scope": {
                                "type": "object",
                                "required": ["kind", "code"],
                                "properties": { "kind": { "type": "string", "enum": ["department", "system"] }, "code": { "type": "string" } },
                            },
                            "status": { "$ref": "#/components/schemas/MeasureStatus" },
                            "assessed_on": { "type": "string", "format": "date" },
                            "note": { "type": "string" },
                            "evidence": { "type": "array", "items": { "type": "string" }, "description": "証跡のファイル名 / evidence file names" },
                        },
                    } },
                },
            }),
        ),
        (
            "MeasureStatus",
            json!({ "type": "string", "enum": ["implemented", "partial", "not-implemented", "not-applicable"], "description": "実施済 / 一部実施 / 未実施 / 対象外" }),
        ),
        ("MeasureList", list_of("Measure")),
        (
            "Risk",
            json!({
                "type": "object",
                "required": ["target", "target_name", "threat", "matrix", "likelihood", "impact", "impact_overridden", "inherent", "residual", "treatment", "measures", "acceptance"],
                "properties": {
                    "target": { "type": "string", "description": "情報システム（SYS:コード）又は資産 / system (SYS:code) or asset" },
                    "target_name": { "type": "string" },
                    "threat": { "type": "string" },
                    "matrix": { "type": "string", "enum": ["3x3", "5x5"] },
                    "likelihood": { "type": "integer" },
                    "impact": { "type": "integer" },
                    "impact_overridden": { "type": "boolean", "description": "false なら分類から提案された影響度 / false: proposed from the classification" },
                    "inherent": level.clone(),
                    "residual": level,
                    "treatment": { "type": "string", "enum": ["reduce", "avoid", "transfer", "accept"], "nullable": true, "description": "低減・回避・移転・受容" },
                    "measures": { "type": "array", "items": { "type": "string" } },
                    "acceptance": {
                        "type": "object",
                        "nullable": true,
                        "required": ["staff", "role", "on"],
                        "properties": { "staff": { "type": "string" }, "role": { "type": "string", "enum": ["ciso", "chief-security-officer"] }, "on": { "type": "string" } },
                    },
                },
            }),
        ),
        ("RiskList", list_of("Risk")),
        (
            "Review",
            json!({
                "type": "object",
                "required": ["id", "reviewed_on", "trigger", "risks", "decision", "document", "document_version", "recorded_by", "recorded_at"],
                "properties": {
                    "id": { "type": "integer" },
                    "reviewed_on": { "type": "string", "format": "date" },
                    "trigger": { "type": "string", "enum": ["audit-result", "environment-change", "periodic", "other"], "description": "監査結果・環境の変化・定期・その他" },
                    "risks": { "type": "array", "items": { "type": "string" }, "description": "検討したリスク（対象:脅威） / risks looked at (target:threat)" },
                    "decision": { "type": "string" },
                    "document": nullable("string", "反映した文書（閲覧できない文書は null） / the document it led to; null when the caller may not read it"),
                    "document_version": nullable("integer", "反映した版 / the version it led to"),
                    "recorded_by": { "type": "string" },
                    "recorded_at": { "type": "string" },
                },
            }),
        ),
        ("ReviewList", list_of("Review")),
    ]
}
