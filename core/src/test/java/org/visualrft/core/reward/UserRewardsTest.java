package org.visualrft.core.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationTargetException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A user's reward joins the registry by ServiceLoader or by class name, and scores like a built-in one. */
class UserRewardsTest {
    /** Found through META-INF/services in the test resources. */
    public static final class ShortAnswerProvider implements RewardProvider {
        @Override
        public String name() {
            return "short_answer";
        }

        @Override
        public RewardFunction create(RewardMode mode, RewardOptions options) {
            return new RewardFunction() {
                @Override
                public String name() {
                    return "short_answer";
                }

                @Override
                public double score(String completion, RewardSample sample) {
                    return completion.length() <= 20 ? 1.0 : 0.0;
                }
            };
        }
    }

    /** Named by its class; takes the mode so the test can see it was passed. */
    public static final class ModeEcho implements RewardFunction {
        private final RewardMode mode;

        public ModeEcho(RewardMode mode, RewardOptions options) {
            this.mode = mode;
        }

        @Override
        public String name() {
            return "mode_echo";
        }

        @Override
        public double score(String completion, RewardSample sample) {
            return mode == RewardMode.STRICT ? 1.0 : 0.5;
        }
    }

    /** Declares a built-in name; listed only in the services file of {@link #providersDeclaringOneNameTwice}. */
    public static final class IouImpostor implements RewardProvider {
        @Override
        public String name() {
            return "iou";
        }

        @Override
        public RewardFunction create(RewardMode mode, RewardOptions options) {
            return new ModeEcho(mode, options);
        }
    }

    /** Declares {@link ShortAnswerProvider}'s name a second time. */
    public static final class ShortAnswerTwin implements RewardProvider {
        @Override
        public String name() {
            return "short_answer";
        }

        @Override
        public RewardFunction create(RewardMode mode, RewardOptions options) {
            return new ModeEcho(mode, options);
        }
    }

    /** A provider whose {@code name()} throws. */
    public static final class NamelessProvider implements RewardProvider {
        @Override
        public String name() {
            throw new IllegalStateException("no name today");
        }

        @Override
        public RewardFunction create(RewardMode mode, RewardOptions options) {
            return new ModeEcho(mode, options);
        }
    }

    /** Not a reward at all. */
    public static final class NotAReward {
    }

    @Test
    void serviceLoaderProviderIsUsableInASpecWithWeights() {
        assertTrue(RewardRegistry.names().contains("short_answer"));
        assertEquals(RewardRegistry.names().subList(0, 3), java.util.List.of("format", "iou", "confidence"));
        RewardSet set = RewardRegistry.set("format,short_answer:0.5", RewardMode.STRICT, RewardOptions.DEFAULT);
        RewardBreakdown b = set.score("<think>x</think><answer>y</answer>", RewardSample.of("<answer>y</answer>"));
        assertEquals(0.0, b.values().get("short_answer")); // 34 characters
        RewardBreakdown shortOne = set.score("<answer>y</answer>", RewardSample.of("<answer>y</answer>"));
        assertEquals(1.0, shortOne.values().get("short_answer"));
        assertEquals(shortOne.values().get("format") + 0.5, shortOne.total());
    }

    @Test
    void classNameIsAName() {
        String name = ModeEcho.class.getName();
        assertEquals(1.0, RewardRegistry.create(name, RewardMode.STRICT, RewardOptions.DEFAULT)
                .score("", RewardSample.of("")));
        assertEquals(0.5, RewardRegistry.create(name, RewardMode.VISUAL_RFT, RewardOptions.DEFAULT)
                .score("", RewardSample.of("")));
        assertEquals("short_answer", RewardRegistry.create(ShortAnswerProvider.class.getName(), RewardMode.STRICT,
                RewardOptions.DEFAULT).name());
    }

