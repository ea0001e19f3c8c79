-- Cordillera scoreboard, schema 1.
--
-- Times (at, *_at) are Unix milliseconds, UTC. Elapsed times are milliseconds
-- of the exercise clock. Every outcome table has the unique key that makes
-- recording it idempotent.

CREATE TABLE exercises (
	id         INTEGER PRIMARY KEY,
	name       TEXT    NOT NULL UNIQUE,
	title      TEXT    NOT NULL,
	scenario   TEXT    NOT NULL,
	scoring    TEXT    NOT NULL, -- JSON of the scenario's scoring block
	created_at INTEGER NOT NULL,
	started_at INTEGER,
	ended_at   INTEGER,
	frozen_at  INTEGER
) STRICT;

CREATE TABLE teams (
	id          INTEGER PRIMARY KEY,
	exercise_id INTEGER NOT NULL REFERENCES exercises (id),
	key         TEXT    NOT NULL,
	name        TEXT    NOT NULL,
	country     TEXT    NOT NULL CHECK (country GLOB '[A-Z][A-Z]'),
	join_code   TEXT    NOT NULL UNIQUE,
	UNIQUE (exercise_id, key)
) STRICT;

CREATE TABLE users (
	id            INTEGER PRIMARY KEY,
	name          TEXT    NOT NULL UNIQUE,
	display_name  TEXT    NOT NULL,
	role          TEXT    NOT NULL CHECK (role IN ('instructor', 'manager', 'trainee')),
	password_hash TEXT    NOT NULL,
	team_id       INTEGER REFERENCES teams (id),
	created_at    INTEGER NOT NULL,
	CHECK (role = 'trainee' OR team_id IS NULL)
) STRICT;

CREATE TABLE check_results (
	id          INTEGER PRIMARY KEY,
	exercise_id INTEGER NOT NULL REFERENCES exercises (id),
	team_id     INTEGER NOT NULL REFERENCES teams (id),
	host        TEXT    NOT NULL,
	service     TEXT    NOT NULL,
	round       INTEGER NOT NULL,
	up          INTEGER NOT NULL CHECK (up IN (0, 1)),
	detail      TEXT    NOT NULL,
	at          INTEGER NOT NULL,
	elapsed     INTEGER NOT NULL,
	UNIQUE (exercise_id, team_id, host, service, round)
) STRICT;

CREATE TABLE attack_runs (
	id              INTEGER PRIMARY KEY,
	exercise_id     INTEGER NOT NULL REFERENCES exercises (id),
	team_id         INTEGER NOT NULL REFERENCES teams (id),
	run             TEXT    NOT NULL, -- the run's correlation id
	attack          TEXT    NOT NULL,
	techniques      TEXT    NOT NULL, -- comma-separated ATT&CK IDs
	target          TEXT    NOT NULL,
	verdict         TEXT    NOT NULL CHECK (verdict IN ('succeeded', 'blocked', 'not_applicable')),
	evidence        TEXT    NOT NULL,
	started_at      INTEGER NOT NULL,
	started_elapsed INTEGER NOT NULL,
	at              INTEGER NOT NULL, -- the verdict
	elapsed         INTEGER NOT NULL,
	UNIQUE (exercise_id, run)
) STRICT;
CREATE INDEX attack_runs_target ON attack_runs (exercise_id, team_id, target, started_elapsed);

CREATE TABLE incident_reports (
	id          INTEGER PRIMARY KEY,
	exercise_id INTEGER NOT NULL REFERENCES exercises (id),
	team_id     INTEGER NOT NULL REFERENCES teams (id),
	target      TEXT    NOT NULL,
	techniques  TEXT    NOT NULL,
	source      TEXT    NOT NULL,
	summary     TEXT    NOT NULL,
	at          INTEGER NOT NULL,
	elapsed     INTEGER NOT NULL,
	UNIQUE (exercise_id, team_id, at)
) STRICT;
CREATE INDEX incident_reports_target ON incident_reports (exercise_id, team_id, target, elapsed);

-- A report detects at most one run and a run is detected at most once.
CREATE TABLE detections (
	report_id INTEGER PRIMARY KEY REFERENCES incident_reports (id),
	run_id    INTEGER NOT NULL UNIQUE REFERENCES attack_runs (id)
) STRICT;

