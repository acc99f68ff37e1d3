package org.visualrft.model.tensor;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The device the CUDA tests run on, and their skip where there is no GPU. {@code cuda:0} unless the system property
 * {@value #PROPERTY} names another: {@code -Dvrft.cuda.test.device=cpu} dry-runs a CUDA test's own logic on the CPU
 * (no GPU needed). A test on a CUDA device is skipped, with the reason printed, where libtorch sees no CUDA GPU (the
 * CPU build, no driver: CI, laptops).
 */
public final class CudaTestDevice {
    /** The system property naming the device; absent: {@code cuda:0}. */
    public static final String PROPERTY = "vrft.cuda.test.device";

    private CudaTestDevice() {
    }

    /** {@code cuda:0}, or the device {@value #PROPERTY} names. */
    public static Device device() {
        return Device.parse(System.getProperty(PROPERTY, "cuda:0"));
    }

    /** {@link #device()}, after {@link #assumeVisible} for {@code test}: for a test that picks its device itself. */
    public static Device orSkip(Class<?> test) {
        Device device = device();
        assumeVisible(device, test);
        return device;
    }

    /** Whether a test can run on {@code device}: it is the CPU, or a CUDA GPU is visible to libtorch. */
    public static boolean usable(Device device) {
        return device.isCpu() || Cuda.available();
    }

    /** Skips {@code test} (printing why, under its name) where {@code device} is CUDA and no CUDA GPU is visible. */
    public static void assumeVisible(Device device, Class<?> test) {
        boolean gpu = usable(device);
        if (!gpu) {
            System.out.println(test.getSimpleName()
                    + " skipped: no CUDA GPU visible to libtorch (CPU build or no driver)");
        }
        assumeTrue(gpu, "no CUDA GPU visible to libtorch");
    }
}
