package io.tollgate.localstack.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A child JVM ends when the JVM that started it is gone, and can be killed and run again. */
class ParentWatchIT {

    /** A main that prints one line and then runs until it is stopped. */
    public static final class Idle {
        public static void main(String[] args) throws InterruptedException {
            System.out.println("idle " + String.join(" ", args));
            new java.util.concurrent.CountDownLatch(1).await();
        }
    }

    @Test
    void shouldEndTheChildWhenItsInputEndsAsWhenTheParentDied() throws Exception {
        // Given a child under ParentWatch, idling
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                JavaProcess.Builder.currentClassPath(), ParentWatch.class.getName(), Idle.class.getName())
                .redirectErrorStream(true).start();
        String first = new String(child.getInputStream().readNBytes("idle".length()));
        assertThat(first).isEqualTo("idle");

        // When its input ends (what a dead parent's pipe does)
        child.getOutputStream().close();

        // Then it ends by itself
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).as("child ended").isTrue();
        assertThat(child.exitValue()).isEqualTo(1);
    }

    @Test
    void shouldRunAgainWithTheSameArgumentsWhenKilled(@TempDir Path dir) {
        // Given a running child
        JavaProcess process = JavaProcess.builder("idle", Idle.class.getName()).args(List.of("a", "b"))
                .logFile(dir.resolve("idle.log")).start();
        process.awaitLine("idle a b"::equals, Duration.ofSeconds(30));

        // When it is killed and started again
        process.kill();
        assertThat(process.isAlive()).isFalse();
        process.start();

        // Then the new run prints its line too, and a graceful stop ends it
        process.awaitLine("idle a b"::equals, Duration.ofSeconds(30));
        process.stop(Duration.ofSeconds(30));
        assertThat(process.isAlive()).isFalse();
        assertThat(process.tailText()).contains("idle a b");
    }
}
