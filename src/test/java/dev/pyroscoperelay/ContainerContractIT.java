package dev.pyroscoperelay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pyroscoperelay.support.Await;
import dev.pyroscoperelay.support.ChildRelay;
import dev.pyroscoperelay.support.Client;
import dev.pyroscoperelay.support.Fixtures;
import dev.pyroscoperelay.support.KubeletVolume;
import dev.pyroscoperelay.support.Relay;
import dev.pyroscoperelay.support.RouteYaml;
import dev.pyroscoperelay.support.Sink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image's contract without a container engine (none runs here): the Dockerfile's WORKDIR, USER and ENTRYPOINT
 * are read, and the packaged jar runs the way the ENTRYPOINT runs it, in a working directory laid out as the
 * Kubernetes manifests mount it (routes/ a ConfigMap volume) with /tmp its only writable place. Uploads go through,
 * a ConfigMap update is reloaded, a large body is spooled, and nothing is written outside /tmp.
 */
class ContainerContractIT {
    @TempDir
    Path root;

    private static String instruction(String dockerfile, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + "\\s+(.+)$").matcher(dockerfile);
        String last = null;
        while (m.find()) {
            last = m.group(1).trim();
        }
        return last;
    }

    private static Map<String, Long> snapshot(Path dir) throws Exception {
        Map<String, Long> files = new TreeMap<>();
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                files.put(
                        dir.relativize(p).toString(),
                        Files.isSymbolicLink(p) ? -1 : Files.isDirectory(p) ? -2 : Files.size(p));
            }
        }
        return files;
    }

    @Test
    void thePackagedJarRunsAsTheImageRunsItAndWritesOnlyToTmp() throws Exception {
        String dockerfile = Files.readString(Path.of("Dockerfile"));
        String workdir = instruction(dockerfile, "WORKDIR");
        String user = instruction(dockerfile, "USER");
        assertNotEquals("0", user.split(":")[0], "the image does not run as root");
        assertTrue(user.split(":")[0].matches("\\d+"), "a numeric USER, so runAsNonRoot can check it: " + user);
        List<String> entrypoint =
                List.of(new ObjectMapper().readValue(instruction(dockerfile, "ENTRYPOINT"), String[].class));
        assertEquals("java", entrypoint.get(0));

        Path app = Files.createDirectories(root.resolve(workdir.substring(1)));
        Path tmp = Files.createDirectories(root.resolve("tmp"));
        Path home = Files.createDirectories(root.resolve("home"));
        Path jar = Path.of("target/pyroscope-relay.jar").toAbsolutePath();
        try (Sink sink = Sink.start()) {
            int port = Relay.freePort();
            KubeletVolume routes = KubeletVolume.create(
                    app.resolve("routes"),
                    Map.of("relay.yaml", RouteYaml.receiveLabelAndWrite("relay", port, "v1", sink.url())));
            Map<String, Long> before = snapshot(app);
            // the ENTRYPOINT, its paths mapped into this test's folders
            List<String> arguments = new ArrayList<>();
            for (String a : entrypoint.subList(1, entrypoint.size())) {
                arguments.add(a.replace(workdir + "/pyroscope-relay.jar", jar.toString())
                        .replace(
                                workdir + "/pyroscope-relay.jsa",
                                jar.resolveSibling("pyroscope-relay.jsa").toString())
                        .replace("-Djava.io.tmpdir=/tmp", "-Djava.io.tmpdir=" + tmp));
            }
            int management = Relay.freePort();
            // before -jar: the management port of this test, a home the relay must not write, spooling from 1 KiB
            int jarAt = arguments.indexOf("-jar");
            arguments.addAll(
                    jarAt,
                    List.of(
                            "-Dcamel.management.port=" + management,
                            "-Duser.home=" + home,
                            "-Dpyroscope.relay.body-memory-per-body=1KiB"));
            Path log = root.resolve("relay.log"); // the container's stdout
            try (ChildRelay relay = ChildRelay.run(app, log, port, management, arguments)) {
                Client.Response first = Client.post(port, "/ingest?name=contract.app", new byte[] {1}, Map.of());
                assertEquals(200, first.status(), first.body() + relay.log());
                byte[] large = new byte[256 * 1024];
                new java.util.Random(3).nextBytes(large);
                assertEquals(
                        200,
                        Client.post(port, "/ingest?name=contract.app", large, Map.of())
                                .status());
                assertArrayEquals(large, sink.all().get(1).body(), "spooled in /tmp and sent");
                routes.update(Map.of("relay.yaml", RouteYaml.receiveLabelAndWrite("relay", port, "v2", sink.url())));
                Await.until("the ConfigMap update reloaded", Duration.ofSeconds(30), () -> {
                    try {
                        Client.post(port, "/ingest?name=contract.app", new byte[] {2}, Map.of());
                        List<Sink.Received> all = sink.all();
                        return "v2"
                                .equals(Fixtures.forwardedName(
                                                all.get(all.size() - 1).rawQuery())
                                        .labels()
                                        .get("env"));
                    } catch (Exception e) {
                        return false;
                    }
                });
                assertEquals(
                        200, Client.get(management, "/observe/health/ready").status());
                assertTrue(relay.log().contains("routes reloaded"), relay.log());
            }
            Map<String, Long> after = snapshot(app);
            before.keySet().removeIf(k -> k.startsWith("routes/.."));
            after.keySet().removeIf(k -> k.startsWith("routes/.."));
            assertEquals(before, after, "nothing written in the working directory");
            assertEquals(List.of(), Files.list(home).toList(), "nothing written in the home directory");
            try (Stream<Path> left = Files.walk(tmp)) {
                List<Path> files = left.filter(Files::isRegularFile).toList();
                assertEquals(List.of(), files, "no temporary body file left in /tmp");
            }
        }
    }
}
