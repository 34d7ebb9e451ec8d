-- Citizens (Cl@ve Permanente accounts), their SMS one-time-code challenges, shared rate-limit buckets, SMS outbox.

-- One row per registration. A NIF has at most one live (not deregistered) account; a deregistered row stays for the
-- record, and the NIF may be registered again afterwards as a new row with a new id.
CREATE TABLE citizens (
  id                   TEXT PRIMARY KEY,
  nif                  TEXT NOT NULL,          -- DNI/NIE, upper case, control letter checked
  given_name           TEXT NOT NULL,
  surname1             TEXT NOT NULL,
  surname2             TEXT NOT NULL,          -- '' when there is none
  email                TEXT NOT NULL,
  mobile               TEXT NOT NULL,          -- E.164
  registration_level   TEXT NOT NULL CHECK (registration_level IN ('basic', 'advanced')),
  status               TEXT NOT NULL CHECK (status IN ('pending_activation', 'active', 'locked', 'deregistered')),
  activation_code_hash TEXT NOT NULL,          -- hex SHA-256 of the code; '' once it cannot be used any more
  password_hash        TEXT,                   -- Argon2id PHC string; NULL until activation
  password_expires_at  BIGINT,                 -- unix seconds; NULL until activation
  failed_attempts      INTEGER NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
  created_at           BIGINT NOT NULL,
  updated_at           BIGINT NOT NULL
);
CREATE UNIQUE INDEX citizens_live_nif ON citizens (nif) WHERE status <> 'deregistered';
CREATE INDEX citizens_nif ON citizens (nif);

-- An SMS one-time code: stored as a hash, bound to a citizen, a purpose and a context digest, single use, a
-- bounded number of tries. `state` is 'sending' until the gateway accepted the SMS, then 'sent'; 'failed' when the
-- gateway refused it (the challenge can then never be answered); 'consumed' once a right answer was accepted.
CREATE TABLE otp_challenges (
  id              TEXT PRIMARY KEY,
  citizen_id      TEXT NOT NULL REFERENCES citizens (id),
  purpose         TEXT NOT NULL,
  context_hash    TEXT NOT NULL,               -- hex SHA-256 of the context the code confirms
  code_hash       TEXT NOT NULL,               -- hex SHA-256 of (challenge id, code)
  payload         TEXT NOT NULL DEFAULT '',    -- what completing applies (a new password's Argon2id hash); never clear
  sms_text        TEXT NOT NULL,               -- the SMS with '{otp}' where the code goes (for resending)
  state           TEXT NOT NULL CHECK (state IN ('sending', 'sent', 'failed', 'consumed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  max_attempts    INTEGER NOT NULL,
  sends           INTEGER NOT NULL DEFAULT 1,  -- codes sent for this challenge (the first and each resend)
  issued_at       BIGINT NOT NULL,             -- when the current code was made
  expires_at      BIGINT NOT NULL,
  consumed_at     BIGINT
);
CREATE INDEX otp_challenges_citizen ON otp_challenges (citizen_id, purpose, issued_at);

-- Token buckets, one row per key ("nif:12345678Z", "address:192.0.2.1"), in micro-tokens so that the refill
-- arithmetic is integer and identical on both backends. Updated by one atomic upsert per request.
CREATE TABLE rate_limits (
  bucket       TEXT PRIMARY KEY,
  tokens       BIGINT NOT NULL,                -- micro-tokens left after the last request
  updated_at   BIGINT NOT NULL,                -- unix seconds of the last refill
  last_allowed INTEGER NOT NULL                -- 1 when the last request took a token, 0 when it was refused
);

-- The `outbox` SMS gateway: messages are stored instead of sent, for the embedded default and tests. The text is
-- what an SMS would carry (an OTP included): operators read it through GET /v1/admin/sms/outbox.
CREATE TABLE sms_outbox (
  id         {{serial}},
  to_number  TEXT NOT NULL,
  body       TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX sms_outbox_to ON sms_outbox (to_number, id);
