"""Staff pages for duplicate customers and merging them."""
