package io.tollgate.gateway.call;

import io.tollgate.gateway.catalog.ResolvedModel;
import io.tollgate.gateway.events.AttemptFacts;
import io.tollgate.gateway.events.AttemptResult;
import io.tollgate.gateway.resilience.UpstreamGuard.Outcome;
import io.tollgate.gateway.tokens.Tokenizer;
import io.tollgate.gateway.upstream.Provider;
import io.tollgate.gateway.upstream.JsonSplice;
import io.tollgate.gateway.upstream.ProviderAnswer;
import io.tollgate.gateway.upstream.SseRelay;
import io.tollgate.gateway.upstream.Usage;
import io.tollgate.policy.usage.UsagePlausibility;
import io.tollgate.schemas.avro.CallStatus;
import io.tollgate.schemas.avro.Endpoint;
import io.tollgate.schemas.avro.ErrorKind;
import io.tollgate.schemas.avro.TokenSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One upstream attempt. A success, or an error the agent must see (4xx other than 429), is
 * written to the agent at once; a retryable failure (429, 5xx, timeout, network) is kept so the
 * executor can retry, cascade, or pass it through when nothing else is left. A stream is relayed
 * chunk by chunk once the provider answered 200; from then on there is no retry.
 *
 * <p>The attempt's figures are reported exactly once, before the agent can have a complete answer:
 * before a whole answer is sent, before a stream's {@code data: [DONE]} (or, for a stream without
 * one, before the handler returns and the response ends), and for a failure before it is returned.
 * The executor publishes the RESPONSE event there, so a gateway killed mid-call never leaves an
 * answered call without its RESPONSE.
 */
final class UpstreamCall {

    private static final Logger LOG = LoggerFactory.getLogger(UpstreamCall.class);

    /** How the attempt ended; {@code answered} = the agent has its answer. */
    record Result(Outcome outcome, AttemptResult attempt, boolean answered, Optional<Duration> retryAfter,
                  long upstreamNanos, byte[] errorBody, String errorContentType) {

        void passThrough(ClientResponse out, Map<String, String> headers) {
            Map<String, String> h = new LinkedHashMap<>(headers);
            retryAfter.ifPresent(d -> h.put("Retry-After", Long.toString(Math.max(1, d.toSeconds()))));
            out.send(attempt.httpStatus(), errorContentType, h, errorBody);
        }
    }

    private final Provider provider;
    private final Tokenizer tokenizer;
    private final Endpoint endpoint;
    private final ChatRequest request;
    private final AttemptFacts facts;
    private final long priorCostMicros;
    private final Consumer<AttemptResult> report;
    private AttemptResult reported;

    /**
     * @param facts           the attempt: the catalog model (its upstream name, its prices), the counted prompt
     * @param priorCostMicros what the call's earlier attempts cost, added to this attempt's cost in the answer
     * @param report          told the attempt's figures once, before the agent can have a complete answer
     */
    UpstreamCall(Provider provider, Tokenizer tokenizer, Endpoint endpoint, ChatRequest request, AttemptFacts facts,
                 long priorCostMicros, Consumer<AttemptResult> report) {
        this.provider = provider;
        this.tokenizer = tokenizer;
        this.endpoint = endpoint;
        this.request = request;
        this.facts = facts;
        this.priorCostMicros = priorCostMicros;
        this.report = report;
    }

    /** Reports the attempt's figures the first time; later calls return what was reported. */
    private AttemptResult report(AttemptResult result) {
        if (reported == null) {
            reported = result;
            report.accept(result);
        }
        return reported;
    }

    Result run(ClientResponse out, Map<String, String> headers) {
        long t0 = System.nanoTime();
        String path = endpoint == Endpoint.EMBEDDINGS ? "/embeddings" : "/chat/completions";
        try {
            if (request.stream()) {
                Provider.Answer<InputStream> response = provider.post(path, body());
                int status = response.status();
                if (status != 200) {
                    return upstreamError(response, readAll(response.body()), status, t0);
                }
                return stream(response, out, headers, t0);
            }
            Provider.Answer<byte[]> response = provider.postForWhole(path, body());
            int status = response.status();
            if (status != 200) {
                return upstreamError(response, response.body(), status, t0);
            }
            return whole(response, response.body(), out, headers, t0);
        } catch (HttpTimeoutException e) {
            return failure(Outcome.TIMEOUT, ErrorKind.TIMEOUT, 504, t0, "upstream " + provider.name()
                    + " did not answer within its request timeout", Optional.empty());
        } catch (IOException e) {
            return failure(Outcome.NETWORK_ERROR, ErrorKind.NETWORK, 502, t0, "upstream " + provider.name()
                    + " could not be reached or broke off its answer: " + e.getMessage(), Optional.empty());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return failure(Outcome.NETWORK_ERROR, ErrorKind.CANCELLED, 499, t0, "call interrupted", Optional.empty());
        }
    }

