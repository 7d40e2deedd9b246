package io.tollgate.gateway.call;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.gateway.admission.Admission;
import io.tollgate.gateway.admission.AdmissionDecision;
import io.tollgate.gateway.auth.KeyRecord;
import io.tollgate.gateway.catalog.ModelCatalog;
import io.tollgate.gateway.catalog.ResolvedModel;
import io.tollgate.gateway.events.AttemptFacts;
import io.tollgate.gateway.events.AttemptResult;
import io.tollgate.gateway.events.EventSink;
import io.tollgate.gateway.events.UsageEvents;
import io.tollgate.gateway.json.JsonFactories;
import io.tollgate.gateway.resilience.ControlStats;
import io.tollgate.gateway.resilience.UpstreamGuard;
import io.tollgate.gateway.routing.Caller;
import io.tollgate.gateway.routing.PromptFeatures;
import io.tollgate.gateway.routing.RoutePlan;
import io.tollgate.gateway.routing.Router;
import io.tollgate.gateway.tokens.ChatTokenCounter;
import io.tollgate.gateway.tokens.Tokenizer;
import io.tollgate.gateway.tokens.Tokenizers;
import io.tollgate.gateway.upstream.Provider;
import io.tollgate.gateway.upstream.Providers;
import io.tollgate.policy.limits.LimitKind;
import io.tollgate.policy.limits.QuotaWarning;
import io.tollgate.schemas.avro.Endpoint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The request path of one metered call, after authentication and validation: the requested name
 * must be callable ({@link CallableModels}), then the route plan, then
 * for each candidate model the context-window check, admission (auto-wait or cascade), the
 * circuit breaker, and upstream attempts, each attempt framed by a REQUEST and a RESPONSE event.
 * Runs on the caller's virtual thread; waits and retry delays park that thread only.
 *
 * <p>Admission rules: Wait within {@code max_wait} (auto-wait on) parks and asks again, a longer
 * wait cascades; Refused by a BLOCK command (kind {@code BLOCKED}) is answered at once with the
 * command's status, reason and until; any other Refused cascades. When no candidate was admitted
 * the answer is 429 with the shortest Retry-After of the limits hit and that limit in
 * {@code X-Tollgate-Limit}. An open breaker cascades with reason {@code breaker_open}.
 */
public final class CallExecutor {

    static final ObjectMapper JSON = new ObjectMapper(JsonFactories.shared());

    private final ModelCatalog catalog;
    private final Tokenizers tokenizers;
    private final Providers providers;
    private final Router router;
    private final Admission admission;
    private final UpstreamGuard guard;
    private final EventSink events;
    private final CallMetrics metrics;
    private final String gatewayId;
    private final java.util.function.Supplier<Duration> maxWait;
    private final java.util.function.BooleanSupplier autoWait;
    private final ControlStats stats;
    private final java.util.function.Supplier<QuotaWarning> quotaWarning;
    private final CallableModels callable;

    public CallExecutor(ModelCatalog catalog, Tokenizers tokenizers, Providers providers, Router router,
                        Admission admission, UpstreamGuard guard, EventSink events, CallMetrics metrics,
                        String gatewayId, java.util.function.Supplier<Duration> maxWait,
                        java.util.function.BooleanSupplier autoWait, ControlStats stats,
                        java.util.function.Supplier<QuotaWarning> quotaWarning) {
        this.catalog = catalog;
        this.tokenizers = tokenizers;
        this.providers = providers;
        this.router = router;
        this.admission = admission;
        this.guard = guard;
        this.events = events;
        this.metrics = metrics;
        this.gatewayId = gatewayId;
        this.maxWait = maxWait;
        this.autoWait = autoWait;
        this.stats = stats;
        this.quotaWarning = quotaWarning;
        this.callable = new CallableModels(catalog, providers, router);
    }

    /** The names a key can call, as this executor checks them. */
    public CallableModels callableModels() {
        return callable;
    }

