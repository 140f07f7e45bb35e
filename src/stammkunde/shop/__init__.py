"""Shops (sales channels), products, orders and what follows an order: shipments, returns,
refunds and withdrawals."""
