"""The REST server's interactive documentation and its CORS answers.

``/docs`` is Swagger UI showing ``/openapi.json``: a page to read every route
and try it from the browser.  Its scripts and styles come from the
``swagger-ui-bundle`` package, installed with the course, and are served by
this server under ``/docs/``; nothing is fetched from the internet, so the page
works offline and in a classroom without internet access.

CORS (Cross-Origin Resource Sharing, https://fetch.spec.whatwg.org/#http-cors-protocol)
lets a page from another origin (a learner's own HTML file, a web app on
another port) call the API from JavaScript.  It is off by default, as on most
real APIs; ``rest.start(cors=True)`` turns it on for every origin, through the
``flask-cors`` library: preflight ``OPTIONS`` requests are answered, and the
headers a lesson reads (``ETag``, ``Location``, ``Link``, ``Content-Language``)
are exposed to scripts.
"""

from __future__ import annotations

from flask import Flask, Response, abort, request, send_from_directory

# The files of Swagger UI the page needs, no others.
ASSETS = ("swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png", "favicon-16x16.png")

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Weather service (course mock): API documentation</title>
  <link rel="stylesheet" href="{root}/docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="{root}/docs/favicon-32x32.png" sizes="32x32">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="{root}/docs/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({url: "{root}/openapi.json", dom_id: "#swagger-ui"});
  </script>
</body>
</html>
"""

CORS_ALLOW_HEADERS = ["Content-Type", "X-API-Key", "If-Match", "If-None-Match", "Accept-Language"]
CORS_EXPOSE_HEADERS = [
    "ETag",
    "Location",
    "Link",
    "Content-Language",
    "Accept-Patch",
    "Accept-Post",
]


def swagger_ui_files():
    """The folder of Swagger UI's files in the swagger-ui-bundle package."""
    from swagger_ui_bundle import swagger_ui_path

    return swagger_ui_path


def add_docs(app: Flask) -> None:
    """Serve Swagger UI at /docs, from the installed package."""

    @app.get("/docs")
    def docs():
        # Under a learner's prefix, the page's files and document keep it.
        return Response(PAGE.replace("{root}", request.script_root), mimetype="text/html")

    @app.get("/docs/<name>")
    def docs_asset(name):
        if name not in ASSETS:
            abort(404)
        return send_from_directory(swagger_ui_files(), name, max_age=3600)


def allow_cross_origin(app: Flask) -> None:
    """Answer browsers from any origin (CORS), preflight requests included."""
    from flask_cors import CORS

    CORS(
        app,
        origins="*",
        allow_headers=CORS_ALLOW_HEADERS,
        expose_headers=CORS_EXPOSE_HEADERS,
        methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        max_age=600,
    )
