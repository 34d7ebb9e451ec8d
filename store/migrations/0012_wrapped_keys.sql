-- Wrapped key custody (hsm.key_custody = wrapped): citizens' private keys kept here, wrapped (RFC 5649) under a
-- key-encryption key that never leaves the HSM, so that the token holds a handful of objects whatever the number
-- of citizens. Nothing here is a clear key: without the HSM's KEK a row reveals only a public key.

-- The KEKs Firma made on the token. state: 'current' (new keys are wrapped under it; at most one), 'retiring'
-- (replaced by a rotation: its keys are being rewrapped under the current one), 'destroyed' (gone from the token
-- once no key needed it).
CREATE TABLE key_encryption_keys (
  kek_id       TEXT PRIMARY KEY,               -- the KEK's CKA_ID on the token
  state        TEXT NOT NULL CHECK (state IN ('current', 'retiring', 'destroyed')),
  created_at   BIGINT NOT NULL,
  retired_at   BIGINT,
  destroyed_at BIGINT
);
CREATE UNIQUE INDEX key_encryption_keys_one_current ON key_encryption_keys (state) WHERE state = 'current';

-- A citizen key kept wrapped: its public key (SubjectPublicKeyInfo DER) and the RFC 5649 blob of its PKCS#8 private
-- key under kek_id. The row goes when the key is destroyed.
CREATE TABLE wrapped_keys (
  key_id       TEXT PRIMARY KEY REFERENCES hsm_keys (key_id),
  kek_id       TEXT NOT NULL REFERENCES key_encryption_keys (kek_id),
  algorithm    TEXT NOT NULL,                  -- 'ec-p256', 'ec-p384', 'rsa-2048', 'rsa-3072'
  public_key   {{blob}} NOT NULL,
  wrapped      {{blob}} NOT NULL,
  created_at   BIGINT NOT NULL,
  rewrapped_at BIGINT
);
CREATE INDEX wrapped_keys_by_kek ON wrapped_keys (kek_id);
