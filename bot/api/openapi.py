"""The ingest API's OpenAPI 3.1 document, built from the same pydantic models that validate requests.

`python -m bot.api.openapi > docs/openapi.json` refreshes the checked-in copy (a test keeps them equal).
"""

from __future__ import annotations

import json

from pydantic.json_schema import models_json_schema

from bot.core.records import ActivityRecord, DealRecord


def document() -> dict:
    _, schemas = models_json_schema([(ActivityRecord, "validation"), (DealRecord, "validation")],
                                    ref_template="#/components/schemas/{model}")
    components = dict(schemas.get("$defs", {}))
    components.update({
        "Result": {"type": "object", "required": ["index", "status", "id"], "properties": {
            "index": {"type": "integer"}, "status": {"enum": ["created", "updated", "unchanged"]},
            "id": {"type": "integer"}, "external_id": {"type": ["string", "null"]}}},
        "Results": {"type": "object", "properties": {"results": {"type": "array",
                                                                 "items": {"$ref": "#/components/schemas/Result"}}}},
        "Error": {"type": "object", "required": ["error"], "properties": {
            "error": {"type": "string"}, "message": {"type": "string"},
            "errors": {"type": "array", "items": {"type": "object", "properties": {
                "index": {"type": "integer"}, "field": {"type": "string"}, "message": {"type": "string"}}}}}},
    })
    return {
        "openapi": "3.1.0",
        "info": {"title": "pacebot ingest API", "version": "1",
                 "description": "Push reps' daily call totals and won deals into pacebot. Send one object or an "
                                "array; nothing is stored unless every item is valid, with JSON's own types "
                                "(a boolean or a string is no integer). Repeating a request, even many times at "
                                "once, changes nothing: activity is keyed by rep and day, deals by external_id. "
                                "Bodies are UTF-8 JSON, nested at most 64 levels, with no NUL in any text."},
        "servers": [{"url": "/"}],
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "a key from `pacebot apikey create NAME`"}},
        },
        "security": [{"bearer": []}],
        "paths": {
            "/api/v1/activity": _post("ActivityRecord", "Set a rep's totals for a day (replaces that day's totals)"),
            "/api/v1/deals": _post("DealRecord", "Record a won deal; a new one is announced to the rep's team"),
            "/api/v1/openapi.json": {"get": {"summary": "This document", "security": [],
                                             "responses": {"200": {"description": "OpenAPI 3.1"}}}},
        },
    }


def _post(model: str, summary: str) -> dict:
    ref = {"$ref": f"#/components/schemas/{model}"}
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    return {"post": {
        "summary": summary,
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"oneOf": [ref, {"type": "array", "items": ref, "maxItems": 1000}]}}}},
        "responses": {
            "200": {"description": "stored (or unchanged); one Result for an object, Results for an array",
                    "content": {"application/json": {"schema": {"oneOf": [
                        {"$ref": "#/components/schemas/Result"}, {"$ref": "#/components/schemas/Results"}]}}}},
            "400": {"description": "bad JSON (not UTF-8, too deep, a NUL in a text) or invalid fields, each named; "
                                   "nothing stored", **error},
            "401": {"description": "no live API key", **error},
            "413": {"description": "over PACEBOT_API_MAX_BODY bytes (default 2 MiB) or 1000 items", **error},
        },
    }}


if __name__ == "__main__":
    print(json.dumps(document(), indent=2, ensure_ascii=False, sort_keys=True))