    private static byte[] readAll(InputStream body) {
        try (InputStream in = body) {
            return in.readAllBytes();
        } catch (IOException e) {
            return new byte[0];
        }
    }

    /** The agent's bytes, with the provider's name for the model and, streaming, usage asked for. */
    private byte[] body() {
        byte[] body = request.raw();
        String upstreamModel = facts.model().upstreamName();
        if (!upstreamModel.equals(request.model())) {
            body = JsonSplice.withString(body, 0, "model", upstreamModel).orElseThrow(() ->
                    new IllegalStateException("a validated request has a string 'model'"));
        }
        if (request.stream()) {
            body = JsonSplice.withIncludeUsage(body).orElseThrow(() ->
                    new IllegalStateException("a validated request has an object or null 'stream_options'"));
        }
        return body;
    }

    private Result whole(Provider.Answer<?> response, byte[] bytes, ClientResponse out, Map<String, String> headers,
                         long t0) {
        long upstreamNanos = System.nanoTime() - t0;
        ProviderAnswer answer = ProviderAnswer.read(bytes);
        AttemptResult result = report(metered(answer.usage(), () -> countCompletion(answer), answer.servedModel(),
                upstreamNanos, null));
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put(ResponseHeaders.COST, Long.toString(priorCostMicros + facts.costMicros(result)));
        out.send(200, contentType(response), h, answer.relayedAs(facts.model().id()));
        return new Result(Outcome.SUCCESS, result, true, Optional.empty(), upstreamNanos, null, null);
    }

    private long promptTokens() {
        return facts.reservedPromptTokens();
    }

