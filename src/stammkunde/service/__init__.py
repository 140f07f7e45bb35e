"""The after-sales service desk: cases, inbound e-mail, routing, business-hours clocks,
escalation, goodwill, crisis plans, macros and the knowledge base."""
