package io.tollgate.gateway.events;

import io.tollgate.schemas.avro.CallStatus;
import io.tollgate.schemas.avro.ErrorKind;
import io.tollgate.schemas.avro.TokenSource;

/**
 * How one upstream attempt ended: the actual figures for the RESPONSE event.
 *
 * @param usageNote why the figures are the gateway's own although the provider reported usage (its figures were
 *                  impossible), or null
 */
public record AttemptResult(CallStatus status, ErrorKind errorKind, int httpStatus, long promptTokens,
                            long cachedPromptTokens, long completionTokens, TokenSource tokenSource,
                            String servedModel, long latencyMs, Long timeToFirstTokenMs, String usageNote) {

    public AttemptResult(CallStatus status, ErrorKind errorKind, int httpStatus, long promptTokens,
                         long cachedPromptTokens, long completionTokens, TokenSource tokenSource, String servedModel,
                         long latencyMs, Long timeToFirstTokenMs) {
        this(status, errorKind, httpStatus, promptTokens, cachedPromptTokens, completionTokens, tokenSource, servedModel,
                latencyMs, timeToFirstTokenMs, null);
    }

    /** An attempt that failed before any token was used. */
    public static AttemptResult failed(ErrorKind kind, int httpStatus, long latencyMs) {
        return new AttemptResult(kind == ErrorKind.CANCELLED ? CallStatus.CANCELLED : CallStatus.ERROR, kind,
                httpStatus, 0, 0, 0, TokenSource.PROVIDER, null, latencyMs, null);
    }
}
