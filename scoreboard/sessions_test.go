package scoreboard

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cordillera-range/cordillera/scenarios"
)

func TestSessions(t *testing.T) {
	ctx := context.Background()
	s := newExercise(t, scenarios.DefaultScoring())
	if err := s.Accounts().CreateUser(ctx, User{Name: "ana", Role: RoleTrainee, PasswordHash: "x", Exercise: "ex", Team: "cl1"}); err != nil {
		t.Fatal(err)
	}
	token, err := s.Accounts().CreateSession(ctx, "ana", t0, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(token) < 43 {
		t.Errorf("token %q is shorter than 32 bytes in base64", token)
	}
	var stored int
	if err := s.db.Get(&stored, "SELECT count(*) FROM sessions WHERE token_hash = ? OR CAST(token_hash AS TEXT) = ?", []byte(token), token); err != nil || stored != 0 {
		t.Errorf("the token itself is stored (%d rows, %v); only its hash may be", stored, err)
	}

	sess, u, err := s.Accounts().SessionUser(ctx, token, t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if u.Name != "ana" || u.Team != "cl1" || u.Exercise != "ex" || sess.User != "ana" || !sess.ExpiresAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("session = %+v, user = %+v", sess, u)
	}
	if _, _, err := s.Accounts().SessionUser(ctx, token+"x", t0); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown token: err = %v, want ErrNotFound", err)
	}
	if _, _, err := s.Accounts().SessionUser(ctx, token, t0.Add(time.Hour)); !errors.Is(err, ErrNotFound) {
		t.Errorf("expired session: err = %v, want ErrNotFound", err)
	}

	if err := s.Accounts().TouchSession(ctx, token, t0.Add(30*time.Minute), t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	sess, _, err = s.Accounts().SessionUser(ctx, token, t0.Add(90*time.Minute))
	if err != nil {
		t.Fatalf("touched session: %v", err)
	}
	if !sess.LastSeen.Equal(t0.Add(30 * time.Minute)) {
		t.Errorf("last seen = %v, want %v", sess.LastSeen, t0.Add(30*time.Minute))
	}

	// A joined team shows at once in the session's user.
	if err := s.Accounts().SetUserTeam(ctx, "ana", "ex", "co1"); err != nil {
		t.Fatal(err)
	}
	if _, u, _ := s.Accounts().SessionUser(ctx, token, t0); u.Team != "co1" {
		t.Errorf("after joining co1, the session's team is %q", u.Team)
	}

	if err := s.Accounts().DeleteSession(ctx, token); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Accounts().SessionUser(ctx, token, t0); !errors.Is(err, ErrNotFound) {
		t.Errorf("after sign-out: err = %v, want ErrNotFound", err)
	}
	if err := s.Accounts().DeleteSession(ctx, token); err != nil {
		t.Errorf("signing out twice: %v", err)
	}
	if _, err := s.Accounts().CreateSession(ctx, "nobody", t0, t0.Add(time.Hour)); !errors.Is(err, ErrNotFound) {
		t.Errorf("session of an unknown user: err = %v, want ErrNotFound", err)
	}
	if _, err := s.Accounts().CreateSession(ctx, "ana", t0, t0); !errors.Is(err, ErrInvalid) {
		t.Errorf("session expiring at once: err = %v, want ErrInvalid", err)
	}
}

func TestExpiredSessionsAndPasswordChange(t *testing.T) {
	ctx := context.Background()
	s := newExercise(t, scenarios.DefaultScoring())
	if err := s.Accounts().CreateUser(ctx, User{Name: "mara", Role: RoleManager, PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}
	short, _ := s.Accounts().CreateSession(ctx, "mara", t0, t0.Add(time.Minute))
	long, _ := s.Accounts().CreateSession(ctx, "mara", t0, t0.Add(time.Hour))
	if n, err := s.Accounts().DeleteExpiredSessions(ctx, t0.Add(2*time.Minute)); err != nil || n != 1 {
		t.Errorf("DeleteExpiredSessions = %d, %v; want 1", n, err)
	}
	if _, _, err := s.Accounts().SessionUser(ctx, short, t0); !errors.Is(err, ErrNotFound) {
		t.Errorf("expired and deleted session: err = %v", err)
	}
	if _, _, err := s.Accounts().SessionUser(ctx, long, t0); err != nil {
		t.Errorf("live session: %v", err)
	}
	if err := s.Accounts().SetUserPassword(ctx, "mara", "y"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Accounts().SessionUser(ctx, long, t0); !errors.Is(err, ErrNotFound) {
		t.Errorf("a changed password must end every session: err = %v", err)
	}
	if u, _ := s.Accounts().UserByName(ctx, "mara"); u.PasswordHash != "y" {
		t.Errorf("password hash = %q, want y", u.PasswordHash)
	}
	if err := s.Accounts().SetUserLanguage(ctx, "mara", "es"); err != nil {
		t.Fatal(err)
	}
	if u, _ := s.Accounts().UserByName(ctx, "mara"); u.Language != "es" {
		t.Errorf("language = %q, want es", u.Language)
	}
	if err := s.Accounts().SetUserLanguage(ctx, "nobody", "es"); !errors.Is(err, ErrNotFound) {
		t.Errorf("language of an unknown user: err = %v", err)
	}
}

func TestAPITokens(t *testing.T) {
	ctx := context.Background()
	s := newExercise(t, scenarios.DefaultScoring())
	if err := s.Accounts().CreateUser(ctx, User{Name: "ines", Role: RoleInstructor, PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}
	token, err := s.Accounts().CreateAPIToken(ctx, "ines", "dashboard", t0, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(token, APITokenPrefix) {
		t.Errorf("token %q does not start with %q", token, APITokenPrefix)
	}
	if _, err := s.Accounts().CreateAPIToken(ctx, "ines", "dashboard", t0, time.Time{}); !errors.Is(err, ErrDuplicate) {
		t.Errorf("second token of the same name: err = %v, want ErrDuplicate", err)
	}
	u, err := s.Accounts().APITokenUser(ctx, token, t0.Add(time.Minute))
	if err != nil || u.Name != "ines" || u.Role != RoleInstructor {
		t.Fatalf("APITokenUser = %+v, %v", u, err)
	}
	list, err := s.Accounts().APITokens(ctx, "ines")
	if err != nil || len(list) != 1 || list[0].Name != "dashboard" || !list[0].LastUsed.Equal(t0.Add(time.Minute)) {
		t.Errorf("APITokens = %+v, %v", list, err)
	}
	if _, err := s.Accounts().APITokenUser(ctx, "cdt_guess", t0); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown token: err = %v", err)
	}

	expiring, err := s.Accounts().CreateAPIToken(ctx, "ines", "ci", t0, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Accounts().APITokenUser(ctx, expiring, t0.Add(2*time.Hour)); !errors.Is(err, ErrNotFound) {
		t.Errorf("expired token: err = %v, want ErrNotFound", err)
	}

	if err := s.Accounts().RevokeAPIToken(ctx, "ines", "dashboard"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Accounts().APITokenUser(ctx, token, t0); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoked token: err = %v, want ErrNotFound", err)
	}
	if err := s.Accounts().RevokeAPIToken(ctx, "ines", "dashboard"); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoking twice: err = %v, want ErrNotFound", err)
	}
}
