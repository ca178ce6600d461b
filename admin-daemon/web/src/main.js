// The dashboard app: session, shell (header, navigation, language and
// theme switches) and the hash router ("#/logs?model=x") that mounts one
// page at a time.

import './style.css';
import { api, setCsrfToken, setUnauthorizedHandler } from './api.js';
import { h, replace } from './dom.js';
import { t, lang, setLang, applyLang } from './i18n.js';
import { applyTheme, setTheme, themeChoice, onThemeChange } from './theme.js';
import { Live } from './live.js';
import { renderLogin } from './pages/login.js';
import { renderOverview } from './pages/overview.js';
import { renderLogs } from './pages/logs.js';
import { renderKeys } from './pages/keys.js';
import { renderProviders } from './pages/providers.js';

const PAGES = [
    { id: 'overview', render: renderOverview },
    { id: 'logs', render: renderLogs },
    { id: 'keys', render: renderKeys },
    { id: 'providers', render: renderProviders },
];

const app = document.getElementById('app');
let session = null;
let page = null;          // { destroy() } of the mounted page
let expiryTimer = 0;
let unState = null;       // unsubscribes the header's live indicator
const live = new Live(() => {
    /* The stream was refused: a 401 means the session is gone; anything
     * else (daemon restarting) is retried a little later. */
    setTimeout(async () => {
        if (!session) {
            return;
        }
        try {
            await api.session();
            live.start();
        } catch {
            showLogin('expired');
        }
    }, 3000);
});

function parseHash() {
    const raw = location.hash.replace(/^#\/?/, '');
    const [path, qs] = raw.split('?');
    const found = PAGES.find((p) => p.id === path);
    return { page: found || PAGES[0], params: new URLSearchParams(qs || '') };
}

// Navigate inside the app; pages call it to change their own query.
export function go(id, params) {
    const qs = params ? new URLSearchParams(params).toString() : '';
    const next = `#/${id}${qs ? '?' + qs : ''}`;
    if (location.hash === next) {
        mount();
    } else {
        location.hash = next;
    }
}

function unmount() {
    if (page && page.destroy) {
        page.destroy();
    }
    page = null;
}

// The login screen; `reason` says why it is shown (expired session).
function showLogin(reason) {
    unmount();
    live.stop();
    session = null;
    clearTimeout(expiryTimer);
    replace(app, renderLogin({ reason, onLoggedIn: startSession }));
}

function startSession(s) {
    session = s;
    setCsrfToken(s.csrf_token);
    clearTimeout(expiryTimer);
    if (s.expires_at) {
        /* Leave on time rather than on the next failed call. */
        const left = s.expires_at * 1000 - Date.now() + 500;
        /* setTimeout fires at once past 2^31-1 ms (24.8 days); a session
         * that long is ended by the next call's 401 instead. */
        if (left < 0x7fffffff) {
            expiryTimer = setTimeout(() => showLogin('expired'), Math.max(left, 0));
        }
    }
    live.start();
    renderShell();
}

async function checkSession() {
    try {
        startSession(await api.session());
    } catch {
        showLogin(null);
    }
}

async function logout() {
    try {
        await api.logout();
    } catch {
        // the session is gone either way
    }
    session = null;
    showLogin('logged_out');
}

function renderShell() {
    const current = parseHash().page.id;
    const main = h('main', { id: 'main', tabindex: '-1' });
    const status = h('span', { class: 'live-dot', role: 'status' });
    if (unState) {
        unState();
    }
    unState = live.onState((st) => {
        status.dataset.state = st;
        status.textContent = t(`live.${st}`);
    });

    const skip = h('a', {
        class: 'skip', href: '#main',
        onclick: (e) => {
            e.preventDefault();
            main.focus();
        },
    }, t('nav.skip'));

    const nav = h('nav', { 'aria-label': t('nav.label') },
        h('ul', null, PAGES.map((p) => h('li', null,
            h('a', {
                href: `#/${p.id}`,
                'aria-current': p.id === current ? 'page' : null,
                'data-page': p.id,
            }, t(`nav.${p.id}`))))));

    const themeSel = h('select', {
        id: 'theme-select', 'aria-label': t('theme.label'),
        onchange: (e) => setTheme(e.target.value),
    }, ['system', 'light', 'dark'].map((v) => h('option', { value: v, selected: themeChoice() === v }, t(`theme.${v}`))));

    const langBtn = h('button', {
        type: 'button', id: 'lang-toggle', class: 'ghost',
        lang: lang() === 'en' ? 'zh-CN' : 'en',
        'aria-label': t('lang.switch'),
        onclick: () => {
            setLang(lang() === 'en' ? 'zh' : 'en');
            renderShell();
        },
    }, lang() === 'en' ? '中文' : 'English');

    const header = h('header', { class: 'top' },
        h('div', { class: 'brand' },
            h('img', { src: 'favicon.svg', alt: '', width: 24, height: 24 }),
            h('span', null, 'ai-gateway')),
        nav,
        h('div', { class: 'tools' },
            status,
            langBtn,
            themeSel,
            h('span', { class: 'user', title: t('user.signed_in') }, session ? session.username : ''),
            h('button', { type: 'button', id: 'logout', class: 'ghost', onclick: logout }, t('user.logout'))));

    replace(app, skip, header, main);
    mount();
}

function mount() {
    if (!session) {
        return;
    }
    const { page: p, params } = parseHash();
    const main = document.getElementById('main');
    if (!main) {
        renderShell();
        return;
    }
    for (const a of document.querySelectorAll('nav a')) {
        if (a.dataset.page === p.id) {
            a.setAttribute('aria-current', 'page');
        } else {
            a.removeAttribute('aria-current');
        }
    }
    unmount();
    replace(main);
    delete main.dataset.loaded;
    page = p.render(main, { params, live, go, session });
}

window.addEventListener('hashchange', () => {
    if (session) {
        mount();
    }
});

onThemeChange(() => {
    /* Charts take their colours when drawn: redraw the page. */
    if (session && page) {
        mount();
    }
});

setUnauthorizedHandler(() => {
    if (session) {
        showLogin('expired');
    }
});

applyLang();
applyTheme();
checkSession();
