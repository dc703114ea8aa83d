-- Personal API tokens: a signed-in person creates them on their account page; each acts as its
-- owner. Only the SHA-256 of the token is stored, so a copy of the database does not let anyone
-- call the API. Revoked tokens are kept (with revoked_at) so that the audit log's entries about
-- them keep pointing at something.
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    login TEXT NOT NULL REFERENCES users(login),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    last_used TEXT,
    revoked_at TEXT
);
CREATE INDEX api_tokens_login ON api_tokens (login);
