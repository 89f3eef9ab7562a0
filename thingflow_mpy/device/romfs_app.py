# Runs a device script with the library in a ROMFS image mounted at /rom, as
# the firmware of a board with a ROMFS partition mounts it at boot:
#   micropython romfs_app.py IMAGE SCRIPT [ARG ...]   SCRIPT runs as __main__
#   micropython romfs_app.py IMAGE -m MODULE           MODULE is imported
# (an app, compiled from source by the import, as a main.py would be).
# The image is read into one buffer at the start of the heap: it stands for
# the board's flash, and the host side leaves it out of heap figures
# (thingflow_mpy.romfs.footprint).
import os
import sys
import vfs

try:
    _img = bytearray(os.stat(sys.argv[1])[6])
except OSError:
    print('romfs_app: no image %s' % sys.argv[1])
    sys.exit(2)
with open(sys.argv[1], 'rb') as _f:
    _f.readinto(_img)
vfs.mount(vfs.VfsRom(_img), '/rom')
sys.path[:0] = ['/rom', '/rom/lib']
del _f
if sys.argv[2] == '-m':
    __import__(sys.argv[3])
else:
    _s = sys.argv[2]
    sys.argv[:] = sys.argv[2:]
    exec(compile(open(_s).read(), _s, 'exec'), {'__name__': '__main__', '__file__': _s})
