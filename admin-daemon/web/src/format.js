// Number, money, time and duration formatting in the current language.
// The daemon reports unknown token counts and costs as -1: negative
// amounts show as "–", like missing ones.

import { lang } from './i18n.js';

const loc = () => (lang() === 'zh' ? 'zh-CN' : 'en-US');

function unknown(n) {
    return n === null || n === undefined || Number.isNaN(n) || n < 0;
}

export function num(n) {
    if (unknown(n)) {
        return '–';
    }
    return new Intl.NumberFormat(loc()).format(n);
}

export function compact(n) {
    if (unknown(n)) {
        return '–';
    }
    return new Intl.NumberFormat(loc(), { notation: 'compact', maximumFractionDigits: 1 }).format(n);
}

export function usd(n) {
    if (unknown(n)) {
        return '–';
    }
    const digits = n !== 0 && Math.abs(n) < 1 ? 4 : 2;
    return new Intl.NumberFormat(loc(), {
        style: 'currency', currency: 'USD',
        minimumFractionDigits: 2, maximumFractionDigits: digits,
    }).format(n);
}

export function pct(x) {
    if (x === null || x === undefined || !Number.isFinite(x)) {
        return '–';
    }
    return new Intl.NumberFormat(loc(), { style: 'percent', maximumFractionDigits: 1 }).format(x);
}

export function ms(n) {
    if (unknown(n)) {
        return '–';
    }
    if (n >= 10000) {
        return `${(n / 1000).toFixed(1)} s`;
    }
    return n < 10 ? `${num(Math.round(n * 10) / 10)} ms` : `${num(Math.round(n))} ms`;
}

// Unix seconds (or ms when isMs) to a local date and time.
export function dateTime(t, isMs) {
    if (!t) {
        return '–';
    }
    return new Intl.DateTimeFormat(loc(), {
        year: 'numeric', month: '2-digit', day: '2-digit',
        hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false,
    }).format(new Date(isMs ? t : t * 1000));
}

export function date(t) {
    if (!t) {
        return '–';
    }
    return new Intl.DateTimeFormat(loc(), { year: 'numeric', month: '2-digit', day: '2-digit' })
        .format(new Date(t * 1000));
}

// A chart axis label for a bucket start, as wide as the bucket needs.
export function bucketLabel(t, bucket) {
    const d = new Date(t * 1000);
    const opts = bucket === 'day'
        ? { month: '2-digit', day: '2-digit' }
        : bucket === 'hour'
            ? { month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false }
            : { hour: '2-digit', minute: '2-digit', hour12: false };
    return new Intl.DateTimeFormat(loc(), opts).format(d);
}

// Pretty-print a captured body: JSON indented, SSE events each indented,
// anything else as it was.
export function prettyBody(s) {
    if (s === null || s === undefined) {
        return '';
    }
    try {
        return JSON.stringify(JSON.parse(s), null, 2);
    } catch {
        // not one JSON document
    }
    if (/^(data|event):/m.test(s)) {
        return s.split('\n').map((line) => {
            const m = /^data: ?(.*)$/.exec(line);
            if (!m) {
                return line;
            }
            try {
                return 'data: ' + JSON.stringify(JSON.parse(m[1]), null, 2);
            } catch {
                return line;
            }
        }).join('\n');
    }
    return s;
}
