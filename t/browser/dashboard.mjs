// End-to-end: the dashboard in headless Chromium against a real admin
// daemon and a real nginx with the module, whose mock upstream is nginx
// itself answering a captured OpenAI chat.completion.
//
// Flow: security headers; login (wrong, then right); create a key whose
// name holds markup (must render as text); send a request through nginx
// with the new secret; see it arrive live on Overview (SSE, no reload), in
// Logs and its detail; revoke the key and see nginx refuse it; switch
// language and theme; keyboard skip link; expired session; logout; then
// the same app under a proxy's sub-path.
// Screenshots of every page at laptop and phone widths, light and dark,
// English and Chinese go to t/out/screenshots/.
//
//   node t/browser/dashboard.mjs        (TAP on stdout; run by 001-dashboard.t)
//
// Environment: AGW_DAEMON (default build/ai-gateway-admin), AGW_MODULE
// (default build/ngx_http_ai_gateway_module.so), NGINX (default
// /usr/sbin/nginx), CHROMIUM (default /usr/bin/chromium).

import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { ok, is, like, note, done, bail } from './lib/tap.mjs';
import { waitPort, start, run, stopAll, sleep } from './lib/procs.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DAEMON = process.env.AGW_DAEMON || join(ROOT, 'build/ai-gateway-admin');
const MODULE = process.env.AGW_MODULE || join(ROOT, 'build/ngx_http_ai_gateway_module.so');
const NGINX = process.env.NGINX || '/usr/sbin/nginx';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOTS = join(ROOT, 't/out/screenshots');
const PASSWORD = 'e2e-Secret-pw';
// At most 63 characters, the API's limit for a key name.
const XSS_NAME = 'e2e <img src=x onerror=window.__xss=1><script>__xss=2</script>';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'];

const T0 = Date.now();   // progress notes say how long each step took
const tmp = mkdtempSync(join(tmpdir(), 'agw-browser-'));
const ports = {};
let browser = null;
let page = null;      // for a screenshot when a step fails

// ---------------------------------------------------------------- setup

