-- Results of the three-tier verifier kept as dated evidence for audits (第6条第2号, 第7条).
CREATE TABLE network_evidence (
    id INTEGER PRIMARY KEY,
    checked_at TEXT NOT NULL,
    actor TEXT NOT NULL,
    inventory_name TEXT NOT NULL,
    verdict TEXT NOT NULL,
    report_ja TEXT NOT NULL,
    report_en TEXT NOT NULL,
    report_json TEXT NOT NULL
);
