package org.visualrft.model.tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Groups gradients into the flat buckets one allreduce each sums: consecutive tensors of one dtype, at most
 * {@code limit} bytes per bucket (a tensor larger than the limit gets a bucket of its own). Dtypes are compared by
 * their code: the enum objects JavaCPP returns from native calls are not interned, so {@code ==} between two
 * {@code scalar_type()} results is false even for the same dtype (that once made every parameter its own allreduce).
 */
final class GradientBuckets {
    private GradientBuckets() {
    }

    static List<List<org.bytedeco.pytorch.Tensor>> plan(List<org.bytedeco.pytorch.Tensor> grads, long limit) {
        List<List<org.bytedeco.pytorch.Tensor>> buckets = new ArrayList<>();
        List<org.bytedeco.pytorch.Tensor> bucket = new ArrayList<>();
        long bytes = 0;
        int dtype = -1;
        for (org.bytedeco.pytorch.Tensor g : grads) {
            long size = g.numel() * g.element_size();
            int code = g.scalar_type().value;
            if (!bucket.isEmpty() && (bytes + size > limit || code != dtype)) {
                buckets.add(bucket);
                bucket = new ArrayList<>();
                bytes = 0;
            }
            bucket.add(g);
            bytes += size;
            dtype = code;
        }
        if (!bucket.isEmpty()) {
            buckets.add(bucket);
        }
        return buckets;
    }
}
