-- How many blocks, from genesis, the node's start check has found the derived tables to agree
-- with; the next start checks only the blocks after it (baobab/ledger/audit.py, check_store).
CREATE TABLE IF NOT EXISTS checked (
  id     INTEGER PRIMARY KEY CHECK (id = 0),
  height INTEGER NOT NULL
);
