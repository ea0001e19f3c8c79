package scoreboard

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// APITokenPrefix starts every API token, so that one pasted in the wrong
// place (a log, a chat) is recognized for what it is.
const APITokenPrefix = "cdt_"

// Session is one signed-in browser. The store keeps only its token's
// SHA-256; the token itself lives in the browser's cookie.
type Session struct {
	User      string
	CreatedAt time.Time
	LastSeen  time.Time
	ExpiresAt time.Time
}

// APIToken describes a token for automation, never the token itself.
type APIToken struct {
	User      string
	Name      string
	CreatedAt time.Time
	LastUsed  time.Time // zero when never used
	ExpiresAt time.Time // zero: until revoked
}

// newToken returns 32 random bytes, URL-safe, and their hash.
func newToken(prefix string) (string, []byte, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("token: %w", err)
	}
	token := prefix + base64.RawURLEncoding.EncodeToString(b)
	return token, hashToken(token), nil
}

func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

func (a *Accounts) userID(ctx context.Context, q sqlx.QueryerContext, name string) (int64, error) {
	var id int64
	err := sqlx.GetContext(ctx, q, &id, "SELECT id FROM users WHERE name = ?", name)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("user %q: %w", name, ErrNotFound)
	}
	return id, err
}

// CreateSession signs a user in until expires and returns the session's
// token, the one time it is known.
func (a *Accounts) CreateSession(ctx context.Context, user string, now, expires time.Time) (string, error) {
	if !expires.After(now) {
		return "", fmt.Errorf("session of %q: it must expire after it starts: %w", user, ErrInvalid)
	}
	token, hash, err := newToken("")
	if err != nil {
		return "", err
	}
	err = a.store.tx(ctx, func(tx *sqlx.Tx) error {
		id, err := a.userID(ctx, tx, user)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at)
			VALUES (?, ?, ?, ?, ?)`, hash, id, ms(now), ms(now), ms(expires))
		return err
	})
	if err != nil {
		return "", fmt.Errorf("session of %q: %w", user, err)
	}
	return token, nil
}

// SessionUser returns the session a token opens and its user, as they are
// now (a trainee who joined a team since signing in has it). An unknown or
// expired token is ErrNotFound.
func (a *Accounts) SessionUser(ctx context.Context, token string, now time.Time) (Session, User, error) {
	var r struct {
		UserID    int64 `db:"user_id"`
		CreatedAt int64 `db:"created_at"`
		LastSeen  int64 `db:"last_seen_at"`
		ExpiresAt int64 `db:"expires_at"`
	}
	err := a.store.db.GetContext(ctx, &r, `SELECT user_id, created_at, last_seen_at, expires_at FROM sessions
		WHERE token_hash = ? AND expires_at > ?`, hashToken(token), ms(now))
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, User{}, fmt.Errorf("session: %w", ErrNotFound)
	}
	if err != nil {
		return Session{}, User{}, fmt.Errorf("session: %w", err)
	}
	u, _, err := a.userWhere(ctx, "u.id = ?", r.UserID)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, User{}, fmt.Errorf("session: %w", ErrNotFound)
	}
	if err != nil {
		return Session{}, User{}, fmt.Errorf("session: %w", err)
	}
	return Session{User: u.Name, CreatedAt: fromMS(r.CreatedAt), LastSeen: fromMS(r.LastSeen), ExpiresAt: fromMS(r.ExpiresAt)}, u, nil
}

// TouchSession records that a session was used at now and moves its expiry
// to expires (a sliding expiry is the caller's choice).
func (a *Accounts) TouchSession(ctx context.Context, token string, now, expires time.Time) error {
	_, err := a.store.db.ExecContext(ctx, "UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE token_hash = ? AND expires_at > ?",
		ms(now), ms(expires), hashToken(token), ms(now))
	if err != nil {
		return fmt.Errorf("session: %w", err)
	}
	return nil
}

// DeleteSession signs a session out. An unknown token is not an error:
// signing out twice leaves the same state.
func (a *Accounts) DeleteSession(ctx context.Context, token string) error {
	if _, err := a.store.db.ExecContext(ctx, "DELETE FROM sessions WHERE token_hash = ?", hashToken(token)); err != nil {
		return fmt.Errorf("session: %w", err)
	}
	return nil
}

// DeleteUserSessions signs a user out everywhere, as a changed password
// must.
func (a *Accounts) DeleteUserSessions(ctx context.Context, user string) error {
	if _, err := a.store.db.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE name = ?)", user); err != nil {
		return fmt.Errorf("sessions of %q: %w", user, err)
	}
	return nil
}

// DeleteExpiredSessions forgets the sessions expired at now and says how
// many there were.
func (a *Accounts) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	res, err := a.store.db.ExecContext(ctx, "DELETE FROM sessions WHERE expires_at <= ?", ms(now))
	if err != nil {
		return 0, fmt.Errorf("expired sessions: %w", err)
	}
	return res.RowsAffected()
}

// CreateAPIToken makes a token that acts as user, named for what it is for,
// valid until expires (zero: until revoked). It returns the token, the one
// time it is known. A second token of the same name is ErrDuplicate.
func (a *Accounts) CreateAPIToken(ctx context.Context, user, name string, now, expires time.Time) (string, error) {
	if err := required("token name", name); err != nil {
		return "", err
	}
	token, hash, err := newToken(APITokenPrefix)
	if err != nil {
		return "", err
	}
	err = a.store.tx(ctx, func(tx *sqlx.Tx) error {
		id, err := a.userID(ctx, tx, user)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO api_tokens (token_hash, user_id, name, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id, name) DO NOTHING`, hash, id, name, ms(now), nullMS(expires))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrDuplicate
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("API token %q of %q: %w", name, user, err)
	}
	return token, nil
}

