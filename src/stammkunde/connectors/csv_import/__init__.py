"""CSV import of customers and orders (docs/IMPORT.md); the entry is ``services.import_file``."""
