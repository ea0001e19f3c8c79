-- Cordillera scoreboard, schema 4: what the web interface needs to run
-- exercises itself, and to take them up again after a restart.

-- Scenarios uploaded or edited in the browser, one HCL file each. Bundled
-- scenarios and folders on disk are not copied here.
CREATE TABLE scenario_sources (
	name       TEXT    PRIMARY KEY CHECK (name <> ''),
	source     TEXT    NOT NULL,
	author     TEXT    NOT NULL,
	updated_at INTEGER NOT NULL
) STRICT;

-- The exercise file an exercise was made from, and where its scenario was
-- found: 'library:NAME', 'uploaded:NAME' or a folder's path on disk.
CREATE TABLE exercise_sources (
	exercise   TEXT    PRIMARY KEY CHECK (exercise <> ''),
	source     TEXT    NOT NULL,
	scenario   TEXT    NOT NULL,
	author     TEXT    NOT NULL,
	created_at INTEGER NOT NULL
) STRICT;

-- Which process drives an exercise's engine. One engine at a time: a
-- second one waits until the lease runs out, which it does when its holder
-- dies without letting go.
CREATE TABLE engine_leases (
	exercise   TEXT    PRIMARY KEY CHECK (exercise <> ''),
	holder     TEXT    NOT NULL,
	expires_at INTEGER NOT NULL
) STRICT;
