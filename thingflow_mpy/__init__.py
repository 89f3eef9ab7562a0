"""Host side of ThingFlow-MicroPython (CPython only): running device code on
the MicroPython Unix port, compiling lib/ to .mpy, and the thingflow-mpy
command. Nothing here is copied to a board."""
