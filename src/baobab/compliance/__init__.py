"""A provider's compliance desk: customers and payments screened against the sanctions list the
operator loads (`sanctions`), transaction-monitoring rules that open cases (`monitoring`), and
suspicious transaction reports filed with the regulator on the ledger (`reports`)."""
