package io.tollgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.budget.config.BudgetAlertsConfig;
import io.tollgate.budget.config.ConfigKeys;
import io.tollgate.budget.config.ConfigLoader;
import io.tollgate.gateway.config.GatewayConfig;
import io.tollgate.gateway.config.GatewayConfigLoader;
import io.tollgate.metering.config.MeteringConfig;
import io.tollgate.metering.config.MeteringConfigLoader;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * docker-compose.yml cannot run here (no Docker engine), so this keeps it honest: every service
 * the compose file builds is loaded through that service's own configuration loader with the
 * environment the compose file gives it, and the ports, addresses and variable names must agree
 * with what the service reads and what its README documents.
 */
class DockerComposeTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final List<String> SERVICES = List.of("gateway", "metering-stream", "budget-alerts");
    /** Compose's {@code ${NAME}}, {@code ${NAME:-default}} and {@code ${NAME:?message}}. */
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Z0-9_]+)(?::[-?][^}]*)?}");
    /** What the test puts in for each compose variable: what a person exports before 'docker compose up'. */
    private static final Map<String, String> EXPORTED = Map.of(
            "TOLLGATE_OPERATOR_TOKEN", "compose-test-operator-token-0123456789",
            "TOLLGATE_ADMIN_TOKEN", "compose-test-admin-token-0123456789",
            "KAFKA_ADMIN_PASSWORD", "compose-test-broker-admin-password",
            "TOLLGATE_KAFKA_PASSWORD", "compose-test-tollgate-kafka-password");

    @Test
    void shouldDeclareKafkaTheRegistryAndTheThreeServicesWhenParsed() {
        // Given / When
        Map<String, Object> services = services();

        // Then
        assertThat(services).containsOnlyKeys("kafka", "schema-registry", "gateway", "metering-stream", "budget-alerts");
        for (String service : SERVICES) {
            Map<String, Object> build = map(map(services.get(service)).get("build"));
            Map<String, Object> args = map(build.get("args"));
            assertThat(args.get("MODULE")).as("build arg MODULE of %s", service).isEqualTo(service);
            assertThat(Files.isRegularFile(ROOT.resolve(service).resolve("pom.xml"))).as("module %s exists", service).isTrue();
        }
        assertThat(Files.isRegularFile(ROOT.resolve("Dockerfile"))).isTrue();
    }

    @Test
    void shouldNameRunnableMainClassesWhenBuildingTheServices() throws Exception {
        for (String service : SERVICES) {
            String mainClass = String.valueOf(map(map(map(services().get(service)).get("build")).get("args")).get("MAIN_CLASS"));
            Method main = Class.forName(mainClass).getMethod("main", String[].class);
            assertThat(Modifier.isStatic(main.getModifiers())).as("%s.main is static", mainClass).isTrue();
        }
    }

    @Test
    void shouldPointEveryServiceAtTheComposeKafkaAndRegistryWhenConfigured() {
        String internalBootstrap = kafkaInternalListener();
        String registryUrl = "http://schema-registry:" + containerPort("schema-registry");
        for (String service : SERVICES) {
            Map<String, String> env = environment(service);
            assertThat(env.get("KAFKA_BOOTSTRAP_SERVERS")).as("%s bootstrap", service).isEqualTo(internalBootstrap);
            assertThat(env.get("TOLLGATE_SCHEMA_REGISTRY_URL")).as("%s registry", service).isEqualTo(registryUrl);
        }
    }

    @Test
    void shouldListenOnThePublishedPortWhenTheGatewayReadsItsEnvironment() {
        Map<String, String> env = new HashMap<>(environment("gateway"));
        env.put("TOLLGATE_CONFIG", ROOT.resolve("tollgate.yaml").toString()); // the file the compose file mounts

        GatewayConfig config = new GatewayConfigLoader(env).load();

        assertThat(config.port()).isEqualTo(containerPort("gateway"));
        // in a container every listener binds every interface; the admin port is published on the host's loopback only
        assertThat(config.host()).isEqualTo("0.0.0.0");
        assertThat(config.admin().host()).isEqualTo("0.0.0.0");
        assertThat(ports("gateway")).contains("127.0.0.1:" + config.admin().port() + ":" + config.admin().port());
        assertThat(config.admin().token()).get().satisfies(t -> assertThat(t.matches(EXPORTED.get("TOLLGATE_ADMIN_TOKEN"))).isTrue());
        assertThat(healthCheck("gateway")).contains("Authorization: Bearer $$TOLLGATE_ADMIN_TOKEN",
                "http://127.0.0.1:" + config.admin().port() + "/health/ready");
        assertThat(config.registryUrl()).isEqualTo(env.get("TOLLGATE_SCHEMA_REGISTRY_URL"));
        assertThat(config.kafka()).containsEntry("bootstrap.servers", env.get("KAFKA_BOOTSTRAP_SERVERS"));
        assertThat(config.spoolDir()).isEqualTo(Path.of(env.get("TOLLGATE_SPOOL_DIR")));
        assertReadAndDocumented("gateway", env.keySet(), name -> sourceMentions("gateway", name));
    }

    @Test
    void shouldListenOnThePublishedPortAndAdvertiseTheServiceNameWhenMeteringReadsItsEnvironment() {
        Map<String, String> env = environment("metering-stream");

        MeteringConfig config = MeteringConfigLoader.load(null, env);

        int port = containerPort("metering-stream");
        assertThat(config.httpPort()).isEqualTo(port);
        assertThat(config.httpHost()).isEqualTo("0.0.0.0");
        assertThat(config.operatorToken()).get().satisfies(t -> assertThat(t.matches(EXPORTED.get("TOLLGATE_OPERATOR_TOKEN"))).isTrue());
        assertThat(healthCheck("metering-stream")).contains("Authorization: Bearer $$TOLLGATE_OPERATOR_TOKEN",
                "http://127.0.0.1:" + port + "/readyz");
        assertThat(config.advertisedUrl()).isEqualTo(URI.create("http://metering-stream:" + port));
        assertThat(config.schemaRegistryUrl()).isEqualTo(env.get("TOLLGATE_SCHEMA_REGISTRY_URL"));
        assertReadAndDocumented("metering-stream", env.keySet(), name -> MeteringConfigLoader.DEFAULTS.containsKey(
                name.substring("TOLLGATE_".length()).toLowerCase(Locale.ROOT).replace('_', '.')));
    }

    @Test
    void shouldListenOnThePublishedPortWhenBudgetAlertsReadsItsEnvironment() {
        Map<String, String> env = environment("budget-alerts");

        BudgetAlertsConfig config = ConfigLoader.load(null, env);

        assertThat(config.httpPort()).isEqualTo(containerPort("budget-alerts"));
        assertThat(config.httpHost()).isEqualTo("0.0.0.0");
        assertThat(config.operatorToken()).get().satisfies(t -> assertThat(t.matches(EXPORTED.get("TOLLGATE_OPERATOR_TOKEN"))).isTrue());
        assertThat(healthCheck("budget-alerts")).contains("Authorization: Bearer $$TOLLGATE_OPERATOR_TOKEN",
                "http://127.0.0.1:" + config.httpPort() + "/readyz");
        assertThat(config.schemaRegistryUrl()).isEqualTo(env.get("TOLLGATE_SCHEMA_REGISTRY_URL"));
        assertThat(config.kafka()).containsEntry("bootstrap.servers", env.get("KAFKA_BOOTSTRAP_SERVERS"));
        Set<String> known = new HashSet<>();
        ConfigKeys.ALL.forEach(key -> known.add(ConfigKeys.envName(key)));
        assertReadAndDocumented("budget-alerts", env.keySet(), known::contains);
    }

    /**
     * TOLLGATE_* must be read by the service and documented in its README; KAFKA_* must be real Kafka settings;
     * JAVA_OPTS must be what the image's entrypoint gives the JVM.
     */
    private static void assertReadAndDocumented(String service, Set<String> names, java.util.function.Predicate<String> reads) {
        String readme = read(ROOT.resolve(service).resolve("README.md"));
        Set<String> kafkaSettings = new HashSet<>();
        kafkaSettings.addAll(ProducerConfig.configNames());
        kafkaSettings.addAll(ConsumerConfig.configNames());
        kafkaSettings.addAll(AdminClientConfig.configNames());
        kafkaSettings.addAll(StreamsConfig.configDef().names());
        String dockerfile = read(ROOT.resolve("Dockerfile"));
        for (String name : names) {
            if (name.equals("JAVA_OPTS")) {
                // not the service's setting but the image's: its entrypoint passes it to the JVM
                assertThat(dockerfile).as("%s: the Dockerfile's entrypoint passes JAVA_OPTS to java", service)
                        .containsPattern("exec java \\$\\{JAVA_OPTS");
            } else if (name.startsWith("KAFKA_")) {
                String property = name.substring("KAFKA_".length()).toLowerCase(Locale.ROOT).replace('_', '.');
                assertThat(kafkaSettings).as("%s: %s maps to Kafka setting '%s'", service, name, property).contains(property);
            } else {
                assertThat(name).as("%s: variable %s", service, name).startsWith("TOLLGATE_");
                assertThat(reads.test(name)).as("%s reads %s", service, name).isTrue();
                assertThat(readme).as("%s/README.md documents %s", service, name).contains(name);
            }
        }
    }

    private static boolean sourceMentions(String module, String name) {
        try (Stream<Path> files = Files.walk(ROOT.resolve(module).resolve("src/main/java"))) {
            return files.filter(p -> p.toString().endsWith(".java")).anyMatch(p -> read(p).contains('"' + name + '"'));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String kafkaInternalListener() {
        String advertised = environment("kafka").get("KAFKA_ADVERTISED_LISTENERS");
        String inter = environment("kafka").get("KAFKA_INTER_BROKER_LISTENER_NAME");
        return Stream.of(advertised.split(","))
                .filter(l -> l.startsWith(inter + "://"))
                .map(l -> l.substring(inter.length() + 3))
                .findFirst().orElseThrow(() -> new AssertionError("no " + inter + " listener in " + advertised));
    }

    @Test
    void shouldGiveEveryServiceTheBrokersSaslSettingsWhenTheSecureOverrideIsApplied() {
        // Given the override on top of the base file, as 'docker compose -f ... -f docker-compose.secure.yml' merges them
        Map<String, Object> secure = services("docker-compose.secure.yml");
        assertThat(secure.keySet()).containsExactlyInAnyOrder("kafka", "schema-registry", "gateway", "metering-stream",
                "budget-alerts");
        Map<String, String> broker = merged("kafka");
        assertThat(broker.get("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"))
                .contains(broker.get("KAFKA_INTER_BROKER_LISTENER_NAME") + ":SASL_PLAINTEXT", "EXTERNAL:SASL_PLAINTEXT");
        assertThat(broker.get("KAFKA_LISTENER_NAME_INTERNAL_PLAIN_SASL_JAAS_CONFIG"))
                .contains("user_tollgate=\"" + EXPORTED.get("TOLLGATE_KAFKA_PASSWORD") + "\"");
        assertThat(merged("schema-registry").get("SCHEMA_REGISTRY_KAFKASTORE_SECURITY_PROTOCOL")).isEqualTo("SASL_PLAINTEXT");

        // When each service loads the merged environment with its own loader
        Map<String, String> gatewayEnv = new HashMap<>(merged("gateway"));
        gatewayEnv.put("TOLLGATE_CONFIG", ROOT.resolve("tollgate.yaml").toString());
        List<Map<String, Object>> clients = List.of(new GatewayConfigLoader(gatewayEnv).load().kafka(),
                Map.copyOf(MeteringConfigLoader.load(null, merged("metering-stream")).kafka()),
                Map.copyOf(ConfigLoader.load(null, merged("budget-alerts")).kafka()));

        // Then every one of them authenticates as the tollgate user with what the broker accepts
        String jaas = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"tollgate\" password=\""
                + EXPORTED.get("TOLLGATE_KAFKA_PASSWORD") + "\";";
        for (Map<String, Object> kafka : clients) {
            assertThat(kafka).containsEntry("security.protocol", "SASL_PLAINTEXT").containsEntry("sasl.mechanism", "PLAIN")
                    .containsEntry("sasl.jaas.config", jaas).containsEntry("bootstrap.servers", kafkaInternalListener());
        }
        for (String service : SERVICES) {
            assertReadAndDocumented(service, merged(service).keySet(), name -> true);
        }
    }

    /** The container side of the service's first published port ("8080:8080" -> 8080): agents' or API port. */
    private static int containerPort(String service) {
        List<String> ports = ports(service);
        String[] parts = ports.get(0).split(":");
        assertThat(parts[0]).as("%s publishes its port unchanged", service).isEqualTo(parts[parts.length - 1]);
        return Integer.parseInt(parts[parts.length - 1]);
    }

    private static List<String> ports(String service) {
        List<?> ports = (List<?>) map(services().get(service)).get("ports");
        assertThat(ports).as("%s publishes its port", service).isNotEmpty();
        return ports.stream().map(String::valueOf).toList();
    }

    private static String healthCheck(String service) {
        return String.join(" ", ((List<?>) map(map(services().get(service)).get("healthcheck")).get("test")).stream()
                .map(String::valueOf).toList());
    }

    /** The service's environment, with compose's variables replaced by what was exported. */
    private static Map<String, String> environment(String service) {
        return environment(services().get(service));
    }

    /** The base file's environment of {@code service} with the secure override's on top. */
    private static Map<String, String> merged(String service) {
        Map<String, String> env = environment(service);
        env.putAll(environment(services("docker-compose.secure.yml").get(service)));
        return env;
    }

    private static Map<String, String> environment(Object service) {
        Map<String, String> env = new HashMap<>();
        map(map(service).get("environment")).forEach((k, v) -> env.put(k, v == null ? "" : substitute(String.valueOf(v))));
        return env;
    }

    private static String substitute(String value) {
        Matcher m = VARIABLE.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String exported = EXPORTED.get(m.group(1));
            assertThat(exported).as("compose variable %s is one the files' comments tell people to export", m.group(1))
                    .isNotNull();
            m.appendReplacement(out, Matcher.quoteReplacement(exported));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static Map<String, Object> services() {
        return services("docker-compose.yml");
    }

    private static Map<String, Object> services(String file) {
        Object doc = new Load(LoadSettings.builder().build()).loadFromString(read(ROOT.resolve(file)));
        return map(map(doc).get("services"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object node) {
        assertThat(node).isInstanceOf(Map.class);
        return (Map<String, Object>) node;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file, e);
        }
    }
}
