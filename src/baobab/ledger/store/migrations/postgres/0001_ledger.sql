-- The ledger: blocks as ordered, the validation code of every transaction, world state with a
-- version per key, and every key's history. Keys use the "C" collation so that range reads
-- and audit scans order keys by code point, exactly as the SQLite store does.
CREATE TABLE blocks (
  number      BIGINT PRIMARY KEY,
  hash        TEXT NOT NULL,
  data        BYTEA NOT NULL,
  codes       TEXT NOT NULL,
  commit_hash TEXT NOT NULL
);
CREATE TABLE txs (
  tx_id TEXT COLLATE "C" PRIMARY KEY,
  block BIGINT NOT NULL,
  idx   INTEGER NOT NULL,
  code  TEXT NOT NULL
);
CREATE INDEX txs_position ON txs (block, idx);
CREATE TABLE state (
  key   TEXT COLLATE "C" PRIMARY KEY,
  value TEXT NOT NULL,
  block BIGINT NOT NULL,
  tx    INTEGER NOT NULL
);
CREATE TABLE history (
  key   TEXT COLLATE "C" NOT NULL,
  block BIGINT NOT NULL,
  tx    INTEGER NOT NULL,
  value TEXT,
  PRIMARY KEY (key, block, tx)
);
