package io.tollgate.gateway.it;

import static io.tollgate.gateway.it.GatewayFixture.PLANNER;
import static io.tollgate.gateway.it.GatewayFixture.chat;
import static io.tollgate.gateway.it.GatewayFixture.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tollgate.gateway.GatewayApplication;
import io.tollgate.gateway.admission.Admission;
import io.tollgate.gateway.admission.AdmissionDecision;
import io.tollgate.gateway.admission.AdmissionDecision.Headroom;
import io.tollgate.gateway.admission.AdmissionDecision.Kind;
import io.tollgate.gateway.catalog.DiscoverySource;
import io.tollgate.gateway.events.EventSink;
import io.tollgate.gateway.resilience.UpstreamGuard;
import io.tollgate.gateway.routing.Caller;
import io.tollgate.gateway.routing.RoutePlan;
import io.tollgate.gateway.routing.Router;
import io.tollgate.localstack.provider.SimulatedProvider;
import io.tollgate.schemas.avro.CallStatus;
import io.tollgate.schemas.avro.ErrorKind;
import io.tollgate.schemas.avro.Phase;
import io.tollgate.schemas.avro.UsageEvent;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The request path's use of the routing, admission and resilience seams, with scripted
 * implementations plugged in through {@link GatewayApplication#builder}: waits, refusals,
 * retries as new attempts, cascades to fallbacks, the breaker. Events are recorded in memory.
 */
class RequestPathIT {

    @TempDir
    Path dir;
    private SimulatedProvider provider;
    private GatewayApplication gateway;
    private final HttpClient http = HttpClient.newHttpClient();
    private final RecordingSink events = new RecordingSink();
    private final Deque<AdmissionDecision> decisions = new ArrayDeque<>();
    private final List<Long> settled = Collections.synchronizedList(new ArrayList<>());
    private final List<String> breakerOpen = new ArrayList<>();
    private final AtomicInteger retries = new AtomicInteger();

    @BeforeEach
    void start() {
        provider = SimulatedProvider.start();
        Router router = (caller, model, features) -> new RoutePlan(List.of(
                new RoutePlan.Candidate(model, false, "requested"),
                new RoutePlan.Candidate("sim-medium", true, "cascade")), "test", 0.5, "large", null);
        Admission admission = new Admission() {
            @Override
            public AdmissionDecision tryAdmit(Caller caller, String model, long tokens, long now) {
                AdmissionDecision next = decisions.poll();
                return next != null ? next : admitted(caller, model, tokens, AdmissionDecision.Remaining.UNLIMITED);
            }

            @Override
            public void settle(AdmissionDecision.Reservation reservation, long actualTokens, long now) {
                settled.add(actualTokens);
            }
        };
        UpstreamGuard guard = new UpstreamGuard() {
            @Override
            public boolean allow(String p, String model, long now) {
                return !breakerOpen.contains(model);
            }

            @Override
            public void record(String p, String model, Outcome outcome, long now) {
            }

            @Override
            public Optional<Duration> retryDelay(int nextAttempt, Outcome outcome, Optional<Duration> retryAfter) {
                return nextAttempt <= retries.get() + 1 ? Optional.of(Duration.ofMillis(10)) : Optional.empty();
            }
        };
        gateway = GatewayApplication.builder(GatewayFixture.config(provider, "", "mock://request-path-it", dir,
                        Map.of("TOLLGATE_MAX_WAIT_MS", "500")))
                .router(router).admission(admission).guard(guard).eventSink(events).build().start();
    }

    @AfterEach
    void stop() {
        gateway.close();
        provider.close();
    }

    private static AdmissionDecision.Admitted admitted(Caller caller, String model, long tokens,
                                                       AdmissionDecision.Remaining remaining) {
        return new AdmissionDecision.Admitted(
                new AdmissionDecision.Reservation(caller.keyId(), model, tokens, 0, 1), remaining);
    }

    @Test
    void shouldRetryAsNewAttemptsThenCascadeToTheFallbackWhenTheFirstModelKeepsFailing() throws Exception {
        // Given sim-large fails twice and the guard allows one retry
        provider.scenario().serverErrorNext("sim-large", 2);
        retries.set(1);

        // When
        HttpResponse<String> r = post(http, gateway.port(), "/v1/chat/completions", PLANNER, chat("sim-large", "hi", 4, false));

        // Then the agent gets the fallback's answer, and every attempt has its own REQUEST/RESPONSE pair
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("X-Tollgate-Model")).contains("sim-medium");
        assertThat(r.headers().firstValue("X-Tollgate-Fallback")).contains("true");
        awaitRecorded(6, 3);
        assertThat(events.list).extracting(e -> e.getAttempt() + ":" + e.getModel() + ":" + e.getPhase() + ":" + e.getStatus())
                .containsExactly("1:sim-large:REQUEST:ADMITTED", "1:sim-large:RESPONSE:ERROR",
                        "2:sim-large:REQUEST:ADMITTED", "2:sim-large:RESPONSE:ERROR",
                        "3:sim-medium:REQUEST:ADMITTED", "3:sim-medium:RESPONSE:SUCCESS");
        UsageEvent last = events.list.get(5);
        assertThat(last.getFallback()).isTrue();
        assertThat(last.getFallbackFrom()).isEqualTo("sim-large");
        assertThat(last.getRoutingReason()).isEqualTo("fallback of sim-large: upstream 5xx");
        assertThat(last.getComplexityScore()).isEqualTo(0.5);
        assertThat(events.list.get(1).getErrorKind()).isEqualTo(ErrorKind.UPSTREAM_5XX);
        assertThat(settled).hasSize(3).endsWith(last.getTotalTokens());
    }

    @Test
    void shouldWaitAndAskAgainThenSendRemainingQuotaHeadersWhenAdmissionSaysWait() throws Exception {
        decisions.add(new AdmissionDecision.Wait(Kind.RPM, 50, "rpm key=k-planner model=sim-large 500"));
        decisions.add(admitted(new Caller("k-planner", "", "", "", "", null), "sim-large", 0,
                new AdmissionDecision.Remaining(new Headroom(500, 5, 20), new Headroom(200_000, 1_000, 1_500),
                        new Headroom(100, 50, 3_600_000), new Headroom(10_000, 1_900, 3_600_000))));

        HttpResponse<String> r = post(http, gateway.port(), "/v1/chat/completions", PLANNER, chat("sim-large", "hi", 4, false));

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("X-Tollgate-Model")).contains("sim-large");
        assertThat(r.headers().firstValue("X-Tollgate-Remaining-Requests")).contains("5");
        assertThat(r.headers().firstValue("x-ratelimit-remaining-requests")).contains("5");
        assertThat(r.headers().firstValue("x-ratelimit-reset-requests")).contains("20ms");
        assertThat(r.headers().firstValue("x-ratelimit-reset-tokens")).contains("1.5s");
        assertThat(r.headers().firstValue("X-Tollgate-Remaining-Tokens")).contains("1000");
        assertThat(r.headers().firstValue("X-Tollgate-Remaining-Requests-Today")).contains("50");
        assertThat(r.headers().firstValue("X-Tollgate-Limit-Requests-Today")).contains("100");
        assertThat(r.headers().firstValue("X-Tollgate-Remaining-Tokens-Today")).contains("1900");
        assertThat(r.headers().firstValue("X-Tollgate-Limit-Tokens-Today")).contains("10000");
        // 8 100 of 10 000 daily tokens used: the tpd warns as the rpd would
        assertThat(r.headers().firstValue("X-Tollgate-Quota-Warning")).contains("8100 of 10000 daily tokens used (81%)");
        assertThat(decisions).isEmpty();
    }

    @Test
    void shouldCascadeWhenTheWaitIsLongerThanTheMaximum() throws Exception {
        decisions.add(new AdmissionDecision.Wait(Kind.RPM, 60_000, "rpm key=k-planner model=sim-large 500"));

        HttpResponse<String> r = post(http, gateway.port(), "/v1/chat/completions", PLANNER, chat("sim-large", "hi", 4, false));

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("X-Tollgate-Model")).contains("sim-medium");
        assertThat(provider.counters().forModel("sim-large").requests()).isZero();
    }

    @Test
    void shouldAnswer429WithTheShortestRetryAfterAndItsLimitAndForwardNothingWhenNoCandidateIsAdmitted()
            throws Exception {
        // Given the requested model is out of its daily quota and the fallback waits longer than max_wait
        decisions.add(new AdmissionDecision.Refused(Kind.RPD, "rpd key=k-planner 10000", 3_600_000, 429,
                "Daily quota used up"));
        decisions.add(new AdmissionDecision.Refused(Kind.RPD, "rpd key=k-planner model=sim-medium 10", 7_200_000, 429,
                "Daily quota of sim-medium used up"));

        HttpResponse<String> r = post(http, gateway.port(), "/v1/chat/completions", PLANNER, chat("sim-large", "hi", 4, false));

        assertThat(r.statusCode()).isEqualTo(429);
        assertThat(r.headers().firstValue("Retry-After")).contains("3600");
        assertThat(r.headers().firstValue("X-Tollgate-Limit")).contains("rpd key=k-planner 10000");
        assertThat(r.body()).contains("\"type\":\"rate_limit_error\"").contains("Daily quota used up");
        assertThat(provider.counters().total().requests()).isZero();
        assertThat(events.list).isEmpty();
    }

    @Test
    void shouldAnswerABlockAtOnceWithItsStatusAndReasonWithoutTryingTheFallback() throws Exception {
        decisions.add(new AdmissionDecision.Refused(Kind.BLOCKED, "blocked team:research by command c-1", 0, 403,
                "budget used up (until 2026-11-23T00:00:00Z)"));

        HttpResponse<String> r = post(http, gateway.port(), "/v1/chat/completions", PLANNER, chat("sim-large", "hi", 4, false));

        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).contains("budget used up (until 2026-11-23T00:00:00Z)").contains("call_refused");
        assertThat(r.headers().firstValue("X-Tollgate-Limit")).contains("blocked team:research by command c-1");
        assertThat(decisions).isEmpty();
        assertThat(provider.counters().total().requests()).isZero();
    }

    @Test
    void shouldCascadeWhenARefusalIsNotABlock() throws Exception {
        decisions.add(new AdmissionDecision.Refused(Kind.RPD, "rpd key=k-planner model=sim-large 10", 3_600_000, 429,
                "daily"));

        HttpResponse<String> r = post(http, gateway.port(), "/v1/chat/completions", PLANNER, chat("sim-large", "hi", 4, false));

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("X-Tollgate-Model")).contains("sim-medium");
        // the route header says what happened, the same words as the events
        assertThat(r.headers().firstValue("X-Tollgate-Route").orElseThrow())
                .isEqualTo("tier=large; score=0.50; reason=fallback of sim-large: rpd");
        assertThat(events.list.get(0).getRoutingReason()).isEqualTo("fallback of sim-large: rpd");
    }

    @Test
    void shouldSkipAModelWhoseBreakerIsOpenWithoutMeteringAnAttempt() throws Exception {
        breakerOpen.add("sim-large");

        HttpResponse<String> r = post(http, gateway.port(), "/v1/chat/completions", PLANNER, chat("sim-large", "hi", 4, false));

        assertThat(r.statusCode()).isEqualTo(200);
        awaitRecorded(2, 1);
        assertThat(events.list).extracting(UsageEvent::getModel).containsOnly("sim-medium");
        assertThat(events.list).extracting(UsageEvent::getPhase).containsExactly(Phase.REQUEST, Phase.RESPONSE);
        assertThat(events.list.get(1).getStatus()).isEqualTo(CallStatus.SUCCESS);
    }

    @Test
    void shouldListTheProvidersModelsWhenDiscoveringFromAnOpenAiStyleEndpoint() {
        try (DiscoverySource source = new DiscoverySource("simulated", provider.baseUrl(), "sim-key-1",
                DiscoverySource.Kind.OPENAI, Duration.ofSeconds(2), Duration.ofHours(1), () -> { })) {
            source.start();
            assertThat(source.knownModels()).containsAll(SimulatedProvider.DEFAULT_MODELS);
            assertThat(source.lookup("sim-large").provider()).isEqualTo("simulated");
        }
    }

    /**
     * Waits until at least {@code events} usage events and {@code settlements} settlements are recorded. The
     * gateway publishes an attempt's RESPONSE and settles its reservation after relaying the answer, so the
     * agent can hold the whole answer a moment before they are recorded (at once for a body written with
     * its length); asserting on the lists straight after the call would then fail by chance.
     */
    private void awaitRecorded(int events, int settlements) {
        await().atMost(Duration.ofSeconds(30)).until(() -> this.events.list.size() >= events && settled.size() >= settlements);
    }

    /** Events in memory, in publish order. */
    static final class RecordingSink implements EventSink {
        final List<UsageEvent> list = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void publish(UsageEvent event) {
            list.add(event);
        }

        @Override
        public Optional<String> refusal() {
            return Optional.empty();
        }

        @Override
        public long pendingEvents() {
            return 0;
        }

        @Override
        public void close() {
        }
    }
}
