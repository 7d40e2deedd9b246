package io.tollgate.gateway.routing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.gateway.call.CallExecutor;
import io.tollgate.gateway.call.ChatRequest;
import io.tollgate.gateway.call.PromptAnalysis;
import io.tollgate.gateway.tokens.Tokenizer;
import io.tollgate.gateway.tokens.Tokenizers;
import io.tollgate.schemas.avro.Endpoint;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The labelled prompts of {@code gateway/src/test/resources/routing/prompts.jsonl} (labelling rule:
 * the README next to it) as chat requests, with their features computed the way the gateway does:
 * o200k_base prompt tokens ({@code CallExecutor.countPrompt}) and {@code PromptAnalysis}.
 */
final class LabelledPrompts {

    static final String RESOURCE = "/routing/prompts.jsonl";
    static final Path FILE = Path.of("gateway/src/test/resources/routing/prompts.jsonl");

    enum Label {
        EASY, MEDIUM, HARD;

        static Label of(String label) {
            return valueOf(label.toUpperCase(Locale.ROOT));
        }
    }

    record Prompt(String id, Label label, String category, String language, boolean test, ChatRequest request,
                  int promptTokens, PromptFeatures features) {
    }

    private LabelledPrompts() {
    }

    /** From the file when run from the repository root, else from the test classpath. */
    static List<Prompt> load() {
        try {
            if (Files.exists(FILE)) {
                return parse(Files.readAllLines(FILE, StandardCharsets.UTF_8));
            }
            try (InputStream in = LabelledPrompts.class.getResourceAsStream(RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException(FILE + " not found (run from the repository root) and " + RESOURCE
                            + " not on the classpath (add gateway/target/test-classes)");
                }
                return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Prompt> parse(List<String> lines) {
        ObjectMapper json = new ObjectMapper();
        Tokenizer o200k = new Tokenizers().forName("o200k_base");
        List<Prompt> prompts = new ArrayList<>();
        for (String line : lines) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode r;
            try {
                r = json.readTree(line);
            } catch (IOException e) {
                throw new IllegalArgumentException("not a JSON line: " + line, e);
            }
            ArrayNode messages = json.createArrayNode();
            if (r.has("messages")) {
                messages = (ArrayNode) r.get("messages");
            } else {
                messages.addObject().put("role", "user").put("content", r.get("text").asText());
            }
            ArrayNode tools = null;
            if (r.has("tools")) {
                tools = json.createArrayNode();
                for (JsonNode name : r.get("tools")) {
                    ObjectNode function = tools.addObject().put("type", "function").putObject("function");
                    function.put("name", name.asText()).put("description", "Tool " + name.asText() + " of the agent.");
                    function.putObject("parameters").put("type", "object").putObject("properties");
                }
            }
            Integer maxTokens = r.has("max_tokens") ? r.get("max_tokens").asInt() : null;
            ChatRequest request = new ChatRequest("auto", messages, tools, false, maxTokens, null, null);
            int tokens = CallExecutor.countPrompt(Endpoint.CHAT_COMPLETIONS, request, o200k);
            prompts.add(new Prompt(r.get("id").asText(), Label.of(r.get("label").asText()), r.get("category").asText(),
                    r.get("language").asText(), "test".equals(r.get("split").asText()), request, tokens,
                    PromptAnalysis.features(request, tokens)));
        }
        return prompts;
    }
}
