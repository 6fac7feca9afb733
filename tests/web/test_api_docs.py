"""The API describes itself: OpenAPI at /openapi.json, docs at /docs, and docs/api.md."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi import FastAPI

API_DOC = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text()


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        for value in node.values():
            found |= _refs(value)
        return found
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node)) if node else set()
    return set()


def test_openapi_is_served_and_every_reference_resolves(client: Any) -> None:
    schema = client.get("/openapi.json").json()
    assert schema["info"]["title"] == "lurewatch security office"
    names = set(schema["components"]["schemas"])
    assert {"ReportCreate", "SubmittedContact", "Finding", "Evidence", "Assessment"} <= names
    for ref in _refs(schema):
        assert ref.startswith("#/components/schemas/"), ref
        assert ref.rsplit("/", 1)[1] in names, ref
    report_create = schema["components"]["schemas"]["ReportCreate"]
    assert report_create["properties"]["contacts"]["items"] == {
        "$ref": "#/components/schemas/SubmittedContact"
    }
    assert client.get("/docs").status_code == 200


def test_every_endpoint_is_documented_with_its_role(app: FastAPI) -> None:
    documented = {
        (m.group(1), m.group(2))
        for m in re.finditer(r"^\| `(GET|POST|PUT|PATCH|DELETE) (/api/[^`]*)` \|", API_DOC, re.M)
    }
    served = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    }
    assert documented == served
