/*
 * Reference NOP throughput straight from C with liburing, to put the Java figure in context:
 * same loop shape as NopLoop (fill a batch, one submit-and-wait, reap the batch).
 * Build: cc -O2 -o nop_ref nop_ref.c -luring      Run: ./nop_ref BATCH SECONDS
 */
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double clock_s(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double now(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

int main(int argc, char **argv)
{
	unsigned batch = argc > 1 ? atoi(argv[1]) : 32;
	double seconds = argc > 2 ? atof(argv[2]) : 5;
	unsigned entries = batch < 8 ? 8 : batch;
	struct io_uring_params p = { .flags = IORING_SETUP_SUBMIT_ALL | IORING_SETUP_SINGLE_ISSUER |
					      IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_TASKRUN_FLAG };
	struct io_uring ring;
	int ret = io_uring_queue_init_params(entries, &ring, &p);
	if (ret < 0) {
		fprintf(stderr, "io_uring_queue_init_params: %d\n", ret);
		return 1;
	}
	io_uring_register_ring_fd(&ring);
	unsigned long long ops = 0;
	double start = now(), end = start + seconds, t;
	double cpu0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
	while ((t = now()) < end) {
		for (unsigned i = 0; i < batch; i++)
			io_uring_prep_nop(io_uring_get_sqe(&ring));
		io_uring_submit_and_wait(&ring, batch);
		struct io_uring_cqe *cqe;
		unsigned head, seen = 0;
		io_uring_for_each_cqe(&ring, head, cqe)
			seen++;
		io_uring_cq_advance(&ring, seen);
		ops += seen;
	}
	double cpu = clock_s(CLOCK_THREAD_CPUTIME_ID) - cpu0;
	printf("nop_c batch=%u ops_per_sec=%.0f ops_per_cpu_sec=%.0f seconds=%.2f\n", batch, ops / (t - start),
	       ops / cpu, t - start);
	io_uring_queue_exit(&ring);
	return 0;
}
