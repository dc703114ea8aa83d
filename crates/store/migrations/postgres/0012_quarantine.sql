-- Originals kept by the 無害化 relay (第2条第13号, 第6条第2号イ) and their release workflow:
-- held → requested (by a recipient) → approved / refused (by a reviewer) → released (delivered by
-- the relay); anything past its retention becomes expired and its original is purged from the spool.
-- Timestamps are RFC 3339 in UTC with microseconds, so they compare as text.
CREATE TABLE quarantine_items (
    id BIGINT PRIMARY KEY,
    quarantine_id TEXT NOT NULL UNIQUE,
    message_id TEXT NOT NULL,
    sender TEXT NOT NULL,
    -- Envelope recipients, one per line.
    recipients TEXT NOT NULL,
    subject TEXT NOT NULL,
    reason TEXT NOT NULL,
    -- The quarantined files, one "name<TAB>size" per line.
    files TEXT NOT NULL,
    size BIGINT NOT NULL,
    -- Where the relay keeps the original message (its spool's quarantine directory).
    original_path TEXT NOT NULL,
    received_at TEXT NOT NULL,
    retain_until TEXT NOT NULL,
    state TEXT NOT NULL,
    requested_by TEXT,
    release_to TEXT,
    request_reason TEXT,
    requested_at TEXT,
    decided_by TEXT,
    decision_note TEXT,
    decided_at TEXT,
    released_at TEXT
);
CREATE INDEX quarantine_items_state ON quarantine_items (state, retain_until);
