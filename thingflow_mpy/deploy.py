"""thingflow-mpy deploy: build lib/ for the board, copy it to /lib and the
app to /main.py with mpremote, and reset the board.

    thingflow-mpy deploy examples/room_monitor.py --port /dev/ttyUSB0 --dry-run

The steps, each one mpremote command (--dry-run prints them):
  1. fs cp -r BUILD/lib :          the .mpy files into lib/ of the working
                                   folder: /lib (/flash/lib on a pyboard)
  2. exec "..."                    removes a stale lib/X.py beside each new
                                   X.mpy (MicroPython imports X.py first),
                                   then stops (AssertionError) when thingflow
                                   is imported from elsewhere than that lib/
                                   (a ROMFS image of a `deploy --romfs`:
                                   /rom/lib comes first on sys.path)
  3. fs cp APP :main.py            the app
  4. fs cp DIR/config.py :config.py   when the app has a config.py beside it
     (and each --file, to the board's root: not main.py, boot.py or a
     module of the library, which would come before /lib on sys.path)
  5. reset                         a hard reset: main.py starts
With --romfs, steps 1 and 2 are instead:
  1. romfs deploy BUILD/lib.romfs   the .mpy files as a ROMFS image into the
                                   board's ROMFS partition (firmware with
                                   ROMFS: their bytecode runs from flash)
  2. exec "..."                    removes lib/X.py and lib/X.mpy for each
                                   module of the image (they come after
                                   /rom/lib: they would only take flash, and
                                   run again, stale, if the image went)
"""
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

from . import mpy
from .listen import UsageError


def mpremote_binary():
    """The mpremote command: $MPREMOTE, or mpremote on the PATH / beside python."""
    exe = os.environ.get('MPREMOTE') or mpy._which('mpremote')
    if not exe:
        raise mpy.ToolMissing("no 'mpremote' binary: pip install mpremote==1.29.0")
    return exe


# mpremote's shortcuts a0..a3, u0..u3, c0..c3 are commands of their own
# (`mpremote a0` is `mpremote connect /dev/ttyACM0`): `mpremote connect a0`
# opens a serial device named "a0", and fails
SHORTCUTS = {'a': '/dev/ttyACM', 'u': '/dev/ttyUSB', 'c': 'COM'}


def check_port(port):
    """A device for `mpremote connect`: a serial device (/dev/ttyUSB0, COM3),
    auto, id:SERIAL, port:DEVICE, rfc2217://, socket://, or one of mpremote's
    shortcuts a0..a3, u0..u3, c0..c3, returned as the device it stands for."""
    if not port or port != port.strip() or any(c in port for c in '\n\r\t '):
        raise UsageError('bad --port %r: want a device like /dev/ttyUSB0, COM3 or auto' % (port,))
    if len(port) == 2 and port[0] in SHORTCUTS and port[1] in '0123':
        return SHORTCUTS[port[0]] + port[1]
    return port


def imports_config(source):
    """True when the app's source imports the module config (import config,
    import a, config, from config import ...)."""
    return re.search(r'^[ \t]*(import[ \t]+([\w.]+[ \t]*,[ \t]*)*config\b|from[ \t]+config[ \t]+import\b)',
                     source, re.M) is not None


def uses_writer(app, src):
    """True when the app (a Path; src: its source) mentions mqtt_writer, or
    a module of its own beside it that it imports does (one level: `import
    monitor`, where monitor.py makes the writer)."""
    if 'mqtt_writer' in src:
        return True
    for a, b in re.findall(r'^[ \t]*(?:import[ \t]+([\w., \t]+)|from[ \t]+([\w.]+)[ \t]+import\b)', src, re.M):
        for name in (a.split(',') if a else [b]):
            f = app.parent / (name.split()[0].split('.')[0] + '.py') if name.split() else None
            if f is not None and f.is_file() and f != app and 'mqtt_writer' in f.read_text(errors='replace'):
                return True
    return False


def stale_py_code(mpy_files, root='lib', probe='thingflow'):
    """Board-side code (one line) that deletes each X.py that has an X.mpy
    beside it, in the folders of mpy_files (paths relative to lib/, which
    is root on the board: relative, as `fs cp -r BUILD/lib :` puts it, to
    the working folder: /lib on an ESP8266, /flash/lib on a pyboard). Then
    it imports probe (a module of the build: after the clean-up, from its
    .mpy, not by compiling a stale source copy, which can run out of heap)
    and stops with an AssertionError naming the file when it does not come
    from root: a copy earlier on sys.path (a ROMFS image from a `deploy
    --romfs`, frozen modules, a stray copy at /) would be imported instead
    of the new build."""
    dirs = sorted({root + ('/' + p.parent.as_posix() if p.parent.as_posix() != '.' else '')
                   for p in mpy_files})
    r = ('"%s/"' % root) if root.startswith('/') else ('os.getcwd().rstrip("/")+"/%s/"' % root)
    return ('import os;d=os.listdir;[os.remove(p+"/"+f) for p in (%s,) for f in d(p) if f[-3:]==".py" '
            'and f[:-3]+".mpy" in d(p)];r=%s;f=__import__("%s").__file__;assert f[:len(r)]==r,f+" comes '
            'before "+r+" on sys.path: deploy --romfs, or take the library out of there"'
            % (','.join('"%s"' % x for x in dirs), r, probe))


