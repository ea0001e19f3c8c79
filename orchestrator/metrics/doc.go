// Package metrics serves Cordillera's metrics at /metrics in Prometheus's
// text format, with the official Go client, on a registry of its own (never
// the global one), behind a bearer token. docs/metrics.md lists every
// metric for operators.
//
// # What is measured, and where it comes from
//
// What the scoreboard's store holds is read from it at scrape time, by a
// collector over a Source: it survives restarts and needs no call from
// anyone.
//
//	cordillera_rounds_total{exercise}                  counter  team rounds recorded
//	cordillera_checks_total{exercise,result}           counter  checks recorded; result up|down
//	cordillera_check_failures_total{exercise,cause}    counter  failed checks; cause one of Causes
//	cordillera_attack_runs_total{exercise,outcome}     counter  attack runs with an outcome; one of Outcomes
//	cordillera_exercise_state{exercise,state}          gauge    1 for the current state, 0 for the other States
//	cordillera_store_up                                gauge    1 when this scrape could read the store
//
// What only the running process knows is counted by instruments that the
// engine, the director and the web server call. They start from zero when
// the process starts, which Prometheus's rate() and increase() handle.
//
//	cordillera_late_rounds_total{exercise}             counter  RoundLate
//	cordillera_engine_errors_total{exercise,kind}      counter  EngineError; kind one of Kinds
//	cordillera_deploy_duration_seconds{exercise,result} histogram DeployDone; result ok|failed, DeployBuckets 1 s to 30 min
//	cordillera_live_viewers                            gauge    the func given to SetViewers (or Options.Viewers)
//
// Go's runtime (go_*) and the process's (process_*) collectors are
// registered as well. Checks per second is rate(cordillera_checks_total[1m]).
//
// # Label values
//
// Every label value is from a fixed set (results, causes, outcomes, states,
// kinds) or is an exercise's name. A name that does not look like one
// (^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$; the director's names all do) is
// LabelOther, and the in-process instruments take at most a thousand
// exercises, the rest as LabelOther too: no free text reaches a label. An
// EngineError kind outside Kinds counts as KindOther, so the engine must
// pass a constant, never an error's text.
//
// Causes are read back from a failed check's detail, the sentence the
// scorebot's agent (orchestrator/agent/probe) wrote, by its fixed wording:
// see Cause. Details that quote a team's service are matched by their
// prefix only, so what a service prints cannot choose its cause.
//
// # The store's counts
//
// SQLite, the Source for the scoreboard, opens the store's database file a
// second time, read-only (mode=ro, query_only), and reads the counts with a
// handful of grouped queries in one read transaction: the store's methods
// would load every check and every attack's output to count them. Tests
// run it against a real store, so a change to the schema that breaks a
// query fails them. Any other Source (SourceFunc) will do for other stores.
//
// # The token
//
// The handler answers only a request with "Authorization: Bearer TOKEN",
// TOKEN compared in constant time (of its SHA-256, so its length does not
// show either): 401 otherwise. With no token set, or one shorter than
// MinTokenLength, it refuses every request with 403 and a sentence saying
// how to set one: metrics are off until an operator sets a token. The
// serve command reads it from $CORDILLERA_METRICS_TOKEN (TokenEnv,
// TokenFromEnv), not from a flag, so that it does not show in ps.
//
// # Wiring
//
// The serve command makes one Metrics, shares it, and mounts its handler:
//
//	src, err := metrics.OpenSQLite(ctx, dbPath) // the --db file, after scoreboard.Open created it
//	if err != nil { ... }
//	defer src.Close()
//	m := metrics.New(metrics.Options{Token: metrics.TokenFromEnv(), Source: src})
//	e.GET("/metrics", echo.WrapHandler(m.Handler()))  // outside the session middleware
//	m.SetViewers(hub.Count)                            // the web server's live connections
//
// and hands m to the engine and the director, which call
//
//	m.RoundLate(exercise)                       // a round started after it was due
//	m.EngineError(exercise, metrics.KindRecordRound)
//	m.DeployDone(exercise, time.Since(began), err == nil)
//
// A nil *Metrics does nothing, so those calls need no check for metrics
// being off.
package metrics
