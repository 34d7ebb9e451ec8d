-- A signing call reads only the SAD entries it asks for (SadRecords::entries_with_digests), found by digest
-- instead of reading all of a SAD's entries (up to csc.multisign) on every call.
CREATE INDEX sad_entries_by_digest ON sad_entries (sad_id, digest);
