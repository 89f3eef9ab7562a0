# A reset between the two steps of a spool rewrite on FAT: MicroPython's
# VfsFat renames <spool>.new over <spool> by removing <spool> and then
# renaming, so a power cut between them leaves only <spool>.new (whole: it
# was closed before). A start must replay it. Runs on CPython and
# MicroPython (a folder of the host's file system stands for the flash):
#   python|micropython spool_new_only.py DIR
import sys

from mqtt_writer import MQTTWriter
from vclock import VirtualClock


class Down:
    sock = None
    timeout = 3

    def set_last_will(self, *a, **k):
        pass

    def connect(self, clean=True):
        raise OSError(111)


d = sys.argv[1]
sp = d + '/sp'
with open(sp + '.new', 'wb') as f:
    f.write(b'home/s\x00[1]\nhome/s\x00[2]\nhome/s\x00[3]\n')
w = MQTTWriter('dev1', None, None, 'home/{sensor_id}', client=Down(), clock=VirtualClock(),
               spool=sp, outbox=5, status=False)
print('outbox', [bytes(p).decode() for t, p in w.outbox], 'dropped', w.dropped, 'errors', w.errors)
with open(sp, 'rb') as f:
    print('spool', f.read())
try:
    open(sp + '.new').close()
    print('new left')
except OSError:
    print('new gone')