// nginx's `return` takes a quoted string: escape backslashes and quotes so
// the captured JSON reaches the client byte for byte.
function nginxQuote(s) {
    return "'" + s.replace(/\\/g, '\\\\').replace(/'/g, "\\'") + "'";
}

async function startNginx() {
    const fixture = readFileSync(join(ROOT, 't/fixtures/openai-chat/response-text.json'), 'utf8');
    const body = JSON.stringify(JSON.parse(fixture));
    if (body.includes('$')) throw new Error('fixture holds "$", which nginx would read as a variable');
    mkdirSync(join(tmp, 'nginx/logs'), { recursive: true });
    const conf = `
load_module ${MODULE};
${process.getuid() === 0 ? '# as root, workers would run as "nobody" and could not read the\n# daemon\'s keys snapshot (0640) in this private directory\nuser root;' : ''}
daemon off;
master_process on;
worker_processes 1;
error_log ${tmp}/nginx/logs/error.log info;
pid ${tmp}/nginx/logs/nginx.pid;
events { worker_connections 128; }
http {
    access_log ${tmp}/nginx/logs/access.log;
    client_body_temp_path ${tmp}/nginx/body;
    proxy_temp_path ${tmp}/nginx/proxy;
    ai_gateway_state ${tmp}/state size=16m capture=16k;
    ai_gateway_provider mock type=openai url=http://127.0.0.1:${ports.upstream}/v1;
    ai_gateway_route gpt-4o-mini mock;
    ai_gateway_route gpt-4.1 mock;
    ai_gateway_key ops-static sha256:${createHash('sha256').update('sk-browser-static-0123456789').digest('hex')};
    server {
        listen 127.0.0.1:${ports.gateway};
        location /v1/ { ai_gateway openai; }
        include ${ROOT}/conf/ai_gateway_upstream.conf;
    }
    # the dashboard behind a proxy, under a sub-path (Host rewritten)
    server {
        listen 127.0.0.1:${ports.proxy};
        location /admin/ { proxy_pass http://127.0.0.1:${ports.admin}/; }
    }
    server {
        listen 127.0.0.1:${ports.upstream};
        location /v1/chat/completions {
            default_type application/json;
            return 200 ${nginxQuote(body)};
        }
    }
}
`;
    writeFileSync(join(tmp, 'nginx/nginx.conf'), conf);
    const test = await run(NGINX, ['-t', '-p', join(tmp, 'nginx'), '-c', join(tmp, 'nginx/nginx.conf')]);
    if (test.code !== 0) throw new Error(`nginx -t failed:\n${test.out}`);
    const child = start(NGINX, ['-p', join(tmp, 'nginx'), '-c', join(tmp, 'nginx/nginx.conf')],
        { logFile: join(tmp, 'nginx.out') });
    await waitPort(ports.gateway, child);
    return child;
}

async function startDaemon() {
    const child = start(DAEMON, ['--state', join(tmp, 'state'), '--db', join(tmp, 'gateway.sqlite3')], {
        logFile: join(tmp, 'daemon.out'),
        env: {
            AGW_ADMIN_LISTEN: `127.0.0.1:${ports.admin}`,
            AGW_ADMIN_USER: 'admin',
            AGW_ADMIN_PASSWORD: PASSWORD,
            AGW_ADMIN_PUBLIC_ORIGIN: `http://localhost:${ports.proxy}/admin`,
        },
    });
    await waitPort(ports.admin, child);
    return child;
}

// A chat request through nginx with a client key; resolves the status.
// Every one becomes an event, so the dashboard's counts must equal `sent`.
let sent = 0;
async function chat(secret) {
    sent++;
    const res = await fetch(`http://127.0.0.1:${ports.gateway}/v1/chat/completions`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${secret}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Invent a holiday.' }] }),
    });
    const text = await res.text();
    return { status: res.status, text };
}

// Retry fn until pred holds (the keys snapshot and the drain each take up
// to a second to move).
async function eventually(fn, pred, ms = 8000) {
    const end = Date.now() + ms;
    let v;
    do {
        v = await fn();
        if (pred(v)) return v;
        await sleep(250);
    } while (Date.now() < end);
    return v;
}

// ---------------------------------------------------------------- checks

