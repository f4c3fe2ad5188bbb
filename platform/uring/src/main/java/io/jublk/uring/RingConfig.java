package io.jublk.uring;

import java.time.Duration;
import java.util.Objects;

/**
 * How to set up a {@link Ring}. Required features ({@code sqe128}, {@code cqe32}, {@code cqEntries})
 * fail the setup when the kernel lacks them; the speed-ups (SINGLE_ISSUER, DEFER_TASKRUN or
 * COOP_TASKRUN, SUBMIT_ALL, a registered ring fd) are used when the kernel has them and dropped otherwise.
 *
 * <pre>{@code
 * // ublk control ring: 128-byte SQEs for the 80-byte URING_CMD area
 * RingConfig control = RingConfig.builder(4).sqe128(true).build();
 * // ublk queue ring: FETCH/COMMIT commands plus backing-file I/O, woken by other threads
 * RingConfig queue = RingConfig.builder(2 * depth).cqEntries(4 * depth).wakeable(true).build();
 * }</pre>
 */
public final class RingConfig {
    private final int entries;
    private final int cqEntries;
    private final boolean sqe128;
    private final boolean cqe32;
    private final boolean singleIssuer;
    private final boolean deferTaskrun;
    private final boolean coopTaskrun;
    private final boolean submitAll;
    private final boolean registerRingFd;
    private final boolean wakeable;
    private final boolean handOff;
    private final Duration closeTimeout;

    private RingConfig(Builder b) {
        this.entries = b.entries;
        this.cqEntries = b.cqEntries;
        this.sqe128 = b.sqe128;
        this.cqe32 = b.cqe32;
        this.singleIssuer = b.singleIssuer;
        this.deferTaskrun = b.deferTaskrun;
        this.coopTaskrun = b.coopTaskrun;
        this.submitAll = b.submitAll;
        this.registerRingFd = b.registerRingFd;
        this.wakeable = b.wakeable;
        this.handOff = b.handOff;
        this.closeTimeout = b.closeTimeout;
    }

    /** A builder for a ring with {@code entries} SQ slots (1 to 32768; the kernel rounds up to a power of two). */
    public static Builder builder(int entries) {
        return new Builder(entries);
    }

    public int entries() {
        return entries;
    }

    /** Requested CQ size, or 0 for the kernel's default of twice the SQ size. */
    public int cqEntries() {
        return cqEntries;
    }

    public boolean sqe128() {
        return sqe128;
    }

    public boolean cqe32() {
        return cqe32;
    }

    public boolean singleIssuer() {
        return singleIssuer;
    }

    public boolean deferTaskrun() {
        return deferTaskrun;
    }

    public boolean coopTaskrun() {
        return coopTaskrun;
    }

    public boolean submitAll() {
        return submitAll;
    }

    public boolean registerRingFd() {
        return registerRingFd;
    }

    public boolean wakeable() {
        return wakeable;
    }

    public boolean handOff() {
        return handOff;
    }

    public Duration closeTimeout() {
        return closeTimeout;
    }

    @Override
    public String toString() {
        return "RingConfig[entries=" + entries + ", cqEntries=" + cqEntries + ", sqe128=" + sqe128
                + ", cqe32=" + cqe32 + ", singleIssuer=" + singleIssuer + ", deferTaskrun=" + deferTaskrun
                + ", coopTaskrun=" + coopTaskrun + ", submitAll=" + submitAll + ", registerRingFd="
                + registerRingFd + ", wakeable=" + wakeable + ", handOff=" + handOff + ", closeTimeout="
                + closeTimeout + "]";
    }

    /** Builder; every setter validates its argument. */
    public static final class Builder {
        private final int entries;
        private int cqEntries;
        private boolean sqe128;
        private boolean cqe32;
        private boolean singleIssuer = true;
        private boolean deferTaskrun = true;
        private boolean coopTaskrun = true;
        private boolean submitAll = true;
        private boolean registerRingFd = true;
        private boolean wakeable;
        private boolean handOff;
        private Duration closeTimeout = Duration.ofSeconds(5);

        private Builder(int entries) {
            if (entries < 1 || entries > IoUring.MAX_ENTRIES) {
                throw new IllegalArgumentException("entries must be 1.." + IoUring.MAX_ENTRIES + ": " + entries);
            }
            this.entries = entries;
        }

        /** CQ size (IORING_SETUP_CQSIZE); at least the SQ size, at most 65536. 0 keeps the default. */
        public Builder cqEntries(int cqEntries) {
            if (cqEntries != 0 && (cqEntries < entries || cqEntries > IoUring.MAX_CQ_ENTRIES)) {
                throw new IllegalArgumentException(
                        "cqEntries must be 0 or " + entries + ".." + IoUring.MAX_CQ_ENTRIES + ": " + cqEntries);
            }
            this.cqEntries = cqEntries;
            return this;
        }

        /** 128-byte SQEs (IORING_SETUP_SQE128), giving URING_CMD an 80-byte command area. Required when set. */
        public Builder sqe128(boolean on) {
            this.sqe128 = on;
            return this;
        }

        /** 32-byte CQEs (IORING_SETUP_CQE32). Required when set. */
        public Builder cqe32(boolean on) {
            this.cqe32 = on;
            return this;
        }

        /** Tell the kernel only the owner thread submits (IORING_SETUP_SINGLE_ISSUER), when supported. */
        public Builder singleIssuer(boolean on) {
            this.singleIssuer = on;
            return this;
        }

        /** Run completion work only when the owner waits (IORING_SETUP_DEFER_TASKRUN), when supported. */
        public Builder deferTaskrun(boolean on) {
            this.deferTaskrun = on;
            return this;
        }

        /** Fallback for DEFER_TASKRUN: IORING_SETUP_COOP_TASKRUN, when supported. */
        public Builder coopTaskrun(boolean on) {
            this.coopTaskrun = on;
            return this;
        }

        /** Keep submitting a batch after one SQE fails to prepare (IORING_SETUP_SUBMIT_ALL), when supported. */
        public Builder submitAll(boolean on) {
            this.submitAll = on;
            return this;
        }

        /** Register the ring fd with the owner thread to save an fd lookup per io_uring_enter, when supported. */
        public Builder registerRingFd(boolean on) {
            this.registerRingFd = on;
            return this;
        }

        /** Create a {@link Waker} (an eventfd read by the ring) so other threads can wake the owner. */
        public Builder wakeable(boolean on) {
            this.wakeable = on;
            return this;
        }

        /**
         * Create the ring disabled (IORING_SETUP_R_DISABLED) so that a different thread can take it
         * over with {@link Ring#adopt()}; files and buffers may be registered before that.
         */
        public Builder handOff(boolean on) {
            this.handOff = on;
            return this;
        }

        /** How long {@link Ring#close()} waits for cancelled operations to complete before leaking their memory. */
        public Builder closeTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("closeTimeout must not be negative: " + timeout);
            }
            this.closeTimeout = timeout;
            return this;
        }

        public RingConfig build() {
            return new RingConfig(this);
        }
    }
}
