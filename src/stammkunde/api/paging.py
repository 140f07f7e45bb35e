"""limit/offset paging shared by the list operations."""

from __future__ import annotations

from ninja import Field, Schema

MAX_LIMIT = 100
# Ids are 64-bit in the database; larger numbers cannot name a row and would overflow there.
MAX_ID = 2**63 - 1
MAX_OFFSET = 10_000


class Paging(Schema):
    limit: int = Field(25, ge=1, le=MAX_LIMIT, description="Items per page (1-100).")
    offset: int = Field(
        0, ge=0, le=MAX_OFFSET, description="Items to skip; follow ``next_offset``."
    )
