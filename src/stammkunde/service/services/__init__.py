"""Every change the service desk makes, one module per topic (each function one transaction)."""
