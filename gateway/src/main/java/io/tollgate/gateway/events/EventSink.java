package io.tollgate.gateway.events;

import io.tollgate.schemas.avro.UsageEvent;

/** Where usage events go. {@link #publish} never blocks on Kafka and never loses an accepted event. */
public interface EventSink extends AutoCloseable {

    void publish(UsageEvent event);

    /** Empty when new calls may be admitted; otherwise why not (the spool is full). */
    java.util.Optional<String> refusal();

    /** Events accepted but not yet acknowledged by Kafka. */
    long pendingEvents();

    @Override
    void close();
}
