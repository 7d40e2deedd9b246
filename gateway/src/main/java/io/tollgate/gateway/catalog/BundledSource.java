package io.tollgate.gateway.catalog;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;

/**
 * The table of current models shipped with the gateway ({@code bundled-models.json}: OpenAI,
 * Anthropic, Google, DeepSeek, Llama, Mistral, Qwen). Looked up by exact id, then by the name
 * without vendor prefix or variant suffix ({@code openai/gpt-4o:free} -> {@code gpt-4o}). It
 * names no provider: a bundled model is served only when a config, env or discovery source routes it.
 */
public final class BundledSource implements ModelSource {

    public static final String RESOURCE = "bundled-models.json";
    private static final java.util.regex.Pattern DATE_SUFFIX =
            java.util.regex.Pattern.compile("-(\\d{4}-\\d{2}-\\d{2}|\\d{8}|\\d{4})$");
    private final ModelFileSource table;

    private BundledSource(ModelFileSource table) {
        this.table = table;
    }

    public static BundledSource load() {
        try (InputStream in = BundledSource.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + RESOURCE + " missing from the gateway jar");
            }
            return new BundledSource(ModelFileSource.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8),
                    RESOURCE));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String name() {
        return "bundled";
    }

    @Override
    public ModelFacts lookup(String modelId) {
        ModelFacts exact = table.lookup(modelId);
        if (!exact.isEmpty()) {
            return exact;
        }
        String base = InferenceSource.baseName(modelId);
        ModelFacts byBase = table.lookup(base);
        // dated snapshots ("gpt-4o-2024-11-20", "claude-3-5-haiku-20241022") are priced like their family
        return byBase.isEmpty() ? table.lookup(DATE_SUFFIX.matcher(base).replaceFirst("")) : byBase;
    }

    /** Bundled models are not listed as servable: the table says nothing about upstreams. */
    @Override
    public Collection<String> knownModels() {
        return List.of();
    }

    public Collection<String> tableModels() {
        return table.knownModels();
    }
}
