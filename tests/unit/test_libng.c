/*
 * test_libng.c: libnetgraph's client side against a small fake ngd (a
 * thread per connection on a socket in a temporary directory, not ngd's
 * name): every message is answered with a reply, then its status, as ngd
 * answers them (ngd_proto.h).  The cases are about what the library
 * keeps per descriptor: a reply filed while another thread's connection
 * grows the library's table of descriptors must still be read (it was
 * lost, and the reader waited for it forever: jail -r hung).  A watchdog
 * turns a hang into a failure.
 */
#include <netgraph.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ngd_proto.h"
#include "ngtest.h"

#define WATCHDOG_S 10
#define THREADS 8
#define ROUNDS 40

static char dir[] = "/tmp/libng.XXXXXX";
static char sockpath[64];
static const char *phase = "start";
static uint32_t next_id = 1;
static pthread_mutex_t id_mu = PTHREAD_MUTEX_INITIALIZER;
static volatile bool hello_parts; /* a hello said it joins pieces */

#define LONG_LEN (300 * 1000) /* cmd 2's reply, in pieces */
#define PIECE 100000

static void
send_frame(int fd, uint16_t kind, uint32_t error, uint32_t id, const char *addr,
    const void *p, size_t plen)
{
	struct ngd_frame fr = { .kind = kind,
		.error = error,
		.id = id,
		.version = NGD_PROTO_VERSION };
	size_t alen = addr != NULL ? strlen(addr) : 0;
	struct iovec iov[3] = { { &fr, sizeof(fr) }, { (void *)addr, alen },
		{ (void *)p, plen } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 3 };

	fr.addrlen = (uint16_t)alen;
	(void)sendmsg(fd, &mh, MSG_NOSIGNAL);
}

/*
 * Cmd 2 and 3's reply: LONG_LEN bytes of arguments (byte i is i % 251)
 * as ngd sends a frame longer than a datagram holds, in pieces of PIECE
 * bytes of the frame (ngd_proto.h); for cmd 3, the second piece says it
 * begins one byte late.
 */
static void
send_long(int fd, const struct ng_mesg *req)
{
	static const char addr[] = "[2]:";
	size_t len = sizeof(struct ngd_frame) + 4 + sizeof(*req) + LONG_LEN;
	uint8_t *whole = malloc(len), *p;
	struct ngd_frame fr = { .kind = NGD_MSG,
		.addrlen = 4,
		.version = NGD_PROTO_VERSION };
	struct ng_mesg m = *req;

	if (whole == NULL)
		return;
	m.header.flags |= NGF_RESP;
	m.header.arglen = LONG_LEN;
	memcpy(whole, &fr, sizeof(fr));
	memcpy(whole + sizeof(fr), addr, 4);
	memcpy(whole + sizeof(fr) + 4, &m, sizeof(m));
	p = whole + sizeof(fr) + 4 + sizeof(m);
	for (size_t i = 0; i < LONG_LEN; i++)
		p[i] = (uint8_t)(i % 251);
	for (size_t at = 0; at < len; at += PIECE) {
		size_t n = len - at < PIECE ? len - at : PIECE;
		struct ngd_frame ph = { .kind = at + n < len ? NGD_PART :
							       NGD_PART_END,
			.error = (uint32_t)at,
			.id = (uint32_t)len,
			.version = NGD_PROTO_VERSION };
		struct iovec iov[2] = { { &ph, sizeof(ph) },
			{ whole + at, n } };
		struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };

		if (req->header.cmd == 3 && at == PIECE)
			ph.error++;
		(void)sendmsg(fd, &mh, MSG_NOSIGNAL);
	}
	free(whole);
}

/* One client: a hello gets a node ID, a message its reply (the name
 * "fake0", or a long one: send_long) and then its status. */
static void *
serve_conn(void *arg)
{
	int fd = (int)(intptr_t)arg;
	uint8_t buf[4096];
	struct ngd_frame fr;
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf), 0)) >= (ssize_t)sizeof(fr)) {
		uint32_t id = 0;

		memcpy(&fr, buf, sizeof(fr));
		if (fr.kind == NGD_HELLO_CTL) {
			if (fr.error & NGD_HELLO_PARTS)
				hello_parts = true;
			pthread_mutex_lock(&id_mu);
			id = next_id++;
			pthread_mutex_unlock(&id_mu);
		} else if (fr.kind == NGD_MSG &&
		    (size_t)n >=
			sizeof(fr) + fr.addrlen + sizeof(struct ng_mesg)) {
			struct {
				struct ng_mesg m;
				char name[8];
			} rep;

			memcpy(&rep.m, buf + sizeof(fr) + fr.addrlen,
			    sizeof(rep.m));
			if (rep.m.header.cmd == 2 || rep.m.header.cmd == 3) {
				send_long(fd, &rep.m);
				send_frame(fd, NGD_STATUS, 0, id, NULL, NULL,
				    0);
				continue;
			}
			rep.m.header.flags |= NGF_RESP;
			rep.m.header.arglen = sizeof(rep.name);
			snprintf(rep.name, sizeof(rep.name), "fake0");
			send_frame(fd, NGD_MSG, 0, 0, "[2]:", &rep,
			    sizeof(rep));
		}
		send_frame(fd, NGD_STATUS, 0, id, NULL, NULL, 0);
	}
	close(fd);
	return NULL;
}

