package dev.pyroscoperelay.runtime;

import java.util.Map;
import org.apache.camel.AsyncCallback;
import org.apache.camel.AsyncProcessor;
import org.apache.camel.Consumer;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.support.AsyncProcessorConverterHelper;
import org.apache.camel.support.DefaultAsyncProducer;
import org.apache.camel.support.DefaultComponent;
import org.apache.camel.support.DefaultEndpoint;
import org.apache.camel.support.PropertyBindingSupport;
import org.apache.camel.support.service.ServiceHelper;

/**
 * {@code pyroscope-step:<class>?<property>=<value>...}: one of the relay's processors as a step of a Kamelet,
 * created for its endpoint and configured from the endpoint's parameters. The Kamelets use it instead of template
 * beans: Camel 4.18 re-assigns a template bean whose name equals any template parameter's value (the calling route's
 * id is one), so a user's route named like a bean broke the Kamelet. Unlike camel-bean's {@code class:}, an
 * asynchronous processor (the writer) stays asynchronous: no thread waits for a destination.
 */
public class KameletStepComponent extends DefaultComponent {
    /** The parameters of a step that keeps them in an object of their own (a plain bean with setters). */
    public interface Parameters {}

    /** A step whose Kamelet parameters are bound to {@link #parameters()} rather than to the step itself. */
    public interface ParameterizedStep {
        Parameters parameters();
    }

    /** Only the relay's own processors. */
    private static final String PACKAGE = "dev.pyroscoperelay.";

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        if (!remaining.startsWith(PACKAGE)) {
            throw new IllegalArgumentException(
                    "pyroscope-step: only the relay's processors (" + PACKAGE + "*), not " + remaining);
        }
        Class<?> type = getCamelContext().getClassResolver().resolveMandatoryClass(remaining);
        Object step = getCamelContext().getInjector().newInstance(type); // CamelContextAware gets its context
        if (!(step instanceof Processor processor)) {
            throw new IllegalArgumentException("pyroscope-step: " + remaining + " is not a Processor");
        }
        // every parameter is a property of the step; an optional Kamelet parameter left out arrives empty
        PropertyBindingSupport.build()
                .withCamelContext(getCamelContext())
                .withTarget(step instanceof ParameterizedStep p ? p.parameters() : step)
                .withProperties(parameters)
                .withRemoveParameters(true)
                .withMandatory(true)
                .withIgnoreCase(true)
                .bind();
        return new StepEndpoint(uri, this, AsyncProcessorConverterHelper.convert(processor), step);
    }

    private static final class StepEndpoint extends DefaultEndpoint {
        private final AsyncProcessor processor;
        private final Object step;

        StepEndpoint(String uri, KameletStepComponent component, AsyncProcessor processor, Object step) {
            super(uri, component);
            this.processor = processor;
            this.step = step;
        }

        @Override
        public Producer createProducer() {
            return new DefaultAsyncProducer(this) {
                @Override
                public boolean process(Exchange exchange, AsyncCallback callback) {
                    return processor.process(exchange, callback);
                }
            };
        }

        @Override
        public Consumer createConsumer(Processor processor) {
            throw new UnsupportedOperationException("pyroscope-step is a step of a route, not its start");
        }

        @Override
        protected void doStart() throws Exception {
            super.doStart();
            ServiceHelper.startService(step);
        }

        @Override
        protected void doStop() throws Exception {
            ServiceHelper.stopService(step);
            super.doStop();
        }

        @Override
        public boolean isSingleton() {
            return true;
        }
    }
}
