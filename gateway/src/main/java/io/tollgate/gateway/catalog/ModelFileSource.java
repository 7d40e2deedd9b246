package io.tollgate.gateway.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model file ({@code tollgate-models.json}) in the working directory, {@code ~/.tollgate/} or
 * {@code /etc/tollgate/}: {@code {"my-model": {"context_window": 32768, "max_output_tokens": 4096,
 * "tokenizer": "cl100k_base", "price": {"input": 0.5, "output": 1.5, "cached_input": 0.25},
 * "tier": "small", "provider": "vllm", "upstream_name": "org/my-model"}}}. Prices in US dollars
 * per million tokens. Each file is one source; the first directory in that order wins.
 */
public final class ModelFileSource implements ModelSource {

    public static final String FILE_NAME = "tollgate-models.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String name;
    private final Map<String, ModelFacts> models;

    private ModelFileSource(String name, Map<String, ModelFacts> models) {
        this.name = name;
        this.models = models;
    }

    /** The model files that exist in the standard directories, in priority order. */
    public static List<ModelSource> standardLocations(Path workingDir, Path home) {
        List<ModelSource> out = new ArrayList<>();
        for (Path dir : List.of(workingDir, home.resolve(".tollgate"), Path.of("/etc/tollgate"))) {
            Path file = dir.resolve(FILE_NAME);
            if (Files.isRegularFile(file)) {
                out.add(read(file));
            }
        }
        return out;
    }

    public static ModelFileSource read(Path file) {
        try {
            return parse(Files.readString(file), file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model file " + file + ": " + e.getMessage(), e);
        }
    }

    public static ModelFileSource parse(String json, String fileName) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("model file " + fileName + " is not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("model file " + fileName
                    + " must be a JSON object of model id -> {context_window, max_output_tokens, ...}");
        }
        Map<String, ModelFacts> models = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            models.put(e.getKey(), facts(e.getValue(), fileName + " model " + e.getKey()));
        }
        return new ModelFileSource("file " + fileName, models);
    }

    static ModelFacts facts(JsonNode n, String where) {
        if (!n.isObject()) {
            throw new IllegalArgumentException(where + " must be an object, got " + n.getNodeType());
        }
        JsonNode price = n.path("price");
        return new ModelFacts(intOrNull(n, "context_window", where), intOrNull(n, "max_output_tokens", where),
                textOrNull(n, "tokenizer"), priceOrNull(price, "input", where), priceOrNull(price, "output", where),
                priceOrNull(price, "cached_input", where), textOrNull(n, "tier"), textOrNull(n, "provider"),
                textOrNull(n, "upstream_name"));
    }

    private static Integer intOrNull(JsonNode n, String field, String where) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber() || v.intValue() <= 0) {
            throw new IllegalArgumentException(where + ": " + field + " must be a positive whole number, got " + v);
        }
        return v.intValue();
    }

    private static String textOrNull(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static Long priceOrNull(JsonNode price, String field, String where) {
        JsonNode v = price.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isNumber()) {
            throw new IllegalArgumentException(where + ": price." + field
                    + " must be US dollars per million tokens as a number, got " + v);
        }
        return Prices.dollarsPerMillionToMicros(v.asText());
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public ModelFacts lookup(String modelId) {
        return models.getOrDefault(modelId, ModelFacts.NONE);
    }

    @Override
    public Collection<String> knownModels() {
        return models.keySet();
    }
}
