"""Customer identity: names, form of address, contact data, addresses, tags, consent."""
