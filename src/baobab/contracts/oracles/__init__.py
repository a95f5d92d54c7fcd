"""Oracle contracts: the oracle registry and rounds, and the payments and insurance that follow them."""