    /** Runs the call and writes the answer to {@code out}; throws {@link GatewayError} when refusing it. */
    public void execute(Endpoint endpoint, KeyRecord key, Caller caller, ChatRequest request, ClientResponse out) {
        CallState state = new CallState(io.tollgate.gateway.events.Ids.random(), System.nanoTime());
        state.keyId = key.keyId();
        state.allowedModels = key.allowedModels();
        try {
            run(endpoint, key, caller, request, out, state);
        } catch (GatewayError e) {
            state.status = e.status();
            throw e;
        } finally {
            metrics.request(state.status, state.model, state.provider);
            metrics.overhead(System.nanoTime() - state.startNanos - state.upstreamNanos - state.parkedNanos);
        }
    }

    private void run(Endpoint endpoint, KeyRecord key, Caller caller, ChatRequest request, ClientResponse out,
                     CallState state) {
        events.refusal().ifPresent(reason -> {
            throw new GatewayError(503, "server_error", "event_spool_full", null, reason, Map.of("Retry-After", "5"));
        });
        ResolvedModel requested = callable.require(key, request.model()).orElse(null);
        // "auto" and tier names are no catalog model: routing features are counted in o200k_base
        Tokenizer tokenizer = tokenizers.forName(requested != null ? requested.tokenizer().value() : "o200k_base");
        int promptTokens = countPrompt(endpoint, request, tokenizer);
        PromptFeatures features = PromptAnalysis.features(request, promptTokens);
        RoutePlan plan = router.plan(caller, request.model(), features);
        List<String> skipped = new ArrayList<>();
        for (RoutePlan.Candidate candidate : plan.candidates()) {
            if (state.leftModel != null && !state.leftModel.equals(candidate.model())) {
                stats.cascaded(key.keyId(), state.leftModel, candidate.model(), state.leftReason.label());
                state.cascadedFrom = state.leftModel;
                state.cascadeReason = state.leftReason;
                state.leftModel = null;
            }
            ResolvedModel model = requested != null && candidate.model().equals(requested.id()) ? requested
                    : catalog.resolve(candidate.model());
            Optional<Provider> provider = model.provider().flatMap(p -> providers.get(p.value()));
            if (provider.isEmpty()) {
                skipped.add(candidate.model() + " (no configured provider serves it)");
                state.leave(candidate.model(), Cascade.NO_PROVIDER);
                continue;
            }
            if (!key.mayUse(candidate.model())) {
                skipped.add(candidate.model() + " (not allowed for key " + key.keyId() + ")");
                state.notAllowed = true;
                state.leave(candidate.model(), Cascade.NOT_ALLOWED);
                continue;
            }
            if (!model.priced()) {
                skipped.add(candidate.model() + " (no price)");
                state.leave(candidate.model(), Cascade.UNPRICED);
                continue;
            }
            Tokenizer candidateTokenizer = tokenizers.forName(model.tokenizer().value());
            int prompt = candidateTokenizer.equals(tokenizer) ? promptTokens
                    : countPrompt(endpoint, request, candidateTokenizer);
            Optional<Long> completion = reserveCompletion(endpoint, request, model, prompt, state);
            if (completion.isEmpty()) {
                skipped.add(candidate.model() + " (context window)");
                state.leave(candidate.model(), Cascade.CONTEXT_WINDOW);
                continue;
            }
            Target target = new Target(endpoint, caller, request, plan, candidate, model, provider.get(),
                    candidateTokenizer, prompt, completion.get(), plan.candidates().get(0).model());
            if (tryCandidate(target, out, state)) {
                return;
            }
        }
        fail(request, state, skipped, out, key.keyId());
    }

    private record Target(Endpoint endpoint, Caller caller, ChatRequest request, RoutePlan plan,
                          RoutePlan.Candidate candidate, ResolvedModel model, Provider provider, Tokenizer tokenizer,
                          int promptTokens, long completionTokens, String firstChoice) {
    }

