-- The key of ID-number hashes moves out of the database into a key file
-- (crates/store/src/id_key.rs). The database keeps only a fingerprint of the
-- key (an HMAC of a fixed label), so a start with a different key file is
-- refused instead of never matching a hash again. The old pepper row in
-- booking_secret is deleted by the first start that wrote it to the key file
-- (the table stays, empty: a migration runs before that start can read it).
CREATE TABLE id_key_check (
    fingerprint TEXT NOT NULL
);
