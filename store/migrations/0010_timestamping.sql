-- Time stamps: the time-stamping unit's certificate and key (RFC 3161), role and purpose 'tsa' beside the OCSP
-- signer's; and each document's signature level (ETSI baseline B, T, LT, LTA).
-- SQLite cannot change a CHECK constraint in place, so both tables are rebuilt with the same columns and indexes.
-- 'audit' (the audit chain's signing key, issue 17) is admitted too, so that the order in which the two
-- migrations run cannot drop either value.

CREATE TABLE ca_certificates_next (
  serial      TEXT PRIMARY KEY,
  role        TEXT NOT NULL CHECK (role IN ('root', 'issuing', 'ocsp_signer', 'tsa', 'audit')),
  key_id      TEXT NOT NULL,
  subject     TEXT NOT NULL,
  certificate {{blob}} NOT NULL,
  not_before  BIGINT NOT NULL,
  not_after   BIGINT NOT NULL,
  active      INTEGER NOT NULL CHECK (active IN (0, 1)),
  created_at  BIGINT NOT NULL
);
INSERT INTO ca_certificates_next (serial, role, key_id, subject, certificate, not_before, not_after, active, created_at)
  SELECT serial, role, key_id, subject, certificate, not_before, not_after, active, created_at FROM ca_certificates;
DROP TABLE ca_certificates;
ALTER TABLE ca_certificates_next RENAME TO ca_certificates;
CREATE UNIQUE INDEX ca_certificates_active_role ON ca_certificates (role) WHERE active = 1;

CREATE TABLE hsm_keys_next (
  key_id       TEXT PRIMARY KEY,
  owner        TEXT NOT NULL,
  purpose      TEXT NOT NULL CHECK (purpose IN ('root', 'issuing', 'ocsp_signer', 'tsa', 'audit', 'citizen')),
  algorithm    TEXT NOT NULL,
  created_at   BIGINT NOT NULL,
  destroyed_at BIGINT
);
INSERT INTO hsm_keys_next (key_id, owner, purpose, algorithm, created_at, destroyed_at)
  SELECT key_id, owner, purpose, algorithm, created_at, destroyed_at FROM hsm_keys;
DROP TABLE hsm_keys;
ALTER TABLE hsm_keys_next RENAME TO hsm_keys;
CREATE INDEX hsm_keys_owner ON hsm_keys (owner);

ALTER TABLE transaction_documents ADD COLUMN level TEXT NOT NULL DEFAULT 'B' CHECK (level IN ('B', 'T', 'LT', 'LTA'));
