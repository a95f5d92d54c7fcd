-- How many blocks, from genesis, the node's start check has found the derived tables to agree
-- with; the next start checks only the blocks after it (baobab/ledger/audit.py, check_store).
CREATE TABLE checked (
  id     INTEGER PRIMARY KEY CHECK (id = 0),
  height BIGINT NOT NULL
);
