// Starting and stopping what the browser suite needs: nginx with the
// module, the admin daemon, each on its loopback port in a private
// temporary directory, all stopped by stopAll() whatever happened.

import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { openSync } from 'node:fs';

const children = [];

export function sleep(ms) {
    return new Promise((r) => setTimeout(r, ms));
}

// Wait until something listens on port; fail at once if child exits.
export async function waitPort(port, child, ms = 10000) {
    const end = Date.now() + ms;
    while (Date.now() < end) {
        if (child && (child.exitCode !== null || child.signalCode !== null)) {
            throw new Error(`${child.spawnfile} exited (${child.exitCode ?? child.signalCode}) before listening on ${port}`);
        }
        const up = await new Promise((resolve) => {
            const c = connect(port, '127.0.0.1');
            c.on('connect', () => { c.destroy(); resolve(true); });
            c.on('error', () => resolve(false));
        });
        if (up) return;
        await sleep(100);
    }
    throw new Error(`nothing listens on 127.0.0.1:${port} after ${ms} ms`);
}

// Run a long-lived process with its output in logFile.
export function start(cmd, args, { env, logFile, cwd } = {}) {
    const fd = openSync(logFile, 'a');
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, cwd, stdio: ['ignore', fd, fd] });
    children.push(child);
    child.exitCodePromise = new Promise((r) => child.on('exit', (code, sig) => r(sig || code)));
    return child;
}

// Run a command to completion; resolves { code, out }.
export function run(cmd, args, opts = {}) {
    return new Promise((resolve) => {
        const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (d) => { out += d; });
        child.stderr.on('data', (d) => { out += d; });
        child.on('error', (e) => resolve({ code: -1, out: String(e) }));
        child.on('exit', (code) => resolve({ code, out }));
    });
}

export async function stop(child, ms = 5000) {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), ms);
    await child.exitCodePromise;
    clearTimeout(t);
}

export async function stopAll() {
    await Promise.all(children.map((c) => stop(c)));
}
