-- The ledger, as postgres/0001_ledger.sql. IF NOT EXISTS: ledgers made before the SQLite store
-- recorded its migrations already have these tables, and take this version as applied.
CREATE TABLE IF NOT EXISTS blocks (
  number      INTEGER PRIMARY KEY,
  hash        TEXT NOT NULL,
  data        BLOB NOT NULL,
  codes       TEXT NOT NULL,
  commit_hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS txs (
  tx_id TEXT PRIMARY KEY,
  block INTEGER NOT NULL,
  idx   INTEGER NOT NULL,
  code  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS state (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  block INTEGER NOT NULL,
  tx    INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS history (
  key   TEXT NOT NULL,
  block INTEGER NOT NULL,
  tx    INTEGER NOT NULL,
  value TEXT,
  PRIMARY KEY (key, block, tx)
);
