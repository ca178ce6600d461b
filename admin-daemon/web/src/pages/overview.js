// Overview: live totals of the last hour (server-sent events), then the
// selected range as totals, time charts and breakdowns by model, provider
// and key.

import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import * as f from '../format.js';
import { tile, card, table, errorBanner, loading, resolveRange, rangePicker } from '../components.js';
import { timeChart, shareChart } from '../charts.js';

const BUCKET_SECS = { minute: 60, hour: 3600, day: 86400 };

// One row per bucket from `from` to `to`, zeros where the API had none, so
// quiet periods show as such instead of being skipped.
function fillBuckets(rows, from, to, bucket) {
    const w = BUCKET_SECS[bucket];
    const byTime = new Map(rows.map((r) => [r.time ?? Number(r.group), r]));
    const times = new Set(byTime.keys());
    for (let x = Math.floor(from / w) * w; x < to; x += w) {
        times.add(x);
    }
    return [...times].sort((a, b) => a - b).map((x) => byTime.get(x) || {
        time: x, requests: 0, errors: 0, prompt_tokens: 0, completion_tokens: 0,
        cached_tokens: 0, cost_usd: 0, latency_p50_ms: null, latency_p95_ms: null,
    });
}

function totalTokens(r) {
    return (r.prompt_tokens || 0) + (r.completion_tokens || 0);
}

function errorRate(r) {
    return r.requests ? r.errors / r.requests : null;
}

