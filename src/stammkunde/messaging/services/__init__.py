"""Every change to messaging's tables: the outbox, decisions, holds, the suppression list."""
