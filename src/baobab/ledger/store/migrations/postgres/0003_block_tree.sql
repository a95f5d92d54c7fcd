-- The block-hash log's complete subtrees (see baobab/ledger/store/tree.py): heads and proofs
-- read O(log n) of these rows instead of every block. Rows for blocks committed before this
-- migration are added by the store when it opens.
CREATE TABLE tree (
  level INTEGER NOT NULL,
  idx   BIGINT NOT NULL,
  hash  BYTEA NOT NULL,
  PRIMARY KEY (level, idx)
);
