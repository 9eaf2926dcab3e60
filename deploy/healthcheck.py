"""Container health check: GET /healthz on the service's own port (slim images have no curl or wget)."""

import os
import sys
import urllib.error
import urllib.request


def main() -> int:
    port = os.environ.get("TANGGAP_HTTP_PORT", "8080")
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=3) as response:
            return 0 if 200 <= response.status < 300 else 1
    except (urllib.error.URLError, OSError) as exc:
        sys.stderr.write(f"unhealthy: {exc}\n")
        return 1


if __name__ == "__main__":
    sys.exit(main())
