"""Board power profiles for `thingflow-mpy plan`: currents per state, as plain
data, with their sources. Currents in mA, times in s.

Keys: modem_ma (CPU running, radio idle: what time.sleep_ms costs),
light_ma (machine.lightsleep), deep_ma (machine.deepsleep), active_ma (CPU
running a task, radio off), boot_ma/boot_s (from a deep-sleep reset to
main.py running), radio_ma (radio receiving/transmitting while connecting
and publishing), connect_s (association + MQTT connect after a deep sleep),
publish_s (sending one batch on a kept connection), wake_s (overhead of one
wake-up from light sleep or modem sleep), light_wifi (what MicroPython's
machine.lightsleep does to a wifi association: 'kept'; 'dropped', so each
batch after a light sleep connects anew; 'unreliable': the wifi chip keeps
it on a current of its own, and with the wifi active the sleep may return at
once); deep_light (optional): True where machine.deepsleep is a light sleep
followed by a reset (rp2), so light_wifi holds for a deep sleep too.
`sources` says where each figure comes from; 'estimate' marks a figure no
datasheet gives, 'measured' one measured on a board."""

ESP8266 = {
    'name': 'ESP8266EX (ESP-12 module)',
    # light_ma: not the datasheet's 0.9 mA light sleep, which MicroPython's
    # machine.lightsleep never enters on this port: it polls in a loop
    # (ports/esp8266/modmachine.c, mp_machine_lightsleep; `waiti` only with
    # the wifi off), so it costs what the CPU running costs, the 15 mA
    # modem-sleep figure (micropython issue #4443: a board's 32 mA fell to
    # 29 mA in lightsleep). It was 0.9 before.
    'modem_ma': 15.0, 'light_ma': 15.0, 'deep_ma': 0.02, 'active_ma': 15.0,
    # boot_ma: the measurement its source cites, 78.2 mA; it was 70, which
    # disagreed with that source
    'boot_ma': 78.2, 'boot_s': 0.3,
    'radio_ma': 70.0, 'connect_s': 1.0, 'publish_s': 0.1, 'wake_s': 0.003,
    'light_wifi': 'kept',
    'sources': {
        'modem_ma': 'ESP8266EX datasheet v6.6 (2020.10), Table 3-4 Power Consumption by Power Modes: '
                    'Modem-sleep, CPU working, 15 mA (DTIM3, connection kept)',
        'light_ma': 'MicroPython ports/esp8266/modmachine.c: machine.lightsleep polls in a loop (waiti only with '
                    'the wifi off) and never enters the chip\'s light sleep (datasheet Table 3-4: 0.9 mA), so the '
                    'CPU-running 15 mA of modem sleep; micropython issue #4443: 32 mA -> 29 mA on a Feather HUZZAH',
        'deep_ma': 'ESP8266EX datasheet Table 3-4: Deep-sleep, only RTC working, 20 uA',
        'active_ma': 'ESP8266EX datasheet Table 3-4: the CPU working with the radio idle is the 15 mA modem-sleep figure',
        'boot_ma': 'measured: "On boot, wifi not connected: 15.64mV ~ 78.2mA" (mat.8u.cz, "Spotreba modulu ESP8266", '
                   'http://mat.8u.cz/spotreba-modulu-esp8266); RF calibration runs at boot (the start-up has 40 ms at '
                   '300-430 mA on a scope: ondrovo.com, "Determining the ESP8266 power consumption", 2017)',
        'boot_s': 'estimate: ROM + SDK + MicroPython start + main.py from .mpy',
        'radio_ma': 'ESP8266EX datasheet Table 5-2: RX 50-56 mA, TX 120-170 mA; ~70-75 mA measured average while '
                    'connected (esp8266.com forum, "Sparkfun ESP8266 Thing" measurement): 70 mA average',
        'connect_s': 'ESP8266EX datasheet Table 3-4 note: wakes up to connect to the AP, taking about 0.3 ~ 1 s (upper end)',
        'publish_s': 'estimate: one MQTT publish of a batch on an open connection',
        'wake_s': 'estimate: 3 ms (the datasheet\'s Table 3-4 notes give 3 ms for the radio to receive a DTIM '
                  'beacon, not for a CPU wake-up)',
        'light_wifi': 'MicroPython ports/esp8266/modmachine.c: machine.lightsleep waits with the CPU running and leaves '
                      'the wifi as it is (modem sleep, DTIM3: connection kept, datasheet Table 3-4)',
    },
}

