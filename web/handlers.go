package web

import (
	"html/template"
	"time"
)

// handlers are the server's handlers by audience, each holding only what
// it uses; routes registers them.
type handlers struct {
	*base
	accounts *accountPages
	public   *publicPages
	trainee  *traineePages
}

// newHandlers makes every audience's handlers from the configuration, the
// parsed templates and the channel that closes when the server does.
func newHandlers(cfg Config, pages map[string]*template.Template, closing <-chan struct{}) *handlers {
	b := &base{log: cfg.Logger, now: cfg.Now, pages: pages, secure: cfg.Secure}
	store, accounts := cfg.Store, cfg.Store.Accounts()
	plays := newHeld(cfg.Director, cfg.Plans)
	pub := &publicPages{base: b, store: store, accounts: accounts, closing: closing, heartbeat: cfg.Heartbeat,
		replies: newReplies(store.Version, cfg.Now)}
	pub.hubs = newHubs(pub)
	return &handlers{
		base: b,
		accounts: &accountPages{base: b, accounts: accounts, sessionTTL: cfg.SessionTTL,
			login: newLimiter(cfg.LoginLimit, time.Minute), submit: newLimiter(cfg.SubmitLimit, time.Minute)},
		public:  pub,
		trainee: &traineePages{base: b, held: plays, store: store},
	}
}
