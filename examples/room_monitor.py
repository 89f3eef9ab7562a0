# room_monitor.py: a board's main.py. Light (TSL2591) every 60 s and
# temperature (MCP9808) every 10 s, published over MQTT, with a rotating log.
#
# On a board: write config.py from config_example.py, then
#     thingflow-mpy deploy examples/room_monitor.py --port /dev/ttyUSB0
# On the desktop (simulated chips, embedded broker, the events shown as they arrive):
#     thingflow-mpy run examples/room_monitor.py --for 20
#
# Events: ('lux', ts, 318.2) to thingflow/room1/lux, ('temp', ts, 21.5625)
# to thingflow/room1/temp (MQTT_TOPIC in config.py), as JSON lists, and
# each in the log too.
#
# RAM: an ESP8266 leaves an app about 30 KB of heap. After the imports the
# collection runs every 2 KB allocated (gc.threshold), not only when the
# heap is full, so that garbage leaves fewer holes between the objects the
# app keeps. Wifi comes first, and wifi.py is needed only to connect: it is
# unloaded then (its code goes back to the heap before the writer and the
# sensors load; the port keeps the connection and reconnects by itself).
import gc
import sys

from machine import Pin, SoftI2C

import config
from logger import initialize_logging

if hasattr(gc, 'threshold'):  # MicroPython
    gc.threshold(2048)
log = initialize_logging(config.LOG_FILE, max_len=config.LOG_MAX)

try:
    import network  # a board with wifi (the simulated one on the desktop)
except ImportError:
    network = None
if network is not None:
    import wifi
    wifi.disable_wifi_ap()  # the ESP8266 starts its own access point: off, it costs power
    try:
        wifi.wifi_connect(config.WIFI_SSID, config.WIFI_PASSWORD, timeout=30)
    except OSError as e:  # e.g. "wifi 'home': ... wrong password": the writer keeps the events
        log.error('%s', e)
    del wifi
    sys.modules.pop('wifi')  # needed only at start-up: unloaded
    sys.modules.pop('wifirare', None)  # loaded for a failure's message

from mqtt_writer import MQTTWriter  # noqa: E402 (after wifi: see RAM above)
from sensors.mcp9808 import MCP9808  # noqa: E402
from sensors.tsl2591 import TSL2591  # noqa: E402
from thingflow import InputThing, Scheduler  # noqa: E402


class Guard(InputThing):
    """Between a sensor and the writer: each event is logged and passed on;
    a sensor's failure is logged, and the writer stays open for the other
    sensor."""

    def on_next(self, x):
        log.info('%r', x)
        writer.on_next(x)

    def on_error(self, e):
        log.error('sensor failed: %r', e)


i2c = SoftI2C(scl=Pin(config.I2C_SCL), sda=Pin(config.I2C_SDA))
writer = MQTTWriter(config.DEVICE, config.MQTT_HOST, config.MQTT_PORT, config.MQTT_TOPIC,
                    user=config.MQTT_USER, password=config.MQTT_PASSWORD, spool=config.SPOOL)
guard = Guard()
sched = Scheduler()
sched.schedule_sensor(TSL2591(i2c, sensor_id='lux', auto=True), config.LUX_INTERVAL, guard)
sched.schedule_sensor(MCP9808(i2c, sensor_id='temp'), config.TEMP_INTERVAL, guard)
log.info('room monitor: lux every %s s, temp every %s s, to %s:%s',
         config.LUX_INTERVAL, config.TEMP_INTERVAL, config.MQTT_HOST, config.MQTT_PORT)
try:
    sched.run_forever()
finally:
    log.info('stopped: %d published, %d queued, %d dropped', writer.published, writer.queued, writer.dropped)
