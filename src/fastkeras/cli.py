"""The `fastkeras` command: `fastkeras demo`, `fastkeras bench`, `fastkeras info`."""

from __future__ import annotations

import argparse
import sys


def _demo(args):
    from .demo import run_demo
    return run_demo(backend=args.backend, epochs=args.epochs, batch_size=args.batch_size,
                    verbose=args.verbose)


def _bench(args):
    from .bench.harness import main as bench_main
    return bench_main(args)


def _info(args):
    from . import config
    config.print_info()
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="fastkeras", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="train a digit classifier on the bundled data set")
    demo.add_argument("--backend", default=None, help="cpu, numba or reference")
    demo.add_argument("--epochs", type=int, default=30)
    demo.add_argument("--batch-size", type=int, default=32)
    demo.add_argument("--verbose", type=int, default=None, help="0, 1 or 2 (default: auto)")
    demo.set_defaults(func=_demo)

    bench = sub.add_parser("bench", help="benchmark the reference workloads against peers")
    from .bench.harness import add_arguments
    add_arguments(bench)
    bench.set_defaults(func=_bench)

    info = sub.add_parser("info", help="what was built, what hardware was found")
    info.set_defaults(func=_info)

    args = parser.parse_args(argv)
    return args.func(args) or 0


if __name__ == "__main__":
    sys.exit(main())