    /** max_tokens, or the model's max output capped by the context left; empty when it cannot fit. */
    private static Optional<Long> reserveCompletion(Endpoint endpoint, ChatRequest request, ResolvedModel model,
                                                    int prompt, CallState state) {
        int window = model.contextWindow().value();
        long completion = endpoint == Endpoint.EMBEDDINGS ? 0
                : request.maxTokens() != null ? request.maxTokens()
                : Math.min(model.maxOutputTokens().value(), Math.max(0, window - prompt));
        boolean noRoom = endpoint == Endpoint.CHAT_COMPLETIONS && completion == 0;
        if (prompt + completion > window || noRoom) {
            state.contextError = GatewayError.invalid("messages", "context_length_exceeded",
                    "This model's maximum context length is " + window + " tokens (" + model.id() + ", "
                            + model.contextWindow().source() + "). However, you requested " + (prompt + completion)
                            + " tokens (" + prompt + " in the messages, " + completion
                            + " in the completion). Please reduce the length of the messages or completion.");
            return Optional.empty();
        }
        return Optional.of(completion);
    }

    /** True when the call is answered (success or an error to pass through); false to cascade. */
    private boolean tryCandidate(Target t, ClientResponse out, CallState state) {
        int candidateAttempt = 0;
        while (true) {
            AdmissionDecision.Admitted admitted = admit(t, state);
            if (admitted == null) {
                return false;
            }
            String providerName = t.provider().name();
            String model = t.model().id();
            if (!guard.allow(providerName, model, System.currentTimeMillis())) {
                admission.settle(admitted.reservation(), 0, System.currentTimeMillis());
                admission.written(admitted.reservation(), -1, -1); // no event: nothing for the view to show
                state.breakerOpen = providerName + "/" + model;
                state.leave(model, Cascade.BREAKER_OPEN);
                return false;
            }
            candidateAttempt++;
            int attempt = ++state.attempts;
            String routingReason = routingReason(t, state);
            AttemptFacts facts = new AttemptFacts(state.callId, attempt, gatewayId, t.endpoint(), t.caller(),
                    t.request().model(), t.model(), providerName, t.request().stream(), t.candidate().fallback(),
                    fallbackFrom(t), routingReason,
                    t.plan().complexityScore(), t.plan().tier(), t.plan().routingFeatures(), t.promptTokens(),
                    t.completionTokens());
            AdmissionDecision.Reservation reservation = admitted.reservation();
            // in the spool before the upstream call starts: a gateway killed mid-call leaves the REQUEST, which
            // metering settles as abandoned at its reservation
            events.publish(UsageEvents.request(facts, System.currentTimeMillis()),
                    (partition, offset) -> admission.written(reservation, partition, offset));
            state.model = model;
            state.provider = providerName;
            Map<String, String> headers = headers(state, t, routingReason, admitted.remaining());
            // the RESPONSE is in the spool before the agent can have a complete answer (UpstreamCall reports it then)
            UpstreamCall.Result result = new UpstreamCall(t.provider(), t.tokenizer(), t.endpoint(), t.request(),
                    facts, state.costMicros,
                    r -> events.publish(UsageEvents.response(facts, r, System.currentTimeMillis()))).run(out, headers);
            state.upstreamNanos += result.upstreamNanos();
            metrics.upstream(providerName, model, result.upstreamNanos());
            guard.record(providerName, model, result.outcome(), System.currentTimeMillis());
            AttemptResult r = result.attempt();
            state.costMicros += facts.costMicros(r);
            admission.settle(admitted.reservation(), r.promptTokens() + r.completionTokens(), System.currentTimeMillis());
            if (result.answered()) {
                state.status = r.httpStatus();
                stats.served(state.keyId, model, t.candidate().fallback());
                return true;
            }
            if (result.outcome() == UpstreamGuard.Outcome.CLIENT_ERROR) {
                // the provider judged the request itself: another attempt or model would not help
                result.passThrough(out, withCost(headers, state));
                state.status = r.httpStatus();
                return true;
            }
            state.lastFailure = result;
            state.lastFailureHeaders = headers;
            Optional<Duration> delay = guard.retryDelay(candidateAttempt + 1, result.outcome(), result.retryAfter());
            if (delay.isEmpty()) {
                state.leave(model, Cascade.of(result.outcome()));
                return false;
            }
            park(delay.get().toMillis(), state);
        }
    }

