package io.tollgate.schemas.registry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;

/**
 * An in-process registry with Confluent's semantics: global ids, versions per subject, the same
 * schema registered twice keeps its id, compatibility checked on registration (default BACKWARD).
 * Reached through {@code mock://scope} URLs; the local stack also serves one over HTTP.
 */
public final class InMemorySchemaRegistry implements SchemaRegistryClient {

    private final String url;
    private final Map<Integer, Schema> byId = new HashMap<>();
    private final Map<String, Integer> idByCanonical = new HashMap<>();
    private final Map<String, List<Integer>> versionsBySubject = new HashMap<>();
    private final Map<String, String> compatibilityBySubject = new HashMap<>();
    private String defaultCompatibility = "BACKWARD";
    private int nextId = 1;

    public InMemorySchemaRegistry(String url) {
        this.url = url;
    }

    @Override
    public synchronized int register(String subject, Schema schema) {
        String canonical = schema.toString();
        Integer existing = idByCanonical.get(canonical);
        List<Integer> versions = versionsBySubject.computeIfAbsent(subject, s -> new ArrayList<>());
        if (existing != null && versions.contains(existing)) {
            return existing;
        }
        if (!versions.isEmpty() && !isCompatible(subject, schema)) {
            throw new SchemaRegistryException(SchemaRegistryException.Reason.INCOMPATIBLE,
                    "schema " + schema.getFullName() + " is incompatible with the latest version of subject '" + subject
                            + "' under " + compatibility(subject) + " at " + url);
        }
        int id = existing != null ? existing : nextId++;
        byId.put(id, schema);
        idByCanonical.put(canonical, id);
        versions.add(id);
        return id;
    }

    @Override
    public synchronized Schema getById(int id) {
        Schema schema = byId.get(id);
        if (schema == null) {
            throw new SchemaRegistryException(SchemaRegistryException.Reason.NOT_FOUND,
                    "schema id " + id + " not found at " + url);
        }
        return schema;
    }

    @Override
    public synchronized int lookup(String subject, Schema schema) {
        Integer id = idByCanonical.get(schema.toString());
        if (id == null || !versionsBySubject.getOrDefault(subject, List.of()).contains(id)) {
            throw new SchemaRegistryException(SchemaRegistryException.Reason.NOT_FOUND,
                    "schema " + schema.getFullName() + " is not registered under subject '" + subject + "' at " + url);
        }
        return id;
    }

    @Override
    public synchronized boolean isCompatible(String subject, Schema schema) {
        List<Integer> versions = versionsBySubject.getOrDefault(subject, List.of());
        if (versions.isEmpty()) {
            return true;
        }
        String level = compatibility(subject);
        // the _TRANSITIVE levels check against every version, the others against the latest only
        List<Integer> checked = level.endsWith("_TRANSITIVE") ? versions : versions.subList(versions.size() - 1, versions.size());
        for (int id : checked) {
            Schema existing = byId.get(id);
            boolean ok = switch (level) {
                case "NONE" -> true;
                case "BACKWARD", "BACKWARD_TRANSITIVE" -> canRead(schema, existing);
                case "FORWARD", "FORWARD_TRANSITIVE" -> canRead(existing, schema);
                default -> canRead(schema, existing) && canRead(existing, schema);
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    @Override
    public synchronized void setCompatibility(String subject, String level) {
        String normalized = level.toUpperCase(Locale.ROOT);
        if (!List.of("NONE", "BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE")
                .contains(normalized)) {
            throw new IllegalArgumentException("unknown compatibility level '" + level
                    + "'; expected NONE, BACKWARD, FORWARD or FULL (optionally _TRANSITIVE)");
        }
        if (subject == null) {
            defaultCompatibility = normalized;
        } else {
            compatibilityBySubject.put(subject, normalized);
        }
    }

    /** The subjects registered so far (for the HTTP facade and tests). */
    public synchronized List<String> subjects() {
        return List.copyOf(versionsBySubject.keySet());
    }

    /** Version numbers are 1-based positions in the subject's list. */
    public synchronized List<Integer> versions(String subject) {
        List<Integer> ids = versionsBySubject.get(subject);
        if (ids == null) {
            return null;
        }
        List<Integer> numbers = new ArrayList<>();
        for (int i = 1; i <= ids.size(); i++) {
            numbers.add(i);
        }
        return numbers;
    }

    /** The id of a version of a subject; version -1 is the latest. */
    public synchronized Optional<Integer> idOf(String subject, int version) {
        List<Integer> ids = versionsBySubject.get(subject);
        if (ids == null || ids.isEmpty()) {
            return Optional.empty();
        }
        int index = version == -1 ? ids.size() - 1 : version - 1;
        return index >= 0 && index < ids.size() ? Optional.of(ids.get(index)) : Optional.empty();
    }

    public synchronized String compatibility(String subject) {
        return subject == null ? defaultCompatibility : compatibilityBySubject.getOrDefault(subject, defaultCompatibility);
    }

    @Override
    public String url() {
        return url;
    }

    private static boolean canRead(Schema reader, Schema writer) {
        return SchemaCompatibility.checkReaderWriterCompatibility(reader, writer).getType()
                == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE;
    }
}
