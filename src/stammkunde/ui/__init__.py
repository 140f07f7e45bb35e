"""The staff web interface: layout, home page, customer list and the customer 360 page."""
