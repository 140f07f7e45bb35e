"""The webhook inbox: store every delivery first, process it in the background, lose nothing."""

from stammkunde.connectors.inbox.services import receive

__all__ = ["receive"]
