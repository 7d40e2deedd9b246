package io.tollgate.gateway.http;

import io.tollgate.gateway.call.ClientResponse;
import io.tollgate.gateway.call.GatewayError;
import io.tollgate.gateway.call.OpenAiErrors;
import io.tollgate.schemas.avro.Endpoint;
import java.io.IOException;
import java.io.InputStream;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Serves the two call routes, exactly {@code POST /v1/chat/completions} and {@code POST /v1/embeddings},
 * on Jetty's core request and response, in front of Javalin: a call needs only the key, two headers and the
 * body, and Javalin's servlet dispatch and response wrapping cost about as much CPU as the rest of the
 * gateway's work per call. Every other request (other methods on these paths included, and spellings Javalin
 * also routes here such as a trailing slash) goes on to Javalin, where both routes stay registered.
 *
 * <p>The call runs blocking on the thread Jetty handles the request on: Javalin's pool gives every task a
 * virtual thread, and this wrapper keeps its child's (the servlet context's) blocking invocation type.
 */
final class CallHandler extends Handler.Wrapper {

    /** The gateway's side: runs a call, and turns a failure into the error the agent gets. */
    interface Calls {

        /** Runs the call and writes its answer to {@code out}; throws {@link GatewayError} when refusing it. */
        void call(Endpoint endpoint, CallRequest request, ClientResponse out);

        /** The error to answer {@code failure} with (logging an unexpected one). */
        GatewayError answer(String method, String path, Exception failure);
    }

    private final Calls calls;

    CallHandler(Calls calls) {
        this.calls = calls;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        Endpoint endpoint = endpoint(request);
        if (endpoint == null) {
            return super.handle(request, response, callback);
        }
        CoreClientResponse out = new CoreClientResponse(response);
        try {
            calls.call(endpoint, new CoreRequest(request), out);
        } catch (RuntimeException e) {
            refuse(request, response, callback, out, e);
            return true;
        }
        try {
            out.finish();
        } catch (IOException e) {
            callback.failed(e); // the agent left before the stream's last bytes: nothing left to tell it
            return true;
        }
        callback.succeeded();
        return true;
    }

    private static Endpoint endpoint(Request request) {
        if (!HttpMethod.POST.is(request.getMethod())) {
            return null;
        }
        return switch (request.getHttpURI().getPath()) {
            case "/v1/chat/completions" -> Endpoint.CHAT_COMPLETIONS;
            case "/v1/embeddings" -> Endpoint.EMBEDDINGS;
            case null, default -> null;
        };
    }

    /**
     * OpenAI's error JSON when nothing was sent yet; once the answer has begun going out (a stream, or
     * the agent gone mid-write) there is no status left to change and the connection is aborted.
     */
    private void refuse(Request request, Response response, Callback callback, CoreClientResponse out,
                        RuntimeException failure) {
        GatewayError error = calls.answer(request.getMethod(), request.getHttpURI().getPath(), failure);
        if (response.isCommitted()) {
            callback.failed(failure);
            return;
        }
        try {
            response.reset();
            out.send(error.status(), "application/json", error.headers(), OpenAiErrors.json(error));
            callback.succeeded();
        } catch (RuntimeException e) {
            callback.failed(e);
        }
    }

    /** The request as the call rules read it. */
    private record CoreRequest(Request request) implements CallRequest {

        @Override
        public String header(String name) {
            return request.getHeaders().get(name);
        }

        @Override
        public long contentLength() {
            return request.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH);
        }

        @Override
        public InputStream body() {
            return Content.Source.asInputStream(request);
        }
    }
}