    private AdmissionDecision.Admitted admit(Target t, CallState state) {
        long waited = 0;
        while (true) {
            AdmissionDecision d = admission.tryAdmit(t.caller(), t.model().id(),
                    t.promptTokens() + t.completionTokens(), System.currentTimeMillis());
            switch (d) {
                case AdmissionDecision.Admitted a -> {
                    return a;
                }
                case AdmissionDecision.Wait w -> {
                    if (autoWait.getAsBoolean() && waited + w.waitMillis() <= maxWait.get().toMillis()) {
                        park(w.waitMillis(), state);
                        waited += w.waitMillis();
                        stats.waited(state.keyId, t.model().id(), w.waitMillis());
                    } else {
                        state.limitHit(w.kind(), w.limit(), w.waitMillis(), 429,
                                "Rate limit reached (" + w.limit() + "); capacity frees up in " + w.waitMillis() + " ms.");
                        state.leave(t.model().id(), Cascade.of(w.kind()));
                        return null;
                    }
                }
                case AdmissionDecision.Refused r -> {
                    if (r.kind() == AdmissionDecision.Kind.BLOCKED) {
                        // a BLOCK covers the caller, not the model: another model would be blocked too
                        stats.refused(state.keyId, t.model().id(), r.kind());
                        throw refused(r);
                    }
                    state.limitHit(r.kind(), r.limit(), r.retryAfterMillis(), r.httpStatus(),
                            r.reason() + " (limit: " + r.limit() + ")");
                    state.leave(t.model().id(), Cascade.of(r.kind()));
                    return null;
                }
            }
        }
    }

    static GatewayError refused(AdmissionDecision.Refused r) {
        boolean rateLimited = r.httpStatus() == 429;
        return new GatewayError(r.httpStatus(), rateLimited ? "rate_limit_error" : "permission_error",
                rateLimited ? "rate_limit_exceeded" : "call_refused", null,
                r.reason() + " (limit: " + r.limit() + ")",
                Map.of("Retry-After", Long.toString(Math.max(1, (r.retryAfterMillis() + 999) / 1000)),
                        "X-Tollgate-Limit", r.limit()));
    }

    private void fail(ChatRequest request, CallState state, List<String> skipped, ClientResponse out, String keyId) {
        if (state.lastFailure != null) {
            state.lastFailure.passThrough(out, withCost(state.lastFailureHeaders, state));
            state.status = state.lastFailure.attempt().httpStatus();
            return;
        }
        if (state.shortestLimit != null) {
            // nothing admitted: the limit that frees up first tells the agent when to come back
            stats.refused(keyId, request.model(), state.shortestKind);
            int status = state.limitStatus == 429 || state.limitStatus == 403 ? 429 : state.limitStatus;
            throw new GatewayError(status, status == 429 ? "rate_limit_error" : "server_error",
                    status == 429 ? "rate_limit_exceeded" : "admission_unavailable", null, state.limitMessage,
                    Map.of("Retry-After", Long.toString(Math.max(1, (state.shortestRetryMillis + 999) / 1000)),
                            "X-Tollgate-Limit", state.shortestLimit));
        }
        if (state.contextError != null) {
            throw state.contextError;
        }
        if (state.notAllowed && skipped.stream().allMatch(reason -> reason.contains("not allowed"))) {
            throw new GatewayError(403, "permission_error", "model_not_allowed", "model", "API key "
                    + state.keyId + " may not use model '" + request.model() + "'; it may use "
                    + state.allowedModels + ".", Map.of());
        }
        if (state.breakerOpen != null) {
            throw new GatewayError(503, "server_error", "upstream_unavailable", null,
                    "No upstream is available for this call: the circuit of " + state.breakerOpen
                            + " is open; tried " + skipped + ". Retry later.", Map.of("Retry-After", "5"));
        }
        throw CallableModels.notFound(request.model(), skipped.isEmpty() ? "" : " (tried " + String.join(", ", skipped) + ")");
    }

