package io.tollgate.metering.topology;

import static io.tollgate.metering.topology.TopologyFixture.request;
import static io.tollgate.metering.topology.TopologyFixture.response;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tollgate.metering.health.HealthSample;
import io.tollgate.metering.health.HealthState;
import io.tollgate.schemas.avro.CallStatus;
import io.tollgate.schemas.avro.ErrorKind;
import io.tollgate.schemas.avro.ModelHealth;
import io.tollgate.schemas.avro.UsageEvent;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ModelHealthTopologyTest {

    private static final Instant T0 = Instant.parse("2026-11-21T10:00:00Z");
    private final TopologyFixture fx = new TopologyFixture();

    @AfterEach
    void close() {
        fx.close();
    }

    private void respond(String call, Instant at, long latencyMs, CallStatus status, ErrorKind kind, boolean fallback) {
        UsageEvent req = request(call, "k1", "gpt-4o", at.minusMillis(latencyMs), 100, 10);
        fx.send(req);
        long completion = status == CallStatus.SUCCESS ? 50 : 0;
        fx.send(UsageEvent.newBuilder(response(req, at, 100, 10)).setLatencyMs(latencyMs).setStatus(status)
                .setErrorKind(kind).setCompletionTokens(completion).setTotalTokens(50 + completion).setFallback(fallback)
                .build());
    }

    @Test
    void shouldCountOutcomesAndLatencyQuantilesWhenResponsesArrive() {
        // Given 100 successes with latencies 10..1000 ms and four kinds of errors in one window
        for (int i = 1; i <= 100; i++) {
            respond("s" + i, T0.plusSeconds(1 + i), i * 10L, CallStatus.SUCCESS, ErrorKind.NONE, i % 10 == 0);
        }
        respond("e1", T0.plusSeconds(200), 5, CallStatus.ERROR, ErrorKind.RATE_LIMITED, false);
        respond("e2", T0.plusSeconds(201), 5, CallStatus.ERROR, ErrorKind.TIMEOUT, false);
        respond("e3", T0.plusSeconds(202), 5, CallStatus.ERROR, ErrorKind.UPSTREAM_5XX, false);
        respond("e4", T0.plusSeconds(203), 5, CallStatus.ERROR, ErrorKind.BAD_REQUEST, false);
        respond("e5", T0.plusSeconds(204), 5, CallStatus.ERROR, ErrorKind.NETWORK, false);

        ModelHealth h = TopologyFixture.latest(fx.health).get("gpt-4o");
        assertThat(h.getWindowStartMillis()).isEqualTo(T0.toEpochMilli());
        assertThat(h.getWindowEndMillis()).isEqualTo(T0.toEpochMilli() + 300_000);
        assertThat(h.getCalls()).isEqualTo(105);
        assertThat(h.getSuccesses()).isEqualTo(100);
        assertThat(List.of(h.getErrorsRateLimited(), h.getErrorsTimeout(), h.getErrorsUpstream5xx(),
                h.getErrorsBadRequest(), h.getErrorsOther())).containsOnly(1L);
        assertThat(h.getFallbacks()).isEqualTo(10);
        assertThat(h.getCompletionTokens()).isEqualTo(5000);
        // 5000 tokens over 50.5 s of summed latency
        assertThat(h.getTokensPerSecond()).isCloseTo(5000 / 50.5, within(0.01));
        assertThat(h.getLatencyP50Ms()).isBetween(495L, 505L);
        assertThat(h.getLatencyP95Ms()).isBetween(945L, 955L);
        assertThat(h.getLatencyP99Ms()).isBetween(985L, 995L);
    }

    @Test
    void shouldStartNewWindowWhenFiveMinutesHavePassed() {
        respond("a", T0.plusMillis(299_999), 100, CallStatus.SUCCESS, ErrorKind.NONE, false);
        respond("b", T0.plusMillis(300_000), 100, CallStatus.SUCCESS, ErrorKind.NONE, false);

        List<KeyValue<String, ModelHealth>> out = fx.health.readKeyValuesToList();
        assertThat(out).extracting(kv -> kv.value.getWindowStartMillis())
                .containsExactly(T0.toEpochMilli(), T0.toEpochMilli() + 300_000);
        assertThat(out).extracting(kv -> kv.value.getCalls()).containsExactly(1L, 1L);
        assertThat(fx.<HealthState>store(ModelHealthTopology.HEALTH_STORE).get(
                ModelHealthTopology.windowKey("gpt-4o", T0.toEpochMilli()))).isNotNull();
    }

    @Test
    void shouldEndOnNewestWindowWhenLateResponseUpdatesPreviousOne() {
        // Given a response in a new window, then a late one (within grace) for the previous window
        respond("a", T0.plusMillis(300_500), 100, CallStatus.SUCCESS, ErrorKind.NONE, false);
        fx.health.readKeyValuesToList();
        UsageEvent late = request("b", "k1", "gpt-4o", T0.plusMillis(299_000), 100, 10);
        fx.send(late);
        fx.send(response(late, T0.plusMillis(299_500), 100, 10));

        // Then the previous window is published with the late call, and the model's last record is the newest window
        List<KeyValue<String, ModelHealth>> out = fx.health.readKeyValuesToList();
        assertThat(out).extracting(kv -> kv.value.getWindowStartMillis())
                .containsExactly(T0.toEpochMilli(), T0.toEpochMilli() + 300_000);
        assertThat(out.getFirst().value.getCalls()).isEqualTo(1);
    }

    @Test
    void shouldPublishOnceWhenManyResponsesArriveWithinOneEmitInterval() {
        for (int i = 0; i < 20; i++) {
            UsageEvent req = request("c" + i, "k1", "gpt-4o", T0.plusMillis(i), 100, 10);
            fx.pipe(req);
            UsageEvent res = response(req, T0.plusMillis(500 + i), 100, 10);
            fx.pipe(res);
        }
        fx.passEmitIntervals();

        List<KeyValue<String, ModelHealth>> out = fx.health.readKeyValuesToList();
        assertThat(out).hasSize(1);
        assertThat(out.getFirst().value.getCalls()).isEqualTo(20);
    }

    @Test
    void shouldCountEveryResponseWhenMoreThanOneBatchIsSentWithinOneEmitInterval() {
        // Given more RESPONSEs of one model within one emit interval than one batch holds
        int responses = ModelHealthTopology.MAX_BATCH + 88;
        for (int i = 0; i < responses; i++) {
            UsageEvent req = request("b" + i, "k1", "gpt-4o", T0.plusMillis(i), 100, 10);
            fx.pipe(req);
            fx.pipe(UsageEvent.newBuilder(response(req, T0.plusMillis(500 + i), 100, 10)).setLatencyMs(i % 100 + 1)
                    .build());
        }

        // When the interval's batches are sent and their window published
        fx.passEmitIntervals();

        // Then every RESPONSE is counted once
        ModelHealth h = TopologyFixture.latest(fx.health).get("gpt-4o");
        assertThat(h.getCalls()).isEqualTo(responses);
        assertThat(h.getSuccesses()).isEqualTo(responses);
    }

    @Test
    void shouldCountEveryResponseOfABatchWhenOneReportsAnAbsurdLatency() {
        // Given, within one emit interval, a RESPONSE whose latency is near Long.MAX_VALUE (not negative, so
        // believed on ingest) and two ordinary ones of the same model: one batch
        UsageEvent absurd = request("absurd", "k1", "gpt-4o", T0, 100, 10);
        fx.pipe(absurd);
        fx.pipe(UsageEvent.newBuilder(response(absurd, T0.plusMillis(500), 100, 10)).setLatencyMs(Long.MAX_VALUE - 1)
                .build());
        for (int i = 0; i < 2; i++) {
            UsageEvent req = request("ok" + i, "k1", "gpt-4o", T0.plusMillis(i), 100, 10);
            fx.pipe(req);
            fx.pipe(UsageEvent.newBuilder(response(req, T0.plusMillis(600 + i), 100, 10)).setLatencyMs(200).build());
        }

        // When the batch is sent and its window published
        fx.passEmitIntervals();

        // Then all three count: the absurd latency weighs as the longest the window keeps, not as an overflow
        ModelHealth h = TopologyFixture.latest(fx.health).get("gpt-4o");
        assertThat(h).as("the published window of gpt-4o").isNotNull();
        assertThat(h.getCalls()).isEqualTo(3);
        assertThat(h.getSuccesses()).isEqualTo(3);
    }

    @Test
    void shouldKeepHistogramWhenStateIsSerializedAndRead() {
        HealthState state = HealthState.empty("m", 0);
        for (int i = 1; i <= 1000; i++) {
            state.record(HealthSample.of(UsageEvent.newBuilder(request("c", "k", "m", T0, 1, 1))
                    .setStatus(CallStatus.SUCCESS).setLatencyMs(i).build()));
        }
        byte[] bytes = HealthState.serde().serializer().serialize("", state);
        HealthState read = HealthState.serde().deserializer().deserialize("", bytes);

        assertThat(read.toAvro(0)).isEqualTo(state.toAvro(0));
        assertThat(bytes.length).isLessThan(1000 * 8); // a histogram, not a list of samples
    }

    @Test
    void shouldSendOnTheSamplesAnOlderVersionLeftBatchedWhenTheTaskFirstCommits() {
        // Given a batch of two successes an older version had not sent on (restored into its pending store)
        UsageEvent old = UsageEvent.newBuilder(response(request("o", "k1", "gpt-4o", T0, 100, 10), T0.plusSeconds(1),
                100, 10)).setLatencyMs(40).build();
        byte[] batch = HealthSample.of(old).appendTo(HealthSample.of(old).appendTo(null));
        fx.<byte[]>store(ModelHealthTopology.LEGACY_PENDING_STORE).put("gpt-4o", batch);

        // When the first RESPONSE after the upgrade is counted
        respond("n", T0.plusSeconds(2), 100, CallStatus.SUCCESS, ErrorKind.NONE, false);

        // Then the window counts all three, and nothing is left in the older store
        ModelHealth h = TopologyFixture.latest(fx.health).get("gpt-4o");
        assertThat(h.getCalls()).isEqualTo(3);
        assertThat(h.getSuccesses()).isEqualTo(3);
        assertThat(fx.<byte[]>store(ModelHealthTopology.LEGACY_PENDING_STORE).approximateNumEntries()).isZero();
    }
}
