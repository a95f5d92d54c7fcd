"""The node's HTTP API: `create_app(node, data_dir)` gives the FastAPI application."""
