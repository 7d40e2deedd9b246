package io.tollgate.gateway.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.util.BufferRecycler;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.core.util.RecyclerPool;

/**
 * The Jackson factories of the call path. Jackson recycles its parse buffers per thread by default,
 * and every call here runs on a virtual thread of its own, so each call would allocate them afresh;
 * these factories share one pool across threads instead.
 */
public final class JsonFactories {

    private static final RecyclerPool<BufferRecycler> BUFFERS = JsonRecyclerPools.newConcurrentDequePool();
    private static final JsonFactory SHARED = builder().build();

    private JsonFactories() {
    }

    /** A builder whose factory recycles buffers across threads; further settings may be added. */
    public static JsonFactoryBuilder builder() {
        return (JsonFactoryBuilder) JsonFactory.builder().recyclerPool(BUFFERS);
    }

    /** A factory with Jackson's default settings that recycles buffers across threads. */
    public static JsonFactory shared() {
        return SHARED;
    }
}
