package io.tollgate.metering.calls;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
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
}
