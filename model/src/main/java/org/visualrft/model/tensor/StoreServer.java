package org.visualrft.model.tensor;

import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import org.bytedeco.javacpp.SizeTPointer;
import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.IntOptional;
import org.bytedeco.pytorch.TCPStore;
import org.bytedeco.pytorch.TCPStoreOptions;

/**
 * A c10d store served by a launcher on an ephemeral port of the loopback interface only, for worker processes on
 * this machine: the launcher holds the socket from the start, so no other program can take the port between choosing
 * and serving it, and the store outlives every worker.
 */
public final class StoreServer implements AutoCloseable {
    private final ServerSocketChannel listener;
    private final TCPStore store;
    private final int port;

    private StoreServer(ServerSocketChannel listener, TCPStore store, int port) {
        this.listener = listener;
        this.store = store;
        this.port = port;
        StoreSockets.keepUntilExit(store, listener);
    }

    public static StoreServer start(int worldSize, Duration timeout) {
        Engine.load();
        try {
            ServerSocketChannel ch = C10dProcessGroup.bindLoopback(0);
            int port = ((java.net.InetSocketAddress) ch.getLocalAddress()).getPort();
            Integer fd = StoreSockets.fd(ch);
            TCPStoreOptions so = new TCPStoreOptions();
            so.port((short) port);
            so.isServer(true);
            so.numWorkers(new SizeTPointer(1).put(worldSize));
            so.waitWorkers(false);
            so.timeout(new Milliseconds(timeout.toMillis()));
            if (fd != null) {
                so.masterListenFd(new IntOptional(fd));
            } else {
                ch.close(); // no access to the descriptor (run without --add-exports): the store binds the port
                ch = null;
            }
            return new StoreServer(ch, new TCPStore("127.0.0.1", so), port);
        } catch (IOException | RuntimeException e) {
            throw new DistributedException("cannot serve the c10d store on the loopback interface: "
                    + C10dProcessGroup.firstLine(e), e);
        }
    }

    public int port() {
        return port;
    }

    /** Stops nothing: the store and its socket live until the process ends (see {@link C10dProcessGroup#close}). */
    @Override
    public void close() {
        // nothing to free: see C10dProcessGroup#close
    }
}
