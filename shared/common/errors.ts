// One error type for the product, with a closed set of codes. Callers check `code`
// (or `name`), never `instanceof`: errors cross IPC and HTTP as plain data.

export const ERROR_CODES = [
  'bad_request', // malformed input: bad hash, bad path, bad JSON, unknown flag
  'unauthorized', // missing or wrong token
  'forbidden', // authenticated but not allowed (e.g. UI origin check)
  'not_found', // no such block, path, revision or user
  'conflict', // stale parent revision
  'hash_mismatch', // bytes do not hash to the claimed key
  'too_large', // block over 4 MiB, path over its limit
  'need_blocks', // commit references blocks the namespace has not uploaded
  'unavailable', // a service is down, refused, or timed out
  'storage_unavailable', // the server answers, but the store holding a block is down and no other tier has it
  'too_many_requests', // this user has too many requests in flight; retry after Retry-After
  'disk_full', // ENOSPC anywhere
  'folder_missing', // sync root or its .hsync marker is gone
  'mass_delete', // a scan would delete too much; waits for confirmation
  'server_changed', // the server's identity changed (restored, wiped)
  'invalid_path', // a path that is hostile or not representable here
  'io', // another local file system error
  'internal', // a bug: anything not mapped above
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** The wire and IPC shape of an error. */
export interface ErrorData {
  code: ErrorCode;
  message: string;
}

export class SyncError extends Error {
  override readonly name = 'SyncError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  toData(): ErrorData {
    return { code: this.code, message: this.message };
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/** True for any error carrying `code` — ours, or one rebuilt from wire data. */
export function hasCode(error: unknown, code: ErrorCode): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

/** Turns anything thrown into ErrorData, keeping our codes and hiding foreign internals. */
export function toErrorData(error: unknown): ErrorData {
  if (typeof error === 'object' && error !== null) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    if (isErrorCode(code)) return { code, message: String(message ?? code) };
    if (code === 'ENOSPC') return { code: 'disk_full', message: String(message) };
    if (typeof message === 'string') return { code: 'internal', message };
  }
  return { code: 'internal', message: String(error) };
}

const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  bad_request: 400,
  invalid_path: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  need_blocks: 409,
  too_large: 413,
  hash_mismatch: 422,
  too_many_requests: 429,
  unavailable: 503,
  storage_unavailable: 503,
  disk_full: 507,
};

/** The HTTP status every server of ours answers an error code with; 500 for the rest. */
export function httpStatusOf(code: ErrorCode): number {
  return HTTP_STATUS[code] ?? 500;
}
