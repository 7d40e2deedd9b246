package io.tollgate.cli.ops;

import com.fasterxml.jackson.databind.node.ArrayNode;
import io.tollgate.policy.scope.Keys;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.CommandAction;
import io.tollgate.schemas.avro.RoutingCommand;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tollgate commands list|block|restore}: the routing commands every gateway obeys, as budget-alerts
 * issues them, and an operator's own BLOCK and RESTORE of a scope.
 */
@Command(name = "commands", mixinStandardHelpOptions = true,
        description = "Routing commands (DOWNGRADE, BLOCK, RESTORE) that budget-alerts issues and every gateway obeys;"
                + " an operator can BLOCK and RESTORE a scope too.",
        subcommands = {CommandsCommand.ListCommands.class, CommandsCommand.Block.class, CommandsCommand.Restore.class})
public final class CommandsCommand {

    /** What budget-alerts and the gateways read in {@code RoutingCommand.source} for an operator's command. */
    public static final String OPERATOR_SOURCE = "operator";
    private static final Pattern SHORT_DURATION = Pattern.compile("(\\d+)(s|m|h|d)");

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"The latest command of every scope, read from the compacted topic tollgate.commands.v1."
                    + " A RESTORE (or a command whose 'until' has passed) means nothing is in force for that scope.",
                    "Examples:  tollgate commands list      tollgate commands list --in-force --json"})
    public static final class ListCommands implements Callable<Integer> {
        @Option(names = "--in-force", description = "Only DOWNGRADE and BLOCK commands that have not lapsed.")
        boolean inForce;

        @Option(names = "--json", description = "Print the commands as JSON.")
        boolean json;

        @Mixin
        ConnectionOptions connection = new ConnectionOptions();

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            Topics topics = Topics.forRegistry(connection.registryUrl());
            Map<String, RoutingCommand> commands = CompactedTopic.read(connection, Topics.COMMANDS,
                    topics.commands().valueSerde().deserializer(), Duration.ofSeconds(30),
                    spec.commandLine().getErr()::println);
            long now = System.currentTimeMillis();
            if (inForce) {
                commands.values().removeIf(c -> c.getAction() == CommandAction.RESTORE
                        || (c.getUntil() != null && c.getUntil() <= now));
            }
            if (json) {
                ArrayNode list = ServiceHttp.json().createArrayNode();
                commands.forEach((scope, c) -> list.addObject().put("scope", scope).put("action", c.getAction().name())
                        .put("downgradeTo", c.getDowngradeTo()).put("reason", c.getReason()).put("until", c.getUntil())
                        .put("issuedAt", c.getIssuedAt()).put("blockStatus", c.getBlockStatus())
                        .put("source", c.getSource()).put("commandId", c.getCommandId()));
                out.println(ServiceHttp.json().writerWithDefaultPrettyPrinter().writeValueAsString(list));
                return 0;
            }
            if (commands.isEmpty()) {
                out.println(inForce ? "No command in force." : "No routing commands on " + Topics.COMMANDS + ".");
                return 0;
            }
            out.printf("%-24s %-9s %-12s %-24s %-24s %s%n", "SCOPE", "ACTION", "TO", "ISSUED", "UNTIL", "REASON");
            commands.forEach((scope, c) -> out.printf("%-24s %-9s %-12s %-24s %-24s %s%n", scope, c.getAction(),
                    c.getDowngradeTo() == null ? "" : c.getDowngradeTo(), Instant.ofEpochMilli(c.getIssuedAt()),
                    c.getUntil() == null ? "-" : Instant.ofEpochMilli(c.getUntil()), c.getReason()));
            return 0;
        }
    }

    /** Options of an operator's command: the scope, why, until when. */
    static final class Target {
        @Option(names = "--scope", required = true, paramLabel = "SCOPE",
                description = "tenant:<id>, team:<id>, agent:<id>, api_key:<id> or conversation:<id>, e.g. team:acme.")
        String scope;

        @Option(names = "--reason", paramLabel = "TEXT", description = "Why; gateways answer it to refused calls.")
        String reason;

        @Option(names = "--until", paramLabel = "WHEN",
                description = "When the command lapses by itself: an instant (2026-11-22T00:00:00Z) or a duration from"
                        + " now (30m, 2h, 1d, PT90M). Default: until the next command of the scope.")
        String until;
    }

    @Command(name = "block", mixinStandardHelpOptions = true,
            description = {"Block a scope: publishes a BLOCK command (source 'operator') to tollgate.commands.v1; every"
                    + " gateway refuses the scope's calls (403 call_refused, or 429 with --status 429) within a second,"
                    + " until a RESTORE, a newer command of the scope (budget-alerts' included) or --until.",
                    "Examples:  tollgate commands block --scope team:acme --reason \"incident 42\" --until 2h"})
    public static final class Block implements Callable<Integer> {
        @Mixin
        Target target = new Target();

        @Option(names = "--status", paramLabel = "STATUS", description = "HTTP status of refused calls: 403 or 429"
                + " (default: ${DEFAULT-VALUE}).")
        int status = 403;

        @Mixin
        ConnectionOptions connection = new ConnectionOptions();

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (status != 403 && status != 429) {
                throw new IllegalArgumentException("--status is " + status + "; expected 403 or 429");
            }
            return publish(CommandAction.BLOCK, target, status, "blocked by an operator", connection, spec);
        }
    }

    @Command(name = "restore", mixinStandardHelpOptions = true,
            description = {"Lift a DOWNGRADE or BLOCK of a scope: publishes a RESTORE command (source 'operator') to"
                    + " tollgate.commands.v1. budget-alerts issues its own command again when its budget decides anew"
                    + " (e.g. more spend past a limit).",
                    "Example:  tollgate commands restore --scope team:acme --reason \"incident over\""})
    public static final class Restore implements Callable<Integer> {
        @Mixin
        Target target = new Target();

        @Mixin
        ConnectionOptions connection = new ConnectionOptions();

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            return publish(CommandAction.RESTORE, target, 403, "restored by an operator", connection, spec);
        }
    }

    private static int publish(CommandAction action, Target target, int status, String defaultReason,
                               ConnectionOptions connection, CommandSpec spec) throws InterruptedException {
        Keys.Scope scope = Keys.parseScope(target.scope);
        long now = System.currentTimeMillis();
        Long until = target.until == null ? null : until(target.until, now);
        String reason = target.reason == null || target.reason.isBlank() ? defaultReason : target.reason;
        RoutingCommand command = RoutingCommand.newBuilder().setCommandId(OPERATOR_SOURCE + ":" + UUID.randomUUID())
                .setAction(action).setScopeType(scope.type()).setScopeId(scope.id()).setDowngradeTo(null)
                .setReason(reason).setUntil(until).setBlockStatus(status).setIssuedAt(now).setSource(OPERATOR_SOURCE)
                .build();
        Topics topics = Topics.forRegistry(connection.registryUrl());
        try (KafkaProducer<String, RoutingCommand> producer = new KafkaProducer<>(connection.producer(),
                new StringSerializer(), topics.commands().valueSerde().serializer())) {
            producer.send(new ProducerRecord<>(Topics.COMMANDS, scope.key(), command)).get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("publishing to " + Topics.COMMANDS + " failed: " + e.getCause().getMessage(), e);
        }
        spec.commandLine().getOut().println(action + " " + scope.key() + " published (" + reason
                + (until == null ? "" : ", until " + Instant.ofEpochMilli(until)) + "); gateways obey it within a second.");
        return 0;
    }

    /** An instant, or a duration from {@code now}; must lie ahead. */
    static long until(String text, long now) {
        String t = text.strip();
        long at;
        Matcher m = SHORT_DURATION.matcher(t.toLowerCase(Locale.ROOT));
        try {
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                Duration d = switch (m.group(2)) {
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                };
                at = now + d.toMillis();
            } else if (t.toUpperCase(Locale.ROOT).startsWith("P")) {
                at = now + Duration.parse(t.toUpperCase(Locale.ROOT)).toMillis();
            } else {
                at = Instant.parse(t).toEpochMilli();
            }
        } catch (DateTimeParseException | ArithmeticException e) {
            throw new IllegalArgumentException("--until '" + text + "' is neither an instant nor a duration; expected e.g."
                    + " 2026-11-22T00:00:00Z, 30m, 2h, 1d or PT90M", e);
        }
        if (at <= now) {
            throw new IllegalArgumentException("--until '" + text + "' is " + Instant.ofEpochMilli(at)
                    + ", not in the future; a command that lapsed at once would do nothing");
        }
        return at;
    }
}
