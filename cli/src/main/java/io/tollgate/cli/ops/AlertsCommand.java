package io.tollgate.cli.ops;

import io.tollgate.policy.scope.Keys;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.BudgetAlert;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tollgate alerts tail}: budget and quota alerts as they are published. */
@Command(name = "alerts", mixinStandardHelpOptions = true,
        description = "Budget and quota alerts (topic tollgate.alerts.v1).",
        subcommands = AlertsCommand.Tail.class)
public final class AlertsCommand {

    @Command(name = "tail", mixinStandardHelpOptions = true,
            description = {"Print alerts as budget-alerts publishes them, until Ctrl-C (or --limit alerts).",
                    "Examples:",
                    "  tollgate alerts tail                         new alerts from now on",
                    "  tollgate alerts tail --scope team: --from-beginning --limit 20",
                    "  tollgate alerts tail --json                  one JSON object per line"})
    public static final class Tail implements Callable<Integer> {
        @Option(names = "--scope", paramLabel = "PREFIX", description = "Only scopes starting with this, e.g. team: or team:research.")
        String scopePrefix = "";

        @Option(names = "--from-beginning", description = "Start with the oldest alert kept on the topic (default: new alerts only).")
        boolean fromBeginning;

        @Option(names = "--limit", paramLabel = "N", description = "Stop after N alerts (default: never).")
        long limit = Long.MAX_VALUE;

        @Option(names = "--json", description = "One JSON object per alert and line.")
        boolean json;

        @Mixin
        ConnectionOptions connection = new ConnectionOptions();

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            if (limit <= 0) {
                throw new IllegalArgumentException("--limit is " + limit + "; expected a positive number of alerts");
            }
            PrintWriter out = spec.commandLine().getOut();
            Topics topics = Topics.forRegistry(connection.registryUrl());
            AtomicBoolean stopped = new AtomicBoolean();
            Deserializer<BudgetAlert> alerts = topics.alerts().valueSerde().deserializer();
            // values decoded one by one: a record that is not an alert is skipped with a note, never the end of the tail
            try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(connection.consumer(),
                    new StringDeserializer(), new ByteArrayDeserializer())) {
                Thread hook = new Thread(() -> {
                    stopped.set(true);
                    consumer.wakeup();
                }, "alerts-tail-stop");
                Runtime.getRuntime().addShutdownHook(hook);
                List<TopicPartition> partitions = consumer.partitionsFor(Topics.ALERTS, Duration.ofSeconds(15)).stream()
                        .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
                consumer.assign(partitions);
                if (fromBeginning) {
                    consumer.seekToBeginning(partitions);
                } else {
                    consumer.seekToEnd(partitions);
                    partitions.forEach(consumer::position);
                }
                if (!json) {
                    spec.commandLine().getErr().println("Waiting for alerts on " + Topics.ALERTS + " (Ctrl-C stops)...");
                    spec.commandLine().getErr().flush();
                }
                long printed = 0;
                while (printed < limit && !stopped.get()) {
                    for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                        BudgetAlert alert = record.value() == null ? null : readable(record, alerts);
                        if (alert == null || !Keys.scope(alert.getScopeType(), alert.getScopeId()).startsWith(scopePrefix)) {
                            continue;
                        }
                        out.println(json ? alert.toString() : line(alert));
                        out.flush();
                        if (++printed >= limit) {
                            break;
                        }
                    }
                }
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the JVM is already stopping because of Ctrl-C: nothing to remove
                }
            } catch (WakeupException e) {
                // Ctrl-C
            }
            return 0;
        }

        /** The alert, or null (with a note on stderr) when the record is not a readable alert. */
        private BudgetAlert readable(ConsumerRecord<String, byte[]> record, Deserializer<BudgetAlert> alerts) {
            try {
                return alerts.deserialize(record.topic(), record.headers(), record.value());
            } catch (RuntimeException e) {
                PrintWriter err = spec.commandLine().getErr();
                err.println("Skipped " + record.topic() + "-" + record.partition() + "@" + record.offset()
                        + ": not a readable alert (" + e.getMessage() + ")");
                err.flush();
                return null;
            }
        }

        /** One alert per line: quota alerts in requests or tokens, budget alerts in dollars. */
        static String line(BudgetAlert a) {
            String amount = a.getQuotaKind() != null
                    ? a.getQuotaUsed() + " of " + a.getQuotaLimit() + ("tpd".equals(a.getQuotaKind()) ? " tokens" : " requests")
                    : Money.usd(a.getSpendMicros()) + " of " + Money.usd(a.getBudgetMicros());
            return String.format("%s  %-18s %-22s %s %s  %s (%.1f%%)  %s", Instant.ofEpochMilli(a.getTimestamp()),
                    a.getKind(), Keys.scope(a.getScopeType(), a.getScopeId()), a.getPeriod(), a.getPeriodKey(),
                    amount, a.getSharePercent(), a.getMessage());
        }
    }
}
