"""Shared pieces of the benchmarks (host side, CPython).

Each bench_*.py beside this file defines run(ctx) yielding dicts
{"metric", "runtime", "value", "unit", ...}; bench/run.py prints them as JSON
lines. ctx gives the compiled .mpy library and a way to run device scripts."""
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from thingflow_mpy import mpy  # noqa: E402

DEVICE = Path(__file__).resolve().parent / 'device'


def metric(name, runtime, value, unit, **extra):
    d = {'metric': name, 'runtime': runtime, 'value': value, 'unit': unit}
    d.update(extra)
    return d


class Context:
    """The library compiled to .mpy once per benchmark run, and runners."""

    def __init__(self):
        self.tmp = Path(tempfile.mkdtemp(prefix='tfbench-'))
        self.mpy_lib = self.tmp / 'lib'
        mpy.compile_tree(self.mpy_lib)

    def micropython(self, script, *args, heap=None, extra_path=(), timeout=600, check=True):
        """Run a device script on the MicroPython Unix port with the .mpy
        library (and sim/) on its path. Returns stdout."""
        res = mpy.run_micropython([str(script)] + [str(a) for a in args],
                                  [self.mpy_lib, mpy.SIM, *extra_path], heap=heap, timeout=timeout)
        if check and res.returncode:
            raise RuntimeError('%s %s failed:\n%s%s' % (script, args, res.stdout, res.stderr))
        return res.stdout

    def cpython(self, script, *args, timeout=600):
        """Run a device script on CPython with lib/ and sim/ on its path."""
        env = dict(os.environ)
        env['PYTHONPATH'] = os.pathsep.join([str(mpy.LIB), str(mpy.SIM)])
        res = subprocess.run([sys.executable, str(script)] + [str(a) for a in args],
                             env=env, capture_output=True, text=True, timeout=timeout)
        if res.returncode:
            raise RuntimeError('%s %s failed:\n%s%s' % (script, args, res.stdout, res.stderr))
        return res.stdout

    def import_bytes(self, *modules):
        """Heap bytes of importing each module from .mpy, in order. The qstr
        side of each figure goes to self.qstr[module] (see qstr_delta)."""
        out = self.micropython(DEVICE / 'mem_import.py', *modules)
        q = qstr_lines(out)
        self.qstr = {m: qstr_delta(q[i], q[i + 1]) for i, m in enumerate(modules)}
        return {ln.split()[0]: int(ln.split()[1]) for ln in out.splitlines()
                if ln.strip() and not ln.startswith('qstr pool')}

    def min_heap_kb(self, script, *args, ok='ok', lo=2, hi=256, extra_path=()):
        """The smallest -X heapsize in whole KB at which script succeeds
        (prints a line starting with ok)."""
        def good(kb):
            out = self.micropython(script, *args, heap='%dk' % kb, extra_path=extra_path, check=False)
            return any(ln.startswith(ok) for ln in out.splitlines())
        return smallest(good, lo, hi)


def qstr_lines(out):
    """The 'qstr pool: n_pool=.., n_qstr=.., n_str_data_bytes=.., n_total_bytes=..'
    lines that micropython.qstr_info() printed, as dicts of ints, in order."""
    return [{k: int(v) for k, v in re.findall(r'(n_\w+)=(\d+)', ln)}
            for ln in out.splitlines() if ln.startswith('qstr pool')]


def qstr_delta(a, b):
    """Extras for a heap metric, from the qstr_info lines before (a) and
    after (b) it: qstrs_added (new names), qstr_bytes (the qstr storage it
    includes: pool entries and characters) and qstr_pools_added (new pools
    allocated inside it: each one doubles the previous, 0.5, 0.9, 1.8, 3.6 KB
    on this port, and is paid by whichever import needs the next slot)."""
    return {'qstrs_added': b['n_qstr'] - a['n_qstr'], 'qstr_bytes': b['n_total_bytes'] - a['n_total_bytes'],
            'qstr_pools_added': b['n_pool'] - a['n_pool']}


def smallest(good, lo, hi):
    """The smallest whole n in [lo, hi] with good(n), by bisection (good is
    monotonic: true from some n on); None when good(hi) is false."""
    if not good(hi):
        return None
    while lo < hi:
        mid = (lo + hi) // 2
        if good(mid):
            hi = mid
        else:
            lo = mid + 1
    return hi


def values(out):
    """'key value' lines to a dict of ints (or strings)."""
    d = {}
    for ln in out.splitlines():
        p = ln.split()
        if len(p) == 2:
            try:
                d[p[0]] = int(p[1])
            except ValueError:
                d[p[0]] = p[1]
    return d


def dump(d):
    print(json.dumps(d), flush=True)
