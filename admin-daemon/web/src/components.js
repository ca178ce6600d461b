// Small building blocks the pages share: stat tiles, cards, tables, the
// time-range picker and error banners.

import { h, replace } from './dom.js';
import { t } from './i18n.js';

export function tile(label, id) {
    const value = h('div', { class: 'tile-value', id: id || null }, '–');
    const sub = h('div', { class: 'tile-sub' });
    const el = h('div', { class: 'tile' }, h('div', { class: 'tile-label' }, label), value, sub);
    return {
        el,
        set(v, s) {
            value.textContent = v;
            sub.textContent = s || '';
        },
    };
}

export function card(title, ...body) {
    return h('section', { class: 'card', 'aria-label': title },
        h('h2', null, title), ...body);
}

// columns: [{ label, cell(row) -> string|Node, num?, nowrap? }]
export function table(columns, rows, { caption, empty, rowAttrs } = {}) {
    if (!rows.length) {
        return h('p', { class: 'empty' }, empty || t('common.empty'));
    }
    return h('div', { class: 'table-wrap' },
        h('table', null,
            caption ? h('caption', { class: 'sr-only' }, caption) : null,
            h('thead', null, h('tr', null, columns.map((c) =>
                h('th', { scope: 'col', class: c.num ? 'num' : null }, c.label)))),
            h('tbody', null, rows.map((r) => h('tr', rowAttrs ? rowAttrs(r) : null,
                columns.map((c) => h('td', {
                    class: [c.num && 'num', c.nowrap && 'nowrap'].filter(Boolean).join(' ') || null,
                    'data-label': c.label,
                }, c.cell(r))))))));
}

export function errorBanner(err) {
    return h('p', { class: 'banner error', role: 'alert' }, t('error.generic', { msg: err.message || String(err) }));
}

export function loading() {
    return h('p', { class: 'muted loading', role: 'status' }, t('common.loading'));
}

const RANGES = [
    { id: '1h', secs: 3600, bucket: 'minute' },
    { id: '24h', secs: 86400, bucket: 'hour' },
    { id: '7d', secs: 7 * 86400, bucket: 'hour' },
];

// Resolve the range in a page's params to { from, to, bucket, live }.
// "live" ranges end now and move with the clock.
export function resolveRange(params) {
    const id = params.get('range') || '24h';
    const now = Math.floor(Date.now() / 1000);
    if (id === 'custom') {
        const from = Number(params.get('from')) || now - 86400;
        const to = Number(params.get('to')) || now;
        const span = Math.max(to - from, 60);
        const bucket = span <= 3 * 3600 ? 'minute' : span <= 8 * 86400 ? 'hour' : 'day';
        return { id, from, to, bucket, live: false };
    }
    const r = RANGES.find((x) => x.id === id) || RANGES[1];
    return { id: r.id, from: now - r.secs, to: now + 1, bucket: r.bucket, live: true };
}

function toLocalInput(t) {
    const d = new Date(t * 1000);
    const pad = (n) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function fromLocalInput(v) {
    const ms = new Date(v).getTime();
    return Number.isFinite(ms) ? Math.floor(ms / 1000) : 0;
}

// The range picker: preset buttons plus a custom from/to.  onChange gets
// the new params (range, from, to).
export function rangePicker(range, onChange) {
    const custom = h('form', {
        class: 'custom-range', hidden: range.id !== 'custom',
        onsubmit: (e) => {
            e.preventDefault();
            const from = fromLocalInput(fromIn.value);
            const to = fromLocalInput(toIn.value);
            if (from && to && to > from) {
                onChange({ range: 'custom', from, to });
            }
        },
    });
    const fromIn = h('input', { type: 'datetime-local', id: 'range-from', value: toLocalInput(range.from) });
    const toIn = h('input', { type: 'datetime-local', id: 'range-to', value: toLocalInput(Math.min(range.to, Math.floor(Date.now() / 1000))) });
    replace(custom,
        h('label', { for: 'range-from' }, t('range.from')), fromIn,
        h('label', { for: 'range-to' }, t('range.to')), toIn,
        h('button', { type: 'submit' }, t('range.apply')));

    const group = h('div', { class: 'segmented', role: 'group', 'aria-label': t('range.label') },
        [...RANGES.map((r) => r.id), 'custom'].map((id) => h('button', {
            type: 'button',
            'aria-pressed': String(range.id === id),
            'data-range': id,
            onclick: () => {
                if (id === 'custom') {
                    custom.hidden = false;
                    fromIn.focus();
                } else {
                    onChange({ range: id });
                }
            },
        }, t(`range.${id}`))));

    return h('div', { class: 'range-picker' }, group, custom);
}
