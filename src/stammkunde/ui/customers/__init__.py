"""Staff pages for customers: the list, the 360 page with its timeline, notes, calls, edit."""
