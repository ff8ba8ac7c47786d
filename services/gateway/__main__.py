"""``python -m services.gateway [run|render|validate]``: the Envoy gateway on its own.

- ``run`` (default; the compose deployment): render from GATEWAY_* variables, run Envoy
  until SIGINT/SIGTERM, then stop it.
- ``render [-o FILE]``: print (or write) the rendered config.
- ``validate``: render and check it with ``envoy --mode validate`` (``make envoy-validate``).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from services.common._runtime import run_service, stop_requested
from services.gateway._config import GatewayConfigError, GatewaySettings, render
from services.gateway._process import Envoy, GatewayError, validate

log = logging.getLogger("services.gateway")


async def _run() -> None:
    async with Envoy(GatewaySettings.from_env()) as envoy:
        print(f"gateway: {envoy.url}  (admin {envoy.admin_address})", flush=True)
        await stop_requested()
        log.info("shutting down")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", nargs="?", default="run", choices=["run", "render", "validate"])
    parser.add_argument("-o", "--output", type=Path, help="render: write the config here")
    args = parser.parse_args(argv)
    try:
        if args.command == "run":
            run_service(_run)
            return 0
        config = render(GatewaySettings.from_env())
        if args.command == "render":
            if args.output is None:
                sys.stdout.write(config)
            else:
                args.output.write_text(config)
            return 0
        print(validate(config))
        return 0
    except (GatewayConfigError, GatewayError) as exc:
        print(f"gateway: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
