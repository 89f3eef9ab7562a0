"""ROMFS images (thingflow_mpy/romfs.py): what an image holds, and the
library running from one on the real MicroPython Unix port, mounted at /rom
by device/romfs_app.py as a board's firmware mounts its ROMFS partition."""
import math
import re
from pathlib import Path

import pytest

from thingflow_mpy import mpy, romfs

DEVICE = Path(__file__).resolve().parent.parent / 'device'


@pytest.fixture(scope='module')
def image(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('romfs')
    rows = mpy.compile_tree(tmp / 'lib')
    n = romfs.write(tmp / 'lib', tmp / 'lib.romfs')
    assert n == (tmp / 'lib.romfs').stat().st_size
    return tmp / 'lib.romfs', rows


def run(img, *args, path=(), heap=None):
    return mpy.run_micropython([str(romfs.APP), str(img)] + [str(a) for a in args],
                               [mpy.SIM, *path], heap=heap, timeout=300)


def test_the_image_holds_every_module_of_lib_as_mpy(image, tmp_path):
    img, rows = image
    walk = tmp_path / 'walk.py'
    walk.write_text(
        'import os\n'
        'def walk(d, p):\n'
        '    for n in sorted(os.listdir(d)):\n'
        '        if os.stat(d + "/" + n)[0] & 0x4000:\n'
        '            walk(d + "/" + n, p + n + "/")\n'
        '        else:\n'
        '            print(p + n, os.stat(d + "/" + n)[6])\n'
        'walk("/rom/lib", "")\n')
    res = run(img, walk)
    assert res.returncode == 0, res.stderr
    got = dict(ln.split() for ln in res.stdout.splitlines())
    want = {r[0].with_suffix('.mpy').as_posix(): str(r[2]) for r in rows}
    assert got == want


def test_the_library_comes_from_the_image(image, tmp_path):
    img, _ = image
    s = tmp_path / 'which.py'
    s.write_text('import thingflow, sensors.tsl2591\nprint(thingflow.__file__)\nprint(sensors.tsl2591.__file__)\n')
    res = run(img, s)
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ['/rom/lib/thingflow.mpy', '/rom/lib/sensors/tsl2591.mpy']


@pytest.mark.parametrize('module', ['test_core', 'test_scheduler', 'test_sensors_tsl2591', 'test_filters'])
def test_device_tests_pass_with_the_library_in_romfs(image, module):
    img, _ = image
    res = run(img, DEVICE / 'mprun.py', module, path=[DEVICE])
    m = re.search(r'^micropython: (\d+) passed, (\d+) failed$', res.stdout, re.M)
    assert m and m.group(2) == '0' and int(m.group(1)) > 0 and res.returncode == 0, res.stdout + res.stderr


def test_an_app_is_imported_after_the_mount(image, tmp_path):
    img, _ = image
    (tmp_path / 'app.py').write_text(
        'from thingflow import Scheduler, InputThing\n'
        'from vclock import VirtualClock, run_for\n'
        'import thingflow\n'
        'class S:\n'
        '    sensor_id = "s"\n'
        '    def sample(self):\n'
        '        return 7\n'
        'class R(InputThing):\n'
        '    def on_next(self, x):\n'
        '        print(x)\n'
        's = Scheduler(VirtualClock())\n'
        's.schedule_sensor(S(), 1, R())\n'
        'run_for(s, 2)\n'
        'print(thingflow.__file__)\n')
    res = run(img, '-m', 'app', path=[tmp_path])
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines() == ["('s', 0.0, 7)", "('s', 1.0, 7)", "('s', 2.0, 7)",
                                       '/rom/lib/thingflow.mpy']


def test_a_missing_image_is_named(tmp_path):
    res = run(tmp_path / 'none.romfs', '-m', 'thingflow')
    assert (res.returncode, res.stdout) == (2, 'romfs_app: no image %s\n' % (tmp_path / 'none.romfs'))


def test_an_empty_tree_is_an_error_naming_it(tmp_path):
    with pytest.raises(ValueError, match='no .mpy files below %s' % re.escape(str(tmp_path))):
        romfs.image(tmp_path)


def test_the_footprint_counts_blocks_and_the_collectors_tables():
    # the bytearray object (one 32-byte block) and the data in whole blocks,
    # 32 bytes and 3 bits of tables each
    assert romfs.footprint(1) == math.ceil(2 * 32.375) == 65
    assert romfs.footprint(32) == 65
    assert romfs.footprint(33) == math.ceil(3 * 32.375) == 98
    assert romfs.footprint(31602) == math.ceil((1 + 988) * 32.375)


def test_an_image_file_name_that_mpremote_would_take_for_a_folder_is_refused(image, tmp_path):
    # `mpremote romfs deploy FILE` reads FILE as an image only when it ends in
    # .romfs or .img; any other name it tries to build an image of, as a folder
    from thingflow_mpy.listen import UsageError
    lib = tmp_path / 'build' / 'lib'
    mpy.compile_tree(lib, src=mpy.LIB)
    for name in ('lib.bin', 'image', 'lib.ROMFS'):
        with pytest.raises(UsageError) as e:
            romfs.write(lib, tmp_path / name)
        assert str(e.value) == ('%s: an image file must be named *.romfs or *.img (mpremote romfs deploy '
                                'reads any other name as a folder)' % (tmp_path / name))
        assert not (tmp_path / name).exists()
    n = romfs.write(lib, tmp_path / 'lib.img')
    assert (tmp_path / 'lib.img').read_bytes() == romfs.image(lib) and n == len(romfs.image(lib))