CREATE TABLE shared_indicators (
	id          INTEGER PRIMARY KEY,
	exercise_id INTEGER NOT NULL REFERENCES exercises (id),
	team_id     INTEGER NOT NULL REFERENCES teams (id),
	kind        TEXT    NOT NULL,
	value       TEXT    NOT NULL,
	attack      TEXT    NOT NULL,
	techniques  TEXT    NOT NULL,
	description TEXT    NOT NULL,
	at          INTEGER NOT NULL,
	elapsed     INTEGER NOT NULL,
	UNIQUE (exercise_id, team_id, kind, value)
) STRICT;

-- A sharing team is credited once per partner's run, however many of its
-- indicators helped.
CREATE TABLE cooperation_credits (
	run_id       INTEGER NOT NULL REFERENCES attack_runs (id),
	team_id      INTEGER NOT NULL REFERENCES teams (id),
	indicator_id INTEGER NOT NULL REFERENCES shared_indicators (id),
	PRIMARY KEY (run_id, team_id)
) STRICT;

CREATE TABLE inject_deliveries (
	id          INTEGER PRIMARY KEY,
	exercise_id INTEGER NOT NULL REFERENCES exercises (id),
	team_id     INTEGER NOT NULL REFERENCES teams (id),
	inject      TEXT    NOT NULL,
	subject     TEXT    NOT NULL,
	expects     INTEGER NOT NULL CHECK (expects IN (0, 1)), -- an answer
	points      INTEGER NOT NULL,
	due         INTEGER NOT NULL, -- milliseconds of exercise time; 0: no deadline
	at          INTEGER NOT NULL,
	elapsed     INTEGER NOT NULL,
	UNIQUE (exercise_id, team_id, inject)
) STRICT;

CREATE TABLE inject_responses (
	id          INTEGER PRIMARY KEY,
	delivery_id INTEGER NOT NULL UNIQUE REFERENCES inject_deliveries (id),
	body        TEXT    NOT NULL,
	at          INTEGER NOT NULL,
	elapsed     INTEGER NOT NULL
) STRICT;

CREATE TABLE inject_grades (
	id          INTEGER PRIMARY KEY,
	response_id INTEGER NOT NULL REFERENCES inject_responses (id),
	percent     INTEGER NOT NULL CHECK (percent BETWEEN 0 AND 100),
	author      TEXT    NOT NULL,
	note        TEXT    NOT NULL,
	at          INTEGER NOT NULL,
	elapsed     INTEGER NOT NULL
) STRICT;
CREATE INDEX inject_grades_response ON inject_grades (response_id);

CREATE TABLE challenge_submissions (
	id          INTEGER PRIMARY KEY,
	exercise_id INTEGER NOT NULL REFERENCES exercises (id),
	team_id     INTEGER NOT NULL REFERENCES teams (id),
	challenge   TEXT    NOT NULL,
	answer      TEXT    NOT NULL,
	correct     INTEGER NOT NULL CHECK (correct IN (0, 1)),
	points      INTEGER NOT NULL,
	at          INTEGER NOT NULL,
	elapsed     INTEGER NOT NULL,
	UNIQUE (exercise_id, team_id, challenge, at)
) STRICT;
-- A challenge is solved, and scored, once per team.
CREATE UNIQUE INDEX challenge_solves ON challenge_submissions (exercise_id, challenge, team_id) WHERE correct;

CREATE TABLE hints (
	id          INTEGER PRIMARY KEY,
	exercise_id INTEGER NOT NULL REFERENCES exercises (id),
	team_id     INTEGER NOT NULL REFERENCES teams (id),
	challenge   TEXT    NOT NULL,
	hint        INTEGER NOT NULL,
	cost        INTEGER NOT NULL,
	at          INTEGER NOT NULL,
	elapsed     INTEGER NOT NULL,
	UNIQUE (exercise_id, team_id, challenge, hint)
) STRICT;

CREATE TABLE host_resets (
	id          INTEGER PRIMARY KEY,
	exercise_id INTEGER NOT NULL REFERENCES exercises (id),
	team_id     INTEGER NOT NULL REFERENCES teams (id),
	host        TEXT    NOT NULL,
	author      TEXT    NOT NULL,
	at          INTEGER NOT NULL,
	elapsed     INTEGER NOT NULL,
	UNIQUE (exercise_id, team_id, host, at)
) STRICT;