    private Map<String, String> headers(CallState state, Target t, String routingReason,
                                        AdmissionDecision.Remaining remaining) {
        Map<String, String> h = new java.util.LinkedHashMap<>();
        h.put(ResponseHeaders.CALL_ID, state.callId);
        h.put(ResponseHeaders.MODEL, t.model().id());
        h.put(ResponseHeaders.FALLBACK, Boolean.toString(t.candidate().fallback()));
        h.put(ResponseHeaders.ROUTE, routeHeader(t.plan(), routingReason));
        if (remaining != null) {
            quotaWarning(remaining).ifPresent(v -> h.put(QuotaWarning.HEADER, v));
            ResponseHeaders.limits(h, remaining);
        }
        return h;
    }

    /** The warnings of the daily quotas (requests, tokens) that are nearly used, joined as one header value. */
    private Optional<String> quotaWarning(AdmissionDecision.Remaining remaining) {
        AdmissionDecision.Headroom requests = remaining.of(LimitKind.RPD);
        AdmissionDecision.Headroom tokens = remaining.of(LimitKind.TPD);
        if (!requests.limited() && !tokens.limited()) {
            return Optional.empty(); // no daily quota: the organisation's warning share is not looked up
        }
        QuotaWarning warning = quotaWarning.get();
        List<String> warnings = new java.util.ArrayList<>(2);
        if (requests.limited()) {
            warning.message(LimitKind.RPD, requests.used(), requests.limit()).ifPresent(warnings::add);
        }
        if (tokens.limited()) {
            warning.message(LimitKind.TPD, tokens.used(), tokens.limit()).ifPresent(warnings::add);
        }
        return warnings.isEmpty() ? Optional.empty() : Optional.of(String.join(", ", warnings));
    }

    private static Map<String, String> withCost(Map<String, String> headers, CallState state) {
        Map<String, String> h = new java.util.LinkedHashMap<>(headers);
        h.put(ResponseHeaders.COST, Long.toString(state.costMicros));
        return h;
    }

    /**
     * {@code tier=small; score=0.12; reason=auto: complexity 0.12 -> tier small; features=chat:1,tokens:9},
     * printable ASCII only;
     * {@code reason} is the served attempt's, the same as its usage events' {@code routingReason}.
     */
    static String routeHeader(RoutePlan plan, String reason) {
        StringBuilder b = new StringBuilder();
        if (plan.tier() != null) {
            b.append("tier=").append(plan.tier()).append("; ");
        }
        if (plan.complexityScore() != null) {
            b.append("score=").append(twoDecimals(plan.complexityScore())).append("; ");
        }
        b.append("reason=").append(reason);
        if (plan.routingFeatures() != null && !plan.routingFeatures().isEmpty()) {
            b.append("; features=").append(plan.routingFeatures());
        }
        String value = printable(b);
        return value.length() > 512 ? value.substring(0, 512) : value;
    }

    /** {@code text} with every code point outside printable ASCII replaced by one {@code ?}. */
    private static String printable(CharSequence text) {
        int n = text.length();
        int i = 0;
        while (i < n && text.charAt(i) >= 0x20 && text.charAt(i) <= 0x7e) {
            i++;
        }
        if (i == n) {
            return text.toString();
        }
        StringBuilder b = new StringBuilder(n).append(text, 0, i);
        while (i < n) {
            int c = Character.codePointAt(text, i);
            b.append(c >= 0x20 && c <= 0x7e ? (char) c : '?');
            i += Character.charCount(c);
        }
        return b.toString();
    }

