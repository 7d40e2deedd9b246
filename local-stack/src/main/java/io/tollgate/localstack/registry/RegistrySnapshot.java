package io.tollgate.localstack.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.schemas.registry.InMemorySchemaRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.Schema;

/**
 * Saves and restores an in-process registry as a JSON file, so a local stack that reuses its Kafka
 * data across runs also keeps the schema ids written into those records: without it, old records
 * would point at ids the fresh registry gives to other schemas.
 *
 * <p>Restoring replays the registrations in an order that gives every schema its recorded id; it
 * needs an empty registry (ids are handed out in sequence).
 */
public final class RegistrySnapshot {

    private static final ObjectMapper JSON = new ObjectMapper();

    private RegistrySnapshot() {
    }

    /** Writes every subject's versions, the ids and the compatibility levels to {@code file} (atomically). */
    public static void save(InMemorySchemaRegistry registry, Path file) {
        ObjectNode root = JSON.createObjectNode();
        root.put("defaultCompatibility", registry.compatibility(null));
        ObjectNode subjects = root.putObject("subjects");
        for (String subject : registry.subjects()) {
            ObjectNode entry = subjects.putObject(subject);
            entry.put("compatibility", registry.compatibility(subject));
            ArrayNode versions = entry.putArray("versions");
            for (int version : registry.versions(subject)) {
                int id = registry.idOf(subject, version).orElseThrow();
                versions.addObject().put("id", id).put("schema", registry.getById(id).toString());
            }
        }
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path temp = file.resolveSibling(file.getFileName() + ".tmp");
            JSON.writerWithDefaultPrettyPrinter().writeValue(temp.toFile(), root);
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the schema registry to " + file, e);
        }
    }

    /**
     * Replays {@code file} into an empty registry; returns how many schema versions were restored.
     *
     * @throws IllegalStateException when the registry is not empty or the file cannot be replayed with its ids
     */
    public static int restore(InMemorySchemaRegistry registry, Path file) {
        if (!registry.subjects().isEmpty()) {
            throw new IllegalStateException("cannot restore " + file + " into registry " + registry.url()
                    + ": it already has subjects " + registry.subjects());
        }
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the schema registry snapshot " + file, e);
        }
        Map<String, List<JsonNode>> pending = new LinkedHashMap<>();
        root.path("subjects").properties().forEach(entry -> {
            List<JsonNode> versions = new ArrayList<>();
            entry.getValue().path("versions").forEach(versions::add);
            pending.put(entry.getKey(), versions);
        });
        // the snapshot already passed compatibility checks; replay without them, then restore the levels
        registry.setCompatibility(null, "NONE");
        Map<String, Integer> next = new HashMap<>();
        Set<Integer> known = new HashSet<>();
        int nextId = 1;
        int restored = 0;
        int total = pending.values().stream().mapToInt(List::size).sum();
        while (restored < total) {
            boolean progressed = false;
            for (var entry : pending.entrySet()) {
                int index = next.getOrDefault(entry.getKey(), 0);
                if (index >= entry.getValue().size()) {
                    continue;
                }
                JsonNode version = entry.getValue().get(index);
                int id = version.path("id").asInt();
                // a version can be replayed now if its id exists (same schema elsewhere) or is the next one handed out
                if (!known.contains(id) && id != nextId) {
                    continue;
                }
                int given = registry.register(entry.getKey(), new Schema.Parser().parse(version.path("schema").asText()));
                if (given != id) {
                    throw new IllegalStateException("snapshot " + file + " is inconsistent: subject '" + entry.getKey()
                            + "' version " + (index + 1) + " was id " + id + " but replays as id " + given);
                }
                if (known.add(id)) {
                    nextId++;
                }
                next.put(entry.getKey(), index + 1);
                restored++;
                progressed = true;
            }
            if (!progressed) {
                throw new IllegalStateException("snapshot " + file + " cannot be replayed: schema ids have gaps (next expected "
                        + nextId + "); delete it and start with --fresh");
            }
        }
        registry.setCompatibility(null, root.path("defaultCompatibility").asText("BACKWARD"));
        root.path("subjects").properties().forEach(entry ->
                registry.setCompatibility(entry.getKey(), entry.getValue().path("compatibility").asText("BACKWARD")));
        return restored;
    }
}
