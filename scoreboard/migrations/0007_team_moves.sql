-- Cordillera scoreboard, schema 7: trainees moved between teams.
--
-- A trainee joins a team by its code once; after that only an instructor
-- moves them, and every move is kept: who moved whom, from which team to
-- which, when and why. Names, not row ids, so that the record reads the
-- same whatever becomes of the rows it names. '' is no team.
CREATE TABLE team_moves (
	id            INTEGER PRIMARY KEY,
	trainee       TEXT    NOT NULL CHECK (trainee <> ''),
	from_exercise TEXT    NOT NULL,
	from_team     TEXT    NOT NULL,
	to_exercise   TEXT    NOT NULL,
	to_team       TEXT    NOT NULL,
	author        TEXT    NOT NULL CHECK (author <> ''),
	reason        TEXT    NOT NULL CHECK (reason <> ''),
	at            INTEGER NOT NULL,
	CHECK (from_exercise <> to_exercise OR from_team <> to_team)
) STRICT;
CREATE INDEX team_moves_from ON team_moves (from_exercise);
CREATE INDEX team_moves_to ON team_moves (to_exercise);
