-- Private data a node still owes to a member's node that did not take it when it was shared
-- (down, or unreachable): delivered again until that node has it (network mode).
CREATE TABLE private_outbox (
  hash   TEXT NOT NULL,
  member TEXT NOT NULL,
  sender TEXT NOT NULL,
  tx_id  TEXT NOT NULL,
  since  TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (hash, member)
);
