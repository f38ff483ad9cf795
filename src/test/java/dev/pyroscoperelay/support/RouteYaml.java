package dev.pyroscoperelay.support;

/** The route shapes many tests share, from the files test-routes/*.yaml. */
public final class RouteYaml {
    private RouteYaml() {}

    /** One receiver on 127.0.0.1:port with one writer to url: the shape most tests need. */
    public static String receiveAndWrite(String routeId, int port, String url) {
        return RouteFile.of("receive-and-write.yaml")
                .with("routeId", routeId)
                .with("port", port)
                .with("url", url)
                .yaml();
    }

    /** The same with an external label env=value set before the writer (a label shows which version of a route ran). */
    public static String receiveLabelAndWrite(String routeId, int port, String env, String url) {
        return RouteFile.of("receive-label-and-write.yaml")
                .with("routeId", routeId)
                .with("port", port)
                .with("env", env)
                .with("url", url)
                .yaml();
    }

    /**
     * One receiver (on {@code ports[i]}, clientTimeout 5s) per writer, each writer with the parameters
     * {@code writers[i]} written as the inside of a YAML flow mapping ({@code url: "...", maxBackoffRetries: 1}): one
     * route file that compares writer settings side by side.
     */
    public static String receiverPerWriter(int[] ports, String... writers) {
        StringBuilder yaml = new StringBuilder();
        for (int i = 0; i < writers.length; i++) {
            yaml.append(RouteFile.of("receiver-per-writer.yaml")
                    .with("routeId", "r" + i)
                    .with("port", ports[i])
                    .with("writer", writers[i])
                    .yaml());
        }
        return yaml.toString();
    }
}
