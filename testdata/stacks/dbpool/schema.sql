-- The table the app reads: 10 000 rows, the same every time (b is a fixed function of a).
CREATE TABLE test (
    a integer PRIMARY KEY,
    b integer NOT NULL
);
INSERT INTO test (a, b) SELECT a, (a * 7919) % 10000 FROM generate_series(1, 10000) AS a;
