// English and Chinese.  The browser's languages choose the first time; the
// switch in the header overrides it and is remembered in localStorage.
// Missing translations fall back to English, then to the key itself.

import { messages } from './messages.js';

const STORE = 'agw.lang';
let current = detect();

function detect() {
    let saved = null;
    try {
        saved = localStorage.getItem(STORE);
    } catch {
        // storage disabled: use the browser's choice
    }
    if (saved === 'en' || saved === 'zh') {
        return saved;
    }
    const langs = navigator.languages && navigator.languages.length
        ? navigator.languages : [navigator.language || 'en'];
    for (const l of langs) {
        const base = String(l).toLowerCase().split('-')[0];
        if (base === 'zh' || base === 'en') {
            return base;
        }
    }
    return 'en';
}

export function lang() {
    return current;
}

export function setLang(l) {
    current = l === 'zh' ? 'zh' : 'en';
    try {
        localStorage.setItem(STORE, current);
    } catch {
        // not remembered, still applied
    }
    applyLang();
}

export function applyLang() {
    document.documentElement.lang = current === 'zh' ? 'zh-CN' : 'en';
    document.title = t('app.title');
}

// t('keys.count', { n: 3 }) with "{n} keys" in the dictionary.
export function t(key, vars) {
    const s = (messages[current] && messages[current][key]) ?? messages.en[key] ?? key;
    if (!vars) {
        return s;
    }
    return s.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
}
