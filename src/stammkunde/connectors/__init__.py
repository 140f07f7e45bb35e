"""Getting shop data in: CSV import now; webhooks and shop APIs later (DESIGN.md)."""
