// Minimal TAP producer for the browser suite: prove reads it through the
// .t wrapper.  Failures print what was expected and what came.

let n = 0;
let failed = 0;

export function ok(cond, name, diag) {
    n++;
    if (!cond) failed++;
    process.stdout.write(`${cond ? 'ok' : 'not ok'} ${n} - ${name}\n`);
    if (!cond && diag !== undefined) {
        note(typeof diag === 'string' ? diag : JSON.stringify(diag));
    }
    return !!cond;
}

export function is(got, want, name) {
    return ok(got === want, name, `got: ${JSON.stringify(got)}\nwant: ${JSON.stringify(want)}`);
}

export function like(got, re, name) {
    return ok(re.test(String(got)), name, `got: ${JSON.stringify(got)}\nwant match: ${re}`);
}

export function note(msg) {
    process.stdout.write(String(msg).split('\n').map((l) => `# ${l}`).join('\n') + '\n');
}

export function done() {
    process.stdout.write(`1..${n}\n`);
    return failed;
}

export function bail(msg) {
    process.stdout.write(`Bail out! ${msg}\n`);
}
