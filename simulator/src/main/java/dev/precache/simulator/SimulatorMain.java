package dev.precache.simulator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.precache.simulator.fault.FaultConfig;
import dev.precache.simulator.instance.RegistryCatalog;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * {@code java -jar precache-simulator.jar [--port 4566] [--time-scale 0.01] [--faults faults.yaml]
 * [--catalog catalog.yaml]}: serves the simulated cloud until interrupted.
 */
public final class SimulatorMain {
    private static final String USAGE = """
            usage: java -jar precache-simulator.jar [--port N] [--time-scale F] [--faults FILE] [--catalog FILE]
              --port N          port on 127.0.0.1 (default 4566; 0 picks a free one, printed at start)
              --time-scale F    real seconds per simulated second (default 1.0; 0.01 runs 100x faster)
              --faults FILE     faults to inject, YAML (see FaultConfig); also POST /_sim/faults
              --catalog FILE    registry catalog laid over the built-in one, YAML (see registry-catalog.yaml)
            """;

    private SimulatorMain() {}

    public static void main(String[] args) throws Exception {
        int port = 4566;
        double timeScale = 1.0;
        Path faults = null;
        Path catalog = null;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(value);
                case "--time-scale" -> timeScale = Double.parseDouble(value);
                case "--faults" -> faults = Path.of(value);
                case "--catalog" -> catalog = Path.of(value);
                case "--help", "-h" -> {
                    System.out.print(USAGE);
                    return;
                }
                default -> {
                    System.err.print("unknown option " + args[i] + "\n" + USAGE);
                    System.exit(2);
                }
            }
            i++;
        }
        SimulatorServer server = new SimulatorServer(port, new SimClock(timeScale),
                catalog == null ? RegistryCatalog.defaults() : RegistryCatalog.load(catalog));
        if (faults != null) {
            server.cloud().applyFaults(new ObjectMapper(new YAMLFactory()).readValue(faults.toFile(), FaultConfig.class));
        }
        server.start();
        System.out.println("registries: " + new ObjectMapper().writeValueAsString(server.registryEndpoints()));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }));
        stopped.await();
    }
}
