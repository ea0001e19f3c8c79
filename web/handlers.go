package web

import (
	"context"
	"html/template"
	"io"
	"time"

	"github.com/cordillera-range/cordillera/scoreboard"
)

// handlers are the server's handlers by audience, each holding only what
// it uses; routes registers them.
type handlers struct {
	*base
	accounts  *accountPages
	public    *publicPages
	trainee   *traineePages
	manager   *managerPages
	instruct  *instructorPages
	terminals *terminals
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
	ins := &instructorPages{base: b, held: plays, store: store, accounts: accounts}
	if cfg.Director != nil { // a nil *Director in the interface would not be nil
		ins.director = cfg.Director
	}
	return &handlers{
		base: b,
		accounts: &accountPages{base: b, accounts: accounts, sessionTTL: cfg.SessionTTL,
			login: newLimiter(cfg.LoginLimit, time.Minute), submit: newLimiter(cfg.SubmitLimit, time.Minute)},
		public:    pub,
		trainee:   &traineePages{base: b, held: plays, store: store},
		instruct:  ins,
		terminals: newTerminals(b, plays, cfg.Director, accounts, closing, cfg.AssetsDirs),
		manager: &managerPages{base: b, store: store, chartDir: cfg.AssetsDirs.Chart,
			exportFile: func(ctx context.Context, exercise, what, format string, w io.Writer) error {
				return scoreboard.Export(ctx, store, exercise, what, format, w)
			}},
	}
}
