# wifi_connect against the fake network module in virtual time: how much
# real time a 30 s timeout takes and how many polls it makes; prints
# "key value" lines.   micropython wifi_timeout.py
import network

from benchkit import ticks_diff, ticks_us
from vclock import VirtualClock
from wifi import wifi_connect

clk = VirtualClock()
network.reset('esp8266', clk)
network.add_ap('home', 'pw-123456', result='never')
t0 = ticks_us()
try:
    wifi_connect('home', 'pw-123456', 30, clk)
except OSError:
    pass
print('wifi_timeout_real_ms', ticks_diff(ticks_us(), t0) // 1000)
print('wifi_timeout_virtual_ms', clk.now)
print('wifi_timeout_polls', clk.sleeps)
