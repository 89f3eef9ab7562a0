"""A TCP proxy on 127.0.0.1 (a free port) in front of an MQTT broker that
cuts the first connection of a client after a given number of bytes in one
direction, and lets every later connection through (host side, CPython).

    p = CutProxy(broker.port, stall=0.8)
    p.plan(b'lc0001', 'c2b', 57, 'rst')   # the 58th byte from the client never arrives
    p.record(b'lc0000')                    # keep both byte streams of its first connection
    ... clients connect to p.port ...
    p.streams[b'lc0000']                   # {'c2b': bytes, 'b2c': bytes}
    p.close()

A connection is told apart by the client id of its CONNECT, which the proxy
reads whole before it opens the connection to the broker (the bytes of the
CONNECT are then forwarded like any others: a cut may fall inside it).
`d` is the number of bytes of that direction delivered before the cut
(0 <= d < the stream's length). Modes:

- 'rst':   deliver d bytes, then close both sides at once with SO_LINGER 0
           (each side gets a RST, as when a router or the broker's host is
           reset).
- 'dead':  deliver d bytes, then forward nothing more in either direction
           but keep both connections open (a half-dead link: the client
           must give up by its own timeout). The client's side is closed
           when the client closes it; the broker's side stays open until
           the broker closes it (e.g. when the client's next connection
           takes over its client id) or the proxy is closed.
- 'stall': deliver d bytes, hold the rest of that direction for `stall`
           seconds, then go on forwarding (what the client sent meanwhile,
           then its close, reaches the broker late: a delayed segment).
"""
import asyncio
import socket
import struct
import threading
import time

MODES = ('rst', 'dead', 'stall')


class _Link:
    def __init__(self, c, u, plan):
        self.c, self.u, self.plan = c, u, plan
        self.tasks = []
        self.cut = self.dead = self.closed = False


class CutProxy:
    def __init__(self, up_port, stall=0.8, host='127.0.0.1'):
        self.up = (host, up_port)
        self.stall = stall
        self.plans = {}  # client id -> (direction, d, mode)
        self.recording = set()
        self.streams = {}  # client id -> {'c2b': bytes, 'b2c': bytes} (first connection)
        self.seen = {}  # client id -> number of connections
        self.cuts = {}  # client id -> True when the planned cut took place
        self.errors = []  # proxy-side surprises (not the cuts' own errors)
        self.socks = set()
        self.debug = {}  # client id -> [(event, time.monotonic())]: connections, stalls
        self.lsock = socket.socket()
        self.lsock.bind((host, 0))
        self.lsock.listen(128)
        self.lsock.setblocking(False)
        self.port = self.lsock.getsockname()[1]
        self.loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self.thread = threading.Thread(target=self._main, daemon=True)
        self.thread.start()
        self._ready.wait(10)

    def plan(self, cid, direction, d, mode):
        assert direction in ('c2b', 'b2c') and mode in MODES and d >= 0
        self.plans[cid] = (direction, d, mode)

    def record(self, cid):
        self.recording.add(cid)

    # ---- the event loop's side ----
    def _main(self):
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._serve())

    async def _serve(self):
        self._stop = asyncio.Event()
        self._ready.set()
        acc = asyncio.ensure_future(self._accept())
        await self._stop.wait()
        acc.cancel()
        for t in [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]:
            t.cancel()
        for s in list(self.socks):
            s.close()
        self.lsock.close()

    async def _accept(self):
        while True:
            c, _ = await self.loop.sock_accept(self.lsock)
            c.setblocking(False)
            self.socks.add(c)
            asyncio.ensure_future(self._handle(c))

    async def _read(self, s, n):
        b = b''
        while len(b) < n:
            d = await self.loop.sock_recv(s, n - len(b))
            if not d:
                raise EOFError
            b += d
        return b

    async def _handle(self, c):
        try:
            head = await self._read(c, 2)
            n = head[1] & 127
            shift = 7
            while head[-1] & 128:  # the remaining length, a varint
                head += await self._read(c, 1)
                n |= (head[-1] & 127) << shift
                shift += 7
            head += await self._read(c, n)
        except (EOFError, OSError):
            self._drop(c)
            return
        i = len(head) - n + 10  # after the fixed header and CONNECT's 10-byte variable header
        cid = head[i + 2:i + 2 + (head[i] << 8 | head[i + 1])] if head[0] == 0x10 else b''
        first = cid not in self.seen
        self.seen[cid] = self.seen.get(cid, 0) + 1
        plan = self.plans.get(cid) if first else None
        u = socket.socket()
        u.setblocking(False)
        self.socks.add(u)
        try:
            await self.loop.sock_connect(u, self.up)
        except OSError as e:
            self.errors.append('upstream %r: %r' % (cid, e))
            self._drop(c)
            self._drop(u)
            return
        self.debug.setdefault(cid, []).append(('conn', time.monotonic()))
        link = _Link(c, u, plan)
        rec = self.streams.setdefault(cid, {'c2b': b'', 'b2c': b''}) if first and cid in self.recording else None
        if plan:
            self.cuts[cid] = False
        link.tasks = [asyncio.ensure_future(self._pump(link, c, u, 'c2b', head, rec, cid)),
                      asyncio.ensure_future(self._pump(link, u, c, 'b2c', b'', rec, cid))]

    def _drop(self, s, rst=False):
        if s.fileno() >= 0:  # (unregistered first: a new socket may get its number at once)
            self.loop.remove_reader(s.fileno())
            self.loop.remove_writer(s.fileno())
        if rst:
            try:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
            except OSError:
                pass
        s.close()
        self.socks.discard(s)

    def _close(self, link, rst=False, keep_up=False):
        if link.closed:
            return
        link.closed = True
        me = asyncio.current_task()
        for t in link.tasks:
            if t is not me:
                t.cancel()
        self._drop(link.c, rst)
        if not keep_up:
            self._drop(link.u, rst)

    async def _pump(self, link, src, dst, way, pending, rec, cid):
        sent = 0
        try:
            while True:
                if pending:
                    data, pending = pending, b''
                else:
                    try:
                        data = await self.loop.sock_recv(src, 65536)
                    except OSError:
                        data = b''
                if link.dead:  # half-dead: nothing passes, the connections stay
                    if not data:
                        if src is link.c:  # the client gave up: its side closes, the broker's stays
                            link.closed = True
                            self._drop(link.c)
                            return
                        self._drop(link.u)  # the broker closed (e.g. a takeover)
                        return
                    continue
                if not data:
                    self._close(link)
                    return
                p = link.plan
                if p and not link.cut and p[0] == way and sent + len(data) > p[1]:
                    k = p[1] - sent
                    link.cut = True
                    self.cuts[cid] = True
                    if k:
                        await self.loop.sock_sendall(dst, data[:k])
                        sent += k
                        if rec is not None:
                            rec[way] += data[:k]
                    data = data[k:]
                    if p[2] == 'rst':
                        self._close(link, rst=True)
                        return
                    if p[2] == 'dead':
                        link.dead = True
                        continue
                    self.debug.setdefault(cid, []).append(('stall', time.monotonic()))
                    await asyncio.sleep(self.stall)  # 'stall': the rest goes on late
                    self.debug.setdefault(cid, []).append(('go', time.monotonic()))
                await self.loop.sock_sendall(dst, data)
                sent += len(data)
                if rec is not None:
                    rec[way] += data
        except asyncio.CancelledError:
            raise
        except OSError:
            self._close(link)

    def close(self):
        if self.thread.is_alive():
            self.loop.call_soon_threadsafe(lambda: self._stop.set())
            self.thread.join(10)
