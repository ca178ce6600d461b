// Providers and routes as nginx loaded them (GET /config), with each
// provider's health from the shared state and its share of the last day's
// traffic; the pipeline (ring, drain) from GET /health.

import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import * as f from '../format.js';
import { card, table, errorBanner, loading } from '../components.js';
import { shareChart } from '../charts.js';

function healthBadge(hl) {
    const state = (hl && hl.state) || 'unknown';
    const cooling = state === 'cooldown' && hl.cooldown_until_ms > Date.now();
    const cls = state === 'ok' ? 'ok' : cooling ? 'bad' : 'muted';
    return h('span', { class: `badge ${cls}`, 'data-health': state }, t(`health.${state}`));
}

export function renderProviders(main, { live }) {
    let alive = true;
    let chart = null;
    const body = h('div', { class: 'stack' }, loading());
    replace(main, h('div', { class: 'page-head' }, h('h1', null, t('nav.providers'))), body);

    async function load() {
        try {
            const now = Math.floor(Date.now() / 1000);
            const [cfg, usage, health] = await Promise.all([
                api.config(),
                api.usage({ from: now - 86400, to: now + 1, group_by: 'provider' }).catch(() => null),
                api.health().catch(() => null),
            ]);
            if (!alive) return;
            render(cfg, usage, health);
            main.dataset.loaded = String(Date.now());
        } catch (err) {
            if (alive) replace(body, errorBanner(err));
        }
    }

    function render(cfg, usage, health) {
        const rows = usage ? usage.rows : [];
        const total = rows.reduce((a, r) => a + r.requests, 0);
        const byName = new Map(rows.map((r) => [r.group, r]));
        const share = (p) => (total ? (byName.get(p.name)?.requests || 0) / total : null);
        const canvas = h('canvas', { id: 'chart-provider-share', role: 'img', 'aria-label': t('providers.share') });

        if (chart) {
            chart.destroy();
            chart = null;
        }

        replace(body,
            cfg.loaded ? null : h('p', { class: 'banner warn', role: 'status' }, t('providers.not_loaded')),
            card(t('providers.title'),
                table([
                    { label: t('providers.name'), cell: (p) => h('strong', null, p.name) },
                    { label: t('providers.type'), cell: (p) => p.type },
                    { label: t('providers.url'), cell: (p) => h('code', { class: 'wrap' }, p.url) },
                    { label: t('providers.health'), cell: (p) => healthBadge(p.health) },
                    {
                        label: t('providers.cooldown'),
                        cell: (p) => (p.health && p.health.cooldown_until_ms > Date.now()
                            ? t('providers.until', { time: f.dateTime(p.health.cooldown_until_ms, true) }) : '–'),
                    },
                    { label: t('providers.failures'), num: true, cell: (p) => f.num(p.health?.failures ?? 0) },
                    { label: t('providers.errors'), num: true, cell: (p) => `${f.num(p.health?.errors ?? 0)} / ${f.num(p.health?.requests ?? 0)}` },
                    { label: t('providers.share_24h'), num: true, cell: (p) => f.pct(share(p)) },
                ], cfg.providers, { caption: t('providers.title'), empty: t('providers.none'), rowAttrs: (p) => ({ 'data-provider': p.name }) }),
                h('p', { class: 'hint' }, t('providers.errors_hint'))),
            h('div', { class: 'grid-2' },
                card(t('providers.routes'),
                    table([
                        { label: t('dim.model'), cell: (r) => h('strong', null, r.model) },
                        {
                            label: t('providers.steps'),
                            cell: (r) => h('ol', { class: 'steps' }, r.steps.map((s) => h('li', null,
                                `${s.provider} → ${s.model || r.model}`, s.weight ? h('span', { class: 'muted' }, ` (${t('providers.weight')} ${s.weight})`) : null))),
                        },
                    ], cfg.routes, { caption: t('providers.routes'), empty: t('providers.no_routes') })),
                card(t('providers.share'),
                    total ? h('div', { class: 'chart chart-small' }, canvas) : h('p', { class: 'empty' }, t('common.empty')))),
            h('div', { class: 'grid-2' },
                card(t('providers.static_keys'),
                    table([
                        { label: t('keys.name'), cell: (k) => k.name },
                        { label: t('keys.models'), cell: (k) => (k.models && k.models.length ? k.models.join(', ') : t('keys.all_models')) },
                    ], cfg.static_keys || [], { empty: t('providers.no_static_keys') })),
                health ? card(t('providers.pipeline'), pipeline(health, cfg)) : null));

        if (total) {
            chart = shareChart(canvas, rows.map((r) => r.group || t('providers.unrouted')), rows.map((r) => r.requests), f.num);
        }
    }

    function pipeline(hl, cfg) {
        const ring = hl.ring || {};
        const item = (k, v) => [h('dt', null, t(k)), h('dd', null, v)];
        return h('dl', { class: 'fields' },
            item('providers.db', hl.db && hl.db.ok ? t('health.ok') : (hl.db && hl.db.error) || t('health.unknown')),
            item('providers.ring_fill', `${f.num(ring.fill)} / ${f.num(ring.capacity)}`),
            item('providers.ring_dropped', f.num(ring.dropped)),
            item('providers.last_drain', f.dateTime(hl.last_drain_at)),
            item('providers.keys_generation', f.num(cfg.keys_generation ?? hl.keys_generation)),
            item('providers.version', hl.version || '–'));
    }

    // Health changes with traffic: refresh at most every 5 s while open.
    let lastSeq = null;
    let timer = 0;
    const unsubscribe = live.subscribe((s) => {
        if (lastSeq !== null && s.last_seq !== lastSeq && !timer) {
            timer = setTimeout(() => { timer = 0; load(); }, 5000);
        }
        lastSeq = s.last_seq;
    });

    load();
    return {
        destroy() {
            alive = false;
            clearTimeout(timer);
            unsubscribe();
            if (chart) chart.destroy();
        },
    };
}
