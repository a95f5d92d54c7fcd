"""Trade contracts: documents and their registry, letters of credit, payment undertakings."""
