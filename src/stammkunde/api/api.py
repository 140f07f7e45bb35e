"""The REST API (django-ninja): schemas only, every operation calls an app's services or queries."""

from ninja import NinjaAPI

api = NinjaAPI(title="Stammkunde API", version="1", urls_namespace="api")
