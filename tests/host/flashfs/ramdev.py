# A flash chip in RAM for MicroPython's vfs (littlefs v2 and FAT), with the
# block protocol of MicroPython's docs ("Filesystems", vfs.AbstractBlockDev):
#   readblocks(n, buf[, off]), writeblocks(n, buf[, off]), ioctl(op, arg)
# ioctl ops: 1 init, 2 deinit, 3 sync, 4 block count, 5 block size,
# 6 erase block arg. The simple interface (no offset: FAT) writes whole
# blocks and erases them itself; the extended one (offset: littlefs) only
# programs, as NOR flash does: a bit goes from 1 to 0, never back, until the
# block is erased (ioctl 6, all 0xff).
#
# Power cuts: with rec a list, every change of the chip is recorded as
# (byte address, bytes now there), one entry per block programmed or
# erased. image(base, ops, k, torn) rebuilds the chip as it was after the
# first k changes; torn=True adds the first half of change k (a write
# cut in the middle of a block: FAT's sectors are not atomic).
import vfs

BS = 512
MNT = '/fl'


class RAMDev:
    def __init__(self, n, img=None):
        self.n = n
        self.data = bytearray(img) if img else bytearray(b'\xff' * (n * BS))
        self.rec = None
        self.progs = self.erases = 0

    def readblocks(self, n, buf, off=0):
        a = n * BS + off
        if a < 0 or a + len(buf) > len(self.data):
            raise OSError(5)
        buf[:] = self.data[a:a + len(buf)]

    def writeblocks(self, n, buf, off=None):
        d = self.data
        if off is None:  # simple interface: whole blocks, erased here
            if len(buf) % BS or n < 0 or n * BS + len(buf) > len(d):
                raise OSError(5)
            for i in range(len(buf) // BS):
                a = (n + i) * BS
                d[a:a + BS] = buf[i * BS:(i + 1) * BS]
                self._note(a, BS)
            return
        a = n * BS + off
        if a < 0 or off + len(buf) > BS or a + len(buf) > len(d):
            raise OSError(5)
        for i in range(len(buf)):  # program: 1 -> 0 only
            d[a + i] &= buf[i]
        self.progs += 1
        self._note(a, len(buf))

    def _note(self, a, k):
        if self.rec is not None:
            self.rec.append((a, bytes(self.data[a:a + k])))

    def ioctl(self, op, arg):
        if op == 4:
            return self.n
        if op == 5:
            return BS
        if op == 6:
            if not 0 <= arg < self.n:
                return -22
            a = arg * BS
            self.data[a:a + BS] = b'\xff' * BS
            self.erases += 1
            self._note(a, BS)
            return 0
        if op in (1, 2, 3):
            return 0
        return None


def image(base, ops, k, torn=False):
    d = bytearray(base)
    for a, b in ops[:k]:
        d[a:a + len(b)] = b
    if torn and k < len(ops):
        a, b = ops[k]
        h = len(b) // 2
        d[a:a + h] = b[:h]
    return d


def fs_class(kind):
    return vfs.VfsLfs2 if kind == 'lfs2' else vfs.VfsFat


def fresh(kind, n):
    """A new chip of n blocks formatted with kind ('lfs2' or 'fat'), mounted at MNT."""
    d = RAMDev(n)
    fs_class(kind).mkfs(d)
    mount(kind, d)
    return d


def mount(kind, d):
    try:
        vfs.umount(MNT)
    except OSError:
        pass
    vfs.mount(fs_class(kind)(d), MNT)


def umount():
    vfs.umount(MNT)


def read(p):
    try:
        with open(p, 'rb') as f:
            return f.read()
    except OSError:
        return None


def cuts(ops, kind):
    """The cut points to try: (k, torn) for every k; torn too on FAT."""
    out = []
    for k in range(len(ops) + 1):
        out.append((k, False))
        if kind == 'fat' and k < len(ops):
            out.append((k, True))
    return out


def fill_up(f):
    """Write to the open file f until the flash takes no more (every block,
    every byte: chunks of 512, 64, 8, then 1 byte), then close it."""
    for k in (512, 64, 8, 1):
        try:
            while f.write(b'z' * k) == k:
                f.flush()
        except OSError:
            pass
    f.close()
