"""The web container's health check (deploy/compose.yaml): GET /healthz?check=database on the
local granian, as the reverse proxy would send it (the first ALLOWED_HOSTS name, HTTPS
forwarded). Exit status 0 when it answers 200, 1 otherwise."""

import os
import sys
import urllib.request


def main() -> int:
    host = os.environ.get("ALLOWED_HOSTS", "localhost").split(",")[0]
    port = os.environ.get("GRANIAN_PORT", "8000")
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/healthz?check=database",
        headers={"Host": host, "X-Forwarded-Proto": "https"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return 0 if response.status == 200 else 1
    except OSError:
        return 1


if __name__ == "__main__":
    sys.exit(main())
