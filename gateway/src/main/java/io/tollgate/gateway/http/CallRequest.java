package io.tollgate.gateway.http;

import java.io.IOException;
import java.io.InputStream;

/**
 * What a call route reads of its request, from Jetty's core request ({@link CallHandler}) or from a
 * Javalin context alike, so both read the key, the headers and the body by the same rules.
 */
interface CallRequest {

    /** The header's first value; null when absent. */
    String header(String name);

    /** The declared {@code Content-Length}; -1 for a chunked body. */
    long contentLength();

    InputStream body() throws IOException;
}
