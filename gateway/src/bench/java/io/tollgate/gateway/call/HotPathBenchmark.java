package io.tollgate.gateway.call;

import io.tollgate.gateway.auth.ApiKeyStore;
import io.tollgate.gateway.auth.AuthResult;
import io.tollgate.gateway.catalog.ResolvedModel;
import io.tollgate.gateway.catalog.Sourced;
import io.tollgate.gateway.events.AttemptFacts;
import io.tollgate.gateway.events.AttemptResult;
import io.tollgate.gateway.events.UsageEvents;
import io.tollgate.gateway.events.UsageWire;
import io.tollgate.gateway.http.OpenAiRequests;
import io.tollgate.gateway.routing.Caller;
import io.tollgate.gateway.routing.RoutePlan;
import io.tollgate.gateway.tokens.Tokenizer;
import io.tollgate.gateway.tokens.Tokenizers;
import io.tollgate.policy.records.PolicySnapshot;
import io.tollgate.schemas.avro.ApiKeyPolicy;
import io.tollgate.schemas.avro.Policy;
import io.tollgate.gateway.upstream.ProviderAnswer;
import io.tollgate.gateway.upstream.SseRelay;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.CallStatus;
import io.tollgate.schemas.avro.Endpoint;
import io.tollgate.schemas.avro.ErrorKind;
import io.tollgate.schemas.avro.TokenSource;
import io.tollgate.schemas.avro.UsageEvent;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The in-process cost per call of the gateway's hot-path pieces, one thread, with {@code -prof gc} for
 * bytes allocated per call: parsing and validating a request body (the shared harness's small chat body, and
 * a 20-message conversation); reading a provider's whole answer (usage, served model) and producing what is
 * relayed (the catalog id as {@code model}); relaying a 20-chunk SSE stream with a final usage chunk (with and
 * without the agent asking for that chunk); building a RESPONSE usage event and encoding it for the spool;
 * turning a spooled event into the Kafka record value; the request path's own pieces (authenticating the bench
 * key, counting a prompt's tokens, building a REQUEST event, the route header); and the non-streamed pieces on a
 * fresh virtual thread,
 * as the gateway runs each call, against a bare virtual thread. Not part of {@code mvn verify}; compiled and run
 * as docs/benchmarks-history.md, "Gateway hot path: cost per call (issue 14)", shows.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class HotPathBenchmark {

    /** The body of ../shared/bench/gateway-overhead/chat.lua. */
    static final byte[] SMALL_CHAT = ("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"system\",\"content\":\"You are a"
            + " helpful assistant.\"},{\"role\":\"user\",\"content\":\"Hello! Reply with one short friendly sentence.\"}],"
            + "\"max_tokens\":32,\"temperature\":0}").getBytes(StandardCharsets.UTF_8);

    /** The answer of the harness's nginx upstream. */
    static final byte[] ANSWER = ("{\"id\":\"chatcmpl-BenchFixed0000000000000000001\",\"object\":\"chat.completion\","
            + "\"created\":1741569952,\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
            + "\"assistant\",\"content\":\"Hello! How can I assist you today?\",\"refusal\":null,\"annotations\":[]},"
            + "\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":19,\"completion_tokens\":10,"
            + "\"total_tokens\":29,\"prompt_tokens_details\":{\"cached_tokens\":0,\"audio_tokens\":0},"
            + "\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0,\"accepted_prediction_tokens\":0,"
            + "\"rejected_prediction_tokens\":0}},\"service_tier\":\"default\",\"system_fingerprint\":\"fp_06737a9306\"}")
            .getBytes(StandardCharsets.UTF_8);

    static final ResolvedModel MODEL = new ResolvedModel("gpt-4o-mini", new Sourced<>(128_000, "bench"),
            new Sourced<>(16_384, "bench"), new Sourced<>("o200k_base", "bench"), new Sourced<>(150_000L, "bench"),
            new Sourced<>(600_000L, "bench"), new Sourced<>(75_000L, "bench"), new Sourced<>("small", "bench"),
            Optional.of(new Sourced<>("openai", "bench")), "gpt-4o-mini", true);

    static final AttemptFacts FACTS = new AttemptFacts("0b7e3c1a-6c1e-4f7a-9d8e-1f2a3b4c5d6e", 1, "gw-1",
            Endpoint.CHAT_COMPLETIONS, new Caller("k-planner", "acme", "research", "planner", "tier1", null),
            "gpt-4o-mini", MODEL, "openai", false, false, null, "requested", 0.31, "small", "greeting:1", 19, 32);

    static final AttemptResult RESULT = new AttemptResult(CallStatus.SUCCESS, ErrorKind.NONE, 200, 19, 0, 10,
            TokenSource.PROVIDER, "gpt-4o-mini-2024-07-18", 3, null);

    /** The harness's bench key (tollgate-bench.yaml). */
    static final String BENCH_AUTHORIZATION = "Bearer sk-bench-000000000000000000000000";

    byte[] twentyMessages;
    ChatRequest smallChat;
    ChatRequest twentyMessageChat;
    Tokenizer o200k;
    ApiKeyStore keys;
    RoutePlan plan;
    byte[] stream;
    byte[] spooled;
    UsageWire wire;
    SseRelay.Adaptation withoutUsage;
    SseRelay.Adaptation withUsage;

    @Setup
    public void setUp() {
        twentyMessages = twentyMessages();
        smallChat = OpenAiRequests.chat(SMALL_CHAT);
        twentyMessageChat = OpenAiRequests.chat(twentyMessages);
        o200k = new Tokenizers().forName("o200k_base");
        PolicySnapshot policies = new PolicySnapshot();
        for (int i = 0; i < 50; i++) {
            String secret = i == 0 ? BENCH_AUTHORIZATION.substring("Bearer ".length()) : "sk-other-" + i;
            policies.apply("key:k-" + i, Policy.newBuilder().setPolicy(ApiKeyPolicy.newBuilder().setKeyId("k-" + i)
                    .setKeyHash(ApiKeyStore.sha256Hex(secret)).setTenant("acme").setTeam("bench").setAgent("bench")
                    .setTier("unlimited").setAllowedModels(List.of()).setRevoked(false).build()).build());
        }
        keys = new ApiKeyStore(policies);
        plan = new RoutePlan(List.of(new RoutePlan.Candidate("gpt-4o-mini", false, "auto")),
                "auto: complexity 0.31 -> tier small", 0.314, "small", "greeting:1");
        stream = stream();
        spooled = UsageWire.spooled(UsageEvents.response(FACTS, RESULT, 1_800_000_000_000L));
        wire = new UsageWire("tollgate.usage.v1", Topics.forRegistry("mock://hot-path-bench").usage().valueSerde()
                .serializer());
        withoutUsage = new SseRelay.Adaptation(MODEL.id(), false, u -> 123);
        withUsage = new SseRelay.Adaptation(MODEL.id(), true, u -> 123);
    }

    /** A system prompt and 19 alternating user and assistant turns of a few sentences each. */
    static byte[] twentyMessages() {
        StringBuilder b = new StringBuilder("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"system\",\"content\":"
                + "\"You are a careful senior engineer. Answer briefly, cite the file you mean, and ask when unsure.\"}");
        for (int i = 1; i < 20; i++) {
            String role = i % 2 == 1 ? "user" : "assistant";
            b.append(",{\"role\":\"").append(role).append("\",\"content\":\"Turn ").append(i)
                    .append(": the build of module gateway fails in the test phase with a timeout in GatewayIT;"
                            + " the log shows the embedded broker started and the topic was created, but the consumer"
                            + " never saw the first record. What should I look at next?\"}");
        }
        return b.append("],\"max_tokens\":256,\"temperature\":0.2,\"stream\":false}").toString()
                .getBytes(StandardCharsets.UTF_8);
    }

    /** 20 content chunks, a finish chunk and a usage-only chunk, then [DONE], as OpenAI sends them. */
    static byte[] stream() {
        String head = "{\"id\":\"chatcmpl-BenchStream00000000000000000001\",\"object\":\"chat.completion.chunk\","
                + "\"created\":1741569952,\"model\":\"gpt-4o-mini-2024-07-18\",\"service_tier\":\"default\","
                + "\"system_fingerprint\":\"fp_06737a9306\",";
        StringBuilder b = new StringBuilder();
        b.append("data: ").append(head).append("\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\","
                + "\"refusal\":null},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n");
        for (int i = 0; i < 20; i++) {
            b.append("data: ").append(head).append("\"choices\":[{\"index\":0,\"delta\":{\"content\":\" word").append(i)
                    .append("\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n");
        }
        b.append("data: ").append(head).append("\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,"
                + "\"finish_reason\":\"stop\"}],\"usage\":null}\n\n");
        b.append("data: ").append(head).append("\"choices\":[],\"usage\":{\"prompt_tokens\":19,\"completion_tokens\":20,"
                + "\"total_tokens\":39,\"prompt_tokens_details\":{\"cached_tokens\":0,\"audio_tokens\":0},"
                + "\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0,"
                + "\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}}}\n\n");
        b.append("data: [DONE]\n\n");
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Benchmark
    public ChatRequest parseSmallChat() {
        return OpenAiRequests.chat(SMALL_CHAT);
    }

    @Benchmark
    public ChatRequest parseTwentyMessageChat() {
        return OpenAiRequests.chat(twentyMessages);
    }

    @Benchmark
    public void wholeAnswer(Blackhole bh) {
        ProviderAnswer answer = ProviderAnswer.read(ANSWER);
        bh.consume(answer.usage());
        bh.consume(answer.servedModel());
        bh.consume(answer.relayedAs(MODEL.id()));
    }

    @Benchmark
    public SseRelay.Outcome relayStreamWithoutUsageChunk() throws IOException {
        return SseRelay.relay(new ByteArrayInputStream(stream), OutputStream.nullOutputStream(), true, withoutUsage,
                soFar -> { });
    }

    @Benchmark
    public SseRelay.Outcome relayStreamWithUsageChunk() throws IOException {
        return SseRelay.relay(new ByteArrayInputStream(stream), OutputStream.nullOutputStream(), true, withUsage,
                soFar -> { });
    }

    @Benchmark
    public byte[] usageEventForSpool() {
        UsageEvent event = UsageEvents.response(FACTS, RESULT, 1_800_000_000_000L);
        return UsageWire.spooled(event);
    }

    @Benchmark
    public UsageWire.Sendable spooledEventToRecord() {
        return wire.sendable(spooled);
    }

    @Benchmark
    public AuthResult authenticate() {
        return keys.authenticate(BENCH_AUTHORIZATION);
    }

    @Benchmark
    public int countSmallChatPrompt() {
        return CallExecutor.countPrompt(Endpoint.CHAT_COMPLETIONS, smallChat, o200k);
    }

    @Benchmark
    public int countTwentyMessagePrompt() {
        return CallExecutor.countPrompt(Endpoint.CHAT_COMPLETIONS, twentyMessageChat, o200k);
    }

    @Benchmark
    public UsageEvent requestEvent() {
        return UsageEvents.request(FACTS, 1_800_000_000_000L);
    }

    @Benchmark
    public String routeHeader() {
        return CallExecutor.routeHeader(plan, plan.reason());
    }

    /** What each call's own virtual thread costs, to subtract from the {@code *OnVirtualThread} figures. */
    @Benchmark
    public void virtualThreadAlone() throws InterruptedException {
        Thread.ofVirtual().start(() -> { }).join();
    }

    /**
     * The non-streamed call's pieces on a fresh virtual thread, as the gateway runs each call: Jackson's buffer
     * recycling that a long-lived benchmark thread enjoys is per thread, so here it starts afresh every call.
     */
    @Benchmark
    public void callPiecesOnVirtualThread(Blackhole bh) throws InterruptedException {
        Object[] out = new Object[3];
        Thread.ofVirtual().start(() -> {
            out[0] = OpenAiRequests.chat(SMALL_CHAT);
            out[1] = ProviderAnswer.read(ANSWER).relayedAs(MODEL.id());
            out[2] = UsageWire.spooled(UsageEvents.response(FACTS, RESULT, 1_800_000_000_000L));
        }).join();
        bh.consume(out);
    }
}
