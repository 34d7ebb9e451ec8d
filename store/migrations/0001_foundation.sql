-- Foundation: the hash-chained audit trail and the operator accounts (schema_migrations is created by the runner).

-- One row per audit event; seq is assigned from audit_head, never reused, never updated.
CREATE TABLE audit_events (
  seq       BIGINT PRIMARY KEY,
  at        BIGINT NOT NULL,          -- unix seconds
  actor     TEXT NOT NULL,
  action    TEXT NOT NULL,
  subject   TEXT NOT NULL,
  outcome   TEXT NOT NULL,
  detail    TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash      TEXT NOT NULL
);

-- The chain's head, one row: appends lock it (UPDATE) first, which serialises them across nodes, and verify()
-- compares it with the last event so that a deleted tail is detected.
CREATE TABLE audit_head (
  id   INTEGER PRIMARY KEY CHECK (id = 1),
  seq  BIGINT NOT NULL,
  hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
  VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Operator accounts; the bearer token is stored only as its SHA-256 (hex).
CREATE TABLE operators (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL UNIQUE,
  roles      TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL,       -- unix seconds
  revoked_at BIGINT                 -- unix seconds; NULL while active
);
