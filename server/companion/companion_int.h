/*
 * What the files of companion mode share: the companion's state and the requests in flight on
 * either side. companion.c runs gopls and relays its messages; companion_client.c relays the
 * client's. Loop thread only.
 */
#ifndef GE_SERVER_COMPANION_INT_H
#define GE_SERVER_COMPANION_INT_H

#include "companion/companion.h"
#include "io/transport.h"
#include "strmap.h"

#include <uv.h>

/* How a request forwarded to gopls is answered. */
enum ge_fwd_kind { GE_FWD_PASS, GE_FWD_MERGE, GE_FWD_INIT, GE_FWD_OWN_INIT, GE_FWD_DROP };

struct ge_fwd {
    struct ge_fwd *next;
    json_t *id;        /* owned */
    json_t *msg;       /* owned: the client's request, for GE_FWD_INIT and GE_FWD_MERGE */
    json_t *ours;      /* owned: goescape's result for GE_FWD_MERGE, or NULL */
    bool ours_made;    /* ours was made, at the server's render_gen ours_gen */
    uint64_t ours_gen; /* ours is reused while render_gen is still this */
    enum ge_fwd_kind kind;
    bool hover; /* a textDocument/hover of kind GE_FWD_MERGE */
};

/* A request gopls sent to the client, under the id goescape gave it. */
struct ge_back {
    struct ge_back *next;
    struct ge_companion *c;
    json_t *gopls_id; /* owned */
    json_int_t our_id;
    unsigned gen;
    bool answered;
};

struct ge_gopls {
    struct ge_companion *c;
    uv_process_t proc;
    struct ge_transport tr;
    int handles;     /* open: the process handle and the transport */
    bool exited;     /* the process is gone or was never started */
    bool tr_closing; /* ge_transport_close was called */
    unsigned gen;
};

struct ge_companion {
    struct ge_server *s;
    struct ge_gopls *g; /* the running gopls, or NULL */
    unsigned gen;
    struct ge_fwd *fwds;
    size_t nfwds; /* capped at GE_COMPANION_WAITING_MAX */
    struct ge_back *backs;
    size_t nbacks;  /* capped at GE_COMPANION_ASKING_MAX */
    bool fwds_full; /* the cap was hit and not yet left: it is logged once per episode */
    bool backs_full;
    struct ge_strmap diags; /* uri -> the lists of companion_diags.c */
    json_t *init_params;    /* owned: the client's initialize params, for restarts */
    bool initialized;       /* the client sent initialized */
    int restarts;
    bool told;
    char *untold; /* owned: what happened before the client's initialize was answered */
    bool stopping;
    uv_timer_t restart_timer;
    uv_timer_t kill_timer;
    int timers;
    json_int_t own_ids;
};

/* The error a request gets when gopls cannot answer it (LSP RequestFailed). */
#define GE_COMPANION_FAILED (-32803)

/* True while a gopls runs and has not exited. */
bool ge_companion__alive(struct ge_companion *c);
/* Sends a body (borrowed) to gopls as it came, behind a header of our own. Returns 0 or a
 * negative errno (-EPIPE when gopls is not running); failures are logged. */
int ge_companion__send_gopls_body(struct ge_companion *c, const char *body, size_t len);
/* Sends a message (stolen) to gopls; 0 or a negative errno, logged. */
int ge_companion__send_gopls(struct ge_companion *c, json_t *msg_new);
/* A request now waits for gopls under id (borrowed); the new entry is returned (owned by
 * the list). */
struct ge_fwd *ge_companion__fwd_add(struct ge_companion *c, json_t *id, enum ge_fwd_kind kind);
/* Takes the newest waiting request off the list (the caller owns it), or returns NULL. */
struct ge_fwd *ge_companion__fwd_pop(struct ge_companion *c);
/* True when one more request may wait for gopls (GE_COMPANION_WAITING_MAX). */
bool ge_companion__fwd_room(struct ge_companion *c);
void ge_companion__fwd_free(struct ge_fwd *f);
/* Makes goescape's part of merged request f, or keeps the one made at the server's current
 * render_gen. */
void ge_companion__make_ours(struct ge_companion *c, struct ge_fwd *f);
/* Answers the client's request f from gopls's result or error (borrowed, either may be NULL)
 * and the body they came in (NULL when gopls could not answer). */
void ge_companion__answer(struct ge_companion *c, struct ge_fwd *f, json_t *result, json_t *error,
                          const char *body, size_t len);
/* The goescape section of settings meant for both servers, as {"goescape": {...}} (new), or
 * NULL. */
json_t *ge_companion__own_section(json_t *settings);

#endif
