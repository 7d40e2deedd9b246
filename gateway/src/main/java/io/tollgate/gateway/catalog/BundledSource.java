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
        return exact.isEmpty() ? table.lookup(InferenceSource.baseName(modelId)) : exact;
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
