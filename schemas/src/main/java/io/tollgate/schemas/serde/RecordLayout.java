package io.tollgate.schemas.serde;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;

/**
 * The fields a hand-written {@link ExactSchemaReader} decodes, in order, so that a schema the reader was not
 * written for (a field added, a type or enum symbol changed) is told apart instead of misread.
 */
record RecordLayout(String fullName, List<Field> fields) {

    RecordLayout {
        fields = List.copyOf(fields);
    }

    /** What a field's bytes are, as far as decoding goes. */
    enum Kind {
        STRING, NULLABLE_STRING, INT, LONG, NULLABLE_LONG, NULLABLE_DOUBLE, BOOLEAN, TIMESTAMP_MILLIS, ENUM
    }

    /** One field; {@code enumType} is the generated enum for {@link Kind#ENUM}, else null. */
    record Field(String name, Kind kind, Class<? extends Enum<?>> enumType) {
    }

    static Field field(String name, Kind kind) {
        return new Field(name, kind, null);
    }

    static Field enumField(String name, Class<? extends Enum<?>> type) {
        return new Field(name, Kind.ENUM, type);
    }

    /** The first difference between this layout and {@code schema}, or empty when the reader decodes it. */
    Optional<String> mismatch(Schema schema) {
        if (schema.getType() != Schema.Type.RECORD || !schema.getFullName().equals(fullName)) {
            return Optional.of("schema is " + schema.getFullName() + ", the reader reads " + fullName);
        }
        List<Schema.Field> actual = schema.getFields();
        for (int i = 0; i < Math.max(actual.size(), fields.size()); i++) {
            if (i >= fields.size()) {
                return Optional.of("the reader does not decode field " + i + " '" + actual.get(i).name() + "'");
            }
            if (i >= actual.size()) {
                return Optional.of("the reader decodes field " + i + " '" + fields.get(i).name()
                        + "' that the schema does not have");
            }
            Field expected = fields.get(i);
            Schema.Field field = actual.get(i);
            if (!field.name().equals(expected.name())) {
                return Optional.of("field " + i + " is '" + field.name() + "', the reader decodes '" + expected.name() + "'");
            }
            if (!matches(expected, field.schema())) {
                return Optional.of("field '" + field.name() + "' is " + field.schema() + ", the reader decodes "
                        + expected.kind() + (expected.enumType() == null ? "" : " " + expected.enumType().getName()));
            }
        }
        return Optional.empty();
    }

    private static boolean matches(Field expected, Schema schema) {
        return switch (expected.kind()) {
            case STRING -> plain(schema, Schema.Type.STRING);
            case INT -> plain(schema, Schema.Type.INT);
            case LONG -> plain(schema, Schema.Type.LONG);
            case BOOLEAN -> plain(schema, Schema.Type.BOOLEAN);
            case TIMESTAMP_MILLIS -> schema.getType() == Schema.Type.LONG
                    && schema.getLogicalType() instanceof LogicalTypes.TimestampMillis;
            case NULLABLE_STRING -> nullable(schema, Schema.Type.STRING);
            case NULLABLE_LONG -> nullable(schema, Schema.Type.LONG);
            case NULLABLE_DOUBLE -> nullable(schema, Schema.Type.DOUBLE);
            case ENUM -> schema.getType() == Schema.Type.ENUM && schema.getEnumSymbols().equals(
                    Arrays.stream(expected.enumType().getEnumConstants()).map(Enum::name).toList());
        };
    }

    private static boolean plain(Schema schema, Schema.Type type) {
        LogicalType logical = schema.getLogicalType();
        return schema.getType() == type && logical == null;
    }

    private static boolean nullable(Schema schema, Schema.Type type) {
        if (schema.getType() != Schema.Type.UNION || schema.getTypes().size() != 2) {
            return false;
        }
        return schema.getTypes().get(0).getType() == Schema.Type.NULL && plain(schema.getTypes().get(1), type);
    }
}
