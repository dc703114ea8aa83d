//! The OpenAPI 3.0 document of /api/v1, written by hand next to the handlers it describes.
//! `tests/api.rs` compares it with `tests/snapshots/openapi.json`, so every change is deliberate.

use super::{DEFAULT_PER_PAGE, MAX_PER_PAGE};
use axum::Json;
use serde_json::{Value, json};

const KINDS: [&str; 7] = [
    "network",
    "system",
    "equipment",
    "media",
    "information",
    "printed",
    "system-document",
];
const ZONES: [&str; 4] = ["mynumber", "lgwan", "internet", "external"];
const STATUSES: [&str; 2] = ["in-use", "disposed"];

pub async fn document() -> Json<Value> {
    Json(openapi())
}

fn string_param(name: &str, description: &str) -> Value {
    json!({
        "name": name,
        "in": "query",
        "required": false,
        "description": description,
        "schema": { "type": "string" },
    })
}

/// A query parameter with a fixed set of values; empty means "not given" (as from a form's
/// "any" choice), so the empty string is one of them.
fn enum_param(name: &str, values: &[&str], description: &str) -> Value {
    let mut allowed = vec![""];
    allowed.extend_from_slice(values);
    json!({
        "name": name,
        "in": "query",
        "required": false,
        "description": description,
        "schema": { "type": "string", "enum": allowed },
    })
}

fn paging_params() -> Vec<Value> {
    vec![
        json!({
            "name": "page",
            "in": "query",
            "required": false,
            "description": "ページ番号（1から）。最終ページより後は items が空。 / Page number from 1; past the last page, items is empty.",
            "schema": { "type": "integer", "minimum": 1, "default": 1 },
        }),
        json!({
            "name": "per_page",
            "in": "query",
            "required": false,
            "description": "1ページの件数。 / Rows per page.",
            "schema": { "type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE },
        }),
    ]
}

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } },
    })
}

fn ok(description: &str, schema: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } },
    })
}

/// The responses every authenticated GET can give besides its own.
fn responses(success: Value, extra: &[(&str, &str)]) -> Value {
    let mut r = json!({
        "200": success,
        "401": { "$ref": "#/components/responses/Unauthorized" },
        "503": { "$ref": "#/components/responses/Busy" },
    });
    for (status, name) in extra {
        r[*status] = json!({ "$ref": format!("#/components/responses/{name}") });
    }
    r
}

fn nullable_string(description: &str) -> Value {
    json!({ "type": "string", "nullable": true, "description": description })
}

