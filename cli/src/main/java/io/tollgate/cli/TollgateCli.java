package io.tollgate.cli;

import io.tollgate.cli.ops.AlertsCommand;
import io.tollgate.cli.ops.CommandsCommand;
import io.tollgate.cli.ops.KeysCommand;
import io.tollgate.cli.ops.ModelsCommand;
import io.tollgate.cli.ops.UsageCommand;
import io.tollgate.cli.policy.PolicyCommand;
import io.tollgate.schemas.policy.PolicyFileException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code tollgate} command. Each subcommand talks to Tollgate through its topics and HTTP
 * APIs; none holds logic that a service owns.
 */
@Command(name = "tollgate",
        mixinStandardHelpOptions = true,
        version = "tollgate 0.1.0",
        description = {"Metering, quotas and budgets for fleets of LLM agents.",
                "",
                "Start here:  tollgate up      (the whole stack, a simulated fleet and a live view, in this JVM)",
                "Then, in another terminal:  tollgate usage team research   tollgate alerts tail   tollgate commands list",
                "Every query command takes --json; 'tollgate help <command>' explains one command."},
        subcommands = {UpCommand.class, PolicyCommand.class, UsageCommand.class, AlertsCommand.class,
                CommandsCommand.class, ModelsCommand.class, KeysCommand.class, CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:the operation failed (a service or Kafka did not answer, or answered an error)",
                "2:bad usage or bad input (the message names the value and what was expected)"})
public final class TollgateCli {

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, also used by tests. */
    public static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new TollgateCli());
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println(cmd.getColorScheme().errorText("tollgate: " + e.getMessage()));
            cmd.getErr().flush();
            return isBadInput(e) ? 2 : 1;
        });
        return commandLine;
    }

    private static boolean isBadInput(Throwable e) {
        return e instanceof IllegalArgumentException || e instanceof PolicyFileException;
    }
}