// APITokenUser returns the user a token acts as, and notes its use. An
// unknown, revoked or expired token is ErrNotFound.
func (a *Accounts) APITokenUser(ctx context.Context, token string, now time.Time) (User, error) {
	var id int64
	err := a.store.db.GetContext(ctx, &id, `UPDATE api_tokens SET last_used_at = ?
		WHERE token_hash = ? AND (expires_at IS NULL OR expires_at > ?) RETURNING user_id`, ms(now), hashToken(token), ms(now))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, fmt.Errorf("API token: %w", ErrNotFound)
	}
	if err != nil {
		return User{}, fmt.Errorf("API token: %w", err)
	}
	u, _, err := a.userWhere(ctx, "u.id = ?", id)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, fmt.Errorf("API token: %w", ErrNotFound)
	}
	return u, err
}

// APITokens lists a user's tokens, by name.
func (a *Accounts) APITokens(ctx context.Context, user string) ([]APIToken, error) {
	var rows []struct {
		Name      string        `db:"name"`
		CreatedAt int64         `db:"created_at"`
		LastUsed  sql.NullInt64 `db:"last_used_at"`
		ExpiresAt sql.NullInt64 `db:"expires_at"`
	}
	err := a.store.db.SelectContext(ctx, &rows, `SELECT a.name, a.created_at, a.last_used_at, a.expires_at
		FROM api_tokens a JOIN users u ON u.id = a.user_id WHERE u.name = ? ORDER BY a.name`, user)
	if err != nil {
		return nil, fmt.Errorf("API tokens of %q: %w", user, err)
	}
	out := make([]APIToken, len(rows))
	for i, r := range rows {
		out[i] = APIToken{User: user, Name: r.Name, CreatedAt: fromMS(r.CreatedAt), LastUsed: fromNullMS(r.LastUsed), ExpiresAt: fromNullMS(r.ExpiresAt)}
	}
	return out, nil
}

// RevokeAPIToken deletes a user's token by name; ErrNotFound when there is
// none.
func (a *Accounts) RevokeAPIToken(ctx context.Context, user, name string) error {
	res, err := a.store.db.ExecContext(ctx, "DELETE FROM api_tokens WHERE name = ? AND user_id = (SELECT id FROM users WHERE name = ?)", name, user)
	if err != nil {
		return fmt.Errorf("API token %q of %q: %w", name, user, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("API token %q of %q: %w", name, user, ErrNotFound)
	}
	return nil
}

// SetUserLanguage keeps the language a user chose; empty follows the
// browser again.
func (a *Accounts) SetUserLanguage(ctx context.Context, user, lang string) error {
	return a.setUser(ctx, user, "language", lang)
}

// SetUserPassword replaces a user's password hash and signs the user out
// everywhere, in one transaction.
func (a *Accounts) SetUserPassword(ctx context.Context, user, hash string) error {
	if err := required("password hash", hash); err != nil {
		return err
	}
	return a.store.tx(ctx, func(tx *sqlx.Tx) error {
		id, err := a.userID(ctx, tx, user)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE users SET password_hash = ? WHERE id = ?", hash, id); err != nil {
			return fmt.Errorf("user %q: %w", user, err)
		}
		_, err = tx.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = ?", id)
		return err
	})
}

// setUser sets one column of a user; column is a constant of ours.
func (a *Accounts) setUser(ctx context.Context, user, column string, value any) error {
	res, err := a.store.db.ExecContext(ctx, "UPDATE users SET "+column+" = ? WHERE name = ?", value, user)
	if err != nil {
		return fmt.Errorf("user %q: %w", user, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("user %q: %w", user, ErrNotFound)
	}
	return nil
}
