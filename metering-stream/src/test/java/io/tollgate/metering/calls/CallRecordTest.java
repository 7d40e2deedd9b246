package io.tollgate.metering.calls;

import static org.assertj.core.api.Assertions.assertThat;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UTFDataFormatException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class CallRecordTest {

    private static final CallRecord.Attempt ATTEMPT = new CallRecord.Attempt(1, "gpt-4o", CallRecord.Status.SUCCESS,
            60, 40, 300, 55, 5, 30, 255, "e-1");

    @Test
    void shouldKeepEveryFieldWhenWrittenAndRead() {
        CallRecord call = new CallRecord("c1", "k1", List.of(ATTEMPT));

        byte[] bytes = CallRecord.serde().serializer().serialize("t", call);

        assertThat(CallRecord.serde().deserializer().deserialize("t", bytes)).isEqualTo(call);
    }

    @Test
    void shouldReadAnEntryWrittenBeforeEntriesNamedTheirEventAsNamingNone() throws IOException {
        // Given an entry in the format without the event id
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte(1);
        out.writeUTF("c1");
        out.writeUTF("k1");
        out.writeInt(1);
        out.writeInt(1);
        out.writeUTF("gpt-4o");
        out.writeByte(CallRecord.Status.SUCCESS.ordinal());
        for (long n : new long[] {60, 40, 300, 55, 5, 30, 255}) {
            out.writeLong(n);
        }

        // When it is read
        CallRecord call = CallRecord.serde().deserializer().deserialize("t", bytes.toByteArray());

        // Then its figures are there and it names no event
        assertThat(call.attempts()).containsExactly(new CallRecord.Attempt(1, "gpt-4o", CallRecord.Status.SUCCESS,
                60, 40, 300, 55, 5, 30, 255, null));
    }

    @Test
    void shouldWriteTheBytesOfDataOutputStreamWhenStringsHoldAnyChars() throws IOException {
        Random random = new Random(2);
        for (int i = 0; i < 2_000; i++) {
            // Given a call with random strings (ASCII, NUL, two- and three-byte chars, surrogate pairs) and figures
            List<CallRecord.Attempt> attempts = new ArrayList<>();
            for (int a = random.nextInt(4); a > 0; a--) {
                attempts.add(new CallRecord.Attempt(random.nextInt(), string(random), CallRecord.Status.values()[
                        random.nextInt(CallRecord.Status.values().length)], random.nextLong(), random.nextLong(),
                        random.nextLong(), random.nextLong(), random.nextLong(), random.nextLong(), random.nextLong(),
                        string(random)));
            }
            CallRecord call = new CallRecord(string(random), string(random), attempts);

            // When it is written
            byte[] bytes = CallRecord.serde().serializer().serialize("t", call);

            // Then the bytes are DataOutputStream's, and they read back as the call
            assertThat(bytes).as("call %d: %s", i, call).isEqualTo(dataOutput(call));
            assertThat(CallRecord.serde().deserializer().deserialize("t", bytes)).isEqualTo(call);
        }
    }

    @Test
    void shouldWriteTheBytesOfTheRecordWhenAnEntryIsWrittenAsItsAttemptsAreAdded() throws IOException {
        Random random = new Random(3);
        for (int i = 0; i < 2_000; i++) {
            // Given attempts added one by one, their numbers mostly in order, sometimes not, with random strings
            String callId = string(random);
            String apiKeyId = string(random);
            List<CallRecord.Attempt> attempts = new ArrayList<>();
            for (int a = 1 + random.nextInt(4); a > 0; a--) {
                attempts.add(new CallRecord.Attempt(random.nextInt(3), string(random), CallRecord.Status.values()[
                        random.nextInt(CallRecord.Status.values().length)], random.nextLong(), random.nextLong(),
                        random.nextLong(), random.nextLong(), random.nextLong(), random.nextLong(), random.nextLong(),
                        string(random)));
            }
            CallRecord.Writer writer = new CallRecord.Writer(callId, apiKeyId, attempts.get(0));
            attempts.subList(1, attempts.size()).forEach(writer::add);

            // When the entry is finished and written
            CallRecord entry = writer.record();
            byte[] bytes = CallRecord.serde().serializer().serialize("t", entry);

            // Then it is the record of those attempts (sorted stably by number), its bytes are DataOutputStream's for
            // that record, and they read back as it
            CallRecord expected = new CallRecord(callId, apiKeyId, attempts);
            assertThat(entry).as("entry %d", i).isEqualTo(expected);
            assertThat(bytes).as("entry %d: %s", i, expected).isEqualTo(dataOutput(expected));
            assertThat(CallRecord.serde().deserializer().deserialize("t", bytes)).isEqualTo(expected);
        }
    }

    @Test
    void shouldWriteTheBenchmarksEntryInTheSameBytesWhenItsRequestAndResponseAreAddedInOrder() throws IOException {
        // Given a call's REQUEST and RESPONSE as the metering benchmark sends them
        CallRecord.Attempt request = new CallRecord.Attempt(1, "m0", CallRecord.Status.ADMITTED, 60, 40, 300, 0, 0, 0,
                0, "0b4cbb2e-5b0f-4a5e-9d8e-7d5f3c1f4a10");
        CallRecord.Attempt response = new CallRecord.Attempt(1, "m0", CallRecord.Status.SUCCESS, 60, 40, 300, 60, 0, 17,
                231, "9a0e6a53-4c43-4d7b-8a4b-2d0f5e9c1b77");
        CallRecord.Writer writer = new CallRecord.Writer("call-123456", "key-3", request);
        writer.add(response);

        // When it is written
        byte[] bytes = CallRecord.serde().serializer().serialize("t", writer.record());

        // Then the value is the 231 bytes DataOutputStream writes for the record
        assertThat(bytes).hasSize(231)
                .isEqualTo(dataOutput(new CallRecord("call-123456", "key-3", List.of(request, response))));
    }

    @Test
    void shouldRefuseAStringWhenItTakesMoreThan65535BytesAsDataOutputStreamDoes() {
        // Given a call id of 21,846 three-byte chars (65,538 bytes), and one of 65,535 ASCII chars
        CallRecord tooLong = new CallRecord("\u20ac".repeat(21_846), "k1", List.of(ATTEMPT));
        CallRecord longest = new CallRecord("c".repeat(65_535), "k1", List.of(ATTEMPT));

        // Then the first is refused as writeUTF refuses it, and the second written as writeUTF writes it
        assertThatThrownBy(() -> dataOutput(tooLong)).isInstanceOf(UTFDataFormatException.class);
        assertThatThrownBy(() -> CallRecord.serde().serializer().serialize("t", tooLong))
                .isInstanceOf(UncheckedIOException.class).hasCauseInstanceOf(UTFDataFormatException.class)
                .hasMessageContaining("65538");
        assertThat(CallRecord.serde().serializer().serialize("t", longest)).isEqualTo(uncheckedDataOutput(longest));
    }

    @Test
    void shouldRefuseARecordWhenItIsCutShort() {
        // Given a written call cut anywhere before its end
        byte[] bytes = CallRecord.serde().serializer().serialize("t", new CallRecord("c1", "k\u00e9", List.of(ATTEMPT)));
        for (int cut = 0; cut < bytes.length; cut++) {
            byte[] head = Arrays.copyOf(bytes, cut);

            // Then reading it is a serialization error
            assertThatThrownBy(() -> CallRecord.serde().deserializer().deserialize("t", head))
                    .as("cut at %d", cut).isInstanceOf(SerializationException.class);
        }
    }

    /** Up to 40 chars drawn from ASCII, NUL, two-byte, three-byte chars and surrogate pairs. */
    private static String string(Random random) {
        StringBuilder s = new StringBuilder();
        for (int n = random.nextInt(40); n > 0; n--) {
            switch (random.nextInt(6)) {
                case 0, 1 -> s.append((char) (0x20 + random.nextInt(0x5F)));
                case 2 -> s.append(random.nextInt(4) == 0 ? '\0' : (char) (1 + random.nextInt(0x7F)));
                case 3 -> s.append((char) (0x80 + random.nextInt(0x780)));
                case 4 -> s.append((char) (0x800 + random.nextInt(0xF800))); // lone surrogates too
                default -> s.appendCodePoint(0x10000 + random.nextInt(0xFFFFF));
            }
        }
        return s.toString();
    }

    private static byte[] uncheckedDataOutput(CallRecord v) {
        try {
            return dataOutput(v);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Format 2 as DataOutputStream writes it. */
    private static byte[] dataOutput(CallRecord v) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte(2);
        out.writeUTF(v.callId());
        out.writeUTF(v.apiKeyId());
        out.writeInt(v.attempts().size());
        for (CallRecord.Attempt a : v.attempts()) {
            out.writeInt(a.attempt());
            out.writeUTF(a.model());
            out.writeByte(a.status().ordinal());
            out.writeUTF(a.eventId());
            for (long n : new long[] {a.reservedPromptTokens(), a.reservedCompletionTokens(), a.reservedCostMicros(),
                    a.promptTokens(), a.cachedPromptTokens(), a.completionTokens(), a.costMicros()}) {
                out.writeLong(n);
            }
        }
        return bytes.toByteArray();
    }
}
