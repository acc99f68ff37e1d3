package org.visualrft.model.policy;

import java.nio.file.Path;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * A policy that forwards the interface's abstract methods to another and keeps every default method the interface's
 * own: tests subclass it to see what a model without its own batching gets, or to record calls. Closing it leaves the
 * model open.
 */
public class ForwardingPolicy implements Policy {
    protected final Policy m;

    public ForwardingPolicy(Policy m) {
        this.m = m;
    }

    @Override
    public String modelType() {
        return m.modelType();
    }

    @Override
    public List<Rollout> generate(Prompt p, int g, SamplingParams sp, RandomGenerator r) {
        return m.generate(p, g, sp, r);
    }

    @Override
    public GroupLogProbs logProbs(Prompt p, List<int[]> c) {
        return m.logProbs(p, c);
    }

    @Override
    public int[] encode(String text) {
        return m.encode(text);
    }

    @Override
    public String decode(int[] tokens) {
        return m.decode(tokens);
    }

    @Override
    public int eosTokenId() {
        return m.eosTokenId();
    }

    @Override
    public List<Parameter> parameters() {
        return m.parameters();
    }

    @Override
    public List<Parameter> trainableParameters() {
        return m.trainableParameters();
    }

    @Override
    public Policy frozenCopy() {
        return m.frozenCopy();
    }

    @Override
    public void save(Path d) {
        m.save(d);
    }

    @Override
    public void close() {
    }
}
