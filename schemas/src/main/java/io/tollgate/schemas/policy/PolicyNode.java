package io.tollgate.schemas.policy;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * One composed YAML node with its field path, read as the type a field expects. Every read that
 * fails throws a {@link PolicyFileException} naming file, line and path, so the section parsers
 * never deal with positions themselves. Scalars go through {@code ${VAR}} substitution first.
 */
final class PolicyNode {

    /** Money and prices: at most micro-dollar precision. */
    private static final int MONEY_SCALE = 6;
    private static final Pattern INTEGER = Pattern.compile("[-+]?[0-9]+");
    private static final Pattern DECIMAL = Pattern.compile("[-+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)");
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?}");

    /** The file being read and where environment variables come from. */
    record Source(String file, Function<String, String> env) {
    }

    private final Node node;
    private final String path;
    private final Source source;

    PolicyNode(Node node, String path, Source source) {
        this.node = node;
        this.path = path;
        this.source = source;
    }

    String path() {
        return path;
    }

    Source source() {
        return source;
    }

    int line() {
        return line(node);
    }

    static int line(Node node) {
        return node.getStartMark().map(mark -> mark.getLine() + 1).orElse(0);
    }

    PolicyFileException error(String problem) {
        return new PolicyFileException(source.file(), line(), path, problem);
    }

    /** A plain {@code ~}, {@code null} or empty value: treated as if the field were absent. */
    boolean isNull() {
        return node instanceof ScalarNode scalar && scalar.isPlain() && Tag.NULL.equals(scalar.getTag());
    }

    /** A mapping whose keys must all be in {@code allowed} (in the order the error lists them). */
    Mapping mapping(Collection<String> allowed) {
        Mapping mapping = entries();
        for (Map.Entry<String, KeyedNode> entry : mapping.keyed.entrySet()) {
            if (!allowed.contains(entry.getKey())) {
                throw new PolicyFileException(source.file(), line(entry.getValue().keyNode()),
                        child(entry.getKey()), "unknown key '" + entry.getKey() + "'; allowed keys here: "
                                + String.join(", ", allowed));
            }
        }
        return mapping;
    }

    /** A mapping with free-form keys (e.g. model ids); keys must be distinct non-empty strings. */
    Mapping entries() {
        if (!(node instanceof MappingNode map)) {
            throw error("expected a mapping of keys to values, got " + describe());
        }
        Map<String, KeyedNode> keyed = new LinkedHashMap<>();
        for (NodeTuple tuple : map.getValue()) {
            Node keyNode = tuple.getKeyNode();
            if (!(keyNode instanceof ScalarNode scalarKey) || scalarKey.getValue().isEmpty()) {
                throw new PolicyFileException(source.file(), line(keyNode), path,
                        "expected a non-empty text key, got " + describe(keyNode));
            }
            String key = scalarKey.getValue();
            if (keyed.containsKey(key)) {
                throw new PolicyFileException(source.file(), line(keyNode), child(key),
                        "duplicate key '" + key + "' (first at line " + line(keyed.get(key).keyNode()) + ")");
            }
            keyed.put(key, new KeyedNode(keyNode, new PolicyNode(tuple.getValueNode(), child(key), source)));
        }
        return new Mapping(this, keyed);
    }

    /** A list; a null value counts as an empty list. */
    List<PolicyNode> list() {
        if (isNull()) {
            return List.of();
        }
        if (!(node instanceof SequenceNode sequence)) {
            throw error("expected a list, got " + describe());
        }
        List<PolicyNode> items = new ArrayList<>();
        List<Node> values = sequence.getValue();
        for (int i = 0; i < values.size(); i++) {
            items.add(new PolicyNode(values.get(i), path + '[' + i + ']', source));
        }
        return items;
    }

    /** The scalar's text after {@code ${VAR}} / {@code ${VAR:-default}} substitution. */
    String text() {
        if (!(node instanceof ScalarNode scalar)) {
            throw error("expected a single value, got " + describe());
        }
        return substitute(scalar.getValue());
    }

    /** Non-empty text. */
    String string() {
        String text = text();
        if (text.isBlank()) {
            throw error("must not be empty");
        }
        return text;
    }

    long integer(long min, long max) {
        String text = text().trim();
        if (!INTEGER.matcher(text).matches()) {
            throw error("expected a whole number, got " + quoted(text));
        }
        BigInteger value = new BigInteger(text);
        if (value.compareTo(BigInteger.valueOf(min)) < 0 || value.compareTo(BigInteger.valueOf(max)) > 0) {
            throw error(rangeProblem(text, min, max));
        }
        return value.longValueExact();
    }

    int integer(int min, int max) {
        return (int) integer((long) min, (long) max);
    }

    /** A decimal number in [min, max], read exactly. */
    BigDecimal decimal(BigDecimal min, BigDecimal max) {
        String text = text().trim();
        if (!DECIMAL.matcher(text).matches()) {
            throw error("expected a number, got " + quoted(text));
        }
        BigDecimal value = new BigDecimal(text);
        if (value.compareTo(min) < 0 || (max != null && value.compareTo(max) > 0)) {
            throw error("value " + text + " is outside " + min.toPlainString() + ".."
                    + (max == null ? "" : max.toPlainString()));
        }
        return value;
    }

    /** US dollars written as a decimal, returned as integer micro-dollars, exactly. */
    long micros() {
        String text = text().trim();
        if (!DECIMAL.matcher(text).matches()) {
            throw error("expected an amount in US dollars such as 12.50, got " + quoted(text));
        }
        BigDecimal dollars = new BigDecimal(text);
        if (dollars.signum() < 0) {
            throw error("amount " + text + " is negative; expected 0 or more US dollars");
        }
        if (dollars.stripTrailingZeros().scale() > MONEY_SCALE) {
            throw error("amount " + text + " has more than " + MONEY_SCALE
                    + " decimal places; money is kept in whole micro-dollars (0.000001 USD)");
        }
        try {
            return dollars.movePointRight(MONEY_SCALE).longValueExact();
        } catch (ArithmeticException e) {
            throw error("amount " + text + " is too large; at most "
                    + BigDecimal.valueOf(Long.MAX_VALUE).movePointLeft(MONEY_SCALE).toPlainString() + " US dollars");
        }
    }

    boolean bool() {
        String text = text().trim();
        if (text.equalsIgnoreCase("true")) {
            return true;
        }
        if (text.equalsIgnoreCase("false")) {
            return false;
        }
        throw error("expected true or false, got " + quoted(text));
    }

    /** One of {@code allowed} (e.g. a period or action), named {@code what} in the error. */
    String oneOf(List<String> allowed, String what) {
        String value = string().trim();
        if (!allowed.contains(value)) {
            throw error("unknown " + what + " '" + value + "'; expected one of " + String.join(", ", allowed));
        }
        return value;
    }

    /** A name declared elsewhere in the file; the error lists the declared ones. */
    String reference(Collection<String> known, String what, String plural) {
        String name = string().trim();
        if (!known.contains(name)) {
            throw error("unknown " + what + " '" + name + "'; known " + plural + ": " + listing(known));
        }
        return name;
    }

    /** A time-zone region id such as {@code Europe/Berlin}. */
    String zone() {
        String zone = string().trim();
        try {
            ZoneId.of(zone);
        } catch (DateTimeException e) {
            throw error("unknown time zone '" + zone + "'; expected a region id such as UTC or Europe/Berlin");
        }
        return zone;
    }

    /** Names for an error message, or a note that none are declared. */
    static String listing(Collection<String> names) {
        return names.isEmpty() ? "(none declared)" : String.join(", ", names);
    }

    private String substitute(String raw) {
        if (raw.indexOf('$') < 0) {
            return raw;
        }
        Matcher matcher = VARIABLE.matcher(raw);
        StringBuilder out = new StringBuilder();
        while (matcher.find()) {
            String name = matcher.group(1);
            String value = source.env().apply(name);
            if (value == null || (value.isEmpty() && matcher.group(2) != null)) {
                if (matcher.group(2) == null) {
                    throw error("environment variable " + name + " is not set (referenced as ${" + name
                            + "}); set it, or give a default with ${" + name + ":-default}");
                }
                value = matcher.group(3);
            }
            matcher.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        matcher.appendTail(out);
        // look for leftovers in the original text only: a variable's value may legitimately hold "${"
        if (VARIABLE.matcher(raw).replaceAll("").contains("${")) {
            throw error("malformed variable reference in " + quoted(raw)
                    + "; write ${NAME} or ${NAME:-default} (NAME: letters, digits, underscore)");
        }
        return out.toString();
    }

    private String child(String key) {
        return path.isEmpty() ? key : path + '.' + key;
    }

    private String describe() {
        return describe(node);
    }

    private static String describe(Node node) {
        if (node instanceof MappingNode) {
            return "a mapping";
        }
        if (node instanceof SequenceNode) {
            return "a list";
        }
        if (node instanceof ScalarNode scalar) {
            return Tag.NULL.equals(scalar.getTag()) && scalar.isPlain() ? "nothing (null)" : quoted(scalar.getValue());
        }
        return "a " + node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    }

    private static String quoted(String text) {
        return "'" + text + "'";
    }

    private static String rangeProblem(String text, long min, long max) {
        if (max == Long.MAX_VALUE) {
            return min == 0 ? "value " + text + " is negative; expected 0 or more"
                    : "value " + text + " is below the minimum " + min;
        }
        return "value " + text + " is outside " + min + ".." + max;
    }

    private record KeyedNode(Node keyNode, PolicyNode value) {
    }

    /** The entries of a mapping node, in file order. */
    static final class Mapping {
        private final PolicyNode self;
        private final Map<String, KeyedNode> keyed;

        private Mapping(PolicyNode self, Map<String, KeyedNode> keyed) {
            this.self = self;
            this.keyed = keyed;
        }

        PolicyNode node() {
            return self;
        }

        /** The value of {@code key}; absent when the key is missing or its value is null. */
        Optional<PolicyNode> optional(String key) {
            KeyedNode entry = keyed.get(key);
            return entry == null || entry.value().isNull() ? Optional.empty() : Optional.of(entry.value());
        }

        PolicyNode required(String key) {
            return optional(key).orElseThrow(() -> new PolicyFileException(self.source.file(), self.line(),
                    self.child(key), "missing required field '" + key + "'"));
        }

        /** Values in file order, keyed by their (text) key. */
        Map<String, PolicyNode> values() {
            Map<String, PolicyNode> values = new LinkedHashMap<>();
            keyed.forEach((key, entry) -> values.put(key, entry.value()));
            return values;
        }

        /** The line of a key (for errors about the entry as a whole). */
        int keyLine(String key) {
            return line(keyed.get(key).keyNode());
        }
    }
}
