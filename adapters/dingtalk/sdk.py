"""Importing the dingtalk-stream SDK safely.

It reads DINGTALK_OPENAPI_ENDPOINT once, at import, so the endpoint is set from DINGTALK_API_BASE
first; and it refers to `websockets.exceptions` without importing it, so an odd gateway answer
would raise AttributeError inside its loop unless that module is imported before it.
"""

from __future__ import annotations

import logging
import os
import sys

log = logging.getLogger(__name__)


def load_sdk(api_base: str):
    if "dingtalk_stream" not in sys.modules:
        os.environ["DINGTALK_OPENAPI_ENDPOINT"] = api_base.rstrip("/")
    import websockets.exceptions  # noqa: F401

    import dingtalk_stream
    from dingtalk_stream import utils

    if utils.DINGTALK_OPENAPI_ENDPOINT != api_base.rstrip("/"):
        log.warning("dingtalk_stream was imported before pacebot set its endpoint; it uses %s, not %s",
                    utils.DINGTALK_OPENAPI_ENDPOINT, api_base)
    return dingtalk_stream