def shadow_code(mpy_files, root='lib'):
    """Board-side code that deletes X.py and X.mpy under root for each X.mpy
    of mpy_files (paths relative to lib/): copies on the filesystem that
    would shadow the modules of a ROMFS image."""
    mods = ','.join('"%s/%s"' % (root, p.with_suffix('').as_posix()) for p in mpy_files)
    return ('import os\nfor m in (%s,):\n for e in (".py",".mpy"):\n  try:os.remove(m+e)\n'
            '  except OSError:pass' % mods)


def check_app(app, py=True):
    """app as a Path; UsageError for a folder, a missing file and (py) a
    file that is not .py (run, deploy and plan take the app this way)."""
    app = Path(app)
    if app.is_dir():
        raise UsageError('%s: a folder, not an app file (give the app\'s .py file)' % app)
    if not app.is_file():
        raise UsageError('no such app: %s' % app)
    if py and app.suffix != '.py':
        raise UsageError('the app must be a .py file: %s' % app)
    return app


def commands(app, port, build_dir, files=(), exe='mpremote', romfs=False):
    """The mpremote commands that deploy, as argv lists. romfs: the library
    as the image BUILD/lib.romfs, into the board's ROMFS partition."""
    app = Path(app)
    lib = Path(build_dir) / 'lib'
    mpys = sorted(p.relative_to(lib) for p in lib.rglob('*.mpy'))
    base = [exe, 'connect', check_port(port)]
    if romfs:
        cmds = [base + ['romfs', 'deploy', str(Path(build_dir) / 'lib.romfs')],
                base + ['exec', shadow_code(mpys)]]
    else:
        cmds = [base + ['fs', 'cp', '-r', str(lib), ':'],
                base + ['exec', stale_py_code(mpys)]]
    cmds.append(base + ['fs', 'cp', str(app), ':main.py'])
    extra = list(files)
    cfg = app.parent / 'config.py'
    if cfg.is_file() and all(Path(f).name != 'config.py' for f in extra):  # (a --file config.py wins)
        extra.insert(0, cfg)
    for f in extra:
        cmds.append(base + ['fs', 'cp', str(f), ':' + Path(f).name])
    cmds.append(base + ['reset'])
    return cmds


def deploy(app, port, out='build', arch=None, build=True, dry_run=False, files=(), echo=print,
           romfs=False):
    """The deploy command. Returns the exit status of the first mpremote
    command that failed, else 0. UsageError / mpy.ToolMissing for bad
    arguments and missing tools."""
    from .build import build as do_build, table
    app = check_app(app)
    check_port(port)
    files = [Path(f) for f in files]
    for f in files:
        if not f.is_file():
            raise UsageError(('--file %s: a folder, not a file' if f.is_dir() else 'no such file: %s') % f)
        if f.name in ('main.py', 'boot.py') and f != app:
            raise UsageError('--file %s would overwrite the board\'s %s' % (f, f.name))
    for i, f in enumerate(files):  # (the second copy would replace the first)
        for g in files[:i]:
            if g.name == f.name and g.resolve() != f.resolve():
                raise UsageError('--file %s and --file %s would both be the board\'s /%s' % (g, f, f.name))
    if (not (app.parent / 'config.py').is_file() and all(f.name != 'config.py' for f in files)
            and imports_config(app.read_text(errors='replace'))):
        # the deploy itself succeeds; the board would stop at `import config` when it boots
        print("thingflow-mpy deploy: warning: %s imports config, and no config.py is beside it "
              "(nor a --file): the board needs its own /config.py (write one from "
              "examples/config_example.py)" % app, file=sys.stderr)
    # a module of the library at the board's root comes before /lib and /rom/lib
    # on sys.path: the board would go on importing that copy, not the new build
    lib = Path(out) / 'lib'
    mods = {p.parts[0].split('.')[0] for p in (mpy.lib_sources() if build else
                                               [q.relative_to(lib) for q in lib.rglob('*.mpy')])}
    for f in files:
        if f.suffix in ('.py', '.mpy') and f.stem in mods:
            raise UsageError('--file %s would shadow the library\'s module %s (the board\'s root comes '
                             'before /lib on sys.path): rename it' % (f, f.stem))
    exe = 'mpremote' if dry_run else mpremote_binary()
    if build:
        rows = do_build(out, arch)
        echo(table(rows, arch))
    elif not any((Path(out) / 'lib').rglob('*.mpy')):
        raise UsageError('--no-build: no .mpy files in %s (run thingflow-mpy build --out %s)'
                         % (Path(out) / 'lib', out))
    if romfs:  # the image of what BUILD/lib holds
        from .romfs import write
        img = Path(out) / 'lib.romfs'
        echo("%s: %d bytes (the board's ROMFS partition must hold them)" % (img, write(Path(out) / 'lib', img)))
    for cmd in commands(app, port, out, files, exe, romfs):
        echo(shlex.join(cmd))
        if not dry_run:
            rc = subprocess.call(cmd)
            if rc:
                echo('thingflow-mpy deploy: mpremote failed (exit status %d)' % rc)
                return rc
    return 0
