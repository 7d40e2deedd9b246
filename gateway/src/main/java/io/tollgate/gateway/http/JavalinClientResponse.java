package io.tollgate.gateway.http;

import io.javalin.http.Context;
import io.tollgate.gateway.call.ClientResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/** {@link ClientResponse} over a Javalin context; streamed bodies go straight to the servlet output. */
final class JavalinClientResponse implements ClientResponse {

    private final Context ctx;

    JavalinClientResponse(Context ctx) {
        this.ctx = ctx;
    }

    @Override
    public void begin(int status, String contentType, Map<String, String> headers) {
        ctx.status(status);
        ctx.contentType(contentType);
        headers.forEach(ctx::header);
    }

    @Override
    public OutputStream body() {
        try {
            return ctx.res().getOutputStream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes the whole answer straight to the servlet output with its length: {@code ctx.result}
     * would wrap it in a stream and copy it through a fresh buffer on every call.
     */
    @Override
    public void send(int status, String contentType, Map<String, String> headers, byte[] body) {
        begin(status, contentType, headers);
        ctx.res().setContentLength(body.length);
        try {
            ctx.res().getOutputStream().write(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
