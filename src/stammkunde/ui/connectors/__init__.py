"""Staff pages for shop connections and the webhook inbox."""
