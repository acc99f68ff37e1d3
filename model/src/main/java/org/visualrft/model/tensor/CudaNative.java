package org.visualrft.model.tensor;

import org.bytedeco.cuda.cudart.cudaDeviceProp;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.pytorch.global.torch_cuda;

/** The calls into libtorch's CUDA library and the CUDA runtime; loaded only when a GPU is there (see {@link Cuda}). */
final class CudaNative {
    private CudaNative() {
    }

    static Cuda.Gpu gpu(int index) {
        cudaDeviceProp p = torch_cuda.getDeviceProperties((byte) index);
        return new Cuda.Gpu(index, p.name().getString().trim(), p.totalGlobalMem(), p.major(), p.minor());
    }

    static String[] versions() {
        int driver = Cuda.read(cudart::cudaDriverGetVersion);
        int runtime = Cuda.read(cudart::cudaRuntimeGetVersion);
        return new String[] {Cuda.version(driver), Cuda.version(runtime)};
    }

    static long peakAllocated(int device) {
        return torch_cuda.getAllocator().getDeviceStats((byte) device).allocated_bytes().peak();
    }

    static void resetPeak(int device) {
        torch_cuda.getAllocator().resetPeakStats((byte) device);
    }

    static void emptyCache() {
        torch_cuda.getAllocator().emptyCache();
    }
}
