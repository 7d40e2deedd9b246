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

    /** The container side of the service's single published port ("8080:8080" -> 8080). */
    private static int containerPort(String service) {
        List<?> ports = (List<?>) map(services().get(service)).get("ports");
        assertThat(ports).as("%s publishes one port", service).hasSize(1);
        String[] parts = String.valueOf(ports.get(0)).split(":");
        assertThat(parts[0]).as("%s publishes its port unchanged", service).isEqualTo(parts[parts.length - 1]);
        return Integer.parseInt(parts[parts.length - 1]);
    }

    private static Map<String, String> environment(String service) {
        Map<String, String> env = new HashMap<>();
        map(map(services().get(service)).get("environment")).forEach((k, v) -> env.put(k, v == null ? "" : String.valueOf(v)));
        return env;
    }

    private static Map<String, Object> services() {
        Object doc = new Load(LoadSettings.builder().build()).loadFromString(read(ROOT.resolve("docker-compose.yml")));
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
