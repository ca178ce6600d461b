// The admin API client (contract: admin-daemon/openapi.yaml).  The session
// is the HttpOnly cookie set by login; every state-changing call also sends
// the CSRF token that login (or GET /session) returned.  Paths are relative
// to the page, so that the dashboard may live under a proxy's sub-path.

export class ApiError extends Error {
    constructor(status, code, message) {
        super(message || code || `HTTP ${status}`);
        this.status = status;
        this.code = code;
    }
}

let csrfToken = '';
let onUnauthorized = () => {};

export function setCsrfToken(token) {
    csrfToken = token || '';
}

// Called when a call answers 401 (session expired or revoked).
export function setUnauthorizedHandler(fn) {
    onUnauthorized = fn;
}

function query(params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params || {})) {
        if (v !== undefined && v !== null && v !== '' && v !== false) {
            q.set(k, String(v));
        }
    }
    const s = q.toString();
    return s ? '?' + s : '';
}

export async function call(method, path, { params, body, quiet401 } = {}) {
    const headers = { Accept: 'application/json' };
    if (method !== 'GET') {
        headers['X-CSRF-Token'] = csrfToken;
    }
    if (body !== undefined) {
        headers['Content-Type'] = 'application/json';
    }
    const res = await fetch('api/v1' + path + query(params), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'same-origin',
        cache: 'no-store',
    });
    if (res.status === 204) {
        return null;
    }
    let data = null;
    const type = res.headers.get('Content-Type') || '';
    if (type.includes('application/json')) {
        data = await res.json();
    }
    if (!res.ok) {
        const err = data && data.error ? data.error : {};
        if (res.status === 401 && !quiet401) {
            onUnauthorized();
        }
        const e = new ApiError(res.status, err.code, err.message);
        e.retryAfter = Number(res.headers.get('Retry-After')) || 0;
        throw e;
    }
    return data;
}

export const api = {
    session: () => call('GET', '/session', { quiet401: true }),
    login: (username, password) =>
        call('POST', '/login', { body: { username, password }, quiet401: true }),
    logout: () => call('POST', '/logout', { quiet401: true }),
    usage: (params) => call('GET', '/usage', { params }),
    logs: (params) => call('GET', '/logs', { params }),
    log: (seq) => call('GET', `/logs/${encodeURIComponent(seq)}`),
    keys: () => call('GET', '/keys'),
    createKey: (body) => call('POST', '/keys', { body }),
    updateKey: (id, body) => call('PATCH', `/keys/${encodeURIComponent(id)}`, { body }),
    revokeKey: (id) => call('DELETE', `/keys/${encodeURIComponent(id)}`),
    limits: () => call('GET', '/limits'),
    config: () => call('GET', '/config'),
    health: () => call('GET', '/health'),
};
