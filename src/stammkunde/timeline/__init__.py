"""The one ledger of every contact and event with a customer."""
