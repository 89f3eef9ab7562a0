# fast_sampler.py: a board's main.py, the original port's 10 Hz test: a
# dummy sensor sampled every 0.1 s, each event published over MQTT.
#
# On a board: write config.py from config_example.py, then
#     thingflow-mpy deploy examples/fast_sampler.py --port /dev/ttyUSB0
# On the desktop:
#     thingflow-mpy run examples/fast_sampler.py --for 10
#
# Events: ('dummy', ts, n) with n = 1, 2, 3 ... to thingflow/room1/dummy, so
# the receiving side sees at once whether an event was lost.
import config
from mqtt_writer import MQTTWriter
from thingflow import Scheduler

try:
    import network  # a board with wifi (the simulated one on the desktop)
except ImportError:
    network = None
if network is not None:
    from wifi import disable_wifi_ap, wifi_connect
    disable_wifi_ap()
    try:
        wifi_connect(config.WIFI_SSID, config.WIFI_PASSWORD, timeout=30)
    except OSError as e:  # the writer keeps the events until the network is back
        print(e)


class Dummy:
    """A sensor that counts: 1, 2, 3 ..."""
    sensor_id = 'dummy'

    def __init__(self):
        self.n = 0

    def sample(self):
        self.n += 1
        return self.n


writer = MQTTWriter(config.DEVICE, config.MQTT_HOST, config.MQTT_PORT, config.MQTT_TOPIC,
                    user=config.MQTT_USER, password=config.MQTT_PASSWORD, qos=config.FAST_QOS)
sched = Scheduler()
sched.schedule_sensor(Dummy(), config.FAST_INTERVAL, writer)
sched.run_forever()
