"""Messaging: the Drehbuch of event-triggered mails, templates, consent checks, the
contact-pressure governor, the outbox. Never imports the service desk (DESIGN.md)."""
