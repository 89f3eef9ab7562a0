# The simulated wiring of the examples on the desktop: `thingflow-mpy run`
# executes this file (when it is beside the app) before the app, so the
# app's I2C bus finds its chips. It never goes to a board (deploy copies
# only the app and config.py), and it uses sim/ only, not lib/.
#
# Edit the values to try the pipeline at another temperature or light level;
# noise makes each reading differ a little, as a real chip's do.
import machine
import network
from chips import MCP9808, TSL2591

try:
    import config
except ImportError:
    import config_example as config

bus = machine.sim_bus((config.I2C_SCL, config.I2C_SDA))  # the bus of SoftI2C(scl, sda)
bus.attach(MCP9808(temp=21.5, noise=0.2, seed=7))  # at 0x18
bus.attach(TSL2591(lux=320.0, ir=0.25, noise=5.0, seed=11))  # at 0x29
network.add_ap(config.WIFI_SSID, config.WIFI_PASSWORD, delay_ms=200)  # the access point of config.py
