-- Cordillera scoreboard, schema 2: the exercise engine's state. Nothing of a
-- running exercise lives only in memory, so a restarted engine resumes
-- where it was.

-- Every start, pause, resume, end, change of speed, kill switch and
-- approval rule, in order: the exercise clock is this log folded, and the
-- log says who did what and when.
CREATE TABLE controls (
	id          INTEGER PRIMARY KEY,
	exercise_id INTEGER NOT NULL REFERENCES exercises (id),
	kind        TEXT    NOT NULL CHECK (kind IN ('start', 'pause', 'resume', 'end', 'speed',
	                                             'halt', 'unhalt', 'approval_on', 'approval_off')),
	speed       REAL    NOT NULL CHECK (speed > 0), -- the speed factor from here on
	at          INTEGER NOT NULL,
	elapsed     INTEGER NOT NULL, -- the exercise clock when it happened
	author      TEXT    NOT NULL,
	reason      TEXT    NOT NULL
) STRICT;
CREATE INDEX controls_exercise ON controls (exercise_id, id);

CREATE TRIGGER controls_append_only_update BEFORE UPDATE ON controls
BEGIN SELECT RAISE(ABORT, 'controls are append-only'); END;
CREATE TRIGGER controls_append_only_delete BEFORE DELETE ON controls
BEGIN SELECT RAISE(ABORT, 'controls are append-only'); END;

-- One row per attack run of a team, from the moment it is due to its
-- outcome: what ran, what it printed, how long it took, and why it was
-- skipped or missed when it did not run. A timeline attack has at most one
-- row per team (the partial index), which is what keeps a restarted engine
-- from firing it twice; an instructor's "fire now" adds rows of its own.
CREATE TABLE attack_executions (
	id              INTEGER PRIMARY KEY,
	exercise_id     INTEGER NOT NULL REFERENCES exercises (id),
	team_id         INTEGER NOT NULL REFERENCES teams (id),
	attack          TEXT    NOT NULL,
	trigger         TEXT    NOT NULL CHECK (trigger IN ('timeline', 'manual')),
	due             INTEGER NOT NULL, -- exercise ms, jitter included
	jitter          INTEGER NOT NULL,
	state           TEXT    NOT NULL CHECK (state IN ('approval', 'approved', 'running', 'done',
	                                                  'skipped', 'missed', 'interrupted')),
	run             TEXT    NOT NULL, -- the correlation id, '' until it runs
	outcome         TEXT    NOT NULL CHECK (outcome IN ('', 'succeeded', 'blocked', 'timed_out',
	                                                    'not_applicable', 'error')),
	reason          TEXT    NOT NULL, -- the evidence, or why it did not run
	output          TEXT    NOT NULL,
	started_at      INTEGER,
	started_elapsed INTEGER,
	ended_at        INTEGER,
	ended_elapsed   INTEGER,
	author          TEXT    NOT NULL -- who fired, approved or skipped it by hand
) STRICT;
CREATE UNIQUE INDEX attack_executions_timeline ON attack_executions (exercise_id, team_id, attack)
	WHERE trigger = 'timeline';
CREATE UNIQUE INDEX attack_executions_run ON attack_executions (exercise_id, run) WHERE run != '';

-- What happened, for the instructors' live view and the after-action
-- report: attacks started and judged, injects delivered, rounds the engine
-- could not check, controls.
CREATE TABLE events (
	id          INTEGER PRIMARY KEY,
	exercise_id INTEGER NOT NULL REFERENCES exercises (id),
	team        TEXT    NOT NULL, -- '' for the whole exercise
	kind        TEXT    NOT NULL,
	text        TEXT    NOT NULL,
	at          INTEGER NOT NULL,
	elapsed     INTEGER NOT NULL
) STRICT;
CREATE INDEX events_exercise ON events (exercise_id, id);
