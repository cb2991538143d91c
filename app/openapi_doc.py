"""The OpenAPI document as FastAPI makes it, but keeping the nulls its examples hold.

FastAPI encodes the finished document dropping every None (`exclude_none`), the values inside
examples included, so an example answer lost each key whose value is null (a claim not yet decided,
a credit with no introducer) and showed a shape the API never answers. Encoding it dropping only what
was never set keeps those nulls; the one other difference is that optional parameters state their
`"default": null`, which is what JSON Schema says of them anyway."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import fastapi.openapi.utils as openapi_utils
from fastapi import FastAPI
from fastapi.encoders import jsonable_encoder
from fastapi.openapi.models import OpenAPI

_making = threading.Lock()


def _keeping_nulls(obj: Any, **kwargs: Any) -> Any:
    if isinstance(obj, OpenAPI):
        return jsonable_encoder(obj, by_alias=True, exclude_unset=True)
    return jsonable_encoder(obj, **kwargs)


def keep_example_nulls(app: FastAPI) -> None:
    """Make `app.openapi()` (and so /openapi.json) encode the document keeping the nulls of examples."""
    make: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            with _making:  # get_openapi looks the encoder up in its module: swapped only while it runs
                saved = openapi_utils.jsonable_encoder
                setattr(openapi_utils, "jsonable_encoder", _keeping_nulls)  # noqa: B010 (typed as its module's)
                try:
                    make()
                finally:
                    setattr(openapi_utils, "jsonable_encoder", saved)  # noqa: B010
        assert app.openapi_schema is not None
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