    /**
     * A jar that declares a taken name (or a provider that cannot be named) must not break the registry: the class
     * initialises, the clashing names fail on lookup with one error naming both declarations, every other name works.
     * The registry is loaded afresh in its own class loader, whose class path adds a second services file.
     */
    @Test
    void providersDeclaringOneNameTwice(@TempDir Path dir) throws Exception {
        Path services = dir.resolve("META-INF/services/" + RewardProvider.class.getName());
        Files.createDirectories(services.getParent());
        Files.writeString(services, IouImpostor.class.getName() + "\n" + ShortAnswerTwin.class.getName() + "\n"
                + NamelessProvider.class.getName() + "\n" + "com.example.NoSuchProvider\n");
        try (FreshCore core = new FreshCore(dir)) {
            String iou = core.createFails("iou");
            assertTrue(iou.contains("reward 'iou' is declared twice") && iou.contains(IouReward.class.getName())
                    && iou.contains(IouImpostor.class.getName()), iou);
            String shortAnswer = core.createFails("short_answer");
            assertTrue(shortAnswer.contains(ShortAnswerProvider.class.getName())
                    && shortAnswer.contains(ShortAnswerTwin.class.getName()), shortAnswer);
            assertEquals(1, iou.lines().count(), iou);
            assertEquals("format", core.create("format"));
            assertEquals("confidence", core.create("confidence"));
            String unknown = core.createFails("nosuch");
            assertTrue(unknown.contains(NamelessProvider.class.getName()) && unknown.contains("no name today")
                    && unknown.contains("com.example.NoSuchProvider") && !unknown.contains("short_answer"), unknown);
        }
    }

    /** {@code core}'s classes loaded anew (child first), with {@code extra} on the class path for resources. */
    private static final class FreshCore implements AutoCloseable {
        private final URLClassLoader loader;

        FreshCore(Path extra) throws Exception {
            URL[] urls = {RewardRegistry.class.getProtectionDomain().getCodeSource().getLocation(),
                    UserRewardsTest.class.getProtectionDomain().getCodeSource().getLocation(), extra.toUri().toURL()};
            loader = new URLClassLoader(urls, UserRewardsTest.class.getClassLoader()) {
                @Override
                protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
                    if (!name.startsWith("org.visualrft.core.")) {
                        return super.loadClass(name, resolve);
                    }
                    synchronized (getClassLoadingLock(name)) {
                        Class<?> c = findLoadedClass(name);
                        return c != null ? c : findClass(name);
                    }
                }
            };
        }

        /** The name of the function the fresh registry makes for {@code name}. */
        String create(String name) throws Exception {
            Thread t = Thread.currentThread();
            ClassLoader before = t.getContextClassLoader();
            t.setContextClassLoader(loader); // ServiceLoader.load(Class) reads the context class loader
            try {
                Class<?> registry = Class.forName(RewardRegistry.class.getName(), true, loader);
                Class<?> mode = Class.forName(RewardMode.class.getName(), true, loader);
                Class<?> options = Class.forName(RewardOptions.class.getName(), true, loader);
                Object f = registry.getMethod("create", String.class, mode, options).invoke(null, name,
                        mode.getField("STRICT").get(null), options.getField("DEFAULT").get(null));
                return (String) Class.forName(RewardFunction.class.getName(), true, loader).getMethod("name")
                        .invoke(f);
            } finally {
                t.setContextClassLoader(before);
            }
        }

        /** The message of the IllegalArgumentException a lookup of {@code name} throws. */
        String createFails(String name) throws Exception {
            InvocationTargetException e = assertThrows(InvocationTargetException.class, () -> create(name));
            assertEquals(IllegalArgumentException.class, e.getCause().getClass(), String.valueOf(e.getCause()));
            return e.getCause().getMessage();
        }

        @Override
        public void close() throws Exception {
            loader.close();
        }
    }

    @Test
    void clearErrors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RewardRegistry.create("com.example.Missing", RewardMode.STRICT, RewardOptions.DEFAULT));
        assertTrue(e.getMessage().contains("no such class"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> RewardRegistry.create(NotAReward.class.getName(), RewardMode.STRICT, RewardOptions.DEFAULT));
        assertTrue(e.getMessage().contains("implements neither"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> RewardRegistry.create("nosuch", RewardMode.STRICT, RewardOptions.DEFAULT));
        assertTrue(e.getMessage().contains("short_answer"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RewardRegistry.register("iou", (m, o) -> null));
        assertThrows(IllegalArgumentException.class, () -> RewardRegistry.register("bad name", (m, o) -> null));
    }
}
