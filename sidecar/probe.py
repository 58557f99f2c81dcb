"""The postStart readiness probe: `wi-proxy --probe` waits until the proxy answers /readyz."""

from __future__ import annotations

import http.client
import time

DEADLINE = 7.0
INTERVAL = 0.2
ATTEMPT_TIMEOUT = 1.0


def probe(host: str, port: int, *, deadline: float = DEADLINE) -> str | None:
    """None once /readyz answers 200; else why not, after `deadline` seconds. Unlike
    upstream, a refused connection is retried too: the proxy may not be listening yet."""
    give_up = time.monotonic() + deadline
    while True:
        problem = _attempt(host, port)
        if problem is None:
            return None
        left = give_up - time.monotonic()
        if left <= 0:
            return problem
        time.sleep(min(INTERVAL, left))


def _attempt(host: str, port: int) -> str | None:
    connection = http.client.HTTPConnection(host, port, timeout=ATTEMPT_TIMEOUT)
    try:
        connection.request("GET", "/readyz")
        response = connection.getresponse()
        response.read()
    except OSError as e:
        return f"http://{host}:{port}/readyz: {e.strerror or type(e).__name__}"
    except http.client.HTTPException as e:
        # Something not (yet) speaking HTTP on the port: wait for the proxy like any other.
        return f"http://{host}:{port}/readyz: {type(e).__name__}"
    finally:
        connection.close()
    if response.status == 200:
        return None
    return f"http://{host}:{port}/readyz answered {response.status}"
