package dev.pyroscoperelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * Every overlay of deploy/kubernetes rendered with {@code kubectl kustomize} and read as Kubernetes objects (fabric8's
 * model): probes, security context, resources, mounts, grace period, and that the pieces refer to each other and to
 * the image (its working directory, its user).
 */
class KubernetesManifestsTest {
    private static final ObjectMapper JSON =
            new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

    private static List<HasMetadata> render(String overlay) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder("kubectl", "kustomize", "deploy/kubernetes/overlays/" + overlay)
                    .redirectErrorStream(true)
                    .start();
        } catch (java.io.IOException e) {
            Assumptions.assumeTrue(false, "kubectl is not installed here: the overlays are not rendered");
            throw e;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        List<HasMetadata> objects = new ArrayList<>();
        for (Object doc : new Load(LoadSettings.builder().build()).loadAllFromString(out)) {
            Map<?, ?> map = (Map<?, ?>) doc;
            Class<? extends HasMetadata> type = switch (String.valueOf(map.get("kind"))) {
                case "Deployment" -> Deployment.class;
                case "DaemonSet" -> DaemonSet.class;
                case "StatefulSet" -> StatefulSet.class;
                case "Service" -> Service.class;
                case "ConfigMap" -> ConfigMap.class;
                case "PodDisruptionBudget" -> PodDisruptionBudget.class;
                default -> throw new AssertionError("unexpected kind " + map.get("kind"));
            };
            objects.add(JSON.convertValue(map, type));
        }
        return objects;
    }

    private static String dockerfile(String instruction) throws Exception {
        Matcher m =
                Pattern.compile("(?m)^" + instruction + "\\s+(.+)$").matcher(Files.readString(Path.of("Dockerfile")));
        String last = null;
        while (m.find()) {
            last = m.group(1).trim();
        }
        assertNotNull(last, instruction + " in the Dockerfile");
        return last;
    }

    private static long shutdownTimeoutSeconds() throws Exception {
        Matcher m = Pattern.compile("(?m)^camel\\.main\\.shutdown-timeout\\s*=\\s*(\\d+)")
                .matcher(Files.readString(Path.of("application.properties")));
        assertTrue(m.find());
        return Long.parseLong(m.group(1));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "gateway, 'ConfigMap,Deployment,PodDisruptionBudget,Service'",
        "node-local, 'ConfigMap,DaemonSet,Service'",
        "durable, 'ConfigMap,PodDisruptionBudget,Service,Service,StatefulSet'",
        "kafka, 'ConfigMap,ConfigMap,ConfigMap,Deployment,Deployment,PodDisruptionBudget,Service'"
    })
    void everyOverlayRendersWorkloadsThatRunTheImageSafely(String overlay, String kinds) throws Exception {
        List<HasMetadata> objects = render(overlay);
        assertEquals(
                kinds,
                String.join(
                        ",", objects.stream().map(HasMetadata::getKind).sorted().toList()));
        Map<String, ConfigMap> configMaps = new TreeMap<>();
        objects.stream()
                .filter(ConfigMap.class::isInstance)
                .forEach(o -> configMaps.put(o.getMetadata().getName(), (ConfigMap) o));
        String workdir = dockerfile("WORKDIR");
        String user = dockerfile("USER").split(":")[0];
        long grace = shutdownTimeoutSeconds();
        List<PodTemplateSpec> pods = new ArrayList<>();
        for (HasMetadata o : objects) {
            if (o instanceof Deployment d) {
                pods.add(d.getSpec().getTemplate());
            } else if (o instanceof DaemonSet d) {
                pods.add(d.getSpec().getTemplate());
            } else if (o instanceof StatefulSet s) {
                pods.add(s.getSpec().getTemplate());
            }
        }
        assertFalse(pods.isEmpty());
        for (PodTemplateSpec pod : pods) {
            var spec = pod.getSpec();
            Container c = spec.getContainers().get(0);
            String what = overlay + "/" + pod.getMetadata().getLabels();
            assertEquals(
                    "/observe/health/live", c.getLivenessProbe().getHttpGet().getPath(), what);
            assertEquals(
                    "/observe/health/ready", c.getReadinessProbe().getHttpGet().getPath(), what);
            assertEquals(
                    "management", c.getLivenessProbe().getHttpGet().getPort().getStrVal());
            assertTrue(c.getPorts().stream()
                    .anyMatch(p -> p.getName().equals("management") && p.getContainerPort() == 9095));
            assertTrue(spec.getSecurityContext().getRunAsNonRoot(), what);
            assertEquals(Long.parseLong(user), spec.getSecurityContext().getRunAsUser(), "the image's USER");
            assertTrue(c.getSecurityContext().getReadOnlyRootFilesystem(), what);
            assertFalse(c.getSecurityContext().getAllowPrivilegeEscalation(), what);
            // memory: a limit equal to the request, which the image's MaxRAMPercentage sizes the heap from
            Quantity limit = c.getResources().getLimits().get("memory");
            assertNotNull(limit, what);
            assertEquals(limit, c.getResources().getRequests().get("memory"), what);
            // the grace period covers the preStop pause and the relay's shutdown timeout
            List<String> preStop = c.getLifecycle().getPreStop().getExec().getCommand();
            assertEquals("sleep", preStop.get(0));
            long pause = Long.parseLong(preStop.get(1));
            assertTrue(spec.getTerminationGracePeriodSeconds() > pause + grace, what);
            Map<String, String> annotations = pod.getMetadata().getAnnotations();
            assertEquals("true", annotations.get("prometheus.io/scrape"));
            assertEquals("9095", annotations.get("prometheus.io/port"));
            // the only writable paths: /tmp (an emptyDir, the body spool) and a durable buffer's volume
            Map<String, VolumeMount> mounts = new TreeMap<>();
            c.getVolumeMounts().forEach(m -> mounts.put(m.getMountPath(), m));
            VolumeMount tmp = mounts.get("/tmp");
            assertNotNull(tmp, what);
            Volume tmpVolume = spec.getVolumes().stream()
                    .filter(v -> v.getName().equals(tmp.getName()))
                    .findFirst()
                    .orElseThrow();
            assertNotNull(tmpVolume.getEmptyDir(), "/tmp is an emptyDir");
            VolumeMount routes = mounts.get(workdir + "/routes");
            assertNotNull(routes, "routes/ in the image's WORKDIR " + workdir + ": " + mounts.keySet());
            assertTrue(routes.getReadOnly());
            Volume routesVolume = spec.getVolumes().stream()
                    .filter(v -> v.getName().equals(routes.getName()))
                    .findFirst()
                    .orElseThrow();
            ConfigMap routesMap = configMaps.get(routesVolume.getConfigMap().getName());
            assertNotNull(
                    routesMap,
                    "the routes ConfigMap is in the overlay: "
                            + routesVolume.getConfigMap().getName());
            assertTrue(
                    routesMap.getData().get("relay.yaml").contains("kamelet:pyroscope-"),
                    routesMap.getData().toString());
            // no key symlink name but relay.yaml, and the ConfigMap keeps its name across edits (a hot reload)
            assertFalse(
                    routesMap.getMetadata().getName().matches(".*-[a-z0-9]{10}$"),
                    routesMap.getMetadata().getName());
            // configMapKeyRef / secretRef point at what exists (or is optional)
            c.getEnv().stream()
                    .filter(e -> e.getValueFrom() != null && e.getValueFrom().getConfigMapKeyRef() != null)
                    .forEach(e -> assertTrue(
                            configMaps.containsKey(
                                    e.getValueFrom().getConfigMapKeyRef().getName()),
                            e.getName()));
            c.getEnvFrom()
                    .forEach(e -> assertTrue(
                            e.getSecretRef() == null || e.getSecretRef().getOptional()));
        }
        // every Service and PodDisruptionBudget selects the pods of a workload of the overlay
        for (HasMetadata o : objects) {
            Map<String, String> selector = o instanceof Service s
                    ? s.getSpec().getSelector()
                    : o instanceof PodDisruptionBudget b
                            ? b.getSpec().getSelector().getMatchLabels()
                            : null;
            if (selector != null) {
                assertTrue(
                        pods.stream()
                                .anyMatch(p ->
                                        p.getMetadata().getLabels().entrySet().containsAll(selector.entrySet())),
                        o.getKind() + " " + o.getMetadata().getName() + " selects no pod: " + selector);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"node-local", "durable", "kafka"})
    void eachOverlayDoesItsJob(String overlay) throws Exception {
        List<HasMetadata> objects = render(overlay);
        switch (overlay) {
            case "node-local" -> {
                Service s = (Service) objects.stream()
                        .filter(Service.class::isInstance)
                        .findFirst()
                        .orElseThrow();
                assertEquals("Local", s.getSpec().getInternalTrafficPolicy());
                DaemonSet d = (DaemonSet) objects.stream()
                        .filter(DaemonSet.class::isInstance)
                        .findFirst()
                        .orElseThrow();
                assertEquals(
                        9999,
                        d.getSpec()
                                .getTemplate()
                                .getSpec()
                                .getContainers()
                                .get(0)
                                .getPorts()
                                .get(0)
                                .getHostPort());
            }
            case "durable" -> {
                StatefulSet s = (StatefulSet) objects.stream()
                        .filter(StatefulSet.class::isInstance)
                        .findFirst()
                        .orElseThrow();
                String claim = s.getSpec()
                        .getVolumeClaimTemplates()
                        .get(0)
                        .getMetadata()
                        .getName();
                VolumeMount m = s.getSpec().getTemplate().getSpec().getContainers().get(0).getVolumeMounts().stream()
                        .filter(v -> v.getName().equals(claim))
                        .findFirst()
                        .orElseThrow();
                ConfigMap routes = (ConfigMap) objects.stream()
                        .filter(ConfigMap.class::isInstance)
                        .findFirst()
                        .orElseThrow();
                Matcher buffer = Pattern.compile("bufferPath: (\\S+)")
                        .matcher(routes.getData().get("relay.yaml"));
                assertTrue(buffer.find());
                assertTrue(
                        buffer.group(1).startsWith(m.getMountPath() + "/"),
                        "bufferPath on the claim: " + buffer.group(1));
            }
            case "kafka" -> {
                List<String> routes = objects.stream()
                        .filter(ConfigMap.class::isInstance)
                        .map(o -> String.valueOf(((ConfigMap) o).getData().get("relay.yaml")))
                        .toList();
                assertTrue(routes.stream().anyMatch(r -> r.contains("kamelet:pyroscope-kafka-sink")));
                assertTrue(routes.stream().anyMatch(r -> r.contains("kamelet:pyroscope-kafka-source")));
                assertEquals(
                        2, objects.stream().filter(Deployment.class::isInstance).count());
            }
            default -> throw new AssertionError(overlay);
        }
    }
}
