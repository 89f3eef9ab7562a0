# The light-sleep user's journey (README: "A first app", Power, MQTT, wifi),
# a day in virtual time in one process: an ESP32 (or a Pico W) on a
# battery, a temperature (MCP9808) every 60 s and light (TSL2591, slack 0.1)
# every 300 s through a `Keep` thing into an MQTTWriter with every=900, a
# spool and a radio hook that associates with wifi_connect and switches the
# station off; LightSleepClock over sim/machine_power.py's FakeMachine (the
# ticks run in light sleep, as on both boards); the fake network on the
# board's port (network.reset(port, clock)); a log.
# The day's troubles, each a list of [from, to) windows in seconds of the
# day: 'down' the broker away (the writer's port points where nothing
# listens), 'noap' the access point gone (its connect ends in NO_AP_FOUND),
# 'full' the flash full for the spool's files (each write raises ENOSPC);
# 'fail': [[s, n], ...] the MCP9808 fails its next n transfers from s.
# 'board': 'rp2' plays the Pico W's light sleep: with the station active,
# machine.lightsleep(n) returns after 64 ms (the LWIP timer, micropython
# PR #17272; issues #16181, #17204); 'boot_wifi': the app connects at start
# and leaves the station up until the writer's first radio(False).
# The day ends at the clock's stop_at (FakeMachine.lightsleep raises
# StopIteration there, as VirtualClock.sleep_ms does); then the spool is
# read back by a new writer (as after a reset) and the writer is completed.
# argv[1]: a file of JSON {port, dead, dir, board ('esp32'|'rp2'), hours,
# ap_ms, wifi_s, timeout, logmax, boot_wifi, down, noap, full, fail}.
# Prints a line 'e SENSOR MS' per reading (as the writer got them), then
# one JSON line.
import sys
import json

import network
import machine
from chips import MCP9808 as ChipT, TSL2591 as ChipL
from machine_power import FakeMachine, PortClock
from logger import initialize_logging
from thingflow import Scheduler, InputThing
from lightsleep import LightSleepClock
from mqtt_writer import MQTTWriter
from sensors.mcp9808 import MCP9808
from sensors.tsl2591 import TSL2591
from wifi import wifi_connect, disable_wifi_ap

with open(sys.argv[1]) as f:
    A = json.loads(f.read())
D = A['dir']
SPOOL = D + '/outbox.txt'
pc = PortClock()
pc.epoch = 1000
m = FakeMachine(pc)  # ESP32, RP2040: the ticks run in light sleep


class Count:  # the fake's record of calls, counted only (a Pico W's early returns are many)
    n = 0

    def append(self, x):
        self.n += 1


m.calls = Count()
network.reset(A.get('board', 'esp32'), pc)
network.add_ap('home', 'secret123', delay_ms=A.get('ap_ms', 1500))
log = initialize_logging(D + '/app.log', max_len=A.get('logmax', 16000))
disable_wifi_ap()
sta = network.WLAN(network.STA_IF)
radio_calls = []


def radio(on):
    radio_calls.append((1 if on else 0, pc.now))
    if on:
        wifi_connect('home', 'secret123', timeout=A.get('wifi_s', 20), clock=pc)
    else:
        sta.active(False)


if A.get('board') == 'rp2':
    _ls = m.lightsleep

    def lightsleep(ms=None):
        m.early = 64 if sta.active() else None
        _ls(ms)
    m.lightsleep = lightsleep
if A.get('boot_wifi'):
    wifi_connect('home', 'secret123', timeout=20, clock=pc)


def within(k, t):
    for a, b in A.get(k, []):
        if a * 1000 <= t < b * 1000:
            return True
    return False


# the flash: full for the spool's files while within 'full'
import builtins  # noqa: E402
real = builtins.open
full = [0]


class Full:
    def __init__(self, f):
        self.f = f

    def write(self, b):
        self.f.close()
        full[0] += 1
        raise OSError(28)  # ENOSPC

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.f.close()

    def close(self):
        self.f.close()


def fopen(p, mode='r', *a):
    f = real(p, mode, *a)
    if p.startswith(SPOOL) and ('w' in mode or 'a' in mode) and within('full', pc.now):
        return Full(f)
    return f


builtins.open = fopen


class Keep(InputThing):  # a sensor's failure ends its stream, not the shared writer
    def on_next(self, x):
        writer.on_next(x)

    def on_error(self, e):
        log.error('sensor failed: %r', e)
        failed.append((pc.now, repr(e)))


failed = []
bus = machine.sim_bus((5, 4))
chip_t = bus.attach(ChipT(temp=21.5))
bus.attach(ChipL(lux=320.0, clock=pc))
i2c = machine.SoftI2C(scl=machine.Pin(5), sda=machine.Pin(4))
clk = LightSleepClock(machine=m, clock=pc)
writer = MQTTWriter('esp', '127.0.0.1', A['port'], 'lsj/{sensor_id}', spool=SPOOL, every=900,
                    radio=radio, clock=clk, timeout=A.get('timeout', 3), outbox=A.get('outbox', 50))
seen = []


class Watch:
    # the troubles of the day, applied at each reading's wake-up
    def __init__(self, s):
        self.s = s
        self.sensor_id = s.sensor_id

    def sample(self):
        t = pc.now
        writer.port = A['dead'] if within('down', t) else A['port']
        if within('noap', t):
            network.add_ap('home', 'secret123', steps=[(1000, 'NO_AP_FOUND')])
        else:
            network.add_ap('home', 'secret123', delay_ms=A.get('ap_ms', 1500))
        for s, n in A.get('fail', []):
            if s * 1000 <= t < s * 1000 + 1000 and self.sensor_id == 'temp':
                chip_t.fail(n)
        v = self.s.sample()
        seen.append((self.sensor_id, t))
        return v


sched = Scheduler(clk)
sched.schedule_sensor(Watch(MCP9808(i2c, sensor_id='temp')), 60, Keep())
sched.schedule_sensor(Watch(TSL2591(i2c, sensor_id='lux', auto=True, clock=pc)), 300, Keep(), slack=0.1)
pc.stop_at = int(A.get('hours', 24) * 3600000)
try:
    sched.run_forever()
except StopIteration:
    pass
pc.stop_at = None  # (the hook's wifi_connect sleeps on it at the end)
builtins.open = real
c = [writer.connects, writer.published, writer.queued, writer.errors, writer.dropped, writer.reconnects,
     writer.refused]
again = MQTTWriter('esp2', '127.0.0.1', A['dead'], 'lsj/{sensor_id}', spool=SPOOL, status=False)
respooled = again.outbox == writer.outbox
del again
writer.on_completed()
for x in seen:  # one line each: one JSON text of them all would need a large block of the heap
    print('e %s %d' % x)
print(json.dumps({'radio': radio_calls, 'lightsleeps': m.calls.n, 'wakeups': sched.wakeups, 'sleeps': clk.sleeps,
                  'early': clk.early, 'added': clk.added, 'stops': clk.stops, 'now': pc.now, 'c': c,
                  'end': [writer.published, writer.queued], 'failed': failed, 'fullw': full[0],
                  'respooled': respooled}))
