package io.tollgate.localstack.junit;

import io.tollgate.localstack.EmbeddedKafka;
import io.tollgate.schemas.registry.SchemaRegistries;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension for integration tests: one embedded broker per test JVM (started on first use,
 * stopped when the JVM's test run ends) and a fresh in-process schema-registry scope per test class.
 * Inject {@link SharedKafka} into test methods, constructors or {@code @BeforeAll} methods:
 *
 * <pre>{@code
 * @ExtendWith(KafkaExtension.class)
 * class MyIT {
 *     @Test
 *     void shouldCountWhenEventsArrive(SharedKafka kafka) { ... }
 * }
 * }</pre>
 */
public final class KafkaExtension implements BeforeAllCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(KafkaExtension.class);
    private static final String BROKER_KEY = "tollgate.shared-broker";
    private static final String SCOPE_KEY = "tollgate.class-scope";
    private static final AtomicInteger SCOPES = new AtomicInteger();

    @Override
    public void beforeAll(ExtensionContext context) {
        shared(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == SharedKafka.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        try {
            return shared(extensionContext);
        } catch (RuntimeException e) {
            throw new ParameterResolutionException("cannot start the shared embedded Kafka broker: " + e.getMessage(), e);
        }
    }

    private static SharedKafka shared(ExtensionContext context) {
        ExtensionContext classContext = classContext(context);
        ClassScope scope = classContext.getStore(NAMESPACE)
                .getOrComputeIfAbsent(SCOPE_KEY, key -> new ClassScope(broker(context), newScope(classContext)), ClassScope.class);
        return scope.kafka();
    }

    private static EmbeddedKafka broker(ExtensionContext context) {
        // the root store lives as long as the test JVM's run, so one broker serves every class
        return context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(BROKER_KEY, key -> new SharedBroker(EmbeddedKafka.builder().start()), SharedBroker.class)
                .broker();
    }

    private static ExtensionContext classContext(ExtensionContext context) {
        ExtensionContext current = context;
        while (current.getTestMethod().isPresent() && current.getParent().isPresent()) {
            current = current.getParent().get();
        }
        return current;
    }

    private static String newScope(ExtensionContext classContext) {
        String name = classContext.getTestClass().map(Class::getSimpleName).orElse("tests").toLowerCase(Locale.ROOT);
        return "tollgate-it-" + name + "-" + SCOPES.incrementAndGet();
    }

    /** Closes the JVM-wide broker when the root context closes. */
    // both interfaces: older JUnit 5 closes CloseableResource, 5.13+ prefers AutoCloseable and closes once
    @SuppressWarnings("deprecation")
    private record SharedBroker(EmbeddedKafka broker) implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        @Override
        public void close() {
            broker.close();
        }
    }

    /** Forgets the class's registry scope when the class is done, so its schemas do not leak. */
    @SuppressWarnings("deprecation")
    private static final class ClassScope implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        private final SharedKafka kafka;
        private final String scope;

        ClassScope(EmbeddedKafka broker, String scope) {
            this.scope = scope;
            this.kafka = new SharedKafka(broker, "mock://" + scope);
        }

        SharedKafka kafka() {
            return kafka;
        }

        @Override
        public void close() {
            SchemaRegistries.dropScope(scope);
        }
    }
}
