-- Applications that authenticate with a TLS client certificate (FIRe's clients cannot send an API key), and what a
-- transaction needs when its application speaks that way: return URLs used exactly as given, one per outcome; a
-- batch whose documents are added one call at a time (status draft) and may be signed document by document; the
-- application's own description of the procedure and of each document.

-- The certificates an application presents. Only the SHA-256 of the DER is matched; subject, serial and expiry are
-- for the operator.
CREATE TABLE application_certificates (
  app_id     TEXT NOT NULL REFERENCES applications (id),
  sha256     TEXT NOT NULL,                      -- hex SHA-256 of the certificate's DER
  subject    TEXT NOT NULL,
  serial     TEXT NOT NULL,                      -- hex
  not_after  BIGINT NOT NULL,
  added_at   BIGINT NOT NULL,
  PRIMARY KEY (app_id, sha256)
);
CREATE INDEX application_certificates_by_sha256 ON application_certificates (sha256);

-- return_url_as_given = 1: the browser goes to return_url when signed, to other_return_url otherwise, both exactly
-- as the application gave them; 0 (before this migration): return_url with the outcome added to its query.
ALTER TABLE transactions ADD COLUMN return_url_as_given INTEGER NOT NULL DEFAULT 0;
ALTER TABLE transactions ADD COLUMN other_return_url TEXT;
-- 1: one document that cannot be signed fails them all; 0: each document is signed or fails on its own.
ALTER TABLE transactions ADD COLUMN all_or_nothing INTEGER NOT NULL DEFAULT 1;
-- The application's words for the procedure (shown beside its registered name, never instead of it).
ALTER TABLE transactions ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE transaction_documents ADD COLUMN description TEXT NOT NULL DEFAULT '';
-- A draft's defaults for the documents added to it later, where a document does not say: format, digest algorithm,
-- attached (cades), and the kind of key the application's signature algorithm names (rsa, ec; '' for any).
ALTER TABLE transactions ADD COLUMN default_format TEXT NOT NULL DEFAULT '';
ALTER TABLE transactions ADD COLUMN default_digest_algorithm TEXT NOT NULL DEFAULT '';
ALTER TABLE transactions ADD COLUMN default_attached INTEGER NOT NULL DEFAULT 0;
ALTER TABLE transactions ADD COLUMN default_key_kind TEXT NOT NULL DEFAULT '';
-- Why this document was not signed, when the transaction signs documents on their own.
ALTER TABLE transaction_documents ADD COLUMN failure TEXT;
