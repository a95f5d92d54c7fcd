"""The ledger side of verifiable credentials: who issues and who holds (registry), what farmers
sold and were paid (produce), and the microloans made on those records (microloans)."""
