"""Staff pages for the dashboard, goals and saved segments."""
