package io.tollgate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.InternalServerException;
import com.openai.errors.NotFoundException;
import com.openai.errors.OpenAIServiceException;
import com.openai.errors.PermissionDeniedException;
import com.openai.errors.RateLimitException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.models.Model;
import io.tollgate.localstack.junit.KafkaExtension;
import io.tollgate.localstack.junit.SharedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway driven by the official OpenAI Java SDK ({@code com.openai:openai-java}) as agents
 * use it: chat, streaming with and without usage, embeddings, models list and retrieve, and each
 * error class the gateway answers arriving as the SDK's exception type with OpenAI's code and
 * param. Retries are off ({@code maxRetries(0)}) so each 429 and 5xx is one answer, as sent.
 */
@ExtendWith(KafkaExtension.class)
class OpenAiSdkIT {

    private static BoundaryStack stack;

    @BeforeAll
    static void start(SharedKafka kafka, @TempDir Path dir) {
        kafka.createTopics(1);
        // one failure opens a breaker and no retries: the 5xx test needs two failures, not a dozen
        stack = BoundaryStack.start(kafka, dir, "sdk-it", Map.of("TOLLGATE_BREAKER_FAILURE_THRESHOLD", "1",
                "TOLLGATE_RETRY_MAX_ATTEMPTS", "1", "TOLLGATE_BREAKER_COOL_DOWN_MS", "60000"));
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    @BeforeEach
    void reset() {
        stack.provider.scenario().reset();
        stack.provider.counters().reset();
    }

    private static OpenAIClient client(String keyKind) {
        return OpenAIOkHttpClient.builder().baseUrl(stack.url("/v1")).apiKey(BoundaryStack.secret(stack.key(keyKind)))
                .maxRetries(0).timeout(Duration.ofSeconds(30)).build();
    }

    private static ChatCompletionCreateParams chat(String model) {
        return ChatCompletionCreateParams.builder().model(model).addUserMessage("Say hello").maxCompletionTokens(5)
                .build();
    }

    @Test
    void shouldAnswerAChatCompletionWithTheCatalogModelWhenCalledThroughTheSdk() {
        ChatCompletion completion = client("open").chat().completions().create(chat("sim-alias"));

        assertThat(completion.model()).isEqualTo("sim-alias");
        assertThat(completion.choices()).hasSize(1);
        assertThat(completion.choices().get(0).message().content()).isPresent();
        assertThat(completion.usage().orElseThrow().completionTokens()).isEqualTo(5);
    }

    @Test
    void shouldGiveEveryChunkAChoiceWhenStreamingWithoutUsage() {
        // When the usual loop reads choices().get(0) of every chunk
        StringBuilder text = new StringBuilder();
        int chunks = 0;
        try (StreamResponse<ChatCompletionChunk> stream = client("open").chat().completions()
                .createStreaming(chat("sim-small"))) {
            for (ChatCompletionChunk chunk : (Iterable<ChatCompletionChunk>) stream.stream()::iterator) {
                chunk.choices().get(0).delta().content().ifPresent(text::append);
                assertThat(chunk.usage()).isEmpty();
                chunks++;
            }
        }

        // Then it never fails, and the text arrived
        assertThat(chunks).isGreaterThan(5);
        assertThat(text.toString()).isNotBlank();
    }

    @Test
    @SuppressWarnings("deprecation") // _additionalProperties: the SDK's only view of a field it does not model
    void shouldEndWithTheUsageChunkWhoseExtraCostFieldTheSdkIgnoresWhenStreamingWithUsage() {
        ChatCompletionCreateParams params = chat("sim-large").toBuilder()
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();

        List<ChatCompletionChunk> chunks;
        try (StreamResponse<ChatCompletionChunk> stream = client("open").chat().completions().createStreaming(params)) {
            chunks = stream.stream().toList();
        }

        ChatCompletionChunk last = chunks.get(chunks.size() - 1);
        assertThat(last.choices()).isEmpty();
        assertThat(last.usage().orElseThrow().completionTokens()).isEqualTo(5);
        last.usage().orElseThrow().validate(); // the extra field does not trouble the SDK's strict check
        assertThat(last.usage().orElseThrow()._additionalProperties()).containsKey("tollgate_cost_micros");
        Number cost = (Number) last.usage().orElseThrow()._additionalProperties().get("tollgate_cost_micros").asNumber()
                .orElseThrow();
        assertThat(cost.longValue()).isPositive();
        assertThat(chunks.subList(0, chunks.size() - 1)).allSatisfy(c -> {
            assertThat(c.choices()).hasSize(1);
            assertThat(c.model()).isEqualTo("sim-large");
        });
    }

    @Test
    void shouldAnswerEmbeddingsWhenCalledThroughTheSdk() {
        CreateEmbeddingResponse response = client("open").embeddings().create(
                EmbeddingCreateParams.builder().model("sim-small").input("The quick brown fox").build());

        assertThat(response.data()).hasSize(1);
        assertThat(response.data().get(0).embedding()).isNotEmpty();
        assertThat(response.model()).isEqualTo("sim-small");
        assertThat(response.usage().promptTokens()).isPositive();
    }

    @Test
    void shouldListAndRetrieveTheModelsTheKeyMayCall() {
        OpenAIClient open = client("open");

        List<String> ids = open.models().list().data().stream().map(Model::id).toList();
        Model retrieved = open.models().retrieve("sim-large");

        assertThat(ids).contains("sim-large", "sim-small", "sim-alias").doesNotContain("sim-unpriced");
        retrieved.validate(); // every field OpenAI's model object requires is there
        assertThat(retrieved.id()).isEqualTo("sim-large");
        assertThat(retrieved.ownedBy()).isEqualTo("simulated");
        assertThat(client("restricted").models().list().data()).extracting(Model::id).containsExactly("sim-small");
        NotFoundException notFound = catchThrowableOfType(NotFoundException.class,
                () -> client("restricted").models().retrieve("sim-large"));
        assertThat(notFound.code()).contains("model_not_found");
    }

    @Test
    void shouldRaiseBadRequestNamingTheParameterWhenAParameterIsOutOfRange() {
        BadRequestException e = catchThrowableOfType(BadRequestException.class, () -> client("open").chat()
                .completions().create(chat("sim-large").toBuilder().temperature(5.0).build()));

        assertThat(e.statusCode()).isEqualTo(400);
        assertThat(e.param()).contains("temperature");
        assertThat(e.code()).contains("decimal_above_max_value");
        assertThat(e.type()).contains("invalid_request_error");
        assertThat(stack.provider.counters().total().requests()).isZero();
    }

    @Test
    void shouldRaiseBadRequestWhenAnUnknownParameterHasAKnownNameButTheWrongType() {
        BadRequestException e = catchThrowableOfType(BadRequestException.class, () -> client("open").chat()
                .completions().create(chat("sim-large").toBuilder()
                        .putAdditionalBodyProperty("logprobs", JsonValue.from("yes")).build()));

        assertThat(e.param()).contains("logprobs");
        assertThat(e.code()).contains("invalid_type");
    }

    @Test
    void shouldRaiseUnauthorizedWhenTheKeyIsUnknown() {
        OpenAIClient stranger = OpenAIOkHttpClient.builder().baseUrl(stack.url("/v1")).apiKey("tg-nobody")
                .maxRetries(0).build();

        UnauthorizedException e = catchThrowableOfType(UnauthorizedException.class,
                () -> stranger.chat().completions().create(chat("sim-large")));

        assertThat(e.statusCode()).isEqualTo(401);
        assertThat(e.code()).contains("invalid_api_key");
    }

    @Test
    void shouldRaisePermissionDeniedWhenTheKeyMayNotUseTheModel() {
        PermissionDeniedException e = catchThrowableOfType(PermissionDeniedException.class,
                () -> client("restricted").chat().completions().create(chat("sim-large")));

        assertThat(e.code()).contains("model_not_allowed");
        assertThat(e.param()).contains("model");
    }

    @Test
    void shouldRaisePermissionDeniedSayingHowToPriceWhenTheModelIsUnpriced() {
        PermissionDeniedException e = catchThrowableOfType(PermissionDeniedException.class,
                () -> client("open").chat().completions().create(chat("sim-unpriced")));

        assertThat(e.code()).contains("model_not_priced");
        assertThat(e.getMessage()).contains("TOLLGATE_MODEL_PRICE_INPUT_SIM_UNPRICED");
    }

    @Test
    void shouldRaiseNotFoundWhenTheModelIsUnknown() {
        NotFoundException e = catchThrowableOfType(NotFoundException.class,
                () -> client("open").chat().completions().create(chat("gpt-4o")));

        assertThat(e.code()).contains("model_not_found");
        assertThat(stack.provider.counters().total().requests()).isZero();
    }

    @Test
    void shouldRaiseRateLimitWithRetryAfterWhenEveryCandidateIsOverItsLimit() {
        OpenAIClient tiny = client("tiny");
        tiny.chat().completions().create(chat("sim-small"));

        RateLimitException e = catchThrowableOfType(RateLimitException.class,
                () -> tiny.chat().completions().create(chat("sim-small")));

        assertThat(e.statusCode()).isEqualTo(429);
        assertThat(e.code()).contains("rate_limit_exceeded");
        assertThat(e.headers().values("Retry-After")).isNotEmpty();
    }

    @Test
    void shouldRaiseInternalServerErrorWithTheStatusWhenTheUpstreamFailsAndThenWhenNoUpstreamIsAvailable() {
        // Given sim-small-8k and the local fallback fail once each, opening both breakers
        stack.provider.scenario().serverErrorNext("sim-small-8k", 1);
        stack.provider.scenario().serverErrorNext("sim-local", 1);
        OpenAIClient open = client("open");

        // When the call fails upstream: the provider's 500 is passed through
        InternalServerException failed = catchThrowableOfType(InternalServerException.class,
                () -> open.chat().completions().create(chat("sim-small-8k")));
        // and then every candidate's breaker is open: the gateway's 503
        InternalServerException unavailable = catchThrowableOfType(InternalServerException.class,
                () -> open.chat().completions().create(chat("sim-small-8k")));

        assertThat(failed.statusCode()).isEqualTo(500);
        assertThat(unavailable.statusCode()).isEqualTo(503);
        assertThat(unavailable.code()).contains("upstream_unavailable");
        assertThat(((OpenAIServiceException) unavailable).headers().values("Retry-After")).isNotEmpty();
    }
}
