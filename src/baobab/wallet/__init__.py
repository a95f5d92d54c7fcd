"""Mobile money: a provider's wallets, KYC tiers, agents and payments, off the ledger and private
to the provider, joined to the payments switch as a participant."""
