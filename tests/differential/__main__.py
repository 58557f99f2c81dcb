"""`python -m tests.differential [--pods N] [--seed S]`: upstream's webhook against `inject`.

Prints ``differential: N pods, M differences`` and each difference with a minimal reproducing
case (the pod, its ServiceAccount and the settings). Exit 1 when there is any difference.
Needs the oracle built: `bash .ci/tools azwi-webhook-oracle`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from tests.differential.compare import compared, minimal
from tests.differential.generate import generated
from tests.differential.oracle import oracle_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.differential")
    parser.add_argument("--pods", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=None, help="default: a new one each run")
    parser.add_argument("--show", type=int, default=10, help="differences shrunk and printed")
    args = parser.parse_args(argv)
    oracle = oracle_path()
    if oracle is None:
        print("differential: azwi-webhook-oracle is not built: run `bash .ci/tools`", file=sys.stderr)
        return 2
    start = time.monotonic()
    seed, cases = generated(args.pods, args.seed)
    found, tally = compared(cases, oracle)
    print(f"differential: {len(cases)} pods, {len(found)} differences")
    print(f"  ({tally}; seed {seed}, {time.monotonic() - start:.1f} s)")
    for difference in found[: args.show]:
        small = minimal(difference, oracle)
        print(json.dumps({"pod": small.case.pod, "serviceAccount": small.case.account,
                          "settings": small.case.settings._asdict()}))
        for line in small.paths:
            print("   ", line)
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
