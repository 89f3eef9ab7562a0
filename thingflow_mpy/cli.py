"""The thingflow-mpy command (host side)."""
import argparse
import sys
from pathlib import Path

from . import mpy


def cmd_run(args):
    app = Path(args.app)
    if not app.is_file():
        raise SystemExit('thingflow-mpy run: no such app: %s' % app)
    if args.runtime == 'cpython':
        import os
        import subprocess
        env = dict(os.environ)
        env['PYTHONPATH'] = os.pathsep.join([str(mpy.LIB), str(mpy.SIM)])
        return subprocess.call([sys.executable, str(app)], env=env)
    import os
    import subprocess
    cmd = [mpy.micropython_binary()]
    if args.heap:
        cmd += ['-X', 'heapsize=%dk' % args.heap]
    env = dict(os.environ)
    env['MICROPYPATH'] = mpy.micropython_path(mpy.LIB, mpy.SIM)
    return subprocess.call(cmd + [str(app)], env=env)


def main(argv=None):
    p = argparse.ArgumentParser(prog='thingflow-mpy', description='ThingFlow-MicroPython tools')
    sub = p.add_subparsers(dest='cmd', required=True)
    r = sub.add_parser('run', help='run a device app on the desktop')
    r.add_argument('app')
    r.add_argument('--runtime', choices=['micropython', 'cpython'], default='micropython')
    r.add_argument('--heap', type=int, help='heap size in KB (MicroPython)')
    r.set_defaults(fn=cmd_run)
    args = p.parse_args(argv)
    try:
        return args.fn(args)
    except mpy.ToolMissing as e:
        print('thingflow-mpy: %s' % e, file=sys.stderr)
        return 2


if __name__ == '__main__':
    sys.exit(main())
