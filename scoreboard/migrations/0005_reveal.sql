-- Cordillera scoreboard, schema 5: what trainees learn, and when.
--
-- A range trains detection only if it does not tell. Every event has an
-- audience, decided where it is written; an attack's outcome and every
-- point it brings wait, for teams and the public board, until the attack
-- is revealed (the scenario's scoring.reveal), while staff see all of it
-- at once.

-- public: everyone, the public scoreboard included; team: the event's team
-- and staff; staff: instructors and managers only. Events written before
-- audiences existed keep what they were shown to, but attacks: those spoke
-- of evidence, and are staff's from now on.
ALTER TABLE events ADD COLUMN audience TEXT NOT NULL DEFAULT 'staff'
	CHECK (audience IN ('public', 'team', 'staff'));
UPDATE events SET audience = CASE
	WHEN kind = 'attack' THEN 'staff'
	WHEN team = '' THEN 'public'
	ELSE 'team' END;

-- The attack run whose reveal an entry waits for: its defense points, the
-- detection a report earned on it, the cooperation it credited. NULL: the
-- entry is seen at once.
ALTER TABLE ledger ADD COLUMN reveal_run INTEGER REFERENCES attack_runs (id);
CREATE INDEX ledger_reveal ON ledger (reveal_run) WHERE reveal_run IS NOT NULL;

-- An attack run shown to its team and the public board.
CREATE TABLE reveals (
	run_id      INTEGER PRIMARY KEY REFERENCES attack_runs (id),
	exercise_id INTEGER NOT NULL REFERENCES exercises (id),
	at          INTEGER NOT NULL,
	elapsed     INTEGER NOT NULL
) STRICT;

-- Runs judged before reveals existed were shown at once, points and all:
-- they stay shown.
INSERT INTO reveals (run_id, exercise_id, at, elapsed)
	SELECT id, exercise_id, at, elapsed FROM attack_runs;

-- The public sums leave out what is not revealed yet, as they leave out
-- what comes after a freeze.
DROP TRIGGER ledger_running_totals;
CREATE TRIGGER ledger_running_totals AFTER INSERT ON ledger
BEGIN
	INSERT INTO totals (exercise_id, team_id, category, points, public_points, entries)
	SELECT NEW.exercise_id, NEW.team_id, NEW.category, NEW.points,
	       CASE WHEN e.frozen_at < NEW.at
	              OR (NEW.reveal_run IS NOT NULL AND NOT EXISTS (SELECT 1 FROM reveals r WHERE r.run_id = NEW.reveal_run))
	            THEN 0 ELSE NEW.points END, 1
	FROM exercises e WHERE e.id = NEW.exercise_id
	ON CONFLICT (exercise_id, team_id, category) DO UPDATE SET
		points = points + excluded.points,
		public_points = public_points + excluded.public_points,
		entries = entries + 1;

	INSERT INTO buckets (exercise_id, team_id, minute, category, points, public_points)
	SELECT NEW.exercise_id, NEW.team_id, NEW.at / 60000, NEW.category, NEW.points,
	       CASE WHEN e.frozen_at < NEW.at
	              OR (NEW.reveal_run IS NOT NULL AND NOT EXISTS (SELECT 1 FROM reveals r WHERE r.run_id = NEW.reveal_run))
	            THEN 0 ELSE NEW.points END
	FROM exercises e WHERE e.id = NEW.exercise_id
	ON CONFLICT (exercise_id, team_id, minute, category) DO UPDATE SET
		points = points + excluded.points,
		public_points = public_points + excluded.public_points;
END;

-- A reveal adds the run's entries to the public sums, but those past a
-- freeze, in the same transaction.
CREATE TRIGGER reveals_public AFTER INSERT ON reveals
BEGIN
	UPDATE totals SET public_points = public_points + d.points
	FROM (SELECT l.team_id, l.category, SUM(l.points) AS points
		FROM ledger l JOIN exercises e ON e.id = l.exercise_id
		WHERE l.reveal_run = NEW.run_id AND (e.frozen_at IS NULL OR l.at <= e.frozen_at)
		GROUP BY l.team_id, l.category) AS d
	WHERE totals.exercise_id = NEW.exercise_id AND totals.team_id = d.team_id AND totals.category = d.category;

	UPDATE buckets SET public_points = public_points + d.points
	FROM (SELECT l.team_id, l.at / 60000 AS minute, l.category, SUM(l.points) AS points
		FROM ledger l JOIN exercises e ON e.id = l.exercise_id
		WHERE l.reveal_run = NEW.run_id AND (e.frozen_at IS NULL OR l.at <= e.frozen_at)
		GROUP BY l.team_id, minute, l.category) AS d
	WHERE buckets.exercise_id = NEW.exercise_id AND buckets.team_id = d.team_id
		AND buckets.minute = d.minute AND buckets.category = d.category;
END;
