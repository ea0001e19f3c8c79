-- Cordillera scoreboard, schema 10: score over time reads a row per team
-- and four minutes.
--
-- The chart summed the per-minute buckets, a row per team, minute and
-- category: 88,000 rows for 100 teams over eight hours, all read for every
-- chart. series_blocks holds the same sums with the categories added
-- together, one row per team and four minutes, each of the four minutes in
-- a column of its own. A chart reads a seventh of the rows, and still adds
-- up exactly what the buckets hold, whatever whole minute its steps start
-- and end at, the freeze's minute included.
--
-- The triggers that keep the buckets keep the blocks, in the same
-- transaction as the entry or the reveal: an entry adds to its minute's
-- columns, a reveal adds its entries to the public ones. Moving the freeze
-- recomputes the public columns from the buckets (Store.setFreeze).

CREATE TABLE series_blocks (
	exercise_id INTEGER NOT NULL,
	team_id     INTEGER NOT NULL,
	block       INTEGER NOT NULL, -- at / 60000 / 4: minutes 4 × block to 4 × block + 3
	points0     INTEGER NOT NULL, -- the points of minute 4 × block + 0
	points1     INTEGER NOT NULL,
	points2     INTEGER NOT NULL,
	points3     INTEGER NOT NULL,
	public0     INTEGER NOT NULL, -- the public points of minute 4 × block + 0
	public1     INTEGER NOT NULL,
	public2     INTEGER NOT NULL,
	public3     INTEGER NOT NULL,
	PRIMARY KEY (exercise_id, team_id, block)
) STRICT, WITHOUT ROWID;

INSERT INTO series_blocks (exercise_id, team_id, block, points0, points1, points2, points3, public0, public1, public2, public3)
	SELECT exercise_id, team_id, minute / 4,
	       SUM(iif(minute % 4 = 0, points, 0)), SUM(iif(minute % 4 = 1, points, 0)),
	       SUM(iif(minute % 4 = 2, points, 0)), SUM(iif(minute % 4 = 3, points, 0)),
	       SUM(iif(minute % 4 = 0, public_points, 0)), SUM(iif(minute % 4 = 1, public_points, 0)),
	       SUM(iif(minute % 4 = 2, public_points, 0)), SUM(iif(minute % 4 = 3, public_points, 0))
	FROM buckets GROUP BY exercise_id, team_id, minute / 4;

-- Schema 5's trigger, and the blocks.
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

	-- WHERE true: without it SQLite would read ON CONFLICT as a join's ON.
	INSERT INTO series_blocks (exercise_id, team_id, block, points0, points1, points2, points3, public0, public1, public2, public3)
	SELECT NEW.exercise_id, NEW.team_id, v.minute / 4,
	       iif(v.minute % 4 = 0, NEW.points, 0), iif(v.minute % 4 = 1, NEW.points, 0),
	       iif(v.minute % 4 = 2, NEW.points, 0), iif(v.minute % 4 = 3, NEW.points, 0),
	       iif(v.minute % 4 = 0, v.public, 0), iif(v.minute % 4 = 1, v.public, 0),
	       iif(v.minute % 4 = 2, v.public, 0), iif(v.minute % 4 = 3, v.public, 0)
	FROM (SELECT NEW.at / 60000 AS minute,
	             CASE WHEN e.frozen_at < NEW.at
	                    OR (NEW.reveal_run IS NOT NULL AND NOT EXISTS (SELECT 1 FROM reveals r WHERE r.run_id = NEW.reveal_run))
	                  THEN 0 ELSE NEW.points END AS public
	      FROM exercises e WHERE e.id = NEW.exercise_id) AS v
	WHERE true
	ON CONFLICT (exercise_id, team_id, block) DO UPDATE SET
		points0 = points0 + excluded.points0, points1 = points1 + excluded.points1,
		points2 = points2 + excluded.points2, points3 = points3 + excluded.points3,
		public0 = public0 + excluded.public0, public1 = public1 + excluded.public1,
		public2 = public2 + excluded.public2, public3 = public3 + excluded.public3;
END;

-- Schema 5's trigger, and the blocks.
DROP TRIGGER reveals_public;
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

	UPDATE series_blocks SET public0 = series_blocks.public0 + d.public0, public1 = series_blocks.public1 + d.public1,
		public2 = series_blocks.public2 + d.public2, public3 = series_blocks.public3 + d.public3
	FROM (SELECT l.team_id, l.at / 60000 / 4 AS block,
			SUM(iif(l.at / 60000 % 4 = 0, l.points, 0)) AS public0, SUM(iif(l.at / 60000 % 4 = 1, l.points, 0)) AS public1,
			SUM(iif(l.at / 60000 % 4 = 2, l.points, 0)) AS public2, SUM(iif(l.at / 60000 % 4 = 3, l.points, 0)) AS public3
		FROM ledger l JOIN exercises e ON e.id = l.exercise_id
		WHERE l.reveal_run = NEW.run_id AND (e.frozen_at IS NULL OR l.at <= e.frozen_at)
		GROUP BY l.team_id, block) AS d
	WHERE series_blocks.exercise_id = NEW.exercise_id AND series_blocks.team_id = d.team_id
		AND series_blocks.block = d.block;
END;