    /** {@code %.2f} (half up, from the shortest decimal) without the formatter's parsing on every call. */
    static String twoDecimals(double value) {
        if (!Double.isFinite(value) || value < 0 || Double.doubleToRawLongBits(value) == Long.MIN_VALUE) {
            return String.format(java.util.Locale.ROOT, "%.2f", value);
        }
        return java.math.BigDecimal.valueOf(value).setScale(2, java.math.RoundingMode.HALF_UP).toPlainString();
    }

    /** The model this attempt stands in for: the downgraded choice, else the plan's first candidate. */
    private static String fallbackFrom(Target t) {
        if (!t.candidate().fallback()) {
            return null;
        }
        return t.candidate().fallbackFrom() != null ? t.candidate().fallbackFrom() : t.firstChoice();
    }

    /**
     * What happened, for the usage events and {@code X-Tollgate-Route}: the candidate's reason, or for a
     * cascade the model left and why ({@code fallback of sim-large: rpm}, {@code local fallback of
     * sim-large: breaker open}); a context-window fallback's reason already says both.
     */
    private static String routingReason(Target t, CallState state) {
        String reason = t.candidate().reason();
        if (state.cascadedFrom == null || !t.candidate().fallback()) {
            return reason;
        }
        String left = state.cascadedFrom + ": " + state.cascadeReason.words();
        return switch (t.candidate().via()) {
            case FALLBACK_CHAIN -> "fallback of " + left;
            case LOCAL_FALLBACK -> "local fallback of " + left;
            case CONTEXT_WINDOW -> reason;
            case CHOICE, DOWNGRADE -> reason + " (" + left + ")";
        };
    }

    private static void park(long millis, CallState state) {
        long t0 = System.nanoTime();
        try {
            Thread.sleep(millis); // auto-wait or retry backoff: parks this call's virtual thread only
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GatewayError(503, "server_error", "shutting_down", null, "The gateway is shutting down.",
                    Map.of());
        } finally {
            state.parkedNanos += System.nanoTime() - t0;
        }
    }

    /** Prompt tokens of a chat request (messages + tools) or of an embeddings input. */
    public static int countPrompt(Endpoint endpoint, ChatRequest request, Tokenizer tokenizer) {
        if (endpoint == Endpoint.CHAT_COMPLETIONS) {
            return ChatTokenCounter.countPrompt(tokenizer, request.messages(), request.tools());
        }
        JsonNode input = request.messages();
        if (input.isTextual()) {
            return tokenizer.count(input.textValue());
        }
        int n = 0;
        for (JsonNode item : input) {
            n += item.isTextual() ? tokenizer.count(item.textValue()) : item.isArray() ? item.size() : 1;
        }
        return n;
    }

    /** Mutable bookkeeping of one call; confined to the call's thread. */
    private static final class CallState {
        final String callId;
        final long startNanos;
        long upstreamNanos;
        long parkedNanos;
        int attempts;
        int status = 200;
        String model;
        String provider;
        UpstreamCall.Result lastFailure;
        Map<String, String> lastFailureHeaders;
        String shortestLimit;
        AdmissionDecision.Kind shortestKind;
        long shortestRetryMillis = Long.MAX_VALUE;
        int limitStatus;
        String limitMessage;
        String leftModel;
        Cascade leftReason;
        String cascadedFrom;
        Cascade cascadeReason;
        long costMicros;
        GatewayError contextError;
        String breakerOpen;
        boolean notAllowed;
        String keyId;
        List<String> allowedModels;

        CallState(String callId, long startNanos) {
            this.callId = callId;
            this.startNanos = startNanos;
        }

        /** Keeps the limit that frees up first, for the 429 when no candidate is admitted. */
        void limitHit(AdmissionDecision.Kind kind, String limit, long retryMillis, int status, String message) {
            if (shortestLimit == null || retryMillis < shortestRetryMillis) {
                shortestKind = kind;
                shortestLimit = limit;
                shortestRetryMillis = retryMillis;
                limitStatus = status;
                limitMessage = message;
            }
        }

        /** The call leaves {@code model} for the next candidate, for {@code reason}. */
        void leave(String model, Cascade reason) {
            leftModel = model;
            leftReason = reason;
        }
    }
}
