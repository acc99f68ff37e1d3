package org.visualrft.model.tensor;

/** A collective or the rendezvous failed: a peer died, stalled past the timeout, never arrived, or the port is taken. */
public final class DistributedException extends RuntimeException {
    public DistributedException(String message, Throwable cause) {
        super(message, cause);
    }

    public DistributedException(String message) {
        super(message);
    }
}
