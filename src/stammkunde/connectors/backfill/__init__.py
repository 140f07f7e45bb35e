"""History backfill and scheduled reconciliation through the shops' own REST APIs.

One client per platform (``shopify``, ``woocommerce``, ``shopware6``) on the shared HTTP layer
(``http``: timeouts, retries, rate limits), one page at a time (``pages``); ``services`` runs
them through the webhooks' mapping and ``apply_events``; ``schedule`` registers the hourly
reconciliation.
"""
