package io.tollgate.cli.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.tollgate.cli.CliRunner;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tollgate models list|explain} against a stand-in for the gateway's {@code GET /admin/models/{id}}. */
class ModelsCommandTest {

    private static final String PRICED = """
            {"id":"sim-large","context_window":{"value":128000,"source":"config tollgate.yaml"},
             "max_output_tokens":{"value":16384,"source":"config tollgate.yaml"},
             "input_price_micros_per_million":{"value":2500000,"source":"config tollgate.yaml"},
             "output_price_micros_per_million":{"value":10000000,"source":"config tollgate.yaml"},
             "tier":{"value":"large","source":"config tollgate.yaml"},
             "provider":{"value":"simulated","source":"config tollgate.yaml"},"upstream_name":"sim-large","priced":true}""";
    private static final String UNPRICED = """
            {"id":"sim-free","context_window":{"value":8192,"source":"default"},
             "max_output_tokens":{"value":4096,"source":"default"},
             "input_price_micros_per_million":{"value":0,"source":"default"},
             "output_price_micros_per_million":{"value":0,"source":"default"},
             "tier":{"value":"small","source":"config tollgate.yaml"},
             "provider":{"value":"simulated","source":"config tollgate.yaml"},"upstream_name":"sim-free","priced":false,
             "unpriced":"Model 'sim-free' has no price ... TOLLGATE_MODEL_PRICE_INPUT_SIM_FREE ..."}""";

    private HttpServer gateway;

    @BeforeEach
    void start() throws IOException {
        gateway = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        gateway.createContext("/admin/models/", exchange -> {
            String id = exchange.getRequestURI().getPath().substring("/admin/models/".length());
            byte[] body = (id.equals("sim-free") ? UNPRICED : PRICED).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        gateway.start();
    }

    @AfterEach
    void stop() {
        gateway.stop(0);
    }

    private String url() {
        return "http://127.0.0.1:" + gateway.getAddress().getPort();
    }

    @Test
    void shouldFlagUnpricedModelsAndSayHowToPriceThemWhenListing(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("tollgate.yaml");
        Files.writeString(file, """
                providers:
                  - {name: simulated, base_url: "http://127.0.0.1:1/v1", discovery: none}
                models:
                  - {id: sim-large, provider: simulated, price: {input: 2.50, output: 10.00}, tier: large}
                  - {id: sim-free, provider: simulated, tier: small}
                """);

        CliRunner r = CliRunner.run("models", "list", "-f", file.toString(), "--admin-url", url(), "--admin-token", "models-test-admin-token-0123456789");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).containsPattern("sim-large .*\\$2\\.50.*\\$10\\.00");
        assertThat(r.out()).containsPattern("sim-free .*UNPRICED +UNPRICED");
        assertThat(r.out()).contains("UNPRICED sim-free: Model 'sim-free' has no price")
                .contains("TOLLGATE_MODEL_PRICE_INPUT_SIM_FREE");
        assertThat(r.out()).doesNotContain("UNPRICED sim-large");
    }

    @Test
    void shouldFlagAnUnpricedModelWhenExplainingIt() {
        CliRunner unpriced = CliRunner.run("models", "explain", "sim-free", "--admin-url", url(), "--admin-token", "models-test-admin-token-0123456789");
        CliRunner priced = CliRunner.run("models", "explain", "sim-large", "--admin-url", url(), "--admin-token", "models-test-admin-token-0123456789");

        assertThat(unpriced.out()).startsWith("sim-free  (UNPRICED").contains("TOLLGATE_MODEL_PRICE_INPUT_SIM_FREE");
        assertThat(priced.out()).startsWith("sim-large\n").doesNotContain("UNPRICED");
    }
}
