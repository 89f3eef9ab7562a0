"""ROMFS images of the library, and running from one on the desktop.

A board whose firmware has ROMFS (MicroPython 1.25 and later: the
ESP8266_GENERIC FLASH_2M_ROMFS variant, and boards of the stm32, rp2, esp32
and alif ports that enable it) mounts a read-only partition of its flash at
/rom and puts /rom/lib on sys.path. Bytecode of a .mpy file there runs in
place from flash: an import keeps only the functions, classes and dicts in
RAM, not the bytecode (about half of what the same .mpy costs when imported
from the filesystem).

    thingflow-mpy build --romfs lib.romfs          # lib/ as .mpy under /lib
    mpremote romfs deploy lib.romfs                # onto the board's partition

On the desktop, the MicroPython Unix port has the same driver (vfs.VfsRom):
device/romfs_app.py (APP) mounts an image file at /rom as the firmware
does, then runs a device script or imports an app against the library in
ROMFS:

    micropython APP lib.romfs -m refapp            # MICROPYPATH: the app's folder

The image is read into one buffer at the start of the heap: that buffer
stands for the board's flash, and heap figures leave it out (footprint)."""
import math
from pathlib import Path

from mpremote.romfs import VfsRomWriter

from .listen import UsageError


# the device-side runner: mounts an image, then runs a script or imports an app
APP = Path(__file__).resolve().parent / 'device' / 'romfs_app.py'


def image(mpy_dir):
    """The bytes of a ROMFS image holding every .mpy file below mpy_dir
    (a tree made by mpy.compile_tree) under /lib, in sorted order."""
    mpy_dir = Path(mpy_dir)
    files = sorted(p.relative_to(mpy_dir) for p in mpy_dir.rglob('*.mpy') if '__pycache__' not in p.parts)
    if not files:
        raise ValueError('no .mpy files below %s' % mpy_dir)
    w = VfsRomWriter()
    w.opendir('lib')
    _add(w, mpy_dir, files)
    w.closedir()
    return w.finalise()


def _add(w, root, files, prefix=()):
    # the files directly in prefix, then each subdirectory in turn
    done = set()
    for rel in files:
        parts = rel.parts[len(prefix):]
        if rel.parts[:len(prefix)] != prefix:
            continue
        if len(parts) == 1:
            w.mkfile(parts[0], (root / rel).read_bytes())
        elif parts[0] not in done:
            done.add(parts[0])
            w.opendir(parts[0])
            _add(w, root, files, prefix + (parts[0],))
            w.closedir()


def write(mpy_dir, out):
    """Write the image of mpy_dir (see image) to the file out; returns its
    size in bytes. out must end in .romfs or .img: `mpremote romfs deploy
    FILE` takes any other name for a folder to build an image of, and fails."""
    if not str(out).endswith(('.romfs', '.img')):
        raise UsageError('%s: an image file must be named *.romfs or *.img (mpremote romfs deploy '
                         'reads any other name as a folder)' % out)
    data = image(mpy_dir)
    Path(out).write_bytes(data)
    return len(data)


def footprint(n):
    """Bytes of -X heapsize that the buffer of an n-byte image takes on the
    64-bit Unix port: the bytearray object and its data in 32-byte blocks,
    each block with the collector's 3 bits of tables. A heap figure with the
    image mounted leaves this out, since a board keeps the image in flash."""
    blocks = 1 + -(-n // 32)
    return math.ceil(blocks * (32 + 3 / 8))