static void *
serve(void *arg)
{
	int lfd = (int)(intptr_t)arg, fd;
	pthread_t t;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0)
		if (pthread_create(&t, NULL, serve_conn,
			(void *)(intptr_t)fd) == 0)
			pthread_detach(t);
	return NULL;
}

static void
watchdog(int sig)
{
	(void)sig;
	printf("FAIL %s: a reply never came (hung %d s)\n", phase, WATCHDOG_S);
	fflush(stdout);
	unlink(sockpath);
	rmdir(dir);
	_exit(1);
}

/* Ask over cs and read the reply: 0, or the errno. */
static int
ask(int cs)
{
	union {
		struct ng_mesg m;
		char buf[sizeof(struct ng_mesg) + 64];
	} rep;

	if (NgSendMsg(cs, "fake0:", 0x1234, 1, NULL, 0) < 0)
		return errno;
	if (NgRecvMsg(cs, &rep.m, sizeof(rep), NULL) < 0)
		return errno;
	return (rep.m.header.flags & NGF_RESP) != 0 &&
		strcmp((char *)rep.m.data, "fake0") == 0 ?
	    0 :
	    EPROTO;
}

/*
 * One thread: a connection opened, then another past the table's end
 * (descriptors held open in between make it grow), then the first one
 * asks.
 */
static void
grow_then_ask(int *errp)
{
	int cs, cs2, pad[40], np = 0;

	*errp = 0;
	if (NgMkSockNode(NULL, &cs, NULL) != 0) {
		*errp = errno;
		return;
	}
	while (np < 40 && (pad[np] = dup(cs)) >= 0)
		np++;
	if (NgMkSockNode(NULL, &cs2, NULL) != 0)
		*errp = errno;
	else
		close(cs2);
	while (np > 0)
		close(pad[--np]);
	if (*errp == 0)
		*errp = ask(cs);
	close(cs);
}

static void *
worker(void *arg)
{
	int *errp = arg, cs, error;

	for (int r = 0; r < ROUNDS && *errp == 0; r++) {
		if (r % 4 == 0) {
			grow_then_ask(errp);
			continue;
		}
		if (NgMkSockNode(NULL, &cs, NULL) != 0) {
			*errp = errno;
			break;
		}
		error = ask(cs);
		close(cs);
		if (error != 0)
			*errp = error;
	}
	return NULL;
}

/*
 * A reply in pieces (cmd 2) is read as one, whole; pieces that do not
 * join (cmd 3: one says it begins a byte late) fail the read (EPROTO),
 * and the connection with it.
 */
static void
test_pieces(void)
{
	struct ng_mesg *rep = NULL;
	bool same = false;
	int cs, len;

	hello_parts = false;
	if (NgMkSockNode(NULL, &cs, NULL) != 0) {
		CHECK_INT("pieces/socket", errno, 0);
		return;
	}
	CHECK("pieces/the hello says it joins them", hello_parts);
	len = NgSendMsg(cs, "fake0:", 0x1234, 2, NULL, 0) < 0 ?
	    -1 :
	    NgAllocRecvMsg(cs, &rep, NULL);
	CHECK_INT("pieces/the reply, whole",
	    len == (int)(sizeof(*rep) + LONG_LEN) &&
		rep->header.arglen == LONG_LEN,
	    1);
	if (len == (int)(sizeof(*rep) + LONG_LEN)) {
		same = true;
		for (size_t i = 0; i < LONG_LEN && same; i++)
			same = rep->data[i] == (char)(uint8_t)(i % 251);
	}
	CHECK("pieces/its bytes in order", same);
	free(rep);
	rep = NULL;
	errno = 0;
	len = NgSendMsg(cs, "fake0:", 0x1234, 3, NULL, 0) < 0 ?
	    -1 :
	    NgAllocRecvMsg(cs, &rep, NULL);
	CHECK_INT("pieces/a gap between pieces: EPROTO", len < 0 ? errno : 0,
	    EPROTO);
	free(rep);
	close(cs);
}

int
main(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	pthread_t srv, t[THREADS];
	int lfd, error, errs[THREADS];

	signal(SIGALRM, watchdog);
	alarm(WATCHDOG_S);
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(sockpath, sizeof(sockpath), "%s/ngd", dir);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sockpath);
	lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    listen(lfd, 128) != 0) {
		perror("fake ngd");
		return 1;
	}
	setenv("NGD_SOCKET", sockpath, 1);
	pthread_create(&srv, NULL, serve, (void *)(intptr_t)lfd);

	/* One thread: a reply filed after the table grew. */
	phase = "grow_one";
	grow_then_ask(&error);
	CHECK_INT("grow_one", error, 0);

	/* Threads connecting, growing the table and asking at once. */
	phase = "grow_threads";
	for (int i = 0; i < THREADS; i++) {
		errs[i] = 0;
		pthread_create(&t[i], NULL, worker, &errs[i]);
	}
	error = 0;
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		if (errs[i] != 0 && error == 0)
			error = errs[i];
	}
	CHECK_INT("grow_threads", error, 0);

	/* A reply longer than a datagram holds comes in pieces, joined. */
	phase = "pieces";
	test_pieces();

	alarm(0);
	unlink(sockpath);
	rmdir(dir);
	return ngt_done();
}