fn schemas() -> Value {
    let page_props = |item: &str| {
        json!({
            "type": "object",
            "required": ["items", "total", "page", "per_page", "pages"],
            "properties": {
                "items": { "type": "array", "items": { "$ref": format!("#/components/schemas/{item}") } },
                "total": { "type": "integer", "minimum": 0, "description": "条件に合う件数（全ページ） / rows matching, all pages" },
                "page": { "type": "integer", "minimum": 1 },
                "per_page": { "type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE },
                "pages": { "type": "integer", "minimum": 0 },
            },
        })
    };
    let texts = json!({
        "type": "object",
        "required": ["ja", "en"],
        "properties": { "ja": { "type": "string" }, "en": { "type": "string" } },
    });
    json!({
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["code", "message"],
                    "properties": {
                        "code": {
                            "type": "string",
                            "enum": ["unauthorized", "forbidden", "not_found", "bad_request", "too_large", "method_not_allowed", "busy", "internal"],
                        },
                        "message": { "type": "string", "description": "日本語 / English; no internals" },
                    },
                },
            },
        },
        "Classification": {
            "type": "object",
            "required": ["confidentiality", "integrity", "availability"],
            "properties": {
                "confidentiality": nullable_string("機密性の区分コード（例 3A） / confidentiality level code; null when unclassified"),
                "integrity": nullable_string("完全性 / integrity level code"),
                "availability": nullable_string("可用性 / availability level code"),
            },
        },
        "AssetSummary": {
            "type": "object",
            "description": "台帳一覧の1行。restricted が true の行（機密性3で詳細を見る権限がない資産）は、name, zone, status, next_review が null。 / One row of the register list. When restricted is true (機密性3 details withheld), name, zone, status and next_review are null.",
            "required": ["id", "restricted", "kind", "department", "classification", "name", "zone", "status", "next_review"],
            "properties": {
                "id": { "type": "string", "description": "資産番号 / asset ID" },
                "restricted": { "type": "boolean" },
                "kind": { "$ref": "#/components/schemas/AssetKind" },
                "department": nullable_string("所管課コード / department code"),
                "classification": { "$ref": "#/components/schemas/Classification" },
                "name": nullable_string("名称 / name"),
                "zone": { "allOf": [{ "$ref": "#/components/schemas/Zone" }], "nullable": true },
                "status": { "allOf": [{ "$ref": "#/components/schemas/AssetStatus" }], "nullable": true },
                "next_review": { "type": "string", "format": "date", "nullable": true },
            },
        },
        "AssetPage": page_props("AssetSummary"),
        "Asset": {
            "type": "object",
            "description": "情報資産台帳の1件（すべての項目）。 / One asset with every field of the register.",
            "required": ["id", "name", "kind", "department", "manager", "location", "zone", "system", "classification", "personal_info", "my_number", "retention", "disposal_method", "status", "disposed_on", "next_review", "external_service", "external_terms", "notes"],
            "properties": {
                "id": { "type": "string" },
                "name": { "type": "string" },
                "kind": { "$ref": "#/components/schemas/AssetKind" },
                "department": nullable_string("所管課コード / department code"),
                "manager": nullable_string("管理者の職員番号 / manager's staff ID"),
                "location": { "type": "string", "description": "保管場所・設置場所 / location" },
                "zone": { "allOf": [{ "$ref": "#/components/schemas/Zone" }], "nullable": true },
                "system": nullable_string("関連する情報システムのコード / information system code"),
                "classification": { "$ref": "#/components/schemas/Classification" },
                "personal_info": { "type": "boolean" },
                "my_number": { "type": "boolean", "description": "特定個人情報 / My Number data" },
                "retention": { "type": "string", "description": "保存期間 / retention" },
                "disposal_method": { "type": "string", "description": "廃棄方法 / disposal method" },
                "status": { "$ref": "#/components/schemas/AssetStatus" },
                "disposed_on": { "type": "string", "format": "date", "nullable": true },
                "next_review": { "type": "string", "format": "date", "nullable": true },
                "external_service": { "type": "string", "description": "外部サービス / external (cloud) service" },
                "external_terms": { "type": "string", "enum": ["standard", "contract"], "nullable": true },
                "notes": { "type": "string", "description": "備考 / notes" },
            },
        },
        "AssetKind": {
            "type": "string",
            "enum": KINDS,
            "description": "第2条第3号の区分 / kind of asset by 第2条第3号",
        },
        "Zone": {
            "type": "string",
            "enum": ZONES,
            "description": "ネットワーク区分（三層分離） / network tier",
        },
        "AssetStatus": { "type": "string", "enum": STATUSES },
        "Department": {
            "type": "object",
            "required": ["code", "name", "kind", "parent"],
            "properties": {
                "code": { "type": "string" },
                "name": { "type": "string" },
                "kind": { "type": "string", "enum": ["bu", "ka", "kakari"], "description": "部・課・係" },
                "parent": nullable_string("上位の組織のコード / parent department code"),
            },
        },
        "DepartmentList": {
            "type": "object",
            "required": ["items"],
            "properties": { "items": { "type": "array", "items": { "$ref": "#/components/schemas/Department" } } },
        },
        "RoleAssignment": {
            "type": "object",
            "required": ["role", "scope"],
            "properties": {
                "role": {
                    "type": "string",
                    "enum": ["ciso", "chief-security-officer", "security-officer", "security-administrator", "system-administrator", "system-operator", "committee-member", "csirt-member", "auditor"],
                    "description": "第5条の役割 / role under 第5条",
                },
                "scope": {
                    "type": "object",
                    "required": ["kind", "code"],
                    "properties": {
                        "kind": { "type": "string", "enum": ["organisation", "department", "system"] },
                        "code": nullable_string("部・課又は情報システムのコード（組織全体なら null） / department or system code; null for the whole organisation"),
                    },
                },
            },
        },
        "StaffMember": {
            "type": "object",
            "required": ["id", "name", "department", "roles"],
            "properties": {
                "id": { "type": "string", "description": "職員番号 / staff ID" },
                "name": { "type": "string" },
                "department": { "type": "string" },
                "roles": { "type": "array", "items": { "$ref": "#/components/schemas/RoleAssignment" } },
            },
        },
        "StaffList": {
            "type": "object",
            "required": ["items"],
            "properties": { "items": { "type": "array", "items": { "$ref": "#/components/schemas/StaffMember" } } },
        },
        "Texts": texts,
        "Finding": {
            "type": "object",
            "required": ["rule", "citation", "asset_id", "asset_name", "title", "detail"],
            "properties": {
                "rule": { "type": "string", "description": "規則の識別子 / rule identifier" },
                "citation": { "$ref": "#/components/schemas/Texts" },
                "asset_id": { "type": "string" },
                "asset_name": { "type": "string" },
                "title": { "$ref": "#/components/schemas/Texts" },
                "detail": { "$ref": "#/components/schemas/Texts" },
            },
        },
        "FindingPage": page_props("Finding"),
    })
}

