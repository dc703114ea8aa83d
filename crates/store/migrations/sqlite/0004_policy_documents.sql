-- The policy documents of 第9条・第10条 and their versions (draft → under review → approved →
-- in force → superseded). Each version keeps its source text and its provision tree.
CREATE TABLE policy_documents (
    id TEXT PRIMARY KEY,
    tier TEXT NOT NULL,
    title TEXT NOT NULL,
    review_months INTEGER NOT NULL,
    last_reviewed TEXT
);

CREATE TABLE policy_versions (
    document_id TEXT NOT NULL REFERENCES policy_documents(id),
    version INTEGER NOT NULL,
    state TEXT NOT NULL,
    instrument TEXT,
    effective TEXT,
    change_summary TEXT NOT NULL,
    tree_json TEXT NOT NULL,
    source_text TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (document_id, version)
);
