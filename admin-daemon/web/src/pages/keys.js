// Keys: list with per-key usage, create (the secret shown once with a copy
// button), edit allowed models, expiry and policy (limits, output cap,
// prompt, default model, own credentials), disable / enable, revoke.  Each
// key's use of its limits is live from nginx's counters; the static keys
// of nginx.conf are listed beside, read-only.

import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import * as f from '../format.js';
import { table, card, errorBanner, loading } from '../components.js';
import { policyFields, limitsCell, unrouted } from './key-policy.js';

const USAGE_DAYS = 7;

function keyState(k) {
    if (k.revoked_at) return 'revoked';
    if (!k.active) return 'disabled';
    if (k.expires_at && k.expires_at * 1000 <= Date.now()) return 'expired';
    return 'active';
}

function stateBadge(k) {
    const s = keyState(k);
    const cls = { active: 'ok', disabled: 'warn', expired: 'warn', revoked: 'bad' }[s];
    return h('span', { class: `badge ${cls}`, 'data-state': s }, t(`keys.state.${s}`));
}

function modelsText(models) {
    return models && models.length ? models.join(', ') : t('keys.all_models');
}

function parseModels(s) {
    return s.split(/[\s,]+/).map((x) => x.trim()).filter(Boolean);
}

// <input type=date> value <-> unix seconds at the end of that local day.
function dateInput(sec) {
    if (!sec) return '';
    const d = new Date(sec * 1000);
    const pad = (n) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function fromDateInput(v) {
    if (!v) return 0;
    const d = new Date(`${v}T23:59:59`);
    return Number.isFinite(d.getTime()) ? Math.floor(d.getTime() / 1000) : 0;
}

async function copyText(text, button) {
    let ok = false;
    try {
        await navigator.clipboard.writeText(text);
        ok = true;
    } catch {
        // no clipboard API (plain HTTP on a non-loopback host): select it
    }
    button.textContent = ok ? t('keys.copied') : t('keys.copy_manual');
    if (!ok) {
        const field = document.getElementById('new-secret');
        field.focus();
        field.select();
    }
}

export function renderKeys(main, { live }) {
    let alive = true;
    const results = h('div', null, loading());
    const dialog = h('dialog', { class: 'form-dialog', id: 'key-dialog', 'aria-labelledby': 'key-dialog-title' });
    dialog.addEventListener('close', () => replace(dialog));
    const status = h('p', { class: 'sr-only', role: 'status', id: 'keys-status' });

    replace(main,
        h('div', { class: 'page-head' },
            h('h1', null, t('nav.keys')),
            h('button', { type: 'button', class: 'primary', id: 'key-create', onclick: () => openForm(null) }, t('keys.create'))),
        status, results, dialog);

    async function load() {
        try {
            const now = Math.floor(Date.now() / 1000);
            const [list, usage, cfg, limits] = await Promise.all([
                api.keys(),
                api.usage({ from: now - USAGE_DAYS * 86400, to: now + 1, group_by: 'key' }).catch(() => null),
                api.config().catch(() => null),
                api.limits().catch(() => null),
            ]);
            if (!alive) return;
            config = cfg && cfg.loaded ? cfg : null;
            // By key id: a name can be reused once its key is revoked.
            const byId = new Map((usage ? usage.rows : []).map((r) => [r.key_id, r]));
            renderList(list.keys, byId, limits ? limits.entries : []);
            main.dataset.loaded = String(Date.now());
        } catch (err) {
            if (alive) replace(results, errorBanner(err));
        }
    }

    let config = null;

    // The allowed models, and a warning for any that no route serves.
    function modelsCell(models) {
        const lost = config ? unrouted(models, config.routes) : [];
        if (!lost.length) return modelsText(models);
        return h('span', null, modelsText(models), ' ',
            h('span', { class: 'badge warn', 'data-unrouted': lost.join(', '), title: t('keys.unrouted_help') },
                t('keys.unrouted', { models: lost.join(', ') })));
    }

    function renderList(keys, usage, entries) {
        const u = (k) => usage.get(k.id) || { requests: 0, prompt_tokens: 0, completion_tokens: 0, cost_usd: 0 };
        const dynamic = table([
            { label: t('keys.name'), cell: (k) => h('span', { class: 'key-name' }, k.name) },
            { label: t('keys.prefix'), cell: (k) => h('code', null, `${k.prefix}…`) },
            { label: t('keys.models'), cell: (k) => modelsCell(k.models) },
            { label: t('keys.status'), cell: stateBadge },
            { label: t('keys.expires'), cell: (k) => (k.expires_at ? f.date(k.expires_at) : t('keys.never')) },
            { label: t('keys.created'), cell: (k) => f.date(k.created_at) },
            { label: t('keys.usage_requests', { d: USAGE_DAYS }), num: true, cell: (k) => f.num(u(k).requests) },
            { label: t('metric.tokens'), num: true, cell: (k) => f.compact(u(k).prompt_tokens + u(k).completion_tokens) },
            { label: t('metric.cost'), num: true, cell: (k) => f.usd(u(k).cost_usd) },
            { label: t('keys.limits'), cell: (k) => limitsCell(k.limits, k.live) },
            { label: t('keys.actions'), cell: (k) => actions(k) },
        ], keys, { caption: t('nav.keys'), empty: t('keys.empty'), rowAttrs: (k) => ({ 'data-key-id': k.id }) });

        // nginx.conf's keys: read-only here; their limits and use are the
        // ones nginx copied into its counters (after a first request)
        const counted = new Map(entries.filter((e) => e.kind === 'key' && e.static).map((e) => [e.name, e]));
        const statics = config ? config.static_keys : [];
        replace(results, dynamic, statics.length ? card(t('keys.static_title'),
            h('p', { class: 'hint' }, t('keys.static_help')),
            table([
                { label: t('keys.name'), cell: (s) => h('span', { class: 'static-key-name' }, s.name) },
                { label: t('keys.models'), cell: (s) => modelsCell(s.models || []) },
                { label: t('keys.usage_requests', { d: USAGE_DAYS }), num: true, cell: (s) => f.num(u({ id: counted.get(s.name) ? counted.get(s.name).id : '' }).requests) },
                { label: t('keys.limits'), cell: (s) => (counted.get(s.name) ? limitsCell(counted.get(s.name).limits, counted.get(s.name)) : '–') },
            ], statics, { caption: t('keys.static_title'), rowAttrs: (s) => ({ 'data-static-key': s.name }) })) : null);
    }

    function actions(k) {
        if (k.revoked_at) {
            return h('span', { class: 'muted' }, f.date(k.revoked_at));
        }
        const label = (what) => t('keys.action_of', { what, name: k.name });
        return h('div', { class: 'row-actions' },
            h('button', { type: 'button', class: 'small', 'data-action': 'edit', 'aria-label': label(t('keys.edit')), onclick: () => openForm(k) }, t('keys.edit')),
            h('button', {
                type: 'button', class: 'small', 'data-action': k.active ? 'disable' : 'enable',
                'aria-label': label(k.active ? t('keys.disable') : t('keys.enable')),
                onclick: () => act(() => api.updateKey(k.id, { active: !k.active }), k.active ? 'keys.disabled_msg' : 'keys.enabled_msg', k),
            }, k.active ? t('keys.disable') : t('keys.enable')),
            h('button', {
                type: 'button', class: 'small danger', 'data-action': 'revoke', 'aria-label': label(t('keys.revoke')),
                onclick: () => confirmRevoke(k),
            }, t('keys.revoke')));
    }

    async function act(fn, msgKey, k) {
        try {
            await fn();
            status.textContent = t(msgKey, { name: k.name });
            await load();
        } catch (err) {
            replace(results, errorBanner(err));
        }
    }

    function confirmRevoke(k) {
        replace(dialog,
            h('h2', { id: 'key-dialog-title' }, t('keys.revoke_title')),
            h('p', null, t('keys.revoke_confirm', { name: k.name })),
            h('div', { class: 'dialog-actions' },
                h('button', { type: 'button', onclick: () => dialog.close(), autofocus: true }, t('common.cancel')),
                h('button', {
                    type: 'button', class: 'danger', id: 'revoke-confirm',
                    onclick: async () => {
                        dialog.close();
                        await act(() => api.revokeKey(k.id), 'keys.revoked_msg', k);
                    },
                }, t('keys.revoke'))));
        dialog.showModal();
    }

    // Create (k null) or edit a key in a modal form.
    function openForm(k) {
        const err = h('p', { class: 'form-error', role: 'alert' });
        const name = h('input', { id: 'key-name', required: true, maxlength: 63, value: k ? k.name : '' });
        const models = h('input', { id: 'key-models', value: k ? k.models.join(', ') : '', placeholder: t('keys.models_hint') });
        const expires = h('input', { id: 'key-expires', type: 'date', value: k ? dateInput(k.expires_at) : '' });
        const policy = policyFields(k, config ? config.providers.map((p) => p.name) : []);
        const form = h('form', {
            method: 'dialog',
            onsubmit: async (e) => {
                e.preventDefault();
                const body = { name: name.value.trim(), models: parseModels(models.value), expires_at: fromDateInput(expires.value), ...policy.body() };
                try {
                    if (k) {
                        await api.updateKey(k.id, body);
                        dialog.close();
                        status.textContent = t('keys.saved_msg', { name: body.name });
                        await load();
                    } else {
                        const res = await api.createKey(body);
                        showSecret(res);
                        load();
                    }
                } catch (ex) {
                    err.textContent = t('error.generic', { msg: ex.message });
                }
            },
        },
        h('h2', { id: 'key-dialog-title' }, k ? t('keys.edit_title', { name: k.name }) : t('keys.create_title')),
        h('label', { for: 'key-name' }, t('keys.name')), name,
        h('label', { for: 'key-models' }, t('keys.models')), models,
        h('p', { class: 'hint' }, t('keys.models_help')),
        h('label', { for: 'key-expires' }, t('keys.expires')), expires,
        h('p', { class: 'hint' }, t('keys.expires_help')),
        ...policy.nodes,
        err,
        h('div', { class: 'dialog-actions' },
            h('button', { type: 'button', onclick: () => dialog.close() }, t('common.cancel')),
            h('button', { type: 'submit', class: 'primary', id: 'key-save' }, k ? t('common.save') : t('keys.create'))));
        replace(dialog, form);
        dialog.showModal();
        name.focus();
    }

    function showSecret(res) {
        const secret = h('input', { id: 'new-secret', readonly: true, value: res.secret, class: 'mono', 'aria-describedby': 'secret-warning', spellcheck: 'false' });
        const copy = h('button', { type: 'button', id: 'copy-secret', onclick: () => copyText(res.secret, copy) }, t('keys.copy'));
        replace(dialog,
            h('h2', { id: 'key-dialog-title' }, t('keys.created_title', { name: res.key.name })),
            h('p', { class: 'banner warn', id: 'secret-warning' }, t('keys.secret_once')),
            h('label', { for: 'new-secret' }, t('keys.secret')),
            h('div', { class: 'secret-row' }, secret, copy),
            h('div', { class: 'dialog-actions' },
                h('button', { type: 'button', class: 'primary', id: 'secret-done', onclick: () => dialog.close() }, t('common.done'))));
        secret.focus();
        secret.select();
    }

    // Keep per-key usage current while the page is open (every 10 s at most).
    let lastSeq = null;
    let timer = 0;
    const unsubscribe = live.subscribe((s) => {
        if (lastSeq !== null && s.last_seq !== lastSeq && !timer && !dialog.open) {
            timer = setTimeout(() => { timer = 0; load(); }, 10000);
        }
        lastSeq = s.last_seq;
    });

    load();
    return {
        destroy() {
            alive = false;
            clearTimeout(timer);
            unsubscribe();
            if (dialog.open) dialog.close();
        },
    };
}
