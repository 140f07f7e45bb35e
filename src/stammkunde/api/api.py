"""The REST API (django-ninja): schemas only, every operation calls an app's services or queries."""

from ninja import NinjaAPI

from stammkunde.api.auth import TokenAuth
from stammkunde.api.errors import install_error_handlers
from stammkunde.api.routers import activities, customers, events, orders, privacy

api = NinjaAPI(
    title="Stammkunde API",
    version="1",
    urls_namespace="api",
    auth=TokenAuth(),
    description=(
        "Customers, orders, shop events and timelines of a Stammkunde installation. "
        "Authenticate with a per-integration token: `Authorization: Bearer stk_...` "
        '(created with `stammkunde api token create`). Errors are JSON `{"detail": "..."}`.'
    ),
)
install_error_handlers(api)
api.add_router("", customers.router)
api.add_router("", orders.router)
api.add_router("", activities.router)
api.add_router("", events.router)
api.add_router("", privacy.router)
