package dev.pyroscoperelay.app;

import java.util.List;
import org.apache.camel.CamelContext;
import org.apache.camel.model.EndpointRequiredDefinition;
import org.apache.camel.model.ProcessorDefinition;
import org.apache.camel.support.PluginHelper;

/** A cheap check of an endpoint URI before a route file replaces running routes: known scheme, existing Kamelet. */
final class EndpointCheck {
    private EndpointCheck() {}

    /** Checks every endpoint a route sends to, nested steps included. */
    static String problemInOutputs(CamelContext context, List<ProcessorDefinition<?>> outputs) {
        if (outputs == null) {
            return null;
        }
        for (ProcessorDefinition<?> p : outputs) {
            if (p instanceof EndpointRequiredDefinition e
                    && e.getEndpointUri() != null
                    && !e.getEndpointUri().contains("${")) {
                String problem = problemWith(context, e.getEndpointUri());
                if (problem != null) {
                    return problem;
                }
            }
            String nested = problemInOutputs(context, p.getOutputs());
            if (nested != null) {
                return nested;
            }
        }
        return null;
    }

    static String problemWith(CamelContext context, String uri) {
        int colon = uri.indexOf(':');
        if (colon <= 0) {
            return "has an endpoint without a scheme: " + uri;
        }
        String scheme = uri.substring(0, colon);
        try {
            if (PluginHelper.getComponentResolver(context).resolveComponent(scheme, context) == null) {
                return "uses unknown component '" + scheme + "'";
            }
        } catch (Exception e) {
            return "uses unknown component '" + scheme + "'";
        }
        if (scheme.equals("kamelet")) {
            String rest = uri.substring(colon + 1).replaceFirst("^//", "");
            String name = rest.split("[/?]", 2)[0];
            if (!name.equals("source")
                    && !name.equals("sink")
                    && Thread.currentThread().getContextClassLoader().getResource("kamelets/" + name + ".kamelet.yaml")
                            == null
                    && EndpointCheck.class.getClassLoader().getResource("kamelets/" + name + ".kamelet.yaml") == null) {
                return "uses unknown Kamelet '" + name + "'";
            }
        }
        return null;
    }
}
