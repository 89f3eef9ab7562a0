"""manifest.py as a firmware build reads it: include()d from the user's own
manifest, beside the board's manifest and other libraries.

The rules of MicroPython's tools/manifestfile.py (v1.29) that matter here,
modelled by Firmware below:
- metadata(**kw) sets the metadata on top of a stack; a second metadata()
  for the same entry raises ManifestFileError("Duplicate call to metadata().");
- include(path) runs the file from its folder and pushes NO new entry (only
  require() does), so an included manifest's metadata() is the top-level one;
- each file added records the entry on top of the stack, and makemanifest.py
  appends `__version__ = <that version>` to every .py it freezes."""
import os
from pathlib import Path

import pytest

from thingflow_mpy import mpy, packaging


class ManifestFileError(Exception):
    pass


class Meta:
    def __init__(self):
        self.version = None
        self.set = False

    def update(self, version=None, description=None, **kw):
        if self.set:
            raise ManifestFileError('Duplicate call to metadata().')
        self.version, self.set = version, True


class Firmware:
    def __init__(self):
        self.meta = [Meta()]
        self.files = []  # (target path, the metadata entry it was added under)

    def g(self):
        return {'metadata': lambda **kw: self.meta[-1].update(**kw), 'include': self.include,
                'require': self.require, 'module': self.module, 'package': self.package,
                'freeze': self.freeze}

    def run(self, path, push=False):
        path = Path(path).resolve()
        if push:
            self.meta.append(Meta())
        cwd = os.getcwd()
        os.chdir(path.parent)
        try:
            exec(compile(path.read_text(), str(path), 'exec'), self.g())
        finally:
            os.chdir(cwd)
        if push:
            self.meta.pop()

    def include(self, path, **kw):
        self.run(path)

    def require(self, path, **kw):  # (by path here: the library search is not modelled)
        self.run(path, push=True)

    def _add(self, full, target):
        assert Path(full).is_file(), full
        self.files.append((target, self.meta[-1]))

    def module(self, name, base_path='.', opt=None):
        self._add(Path(base_path).resolve() / name, name)

    def package(self, name, files=None, base_path='.', opt=None):
        for f in files:
            self._add(Path(base_path).resolve() / name / f, name + '/' + f)

    def freeze(self, path, script=None, opt=None):
        for p in sorted(Path(path).resolve().glob('*.py')):
            self._add(p, p.name)

    def versions(self):
        return {t: m.version for t, m in self.files}


@pytest.fixture
def port(tmp_path):
    # the board's own frozen modules (as ports/esp8266/modules: _boot.py, ...)
    mods = tmp_path / 'port' / 'modules'
    mods.mkdir(parents=True)
    (mods / '_boot.py').write_text('import gc\n')
    (tmp_path / 'port' / 'manifest.py').write_text('freeze("modules")\n')
    return tmp_path / 'port' / 'manifest.py'


def write(tmp_path, text):
    m = tmp_path / 'my_manifest.py'
    m.write_text(text)
    return m


def test_included_beside_the_board_manifest_it_freezes_lib_and_labels_nothing_else(tmp_path, port):
    fw = Firmware()
    fw.run(write(tmp_path, 'include(%r)\ninclude(%r)\n' % (str(port), str(packaging.MANIFEST))))
    v = fw.versions()
    assert sorted(t for t in v if t != '_boot.py') == sorted(p.as_posix() for p in mpy.lib_sources())
    # the board's _boot.py must not be frozen with __version__ = "<thingflow's version>"
    assert v['_boot.py'] is None


def test_a_firmware_manifest_with_its_own_metadata_can_include_it(tmp_path, port):
    fw = Firmware()
    fw.run(write(tmp_path, 'metadata(description="my firmware", version="2.0")\ninclude(%r)\ninclude(%r)\n'
                 % (str(port), str(packaging.MANIFEST))))  # (was: Duplicate call to metadata())
    assert set(fw.versions().values()) == {'2.0'}


def test_two_included_libraries_each_as_micropython_lib_writes_them(tmp_path, port):
    other = tmp_path / 'other'
    other.mkdir()
    (other / 'drv.py').write_text('x = 1\n')
    (other / 'manifest.py').write_text('metadata(version="0.3")\nmodule("drv.py")\n')
    fw = Firmware()
    fw.run(write(tmp_path, 'include(%r)\ninclude(%r)\n' % (str(other / 'manifest.py'), str(packaging.MANIFEST))))
    assert fw.versions()['drv.py'] == '0.3'


def test_required_it_still_freezes_every_module(tmp_path):
    fw = Firmware()
    fw.run(write(tmp_path, 'require(%r)\n' % str(packaging.MANIFEST)))
    assert len(fw.files) == len(mpy.lib_sources())


def test_the_manifest_says_how_to_keep_the_boards_own_frozen_modules():
    head = packaging.MANIFEST.read_text().split('\n\n')[0]
    assert 'include("$(BOARD_DIR)/manifest.py")' in head
    assert 'FROZEN_MANIFEST=/path/to/your/manifest.py' in head
