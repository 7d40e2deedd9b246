package io.tollgate.gateway.events;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Random version-4 UUIDs for call and event ids. They need to be unique, not unpredictable, so
 * they come from {@link ThreadLocalRandom} rather than {@link UUID#randomUUID()}'s SecureRandom,
 * which is shared by every request thread.
 */
public final class Ids {

    private Ids() {
    }

    public static String random() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long msb = (r.nextLong() & 0xffffffffffff0fffL) | 0x0000000000004000L;
        long lsb = (r.nextLong() & 0x3fffffffffffffffL) | 0x8000000000000000L;
        return new UUID(msb, lsb).toString();
    }
}
