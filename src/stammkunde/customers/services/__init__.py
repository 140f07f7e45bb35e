"""Every change to customers, one module per topic: each function runs in one transaction and
writes the timeline entry and the audit entry for what it did. Data from the shop systems
(webhooks, API backfill) is written by ``customers.shop_data``."""
