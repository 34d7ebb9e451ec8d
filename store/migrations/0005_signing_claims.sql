-- Signing claims: a confirmation holds its transaction in `signing` under a claim (a random id and when it was
-- taken). The claim is a lease: past signing.claim_timeout_seconds the upkeep of any node fails the transaction
-- (the confirming process is presumed dead), and a confirmation saves its results only while its claim holds.
ALTER TABLE transactions ADD COLUMN claim_id TEXT;
ALTER TABLE transactions ADD COLUMN claimed_at BIGINT;
-- Recovery ends the SADs of a failed transaction.
CREATE INDEX sads_by_transaction ON sads (transaction_id);
