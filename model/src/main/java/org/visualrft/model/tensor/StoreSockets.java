package org.visualrft.model.tensor;

import java.nio.channels.ServerSocketChannel;

/**
 * The file descriptor of a Java-bound listening socket, handed to the c10d store so that it serves on that socket (a
 * store left to bind by itself listens on every interface). Needs {@code --add-exports
 * java.base/sun.nio.ch=ALL-UNNAMED}; without it the answer is null.
 */
final class StoreSockets {
    private StoreSockets() {
    }

    /**
     * c10d objects (store, backend) and the sockets a store serves on, kept reachable until the process ends: neither
     * an explicit close nor the garbage collector's deallocation may free them (see {@link C10dProcessGroup#close}).
     */
    private static final java.util.Set<Object> UNTIL_EXIT =
            java.util.Collections.synchronizedSet(java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>()));

    static void keepUntilExit(Object... objects) {
        for (Object o : objects) {
            if (o != null) {
                UNTIL_EXIT.add(o);
            }
        }
    }

    static Integer fd(ServerSocketChannel ch) {
        try {
            return (Integer) Class.forName("sun.nio.ch.SelChImpl").getMethod("getFDVal").invoke(ch);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