CREATE TABLE adjustments (
	id          INTEGER PRIMARY KEY,
	exercise_id INTEGER NOT NULL REFERENCES exercises (id),
	team_id     INTEGER NOT NULL REFERENCES teams (id),
	category    TEXT    NOT NULL,
	points      INTEGER NOT NULL,
	author      TEXT    NOT NULL CHECK (author <> ''),
	reason      TEXT    NOT NULL CHECK (reason <> ''),
	key         TEXT, -- optional idempotency key
	at          INTEGER NOT NULL,
	elapsed     INTEGER NOT NULL,
	UNIQUE (exercise_id, key)
) STRICT;

CREATE TABLE ledger (
	id          INTEGER PRIMARY KEY,
	exercise_id INTEGER NOT NULL REFERENCES exercises (id),
	team_id     INTEGER NOT NULL REFERENCES teams (id),
	category    TEXT    NOT NULL,
	points      INTEGER NOT NULL,
	raw_points  INTEGER NOT NULL,
	at          INTEGER NOT NULL,
	elapsed     INTEGER NOT NULL,
	cause_kind  TEXT    NOT NULL,
	cause_id    INTEGER NOT NULL,
	cause       TEXT    NOT NULL,
	author      TEXT    NOT NULL,
	reason      TEXT    NOT NULL
) STRICT;
CREATE INDEX ledger_team_time ON ledger (exercise_id, team_id, at);

CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
BEGIN
	SELECT RAISE(ABORT, 'the ledger is append-only: record a correcting entry instead');
END;

CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
BEGIN
	SELECT RAISE(ABORT, 'the ledger is append-only: record a correcting entry instead');
END;

-- Running totals, so that standings cost teams × categories rows whatever the
-- ledger's length. public_points counts only entries up to the exercise's
-- freeze (all of them when it is not frozen).
CREATE TABLE totals (
	exercise_id   INTEGER NOT NULL,
	team_id       INTEGER NOT NULL,
	category      TEXT    NOT NULL,
	points        INTEGER NOT NULL,
	public_points INTEGER NOT NULL,
	entries       INTEGER NOT NULL,
	PRIMARY KEY (exercise_id, team_id, category)
) STRICT, WITHOUT ROWID;

-- Per-minute sums for score-over-time charts, and for recomputing the public
-- totals cheaply when a freeze moves.
CREATE TABLE buckets (
	exercise_id   INTEGER NOT NULL,
	team_id       INTEGER NOT NULL,
	minute        INTEGER NOT NULL, -- at / 60000
	category      TEXT    NOT NULL,
	points        INTEGER NOT NULL,
	public_points INTEGER NOT NULL,
	PRIMARY KEY (exercise_id, team_id, minute, category)
) STRICT, WITHOUT ROWID;

-- A trigger rather than application code keeps the totals, so that no way
-- of writing the ledger can forget them, and they commit or roll back with
-- the entry itself.
CREATE TRIGGER ledger_running_totals AFTER INSERT ON ledger
BEGIN
	INSERT INTO totals (exercise_id, team_id, category, points, public_points, entries)
	SELECT NEW.exercise_id, NEW.team_id, NEW.category, NEW.points,
	       CASE WHEN e.frozen_at < NEW.at THEN 0 ELSE NEW.points END, 1
	FROM exercises e WHERE e.id = NEW.exercise_id
	ON CONFLICT (exercise_id, team_id, category) DO UPDATE SET
		points = points + excluded.points,
		public_points = public_points + excluded.public_points,
		entries = entries + 1;

	INSERT INTO buckets (exercise_id, team_id, minute, category, points, public_points)
	SELECT NEW.exercise_id, NEW.team_id, NEW.at / 60000, NEW.category, NEW.points,
	       CASE WHEN e.frozen_at < NEW.at THEN 0 ELSE NEW.points END
	FROM exercises e WHERE e.id = NEW.exercise_id
	ON CONFLICT (exercise_id, team_id, minute, category) DO UPDATE SET
		points = points + excluded.points,
		public_points = public_points + excluded.public_points;
END;
