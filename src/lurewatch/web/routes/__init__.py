"""The API's routers, one module per area; :func:`lurewatch.web.create_app` includes them."""
