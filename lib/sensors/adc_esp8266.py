# The ESP8266's analog input (or any machine.ADC) as a sensor: readings in volts.
#
#   from machine import ADC
#   from sensors.adc_esp8266 import ADCSensor
#   v = ADCSensor(ADC(0), sensor_id='batt', ratio=4.2)   # 1 V at the pin = 4.2 V
#   sched.schedule_sensor(v, 300, writer)                # events ('batt', ts, 3.71)
#
# The ESP8266's pin reads 0 to 1.0 V (vref); boards like the NodeMCU put a
# 220k/100k divider in front of it, so ratio=3.2 gives the volts at the A0
# header. read_u16() (0..65535) is used where the ADC has it, else read()
# (0..1024, as on the ESP8266 of older firmware).


def volts(raw, top=65535, vref=1.0, ratio=1.0):
    """Volts at the divider's input for an ADC count raw of 0..top, where
    top reads vref volts at the pin and ratio is the divider's (in / out)."""
    return raw * vref * ratio / top


class ADCSensor:
    """ADCSensor(adc, sensor_id='adc', ratio=1.0, vref=1.0). adc: a
    machine.ADC. ratio: the divider's input/output (>= 1 for a divider);
    vref: volts at the pin that read full scale. ValueError for ratio or
    vref not an int or float > 0 (ValueError('ADCSensor ratio 0')). An error of the ADC in sample() propagates."""

    def __init__(self, adc, sensor_id='adc', ratio=1.0, vref=1.0):
        for v in ratio, vref:  # a number > 0: not '3.2' nor None
            if type(v) not in (int, float) or not v > 0:
                from ._err import fail
                fail(1, 'ADCSensor', 'ratio' if v is ratio else 'vref', v)
        self.sensor_id = sensor_id
        self.adc = adc
        if hasattr(adc, 'read_u16'):
            self.read, self.top = adc.read_u16, 65535
        else:
            self.read, self.top = adc.read, 1024
        self.ratio = ratio
        self.vref = vref

    def sample(self):
        """Volts at the divider's input."""
        return volts(self.read(), self.top, self.vref, self.ratio)
