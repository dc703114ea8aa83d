-- Sign-in accounts for the web application. An account belongs to one member of staff, whose
-- 第5条 appointments (role_assignments) are the account's permissions: no separate role table.
CREATE TABLE users (
    login TEXT PRIMARY KEY,
    staff TEXT NOT NULL UNIQUE REFERENCES staff(id),
    -- argon2id in PHC string form; never the password.
    password_hash TEXT NOT NULL,
    disabled BOOLEAN NOT NULL,
    failed_logins BIGINT NOT NULL,
    -- RFC 3339 UTC; sign-in is refused until then.
    locked_until TEXT,
    lang TEXT NOT NULL,
    created_at TEXT NOT NULL,
    password_changed_at TEXT NOT NULL
);

-- Signed-in browsers. Only the SHA-256 of the cookie's token is stored, so a copy of the database
-- does not let anyone sign in.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    login TEXT NOT NULL REFERENCES users(login),
    created_at TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    csrf_secret TEXT NOT NULL
);
CREATE INDEX sessions_login ON sessions (login);
