"""Analytics models, one module per concern; each is re-exported here for Django."""