async function checkHeaders() {
    const base = `http://127.0.0.1:${ports.admin}`;
    for (const path of ['/', '/api/v1/health']) {
        const res = await fetch(base + path);
        const csp = res.headers.get('content-security-policy') || '';
        like(csp, /script-src 'self'/, `${path}: CSP allows only own scripts`);
        ok(!/unsafe-inline|unsafe-eval/.test(csp), `${path}: CSP has no unsafe-inline or unsafe-eval`, csp);
        like(csp, /frame-ancestors 'none'/, `${path}: CSP denies framing`);
        is(res.headers.get('x-frame-options'), 'DENY', `${path}: X-Frame-Options DENY`);
        is(res.headers.get('x-content-type-options'), 'nosniff', `${path}: nosniff`);
    }
    const index = await fetch(base + '/');
    const html = await index.text();
    ok(!/<script(?![^>]*\bsrc=)[^>]*>/.test(html), 'index.html has no inline script');
    is(index.headers.get('cache-control'), 'no-cache', 'index.html is revalidated');
    const etag = index.headers.get('etag');
    is((await fetch(base + '/', { headers: { 'If-None-Match': etag } })).status, 304, 'a matching ETag gives 304');
    const js = html.match(/src="(assets\/[^"]+\.js)"/)[1];
    const asset = await fetch(`${base}/${js}`, { headers: { 'Accept-Encoding': 'gzip' } });
    is(asset.headers.get('content-encoding'), 'gzip', 'the bundle is sent gzipped to a client that accepts it');
    like(asset.headers.get('cache-control'), /immutable/, 'hashed assets are cached for good');
    like(asset.headers.get('content-type'), /^text\/javascript/, 'the bundle has a script content type');
    ok((await asset.text()).length > 100000, 'the bundle carries Chart.js');
    // The app routes on the fragment (/#/logs): no other path is a page.
    is((await fetch(base + '/logs')).status, 404, 'a path that is no file is 404, not the app');
    const missing = await fetch(base + '/nope.js');
    is(missing.status, 404, 'an unknown file is 404');
    is(missing.headers.get('x-frame-options'), 'DENY', 'and the 404 carries the security headers');
    is((await fetch(base + '/', { method: 'POST' })).status, 405, 'POST to a page is 405');

    // A cross-site form or fetch carries the cookie but cannot know the
    // CSRF token, and comes with a foreign Origin: both are refused.
    const login = await fetch(base + '/api/v1/login', {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: PASSWORD }),
    });
    const cookie = (login.headers.get('set-cookie') || '').split(';')[0];
    const { csrf_token: token } = await login.json();
    const post = (headers) => fetch(base + '/api/v1/keys', {
        method: 'POST', body: JSON.stringify({ name: 'csrf-probe' }),
        headers: { 'Content-Type': 'application/json', Cookie: cookie, ...headers },
    });
    is((await post({})).status, 403, 'POST with the session cookie but no CSRF token is refused');
    is((await post({ 'X-CSRF-Token': token, Origin: 'http://evil.example' })).status, 403,
        'POST from a foreign Origin is refused');
    await fetch(base + '/api/v1/logout', { method: 'POST', headers: { Cookie: cookie, 'X-CSRF-Token': token } });
}

