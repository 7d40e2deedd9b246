package io.tollgate.metering.dashboard;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Debian's headless Chromium driven from the command line: {@code --dump-dom} after a virtual-time budget
 * (the page's fetches and timers run, then the serialized DOM is printed) and {@code --screenshot}.
 * A missing binary is a test failure naming what was looked for, never a skip.
 */
final class HeadlessChromium {

    static final String ENV = "TOLLGATE_CHROMIUM";
    static final Path DEBIAN_PATH = Path.of("/usr/bin/chromium");
    private static final List<String> PATH_NAMES = List.of("chromium-browser", "chromium");
    private static final Pattern TAG = Pattern.compile("<[a-zA-Z][^>]*\\sdata-testid=\"[^\"]*\"[^>]*>");
    private static final Pattern TESTID = Pattern.compile("\\sdata-testid=\"([^\"]*)\"");
    private static final Pattern VALUE = Pattern.compile("\\sdata-value=\"([^\"]*)\"");

    private final Path binary;

    private HeadlessChromium(Path binary) {
        this.binary = binary;
    }

    /** $TOLLGATE_CHROMIUM, else /usr/bin/chromium, else chromium-browser or chromium on PATH. */
    static HeadlessChromium locate() {
        return new HeadlessChromium(find(System.getenv(ENV), DEBIAN_PATH, System.getenv("PATH")));
    }

    static Path find(String env, Path debianPath, String pathVariable) {
        if (env != null && !env.isBlank()) {
            Path p = Path.of(env);
            if (!Files.isExecutable(p)) {
                throw new AssertionError(ENV + "=" + env + " is not an executable file; point it at a Chromium binary");
            }
            return p;
        }
        if (Files.isExecutable(debianPath)) {
            return debianPath;
        }
        List<String> looked = new ArrayList<>(List.of(debianPath.toString()));
        for (String dir : (pathVariable == null ? "" : pathVariable).split(File.pathSeparator)) {
            for (String name : PATH_NAMES) {
                if (!dir.isBlank()) {
                    Path p = Path.of(dir, name);
                    if (Files.isExecutable(p)) {
                        return p;
                    }
                    looked.add(p.toString());
                }
            }
        }
        throw new AssertionError("headless Chromium is required for the dashboard test but was not found: "
                + ENV + " is unset, and no executable at " + looked
                + ". Install Debian's package (apt-get install -y chromium) or set " + ENV + " to the binary.");
    }

    Path binary() {
        return binary;
    }

    /** The DOM after {@code virtualMillis} of page time. */
    String dumpDom(String url, long virtualMillis, Path profile) throws IOException, InterruptedException {
        return run(profile, List.of("--virtual-time-budget=" + virtualMillis, "--dump-dom", url));
    }

    /** A PNG of the page after {@code virtualMillis} of page time. */
    void screenshot(String url, long virtualMillis, Path profile, Path png, int width, int height)
            throws IOException, InterruptedException {
        run(profile, List.of("--virtual-time-budget=" + virtualMillis, "--hide-scrollbars",
                "--window-size=" + width + "," + height, "--screenshot=" + png.toAbsolutePath(), url));
    }

    private String run(Path profile, List<String> args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(binary.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + profile.toAbsolutePath()));
        command.addAll(args);
        Path out = Files.createTempFile(profile, "stdout", ".html");
        Path err = Files.createTempFile(profile, "stderr", ".txt");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("chromium did not finish within 120 s: " + command + "\nstderr: " + Files.readString(err));
        }
        if (p.exitValue() != 0) {
            throw new AssertionError("chromium exited with " + p.exitValue() + ": " + command + "\nstderr: " + Files.readString(err));
        }
        return Files.readString(out, StandardCharsets.UTF_8);
    }

    /** {@code data-testid -> data-value} of every element that has both; a repeated testid is an error. */
    static Map<String, String> testValues(String dom) {
        Map<String, String> values = new LinkedHashMap<>();
        Matcher tags = TAG.matcher(dom);
        while (tags.find()) {
            String tag = tags.group();
            Matcher id = TESTID.matcher(tag);
            Matcher value = VALUE.matcher(tag);
            if (id.find() && value.find()) {
                String key = unescape(id.group(1));
                if (values.put(key, unescape(value.group(1))) != null) {
                    throw new AssertionError("data-testid '" + key + "' appears twice in the page");
                }
            }
        }
        return values;
    }

    static Optional<String> value(Map<String, String> values, String testid) {
        return Optional.ofNullable(values.get(testid));
    }

    private static String unescape(String s) {
        return s.replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">").replace("&#39;", "'").replace("&amp;", "&");
    }
}
