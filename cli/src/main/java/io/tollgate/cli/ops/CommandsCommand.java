package io.tollgate.cli.ops;

import com.fasterxml.jackson.databind.node.ArrayNode;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.CommandAction;
import io.tollgate.schemas.avro.RoutingCommand;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tollgate commands list}: the routing commands every gateway obeys now. */
@Command(name = "commands", mixinStandardHelpOptions = true,
        description = "Routing commands (DOWNGRADE, BLOCK, RESTORE) that budget-alerts issues and every gateway obeys.",
        subcommands = CommandsCommand.ListCommands.class)
public final class CommandsCommand {

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
}