async function shoot(page, name) {
    note(`${((Date.now() - T0) / 1000).toFixed(1)} s: ${name}`);
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

async function gotoPage(page, id) {
    await page.evaluate((h) => { location.hash = h; }, `#/${id}`);
    await page.waitForSelector(`nav a[data-page="${id}"][aria-current="page"]`);
    await page.waitForSelector('main[data-loaded]', { timeout: 15000 });
    await sleep(150);   // let charts finish their first layout
}

async function login(page) {
    await page.goto(`http://127.0.0.1:${ports.admin}/`);
    await page.waitForSelector('#username');
    await page.fill('#username', 'admin');
    await page.fill('#password', PASSWORD);
    await page.click('form.login-form button[type=submit]');
    await page.waitForSelector('nav');
}

async function flows(page, consoleErrors) {
    const base = `http://127.0.0.1:${ports.admin}`;

    // Login: a wrong password is refused with a message, the right one enters.
    await page.goto(base + '/');
    await page.waitForSelector('#username');
    await shoot(page, 'login-laptop-light-en');
    await page.fill('#username', 'admin');
    await page.fill('#password', 'wrong');
    await page.click('form.login-form button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#login-error').textContent !== '');
    like(await page.textContent('#login-error'), /wrong username or password/i, 'wrong password shows an error');
    await page.fill('#password', PASSWORD);
    await page.click('form.login-form button[type=submit]');
    await page.waitForSelector('nav a[data-page="overview"]');
    ok(true, 'login with the admin credentials opens the dashboard');

    // Keyboard: the first Tab reaches the skip link, Enter moves focus to main.
    await page.keyboard.press('Tab');
    is(await page.evaluate(() => document.activeElement.className), 'skip', 'first Tab focuses the skip link');
    await page.keyboard.press('Enter');
    is(await page.evaluate(() => document.activeElement.id), 'main', 'skip link moves focus to the content');

    // Create a key whose name is markup; the secret is shown once.
    await gotoPage(page, 'keys');
    await page.click('#key-create');
    await page.fill('#key-name', XSS_NAME);
    await page.fill('#key-models', 'gpt-4o-mini');
    await page.click('#key-save');
    await page.waitForSelector('#new-secret');
    const secret = await page.inputValue('#new-secret');
    like(secret, /^sk-agw-\S{20,}$/, 'create shows the new secret');
    await page.click('#copy-secret');
    is(await page.evaluate(() => navigator.clipboard.readText()), secret, 'copy button puts the secret on the clipboard');
    await shoot(page, 'keys-secret-laptop-light-en');
    await page.click('#secret-done');
    await page.waitForFunction((n) => [...document.querySelectorAll('.key-name')].some((e) => e.textContent === n), XSS_NAME);
    const rendered = await page.evaluate((n) => {
        const cell = [...document.querySelectorAll('.key-name')].find((e) => e.textContent === n);
        return { text: cell.textContent, children: cell.children.length, imgs: document.querySelectorAll('main img').length, xss: window.__xss };
    }, XSS_NAME);
    is(rendered.text, XSS_NAME, 'key name with <img onerror> and <script> is shown as text');
    is(rendered.children, 0, 'no element was created from the key name');
    is(rendered.xss, undefined, 'no script from the key name ran');

    // Overview open before the request: the live tile must move without a reload.
    await gotoPage(page, 'overview');
    await page.waitForFunction(() => document.querySelector('.live-dot').dataset.state === 'live', null, { timeout: 10000 });
    is(await page.textContent('#live-requests'), '0', 'Overview live requests start at 0');
    await page.evaluate(() => { window.__noReload = 1; });

    // Through nginx with the new key.
    const res = await eventually(() => chat(secret), (r) => r.status === 200);
    is(res.status, 200, 'nginx accepts a request with the new key');
    like(res.text, /Galaxy Day/, 'nginx returns the upstream answer');

    await page.waitForFunction((n) => document.querySelector('#live-requests').textContent === n, String(sent), { timeout: 15000 })
        .catch(() => {});
    const want = String(sent);
    note(`${sent} request(s) sent through nginx (the first may precede the keys snapshot)`);
    is(await page.textContent('#live-requests'), want, 'Overview live requests count the request (SSE)');
    is(await page.evaluate(() => window.__noReload), 1, 'without a page reload');
    await page.waitForFunction((n) => document.querySelector('#total-requests').textContent === n, want, { timeout: 15000 })
        .catch(() => {});
    is(await page.textContent('#total-requests'), want, 'Overview range total counts the request');
    like(await page.textContent('#total-tokens'), /379/, 'Overview tokens are the upstream usage (16 + 363)');

    // A custom range around now holds the same request; one in the past none.
    const local = (ms) => {
        const d = new Date(ms);
        const p2 = (n) => String(n).padStart(2, '0');
        return `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())}T${p2(d.getHours())}:${p2(d.getMinutes())}`;
    };
    for (const [from, to, n, what] of [[-7200e3, 3600e3, want, 'around now'], [-4 * 86400e3, -3 * 86400e3, '0', 'in the past']]) {
        await page.click('button[data-range="custom"]');
        await page.fill('#range-from', local(Date.now() + from));
        await page.fill('#range-to', local(Date.now() + to));
        await page.click('form.custom-range button[type=submit]');
        await page.waitForFunction(() => location.hash.includes('range=custom'));
        await page.waitForSelector('main[data-loaded]');
        await page.waitForFunction((v) => document.querySelector('#total-requests').textContent === v, n, { timeout: 5000 }).catch(() => {});
        is(await page.textContent('#total-requests'), n, `custom range ${what} counts ${n}`);
    }

    // Logs: the request with its key, model and status; then its detail.
    await gotoPage(page, 'logs');
    const logRow = 'main table tbody tr';
    await page.waitForSelector(logRow);
    const cells = await page.$$eval(`${logRow}:first-child td`, (tds) => tds.map((td) => td.textContent));
    is(cells[1], XSS_NAME, 'Logs show the key name as text');
    is(cells[2], 'gpt-4o-mini', 'Logs show the model');
    is(cells[4], '200', 'Logs show the status');
    await page.click(`${logRow}:first-child button[data-seq]`);
    await page.waitForSelector('#log-detail dd[data-field="status"]');
    is(await page.textContent('#log-detail dd[data-field="prompt_tokens"]'), '16', 'detail shows prompt tokens');
    is(await page.textContent('#log-detail dd[data-field="completion_tokens"]'), '363', 'detail shows completion tokens');
    like(await page.textContent('#log-detail dd[data-field="provider"]'), /^mock$/, 'detail shows the provider');
    const answered = JSON.parse(readFileSync(join(ROOT, 't/fixtures/openai-chat/response-text.json'), 'utf8'));
    is(await page.textContent('#log-detail dd[data-field="response_model"]'), answered.model,
        'detail shows the model the provider answered with');
    is(await page.textContent('#log-detail dd[data-field="finish_reason"]'), answered.choices[0].finish_reason,
        'detail shows the finish reason');
    const tries = await page.$$eval('#log-detail table tbody tr', (trs) => trs.map((tr) => tr.textContent));
    ok(tries.length === 1 && /mock/.test(tries[0]) && /200/.test(tries[0]), 'detail lists the attempt: provider and status', tries);
    like(await page.textContent('#log-detail pre[data-body="request_body"]').catch(() => ''),
        /\n {6}"content": "Invent a holiday\."/, 'detail shows the captured request body pretty-printed');
    await shoot(page, 'logs-detail-laptop-light-en');
    await page.keyboard.press('Escape');
    ok(!(await page.evaluate(() => document.querySelector('#log-detail').open)), 'Escape closes the detail');

    // Filters: errors only hides the 200 (401s from before the keys
    // snapshot reached nginx may stay).
    // (the hash changes at once, the page reloads on the hashchange event
    // after it: wait for a load newer than the one before the click)
    const shown = await page.getAttribute('main', 'data-loaded');
    await page.check('#f-errors_only');
    await page.click('form.filters button[type=submit]');
    await page.waitForFunction((was) => location.hash.includes('errors_only=1')
        && document.querySelector('main').dataset.loaded !== undefined
        && document.querySelector('main').dataset.loaded !== was, shown);
    const statuses = await page.$$eval('main .results td .badge', (b) => b.map((x) => Number(x.textContent)));
    ok(statuses.every((s) => s >= 400), 'errors-only filter shows only failed requests', statuses);
    await page.click('form.filters button[type=button]');

    // Keys: per-key usage, edit models and expiry, disable and enable.
    await gotoPage(page, 'keys');
    const keyCells = () => page.$$eval('tr:has(.key-name) td', (tds) => tds.map((td) => td.textContent));
    is((await keyCells())[6], '1', 'Keys show the key\'s requests (the 401s before the snapshot carry no key)');
    const expiry = new Date(Date.now() + 30 * 86400e3);
    const pad = (n) => String(n).padStart(2, '0');
    await page.click('tr:has(.key-name) button[data-action="edit"]');
    await page.fill('#key-models', 'gpt-4o-mini, gpt-4.1');
    await page.fill('#key-expires', `${expiry.getFullYear()}-${pad(expiry.getMonth() + 1)}-${pad(expiry.getDate())}`);
    await page.click('#key-save');
    await page.waitForFunction(() => [...document.querySelectorAll('tr:has(.key-name) td')].some((td) => td.textContent === 'gpt-4o-mini, gpt-4.1'));
    const edited = await keyCells();
    is(edited[2], 'gpt-4o-mini, gpt-4.1', 'edit changes the allowed models');
    is(edited[4], new Intl.DateTimeFormat('en-US', { year: 'numeric', month: '2-digit', day: '2-digit' }).format(expiry),
        'edit sets the expiry date');
    await page.click('tr:has(.key-name) button[data-action="disable"]');
    await page.waitForSelector('tr:has(.key-name) span.badge[data-state="disabled"]');
    const off = await eventually(() => chat(secret), (r) => r.status === 401 || r.status === 403);
    ok(off.status === 401 || off.status === 403, 'nginx refuses the disabled key', off.status);
    await page.click('tr:has(.key-name) button[data-action="enable"]');
    await page.waitForSelector('tr:has(.key-name) span.badge[data-state="active"]');
    is((await eventually(() => chat(secret), (r) => r.status === 200)).status, 200, 'nginx accepts it again once enabled');

    // Limits: one set on the key through the form; nginx refuses past it
    // (the key made more requests today than it allows) and the Keys page
    // counts the refusal against that limit, live from nginx's counters.
    await page.click('tr:has(.key-name) button[data-action="edit"]');
    await page.fill('#limit-requests_per_day', '1');
    await page.click('#key-save');
    await page.waitForSelector('tr:has(.key-name) li[data-limit="requests_per_day"]');
    const limited = await eventually(() => chat(secret), (r) => r.status === 429);
    is(limited.status, 429, 'nginx refuses the key past the limit set in the dashboard');
    await gotoPage(page, 'overview');
    await gotoPage(page, 'keys');
    const refusedCell = await page.waitForSelector('tr:has(.key-name) li[data-limit-refused]');
    ok(Number(await refusedCell.getAttribute('data-limit-refused')) >= 1, 'the Keys page counts the refusal',
        await refusedCell.textContent());
    like(await page.textContent('tr:has(.key-name) li[data-limit="requests_per_day"]'), /\/ 1$/,
        'and shows the use against the limit');
    ok(await page.$('tr[data-static-key="ops-static"]'), 'the static key of nginx.conf is listed beside, read-only');
    await shoot(page, 'keys-laptop-light-en-limits');
    await page.click('tr:has(.key-name) button[data-action="edit"]');
    await page.fill('#limit-requests_per_day', '');
    await page.click('#key-save');
    await page.waitForFunction(() => !document.querySelector('tr:has(.key-name) li[data-limit="requests_per_day"]'));
    is((await eventually(() => chat(secret), (r) => r.status === 200)).status, 200, 'the limit lifted, nginx admits it again');
    await shoot(page, 'keys-laptop-light-en-edited');

    // Revoke, then nginx refuses the key.
    await page.click('tr:has(.key-name) button[data-action="revoke"]');
    await page.click('#revoke-confirm');
    await page.waitForSelector('span.badge[data-state="revoked"]');
    ok(true, 'key shows as revoked');
    const refused = await eventually(() => chat(secret), (r) => r.status === 401);
    is(refused.status, 401, 'nginx refuses the revoked key');

    // Paging: enough refused requests for two pages of 25.  Every one must
    // be stored before the Logs page loads: an event drained after page 1
    // was read is newer than page 1, so page 2 would come up short.
    await Promise.all(Array.from({ length: 30 }, () => chat(secret)));
    await gotoPage(page, 'overview');
    await page.waitForFunction((n) => document.querySelector('#live-requests').textContent === n, String(sent),
        { timeout: 20000 });
    const overview = await page.getAttribute('main', 'data-loaded');
    await page.evaluate(() => { location.hash = '#/logs?limit=25'; });
    await page.waitForFunction((was) => document.querySelector('main').dataset.loaded !== undefined
        && document.querySelector('main').dataset.loaded !== was, overview);
    const seqs = () => page.$$eval('main .results tbody tr', (trs) => trs.map((tr) => Number(tr.dataset.seq)));
    await page.waitForFunction(() => !document.querySelector('#page-next').disabled, null, { timeout: 10000 }).catch(() => {});
    const first = await seqs();
    is(first.length, 25, 'Logs page 1 holds 25 rows');
    await page.click('#page-next');
    await page.waitForFunction((s) => document.querySelector('main .results tbody tr')?.dataset.seq !== String(s), first[0]);
    const second = await seqs();
    await page.waitForFunction((n) => document.querySelectorAll('main .results tbody tr').length === n, sent - 25, { timeout: 5000 }).catch(() => {});
    is((await seqs()).length, sent - 25, 'page 2 holds the rest');
    ok(Math.max(...second) < Math.min(...first), 'page 2 is older than page 1', { first, second });
    await page.click('#page-prev');
    await page.waitForFunction((s) => document.querySelector('main .results tbody tr')?.dataset.seq === String(s), first[0]);
    ok(true, 'Previous returns to page 1');

    // Screenshots of every page: laptop and phone, light and dark, en and zh.
    for (const [lang, label] of [['en', 'English'], ['zh', '中文']]) {
        for (const theme of ['light', 'dark']) {
            await page.selectOption('#theme-select', theme);
            is(await page.getAttribute('html', 'data-theme'), theme, `theme switch sets ${theme}`);
            for (const [w, hgt, dev] of [[1366, 900, 'laptop'], [390, 844, 'phone']]) {
                await page.setViewportSize({ width: w, height: hgt });
                for (const id of ['overview', 'logs', 'keys', 'providers']) {
                    await gotoPage(page, id);
                    await shoot(page, `${id}-${dev}-${theme}-${lang}`);
                }
            }
        }
        if (lang === 'en') {
            is(await page.textContent('#lang-toggle'), label === 'English' ? '中文' : 'English', 'language switch offers Chinese');
            await page.click('#lang-toggle');
            await page.waitForSelector('nav a[data-page="overview"]');
            is(await page.textContent('nav a[data-page="overview"]'), '概览', 'language switch shows Chinese');
            is(await page.getAttribute('html', 'lang'), 'zh-CN', 'html lang follows the switch');
        }
    }
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    ok(bg !== 'rgb(245, 247, 251)', 'dark theme changes the page colours', bg);
    await page.setViewportSize({ width: 1366, height: 900 });
    await page.selectOption('#theme-select', 'system');
    await page.click('#lang-toggle');
    await page.waitForSelector('nav a[data-page="overview"]');
    is(await page.textContent('nav a[data-page="overview"]'), 'Overview', 'language switch back to English');

    // The session expires (cookie gone): the next call shows the login with a notice.
    await page.context().clearCookies();
    await page.evaluate(() => { location.hash = '#/keys'; });
    await page.waitForSelector('#login-reason', { timeout: 10000 }).catch(() => {});
    like(await page.textContent('#login-reason').catch(() => ''), /expired/, 'an expired session returns to the login with a notice');

    // Logout ends the session on the server too.
    await login(page);
    await page.click('#logout');
    await page.waitForSelector('#username');
    const status = await page.evaluate(async () => (await fetch('/api/v1/session')).status);
    is(status, 401, 'after logout the session is gone');
    note(`${((Date.now() - T0) / 1000).toFixed(1)} s: flows done`);

    is(consoleErrors.filter((e) => /Content Security Policy|Refused to/i.test(e)).join('\n'), '', 'no CSP violations');
}

