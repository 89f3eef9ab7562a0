# Freeze ThingFlow-MicroPython 0.1.0 into a firmware build (the modules then take
# no RAM for their code). Write a manifest.py of your own for the firmware:
#     include("$(BOARD_DIR)/manifest.py")   # what the board freezes already (_boot.py, ...)
#     include("/path/to/thingflow-micropython/manifest.py")
# and build with it, e.g.:
#     make -C ports/esp8266 BOARD=ESP8266_GENERIC FROZEN_MANIFEST=/path/to/your/manifest.py
# Made from lib/ by: python -m thingflow_mpy.packaging (a test checks it lists exactly lib/).
# (No metadata() here: an include()d manifest would set it for the whole firmware.)

module("deepsleep.py", base_path="lib")
module("filters.py", base_path="lib")
module("filters_time.py", base_path="lib")
module("filters_value.py", base_path="lib")
module("filters_window.py", base_path="lib")
module("lightsleep.py", base_path="lib")
module("logger.py", base_path="lib")
module("lograre.py", base_path="lib")
module("logwriter.py", base_path="lib")
module("mqtt_client.py", base_path="lib")
module("mqtt_errors.py", base_path="lib")
module("mqtt_init.py", base_path="lib")
module("mqtt_rare.py", base_path="lib")
module("mqtt_spool.py", base_path="lib")
module("mqtt_tls.py", base_path="lib")
module("mqtt_writer.py", base_path="lib")
module("neopixel_writer.py", base_path="lib")
module("tfrare.py", base_path="lib")
module("thingflow.py", base_path="lib")
module("vclock.py", base_path="lib")
module("wifi.py", base_path="lib")
module("wifirare.py", base_path="lib")
package("sensors", files=("_err.py", "_tsl2591x.py", "adc_esp8266.py", "adxl345.py", "mcp9808.py", "tsl2591.py",), base_path="lib")
