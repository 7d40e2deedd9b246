package io.tollgate.cli.fault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * An agent calling a gateway over HTTP with a team's key: a chat completion asking for exactly {@code maxTokens}
 * tokens (the simulated provider answers that many), whole or streamed with the usage chunk. An answer is
 * {@link Answer#complete() complete} only when the agent got all of it: a whole 200 body with its usage, or a
 * stream up to {@code data: [DONE]}; a gateway that dies mid-call leaves it incomplete.
 */
public final class AgentClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * What one call was answered. Token figures are the usage the agent received (the provider's); 0 when none.
     *
     * @param status HTTP status; 0 when the connection failed or broke
     */
    public record Answer(int status, String callId, boolean complete, long promptTokens, long completionTokens,
                         String error) {

        public boolean answered() {
            return status == 200 && complete;
        }
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Duration timeout;

    public AgentClient(Duration timeout) {
        this.timeout = timeout;
    }

    /** One call of {@code team} through the gateway at {@code agentUrl}. */
    public Answer chat(String agentUrl, String team, String prompt, int maxTokens, boolean stream) {
        String body = "{\"model\":\"" + FaultPolicy.model(team) + "\",\"max_tokens\":" + maxTokens
                + (stream ? ",\"stream\":true,\"stream_options\":{\"include_usage\":true}" : "")
                + ",\"messages\":[{\"role\":\"user\",\"content\":" + quoted(prompt) + "}]}";
        HttpRequest request = HttpRequest.newBuilder(URI.create(agentUrl + "/v1/chat/completions")).timeout(timeout)
                .header("Authorization", "Bearer " + FaultPolicy.secret(team))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        try {
            HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            String callId = response.headers().firstValue("X-Tollgate-Call-Id").orElse("");
            try (InputStream in = response.body()) {
                if (response.statusCode() != 200) {
                    return new Answer(response.statusCode(), callId, true, 0, 0,
                            new String(in.readAllBytes(), StandardCharsets.UTF_8));
                }
                return stream ? streamed(in, callId) : whole(in, callId);
            }
        } catch (IOException e) {
            return new Answer(0, "", false, 0, 0, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(0, "", false, 0, 0, "interrupted");
        }
    }

    private static Answer whole(InputStream in, String callId) throws IOException {
        JsonNode answer = JSON.readTree(in.readAllBytes());
        JsonNode usage = answer.path("usage");
        boolean complete = usage.isObject();
        return new Answer(200, callId, complete, usage.path("prompt_tokens").asLong(),
                usage.path("completion_tokens").asLong(), complete ? null : "no usage in " + answer);
    }

    private static Answer streamed(InputStream in, String callId) throws IOException {
        BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        long prompt = 0;
        long completion = 0;
        boolean done = false;
        String line;
        while ((line = lines.readLine()) != null) {
            if (!line.startsWith("data:")) {
                continue;
            }
            String payload = line.substring("data:".length()).trim();
            if (payload.equals("[DONE]")) {
                done = true;
                continue;
            }
            JsonNode usage = JSON.readTree(payload).path("usage");
            if (usage.isObject()) {
                prompt = usage.path("prompt_tokens").asLong();
                completion = usage.path("completion_tokens").asLong();
            }
        }
        return new Answer(200, callId, done, prompt, completion, done ? null : "the stream ended without [DONE]");
    }

    private static String quoted(String text) {
        try {
            return JSON.writeValueAsString(text);
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
