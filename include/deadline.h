/* SPDX-License-Identifier: MIT */
/*
 * deadline: cuts off request bodies that arrive too slowly. A worker
 * arms a deadline before it reads a body and disarms it after; if the
 * deadline passes first, the connection's reading side is shut down, so
 * the read in progress returns at once. See src/deadline.c for why this
 * is needed with CivetWeb and how the connection is found.
 */
#ifndef ASSETD_DEADLINE_H
#define ASSETD_DEADLINE_H

struct deadline_watch;

/* Starts the watchdog thread with room for slots armed deadlines at
 * once (one per worker thread). Returns NULL on failure. */
struct deadline_watch *deadline_start(unsigned slots);

/* Stops the thread. w may be NULL. */
void deadline_stop(struct deadline_watch *w);

/*
 * Arms a deadline ms from now for the TCP connection from client
 * (dotted IPv4 text) port client_port to our local_port. Returns a slot
 * for deadline_disarm(), or -1 when every slot is taken (the read then
 * runs without a deadline; it cannot happen with one slot per worker).
 */
int deadline_arm(struct deadline_watch *w, const char *client,
		 int client_port, int local_port, unsigned ms);

/* Disarms a slot. Returns 1 if the deadline had passed and the
 * connection was cut off, else 0. */
int deadline_disarm(struct deadline_watch *w, int slot);

#endif
