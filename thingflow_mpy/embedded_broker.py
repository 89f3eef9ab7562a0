"""An MQTT broker inside the thingflow-mpy process, for `run` on a machine
without Mosquitto: amqtt (the optional dependency `[broker]`) on a free port
of 127.0.0.1, in a background thread with its own asyncio loop.

    with EmbeddedBroker() as b:      # b.port: the port the OS chose
        print(b.url)                 # mqtt://127.0.0.1:<port>

Only ever binds 127.0.0.1: the broker takes anonymous clients, so it must
not be reachable from the network."""
import asyncio
import logging
import threading


class BrokerMissing(RuntimeError):
    """amqtt is not installed."""


def _fixed(Broker):
    """amqtt's Broker (0.12.1) with its departures from MQTT 3.1.1 (and from
    Mosquitto) that the project's clients meet mended:

    - retained messages: at each CONNECT it sent the connecting client the
      retained messages matching every topic filter any client of the
      broker had subscribed to. An MQTTWriter's own client subscribes to
      nothing and takes a packet longer than 129 bytes for a broken stream:
      its reconnects failed while a listener on '#' and a retained message
      of that size were there (and a subscriber got each retained message
      once more per matching filter). As Mosquitto does, a client now gets
      retained messages only for a subscription it makes.
    - keepalive: it never closed a silent connection (MQTT-3.1.2-24: after
      1.5 keepalives without a packet, close it as if the network had
      failed, so the will is published). Now it does, also when the client
      stops in the middle of a packet.
    - a PUBLISH to a topic starting with '$', or to an empty topic: it
      stopped routing that client's messages (all of them, from then on)
      but kept the connection and kept answering PUBACKs, so a writer lost
      every later event without knowing (and no will was published). A '$'
      topic is now routed as Mosquitto does (to filters that name it: '#'
      and '+' do not match it, MQTT-4.7.2-1; one under '$SYS', the
      broker's own, is acknowledged and dropped, as Mosquitto does); an
      empty topic closes the connection, with the will (MQTT-4.7.3-1)."""
    from amqtt.broker import Action, BrokerEvents

    class _Timed:
        # the client's stream: a read waits at most 1.5 keepalives
        def __init__(self, reader, limit):
            self.reader, self.limit = reader, limit

        async def read(self, n=-1):
            return await asyncio.wait_for(self.reader.read(n), self.limit)

        def feed_eof(self):
            self.reader.feed_eof()

    class FixedBroker(Broker):
        async def _handle_client_session(self, reader, writer, session, handler, *rest):
            if session.keep_alive > 0:
                session.keep_alive *= 1.5  # (the read timeout of amqtt's reader loop)
                reader = _Timed(reader, session.keep_alive)
            await super()._handle_client_session(reader, writer, session, handler, *rest)

        async def _publish_session_retained_messages(self, session):
            # (called by client_connected just before its loop over all filters)
            session.tf_connecting = True
            await super()._publish_session_retained_messages(session)

        async def _publish_retained_messages_for_subscription(self, subscription, session):
            if getattr(session, 'tf_connecting', False):
                return  # that loop: not a subscription the client made
            await super()._publish_retained_messages_for_subscription(subscription, session)

        async def _client_message_loop(self, session, handler):
            session.tf_connecting = False  # (the loop is over: SUBSCRIBEs come next)
            session.tf_broken = False

            def timed_out():  # amqtt's handler does nothing
                asyncio.ensure_future(handler.handle_connection_closed())
            handler.handle_read_timeout = timed_out
            await super()._client_message_loop(session, handler)
            if session.tf_broken:  # amqtt left the loop but not the connection
                gone = asyncio.get_running_loop().create_future()
                gone.set_result(None)  # as if the network had failed: the will
                await self._handle_disconnect(session, handler, gone)

        async def _handle_message_delivery(self, session, handler, wait):
            m = wait.result()
            t = m and m.topic
            if t and t[0] == '$' and '+' not in t and '#' not in t:
                if t.startswith('$SYS'):
                    return True  # the broker's own topics: dropped, as Mosquitto does
                await self.plugins_manager.fire_event(BrokerEvents.MESSAGE_RECEIVED,
                                                      client_id=session.client_id, message=m)
                if await self._topic_filtering(session, topic=t, action=Action.PUBLISH):
                    await self.plugins_manager.fire_event(BrokerEvents.MESSAGE_BROADCAST,
                                                          client_id=session.client_id, message=m)
                    await self._broadcast_message(session, t, m.data)
                    if m.publish_packet and m.publish_packet.retain_flag:
                        await self.retain_message(session, t, m.data, m.qos)
                return True
            if await super()._handle_message_delivery(session, handler, wait):
                return True
            session.tf_broken = True
            return False

    return FixedBroker


class EmbeddedBroker:
    """amqtt on 127.0.0.1 and a port chosen by the OS (port=0) or given.
    start() returns once the port is listening (RuntimeError naming the
    reason when it cannot, e.g. a port in use); stop() shuts it down, and
    does nothing when it is not running.
    timeout: seconds to wait for start and stop (default 10)."""

    def __init__(self, port=0, timeout=10.0):
        self.host = '127.0.0.1'
        self.port = port
        self.timeout = timeout
        self._loop = None
        self._broker = None
        self._thread = None
        self._error = None

    @property
    def url(self):
        return 'mqtt://%s:%d' % (self.host, self.port)

    def start(self):
        try:
            from amqtt.broker import Broker
        except ImportError:
            raise BrokerMissing("no embedded broker: amqtt is not installed "
                                "(pip install -e '.[broker]'), or give --broker mqtt://HOST:PORT")
        # amqtt logs every connection at INFO; keep the console for events
        logging.getLogger('amqtt').setLevel(logging.ERROR)
        logging.getLogger('transitions').setLevel(logging.ERROR)
        broker_class = _fixed(Broker)
        ready = threading.Event()
        config = {
            'listeners': {'default': {'type': 'tcp', 'bind': '%s:%d' % (self.host, self.port)}},
            'plugins': {'amqtt.plugins.authentication.AnonymousAuthPlugin': {'allow_anonymous': True}},
        }

        def main():
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            try:
                async def boot():
                    self._broker = broker_class(config)
                    await self._broker.start()
                    server = self._broker._servers['default']
                    inst = getattr(server, 'instance', None) or getattr(server, '_instance')
                    self.port = inst.sockets[0].getsockname()[1]
                loop.run_until_complete(boot())
            except Exception as e:  # reported by start()
                self._error = e
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=main, name='embedded-broker', daemon=True)
        self._thread.start()
        if not ready.wait(self.timeout):
            raise RuntimeError('embedded broker did not start within %.0f s' % self.timeout)
        if self._error is not None:
            raise RuntimeError('embedded broker failed to start: %s' % (self._error,))
        return self

    def stop(self):
        loop = self._loop
        if loop is None or self._error is not None or self._thread is None or not self._thread.is_alive():
            return  # (never started, already stopped, or start failed: its thread closes its loop)
        fut = asyncio.run_coroutine_threadsafe(self._broker.shutdown(), loop)
        try:
            fut.result(self.timeout)
        except Exception:  # shutting down anyway
            pass
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(self.timeout)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
