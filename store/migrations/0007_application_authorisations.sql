-- What a citizen lets a client application do on their behalf beyond one transaction: bearer tokens for their
-- account (access tokens, with refresh tokens), and authorisations given on Firma's page, redeemed by the
-- application with a one-time code (RFC 6749 4.1, RFC 7636). Values are kept only as SHA-256 (hex).

-- Redirect URIs an application registers for authorisations given on Firma's page; matched exactly, one per line.
ALTER TABLE applications ADD COLUMN redirect_uris TEXT NOT NULL DEFAULT '';

-- A bearer token a client application holds for one citizen; a refresh token, if any, renews it once.
CREATE TABLE access_tokens (
  id                 TEXT PRIMARY KEY,      -- names the token in the audit trail; not the value
  value_sha256       TEXT NOT NULL UNIQUE,
  refresh_sha256     TEXT UNIQUE,
  citizen_id         TEXT NOT NULL,
  app_id             TEXT NOT NULL,
  issued_at          BIGINT NOT NULL,
  expires_at         BIGINT NOT NULL,
  refresh_expires_at BIGINT,
  revoked_at         BIGINT                 -- revoked, or renewed through its refresh token
);

-- An authorisation an application asks a citizen for on Firma's page: either access to the citizen's account
-- (kind "access") or signatures with one credential over listed digests (kind "signing"). Once the citizen has
-- confirmed, the application redeems it once with the code and the verifier whose SHA-256 it committed to.
CREATE TABLE application_authorisations (
  id               TEXT PRIMARY KEY,        -- 128 random bits; the page's reference to the request
  app_id           TEXT NOT NULL REFERENCES applications (id),
  redirect_uri     TEXT NOT NULL,           -- one of the application's redirect_uris, exactly
  client_state     TEXT NOT NULL,           -- returned unchanged with the code
  proof_challenge  TEXT NOT NULL,           -- base64url SHA-256 of the verifier the holder will present
  kind             TEXT NOT NULL,           -- access, signing
  key_id           TEXT NOT NULL,           -- signing: the credential's key, once the citizen is known; else empty
  credential       TEXT NOT NULL,           -- signing: the certificate serial (upper-case hex); else empty
  digest_algorithm TEXT NOT NULL,           -- signing: sha256, sha384, sha512; else empty
  budget           INTEGER NOT NULL,        -- signing: how many signatures; else 0
  description      TEXT NOT NULL,           -- shown to the citizen and in the SMS
  front_context    TEXT NOT NULL,           -- what the front answers with at redemption; never read below it
  status           TEXT NOT NULL,           -- requested, signed_in, confirmed, redeemed, refused
  created_at       BIGINT NOT NULL,
  expires_at       BIGINT NOT NULL,         -- the request and its page end here
  citizen_id       TEXT,                    -- who signed in on the page
  challenge_id     TEXT,                    -- the OTP challenge bound to the signing request
  code_sha256      TEXT UNIQUE,             -- the one-time code handed to the redirect
  code_expires_at  BIGINT,
  sealed_sad       {{blob}},                -- the SAD minted on confirmation, sealed under the code
  sad_id           TEXT,                    -- that SAD, by the name the audit trail gives it
  sad_expires_at   BIGINT,
  access_token_id  TEXT,                    -- access: the token issued when the code was redeemed
  redeemed_at      BIGINT
);

-- The digests a signing authorisation lists, in order, each with the label the citizen is shown.
CREATE TABLE application_authorisation_digests (
  authorisation_id TEXT NOT NULL REFERENCES application_authorisations (id),
  position         INTEGER NOT NULL,
  digest           {{blob}} NOT NULL,
  label            TEXT NOT NULL,
  PRIMARY KEY (authorisation_id, position)
);
