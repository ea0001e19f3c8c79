-- Cordillera scoreboard, schema 6: an exercise is fixed when it is made.
-- The complete source of its scenario is copied with it, and every plan
-- after that (a restart, an upgrade of the bundled scenarios, an edit of
-- the folder on disk) comes from this copy, like a saved Terraform plan.

-- One copy per exercise. ref is where it was copied from ('library:NAME',
-- 'uploaded:NAME' or a folder), dir the name diagnostics give the folder,
-- digest a hash of every file. late is 1 for an exercise made before
-- copies were kept: its copy was made when it was first taken up again.
CREATE TABLE scenario_copies (
	exercise  TEXT    PRIMARY KEY CHECK (exercise <> ''),
	ref       TEXT    NOT NULL,
	dir       TEXT    NOT NULL,
	digest    TEXT    NOT NULL,
	late      INTEGER NOT NULL CHECK (late IN (0, 1)),
	copied_at INTEGER NOT NULL
) STRICT;

-- Every file of a copy: those the loading and planning read (the .hcl
-- files, every file() argument) and every file, folder and link of every
-- build context. mode is the Go fs.FileMode.
CREATE TABLE scenario_copy_files (
	exercise TEXT    NOT NULL REFERENCES scenario_copies (exercise) ON DELETE CASCADE,
	path     TEXT    NOT NULL CHECK (path <> ''),
	mode     INTEGER NOT NULL,
	data     BLOB    NOT NULL,
	PRIMARY KEY (exercise, path)
) STRICT;

-- The hash of each build context's files, as the copy was made.
CREATE TABLE scenario_copy_contexts (
	exercise TEXT NOT NULL REFERENCES scenario_copies (exercise) ON DELETE CASCADE,
	context  TEXT NOT NULL,
	hash     TEXT NOT NULL,
	PRIMARY KEY (exercise, context)
) STRICT;
