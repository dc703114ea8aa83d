-- TOTP multi-factor authentication (RFC 6238). The secret must be readable to check codes, so it is
-- stored as is; recovery codes are single-use and only their SHA-256 is kept.
CREATE TABLE user_mfa (
    login TEXT PRIMARY KEY REFERENCES users(login),
    -- Base32 (RFC 4648, no padding), 160 bits.
    secret TEXT NOT NULL,
    -- 0 while enrolment waits for the first valid code.
    confirmed INTEGER NOT NULL,
    -- The newest 30-second step whose code was accepted: a code is never accepted twice.
    last_step INTEGER,
    created_at TEXT NOT NULL,
    confirmed_at TEXT
);

CREATE TABLE mfa_recovery_codes (
    login TEXT NOT NULL REFERENCES users(login),
    code_hash TEXT NOT NULL,
    used_at TEXT,
    PRIMARY KEY (login, code_hash)
);

-- A session whose password was right but whose second factor is still awaited.
ALTER TABLE sessions ADD COLUMN mfa_pending INTEGER NOT NULL DEFAULT 0;
