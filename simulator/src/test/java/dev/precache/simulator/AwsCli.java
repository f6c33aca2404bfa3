package dev.precache.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The AWS CLI v2 of the Debian package, pointed at a simulator: dummy credentials, no config or credentials
 * file, no instance metadata, no pager, JSON output unless a call asks for another. Nothing of the caller's
 * AWS environment leaks in.
 */
final class AwsCli {
    static final Path EXECUTABLE = Path.of("/usr/bin/aws");
    private static final long TIMEOUT_SECONDS = 120;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What one invocation returned. */
    record Result(int exitCode, String stdout, String stderr) {
        JsonNode json() {
            try {
                return JSON.readTree(stdout);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + stdout, e);
            }
        }
    }

    private final String endpoint;

    AwsCli(String endpoint) {
        this.endpoint = endpoint;
    }

    static boolean installed() {
        return Files.isExecutable(EXECUTABLE);
    }

    /** Runs {@code aws <args>} and parses its JSON output; fails the test unless it exits 0. */
    JsonNode json(String... args) {
        return succeed(args).json();
    }

    /** Runs {@code aws <args>} (typically with {@code --output text}); fails the test unless it exits 0. */
    String text(String... args) {
        return succeed(args).stdout().strip();
    }

    Result succeed(String... args) {
        Result result = run(args);
        assertThat(result.exitCode()).as("exit code of aws %s%nstdout: %s%nstderr: %s", String.join(" ", args),
                result.stdout(), result.stderr()).isZero();
        return result;
    }

    /** Runs {@code aws <args>} whatever its exit code. */
    Result run(String... args) {
        List<String> command = new ArrayList<>(List.of(EXECUTABLE.toString(), "--endpoint-url", endpoint,
                "--region", "us-west-2", "--output", "json", "--no-cli-pager"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(name -> name.startsWith("AWS_"));
        env.put("AWS_ACCESS_KEY_ID", "test");
        env.put("AWS_SECRET_ACCESS_KEY", "test");
        env.put("AWS_EC2_METADATA_DISABLED", "true");
        env.put("AWS_PAGER", "");
        env.put("AWS_CONFIG_FILE", "/dev/null");
        env.put("AWS_SHARED_CREDENTIALS_FILE", "/dev/null");
        try {
            Process process = builder.start();
            process.getOutputStream().close();
            CompletableFuture<String> stderr = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
            String stdout = read(process.getInputStream());
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("aws " + String.join(" ", args) + " did not end in " + TIMEOUT_SECONDS + " s");
            }
            return new Result(process.exitValue(), stdout, stderr.join());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running aws", e);
        }
    }

    private static String read(InputStream stream) {
        try (stream) {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
