"""Finance contracts: the duplicate-financing registry and supply-chain finance."""
