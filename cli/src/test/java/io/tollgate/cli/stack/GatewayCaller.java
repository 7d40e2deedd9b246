package io.tollgate.cli.stack;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** Plain non-streaming chat calls to the gateway, one at a time, as an agent would make them. */
public final class GatewayCaller {

    /** What one call was answered; {@code model} is the X-Tollgate-Model header (empty on a refusal). */
    public record Answer(int status, String model, String callId, String body, long sentAtMillis, long answeredAtMillis) {
    }

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String gatewayUrl;

    public GatewayCaller(String gatewayUrl) {
        this.gatewayUrl = gatewayUrl;
    }

    /** Asks {@code model} for exactly {@code completionTokens} tokens (the simulated provider answers max_tokens). */
    public Answer call(String team, String model, int completionTokens) throws IOException, InterruptedException {
        return call(team, model, completionTokens, "How much budget is left?");
    }

    /** As {@link #call(String, String, int)} with this prompt (plain text, no quotes or backslashes). */
    public Answer call(String team, String model, int completionTokens, String prompt)
            throws IOException, InterruptedException {
        return callWithSecret(TeamsPolicyFile.secret(team), model, completionTokens, prompt);
    }

    /** As {@link #call(String, String, int)}, naming a sub-agent of the key's agent ({@code X-Tollgate-Agent}). */
    public Answer callAsSubAgent(String team, String subAgent, String model, int completionTokens)
            throws IOException, InterruptedException {
        return send(TeamsPolicyFile.secret(team), model, completionTokens, "How much budget is left?",
                Map.of("X-Tollgate-Agent", subAgent));
    }

    /** A call with any key's secret, e.g. a demo key of the example policy file ({@code tg-demo-<agent>}). */
    public Answer callWithSecret(String secret, String model, int completionTokens, String prompt)
            throws IOException, InterruptedException {
        return send(secret, model, completionTokens, prompt, Map.of());
    }

    private Answer send(String secret, String model, int completionTokens, String prompt,
                        Map<String, String> headers) throws IOException, InterruptedException {
        String body = "{\"model\":\"" + model + "\",\"max_tokens\":" + completionTokens
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]}";
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(gatewayUrl + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + secret)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::header);
        long sent = System.currentTimeMillis();
        HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), response.headers().firstValue("X-Tollgate-Model").orElse(""),
                response.headers().firstValue("X-Tollgate-Call-Id").orElse(""), response.body(), sent,
                System.currentTimeMillis());
    }
}
