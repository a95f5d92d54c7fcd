-- Private data, as postgres/0002_private_data.sql: only network-mode nodes fill it, but both
-- stores keep one schema version for one ledger shape.
CREATE TABLE IF NOT EXISTS private_data (
  hash     TEXT PRIMARY KEY,
  tx_id    TEXT NOT NULL,
  members  TEXT NOT NULL,
  data     TEXT NOT NULL,
  received TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
