-- Signature authorisations (SADs) as records of their own, apart from the act of signing: bound to a citizen, a
-- credential (key), a client application and an exact multiset of entries (digest algorithm, digest, padding),
-- with a budget of signatures and an expiry, and referenced by an opaque value of which only the SHA-256 is kept.
-- SADs live for minutes: those of 0004 are dropped (a confirmation under way while upgrading fails and is
-- recovered like an interrupted one).
DROP TABLE sad_uses;
DROP TABLE sads;

CREATE TABLE sads (
  id             TEXT PRIMARY KEY,         -- names the SAD in the audit trail; not the value
  value_sha256   TEXT NOT NULL UNIQUE,     -- hex SHA-256 of the value its holder presents
  citizen_id     TEXT NOT NULL,
  key_id         TEXT NOT NULL,
  app_id         TEXT NOT NULL,
  transaction_id TEXT,                     -- the transaction it was authorised for (REST, FIRe), if any
  budget         INTEGER NOT NULL,         -- how many signatures it allows in all
  spent          INTEGER NOT NULL,         -- how many it has released
  minted_at      BIGINT NOT NULL,
  expires_at     BIGINT NOT NULL
);
CREATE INDEX sads_by_transaction ON sads (transaction_id);

-- What each signature may be: one row per entry of the multiset (equal entries are rows of their own).
CREATE TABLE sad_entries (
  sad_id           TEXT NOT NULL REFERENCES sads (id),
  position         INTEGER NOT NULL,
  digest_algorithm TEXT NOT NULL,          -- sha256, sha384, sha512
  digest           {{blob}} NOT NULL,
  padding          TEXT NOT NULL,          -- pkcs1v15, pss
  PRIMARY KEY (sad_id, position)
);

-- The entries spent: the primary key makes a second use fail on any node.
CREATE TABLE sad_uses (
  sad_id   TEXT NOT NULL REFERENCES sads (id),
  position INTEGER NOT NULL,
  used_at  BIGINT NOT NULL,
  PRIMARY KEY (sad_id, position)
);