fn asset_filters() -> Vec<Value> {
    let mut params = vec![
        string_param(
            "q",
            "資産番号又は名称の部分一致（名称は詳細を見られる資産のみ） / substring of the ID, or of the name where the name may be seen",
        ),
        string_param(
            "dept",
            "所管課コード（配下の組織を含む）。この組織に無いコードは 400。 / department code of this organisation, including everything below it; any other code is a 400",
        ),
        enum_param(
            "zone",
            &ZONES,
            "ネットワーク区分（詳細を見られる資産のみ一致） / network tier; only assets seen in full match",
        ),
        string_param(
            "c",
            "機密性の区分コード（例 3A, 2。この組織の分類基準に無いコードは 400） / confidentiality level code of this organisation's scheme; any other is a 400",
        ),
        string_param(
            "i",
            "完全性の区分コード（同上） / integrity level code (as above)",
        ),
        string_param(
            "a",
            "可用性の区分コード（同上） / availability level code (as above)",
        ),
        enum_param("kind", &KINDS, "種別 / kind of asset"),
        enum_param(
            "status",
            &STATUSES,
            "状態（詳細を見られる資産のみ一致） / status; only assets seen in full match",
        ),
        enum_param(
            "sort",
            &["id", "name", "dept", "c", "review"],
            "並び順（既定は id） / order (default id): id, name, dept, c (機密性の高い順 / highest confidentiality first), review (見直し期限の近い順 / soonest review first)",
        ),
    ];
    params.extend(paging_params());
    params
}

pub fn openapi() -> Value {
    let mut doc = base();
    for (path, item) in super::openapi_policy::paths() {
        doc["paths"][path] = item;
    }
    for (name, schema) in super::openapi_policy::schemas() {
        doc["components"]["schemas"][name] = schema;
    }
    doc
}

fn base() -> Value {
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "mamori API",
            "version": "1",
            "description": "情報資産台帳・組織・規程に照らした指摘を読み取る API です。個人の API トークン（アカウント画面で作成）を Authorization: Bearer で送ります。トークンは作成した人と同じ権限（第5条の役割と情報資産の分類に基づく）で動作します。機密性3の資産の詳細を取得すると監査ログに記録されます。 / Read the asset register, the organisation and the compliance findings. Send a personal API token (made on the account page) as Authorization: Bearer; it acts with its owner's permissions. Fetching the details of a 機密性3 asset is written to the audit log.",
        },
        "servers": [{ "url": "/api/v1" }],
        "security": [{ "bearer": [] }],
        "paths": {
            "/assets": {
                "get": {
                    "operationId": "listAssets",
                    "summary": "情報資産台帳の一覧 / the asset register, filtered, sorted and paged",
                    "parameters": asset_filters(),
                    "responses": responses(ok("一覧 / the page of rows", "AssetPage"), &[("400", "BadRequest")]),
                },
            },
            "/assets/{id}": {
                "get": {
                    "operationId": "getAsset",
                    "summary": "情報資産1件の詳細（機密性3は監査ログに記録） / one asset in full (views of 機密性3 assets are audited)",
                    "parameters": [{
                        "name": "id",
                        "in": "path",
                        "required": true,
                        "description": "資産番号 / asset ID",
                        "schema": { "type": "string" },
                    }],
                    "responses": responses(
                        ok("資産 / the asset", "Asset"),
                        &[("403", "Restricted"), ("404", "NotFound")],
                    ),
                },
            },
            "/departments": {
                "get": {
                    "operationId": "listDepartments",
                    "summary": "組織（部・課・係） / departments",
                    "responses": responses(ok("組織 / departments", "DepartmentList"), &[("403", "Forbidden")]),
                },
            },
            "/staff": {
                "get": {
                    "operationId": "listStaff",
                    "summary": "在職中の職員と第5条の役割 / active staff and their 第5条 roles",
                    "responses": responses(ok("職員 / staff", "StaffList"), &[("403", "Forbidden")]),
                },
            },
            "/findings": {
                "get": {
                    "operationId": "listFindings",
                    "summary": "規程に照らした指摘（詳細を見られる資産のみ） / compliance findings on assets the caller may see in full",
                    "parameters": paging_params(),
                    "responses": responses(
                        ok("指摘 / findings", "FindingPage"),
                        &[("400", "BadRequest"), ("403", "Forbidden")],
                    ),
                },
            },
            "/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "この文書 / this document",
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "OpenAPI 3.0",
                            "content": { "application/json": { "schema": { "type": "object" } } },
                        },
                    },
                },
            },
        },
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "個人の API トークン（mamori_ で始まる） / a personal API token (starts with mamori_)",
                },
            },
            "responses": {
                "Unauthorized": error_response("トークンが無い・無効・取り消し済み、又は所有者が無効 / missing, unknown or revoked token, or its owner is disabled"),
                "Forbidden": error_response("権限がない / not permitted"),
                "Restricted": error_response("存在は見えるが詳細を見る権限がない（機密性3） / the asset exists for the caller but its details are withheld (機密性3)"),
                "NotFound": error_response("存在しない、又は見る権限がない（区別しない） / unknown or hidden (deliberately the same)"),
                "BadRequest": error_response("パラメータが正しくない / malformed parameter"),
                "Busy": error_response("データベースが混み合っている / the database is busy; retry"),
            },
            "schemas": schemas(),
        },
    })
}
