package io.tollgate.schemas.policy;

/**
 * A policy file ({@code tollgate.yaml}) is not valid. The message reads
 * {@code <file>:<line>: <field>: <problem>}, e.g.
 * {@code tollgate.yaml:57: keys[2].tier: unknown tier 'gold'; known tiers: free, tier1, tier2, paid};
 * the parts are also available separately so tools can point an editor at the spot.
 * List indices in field paths are 0-based; lines are 1-based (0 when the file has no lines at all).
 */
public final class PolicyFileException extends RuntimeException {

    private final String file;
    private final int line;
    private final String field;
    private final String problem;

    public PolicyFileException(String file, int line, String field, String problem) {
        this(file, line, field, problem, null);
    }

    public PolicyFileException(String file, int line, String field, String problem, Throwable cause) {
        super(format(file, line, field, problem), cause);
        this.file = file;
        this.line = line;
        this.field = field;
        this.problem = problem;
    }

    /** The file name as given to the parser. */
    public String file() {
        return file;
    }

    /** The 1-based line of the offending node (0 when unknown, e.g. an empty file). */
    public int line() {
        return line;
    }

    /** The field path, e.g. {@code keys[2].tier}; empty for problems of the whole document. */
    public String field() {
        return field;
    }

    /** What is wrong, without the location prefix. */
    public String problem() {
        return problem;
    }

    private static String format(String file, int line, String field, String problem) {
        return file + ':' + line + ": " + (field == null || field.isEmpty() ? "" : field + ": ") + problem;
    }
}
