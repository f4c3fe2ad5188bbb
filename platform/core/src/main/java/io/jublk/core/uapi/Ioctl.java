package io.jublk.core.uapi;

/** Linux's {@code _IOC} encoding, which ublk uses for its opcodes since 6.4 (CMD_IOCTL_ENCODE). */
final class Ioctl {
    private static final int NR_SHIFT = 0;
    private static final int TYPE_SHIFT = 8;
    private static final int SIZE_SHIFT = 16;
    private static final int DIR_SHIFT = 30;
    static final int WRITE = 1;
    static final int READ = 2;

    private Ioctl() {
    }

    static int encode(int dir, char type, int nr, int size) {
        return (dir << DIR_SHIFT) | (size << SIZE_SHIFT) | (type << TYPE_SHIFT) | (nr << NR_SHIFT);
    }

    static int ior(char type, int nr, int size) {
        return encode(READ, type, nr, size);
    }

    static int iowr(char type, int nr, int size) {
        return encode(READ | WRITE, type, nr, size);
    }
}
