package scoreboard

// Accounts holds who may sign in and where they play: users, their teams
// and moves between teams, browser sessions and API tokens. It lives in the
// same database file as the ledger, so that a user's team and the team's
// score never disagree, but it is kept apart from the Store's scoring: none
// of its writes is an outcome, and nothing here is scored.
type Accounts struct {
	store *Store
}

// Accounts returns the store's accounts.
func (s *Store) Accounts() *Accounts { return s.accounts }
