package io.jublk.core.queue;

import io.jublk.core.uapi.IoDesc;
import io.jublk.core.uapi.IoOp;
import io.jublk.target.IoOperation;
import io.jublk.target.IoRequest;
import io.jublk.uring.sys.Errno;
import java.lang.foreign.MemorySegment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Both checks at the queue's boundary with the kernel: a descriptor the kernel wrote is checked before a
 * target sees it ({@link #describe}), and a target's answer is checked before the kernel sees it
 * ({@link #checkedResult}). Queue thread only.
 */
final class RequestDecoder {
    private static final Logger LOG = LoggerFactory.getLogger(RequestDecoder.class);
    private static final int SECTOR_SHIFT = 9;
    private static final int EIO = Errno.EIO.number();
    /** The largest errno the kernel knows (MAX_ERRNO): a lower "error" is garbage. */
    private static final int MAX_ERRNO = 4095;

    private final QueueSpec spec;
    private long fallbacks;

    RequestDecoder(QueueSpec spec) {
        this.spec = spec;
    }

    /**
     * Fills {@code request} from the tag's descriptor; returns 0, or the errno that fails a request the
     * queue must not serve (unknown operation, out of the disk, larger than the request buffer or an int).
     *
     * @param registeredBuffers whether the target attached now takes registered buffers (zero copy)
     */
    int describe(MemorySegment descriptors, TagRequest request, int tag, boolean registeredBuffers) {
        int opFlags = IoDesc.opFlags(descriptors, tag);
        int sectors = IoDesc.sectors(descriptors, tag);
        long start = IoDesc.startSector(descriptors, tag);
        IoOperation operation = switch (opFlags & 0xff) {
            case IoOp.READ -> IoOperation.READ;
            case IoOp.WRITE -> IoOperation.WRITE;
            case IoOp.FLUSH -> IoOperation.FLUSH;
            case IoOp.DISCARD -> IoOperation.DISCARD;
            case IoOp.WRITE_ZEROES -> IoOperation.WRITE_ZEROES;
            default -> null;
        };
        request.operation = operation;
        request.fua = (opFlags & IoOp.FLAG_FUA) != 0;
        request.noUnmap = (opFlags & IoOp.FLAG_NOUNMAP) != 0;
        request.offset = start << SECTOR_SHIFT;
        request.length = 0;
        request.bufferIndex = IoRequest.IN_BUFFER;
        request.userCopy = false;
        request.copiedBySyscall = false;
        if (operation == null) {
            return Errno.EOPNOTSUPP.number();
        }
        if (operation == IoOperation.FLUSH) {
            return 0;
        }
        long bytes = (long) sectors << SECTOR_SHIFT;
        if (sectors <= 0 || start < 0 || start > spec.deviceSectors() - sectors) {
            return Errno.EINVAL.number();
        }
        boolean moves = operation == IoOperation.READ || operation == IoOperation.WRITE;
        if (moves && bytes > spec.maxIoBytes() || bytes > Integer.MAX_VALUE) {
            // never truncated: a DISCARD of less than asked would leave old data the caller thinks gone
            return Errno.EINVAL.number();
        }
        request.length = (int) bytes;
        return moves ? placeData(request, tag, opFlags, registeredBuffers) : 0;
    }

    /** Where a READ or WRITE's data is for the target; returns 0, or EIO when it cannot be reached. */
    private int placeData(TagRequest request, int tag, int opFlags, boolean registeredBuffers) {
        if (!spec.zeroCopy()) {
            request.userCopy = spec.userCopy(); // copy mode, or USER_COPY
            return 0;
        }
        boolean pagesInTable = (opFlags & IoOp.FLAG_NEED_REG_BUF) == 0;
        if (pagesInTable && registeredBuffers) {
            request.bufferIndex = tag;
            return 0;
        }
        if (!spec.userCopy()) {
            return EIO; // the data is nowhere this queue or its target can reach
        }
        // the kernel could not register the pages (the fallback jublk asks for), or the target cannot use them
        request.userCopy = true;
        if (!pagesInTable && fallbacks++ == 0) {
            LOG.warn("queue {} of device {}: the kernel could not register a request's buffer; serving such"
                    + " requests through USER_COPY", spec.queueId(), spec.deviceId());
        }
        return 0;
    }

    /**
     * The target's answer as the kernel may see it: a READ or WRITE that did nothing (0, which the kernel
     * would requeue for ever) or more than asked, or an error no errno has, becomes -EIO, logged; other
     * operations succeed with 0.
     */
    int checkedResult(TagRequest request, int tag, int result) {
        if (result < 0) {
            if (result >= -MAX_ERRNO) {
                return result;
            }
        } else if (request.operation != IoOperation.READ && request.operation != IoOperation.WRITE) {
            return 0;
        } else if (result > 0 && result <= request.length) {
            return result;
        }
        LOG.error("device {} queue {} tag {}: the target answered {} with {}; failing it with EIO",
                spec.deviceId(), spec.queueId(), tag, request, result);
        return -EIO;
    }
}