// The same app at http://localhost:PORT/admin/ through nginx, which
// rewrites Host: its files, API calls and live stream are relative to the
// page, and state changes pass the Origin check (AGW_ADMIN_PUBLIC_ORIGIN).
async function subPath(context, consoleErrors) {
    const sub = await context.newPage();
    sub.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(`sub-path: ${m.text()}`); });
    sub.on('pageerror', (e) => consoleErrors.push(`pageerror: sub-path: ${e.message}`));
    // every request stays under /admin/ and finds what it asked for (the
    // 401 of the session probe before login is expected)
    const stray = [];
    sub.on('request', (r) => { if (!new URL(r.url()).pathname.startsWith('/admin/')) stray.push(r.url()); });
    sub.on('response', (r) => { if (r.status() === 404) stray.push(`404 ${r.url()}`); });
    await sub.goto(`http://localhost:${ports.proxy}/admin/`);
    await sub.waitForSelector('#username');
    await sub.fill('#username', 'admin');
    await sub.fill('#password', PASSWORD);
    await sub.click('form.login-form button[type=submit]');
    await sub.waitForSelector('nav a[data-page="overview"]');
    ok(true, 'under /admin/: login opens the dashboard');
    await sub.waitForFunction(() => document.querySelector('.live-dot').dataset.state === 'live', null, { timeout: 10000 });
    ok(true, 'under /admin/: the live stream runs');
    await sub.evaluate(() => { location.hash = '#/keys'; });
    await sub.waitForSelector('main[data-loaded]', { timeout: 15000 });
    await sub.click('#key-create');
    await sub.fill('#key-name', 'sub-path key');
    await sub.click('#key-save');
    await sub.waitForSelector('#new-secret');
    like(await sub.inputValue('#new-secret'), /^sk-agw-/, 'under /admin/: a key is created (CSRF and Origin pass)');
    await sub.click('#secret-done');
    await sub.click('#logout');
    await sub.waitForSelector('#username');
    is(stray.join('\n'), '', 'under /admin/: nothing fetched from the root, nothing missing');
    await sub.close();
}