export function renderOverview(main, { params, live, go }) {
    const range = resolveRange(params);
    const charts = [];
    let alive = true;
    let lastSeq = null;
    let reloadTimer = 0;
    let loadingNow = false;

    const liveTiles = {
        requests: tile(t('metric.requests'), 'live-requests'),
        tokens: tile(t('metric.tokens'), 'live-tokens'),
        cost: tile(t('metric.cost'), 'live-cost'),
        errors: tile(t('metric.error_rate'), 'live-error-rate'),
        latency: tile(t('metric.latency'), 'live-latency'),
    };
    const rangeTiles = {
        requests: tile(t('metric.requests'), 'total-requests'),
        tokens: tile(t('metric.tokens'), 'total-tokens'),
        cost: tile(t('metric.cost'), 'total-cost'),
        errors: tile(t('metric.error_rate'), 'total-error-rate'),
        latency: tile(t('metric.latency'), 'total-latency'),
    };
    const body = h('div', { class: 'overview-body' }, loading());

    replace(main,
        h('div', { class: 'page-head' },
            h('h1', null, t('nav.overview')),
            rangePicker(range, (p) => go('overview', p))),
        h('section', { class: 'live-strip', 'aria-label': t('overview.live') },
            h('h2', null, t('overview.live'), ' ', h('span', { class: 'muted small' }, t('overview.live_hint'))),
            h('div', { class: 'tiles' }, Object.values(liveTiles).map((x) => x.el))),
        h('section', { 'aria-label': t('overview.range_totals') },
            h('h2', { class: 'section-title' }, t('overview.range_totals'), ' ',
                h('span', { class: 'muted small', id: 'range-label' },
                    `${f.dateTime(range.from)} – ${f.dateTime(Math.min(range.to, Math.floor(Date.now() / 1000)))}`)),
            h('div', { class: 'tiles' }, Object.values(rangeTiles).map((x) => x.el))),
        body);

    // approx: the live stream's percentiles are histogram bucket bounds.
    function setTotals(tiles, s, approx) {
        const lat = (v) => (approx && v !== null && v !== undefined ? `≤ ${f.ms(v)}` : f.ms(v));
        tiles.requests.set(f.num(s.requests), t('metric.errors_n', { n: f.num(s.errors) }));
        tiles.tokens.set(f.compact(totalTokens(s)), t('metric.tokens_split', {
            p: f.compact(s.prompt_tokens), c: f.compact(s.completion_tokens), k: f.compact(s.cached_tokens),
        }));
        tiles.cost.set(f.usd(s.cost_usd), '');
        tiles.errors.set(f.pct(errorRate(s)), '');
        tiles.latency.set(lat(s.latency_p50_ms), t('metric.p95', { v: lat(s.latency_p95_ms) }));
    }

    function destroyCharts() {
        while (charts.length) {
            charts.pop().destroy();
        }
    }

    function chartCard(title, id) {
        const canvas = h('canvas', { id, role: 'img', 'aria-label': title });
        return { canvas, el: card(title, h('div', { class: 'chart' }, canvas)) };
    }

    function breakdown(title, dim, rows, id) {
        const shown = rows.slice(0, 12);
        const canvas = h('canvas', { id: `share-${id}`, role: 'img', 'aria-label': t('overview.share_of_cost', { what: dim }) });
        const el = card(title, h('div', { class: 'breakdown' },
            shown.length ? h('div', { class: 'chart chart-small' }, canvas) : null,
            table([
                { label: dim, cell: (r) => h('span', { class: 'group-name' }, r.group || t('common.none')) },
                { label: t('metric.requests'), num: true, cell: (r) => f.num(r.requests) },
                { label: t('metric.prompt'), num: true, cell: (r) => f.compact(r.prompt_tokens) },
                { label: t('metric.completion'), num: true, cell: (r) => f.compact(r.completion_tokens) },
                { label: t('metric.cached'), num: true, cell: (r) => f.compact(r.cached_tokens) },
                { label: t('metric.cost'), num: true, cell: (r) => f.usd(r.cost_usd) },
                { label: t('metric.error_rate'), num: true, cell: (r) => f.pct(errorRate(r)) },
                { label: 'p50', num: true, cell: (r) => f.ms(r.latency_p50_ms) },
                { label: 'p95', num: true, cell: (r) => f.ms(r.latency_p95_ms) },
            ], shown, { caption: title, rowAttrs: () => ({ 'data-breakdown': id }) })));
        if (shown.length) {
            const useCost = shown.some((r) => r.cost_usd > 0);
            charts.push(shareChart(canvas, shown.map((r) => r.group || t('common.none')),
                shown.map((r) => (useCost ? r.cost_usd : r.requests)), useCost ? f.usd : f.num));
        }
        return el;
    }

    async function load() {
        if (loadingNow) {
            return;
        }
        loadingNow = true;
        const r = resolveRange(params);
        const q = { from: r.from, to: r.to };
        try {
            const [time, byModel, byProvider, byKey] = await Promise.all([
                api.usage({ ...q, group_by: 'time', bucket: r.bucket }),
                api.usage({ ...q, group_by: 'model' }),
                api.usage({ ...q, group_by: 'provider' }),
                api.usage({ ...q, group_by: 'key' }),
            ]);
            if (!alive) {
                return;
            }
            setTotals(rangeTiles, time.totals);
            destroyCharts();

            const rows = fillBuckets(time.rows, r.from, r.to, r.bucket);
            const labels = rows.map((x) => f.bucketLabel(x.time ?? Number(x.group), r.bucket));
            const req = chartCard(t('chart.requests'), 'chart-requests');
            const tok = chartCard(t('chart.tokens'), 'chart-tokens');
            const cost = chartCard(t('chart.cost'), 'chart-cost');
            const lat = chartCard(t('chart.latency'), 'chart-latency');

            replace(body,
                h('div', { class: 'grid-2' }, req.el, tok.el, cost.el, lat.el),
                h('div', { class: 'stack' },
                    breakdown(t('overview.by', { what: t('dim.model') }), t('dim.model'), byModel.rows, 'model'),
                    breakdown(t('overview.by', { what: t('dim.provider') }), t('dim.provider'), byProvider.rows, 'provider'),
                    breakdown(t('overview.by', { what: t('dim.key') }), t('dim.key'), byKey.rows, 'key')));

            charts.push(timeChart(req.canvas, labels, [
                { label: t('metric.requests'), data: rows.map((x) => x.requests - x.errors), colour: 0 },
                { label: t('metric.errors'), data: rows.map((x) => x.errors), colour: 3 },
            ], { type: 'bar', stacked: true, fmt: f.num, integer: true }));
            charts.push(timeChart(tok.canvas, labels, [
                { label: t('metric.prompt'), data: rows.map((x) => x.prompt_tokens), colour: 0 },
                { label: t('metric.completion'), data: rows.map((x) => x.completion_tokens), colour: 1 },
                { label: t('metric.cached'), data: rows.map((x) => x.cached_tokens), colour: 2 },
            ], { fmt: f.compact }));
            charts.push(timeChart(cost.canvas, labels, [
                { label: t('metric.cost'), data: rows.map((x) => x.cost_usd), colour: 4, fill: true },
            ], { fmt: f.usd }));
            charts.push(timeChart(lat.canvas, labels, [
                { label: 'p50', data: rows.map((x) => x.latency_p50_ms), colour: 1 },
                { label: 'p95', data: rows.map((x) => x.latency_p95_ms), colour: 5 },
            ], { fmt: f.ms }));
            main.dataset.loaded = String(Date.now());
        } catch (err) {
            if (alive) {
                replace(body, errorBanner(err));
            }
        } finally {
            loadingNow = false;
        }
    }

    // New events drained: refresh the range (at most every 2 s) when it
    // ends now; a custom range in the past does not change.
    const unsubscribe = live.subscribe((s) => {
        setTotals(liveTiles, s, true);
        if (lastSeq !== null && s.last_seq !== lastSeq && range.live && !reloadTimer) {
            reloadTimer = setTimeout(() => {
                reloadTimer = 0;
                load();
            }, 2000);
        }
        lastSeq = s.last_seq;
    });

    load();

    return {
        destroy() {
            alive = false;
            clearTimeout(reloadTimer);
            unsubscribe();
            destroyCharts();
        },
    };
}
