package org.visualrft.core.reward;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;

/** A reward named by its class: a {@link RewardFunction} or a {@link RewardProvider}, made reflectively. */
final class RewardClasses {
    private RewardClasses() {
    }

    static RewardFunction instantiate(String className, RewardMode mode, RewardOptions options) {
        Class<?> c;
        try {
            c = Class.forName(className, true, loader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new IllegalArgumentException("unknown reward '" + className + "': no such class on the class path"
                    + " (" + e + ")");
        }
        try {
            if (RewardProvider.class.isAssignableFrom(c)) {
                return ((RewardProvider) c.getConstructor().newInstance()).create(mode, options);
            }
            if (!RewardFunction.class.isAssignableFrom(c)) {
                throw new IllegalArgumentException("reward class " + className + " implements neither "
                        + RewardFunction.class.getName() + " nor " + RewardProvider.class.getName());
            }
            try {
                Constructor<?> k = c.getConstructor(RewardMode.class, RewardOptions.class);
                return (RewardFunction) k.newInstance(mode, options);
            } catch (NoSuchMethodException e) {
                return (RewardFunction) c.getConstructor().newInstance();
            }
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException("reward class " + className + " needs a public constructor taking"
                    + " (RewardMode, RewardOptions) or none");
        } catch (InvocationTargetException e) {
            throw new IllegalArgumentException("reward class " + className + " failed to construct: "
                    + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("reward class " + className + " cannot be constructed: " + e, e);
        }
    }

    private static ClassLoader loader() {
        ClassLoader l = Thread.currentThread().getContextClassLoader();
        return l != null ? l : RewardClasses.class.getClassLoader();
    }
}
