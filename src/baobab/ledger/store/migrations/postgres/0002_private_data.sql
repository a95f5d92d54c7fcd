-- Private data (network mode): payloads whose hash is on the ledger, held only by the nodes of
-- the organisations entitled to them. Never part of block validation.
CREATE TABLE private_data (
  hash       TEXT PRIMARY KEY,
  tx_id      TEXT NOT NULL,
  members    TEXT NOT NULL,
  data       TEXT NOT NULL,
  received   TIMESTAMPTZ NOT NULL DEFAULT now()
);
