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

    static Integer fd(ServerSocketChannel ch) {
        try {
            return (Integer) Class.forName("sun.nio.ch.SelChImpl").getMethod("getFDVal").invoke(ch);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
