"""Customer models, one module per topic; each is re-exported here for Django and callers."""

from stammkunde.customers.models.addresses import (
    STREET_REPLACEMENTS,
    Address,
    AddressKind,
    postal_key_expression,
    street_key_expression,
)
from stammkunde.customers.models.consent import (
    ConsentChannel,
    ConsentEvent,
    ConsentPurpose,
    ConsentRequest,
    ConsentSource,
)
from stammkunde.customers.models.customers import (
    Customer,
    CustomerStatus,
    FormOfAddress,
    Salutation,
    Tag,
)
from stammkunde.customers.models.duplicates import (
    CustomerMerge,
    DismissedDuplicate,
    DuplicateReason,
)
from stammkunde.customers.models.privacy import (
    ErasureScope,
    PrivacyRequest,
    PrivacyRequestChannel,
    PrivacyRequestKind,
    PrivacyRequestState,
)

__all__ = [
    "STREET_REPLACEMENTS",
    "Address",
    "AddressKind",
    "ConsentChannel",
    "ConsentEvent",
    "ConsentPurpose",
    "ConsentRequest",
    "ConsentSource",
    "Customer",
    "CustomerMerge",
    "CustomerStatus",
    "DismissedDuplicate",
    "DuplicateReason",
    "ErasureScope",
    "FormOfAddress",
    "PrivacyRequest",
    "PrivacyRequestChannel",
    "PrivacyRequestKind",
    "PrivacyRequestState",
    "Salutation",
    "Tag",
    "postal_key_expression",
    "street_key_expression",
]
