package io.tollgate.gateway.call;

import java.io.OutputStream;
import java.util.Map;

/** The agent's side of a call: where the gateway writes status, headers and the (streamed) body. */
public interface ClientResponse {

    void begin(int status, String contentType, Map<String, String> headers);

    /** Written after {@link #begin}; flushing sends what was written so far. */
    OutputStream body();

    /** For non-streamed answers. */
    default void send(int status, String contentType, Map<String, String> headers, byte[] body) {
        begin(status, contentType, headers);
        try {
            body().write(body);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
