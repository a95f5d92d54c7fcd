"""Traceability: GS1 EPCIS 2.0 events, GS1 keys, anchoring, lots and the farmers' share.

- `validation`: EPCIS 2.0 JSON/JSON-LD documents checked against the GS1 JSON schema
- `identifiers`: SGTIN, SSCC, SGLN and LGTIN as GS1 Digital Link URIs and EPC URNs
- `store`: event bodies kept by the capturing organisation, shared with those it names
- `anchoring`: a Merkle root per captured batch on the ledger, an inclusion proof per event
- `lineage`: a lot's history backward (which farmers, how much) and forward (where it went)
- `value_share`: what each stage was paid per kg of green-coffee equivalent, against references
"""
