// Who may talk to the local control endpoint. It listens on 127.0.0.1 only, but that is
// not enough: any web page the user opens can aim requests at 127.0.0.1, and a DNS-rebinding
// page can even make them look same-origin. So every request must name us in Host (a
// rebinding page carries its own host name there), a browser request must come from our own
// origin, and every API call must carry the per-run token, which only the owner of
// control.json (mode 0600) or of the printed `ui` URL has.

import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { ErrorData } from '../../common/errors.js';

/** The host names a browser uses for the loopback endpoint. */
const LOOPBACK_NAMES = ['127.0.0.1', 'localhost'];

/** Host must be a loopback name with our port; anything else is a rebinding attempt or a stray proxy. */
export function hostProblem(host: string | undefined, port: number): string | null {
  if (!host) return 'missing Host header';
  return LOOPBACK_NAMES.some((name) => host === `${name}:${port}`) ? null : `host "${host}" is not this endpoint`;
}

/**
 * Browsers send Origin on cross-origin requests and on every POST; the CLI sends none.
 * A present Origin must be ours; Sec-Fetch-Site, when sent, must not say another site.
 */
export function originProblem(headers: IncomingHttpHeaders, port: number): string | null {
  const origin = headers.origin;
  if (origin !== undefined && !LOOPBACK_NAMES.some((name) => origin === `http://${name}:${port}`)) {
    return `origin "${origin}" may not use this endpoint`;
  }
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return `cross-site request (${site})`;
  return null;
}

/** Compares the bearer token in constant time. */
export function tokenProblem(authorization: string | undefined, token: string): string | null {
  if (!authorization) return 'missing token';
  const match = /^Bearer (\S+)$/.exec(authorization);
  if (!match) return 'malformed Authorization header';
  const given = Buffer.from(match[1]);
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected) ? null : 'wrong token';
}

/** Checks for an /api request, in order: Host, Origin, token. */
export function apiRequestProblem(headers: IncomingHttpHeaders, port: number, token: string): ErrorData | null {
  const host = hostProblem(headers.host, port);
  if (host) return { code: 'forbidden', message: `control request: ${host}` };
  const origin = originProblem(headers, port);
  if (origin) return { code: 'forbidden', message: `control request: ${origin}` };
  const auth = tokenProblem(headers.authorization, token);
  if (auth) return { code: 'unauthorized', message: `control request: ${auth}` };
  return null;
}
