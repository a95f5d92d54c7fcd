-- Private data still owed to a member's node, as postgres/0004_private_outbox.sql.
CREATE TABLE IF NOT EXISTS private_outbox (
  hash   TEXT NOT NULL,
  member TEXT NOT NULL,
  sender TEXT NOT NULL,
  tx_id  TEXT NOT NULL,
  since  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  PRIMARY KEY (hash, member)
);
