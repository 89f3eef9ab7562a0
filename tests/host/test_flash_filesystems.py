"""The files a board keeps on flash, on the file systems boards run: littlefs
v2 (the default of the ESP8266, ESP32 and rp2 ports: inisetup.py) and FAT (a board formatted with VfsFat), as
MicroPython's own vfs.VfsLfs2 and vfs.VfsFat implement them, on a flash chip
in RAM that follows the block protocol of MicroPython's docs
(tests/host/flashfs/ramdev.py: readblocks/writeblocks with and without
offset, ioctl 1-6; littlefs only programs erased bytes, as on NOR flash).

- Full flash: the logger (lib/logger.py), an MQTTWriter's spool
  (lib/mqtt_spool.py) and DeepSleepClock(file=) (lib/deepsleep.py) run on a
  16 KB flash (32 littlefs blocks, 64 FAT sectors) until it is full, then with
  room again: what README.md says about a full flash holds (nothing raised,
  every lost line or event counted, the count reported, the log and the spool
  whole again once there is room, events delivered or counted exactly).
- Power cuts: the chip records every block it programs or erases while a
  log rotates, while events are spooled (count lines, appends, a rewrite and
  its rename) and while a start compacts the spool, and while a deep sleep's
  state is stored and cleared. For every such change k the chip is taken as
  it was after k changes (on FAT also with change k half done: a torn
  sector), mounted afresh and the module started on it: no exception, no
  good line or event lost, the one being written whole or not there, damage
  counted.

The checks run inside MicroPython (tests/host/flashfs/fs_*.py, against lib/
compiled to .mpy); each run ends in one "ok ..." line whose figures are
compared here exactly. MicroPython only: CPython has no littlefs or FAT."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from thingflow_mpy import mpy

HERE = Path(__file__).resolve().parent
FS = HERE / 'flashfs'


def run(mpy_lib, script, *args):
    res = mpy.run_micropython([str(FS / script)] + [str(a) for a in args],
                              [mpy_lib, mpy.SIM, FS], timeout=60)
    out = res.stdout + res.stderr
    assert res.returncode == 0, out
    return res.stdout.strip().splitlines()[-1]


def test_the_port_has_littlefs2_and_fat(mpy_lib):
    res = mpy.run_micropython(['-c', 'import vfs; print(vfs.VfsLfs2.__name__, vfs.VfsFat.__name__)'],
                              [mpy_lib], timeout=30)
    assert res.stdout.split() == ['VfsLfs2', 'VfsFat'], res.stdout + res.stderr


# ---- logger: a full flash ----
# lines of 56 bytes, max_len=1000; a filler leaves SPARE blocks free (0: the
# flash filled to the last byte after the log was opened); 100 lines, the
# filler removed before line 100, 6 lines more. Figures: lines dropped (all
# before line 100), the first dropped, how many times the first line after a
# run of failures found the log up to the failure as the backup, fragments
# (a line a failed write cut short, always ended before the next line of its
# file), backups that end in one, and the files' sizes at the end.
# FAT (512-byte clusters): 1 cluster holds 9 lines, the 10th fails after 8
# bytes (a short write: the fragment); 2 clusters hold 17 lines (max_len),
# the rotation then leaves no cluster for the new file; 3 clusters: the new
# file fails after 9 lines, the retry's rotation frees the backup's two.
# littlefs: its figures as MicroPython 1.29's littlefs v2 gives them (small
# files live inline in the directory's metadata blocks, which also take
# blocks as they grow): 3 spare blocks is a steady state where the log
# holds two short files and every other line is lost, counted and reported.
LOGGER_FULL = {
    ('lfs2', 0): 'dropped=98 first_drop=2 backups_kept=1 fragments=0 backup_ends_cut=0 files=112+355',
    ('lfs2', 1): 'dropped=99 first_drop=1 backups_kept=1 fragments=0 backup_ends_cut=0 files=56+355',
    ('lfs2', 2): 'dropped=98 first_drop=2 backups_kept=1 fragments=0 backup_ends_cut=0 files=112+355',
    ('lfs2', 3): 'dropped=46 first_drop=9 backups_kept=46 fragments=0 backup_ends_cut=0 files=74+354',
    ('lfs2', 4): 'dropped=9 first_drop=19 backups_kept=9 fragments=0 backup_ends_cut=0 files=466+802',
    ('fat', 0): 'dropped=100 first_drop=0 backups_kept=0 fragments=0 backup_ends_cut=0 files=0+356',
    ('fat', 1): 'dropped=91 first_drop=9 backups_kept=1 fragments=1 backup_ends_cut=1 files=512+355',
    ('fat', 2): 'dropped=83 first_drop=17 backups_kept=1 fragments=0 backup_ends_cut=0 files=952+355',
    ('fat', 3): 'dropped=3 first_drop=26 backups_kept=3 fragments=0 backup_ends_cut=0 files=970+448',
}


@pytest.mark.parametrize('kind,spare', sorted(LOGGER_FULL))
def test_logger_on_a_full_flash(mpy_lib, kind, spare):
    assert run(mpy_lib, 'fs_logger.py', 'full', kind, spare) == 'ok full %s spare=%d %s' % (
        kind, spare, LOGGER_FULL[kind, spare])


# ---- logger: power cuts during two rotations ----
# 18 lines (two rotations, 8 lines of 35 bytes a file) on a log of two full
# files; a restart at every change of the chip continues the log: the
# newest log intact, every line written before the cut there, in order, the
# one being written whole or not at all (on littlefs never: a line is on
# flash only with its last change), line R last in <file>.
LOGGER_CUT = {
    'lfs2': 'changes=78 restarts=79 with_line_being_written=0 without=79',
    'fat': 'changes=51 restarts=103 with_line_being_written=18 without=85',
}


@pytest.mark.parametrize('kind', sorted(LOGGER_CUT))
def test_logger_power_cut_at_every_change_of_the_flash(mpy_lib, kind):
    assert run(mpy_lib, 'fs_logger.py', 'cut', kind) == 'ok cut %s %s' % (kind, LOGGER_CUT[kind])


# ---- MQTT spool: a full flash ----
# outbox=20, 86-byte records, the broker away; 50 events while a filler
# leaves SPARE blocks (0: every byte); the filler goes before event 40. Each
# event is one refused connect, plus one spool failure (errors, OSError 28)
# while the flash is full; the RAM outbox is the last 20 events all along.
# Then a reset: the new writer holds exactly events 30-49 from the spool,
# nothing dropped; the broker is back for events 50-59: 29 delivered, in
# order, and 31 dropped (30 by the first writer, 1 by the second: its
# outbox was full when event 50 came): 60 events, each delivered or counted.
# The chip as it was at event 30 (flash full) is started too: it holds,
# in order, what the last spooling that worked wrote (nothing: -1..-1),
# a record a failed write cut short counted in dropped, and the start's
# rewrite that fails on the full flash counted in errors.
SPOOL_FULL = {
    ('lfs2', 0): 'spool_failures=39 first=1 reset_when_full=0..0,dropped=0,errors=1',
    ('lfs2', 1): 'spool_failures=40 first=0 reset_when_full=-1..-1,dropped=0,errors=0',
    ('lfs2', 3): 'spool_failures=34 first=6 reset_when_full=0..5,dropped=0,errors=0',
    ('lfs2', 6): 'spool_failures=15 first=25 reset_when_full=5..24,dropped=0,errors=1',
    ('fat', 0): 'spool_failures=40 first=0 reset_when_full=-1..-1,dropped=0,errors=0',
    ('fat', 1): 'spool_failures=34 first=6 reset_when_full=0..5,dropped=1,errors=1',
    ('fat', 3): 'spool_failures=21 first=19 reset_when_full=0..18,dropped=1,errors=1',
    ('fat', 6): 'spool_failures=3 first=37 reset_when_full=11..30,dropped=0,errors=1',
}


@pytest.mark.parametrize('kind,spare', sorted(SPOOL_FULL))
def test_spool_on_a_full_flash_every_event_delivered_or_counted(mpy_lib, kind, spare):
    s = SPOOL_FULL[kind, spare].split(' ')
    want = 'ok full %s spare=%d %s %s delivered=29 dropped=31 %s' % (kind, spare, s[0], s[1], s[2])
    assert run(mpy_lib, 'fs_spool.py', 'full', kind, spare) == want


# ---- MQTT spool: power cuts while spooling and while a start compacts ----
# outbox=3; events 5-8 spooled (count lines, appends, a rewrite to
# <spool>.new renamed over the spool) and then a start that replays and
# compacts it, the chip recording every change. At every cut a start holds
# the events in order: the state the file had reached or the next one,
# never an exception, nothing lost. On FAT, MicroPython's rename over an
# existing file is a remove and then a rename (VfsFat): a cut between them
# left only <spool>.new, and the start found no spool: the outbox lost,
# not counted (before the fix in mqtt_init.py).
SPOOL_CUT = {
    'lfs2': 'changes=31 restarts=32 damaged_records_counted=0',
    'fat': 'changes=20 restarts=41 damaged_records_counted=0',
}


@pytest.mark.parametrize('kind', sorted(SPOOL_CUT))
def test_spool_power_cut_at_every_change_of_the_flash(mpy_lib, kind):
    assert run(mpy_lib, 'fs_spool.py', 'cut', kind) == 'ok cut %s %s' % (kind, SPOOL_CUT[kind])


@pytest.mark.parametrize('runtime', ['cpython', 'micropython'])
def test_a_start_replays_a_spool_left_as_spool_new_only(mpy_lib, tmp_path, runtime):
    # the state of the chip at the FAT cuts above, on the host's files: only
    # <spool>.new (whole) is there; the start renames it and replays it, on
    # both runtimes (it found no spool: an empty outbox, nothing counted)
    script = str(FS / 'spool_new_only.py')
    if runtime == 'cpython':
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(mpy.LIB), str(mpy.SIM)]))
        res = subprocess.run([sys.executable, script, str(tmp_path)], env=env,
                             capture_output=True, text=True, timeout=60)
    else:
        res = mpy.run_micropython([script, str(tmp_path)], [mpy_lib, mpy.SIM], timeout=60)
    assert res.stdout.splitlines() == [
        "outbox ['[1]', '[2]', '[3]'] dropped 0 errors 0",
        "spool b'home/s\\x00[1]\\nhome/s\\x00[2]\\nhome/s\\x00[3]\\n'",
        'new gone'], res.stdout + res.stderr


# ---- DeepSleepClock(file=) ----
# A full flash: before the first deep sleep (littlefs still stores the
# small state inline in its metadata; FAT has no cluster for it: the wake-up
# says 'nostate'), and at a wake-up that reads and clears a stored state
# (resume() does not raise; the state is restored). Power cuts while the
# state is cleared and the next one stored: the wake-up restores a whole
# state (the old one, or the new one) or says 'nostate', never raises.
DEEPSLEEP = {
    ('full', 'lfs2'): 'nofile:stored,resumed cleared:yes next:resumed',
    ('full', 'fat'): 'nofile:none,nostate cleared:yes next:resumed',
    ('cut', 'lfs2'): 'changes=2 clear=1 restarts=3 nostate:1 resumed:2',
    ('cut', 'fat'): 'changes=7 clear=3 restarts=15 nostate:12 resumed:3',
}


@pytest.mark.parametrize('mode,kind', sorted(DEEPSLEEP))
def test_deepsleep_state_file_on_a_full_flash_and_power_cuts(mpy_lib, mode, kind):
    assert run(mpy_lib, 'fs_deepsleep.py', mode, kind) == 'ok %s %s %s' % (mode, kind, DEEPSLEEP[mode, kind])


def test_the_block_device_follows_the_protocol(mpy_lib):
    # ramdev.RAMDev itself: block count and size by ioctl 4 and 5, init,
    # deinit and sync (1-3) answer 0, erase (6) sets 0xff, a write with an
    # offset only programs (1 -> 0: NOR flash), a write without one replaces
    # whole blocks; out-of-range accesses are OSError 5 (EIO); a recorded
    # change replays, and half of it is a torn write
    code = '''
import ramdev
d = ramdev.RAMDev(4)
assert (d.ioctl(4, 0), d.ioctl(5, 0), d.ioctl(1, 0), d.ioctl(2, 0), d.ioctl(3, 0)) == (4, 512, 0, 0, 0)
assert d.ioctl(7, 0) is None and d.ioctl(6, 4) == -22
base = bytes(d.data)
d.rec = ops = []
d.writeblocks(1, b'\\x0f\\xf0', 10)
d.writeblocks(1, b'\\xf3\\xff', 10)
b = bytearray(2); d.readblocks(1, b, 10); assert b == b'\\x03\\xf0', b
d.writeblocks(2, bytes(range(256)) * 4)
b = bytearray(1024); d.readblocks(2, b); assert b == bytes(range(256)) * 4
assert d.ioctl(6, 1) == 0
b = bytearray(512); d.readblocks(1, b); assert b == b'\\xff' * 512
for bad in ((3, bytearray(1024), None), (1, b'x' * 3, 510), (0, b'x' * 100, None)):
    try:
        d.writeblocks(*bad)
        raise AssertionError(bad)
    except OSError as e:
        assert e.errno == 5
try:
    d.readblocks(4, bytearray(512))
    raise AssertionError('read past the end')
except OSError as e:
    assert e.errno == 5
assert len(ops) == 5 and ramdev.image(base, ops, 5) == d.data
t = ramdev.image(base, ops, 2, True)
assert t[1024:1280] == bytes(range(256)) and t[1280:1536] == b'\\xff' * 256
print('ok')
'''
    res = mpy.run_micropython(['-c', code], [mpy_lib, FS], timeout=30)
    assert res.stdout.strip() == 'ok', res.stdout + res.stderr