    private Result stream(Provider.Answer<InputStream> response, ClientResponse out, Map<String, String> headers, long t0) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put("Cache-Control", "no-cache");
        // the cost is known only once the provider's usage arrives: the reservation until then
        h.put(ResponseHeaders.RESERVED_COST, Long.toString(priorCostMicros + facts.reservedCostMicros()));
        out.begin(200, "text/event-stream", h);
        ResolvedModel model = facts.model();
        // the usage chunk's cost is the provider's figures priced; impossible figures are metered from the gateway's own
        // counts (metered), which the relay does not have yet: the chunk then carries no cost (GET /v1/calls has it)
        SseRelay.Adaptation adaptation = new SseRelay.Adaptation(model.id(), request.includeUsage(),
                u -> u.problem(contextWindow(), maxOutputTokens()).isPresent() ? -1
                        : priorCostMicros + model.costMicros(u.promptTokens(), u.cachedPromptTokens(), u.completionTokens()));
        SseRelay.Outcome relayed;
        try (InputStream in = response.body()) {
            relayed = SseRelay.relay(in, out.body(), true, adaptation, soFar -> report(streamed(soFar, t0)));
        } catch (SseRelay.BrokenStreamException e) {
            return broken(e, t0);
        } catch (IOException | UncheckedIOException e) {
            return broken(new SseRelay.BrokenStreamException(new SseRelay.ClientGoneException(
                    e instanceof IOException io ? io : new IOException(e)), null), t0);
        }
        long nanos = System.nanoTime() - t0;
        AttemptResult result = report(streamed(relayed, t0));
        return new Result(Outcome.SUCCESS, result, true, Optional.empty(), nanos, null, null);
    }

    /** The figures of a stream that ended (or reached its {@code [DONE]}) as {@code relayed}. */
    private AttemptResult streamed(SseRelay.Outcome relayed, long t0) {
        long nanos = System.nanoTime() - t0;
        Long ttft = relayed.firstChunkNanos() == null ? null : (relayed.firstChunkNanos() - t0) / 1_000_000;
        return metered(relayed.usage(), () -> tokenizer.count(relayed.completionText().toString()),
                relayed.servedModel(), nanos, ttft);
    }

    /**
     * The stream broke after the provider answered 200: meter what was relayed (counted, since the
     * usage chunk never came) as CANCELLED when the agent left, as a NETWORK error when the provider
     * broke off. Not retried: the agent already has part of an answer.
     */
    private Result broken(SseRelay.BrokenStreamException e, long t0) {
        long nanos = System.nanoTime() - t0;
        SseRelay.Outcome partial = e.partial();
        long completion = partial == null ? 0 : tokenizer.count(partial.completionText().toString());
        boolean gone = e.clientGone();
        if (reported != null) {
            // it broke after [DONE] reached the agent: the answer was complete and its figures are reported
            return new Result(Outcome.SUCCESS, reported, true, Optional.empty(), nanos, null, null);
        }
        AttemptResult result = report(new AttemptResult(gone ? CallStatus.CANCELLED : CallStatus.ERROR,
                gone ? ErrorKind.CANCELLED : ErrorKind.NETWORK, 200, promptTokens(), 0, completion, tokenizer.source(),
                partial == null ? null : partial.servedModel(), nanos / 1_000_000,
                partial == null || partial.firstChunkNanos() == null ? null : (partial.firstChunkNanos() - t0) / 1_000_000));
        return new Result(gone ? Outcome.SUCCESS : Outcome.NETWORK_ERROR, result, true, Optional.empty(), nanos, null,
                null);
    }

    private Result upstreamError(Provider.Answer<?> response, byte[] body, int status, long t0) {
        long nanos = System.nanoTime() - t0;
        Optional<Duration> retryAfter = response.header("Retry-After").flatMap(UpstreamCall::seconds);
        Outcome outcome;
        ErrorKind kind;
        if (status == 429) {
            outcome = Outcome.RATE_LIMITED;
            kind = ErrorKind.RATE_LIMITED;
        } else if (status == 408 || status == 504) {
            outcome = Outcome.TIMEOUT;
            kind = ErrorKind.TIMEOUT;
        } else if (status >= 500) {
            outcome = Outcome.SERVER_ERROR;
            kind = ErrorKind.UPSTREAM_5XX;
        } else {
            outcome = Outcome.CLIENT_ERROR;
            kind = ErrorKind.BAD_REQUEST;
        }
        AttemptResult result = report(AttemptResult.failed(kind, status, nanos / 1_000_000));
        return new Result(outcome, result, false, retryAfter, nanos, body, contentType(response));
    }

    private Result failure(Outcome outcome, ErrorKind kind, int status, long t0, String message,
                           Optional<Duration> retryAfter) {
        long nanos = System.nanoTime() - t0;
        byte[] body = OpenAiErrors.json(message, "server_error", kind.name().toLowerCase(), null);
        return new Result(outcome, report(AttemptResult.failed(kind, status, nanos / 1_000_000)), false, retryAfter,
                nanos, body, "application/json");
    }

    private int countCompletion(ProviderAnswer answer) {
        return endpoint == Endpoint.EMBEDDINGS ? 0 : answer.completionTokens(tokenizer::count);
    }

    /**
     * The figures metered for a successful attempt: the provider's usage when it reported possible figures (by the
     * rule metering applies, {@link Usage#problem}); otherwise the gateway's own counts (the prompt as counted at
     * admission, the completion counted from the answer, source COUNTED or ESTIMATED by the tokenizer), marked with
     * why the provider's figures were refused when it reported some.
     */
    AttemptResult metered(Optional<Usage> usage, IntSupplier countedCompletion, String served, long nanos, Long ttft) {
        if (usage.isPresent()) {
            Usage u = usage.get();
            Optional<UsagePlausibility.Problem> problem = u.problem(contextWindow(), maxOutputTokens());
            if (problem.isEmpty()) {
                return success(u.promptTokens(), u.cachedPromptTokens(), u.completionTokens(), TokenSource.PROVIDER,
                        served, nanos, ttft, null);
            }
            String note = "provider usage refused: " + problem.get().reason() + " (" + problem.get().detail() + ")";
            LOG.warn("{} from {}; metering the gateway's own counts", note, provider.name());
            return success(promptTokens(), 0, countedCompletion.getAsInt(), tokenizer.source(), served, nanos, ttft, note);
        }
        return success(promptTokens(), 0, countedCompletion.getAsInt(), tokenizer.source(), served, nanos, ttft, null);
    }

    /** The model's bounds, by which the provider's usage is judged. */
    private int contextWindow() {
        return facts.model().contextWindow().value();
    }

    private int maxOutputTokens() {
        return facts.model().maxOutputTokens().value();
    }

    private static AttemptResult success(long prompt, long cached, long completion, TokenSource source, String served,
                                         long nanos, Long ttft, String usageNote) {
        return new AttemptResult(CallStatus.SUCCESS, ErrorKind.NONE, 200, prompt, cached, completion, source, served,
                nanos / 1_000_000, ttft, usageNote);
    }

    private static String contentType(Provider.Answer<?> response) {
        return response.header("Content-Type").orElse("application/json");
    }

    private static Optional<Duration> seconds(String value) {
        try {
            return Optional.of(Duration.ofMillis(Math.round(Double.parseDouble(value.trim()) * 1000)));
        } catch (NumberFormatException e) {
            return Optional.empty(); // an HTTP date: rare from LLM providers, treated as absent
        }
    }
}