ESP32 = {
    'name': 'ESP32 (ESP-WROOM-32)',
    # modem_ma/active_ma: ESP32 Series Datasheet v3.5, Table 6: modem sleep
    # at 160 MHz (ESP-IDF's default CPU clock, which MicroPython keeps) is
    # 27-44 mA on a dual-core chip; the ESP-WROOM-32 manual's "max speed
    # 20 mA" (first datasheets) was corrected; they were 20 before.
    # radio_ma: the same datasheet's RF table gives RX 95-100 mA (TX 180-240
    # mA in bursts); it was 90 (the old manual's 80-90 mA).
    'modem_ma': 27.0, 'light_ma': 0.8, 'deep_ma': 0.01, 'active_ma': 27.0,
    'boot_ma': 40.0, 'boot_s': 0.5,
    'radio_ma': 95.0, 'connect_s': 1.5, 'publish_s': 0.1, 'wake_s': 0.002,
    'light_wifi': 'dropped',
    'sources': {
        'modem_ma': 'ESP32 Series Datasheet v3.5, Table 6 Power Consumption by Power Modes: Modem-sleep, CPU on, '
                    '160 MHz (the ESP-IDF default MicroPython keeps), dual-core 27-44 mA: the low end',
        'light_ma': 'ESP-WROOM-32 Table 5: Light-sleep 0.8 mA',
        'deep_ma': 'ESP32 datasheet, Power Consumption by Power Modes: Deep-sleep, RTC timer + RTC memory, 10 uA',
        'active_ma': 'ESP32 Series Datasheet v3.5, Table 6: Modem-sleep at 160 MHz, 27-44 mA: the low end',
        'boot_ma': 'estimate: CPU at 160 MHz during boot, radio off',
        'boot_s': 'estimate: second-stage bootloader + MicroPython start + main.py',
        'radio_ma': 'ESP32 Series Datasheet v3.5, RF power consumption: RX 802.11b/g/n 95-100 mA (TX 180-240 mA in '
                    'bursts): the low end',
        'connect_s': 'estimate: association + DHCP + MQTT connect',
        'publish_s': 'estimate: one MQTT publish of a batch on an open connection',
        'wake_s': 'estimate: light-sleep exit and re-entry',
        'light_wifi': 'ESP-IDF Sleep Modes, "Wi-Fi/Bluetooth and Sleep Modes": "Wi-Fi and Bluetooth connections are '
                      'not maintained in Deep-sleep or Light-sleep mode" (only automatic light sleep with modem sleep '
                      'keeps them); MicroPython ports/esp32/modmachine.c: machine.lightsleep calls '
                      'esp_light_sleep_start()',
    },
}

RP2040W = {
    'name': 'Raspberry Pi Pico W (RP2040 + CYW43439)',
    'modem_ma': 20.0, 'light_ma': 1.0, 'deep_ma': 1.0, 'active_ma': 20.0,
    'boot_ma': 20.0, 'boot_s': 0.3,
    'radio_ma': 45.0, 'connect_s': 2.0, 'publish_s': 0.1, 'wake_s': 0.002,
    'light_wifi': 'unreliable',
    # machine.deepsleep is machine.lightsleep, then a reset: what light sleep
    # does to (and with) the wifi holds for a deep sleep too
    'deep_light': True,
    'sources': {
        'modem_ma': 'estimate: RP2040 running at 125 MHz with the CYW43439 off, ~18-20 mA on a Pico '
                    '(mjoldfield.com "Pico power", normal operation 18 mA)',
        'light_ma': 'measured 0.99 mA in machine.lightsleep(5000) on a Pico at VSYS 5 V '
                    '(micropython/micropython PR #8832, Peter Hinch)',
        'deep_ma': 'MicroPython rp2 has no deeper state: machine.deepsleep is a light sleep followed by a reset; '
                   'so the light-sleep figure',
        'active_ma': 'as modem_ma',
        'boot_ma': 'as modem_ma',
        'boot_s': 'estimate: MicroPython start + main.py',
        'radio_ma': 'estimate: CYW43439 Wi-Fi in use on a Pico W, ~45 mA average',
        'connect_s': 'estimate: CYW43439 firmware load + association + MQTT connect',
        'publish_s': 'estimate: one MQTT publish of a batch on an open connection',
        'wake_s': 'estimate: light-sleep exit and re-entry',
        'light_wifi': 'MicroPython ports/rp2/modmachine.c: machine.lightsleep stops the RP2040\'s clocks only, and '
                      'returns at once while the CYW43 driver has an event pending; micropython issues #16181 and '
                      '#17204 (open): lightsleep(n) returns at once on a Pico W with the network active; light_ma is '
                      'a Pico\'s, without the CYW43',
        'deep_light': 'MicroPython ports/rp2/modmachine.c: mp_machine_deepsleep() calls mp_machine_lightsleep(), '
                      'then mp_machine_reset() (watchdog_reboot): the deep sleep is a light sleep ended by a '
                      'watchdog reset, with the CYW43 as the light sleep leaves it',
    },
}

PROFILES = {'esp8266': ESP8266, 'esp32': ESP32, 'rp2040w': RP2040W}

MODES = ('modem', 'light', 'deep')  # time.sleep_ms, machine.lightsleep, machine.deepsleep


def energy(profile, run, battery_mah=2500):
    """The pure energy model. run: a dict from plan.simulate with seconds,
    sleep_s {'modem', 'light', 'deep'}, awake_s, boots, connects, publishes.
    Charge in mA*s: each sleep state's current times its time, the CPU's
    active current times the awake time, each boot boot_ma * boot_s, the
    radio radio_ma for connect_s per connection and publish_s per publish
    (on top of the other states: a slight over-estimate). Returns a dict:
    mas (charge per item), avg_ma, days (battery_mah / avg_ma / 24; no
    self-discharge or derating)."""
    p = profile
    if battery_mah <= 0:
        raise ValueError('battery_mah %r: want a capacity > 0 mAh' % (battery_mah,))
    if run['seconds'] <= 0:
        raise ValueError('seconds %r: want a simulated time > 0' % (run['seconds'],))
    sl = run['sleep_s']
    mas = {
        'modem': p['modem_ma'] * sl.get('modem', 0),
        'light': p['light_ma'] * sl.get('light', 0),
        'deep': p['deep_ma'] * sl.get('deep', 0),
        'awake': p['active_ma'] * run['awake_s'],
        'boot': p['boot_ma'] * p['boot_s'] * run['boots'],
        'radio': p['radio_ma'] * (p['connect_s'] * run['connects'] + p['publish_s'] * run['publishes']),
    }
    avg = sum(mas.values()) / run['seconds']
    return {'mas': mas, 'avg_ma': avg, 'days': battery_mah / avg / 24}
