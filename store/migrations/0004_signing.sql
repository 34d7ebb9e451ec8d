-- Signing: client applications, signing transactions with their documents, and signature activation data (SAD).

-- E-government applications; the API key is stored only as its SHA-256 (hex).
CREATE TABLE applications (
  id                  TEXT PRIMARY KEY,
  name                TEXT NOT NULL UNIQUE,
  api_key_hash        TEXT NOT NULL UNIQUE,
  return_url_prefixes TEXT NOT NULL,   -- one prefix per line
  allowed_formats     TEXT NOT NULL,   -- comma-separated: raw, cades, pades, xades
  created_at          BIGINT NOT NULL,
  disabled_at         BIGINT
);

-- A request to sign 1..N documents for one citizen. The id (128 random bits) is the citizen's capability.
CREATE TABLE transactions (
  id           TEXT PRIMARY KEY,
  app_id       TEXT NOT NULL REFERENCES applications (id),
  nif          TEXT NOT NULL,
  return_url   TEXT NOT NULL,
  status       TEXT NOT NULL,          -- pending, authenticated, signing, signed, rejected, expired, failed
  created_at   BIGINT NOT NULL,
  expires_at   BIGINT NOT NULL,
  citizen_id   TEXT,                   -- set by authentication
  key_id       TEXT,                   -- the credential the documents were prepared for
  certificate  {{blob}},               -- its certificate (DER)
  challenge_id TEXT,                   -- the OTP challenge bound to the prepared digests
  signing_time BIGINT,
  finished_at  BIGINT,
  retrieved_at BIGINT,                 -- results are purged when the application has fetched them
  failure      TEXT
);
CREATE INDEX transactions_by_status_expiry ON transactions (status, expires_at);
CREATE INDEX transactions_by_app ON transactions (app_id, created_at);

CREATE TABLE transaction_documents (
  transaction_id   TEXT NOT NULL REFERENCES transactions (id) ON DELETE CASCADE,
  position         INTEGER NOT NULL,
  name             TEXT NOT NULL,
  format           TEXT NOT NULL,
  digest_algorithm TEXT NOT NULL,
  attached         INTEGER NOT NULL,
  content_sha256   TEXT NOT NULL,      -- what the citizen is shown
  content          {{blob}},           -- NULL once purged
  dtbs_digest      {{blob}},           -- phase one: the digest the HSM signs
  padding          TEXT,
  prepared_state   {{blob}},
  result           {{blob}},           -- phase three: signature or signed document
  result_algorithm TEXT,
  PRIMARY KEY (transaction_id, position)
);

-- Signature Activation Data: minted only by a successful OTP verification, bound to citizen, key and the exact
-- ordered list of digests (their SHA-256 here), short-lived; each digest can be signed once (sad_uses).
CREATE TABLE sads (
  id             TEXT PRIMARY KEY,
  transaction_id TEXT NOT NULL,
  citizen_id     TEXT NOT NULL,
  key_id         TEXT NOT NULL,
  digests_sha256 TEXT NOT NULL,
  digest_count   INTEGER NOT NULL,
  minted_at      BIGINT NOT NULL,
  expires_at     BIGINT NOT NULL
);

CREATE TABLE sad_uses (
  sad_id       TEXT NOT NULL REFERENCES sads (id),
  digest_index INTEGER NOT NULL,
  used_at      BIGINT NOT NULL,
  PRIMARY KEY (sad_id, digest_index)
);
