-- 第3条's threat catalogue (seeded from mamori's built-in list, editable) and 第8条's risk register:
-- one risk per target (an information system or asset group, or one asset) and threat.
CREATE TABLE threats (
    id TEXT PRIMARY KEY,
    category TEXT NOT NULL,
    name_ja TEXT NOT NULL,
    name_en TEXT NOT NULL,
    description_ja TEXT NOT NULL,
    description_en TEXT NOT NULL,
    affects TEXT NOT NULL
);

CREATE TABLE risks (
    target TEXT NOT NULL,
    target_name TEXT NOT NULL,
    threat TEXT NOT NULL REFERENCES threats(id),
    matrix TEXT NOT NULL,
    likelihood BIGINT NOT NULL,
    impact BIGINT NOT NULL,
    impact_overridden BOOLEAN NOT NULL,
    treatment TEXT,
    measures TEXT NOT NULL,
    residual_likelihood BIGINT,
    residual_impact BIGINT,
    accepted_by TEXT,
    accepted_role TEXT,
    accepted_on TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (target, threat)
);
