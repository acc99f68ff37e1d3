package org.visualrft.core.reward;

import java.net.URL;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * The {@link RewardProvider}s that {@link ServiceLoader} finds, read so that nothing a jar declares can fail the
 * registry's class initialisation: a name declared twice (by two providers, or by a provider and a built-in reward)
 * is kept as an ambiguity that names both sides and fails only a lookup of that name; a provider that cannot be
 * loaded or named is kept as a problem reported with the unknown-name error.
 *
 * @param usable   the providers by name, each name declared once
 * @param clashes  error messages by the names declared more than once
 * @param problems one line per provider that could not be loaded or named
 */
record RewardProviders(Map<String, RewardProvider> usable, Map<String, String> clashes, List<String> problems) {
    /** Names that match this are accepted as reward names (a provider's, or one given to {@code register}). */
    static final String NAME_PATTERN = "[A-Za-z_][A-Za-z0-9_./-]*";
    private static final int MAX_PROBLEMS = 100;

    /** Scans {@code loader}'s providers; {@code builtIns} maps each built-in name to the class that implements it. */
    static RewardProviders scan(ServiceLoader<RewardProvider> loader, Map<String, Class<?>> builtIns) {
        Map<String, RewardProvider> usable = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        Map<String, List<String>> declarers = new LinkedHashMap<>();
        var it = loader.stream().iterator();
        while (true) {
            ServiceLoader.Provider<RewardProvider> entry;
            try {
                if (!it.hasNext()) {
                    break;
                }
                entry = it.next();
            } catch (ServiceConfigurationError e) {
                problems.add(oneLine(e));
                if (problems.size() > MAX_PROBLEMS) { // the iterator's recovery after an error is best effort
                    break;
                }
                continue;
            }
            String origin = describe(entry.type());
            RewardProvider p;
            String name;
            try {
                p = entry.get();
                name = p.name();
            } catch (RuntimeException | ServiceConfigurationError | LinkageError e) {
                problems.add(origin + ": " + oneLine(e));
                continue;
            }
            if (name == null || !name.matches(NAME_PATTERN)) {
                problems.add(origin + ": its name '" + name + "' is not letters, digits, _ . / -");
                continue;
            }
            List<String> by = declarers.computeIfAbsent(name, n -> new ArrayList<>());
            if (by.isEmpty() && builtIns.containsKey(name)) {
                by.add("the built-in " + builtIns.get(name).getName());
            }
            by.add(origin);
            usable.put(name, p);
        }
        Map<String, String> clashes = new TreeMap<>();
        declarers.forEach((name, by) -> {
            if (by.size() > 1) {
                usable.remove(name);
                clashes.put(name, "reward '" + name + "' is declared " + (by.size() == 2 ? "twice" : by.size()
                        + " times") + ": by " + String.join(" and by ", by) + "; rename one (a RewardProvider's"
                        + " name()) or take one off the class path");
            }
        });
        return new RewardProviders(usable, clashes, List.copyOf(problems));
    }

    /** A provider class and where it was loaded from (its jar or folder), when that is known. */
    private static String describe(Class<?> type) {
        CodeSource source = type.getProtectionDomain().getCodeSource();
        URL where = source == null ? null : source.getLocation();
        return "provider " + type.getName() + (where == null ? "" : " (" + where + ")");
    }

    private static String oneLine(Throwable e) {
        return String.valueOf(e).replaceAll("\\s*\\R\\s*", " ");
    }
}
