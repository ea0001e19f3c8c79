-- Cordillera scoreboard, schema 3: who is signed in to the web interface.
--
-- Neither table keeps a token itself, only its SHA-256: a copy of the file
-- lets no one sign in. Tokens are 32 random bytes, so a fast hash is enough
-- (there is nothing to guess, unlike a password).

CREATE TABLE sessions (
	id           INTEGER PRIMARY KEY,
	token_hash   BLOB    NOT NULL UNIQUE CHECK (length(token_hash) = 32),
	user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at   INTEGER NOT NULL,
	last_seen_at INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- Tokens for automation (scripts, dashboards) that call the JSON API with
-- "Authorization: Bearer TOKEN". A token acts as its user, with the user's
-- role; its name says what it is for, once per user.
CREATE TABLE api_tokens (
	id           INTEGER PRIMARY KEY,
	token_hash   BLOB    NOT NULL UNIQUE CHECK (length(token_hash) = 32),
	user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name         TEXT    NOT NULL CHECK (name <> ''),
	created_at   INTEGER NOT NULL,
	last_used_at INTEGER,
	expires_at   INTEGER, -- NULL: until revoked
	UNIQUE (user_id, name)
) STRICT;

-- The language a user chose for the web interface ('' : from the browser).
ALTER TABLE users ADD COLUMN language TEXT NOT NULL DEFAULT '';
