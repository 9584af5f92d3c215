// Method + path dispatch, bearer-token authentication, the per-user limit on requests in
// flight, and one place where every thrown error becomes an error answer.

import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { SyncError } from '../../shared/common/errors.js';
import type { Caller } from '../store/accounts.js';
import type { Admission } from './admission.js';
import { HttpError, sendError } from './respond.js';

export interface Context {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** Captures of the route's pattern. */
  params: string[];
  /** The authenticated caller; routes declared `auth: false` get null. */
  caller: Caller | null;
}

export interface Route {
  method: string;
  /** An exact path or a pattern whose groups become `params`. */
  path: string | RegExp;
  auth: boolean;
  /** A long-poll: counted against the user's long-polls, not their other requests. */
  longpoll?: boolean;
  handle(ctx: Context): Promise<void> | void;
}

export interface RouterOptions {
  /** Requests in flight per user (authenticated routes only); none: no limit. */
  admission?: Admission;
  /** Server paths no error message may show (see sendError). */
  hidePaths?: readonly string[];
}

export type Authenticator = (token: string) => Caller | null | Promise<Caller | null>;

/** Caller of a route declared with `auth: true`. */
export function callerOf(ctx: Context): Caller {
  if (!ctx.caller) throw new SyncError('internal', 'route needs a caller but has none');
  return ctx.caller;
}

export function createRouter(routes: Route[], authenticate: Authenticator, options: RouterOptions = {}): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    void dispatch(routes, authenticate, options, req, res).catch((error: unknown) => sendError(req, res, error, options.hidePaths));
  };
}

async function dispatch(routes: Route[], authenticate: Authenticator, options: RouterOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://server');
  let pathMatched = false;
  for (const route of routes) {
    const params = match(route.path, url.pathname);
    if (!params) continue;
    pathMatched = true;
    if (route.method !== req.method) continue;
    const caller = route.auth ? await requireCaller(req, authenticate) : null;
    if (caller && options.admission) {
      const release = options.admission.enter(caller.userId, route.longpoll ? 'longpoll' : 'request', `${req.method} ${url.pathname}`);
      // 'close' comes once the answer is out or the client left, whichever is first.
      res.once('close', release);
    }
    await route.handle({ req, res, url, params, caller });
    return;
  }
  if (pathMatched) throw new HttpError(405, 'bad_request', `${req.method} ${url.pathname}: method not allowed`);
  throw new SyncError('not_found', `${req.method} ${url.pathname}: no such route`);
}

function match(pattern: string | RegExp, pathname: string): string[] | null {
  if (typeof pattern === 'string') return pattern === pathname ? [] : null;
  const m = pattern.exec(pathname);
  return m ? m.slice(1) : null;
}

async function requireCaller(req: IncomingMessage, authenticate: Authenticator): Promise<Caller> {
  const header = req.headers.authorization;
  const m = header ? /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header) : null;
  if (!m) throw new SyncError('unauthorized', `${req.method} ${req.url?.split('?')[0]}: missing bearer token`);
  const caller = await authenticate(m[1]);
  if (!caller) throw new SyncError('unauthorized', `${req.method} ${req.url?.split('?')[0]}: unknown token`);
  return caller;
}
