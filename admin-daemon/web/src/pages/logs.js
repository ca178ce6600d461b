// Logs: the request table with filters and paging, and a detail view of
// one request (every field, attempts, captured bodies pretty-printed).
// Filters live in the URL ("#/logs?model=x&errors_only=1"), so a filtered
// view can be bookmarked and the back button works.

import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import * as f from '../format.js';
import { table, errorBanner, loading, fromLocalInput } from '../components.js';

const FILTERS = ['from', 'to', 'key', 'model', 'provider', 'status', 'errors_only'];
const PAGE_SIZES = [25, 50, 100, 200];

function toLocalInput(sec) {
    if (!sec) {
        return '';
    }
    const d = new Date(sec * 1000);
    const pad = (n) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function statusBadge(status) {
    const cls = status >= 500 ? 'bad' : status >= 400 ? 'warn' : 'ok';
    return h('span', { class: `badge ${cls}` }, String(status));
}

export function renderLogs(main, { params, live, go }) {
    let alive = true;
    let cursors = [null];    // cursor of each page seen so far; [0] = first page
    let pageNo = 0;
    let lastSeq = null;
    let items = [];
    const pageSize = PAGE_SIZES.includes(Number(params.get('limit'))) ? Number(params.get('limit')) : 50;

    const filters = {};
    for (const k of FILTERS) {
        filters[k] = params.get(k) || '';
    }

    const input = (id, label, attrs) => {
        const el = h('input', { id: `f-${id}`, name: id, value: filters[id], ...attrs });
        return [h('label', { for: `f-${id}` }, label), el];
    };
    const fromIn = input('from', t('range.from'), { type: 'datetime-local', value: toLocalInput(Number(filters.from)) });
    const toIn = input('to', t('range.to'), { type: 'datetime-local', value: toLocalInput(Number(filters.to)) });
    const keyIn = input('key', t('dim.key'), { list: 'dl-keys', autocomplete: 'off' });
    const modelIn = input('model', t('dim.model'), { list: 'dl-models', autocomplete: 'off' });
    const provIn = input('provider', t('dim.provider'), { list: 'dl-providers', autocomplete: 'off' });
    const statusIn = input('status', t('logs.status'), { type: 'number', min: 100, max: 599, inputmode: 'numeric' });
    const errOnly = h('input', { type: 'checkbox', id: 'f-errors_only', checked: filters.errors_only === '1' });
    const lists = h('div', { hidden: true });

    const form = h('form', {
        class: 'filters', 'aria-label': t('logs.filters'),
        onsubmit: (e) => {
            e.preventDefault();
            const p = {};
            const from = fromLocalInput(fromIn[1].value);
            const to = fromLocalInput(toIn[1].value);
            if (from) p.from = from;
            if (to) p.to = to;
            for (const [k, el] of [['key', keyIn[1]], ['model', modelIn[1]], ['provider', provIn[1]], ['status', statusIn[1]]]) {
                if (el.value.trim()) p[k] = el.value.trim();
            }
            if (errOnly.checked) p.errors_only = '1';
            if (params.get('limit')) p.limit = params.get('limit');
            go('logs', p);
        },
    },
    h('div', { class: 'field' }, fromIn),
    h('div', { class: 'field' }, toIn),
    h('div', { class: 'field' }, keyIn),
    h('div', { class: 'field' }, modelIn),
    h('div', { class: 'field' }, provIn),
    h('div', { class: 'field narrow' }, statusIn),
    h('div', { class: 'field check' }, errOnly, h('label', { for: 'f-errors_only' }, t('logs.errors_only'))),
    h('div', { class: 'field actions' },
        h('button', { type: 'submit', class: 'primary' }, t('logs.apply')),
        h('button', { type: 'button', onclick: () => go('logs') }, t('logs.reset'))),
    lists);

    const results = h('div', { class: 'results' }, loading());
    const pager = h('div', { class: 'pager' });
    const dialog = h('dialog', { class: 'detail', id: 'log-detail', 'aria-labelledby': 'detail-title' });
    dialog.addEventListener('close', () => replace(dialog));

    replace(main,
        h('div', { class: 'page-head' }, h('h1', null, t('nav.logs'))),
        form, results, pager, dialog);

    // Suggestions for the filter inputs; the table works without them.
    Promise.all([api.config().catch(() => null), api.keys().catch(() => null)]).then(([cfg, keys]) => {
        if (!alive) return;
        const dl = (id, values) => h('datalist', { id }, [...new Set(values)].map((v) => h('option', { value: v })));
        replace(lists,
            dl('dl-keys', keys ? keys.keys.map((k) => k.name) : []),
            dl('dl-models', cfg ? cfg.routes.map((r) => r.model) : []),
            dl('dl-providers', cfg ? cfg.providers.map((p) => p.name) : []));
    });

    function query() {
        const q = { limit: pageSize };
        for (const k of FILTERS) {
            if (filters[k]) q[k] = k === 'errors_only' ? 'true' : filters[k];
        }
        if (cursors[pageNo]) q.cursor = cursors[pageNo];
        return q;
    }

    async function load() {
        try {
            const res = await api.logs(query());
            if (!alive) return;
            items = res.items;
            cursors[pageNo + 1] = res.next_cursor;
            cursors.length = pageNo + 2;
            renderTable();
            renderPager();
            main.dataset.loaded = String(Date.now());
        } catch (err) {
            if (alive) replace(results, errorBanner(err));
        }
    }

    function renderTable() {
        replace(results, table([
            { label: t('logs.time'), nowrap: true, cell: (r) => f.dateTime(r.time_ms || r.time, !!r.time_ms) },
            { label: t('dim.key'), cell: (r) => r.key || t('common.none') },
            { label: t('dim.model'), nowrap: true, cell: (r) => r.model || t('common.none') },
            { label: t('dim.provider'), cell: (r) => (r.provider ? `${r.provider} · ${r.upstream_model || ''}` : t('common.none')) },
            { label: t('logs.status'), cell: (r) => statusBadge(r.status) },
            { label: t('logs.attempts'), num: true, cell: (r) => f.num(r.attempts) },
            { label: t('field.latency_ms'), num: true, cell: (r) => f.ms(r.latency_ms) },
            { label: t('logs.tokens_in_out'), num: true, cell: (r) => `${f.num(r.prompt_tokens)} / ${f.num(r.completion_tokens)}` },
            { label: t('metric.cost'), num: true, cell: (r) => f.usd(r.cost_usd) },
            {
                label: t('logs.detail'),
                cell: (r) => h('button', {
                    type: 'button', class: 'small', 'data-seq': r.seq,
                    'aria-label': t('logs.detail_of', { id: r.request_id || r.seq }),
                    onclick: () => openDetail(r.seq),
                }, t('logs.view')),
            },
        ], items, { caption: t('nav.logs'), empty: t('logs.empty'), rowAttrs: (r) => ({ 'data-seq': r.seq }) }));
    }

    function renderPager() {
        const next = cursors[pageNo + 1];
        replace(pager,
            h('button', {
                type: 'button', disabled: pageNo === 0, id: 'page-prev',
                onclick: () => { pageNo--; load(); },
            }, t('logs.prev')),
            h('span', { class: 'muted' }, t('logs.page', { n: pageNo + 1 })),
            h('button', {
                type: 'button', disabled: !next, id: 'page-next',
                onclick: () => { pageNo++; load(); },
            }, t('logs.next')),
            h('label', { for: 'page-size', class: 'muted' }, t('logs.page_size')),
            h('select', {
                id: 'page-size',
                onchange: (e) => {
                    const p = Object.fromEntries(params);
                    p.limit = e.target.value;
                    go('logs', p);
                },
            }, PAGE_SIZES.map((n) => h('option', { value: n, selected: n === pageSize }, String(n)))));
    }

    async function openDetail(seq) {
        replace(dialog, loading());
        if (!dialog.open) dialog.showModal();
        try {
            const d = await api.log(seq);
            if (!alive) return;
            replace(dialog, detailView(d, () => dialog.close()));
            dialog.querySelector('button.close').focus();
        } catch (err) {
            replace(dialog, errorBanner(err), h('button', { type: 'button', class: 'close', onclick: () => dialog.close() }, t('common.close')));
        }
    }

    // Page 1 follows new traffic; later pages stay where the reader is.
    const unsubscribe = live.subscribe((s) => {
        if (lastSeq !== null && s.last_seq !== lastSeq && pageNo === 0) {
            load();
        }
        lastSeq = s.last_seq;
    });

    load();
    if (params.get('seq')) {
        openDetail(params.get('seq'));
    }

    return {
        destroy() {
            alive = false;
            unsubscribe();
            if (dialog.open) dialog.close();
        },
    };
}

const BODY_FIELDS = ['request_body', 'response_body'];
const OWN_SECTION = [...BODY_FIELDS, 'attempt_list', 'time_ms'];

// One row per try against a provider, with whatever fields the drain
// stored for it (provider, status, latency_ms, error_class, ...).
function attemptsTable(list) {
    const keys = [...new Set(list.flatMap((a) => Object.keys(a || {})))];
    return table(keys.map((k) => ({
        label: fieldLabel(k),
        num: k.endsWith('_ms'),
        cell: (a) => {
            const v = a[k];
            if (k === 'status' && typeof v === 'number') return statusBadge(v);
            if (k.endsWith('_ms')) return f.ms(v);
            return v === null || v === undefined ? '–' : typeof v === 'object' ? JSON.stringify(v) : String(v);
        },
    })), list, { caption: t('logs.attempts'), empty: t('logs.no_attempts') });
}

// A field's name in the current language, or as the API spells it.
function fieldLabel(k) {
    const s = t(`field.${k}`);
    return s === `field.${k}` ? k : s;
}

// Every field of the entry, known ones first in a readable order, then any
// the API adds later (arrays and objects pretty-printed), then the bodies.
function detailView(d, close) {
    const order = ['seq', 'request_id', 'time', 'key', 'key_id', 'dialect', 'model', 'route', 'provider',
        'upstream_model', 'response_model', 'finish_reason', 'status', 'error', 'attempts', 'stream', 'latency_ms', 'ttfb_ms', 'prompt_tokens',
        'completion_tokens', 'cached_tokens', 'reasoning_tokens', 'cost_usd', 'cache'];
    const keys = [...order.filter((k) => k in d), ...Object.keys(d).filter((k) => !order.includes(k) && !OWN_SECTION.includes(k))];
    const value = (k, v) => {
        if (v === null || v === undefined || v === '') return t('common.none');
        if (k === 'time') return f.dateTime(d.time_ms || v, !!d.time_ms);
        if (k === 'status') return statusBadge(v);
        if (k === 'cost_usd') return f.usd(v);
        if (k.endsWith('_ms')) return f.ms(v);
        if (typeof v === 'boolean') return v ? t('common.yes') : t('common.no');
        if (typeof v === 'number') return f.num(v);
        if (typeof v === 'object') return h('pre', { class: 'code' }, JSON.stringify(v, null, 2));
        return String(v);
    };
    return h('div', { class: 'detail-inner' },
        h('div', { class: 'detail-head' },
            h('h2', { id: 'detail-title' }, t('logs.detail_title', { id: d.request_id || d.seq })),
            h('button', { type: 'button', class: 'close ghost', onclick: close, 'aria-label': t('common.close') }, '✕')),
        h('dl', { class: 'fields' }, keys.map((k) => [h('dt', null, fieldLabel(k)), h('dd', { 'data-field': k }, value(k, d[k]))])),
        Array.isArray(d.attempt_list) ? [h('h3', null, t('logs.attempts')), attemptsTable(d.attempt_list)] : null,
        BODY_FIELDS.map((k) => [
            h('h3', null, t(`field.${k}`)),
            d[k] === null || d[k] === undefined
                ? h('p', { class: 'muted' }, t('logs.no_capture'))
                : h('pre', { class: 'code body', 'data-body': k }, f.prettyBody(d[k])),
        ]));
}
