-- The schema of the standard scenarios: the world table of stackgate's reference stack.
-- seed.py loads its rows. /db, /queries, /slow and /update look rows up by id, so the
-- primary key's index is what keeps each lookup a few microseconds instead of a scan of
-- the whole table.
CREATE TABLE world (
    id           integer PRIMARY KEY,
    randomnumber integer NOT NULL
);
