package io.counterflow.connectors.snapshot;

import org.apache.flink.core.io.SimpleVersionedSerializer;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Objects;

/**
 * The committable of the version sink: a model version written completely into the staging area of a publication
 * root, waiting for its checkpoint to complete. Checkpointed by the committer until published (serialised by
 * {@link Serializer}, versioned).
 */
public final class StagedVersion {
    final String name;
    final long checkpointId;
    final long step;
    final long trainedSamples;
    /** The staged directory (a Flink file-system URI). */
    final String stagedPath;
    /** The manifest's {@code info} as JSON, for the announcement. */
    final String infoJson;

    StagedVersion(String name, long checkpointId, long step, long trainedSamples, String stagedPath,
            String infoJson) {
        this.name = Objects.requireNonNull(name, "name");
        this.checkpointId = checkpointId;
        this.step = step;
        this.trainedSamples = trainedSamples;
        this.stagedPath = Objects.requireNonNull(stagedPath, "stagedPath");
        this.infoJson = Objects.requireNonNull(infoJson, "infoJson");
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof StagedVersion)) {
            return false;
        }
        StagedVersion s = (StagedVersion) o;
        return name.equals(s.name) && checkpointId == s.checkpointId && step == s.step
                && trainedSamples == s.trainedSamples && stagedPath.equals(s.stagedPath) && infoJson.equals(s.infoJson);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, checkpointId, step, stagedPath);
    }

    @Override
    public String toString() {
        return "StagedVersion{" + name + " at " + stagedPath + "}";
    }

    /** Version 1: name, checkpoint id, step, trained samples, staged path, info JSON. */
    static final class Serializer implements SimpleVersionedSerializer<StagedVersion> {
        static final int VERSION = 1;

        @Override
        public int getVersion() {
            return VERSION;
        }

        @Override
        public byte[] serialize(StagedVersion s) throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeUTF(s.name);
                out.writeLong(s.checkpointId);
                out.writeLong(s.step);
                out.writeLong(s.trainedSamples);
                out.writeUTF(s.stagedPath);
                byte[] info = s.infoJson.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                out.writeInt(info.length);
                out.write(info);
            }
            return bytes.toByteArray();
        }

        @Override
        public StagedVersion deserialize(int version, byte[] serialized) throws IOException {
            if (version != VERSION) {
                throw new IOException("staged model version: unknown serializer version " + version
                        + " (this build reads " + VERSION + ")");
            }
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
                String name = in.readUTF();
                long cp = in.readLong();
                long step = in.readLong();
                long trained = in.readLong();
                String path = in.readUTF();
                byte[] info = new byte[in.readInt()];
                in.readFully(info);
                return new StagedVersion(name, cp, step, trained, path,
                        new String(info, java.nio.charset.StandardCharsets.UTF_8));
            }
        }
    }
}
