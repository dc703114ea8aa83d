-- 第8条 review records: what triggered the review, the risks looked at, the decision, and the
-- policy version it led to.
CREATE TABLE policy_reviews (
    id BIGINT PRIMARY KEY,
    reviewed_on TEXT NOT NULL,
    review_trigger TEXT NOT NULL,
    risks TEXT NOT NULL,
    decision TEXT NOT NULL,
    document_id TEXT REFERENCES policy_documents(id),
    document_version BIGINT,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);

-- Evidence files of a measure's implementation status (第6条), kept in the database so that a
-- backup of the database is a backup of the evidence.
CREATE TABLE measure_evidence (
    id BIGINT PRIMARY KEY,
    measure TEXT NOT NULL,
    scope_kind TEXT NOT NULL,
    scope_code TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    content BYTEA NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at TEXT NOT NULL
);
CREATE INDEX measure_evidence_by_measure ON measure_evidence (measure, scope_kind, scope_code);

-- The roles allowed to open 実施手順 (第10条第2項), as the organisation decides; no rows means
-- mamori's default (core::access::DEFAULT_PROCEDURE_READERS).
CREATE TABLE procedure_readers (
    role TEXT PRIMARY KEY
);
