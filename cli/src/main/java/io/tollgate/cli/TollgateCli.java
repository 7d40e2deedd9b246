package io.tollgate.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code tollgate} command. Each subcommand talks to Tollgate through its topics and HTTP
 * APIs; none holds logic that a service owns.
 */
@Command(name = "tollgate",
        mixinStandardHelpOptions = true,
        version = "tollgate 0.1.0",
        description = "Metering, quotas and budgets for fleets of LLM agents.",
        subcommands = {UpCommand.class, CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:the operation failed", "2:bad usage or bad input"})
public final class TollgateCli {

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, also used by tests. */
    public static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new TollgateCli());
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println(cmd.getColorScheme().errorText("tollgate: " + e.getMessage()));
            return e instanceof IllegalArgumentException ? 2 : 1;
        });
        return commandLine;
    }
}
