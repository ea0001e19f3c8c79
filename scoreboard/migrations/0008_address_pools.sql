-- Cordillera scoreboard, schema 8: the address pool of each exercise.
--
-- An exercise that writes no address_pool gets a block of addresses chosen
-- free on its engine when it is first planned there. It is kept here, so
-- that every plan after a restart (the addresses the checks and attacks
-- target) comes from the same block, and so that exercises chosen later
-- keep out of it before its networks exist. An exercise that writes its
-- pool has no row.
CREATE TABLE address_pools (
	exercise  TEXT    PRIMARY KEY CHECK (exercise <> ''),
	pool      TEXT    NOT NULL CHECK (pool <> ''),
	chosen_at INTEGER NOT NULL
) STRICT;
