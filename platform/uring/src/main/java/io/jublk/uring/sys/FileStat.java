package io.jublk.uring.sys;

/**
 * What {@link Linux#fstat(int)} reports (from statx, whose layout is the same on every architecture).
 *
 * @param size       size in bytes (0 for block devices: use {@link Linux#blockDeviceSize(int)})
 * @param mode       st_mode: file type and permission bits
 * @param blockSize  preferred I/O block size
 * @param rdevMajor  device major number, for device files
 * @param rdevMinor  device minor number, for device files
 */
public record FileStat(long size, int mode, int blockSize, int rdevMajor, int rdevMinor) {
    private static final int S_IFMT = 0170000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFBLK = 0060000;
    private static final int S_IFCHR = 0020000;

    public boolean isRegularFile() {
        return (mode & S_IFMT) == S_IFREG;
    }

    public boolean isBlockDevice() {
        return (mode & S_IFMT) == S_IFBLK;
    }

    public boolean isCharacterDevice() {
        return (mode & S_IFMT) == S_IFCHR;
    }
}