// ---------------------------------------------------------------- main

async function main() {
    for (const [what, path] of [['chromium', CHROMIUM], ['nginx', NGINX], ['module', MODULE]]) {
        if (!existsSync(path)) {
            bail(`${what} not found at ${path}: build it first (make)`);
            return 1;
        }
    }
    rmSync(SHOTS, { recursive: true, force: true });
    mkdirSync(SHOTS, { recursive: true });
    // four ports from t/lib/FreePort.pm, given by 001-dashboard.t
    const given = (process.env.AGW_BROWSER_PORTS || '').split(',').map(Number);
    if (given.length !== 4 || given.some((p) => !(p > 0))) {
        bail('AGW_BROWSER_PORTS must list four ports: run t/browser/001-dashboard.t');
        return 1;
    }
    ['admin', 'gateway', 'upstream', 'proxy'].forEach((k, i) => { ports[k] = given[i]; });

    await startNginx();
    await startDaemon();
    await checkHeaders();

    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const context = await browser.newContext({
        viewport: { width: 1366, height: 900 }, locale: 'en-US', colorScheme: 'light',
        permissions: ['clipboard-read', 'clipboard-write'],
    });
    page = await context.newPage();
    const consoleErrors = [];
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
    await flows(page, consoleErrors);
    await subPath(context, consoleErrors);
    const jsErrors = consoleErrors.filter((e) => e.startsWith('pageerror'));
    is(jsErrors.join('\n'), '', 'no uncaught script errors');
    return 0;
}

