-- PKI: the CA's own certificates, the HSM keys Firma made, citizens' certificates with their status, and the CRLs.

-- Certificates of the CA itself: the root, the issuing CA and the delegated OCSP signer. One row per certificate
-- ever used; `active` marks the one in use for its role (at most one per role, enforced by the partial index, so
-- that nodes bootstrapping together agree on one CA).
CREATE TABLE ca_certificates (
  serial      TEXT PRIMARY KEY,                 -- upper-case hexadecimal
  role        TEXT NOT NULL CHECK (role IN ('root', 'issuing', 'ocsp_signer')),
  key_id      TEXT NOT NULL,                    -- CKA_ID of its key (and certificate object) on the token
  subject     TEXT NOT NULL,
  certificate {{blob}} NOT NULL,                -- DER
  not_before  BIGINT NOT NULL,                  -- unix seconds
  not_after   BIGINT NOT NULL,
  active      INTEGER NOT NULL CHECK (active IN (0, 1)),
  created_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX ca_certificates_active_role ON ca_certificates (role) WHERE active = 1;

-- Every key pair Firma generated on the token, with its owner: the token knows the key, this table knows whose it
-- is. `destroyed_at` is set once the key is gone from the token.
CREATE TABLE hsm_keys (
  key_id       TEXT PRIMARY KEY,
  owner        TEXT NOT NULL,                   -- the citizen's NIF, or 'ca'
  purpose      TEXT NOT NULL CHECK (purpose IN ('root', 'issuing', 'ocsp_signer', 'citizen')),
  algorithm    TEXT NOT NULL,                   -- 'ec-p256', 'ec-p384', 'rsa-2048', 'rsa-3072'
  created_at   BIGINT NOT NULL,
  destroyed_at BIGINT
);
CREATE INDEX hsm_keys_owner ON hsm_keys (owner);

-- Citizens' certificates. `status` is what the PKI says about the certificate: 'valid' until it is revoked
-- (operator, renewal with reason superseded, deregistration) or marked 'expired' after not_after. A NIF has at most
-- one valid certificate: renewal revokes the old one in the same transaction that inserts the new one.
CREATE TABLE certificates (
  serial            TEXT PRIMARY KEY,           -- upper-case hexadecimal, no separators
  nif               TEXT NOT NULL,
  key_id            TEXT NOT NULL,
  issuer_serial     TEXT NOT NULL,              -- the issuing CA certificate that signed it
  subject           TEXT NOT NULL,
  algorithm         TEXT NOT NULL,
  certificate       {{blob}} NOT NULL,          -- DER
  not_before        BIGINT NOT NULL,
  not_after         BIGINT NOT NULL,
  status            TEXT NOT NULL CHECK (status IN ('valid', 'revoked', 'expired')),
  revoked_at        BIGINT,
  revocation_reason TEXT,                       -- RFC 5280 5.3.1 CRLReason, snake_case
  created_at        BIGINT NOT NULL
);
CREATE UNIQUE INDEX certificates_one_valid_per_nif ON certificates (nif) WHERE status = 'valid';
CREATE INDEX certificates_nif ON certificates (nif, created_at);
CREATE INDEX certificates_revoked ON certificates (issuer_serial, revoked_at);
CREATE INDEX certificates_valid_until ON certificates (not_after) WHERE status = 'valid';

-- Every CRL published, by issuer and CRL number (RFC 5280 5.2.3: monotonically increasing). Two nodes publishing
-- at once collide on the primary key and the later one starts again from the newer CRL.
CREATE TABLE crls (
  issuer_serial TEXT NOT NULL,
  crl_number    BIGINT NOT NULL,
  this_update   BIGINT NOT NULL,
  next_update   BIGINT NOT NULL,
  crl           {{blob}} NOT NULL,              -- DER
  PRIMARY KEY (issuer_serial, crl_number)
);
