"""Network mode: one node per organisation, ordering on NATS JetStream, state in PostgreSQL.

    config.py   the node's config file
    auth.py     signed requests between nodes (the calling node's peer key)
    node.py     NetworkNode: endorsement gathered from other organisations' nodes, private data
    server.py   the node's HTTP API, health/readiness and Prometheus metrics
    digest.py   ledger digests and the consistency check behind `baobab network compare`
    local.py    a whole network on one machine (NATS cluster, databases, node processes)
"""
