package dev.pyroscoperelay.support;

/** Route files the tests write, in the YAML DSL exactly as users write it. */
public final class RouteYaml {
    private RouteYaml() {}

    /** One receiver on 127.0.0.1:port with one writer to url: the shape most tests need. */
    public static String receiveAndWrite(String routeId, int port, String url) {
        return """
                - route:
                    id: %s
                    from:
                      uri: kamelet:pyroscope-receive
                      parameters:
                        listenAddress: 127.0.0.1
                        listenPort: %d
                      steps:
                        - to:
                            uri: kamelet:pyroscope-write
                            parameters:
                              url: %s
                """.formatted(routeId, port, url);
    }

    /** The same with an external label env=value set before the writer (a label shows which version of a route ran). */
    public static String receiveLabelAndWrite(String routeId, int port, String env, String url) {
        return """
                - route:
                    id: %s
                    from:
                      uri: kamelet:pyroscope-receive
                      parameters:
                        listenAddress: 127.0.0.1
                        listenPort: %d
                      steps:
                        - setHeader:
                            name: pyroscope.label.env
                            constant: %s
                        - to:
                            uri: kamelet:pyroscope-write
                            parameters:
                              url: %s
                """.formatted(routeId, port, env, url);
    }

    /**
     * One receiver (on {@code ports[i]}, clientTimeout 5s) per writer, each writer with the parameters
     * {@code writers[i]} written as the inside of a YAML flow mapping ({@code url: "...", maxBackoffRetries: 1}): one
     * route file that compares writer settings side by side.
     */
    public static String receiverPerWriter(int[] ports, String... writers) {
        StringBuilder yaml = new StringBuilder();
        for (int i = 0; i < writers.length; i++) {
            yaml.append("""
                    - route:
                        id: r%d
                        from:
                          uri: kamelet:pyroscope-receive
                          parameters: {listenAddress: 127.0.0.1, listenPort: %d, clientTimeout: 5s}
                          steps:
                            - to: {uri: kamelet:pyroscope-write, parameters: {%s}}
                    """.formatted(i, ports[i], writers[i]));
        }
        return yaml.toString();
    }
}
