"""Turn a function package into the ASGI app functions-framework builds for it.

`functions.<name>.main` defines an `@functions_framework.aio` function named `<name>`;
this imports it as a normal module (so several functions can share one process locally) and
lets functions-framework wrap it exactly as it would in its own container.
"""

from __future__ import annotations

import importlib
from typing import Any

from functions_framework.aio import create_asgi_app_from_module

ASGIApp = Any  # an ASGI3 callable; Starlette's own type is not worth importing here


def function_app(name: str) -> ASGIApp:
    module = importlib.import_module(f"functions.{name}.main")
    return create_asgi_app_from_module(  # type: ignore[no-untyped-call]
        target=name,
        source=module.__file__,
        signature_type=None,
        source_module=module,
        spec=module.__spec__,
    )
