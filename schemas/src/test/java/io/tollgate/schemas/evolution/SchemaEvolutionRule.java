package io.tollgate.schemas.evolution;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;

/**
 * The module's evolution rule as code: the current schema must read data written with the
 * released one, every field added since has a default, and no field that lacked a default was
 * removed or renamed (old readers would fail on new data). Nested records (union branches, array
 * items) are checked by full name.
 */
final class SchemaEvolutionRule {

    private SchemaEvolutionRule() {
    }

    /** Every violation of the rule, empty when {@code current} may replace {@code released}. */
    static List<String> violations(Schema released, Schema current) {
        List<String> problems = new ArrayList<>();
        var compatibility = SchemaCompatibility.checkReaderWriterCompatibility(current, released);
        if (compatibility.getType() != SchemaCompatibilityType.COMPATIBLE) {
            compatibility.getResult().getIncompatibilities().forEach(i -> problems.add(
                    "cannot read data written with the released schema: " + i.getType() + " at " + i.getLocation()
                            + ": " + i.getMessage()));
        }
        Map<String, Schema> releasedRecords = records(released);
        records(current).forEach((name, record) -> {
            Schema before = releasedRecords.get(name);
            if (before == null) {
                before = record.getAliases().stream().map(releasedRecords::get).filter(s -> s != null).findFirst().orElse(null);
            }
            if (before != null) {
                compareFields(name, before, record, problems);
            }
        });
        return problems;
    }

    private static void compareFields(String name, Schema before, Schema after, List<String> problems) {
        for (Schema.Field field : after.getFields()) {
            boolean existed = before.getField(field.name()) != null
                    || field.aliases().stream().anyMatch(alias -> before.getField(alias) != null);
            if (!existed && !field.hasDefaultValue()) {
                problems.add(name + "." + field.name() + " was added without a default");
            }
        }
        for (Schema.Field field : before.getFields()) {
            boolean kept = after.getField(field.name()) != null
                    || after.getFields().stream().anyMatch(f -> f.aliases().contains(field.name()));
            if (!kept && !field.hasDefaultValue()) {
                problems.add(name + "." + field.name() + " was removed or renamed, but it has no default in the released"
                        + " schema, so readers of the released version cannot read new data");
            }
        }
    }

    /** Every named record reachable from {@code schema}, by full name. */
    static Map<String, Schema> records(Schema schema) {
        Map<String, Schema> records = new LinkedHashMap<>();
        collect(schema, records);
        return records;
    }

    private static void collect(Schema schema, Map<String, Schema> records) {
        switch (schema.getType()) {
            case RECORD -> {
                if (records.putIfAbsent(schema.getFullName(), schema) == null) {
                    schema.getFields().forEach(f -> collect(f.schema(), records));
                }
            }
            case UNION -> schema.getTypes().forEach(t -> collect(t, records));
            case ARRAY -> collect(schema.getElementType(), records);
            case MAP -> collect(schema.getValueType(), records);
            default -> {
            }
        }
    }

    /**
     * Parses every {@code .avsc} under {@code dir}, the {@code common} folder first (as the build
     * does), keyed by path relative to {@code dir}.
     */
    static Map<String, Schema> parseDirectory(Path dir) {
        Schema.Parser parser = new Schema.Parser();
        Map<String, Schema> schemas = new LinkedHashMap<>();
        try (Stream<Path> files = Files.walk(dir)) {
            List<Path> sorted = files.filter(p -> p.toString().endsWith(".avsc"))
                    .sorted(Comparator.comparing((Path p) -> !dir.relativize(p).startsWith("common")).thenComparing(Path::toString))
                    .toList();
            for (Path file : sorted) {
                schemas.put(dir.relativize(file).toString(), parser.parse(file.toFile()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read schemas under " + dir, e);
        }
        return schemas;
    }
}
