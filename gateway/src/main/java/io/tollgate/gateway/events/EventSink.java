package io.tollgate.gateway.events;

import io.tollgate.schemas.avro.UsageEvent;

/** Where usage events go. {@link #publish} never blocks on Kafka and never loses an accepted event. */
public interface EventSink extends AutoCloseable {

    /**
     * Accepts the event; returns once it would survive this process being killed (the gateway publishes a
     * REQUEST before the upstream call and a RESPONSE before the agent's answer, so a kill loses no event of
     * a call: at worst a REQUEST without its RESPONSE, which metering settles as abandoned).
     */
    void publish(UsageEvent event);

    /**
     * Publishes and tells {@code observer} where Kafka wrote the event, from the sender's thread, once it is
     * acknowledged (possibly after the spool replayed it). A sink that cannot say (the default) never calls
     * it; nor does a sink tracking too many unacknowledged events, so callers must treat silence as "not yet".
     */
    default void publish(UsageEvent event, WriteObserver observer) {
        publish(event);
    }

    /** Where an acknowledged event was written. */
    @FunctionalInterface
    interface WriteObserver {
        void written(int partition, long offset);
    }

    /** Empty when new calls may be admitted; otherwise why not (the spool is full). */
    java.util.Optional<String> refusal();

    /** Events accepted but not yet acknowledged by Kafka. */
    long pendingEvents();

    @Override
    void close();
}
