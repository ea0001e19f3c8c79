-- Cordillera scoreboard, schema 9: two different outcomes of one team in
-- the same millisecond are both kept.
--
-- Schemas 1 to 8 keyed challenge answers and incident reports by the team
-- and the moment, to the millisecond, so that recording the same outcome
-- twice scores it once. But a second, different answer to the challenge or
-- a second, different report within that millisecond then inserted nothing
-- and was refused as "already recorded": a wrong answer followed at once by
-- the right one lost the right one. The key now holds what the outcome
-- says as well (the answer; the report's target, techniques, source and
-- summary): the same outcome again is still a duplicate, another one is
-- kept. SQLite cannot change a constraint, so the two tables are made
-- again, keeping every row and id. A challenge is still solved once per
-- team (challenge_solves). Host resets keep their key: two resets of one
-- host in one millisecond are one reset.
--
-- The store runs this with foreign keys off, as SQLite's way of making a
-- table again requires (detections refer to incident reports), and checks
-- them all before it commits.

CREATE TABLE new_incident_reports (
	id          INTEGER PRIMARY KEY,
	exercise_id INTEGER NOT NULL REFERENCES exercises (id),
	team_id     INTEGER NOT NULL REFERENCES teams (id),
	target      TEXT    NOT NULL,
	techniques  TEXT    NOT NULL,
	source      TEXT    NOT NULL,
	summary     TEXT    NOT NULL,
	at          INTEGER NOT NULL,
	elapsed     INTEGER NOT NULL,
	UNIQUE (exercise_id, team_id, at, target, techniques, source, summary)
) STRICT;
INSERT INTO new_incident_reports (id, exercise_id, team_id, target, techniques, source, summary, at, elapsed)
	SELECT id, exercise_id, team_id, target, techniques, source, summary, at, elapsed FROM incident_reports;
DROP TABLE incident_reports;
ALTER TABLE new_incident_reports RENAME TO incident_reports;
CREATE INDEX incident_reports_target ON incident_reports (exercise_id, team_id, target, elapsed);

CREATE TABLE new_challenge_submissions (
	id          INTEGER PRIMARY KEY,
	exercise_id INTEGER NOT NULL REFERENCES exercises (id),
	team_id     INTEGER NOT NULL REFERENCES teams (id),
	challenge   TEXT    NOT NULL,
	answer      TEXT    NOT NULL,
	correct     INTEGER NOT NULL CHECK (correct IN (0, 1)),
	points      INTEGER NOT NULL,
	at          INTEGER NOT NULL,
	elapsed     INTEGER NOT NULL,
	UNIQUE (exercise_id, team_id, challenge, at, answer)
) STRICT;
INSERT INTO new_challenge_submissions (id, exercise_id, team_id, challenge, answer, correct, points, at, elapsed)
	SELECT id, exercise_id, team_id, challenge, answer, correct, points, at, elapsed FROM challenge_submissions;
DROP TABLE challenge_submissions;
ALTER TABLE new_challenge_submissions RENAME TO challenge_submissions;
CREATE UNIQUE INDEX challenge_solves ON challenge_submissions (exercise_id, challenge, team_id) WHERE correct;
