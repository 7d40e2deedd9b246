package io.tollgate.localstack;

import io.tollgate.schemas.avro.CallStatus;
import io.tollgate.schemas.avro.Phase;
import io.tollgate.schemas.avro.UsageEvent;
import java.time.Instant;

/** Test data: minimal valid UsageEvents. */
public final class UsageEvents {

    private UsageEvents() {
    }

    public static UsageEvent response(String callId, String apiKeyId, String model, long promptTokens, long completionTokens) {
        return UsageEvent.newBuilder()
                .setEventId(callId + "-response")
                .setCallId(callId)
                .setPhase(Phase.RESPONSE)
                .setTimestamp(Instant.parse("2026-11-21T10:00:00Z"))
                .setApiKeyId(apiKeyId)
                .setTenant("acme")
                .setTeam("search")
                .setAgent("crawler")
                .setRequestedModel(model)
                .setModel(model)
                .setPromptTokens(promptTokens)
                .setCompletionTokens(completionTokens)
                .setTotalTokens(promptTokens + completionTokens)
                .setStatus(CallStatus.SUCCESS)
                .setHttpStatus(200)
                .build();
    }
}
