"""The server's HTTP API, by audience: the kiosks' sync endpoints (sync_routes, logged per request by
attempts.LoggedRoute) and the admin's read-only views (admin_routes); their shared, typed
dependencies are in deps and services, and the OpenAPI document in openapi_doc. The community console
has its own routers (sync/server/console). What the routes do lives in the rooms beside this one
(devices, records, lists, alerts, reports: sync/server/__init__.py).
"""
