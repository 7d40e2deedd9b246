package io.tollgate.gateway.http;

import io.tollgate.gateway.call.ClientResponse;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Map;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Response;

/**
 * {@link ClientResponse} over Jetty's core response, written blocking from the request's virtual thread.
 * A streamed body is buffered like the servlet output was: the relay writes an event in several small
 * pieces and flushes once per event, and each unbuffered piece would be a write (and an HTTP chunk) of its own.
 */
final class CoreClientResponse implements ClientResponse {

    /** The servlet output buffer's size (Jetty's default), so that a streamed event goes out as before. */
    private static final int BUFFER_BYTES = 32 * 1024;

    private final Response response;
    private OutputStream body;

    CoreClientResponse(Response response) {
        this.response = response;
    }

    @Override
    public void begin(int status, String contentType, Map<String, String> headers) {
        response.setStatus(status);
        HttpFields.Mutable fields = response.getHeaders();
        fields.put(HttpHeader.CONTENT_TYPE, contentType);
        headers.forEach(fields::put);
    }

    @Override
    public OutputStream body() {
        if (body == null) {
            body = new BufferedOutputStream(Content.Sink.asOutputStream(response), BUFFER_BYTES);
        }
        return body;
    }

    /** The whole answer in one last write, with its length: no chunked encoding, no copy. */
    @Override
    public void send(int status, String contentType, Map<String, String> headers, byte[] bytes) {
        begin(status, contentType, headers);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
        try {
            Content.Sink.write(response, true, ByteBuffer.wrap(bytes));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends what a streamed body still holds; the response itself ends when the handler's callback succeeds. */
    void finish() throws IOException {
        if (body != null) {
            body.flush();
        }
    }
}
