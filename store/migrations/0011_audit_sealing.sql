-- The audit trail without a shared head: events are inserted with only an id; one sealer per cluster later gives
-- committed events their place in the hash chain (seq, prev_hash, hash) and signs each batch's head in the HSM.

-- The existing chain moves over whole: its records keep seq and hashes (the hash function is unchanged), so it stays
-- verifiable end to end; the sealer's first checkpoint signs its head (store/src/audit_log.cpp, next_batch).
-- (Built beside the old table and renamed after: PostgreSQL would keep the old table's index names on a rename.)
CREATE TABLE audit_events_sealed (
  id        {{serial}},               -- order of insertion only: ids commit out of order on PostgreSQL
  at        BIGINT NOT NULL,          -- unix seconds
  actor     TEXT NOT NULL,
  action    TEXT NOT NULL,
  subject   TEXT NOT NULL,
  outcome   TEXT NOT NULL,
  detail    TEXT NOT NULL,
  seq       BIGINT UNIQUE,            -- place in the chain; NULL until sealed, then never changed
  prev_hash TEXT,
  hash      TEXT
);

INSERT INTO audit_events_sealed (at, actor, action, subject, outcome, detail, seq, prev_hash, hash)
  SELECT at, actor, action, subject, outcome, detail, seq, prev_hash, hash FROM audit_events ORDER BY seq;
DROP TABLE audit_events;
ALTER TABLE audit_events_sealed RENAME TO audit_events;

-- What the sealer looks for: committed events without a place yet.
CREATE INDEX audit_events_unsealed ON audit_events (id) WHERE seq IS NULL;
-- The head row serialised every append of the cluster; the signed checkpoints below now bound the chain.
DROP TABLE audit_head;

-- One row per sealed batch: the chain's head after it, signed by the audit key (KeyPurpose audit) over
-- audit_checkpoint_message(seq, hash, at). signer is the serial of the audit certificate (table
-- audit_signers below) whose key signed.
CREATE TABLE audit_checkpoints (
  seq        BIGINT PRIMARY KEY,      -- the last record the batch sealed
  first_seq  BIGINT NOT NULL,         -- its first
  hash       TEXT NOT NULL,           -- the hash of record seq
  at         BIGINT NOT NULL,         -- unix seconds
  signer     TEXT NOT NULL,
  signature  {{blob}} NOT NULL
);

-- The audit signer's certificates (issued by the issuing CA for a key of purpose audit on the token), one row per
-- certificate ever used; `active` marks the one that signs now (at most one, so that nodes starting together
-- agree on one). Older ones stay: the checkpoints they signed remain verifiable.
CREATE TABLE audit_signers (
  serial      TEXT PRIMARY KEY,                 -- upper-case hexadecimal
  key_id      TEXT NOT NULL,                    -- CKA_ID of its key (and certificate object) on the token
  subject     TEXT NOT NULL,
  certificate {{blob}} NOT NULL,                -- DER
  not_before  BIGINT NOT NULL,                  -- unix seconds
  not_after   BIGINT NOT NULL,
  active      INTEGER NOT NULL CHECK (active IN (0, 1)),
  created_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX audit_signers_active ON audit_signers (active) WHERE active = 1;

-- Periodic work one node does for the cluster (the upkeep sweeps): whoever holds the lease until `until` does it.
-- One row per task, made here, so that taking a lease is an UPDATE and never a racing INSERT.
CREATE TABLE cluster_leases (
  task   TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  until  BIGINT NOT NULL                        -- unix seconds
);
INSERT INTO cluster_leases (task, holder, until) VALUES ('upkeep', '', 0);
