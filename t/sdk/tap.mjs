// The lines t/sdk/sdk.t turns into tests: "ok - NAME" or "not ok - NAME"
// followed by what differed.

import { isDeepStrictEqual, inspect } from 'node:util';

export const gateway = process.env.AGW_GATEWAY;
export const clientKey = process.env.AGW_CLIENT_KEY;
export const type = process.argv[2];

export function ok(cond, name, detail) {
    console.log(`${cond ? 'ok' : 'not ok'} - ${name}`);
    if (!cond && detail !== undefined) {
        console.log(`# ${inspect(detail, { depth: 6 })}`);
    }
}

export function is(got, want, name) {
    ok(isDeepStrictEqual(got, want), name, { got, want });
}

// runs one named case; an exception is a failed check, not a stop
export async function run(name, fn) {
    try {
        await fn();
    } catch (e) {
        ok(false, `${name}: threw`, String(e && e.stack || e));
    }
}
