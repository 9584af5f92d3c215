// Every limit the server enforces so that one user cannot hurt the others, in one place
// (docs/protocol.md, "Limits"). Clients import the ones they must respect.

const MiB = 1024 * 1024;

// Request bodies.
/** Largest commit body: 10,000 changes with 100-block files fit easily. */
export const MAX_COMMIT_BYTES = 32 * MiB;
/** Most changes in one commit request. */
export const MAX_COMMIT_CHANGES = 10_000;
/** Largest body of a small JSON route (restore, and the like). */
export const MAX_SMALL_JSON_BYTES = 1 * MiB;
/** Largest batch upload body: the client sends 8 MiB batches; this leaves room and bounds memory. */
export const MAX_BATCH_BYTES = 64 * MiB;
/** Largest JSON body of POST /v1/blocks/missing (about 240,000 hashes). */
export const MAX_MISSING_BYTES = 16 * MiB;
/** Largest JSON body of POST /v1/blocks/get (4,096 hashes need about 280 KB). */
export const MAX_GET_REQUEST_BYTES = 1 * MiB;
/** Most hashes in one POST /v1/blocks/get. */
export const MAX_GET_HASHES = 4096;
/** Most bytes one POST /v1/blocks/get answers with, repeats counted; a request for more is refused (413). */
export const MAX_GET_BYTES = 64 * MiB;
/** Most hashes one GET /v1/blocks/wanted answer names; the rest follow as those heal. */
export const MAX_WANTED_HASHES = 1000;

// Pages.
/** GET /v1/list: entries per page, default and most. */
export const DEFAULT_LIST_LIMIT = 1000;
export const MAX_LIST_LIMIT = 10_000;
/** GET /v1/revisions: revisions per page, default and most. */
export const DEFAULT_REVISIONS_LIMIT = 1000;
export const MAX_REVISIONS_LIMIT = 1000;
/**
 * Most block hashes in one list or revisions page (about 13 MB of JSON): a page of big files
 * ends early, with `hasMore`. A page always holds at least one entry.
 */
export const MAX_PAGE_BLOCKS = 200_000;

// Long-polls and pending uploads.
/** Longest long-poll a client may ask for. */
export const MAX_LONGPOLL_SECONDS = 600;
/** Most pending uploads kept per namespace; the oldest goes first. */
export const MAX_PENDING_PER_NAMESPACE = 256;
/** Most block hashes held in one namespace's pending uploads (1 TiB of files); the oldest go first. */
export const MAX_PENDING_BLOCKS_PER_NAMESPACE = 262_144;

// Requests in flight per user: more are answered 429 with Retry-After.
/** Requests other than long-polls at once (a few devices with 8 connections each). */
export const MAX_REQUESTS_PER_USER = 32;
/** Long-polls waiting at once (one per device). */
export const MAX_LONGPOLLS_PER_USER = 16;
/** Retry-After of a refused request, and of a refused long-poll, seconds. */
export const RETRY_AFTER_SEC = 1;
export const LONGPOLL_RETRY_AFTER_SEC = 10;
/** Longest Retry-After a client waits for before asking again, seconds. */
export const MAX_CLIENT_RETRY_AFTER_SEC = 60;
/** How long a client keeps retrying 429 answers before it reports the server unavailable. */
export const MAX_CLIENT_RETRY_WAIT_SEC = 300;

// Timeouts (real clients send headers in one packet; bodies may crawl on a slow link).
/** All request headers must arrive within this. */
export const HEADERS_TIMEOUT_MS = 20_000;
/** A request body that sends no byte for this long is answered 408 and cut. */
export const BODY_IDLE_MS = 30_000;
/** The whole request, body included, must arrive within this (64 MiB at 2 Mbit/s). */
export const REQUEST_TIMEOUT_MS = 300_000;
/** An idle keep-alive connection is closed after this (longer than common proxies' 60 s). */
export const KEEP_ALIVE_MS = 65_000;
/** How often the server checks connections against the header and request timeouts. */
export const TIMEOUT_CHECK_MS = 1000;
