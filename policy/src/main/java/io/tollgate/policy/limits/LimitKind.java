package io.tollgate.policy.limits;

/** The four limits of a key: requests and tokens, per trailing minute and per calendar day. */
public enum LimitKind {
    RPM(false, false),
    TPM(true, false),
    RPD(false, true),
    TPD(true, true);

    private final boolean tokens;
    private final boolean daily;

    LimitKind(boolean tokens, boolean daily) {
        this.tokens = tokens;
        this.daily = daily;
    }

    /** True for TPM and TPD (counted in tokens), false for RPM and RPD (counted in requests). */
    public boolean tokens() {
        return tokens;
    }

    /** True for RPD and TPD (calendar day), false for RPM and TPM (trailing minute). */
    public boolean daily() {
        return daily;
    }

    /** Lower-case name as written in tollgate.yaml and in refusal reasons: rpm, tpm, rpd, tpd. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** What is counted, for messages: "requests" or "tokens". */
    public String unit() {
        return tokens ? "tokens" : "requests";
    }
}
