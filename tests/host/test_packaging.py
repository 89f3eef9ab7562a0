"""package.json (mip) and manifest.py (freezing) list exactly the files of lib/,
and what mip installs from package.json imports on the MicroPython Unix port."""
import json
import os
import shutil
from pathlib import Path

import pytest

from thingflow_mpy import mpy, packaging

FIX = 'python -m thingflow_mpy.packaging'


def lib_files():
    return sorted(p.as_posix() for p in mpy.lib_sources())


def test_lib_has_files():
    assert 'thingflow.py' in lib_files()


def test_package_json_lists_exactly_lib():
    d = json.loads(packaging.PACKAGE_JSON.read_text())
    assert set(d) == {'urls', 'version'}
    dests = [u[0] for u in d['urls']]
    assert sorted(dests) == lib_files(), 'package.json is stale: run ' + FIX
    for dest, src in d['urls']:
        assert src == 'lib/' + dest  # relative to package.json: mip resolves it
    assert d['version'] == packaging.version()
    assert packaging.PACKAGE_JSON.read_text() == packaging.package_json(), 'run ' + FIX


class Recorder:
    """The build functions a manifest calls (MicroPython's tools/manifestfile.py API)."""

    def __init__(self, base):
        self.base = base
        self.files = []
        self.meta = None

    def metadata(self, description=None, version=None, license=None, author=None):
        self.meta = {'description': description, 'version': version}

    def module(self, module_path, base_path='.', opt=None):
        p = self.base / base_path / module_path
        assert p.is_file(), p
        self.files.append(p)

    def package(self, package_path, files=None, base_path='.', opt=None):
        assert files is not None, 'package() without files would take whatever is there'
        for f in files:
            p = self.base / base_path / package_path / f
            assert p.is_file(), p
            self.files.append(p)

    def include(self, manifest_path, **kw):
        raise AssertionError('the library manifest includes nothing')


def test_manifest_lists_exactly_lib():
    rec = Recorder(mpy.ROOT)
    g = {n: getattr(rec, n) for n in ('metadata', 'module', 'package', 'include')}
    exec(compile(packaging.MANIFEST.read_text(), 'manifest.py', 'exec'), g)
    got = sorted(p.relative_to(mpy.LIB).as_posix() for p in rec.files)
    assert got == lib_files(), 'manifest.py is stale: run ' + FIX
    assert len(got) == len(set(got))
    # no metadata(): include()d, it would be the whole firmware's (see test_install_review_manifest.py)
    assert rec.meta is None
    assert packaging.MANIFEST.read_text().startswith('# Freeze ThingFlow-MicroPython %s ' % packaging.version())
    assert packaging.MANIFEST.read_text() == packaging.manifest()


def test_generators_on_a_made_up_tree():
    files = [Path('a.py'), Path('sensors/x.py'), Path('sensors/y.py'), Path('z/w.py')]
    d = json.loads(packaging.package_json(files))
    assert d['urls'] == [['a.py', 'lib/a.py'], ['sensors/x.py', 'lib/sensors/x.py'],
                         ['sensors/y.py', 'lib/sensors/y.py'], ['z/w.py', 'lib/z/w.py']]
    m = packaging.manifest(files).splitlines()
    assert 'module("a.py", base_path="lib")' in m
    assert 'package("sensors", files=("x.py", "y.py",), base_path="lib")' in m
    assert 'package("z", files=("w.py",), base_path="lib")' in m


def test_check_mode(tmp_path, monkeypatch, capsys):
    assert packaging.main(['--check']) == 0
    monkeypatch.setattr(packaging, 'PACKAGE_JSON', tmp_path / 'package.json')
    monkeypatch.setattr(packaging, 'MANIFEST', tmp_path / 'manifest.py')
    assert packaging.main(['--check']) == 1
    assert 'stale: package.json, manifest.py' in capsys.readouterr().err
    assert packaging.main(['--bogus']) == 2
    assert capsys.readouterr().err == 'usage: python -m thingflow_mpy.packaging [--check]\n'
    # one stale file: only it is named
    pj, mf = tmp_path / 'package.json', tmp_path / 'manifest.py'
    pj.write_text(packaging.package_json())
    mf.write_text(packaging.manifest().replace('module("thingflow.py", base_path="lib")\n', ''))
    assert packaging.main(['--check']) == 1
    assert capsys.readouterr().err == 'stale: manifest.py (python -m thingflow_mpy.packaging)\n'


def test_write_mode_writes_both_files(tmp_path, monkeypatch, capsys):
    pj, mf = tmp_path / 'package.json', tmp_path / 'manifest.py'
    monkeypatch.setattr(packaging, 'PACKAGE_JSON', pj)
    monkeypatch.setattr(packaging, 'MANIFEST', mf)
    mf.write_text('stale\n')
    assert packaging.main([]) == 0
    assert capsys.readouterr().out == 'wrote %s\nwrote %s\n' % (pj, mf)
    assert (pj.read_text(), mf.read_text()) == (packaging.package_json(), packaging.manifest())
    assert packaging.main(['--check']) == 0


class DirTransport:
    """mpremote's transport API for mip, writing into a folder (no board here)."""

    def __init__(self, root):
        self.root = Path(root)

    def _p(self, path):
        return self.root / path.lstrip('/')

    def fs_exists(self, path):
        return self._p(path).exists()

    def fs_mkdir(self, path):
        self._p(path).mkdir()

    def fs_writefile(self, path, data, progress_callback=None):
        self._p(path).write_bytes(data)

    def fs_hashfile(self, path, algo):
        raise FileNotFoundError(path)


def test_mip_install_from_package_json_imports_on_micropython(tmp_path, capsys):
    # mpremote's own mip code, reading our package.json from the checkout as
    # it reads it from github: relative URLs, files to the board's /lib
    from mpremote import mip
    board = tmp_path / 'board'
    (board / 'lib').mkdir(parents=True)
    mip._install_json(DirTransport(board), str(packaging.PACKAGE_JSON), None, '/lib', None, False)
    got = sorted(p.relative_to(board / 'lib').as_posix() for p in (board / 'lib').rglob('*.py'))
    assert got == lib_files()
    mods = [f[:-3].replace('/', '.') for f in got]
    code = ('import sys\nfor m in %r:\n    __import__(m)\nimport thingflow\n'
            'print("imported", len(sys.modules) > 0, thingflow.__file__)' % mods)
    res = mpy.run_micropython(['-c', code], [board / 'lib', mpy.SIM])
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.strip() == 'imported True %s' % (board / 'lib' / 'thingflow.py')
