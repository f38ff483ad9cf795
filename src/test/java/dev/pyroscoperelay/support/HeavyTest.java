package dev.pyroscoperelay.support;

import java.io.IOException;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A test class that loads the machine (hundreds of MB through a child JVM's disk and sockets). Surefire runs test
 * classes in two JVMs side by side; classes marked heavy take a file lock in target/ first, so two of them never run
 * at once and starve each other's event loops past the 200 ms the suite allows (BlockedEventLoopWatch). Few classes
 * are marked: a class waiting for the lock holds its test JVM idle.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(HeavyTest.OneAtATime.class)
public @interface HeavyTest {
    /** Holds target/heavy-test.lock from before the class's first test until after its last. */
    final class OneAtATime implements BeforeAllCallback, AfterAllCallback {
        private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(OneAtATime.class);

        @Override
        public void beforeAll(ExtensionContext context) throws IOException {
            Path file = Path.of("target", "heavy-test.lock").toAbsolutePath();
            Files.createDirectories(file.getParent());
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.lock(); // waits while a heavy class of another test JVM runs
            context.getStore(NS).put("lock", lock);
        }

        @Override
        public void afterAll(ExtensionContext context) throws IOException {
            FileLock lock = context.getStore(NS).remove("lock", FileLock.class);
            if (lock != null) {
                lock.release();
                lock.channel().close();
            }
        }
    }
}
