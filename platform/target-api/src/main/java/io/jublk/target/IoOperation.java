package io.jublk.target;

/** What a request asks of a target. The core fails other kernel operations itself. */
public enum IoOperation {
    READ, WRITE, FLUSH, DISCARD, WRITE_ZEROES
}
