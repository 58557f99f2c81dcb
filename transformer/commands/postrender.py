"""``wi-transform post-render``: Helm's rendered stream in, the same stream injected out.

Helm hands a post-renderer every rendered document (``---`` separated, with ``# Source:``
comments) on standard input and installs whatever comes back on standard output, so the
output must be all or nothing: the caller writes it only once this has returned.
"""

from __future__ import annotations

from ..errors import InputError, InputErrors
from ..inject.streams import InjectResult, inject_sources
from ..manifest.stream import parse
from ..options import InjectOptions

NAME = "<stdin>"


def run(raw: bytes, options: InjectOptions) -> InjectResult:
    """Inject every document of ``raw``; InputErrors with every problem when any fails."""
    try:
        source = parse(NAME, raw)
    except InputError as e:
        raise InputErrors([e]) from e
    return inject_sources([source], options)
