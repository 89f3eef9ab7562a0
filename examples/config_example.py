# config_example.py: copy it to config.py, edit, and put config.py on the
# board beside main.py (thingflow-mpy deploy copies a config.py it finds
# beside the app). Secrets and wiring live here, never in lib/ or an app.
#
#   cp examples/config_example.py examples/config.py
#
# `thingflow-mpy run` reads config.py (or this file when there is no
# config.py) and points MQTT_HOST/MQTT_PORT at the broker of the run.

# ---- wifi (ignored on the desktop, where the simulated `network` connects) ----
WIFI_SSID = 'my-network'
WIFI_PASSWORD = 'change me'

# ---- MQTT ----
MQTT_HOST = '192.168.1.10'  # the broker of the larger system
MQTT_PORT = 1883
MQTT_USER = None  # a user name, when the broker wants one
MQTT_PASSWORD = None
DEVICE = 'room1'  # the MQTT client id; also a level of the topics below
MQTT_TOPIC = 'thingflow/room1/{sensor_id}'  # {sensor_id}: the event's first field
SPOOL = 'outbox.txt'  # events waiting for the broker survive a reset here (None: RAM only)

# ---- wiring: a software I2C bus works on every port ----
I2C_SCL = 5  # GPIO5 = D1 on an ESP8266 NodeMCU/Wemos D1 mini (ESP32: 22, Pico: 5)
I2C_SDA = 4  # GPIO4 = D2 (ESP32: 21, Pico: 4)

# ---- room_monitor.py ----
LUX_INTERVAL = 60  # seconds between TSL2591 readings
TEMP_INTERVAL = 10  # seconds between MCP9808 readings
LOG_FILE = 'monitor.log'  # rotating log on flash; LOG_FILE + '.1' is the older half
LOG_MAX = 8000  # bytes per log file (at most twice this on flash)

# ---- fast_sampler.py ----
FAST_INTERVAL = 0.1  # seconds: 10 Hz
FAST_QOS = 0  # MQTT QoS of the fast events (0: fire and forget, 1: until PUBACK)
