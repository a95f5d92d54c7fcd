-- The block-hash log's complete subtrees, as postgres/0003_block_tree.sql; rows for blocks
-- committed before this migration are added by the store when it opens.
CREATE TABLE IF NOT EXISTS tree (
  level INTEGER NOT NULL,
  idx   INTEGER NOT NULL,
  hash  BLOB NOT NULL,
  PRIMARY KEY (level, idx)
) WITHOUT ROWID;
