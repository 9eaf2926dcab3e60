"""`python -m tanggap_classifier.bench`: classifications per second on one core (rules only, no I/O).

Runs the labelled evaluation cases through `classify` repeatedly in this one process: a first, cold
pass (stems not cached yet) and warm passes. No test asserts on these numbers.
"""

import argparse
import sys
import time

from tanggap_classifier.engine import classify
from tanggap_classifier.eval import load_cases
from tanggap_classifier.lexicon import lexicon_for
from tanggap_classifier.policy import load_policy
from tanggap_classifier.stemming import cache_info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tanggap_classifier.bench", description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0, help="how long to run the warm passes")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    policy = load_policy()
    lexicon_for(policy)
    load_seconds = time.perf_counter() - started
    cases = [(c.unit_ref(), c.snapshot(), c.recent) for c in load_cases()]

    started = time.perf_counter()
    for unit, report, recent in cases:
        classify(unit, report, recent, policy)
    cold = len(cases) / (time.perf_counter() - started)

    done = 0
    started = time.perf_counter()
    while time.perf_counter() - started < args.seconds:
        for unit, report, recent in cases:
            classify(unit, report, recent, policy)
        done += len(cases)
    warm = done / (time.perf_counter() - started)
    words = sum(len(r.text.split()) for _, r, _ in cases) / len(cases)

    lines = [
        f"Tanggap classifier benchmark (one core, policy {policy.version})",
        f"  policy load + lexicon build   {load_seconds * 1000:8.0f} ms",
        f"  cases                         {len(cases):8d} (avg {words:.0f} words)",
        f"  cold pass                     {cold:8.0f} classifications/s",
        f"  warm                          {warm:8.0f} classifications/s ({done} in {args.seconds:g} s)",
        f"  stem cache                    {cache_info()}",
    ]
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