// Like the API suite, wait for the daemon to be built rather than fail.
if (!existsSync(DAEMON)) {
    process.stdout.write(`1..0 # SKIP ${DAEMON} not built\n`);
    rmSync(tmp, { recursive: true, force: true });
    process.exit(0);
}

let code = 1;
try {
    code = await main();
} catch (e) {
    ok(false, `suite ran to the end: ${e.message.split('\n')[0]}`, e.stack);
    if (page) {
        await page.screenshot({ path: join(SHOTS, 'failure.png'), fullPage: true }).catch(() => {});
        note(`page at failure: ${page.url()} (screenshot ${join(SHOTS, 'failure.png')})`);
    }
    for (const f of ['daemon.out', 'nginx.out', 'nginx/logs/error.log']) {
        if (existsSync(join(tmp, f))) note(`--- ${f}\n` + readFileSync(join(tmp, f), 'utf8').split('\n').slice(-30).join('\n'));
    }
} finally {
    if (browser) await browser.close().catch(() => {});
    await stopAll();
    note(`${((Date.now() - T0) / 1000).toFixed(1)} s: everything stopped`);
    const failed = done();
    if (!failed && !code) rmSync(tmp, { recursive: true, force: true });
    else note(`left ${tmp} for inspection`);
    process.exit(failed || code ? 1 : 0);
}
