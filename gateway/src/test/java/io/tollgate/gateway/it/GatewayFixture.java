package io.tollgate.gateway.it;

import io.tollgate.gateway.GatewayApplication;
import io.tollgate.gateway.config.GatewayConfig;
import io.tollgate.gateway.config.GatewayConfigLoader;
import io.tollgate.localstack.provider.SimulatedProvider;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.UsageEvent;
import io.tollgate.schemas.policy.PolicyFileParser;
import io.tollgate.schemas.policy.TollgateConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** A gateway on the example tollgate.yaml, pointed at a simulated provider and a broker. */
final class GatewayFixture {

    static final String PLANNER = "tg-demo-planner";
    static final String DEPLOYER = "tg-demo-deployer";
    /** The admin listener's token in these tests. */
    static final String ADMIN_TOKEN = "gw-it-admin-token-0123456789";

    private GatewayFixture() {
    }

    static GatewayConfig config(SimulatedProvider provider, String bootstrap, String registryUrl, Path dir,
                                Map<String, String> extra) {
        return config(provider.baseUrl(), bootstrap, registryUrl, dir, extra);
    }

    /** With the example policy's provider at {@code providerUrl} (an OpenAI-style base URL). */
    static GatewayConfig config(String providerUrl, String bootstrap, String registryUrl, Path dir,
                                Map<String, String> extra) {
        Map<String, String> env = new HashMap<>();
        env.put("TOLLGATE_SIMULATED_PROVIDER_URL", providerUrl);
        env.put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
        env.put("TOLLGATE_SCHEMA_REGISTRY_URL", registryUrl);
        env.put("TOLLGATE_GATEWAY_PORT", "0");
        env.put("TOLLGATE_GATEWAY_HOST", "127.0.0.1");
        env.put("TOLLGATE_ADMIN_PORT", "0");
        env.put("TOLLGATE_ADMIN_TOKEN", ADMIN_TOKEN);
        env.put("TOLLGATE_GATEWAY_ID", "gw-it");
        env.put("TOLLGATE_SPOOL_DIR", dir.resolve("spool").toString());
        env.put("TOLLGATE_WORKING_DIR", dir.toString());
        env.put("HOME", dir.toString());
        env.putAll(extra);
        TollgateConfig policy = PolicyFileParser.parse(Path.of("..", "tollgate.yaml"), env::get);
        return new GatewayConfigLoader(env).load(policy, "tollgate.yaml");
    }

    static HttpResponse<String> post(HttpClient http, int port, String path, String secret, String body)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (secret != null) {
            b.header("Authorization", "Bearer " + secret);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(HttpClient http, int port, String path, String secret)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET();
        if (secret != null) {
            b.header("Authorization", "Bearer " + secret);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String chat(String model, String content, Integer maxTokens, boolean stream) {
        return "{\"model\":\"" + model + "\",\"stream\":" + stream
                + (maxTokens == null ? "" : ",\"max_tokens\":" + maxTokens)
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + content + "\"}]}";
    }

    /**
     * Reads usage events from the beginning of the (single-partition) topic: this class's, skipping the
     * other ITs' on the shared broker, which were written in other registry scopes whose schema ids this
     * class's scope may not know.
     */
    static final class UsageReader implements AutoCloseable {
        private final KafkaConsumer<String, UsageEvent> consumer;
        private final List<UsageEvent> events = new ArrayList<>();

        UsageReader(String bootstrap, Topics topics) {
            Map<String, Object> props = new HashMap<>();
            props.put("bootstrap.servers", bootstrap);
            props.put("enable.auto.commit", "false");
            Deserializer<UsageEvent> values = topics.usage().valueSerde().deserializer();
            consumer = new KafkaConsumer<>(props, new StringDeserializer(), (topic, data) -> {
                try {
                    return values.deserialize(topic, data);
                } catch (RuntimeException e) {
                    return null;
                }
            });
            // every partition: whichever test class created the shared topic chose how many it has
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.USAGE).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
        }

        List<UsageEvent> poll() {
            for (ConsumerRecord<String, UsageEvent> r : consumer.poll(Duration.ofMillis(200))) {
                if (r.value() != null) {
                    events.add(r.value());
                }
            }
            return events;
        }

        List<UsageEvent> forCall(String callId) {
            return poll().stream().filter(e -> callId.equals(String.valueOf(e.getCallId()))).toList();
        }

        @Override
        public void close() {
            consumer.close();
        }
    }

    /** The proxy without the control plane: these tests count exact attempts and events of one model. */
    static GatewayApplication start(GatewayConfig config) {
        return GatewayApplication.builder(config).withoutControl().build().start();
    }
}
