-- The organisation (one row): its name, classification scheme (as edited) and model variant.
CREATE TABLE organisation (
    id SMALLINT PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL,
    scheme_id TEXT NOT NULL,
    scheme_json TEXT NOT NULL,
    model_variant TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE departments (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent TEXT REFERENCES departments(code)
);

CREATE TABLE staff (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    department TEXT NOT NULL REFERENCES departments(code),
    email TEXT,
    active BOOLEAN NOT NULL
);

CREATE TABLE information_systems (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    zone TEXT NOT NULL,
    department TEXT NOT NULL REFERENCES departments(code)
);

CREATE TABLE role_assignments (
    staff TEXT NOT NULL REFERENCES staff(id),
    role TEXT NOT NULL,
    scope_kind TEXT NOT NULL,
    scope_code TEXT NOT NULL,
    PRIMARY KEY (staff, role, scope_kind, scope_code)
);

CREATE TABLE assets (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    department TEXT REFERENCES departments(code),
    manager TEXT REFERENCES staff(id),
    location TEXT NOT NULL,
    zone TEXT,
    system TEXT REFERENCES information_systems(code),
    confidentiality TEXT,
    integrity TEXT,
    availability TEXT,
    -- Ranks in the organisation's scheme (0 = lowest), kept beside the codes so that
    -- "機密性2以上" is an indexed range query.
    confidentiality_rank BIGINT,
    integrity_rank BIGINT,
    availability_rank BIGINT,
    personal_info BOOLEAN NOT NULL,
    my_number BOOLEAN NOT NULL,
    retention TEXT NOT NULL,
    disposal_method TEXT NOT NULL,
    status TEXT NOT NULL,
    disposed_on TEXT,
    next_review TEXT,
    external_service TEXT NOT NULL,
    external_terms TEXT,
    notes TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX assets_zone_conf ON assets (zone, confidentiality_rank);
CREATE INDEX assets_conf ON assets (confidentiality_rank);
CREATE INDEX assets_department ON assets (department);

-- Append-only audit log; each entry's hash covers the previous entry's hash.
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);

-- The chain head, written in the same transaction as every append: a truncated tail shows.
CREATE TABLE audit_head (
    id SMALLINT PRIMARY KEY CHECK (id = 1),
    last_seq BIGINT NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO audit_head (id, last_seq, last_hash) VALUES (1, 0, '');

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
