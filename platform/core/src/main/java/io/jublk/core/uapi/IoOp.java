package io.jublk.core.uapi;

/** {@code UBLK_IO_OP_*} and {@code UBLK_IO_F_*}: what an {@link IoDesc} asks for. */
public final class IoOp {
    public static final int READ = 0;
    public static final int WRITE = 1;
    public static final int FLUSH = 2;
    public static final int DISCARD = 3;
    public static final int WRITE_SAME = 4;
    public static final int WRITE_ZEROES = 5;
    public static final int ZONE_OPEN = 10;
    public static final int ZONE_CLOSE = 11;
    public static final int ZONE_FINISH = 12;
    public static final int ZONE_APPEND = 13;
    public static final int ZONE_RESET_ALL = 14;
    public static final int ZONE_RESET = 15;
    public static final int REPORT_ZONES = 18;

    public static final int FLAG_FAILFAST_DEV = 1 << 8;
    public static final int FLAG_FAILFAST_TRANSPORT = 1 << 9;
    public static final int FLAG_FAILFAST_DRIVER = 1 << 10;
    public static final int FLAG_META = 1 << 11;
    public static final int FLAG_FUA = 1 << 13;
    public static final int FLAG_NOUNMAP = 1 << 15;
    public static final int FLAG_SWAP = 1 << 16;
    /**
     * UBLK_IO_F_NEED_REG_BUF (6.16+): the kernel could not put this request's pages into the buffer table
     * (UBLK_F_AUTO_BUF_REG with {@link IoCmd#AUTO_BUF_REG_FALLBACK}); the server must reach the data another way.
     */
    public static final int FLAG_NEED_REG_BUF = 1 << 17;

    private IoOp() {
    }

    public static String name(int op) {
        return switch (op) {
            case READ -> "READ";
            case WRITE -> "WRITE";
            case FLUSH -> "FLUSH";
            case DISCARD -> "DISCARD";
            case WRITE_SAME -> "WRITE_SAME";
            case WRITE_ZEROES -> "WRITE_ZEROES";
            case ZONE_OPEN -> "ZONE_OPEN";
            case ZONE_CLOSE -> "ZONE_CLOSE";
            case ZONE_FINISH -> "ZONE_FINISH";
            case ZONE_APPEND -> "ZONE_APPEND";
            case ZONE_RESET_ALL -> "ZONE_RESET_ALL";
            case ZONE_RESET -> "ZONE_RESET";
            case REPORT_ZONES -> "REPORT_ZONES";
            default -> "OP_" + op;
        };
    }
}
