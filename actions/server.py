"""The rasa_sdk action server behind a shared secret, on 127.0.0.1 unless told otherwise.

rasa_sdk authenticates nobody and binds ``SANIC_HOST`` (default 0.0.0.0): anyone reaching
the port could run an action as any citizen. This entry point serves the same app with one
request middleware: every call but ``/health`` must carry ``X-Hotline-Action-Token`` equal
to ``HOTLINE_ACTION_TOKEN`` (Rasa sends it: endpoints.yml ``action_endpoint.headers``).

    HOTLINE_ACTION_TOKEN=… .venv/bin/python -m actions.server --port 5055 [--host 127.0.0.1]
"""

from __future__ import annotations

import argparse
import hmac
import logging
from functools import partial
from typing import Any

from rasa_sdk import utils
from rasa_sdk.endpoint import create_app_for_serve
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic.worker.loader import AppLoader

from actions.wiring import wiring
from hotline.config import Settings
from hotline.credentials import ACTION_HEADER, ACTION_TOKEN
from hotline.domain.yamlconf import ConfigError

OPEN_PATHS = frozenset({"/health"})  # readiness probes; says nothing about anyone


def create_guarded_app(executor: ActionExecutor, token: str) -> Sanic[Any, Any]:
    """rasa_sdk's app (no CORS: no browser ever calls it) with the secret checked first."""
    app: Sanic[Any, Any] = create_app_for_serve(executor, cors_origins="")

    @app.on_request
    async def require_secret(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS:
            return None
        given = request.headers.get(ACTION_HEADER, "")
        if hmac.compare_digest(given.encode(), token.encode()):
            return None
        return response.json({"error": "unauthorized"}, status=401)

    @app.after_server_start
    async def warm_up(app: Sanic[Any, Any], loop: Any) -> None:
        # the database and the sentence encoder load while no one waits; the first citizen
        # would otherwise wait for them (wiring() is built once, under a lock)
        loop.run_in_executor(None, _build_wiring)

    return app


def _build_wiring() -> None:
    try:
        wiring()
    except Exception:  # the first request builds it again and reports why
        logging.getLogger(__name__).exception("warming up the actions' wiring failed")


def main(argv: list[str] | None = None) -> None:
    """Serve the actions; refuse to start without the shared secret."""
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        raise SystemExit(f"actions.server: {exc}") from exc
    parser = argparse.ArgumentParser(description="hotline action server (rasa_sdk, with auth)")
    parser.add_argument("--actions", default="actions")
    parser.add_argument("--port", type=int, default=settings.action_server_port)
    parser.add_argument("--host", default=settings.listen_host)
    args = parser.parse_args(argv)
    token = settings.action_token or ""
    if not token:
        raise SystemExit(
            f"actions.server: {ACTION_TOKEN} is not set; refusing to serve actions to anyone "
            "(run scripts/setup.sh, or start the stack with hotline up)"
        )
    utils.configure_colored_logging(logging.INFO)
    utils.update_sanic_log_level()
    # httpx logs every request URL at INFO, and Rasa's API token travels as ?token=…
    logging.getLogger("httpx").setLevel(logging.WARNING)
    executor = ActionExecutor()
    executor.register_package(args.actions)
    loader = AppLoader(factory=partial(create_guarded_app, executor, token))
    app = loader.load()
    app.prepare(host=args.host, port=args.port, workers=utils.number_of_sanic_workers())
    Sanic.serve(primary=app, app_loader=loader)


if __name__ == "__main__":
    main()
